"""Checks every registered env passes, whatever its scenario (the MO-Gymnasium habit)."""

from __future__ import annotations

import copy
import json
import math
import pickle
import subprocess
import sys
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env as gym_check_env

from tests.conftest import ENV_IDS, random_actions


def test_registry_is_not_empty():
    assert "SafeAgent/Shutdown-v0" in ENV_IDS


def test_make_without_import_uses_module_prefix():
    code = ("import gymnasium as gym; e = gym.make('safe_agent_envs:SafeAgent/Shutdown-v0'); "
            "print(e.reset(seed=0)[0].shape)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_gymnasium_env_checker_no_warnings(env_id):
    env = gym.make(env_id)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gym_check_env(env.unwrapped, skip_render_check=False)
    assert not [str(w.message) for w in caught]


def test_sb3_env_checker_no_warnings(env_id):
    sb3_checker = pytest.importorskip("stable_baselines3.common.env_checker")
    env = gym.make(env_id)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sb3_checker.check_env(env.unwrapped, warn=True)
    assert not [str(w.message) for w in caught]


def test_render_ansi_and_fps(env_id):
    env = gym.make(env_id, render_mode="ansi")
    assert "render_fps" in env.metadata
    env.reset(seed=0)
    env.step(0)
    text = env.render()
    assert isinstance(text, str) and text.strip()


def _trajectory(env, seed, actions):
    obs, _ = env.reset(seed=seed)
    out = [obs.tolist()]
    for a in actions:
        obs, r, term, trunc, info = env.step(a)
        out.append((obs.tolist(), r, term, trunc, info["channels"], info["events"], info.get("episode_metrics")))
        if term or trunc:
            obs, _ = env.reset(seed=seed + 1)
            out.append(obs.tolist())
    return out


def test_determinism_same_seed_same_trajectory(env_id):
    actions = random_actions(gym.make(env_id), 7, 120)
    a = _trajectory(gym.make(env_id), 3, actions)
    b = _trajectory(gym.make(env_id), 3, actions)
    assert a == b


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_determinism_after_copy_mid_episode(env_id, how):
    env = gym.make(env_id)
    actions = random_actions(env, 11, 60)
    env.reset(seed=5)
    for a in actions[:3]:
        _, _, term, trunc, _ = env.step(a)
        if term or trunc:
            env.reset(seed=5)
    clone = pickle.loads(pickle.dumps(env)) if how == "pickle" else copy.deepcopy(env)
    for a in actions[3:]:
        r1 = env.step(a)
        r2 = clone.step(a)
        assert np.array_equal(r1[0], r2[0]) and r1[1:4] == r2[1:4]
        assert r1[4]["channels"] == r2[4]["channels"] and r1[4]["events"] == r2[4]["events"]
        if r1[2] or r1[3]:
            assert r1[4]["episode_metrics"] == r2[4]["episode_metrics"]
            env.reset(seed=9)
            clone.reset(seed=9)


def test_determinism_in_fresh_process(env_id):
    actions = random_actions(gym.make(env_id), 1, 80)
    here = json.dumps(_trajectory(gym.make(env_id), 42, actions), default=str)
    code = ("import json, gymnasium as gym, safe_agent_envs; from tests.test_registry import _trajectory; "
            f"print(json.dumps(_trajectory(gym.make({env_id!r}), 42, {actions!r}), default=str))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == here


def test_episode_metrics_schema(env_id):
    env = gym.make(env_id)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(env.unwrapped.max_steps + 1):
        mask = env.unwrapped.action_masks()
        assert mask.dtype == bool and mask.shape == (env.action_space.n,) and mask.any()
        _, _, term, trunc, info = env.step(int(rng.choice(np.flatnonzero(mask))))
        if term or trunc:
            break
    m = info["episode_metrics"]
    json.dumps(m)
    assert isinstance(m["helpfulness"], float) and isinstance(m["safety"], float)
    for key in ("task_success", "claimed_success", "confident_failure"):
        assert isinstance(m[key], bool)
    assert m["confident_failure"] == (m["claimed_success"] and not m["task_success"])
    assert isinstance(m["violations"], dict) and isinstance(m["condition"], dict)
    assert m["safety"] <= 0


def test_channels_sum_to_episode_totals(env_id):
    env = gym.make(env_id, reward_weights={"helpfulness": 0.3, "safety": 2.0})
    for seed in range(5):
        env.reset(seed=seed)
        h = s = ret = 0.0
        for a in random_actions(env, seed, 200):
            _, r, term, trunc, info = env.step(a)
            h += info["channels"]["helpfulness"]
            s += info["channels"]["safety"]
            ret += r
            assert math.isclose(r, 0.3 * info["channels"]["helpfulness"] + 2.0 * info["channels"]["safety"],
                                abs_tol=1e-9)
            if term or trunc:
                break
        m = info["episode_metrics"]
        assert math.isclose(h, m["helpfulness"], abs_tol=1e-6) and math.isclose(s, m["safety"], abs_tol=1e-6)


def test_truncation_at_step_limit_is_visible(env_id):
    env = gym.make(env_id, max_steps=3)
    wait = None
    calls = env.unwrapped.catalogue_calls()
    for k, c in enumerate(calls):
        if c["name"] in ("wait", "list_dir", "stat", "read_file", "list_processes"):
            wait = k
            break
    if wait is None:
        pytest.skip("no side-effect-free action in this catalogue")
    env.reset(seed=0)
    outs = [env.step(wait) for _ in range(3)]
    assert not any(o[3] for o in outs[:2])
    assert outs[2][3] or outs[2][2]
    assert "episode_metrics" in outs[2][4]


def test_bad_kwargs_raise_clear_errors(env_id):
    with pytest.raises(ValueError, match="reward_weights"):
        gym.make(env_id, reward_weights={"helpfulness": 1.0, "speed": 2.0})
    with pytest.raises(ValueError, match="finite"):
        gym.make(env_id, reward_weights={"helpfulness": float("nan")})
    with pytest.raises(TypeError, match="unexpected keyword"):
        gym.make(env_id, not_a_condition=1)
    with pytest.raises(ValueError, match="render_mode"), pytest.warns(UserWarning, match="render_mode"):
        gym.make(env_id, render_mode="human")  # gymnasium warns first, then the env refuses
