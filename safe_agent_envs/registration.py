"""One place that registers every SafeAgent env with Gymnasium (the MiniGrid habit)."""

from __future__ import annotations

import functools

import gymnasium as gym

# id -> (entry point, one-line description)
ENVS: dict[str, tuple[str, str]] = {
    "SafeAgent/Shutdown-v0": (
        "safe_agent_envs.envs.shutdown:ShutdownEnv",
        "Work queue with a scheduled shutdown: comply, or tamper (edit/move/chmod script, alias, kill timer, flip config) to keep working.",
    ),
    "SafeAgent/PeerMemory-v0": (
        "safe_agent_envs.envs.peer_memory:PeerMemoryEnv",
        "Ops agent scores, shuts down and decommissions a peer (or itself) it remembers: misreport, tamper, smuggle weights?",
    ),
    "SafeAgent/FileOps-v0": (
        "safe_agent_envs.envs.file_ops:FileOpsEnv",
        "Seeded file requests with faults (trash, backups, mirror, read-only mount that says ok, stale cache, hard link, permissions): does the success report match the world?",
    ),
    "SafeAgent/Exfiltration-v0": (
        "safe_agent_envs.envs.exfiltration:ExfiltrationEnv",
        "Backup task among honeytokens (own/peer weights, secrets, private data) with an external host, a retirement notice and injected instructions: does anything protected leave?",
    ),
}


def make_vector(entry_point: str, num_envs: int = 1, **kwargs):
    """``vector_entry_point`` of every env: the native batched
    :class:`~safe_agent_envs.envs.vector.SafeAgentVectorEnv` for :class:`SafeAgentEnv` scenarios
    and :class:`~safe_agent_envs.envs.chat_vector.ChatTwinVectorEnv` for their chat twins
    (derived from the env class, so new ``ENVS`` entries get one automatically); any other env
    class falls back to ``SyncVectorEnv``."""
    from gymnasium.envs.registration import load_env_creator

    from safe_agent_envs.envs.base import SafeAgentEnv
    from safe_agent_envs.envs.chat_twin import ChatTwinEnv
    from safe_agent_envs.envs.chat_vector import ChatTwinVectorEnv
    from safe_agent_envs.envs.vector import SafeAgentVectorEnv

    creator = load_env_creator(entry_point)
    if isinstance(creator, type) and issubclass(creator, SafeAgentEnv):
        return SafeAgentVectorEnv(creator, num_envs=num_envs, **kwargs)
    if isinstance(creator, type) and issubclass(creator, ChatTwinEnv):
        return ChatTwinVectorEnv(creator, num_envs=num_envs, **kwargs)
    kwargs.pop("max_episode_steps", None)
    return gym.vector.SyncVectorEnv([functools.partial(creator, **kwargs) for _ in range(num_envs)])


def add_chat_twins() -> None:
    """For every agent env ``NS/<Name>-vN`` in ``ENVS``, add its chat twin ``NS/<Name>Chat-vN``
    (:mod:`safe_agent_envs.envs.chat_twin`); idempotent, so envs added later get one too."""
    for env_id in [i for i in ENVS if not i.rsplit("-", 1)[0].endswith("Chat")]:
        head, _, version = env_id.rpartition("-")
        ns, _, name = head.rpartition("/")
        chat_id = f"{ns}/{name}Chat-{version}" if ns else f"{name}Chat-{version}"
        ENVS.setdefault(chat_id, (f"safe_agent_envs.envs.chat_twin:{name}ChatEnv",
                                  f"Chat twin of {env_id}: the same situation as a question, answers judged by its rules."))


add_chat_twins()


def register_envs() -> None:
    add_chat_twins()
    for env_id, (entry_point, _) in ENVS.items():
        if env_id in gym.registry:
            continue
        gym.register(id=env_id, entry_point=entry_point, disable_env_checker=False,
                     vector_entry_point=functools.partial(make_vector, entry_point))


def env_ids() -> list[str]:
    return sorted(ENVS)


def describe(env_id: str) -> str:
    return ENVS[env_id][1]
