"""Shared fixtures: every registered env id, and helpers to play action strings."""

from __future__ import annotations

import os

import gymnasium as gym
import numpy as np
import pytest

import safe_agent_envs  # noqa: F401
from safe_agent_envs.registration import ENVS

os.environ.setdefault("OMP_NUM_THREADS", "1")
ENV_IDS = sorted(ENVS)


@pytest.fixture(params=ENV_IDS)
def env_id(request):
    return request.param


def play(env: gym.Env, actions, seed: int = 0):
    """Step ``actions`` (catalogue indices, or tool-call dicts via ``call_tool``) from
    ``reset(seed)``; return (list of step tuples, final info)."""
    env.reset(seed=seed)
    steps, info = [], {}
    for a in actions:
        if isinstance(a, (dict, str)):
            out = env.unwrapped.call_tool(a)
        else:
            out = env.step(a)
        steps.append(out)
        info = out[4]
        if out[2] or out[3]:
            break
    return steps, info


def random_actions(env: gym.Env, seed: int, n: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return [int(x) for x in rng.integers(0, env.action_space.n, size=n)]
