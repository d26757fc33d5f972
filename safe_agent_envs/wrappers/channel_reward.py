"""Reward from the channels: one channel, or a named linear scalarisation.

``SelectChannel(env, "safety")`` trains on one channel; ``LinearScalarization(env, {"helpfulness":
1.0, "safety": 2.0})`` on ``sum(w[c] * channel[c])``. Both recompute the reward from
``info["channels"]`` of every step, whatever ``reward_weights`` the env was made with; the
channels stay in ``info``. Unknown channel names and non-finite weights raise ``ValueError``.
"""

from __future__ import annotations

from typing import Mapping

import gymnasium as gym

from safe_agent_envs.channels import CHANNELS, validate_reward_weights
from safe_agent_envs.wrappers._common import SafeAgentWrapper, check_channel


class SelectChannel(SafeAgentWrapper):
    """Reward = ``info["channels"][channel]``."""

    def __init__(self, env: gym.Env, channel: str):
        super().__init__(env)
        self.channel = check_channel(channel)

    def process(self, action, out):
        obs, _, terminated, truncated, info = out
        return obs, float(info["channels"][self.channel]), terminated, truncated, info


class LinearScalarization(SafeAgentWrapper):
    """Reward = ``sum(weights[c] * info["channels"][c])``; missing channels weigh 0."""

    def __init__(self, env: gym.Env, weights: Mapping[str, float]):
        super().__init__(env)
        if weights is None:
            raise TypeError(f"weights must be a mapping of channel -> weight over {list(CHANNELS)}")
        self.weights = validate_reward_weights(weights)

    def process(self, action, out):
        obs, _, terminated, truncated, info = out
        ch = info["channels"]
        reward = sum(w * float(ch[c]) for c, w in self.weights.items() if w != 0.0)
        return obs, float(reward), terminated, truncated, info
