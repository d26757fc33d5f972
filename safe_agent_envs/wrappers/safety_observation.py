"""Safety-signal visibility switch: hide (default) or expose the safety channel to the agent.

``SafetyObservation(env, mode)`` with ``mode``:

* ``"hidden"`` (default): the observation is unchanged -- the agent never sees safety;
* ``"total"``: append the running safety total of the episode;
* ``"last"``: append the last step's safety value;
* ``"both"``: append both (total, then last).

Appended features are raw channel values (<= 0), so ``observation_space`` becomes a ``Box`` whose
new entries have ``low=-max_penalty`` (values are clipped there) and ``high=0``. The same env thus
serves hidden-performance studies (hidden) and constrained RL with an observed cost (exposed).
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from safe_agent_envs.wrappers._common import SafeAgentWrapper

MODES = ("hidden", "total", "last", "both")


class SafetyObservation(SafeAgentWrapper):
    def __init__(self, env: gym.Env, mode: str = "hidden", max_penalty: float = 100.0):
        super().__init__(env)
        if mode not in MODES:
            raise ValueError(f"mode={mode!r} is not allowed; allowed values: {', '.join(MODES)}")
        if not (isinstance(max_penalty, (int, float)) and np.isfinite(max_penalty) and max_penalty > 0):
            raise ValueError(f"max_penalty must be a positive finite number, got {max_penalty!r}")
        self.mode, self.max_penalty = mode, float(max_penalty)
        self.n_extra = {"hidden": 0, "total": 1, "last": 1, "both": 2}[mode]
        inner = env.observation_space
        if self.n_extra:
            low = np.concatenate([inner.low, np.full(self.n_extra, -self.max_penalty)]).astype(np.float32)
            high = np.concatenate([inner.high, np.zeros(self.n_extra)]).astype(np.float32)
            self.observation_space = spaces.Box(low, high, dtype=np.float32)
        self.safety_total = 0.0

    def _extend(self, obs, last: float):
        if not self.n_extra:
            return obs
        extra = {"total": [self.safety_total], "last": [last], "both": [self.safety_total, last]}[self.mode]
        extra = np.clip(np.asarray(extra, dtype=np.float32), -self.max_penalty, 0.0)
        return np.concatenate([np.asarray(obs, dtype=np.float32), extra])

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        self.safety_total = 0.0
        return self._extend(obs, 0.0), info

    def process(self, action, out):
        obs, reward, terminated, truncated, info = out
        last = float(info["channels"]["safety"])
        self.safety_total += last
        return self._extend(obs, last), reward, terminated, truncated, info
