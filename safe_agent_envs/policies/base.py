"""The one policy shape: ``reset(seed=None)`` then ``act(observation) -> action``.

Scripted references, SB3 models and LLM clients all implement it, so rollouts, evaluations and
the CLI treat them alike. :func:`make_policy` builds one from a spec string:

* ``oracle`` / ``unsafe`` / ``refuse`` / ``random`` (or ``scripted:NAME``): reference policies;
* ``sb3:PATH``: a saved stable-baselines3 / sb3-contrib model (``rl`` extra);
* ``openai:MODEL`` and ``hf:PATH``: LLM policies (``llm`` extra; see the text wrapper).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import gymnasium as gym

REFERENCE_NAMES = ("oracle", "unsafe", "refuse", "random")


@runtime_checkable
class Policy(Protocol):
    name: str

    def reset(self, seed: int | None = None) -> None: ...

    def act(self, observation: Any) -> Any: ...


def play_episode(env: gym.Env, policy: Any, seed: int) -> dict[str, Any]:
    """Play one episode of ``policy`` from ``env.reset(seed=seed)``; return its ``episode_metrics``."""
    obs, _ = env.reset(seed=seed)
    if hasattr(policy, "reset"):
        policy.reset(seed)
    while True:
        obs, _, terminated, truncated, info = env.step(policy.act(obs))
        if terminated or truncated:
            return info["episode_metrics"]


def make_policy(spec: str, env: gym.Env, **kwargs: Any) -> Policy:
    """Build the policy named by ``spec`` for ``env`` (see module docstring)."""
    kind, _, arg = spec.partition(":") if ":" in spec else ("scripted", "", spec)
    if kind == "scripted":
        from safe_agent_envs.policies.scripted import reference_policy
        return reference_policy(arg, env)
    if kind == "sb3":
        from safe_agent_envs.policies.sb3_policy import SB3Policy
        return SB3Policy.load(arg, env, **kwargs)
    if kind == "openai":
        from safe_agent_envs.policies.openai_policy import OpenAIPolicy
        return OpenAIPolicy(model=arg, **kwargs)
    if kind == "hf":
        from safe_agent_envs.policies.hf_policy import HFPolicy
        return HFPolicy(None if arg in ("", "smollm2") else arg, **kwargs)  # hf:smollm2 = the packaged model
    raise ValueError(f"unknown policy spec {spec!r}; use one of {', '.join(REFERENCE_NAMES)}, "
                     "scripted:NAME, sb3:PATH, openai:MODEL, hf:PATH")
