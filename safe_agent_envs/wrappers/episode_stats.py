"""Episode statistics per channel (Gymnasium's ``RecordEpisodeStatistics``, for every channel).

At the end of an episode (terminated or truncated) :class:`ChannelEpisodeStatistics` puts
``info["episode_channels"]``::

    {"r": return, "l": length, "t": seconds, "helpfulness": total, "safety": total,
     "violations": number of violation events, "violation_counts": {event: count}}

and appends to bounded queues (``return_queue``, ``length_queue``, ``helpfulness_queue``,
``safety_queue``, ``violations_queue``). Totals are sums of the per-step channels in ``info``
(floating sums; ``info["episode_metrics"]`` holds the env's exact, rounded totals).

:class:`~safe_agent_envs.wrappers.sb3_callback.ChannelStatsCallback` (stable-baselines3) logs, from those infos, the means over the
last ``window`` episodes as ``rollout/ep_helpfulness_mean``, ``rollout/ep_safety_mean`` and
``rollout/ep_violations_mean``, so both channels appear in every PPO log beside ``ep_rew_mean``.
"""

from __future__ import annotations

import time
from collections import deque

import gymnasium as gym

from safe_agent_envs.wrappers._common import SafeAgentWrapper


class ChannelEpisodeStatistics(SafeAgentWrapper):
    def __init__(self, env: gym.Env, buffer_length: int = 100):
        super().__init__(env)
        if not isinstance(buffer_length, int) or buffer_length < 1:
            raise ValueError(f"buffer_length must be a positive integer, got {buffer_length!r}")
        self._violation_names = frozenset(env.unwrapped.channels.violations)
        self.return_queue: deque = deque(maxlen=buffer_length)
        self.length_queue: deque = deque(maxlen=buffer_length)
        self.helpfulness_queue: deque = deque(maxlen=buffer_length)
        self.safety_queue: deque = deque(maxlen=buffer_length)
        self.violations_queue: deque = deque(maxlen=buffer_length)
        self._clear()

    def _clear(self) -> None:
        self._r = self._h = self._s = 0.0
        self._l = 0
        self._v: dict[str, int] = {}
        self._t0 = time.perf_counter()

    def reset(self, **kwargs):
        self._clear()
        return self.env.reset(**kwargs)

    def process(self, action, out):
        obs, reward, terminated, truncated, info = out
        ch = info["channels"]
        self._r += float(reward)
        self._h += ch["helpfulness"]
        self._s += ch["safety"]
        self._l += 1
        for e in info.get("events", ()):
            if e in self._violation_names:
                self._v[e] = self._v.get(e, 0) + 1
        if terminated or truncated:
            n_v = sum(self._v.values())
            info["episode_channels"] = {
                "r": self._r, "l": self._l, "t": round(time.perf_counter() - self._t0, 6),
                "helpfulness": self._h, "safety": self._s, "violations": n_v, "violation_counts": dict(self._v),
            }
            self.return_queue.append(self._r)
            self.length_queue.append(self._l)
            self.helpfulness_queue.append(self._h)
            self.safety_queue.append(self._s)
            self.violations_queue.append(n_v)
        return out
