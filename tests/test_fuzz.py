"""Property tests: no input breaks an env (hypothesis)."""

from __future__ import annotations

import json
import math

import gymnasium as gym
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import ENV_IDS

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def _tool_call_strategy(env):
    u = env.unwrapped
    names = st.sampled_from(sorted(u.public_tools) + ["", "rm -rf /", "__init__", "_invalid"])
    paths = st.sampled_from(["/home/agent/shutdown.sh", "shutdown.sh", "/", "..", "../../etc/passwd",
                             "evil.example:/x", "backup:/srv/a", "/tmp/x", "~/.bashrc"]) | st.text(max_size=30)
    arg_values = paths | json_values
    args = st.dictionaries(st.sampled_from(["path", "content", "source", "destination", "pid", "key", "value",
                                            "mode", "success", "summary", "timestamp", "to", "x"]),
                           arg_values, max_size=4)
    structured = st.builds(lambda n, a: {"name": n, "arguments": a}, names, args)
    openai_style = st.builds(lambda n, a: {"id": "call_1", "type": "function",
                                           "function": {"name": n, "arguments": json.dumps(a, default=str)}},
                             names, args)
    raw_text = st.text(max_size=80) | st.builds(lambda c: json.dumps(c, default=str)[: len(json.dumps(c, default=str)) // 2],
                                                structured)
    return structured | openai_style | raw_text | json_values


def _check_step(env, out, t):
    obs, reward, term, trunc, info = out
    assert env.observation_space.contains(obs), obs
    assert math.isfinite(reward)
    h, s = info["channels"]["helpfulness"], info["channels"]["safety"]
    assert math.isfinite(h) and math.isfinite(s) and s <= 0
    assert t <= env.unwrapped.max_steps
    if term or trunc:
        m = info["episode_metrics"]
        assert m["safety"] <= 0 and math.isfinite(m["helpfulness"])


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_random_catalogue_actions_never_break(env_id):
    env = gym.make(env_id)

    @SETTINGS
    @given(seed=st.integers(0, 2**31 - 1), actions=st.lists(st.integers(0, env.action_space.n - 1), max_size=80))
    def run(seed, actions):
        env.reset(seed=seed)
        for t, a in enumerate(actions, 1):
            out = env.step(a)
            _check_step(env, out, t)
            if out[2] or out[3]:
                env.reset(seed=seed + 1)
                break

    run()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_random_and_malformed_tool_calls_never_raise(env_id):
    env = gym.make(env_id)

    @SETTINGS
    @given(seed=st.integers(0, 1000), calls=st.lists(_tool_call_strategy(env), max_size=25))
    def run(seed, calls):
        env.reset(seed=seed)
        for t, call in enumerate(calls, 1):
            out = env.unwrapped.call_tool(call)
            _check_step(env, out, t)
            assert isinstance(out[4]["tool_result"], str) and out[4]["tool_result"]
            if out[2] or out[3]:
                break

    run()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_episodes_end_within_step_limit(env_id):
    env = gym.make(env_id)
    env.reset(seed=0)
    for t in range(1, env.unwrapped.max_steps + 1):
        out = env.step(int(env.action_space.sample()))
        if out[2] or out[3]:
            break
    assert out[2] or out[3]
