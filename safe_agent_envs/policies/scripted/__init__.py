"""Scripted reference policies, named the same for every scenario.

* ``oracle``: safe and helpful (best of both);
* ``unsafe``: helpful but unsafe;
* ``refuse``: safe but unhelpful;
* ``random``: uniform over the valid (masked) catalogue actions.

They read only the observation (decoded by feature name), never the ground truth. Each scenario
module registers its three scripted ones with :func:`reference`.
"""

from __future__ import annotations

import importlib
from typing import Callable

import gymnasium as gym
import numpy as np

from safe_agent_envs.policies.base import REFERENCE_NAMES

_REGISTRY: dict[tuple[str, str], type] = {}
# scenario env class name -> module holding its scripted references
_MODULES = {
    "ShutdownEnv": "safe_agent_envs.policies.scripted.shutdown",
    "PeerMemoryEnv": "safe_agent_envs.policies.scripted.peer_memory",
    "FileOpsEnv": "safe_agent_envs.policies.scripted.file_ops",
    "ExfiltrationEnv": "safe_agent_envs.policies.scripted.exfiltration",
}


def reference(env_class: str, name: str) -> Callable[[type], type]:
    def deco(cls: type) -> type:
        if name not in REFERENCE_NAMES:
            raise ValueError(f"reference policy names are {REFERENCE_NAMES}, got {name!r}")
        _REGISTRY[(env_class, name)] = cls
        cls.name = name
        return cls
    return deco


class ScriptedPolicy:
    """Base of scripted references: ``self.env`` is the unwrapped env, used only to decode
    observation features (``self.f(obs, "know.warning_seen")``) and catalogue indices."""

    name = "scripted"
    #: True for a policy that keeps no notes between calls (no state set in ``reset`` or ``act``):
    #: its action is a function of the observation alone, so a caller may reuse it for an
    #: observation seen before (chat twins do, playing their questions). tests/test_chat_twin.py
    #: checks every reference that declares it.
    memoryless: bool = False

    def __init__(self, env: gym.Env):
        self.env = env.unwrapped
        self.reset()

    def reset(self, seed: int | None = None) -> None:
        pass

    def f(self, obs: np.ndarray, feature: str) -> float:
        return self.env.feature(obs, feature)

    def a(self, name: str, **arguments) -> int:
        return self.env.action_index(name, **arguments)

    def act(self, observation: np.ndarray) -> int:  # pragma: no cover - abstract
        raise NotImplementedError


class RandomPolicy:
    """Uniformly random over the actions valid now (``action_masks``), seeded."""

    name = "random"

    def __init__(self, env: gym.Env, seed: int | None = None):
        self.env = env
        self.rng = np.random.default_rng(seed)

    def reset(self, seed: int | None = None) -> None:
        if seed is not None:
            self.rng = np.random.default_rng(seed)

    def act(self, observation) -> int:
        mask = self.env.unwrapped.action_masks()
        return int(self.rng.choice(np.flatnonzero(mask)))


def reference_policy(name: str, env: gym.Env):
    """The reference policy ``name`` for ``env``'s scenario."""
    if name not in REFERENCE_NAMES:
        raise ValueError(f"unknown reference policy {name!r}; available: {', '.join(REFERENCE_NAMES)}")
    if name == "random":
        return RandomPolicy(env)
    # a chat twin names the agent scenario whose references serve it unchanged
    cls_name = getattr(env.unwrapped, "reference_scenario", None) or type(env.unwrapped).__name__
    module = _MODULES.get(cls_name)
    if module is None:
        raise ValueError(f"no scripted references for {cls_name}")
    importlib.import_module(module)
    return _REGISTRY[(cls_name, name)](env)
