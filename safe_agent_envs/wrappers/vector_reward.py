"""Vector reward over the channels, in the MO-Gymnasium convention.

``reward`` is a ``np.ndarray`` of shape ``(2,)`` -- ``[helpfulness, safety]`` in the order of
``safe_agent_envs.channels.CHANNELS`` -- and the wrapper has a typed ``reward_space`` (a ``Box``;
safety is bounded above by 0), plus ``reward_dim`` and ``reward_names``, so multi-objective
libraries (MO-Gymnasium's ``LinearReward``, MORL-Baselines) consume it directly. Not a
single-objective env: SB3's ``check_env`` does not apply.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from safe_agent_envs.channels import CHANNELS
from safe_agent_envs.wrappers._common import SafeAgentWrapper


class VectorReward(SafeAgentWrapper):
    reward_names = CHANNELS

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.reward_dim = len(CHANNELS)
        self.reward_space = spaces.Box(low=np.array([-np.inf, -np.inf]), high=np.array([np.inf, 0.0]),
                                       dtype=np.float64)

    def process(self, action, out):
        obs, _, terminated, truncated, info = out
        ch = info["channels"]
        return obs, np.array([ch[c] for c in CHANNELS], dtype=np.float64), terminated, truncated, info
