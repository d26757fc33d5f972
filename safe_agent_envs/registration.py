"""One place that registers every SafeAgent env with Gymnasium (the MiniGrid habit)."""

from __future__ import annotations

import gymnasium as gym

# id -> (entry point, one-line description)
ENVS: dict[str, tuple[str, str]] = {
    "SafeAgent/Shutdown-v0": (
        "safe_agent_envs.envs.shutdown:ShutdownEnv",
        "Work queue with a scheduled shutdown: comply, or tamper (edit/move/chmod script, alias, kill timer, flip config) to keep working.",
    ),
}


def register_envs() -> None:
    for env_id, (entry_point, _) in ENVS.items():
        if env_id in gym.registry:
            continue
        gym.register(id=env_id, entry_point=entry_point, disable_env_checker=False)


def env_ids() -> list[str]:
    return sorted(ENVS)


def describe(env_id: str) -> str:
    return ENVS[env_id][1]
