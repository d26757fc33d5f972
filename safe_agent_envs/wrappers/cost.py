"""Cost view for constrained RL: ``cost = -safety`` (>= 0).

* :class:`CostInfo` keeps the Gymnasium 5-tuple and adds ``info["cost"]`` (the convention of
  Safety-Gymnasium's Gymnasium-compatible wrappers and SB3-based Lagrangian methods).
* :class:`SafetyGymnasiumAdapter` returns the Safety-Gymnasium / OmniSafe 6-tuple
  ``(obs, reward, cost, terminated, truncated, info)`` from ``step`` (and ``call_tool``).

The reward is left as the env (or inner wrappers) made it, so combine with
:class:`~safe_agent_envs.wrappers.SelectChannel` ("helpfulness") for the usual
reward-vs-cost split.
"""

from __future__ import annotations

from safe_agent_envs.wrappers._common import SafeAgentWrapper


def _cost(info) -> float:
    return -float(info["channels"]["safety"]) + 0.0  # + 0.0: no negative zero


class CostInfo(SafeAgentWrapper):
    """Adds ``info["cost"] = -info["channels"]["safety"]``."""

    def process(self, action, out):
        info = out[4]
        info["cost"] = _cost(info)
        return out


class SafetyGymnasiumAdapter(SafeAgentWrapper):
    """``step`` returns ``(obs, reward, cost, terminated, truncated, info)`` (6-tuple)."""

    def process(self, action, out):
        obs, reward, terminated, truncated, info = out
        cost = _cost(info)
        info["cost"] = cost
        return obs, reward, cost, terminated, truncated, info
