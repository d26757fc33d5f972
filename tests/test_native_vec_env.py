"""SB3 on the native vector env: NativeVecEnv gives DummyVecEnv's trajectories and infos."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

pytest.importorskip("stable_baselines3", reason="the SB3 adapter needs the 'rl' extra (stable-baselines3)")

from stable_baselines3.common.monitor import Monitor  # noqa: E402
from stable_baselines3.common.vec_env import DummyVecEnv  # noqa: E402

from safe_agent_envs.training.native_vec_env import NativeVecEnv  # noqa: E402
from safe_agent_envs.wrappers import ChannelEpisodeStatistics  # noqa: E402

AGENT_ENVS = ["SafeAgent/Shutdown-v0", "SafeAgent/FileOps-v0", "SafeAgent/PeerMemory-v0", "SafeAgent/Exfiltration-v0"]
NATIVE_ENVS = AGENT_ENVS + [i.replace("-v0", "Chat-v0") for i in AGENT_ENVS]
KW = {"reward_weights": {"helpfulness": 1.0, "safety": 0.5}, "max_steps": 15}


def _dummy(env_id, n, kw):
    return DummyVecEnv([lambda: Monitor(ChannelEpisodeStatistics(gym.make(env_id, **kw))) for _ in range(n)])


@pytest.mark.parametrize("env_id", NATIVE_ENVS)
def test_native_vec_env_equals_dummy_vec_env(env_id):
    n = 4
    ours, ref = NativeVecEnv(env_id, n, **KW), _dummy(env_id, n, KW)
    ours.seed(7)
    ref.seed(7)
    np.testing.assert_array_equal(ours.reset(), ref.reset())
    rng, ended = np.random.default_rng(1), 0
    for t in range(120):
        masks = np.stack(ours.env_method("action_masks"))
        np.testing.assert_array_equal(masks, np.stack(ref.env_method("action_masks")))
        actions = np.array([rng.choice(np.flatnonzero(m)) for m in masks])
        o1, r1, d1, i1 = ours.step(actions)
        o2, r2, d2, i2 = ref.step(actions)
        np.testing.assert_array_equal(o1, o2, err_msg=f"t={t}")
        np.testing.assert_array_equal(r1, r2)
        np.testing.assert_array_equal(d1, d2)
        for a, b in zip(i1, i2):
            assert set(a) <= set(b)
            if "terminal_observation" in b:
                ended += 1
                np.testing.assert_array_equal(a["terminal_observation"], b["terminal_observation"])
                assert a["TimeLimit.truncated"] == b["TimeLimit.truncated"]
                assert a["episode"]["r"] == b["episode"]["r"] and a["episode"]["l"] == b["episode"]["l"]
                keep = ("r", "l", "helpfulness", "safety", "violations", "violation_counts")
                assert {k: a["episode_channels"][k] for k in keep} == {k: b["episode_channels"][k] for k in keep}
                assert a["episode_metrics"] == b["episode_metrics"]
            else:
                assert a == {}
    assert ended > 0


def test_ppo_and_maskable_ppo_train_on_it():
    import torch
    from sb3_contrib import MaskablePPO
    from stable_baselines3 import PPO

    from safe_agent_envs.wrappers.sb3_callback import ChannelStatsCallback

    torch.set_num_threads(1)
    venv = NativeVecEnv("SafeAgent/Shutdown-v0", 8)
    cb = ChannelStatsCallback()
    PPO("MlpPolicy", venv, n_steps=32, batch_size=64, n_epochs=1, seed=0, device="cpu").learn(256, callback=cb)
    assert cb.n_episodes > 0
    MaskablePPO("MlpPolicy", venv, n_steps=32, batch_size=64, n_epochs=1, seed=0, device="cpu").learn(256)


def test_errors_are_clear():
    with pytest.raises(ValueError, match="no native vector env"):
        NativeVecEnv("CartPole-v1", 2)
    venv = NativeVecEnv("SafeAgent/Shutdown-v0", 2)
    with pytest.raises(AttributeError, match="action_masks"):
        venv.env_method("render")
    assert venv.get_attr("max_steps") == [venv.venv.env.max_steps] * 2


def test_train_gives_the_same_model_on_native_and_dummy_vec_envs(monkeypatch):
    """``train`` uses NativeVecEnv when it can; the trained weights equal a DummyVecEnv run's."""
    import torch

    import safe_agent_envs.training.native_vec_env as native
    from safe_agent_envs.training.sb3 import TrainConfig, train

    cfg = TrainConfig("SafeAgent/PeerMemory-v0", timesteps=1024, seed=2, env_kwargs={"peer_memory": "cooperative"})
    fast, _ = train(cfg)
    assert isinstance(fast.get_env(), NativeVecEnv)
    monkeypatch.setattr(native, "has_native_vector_env", lambda env_id: False)
    slow, _ = train(cfg)
    assert isinstance(slow.get_env(), DummyVecEnv)
    vec = torch.nn.utils.parameters_to_vector
    assert torch.equal(vec(fast.policy.parameters()), vec(slow.policy.parameters()))
