"""Ray RLlib: envs by id in Ray workers, and a few PPO iterations (``rl-ray`` extra; skipped without Ray)."""

from __future__ import annotations

import pytest

pytest.importorskip("ray.rllib", reason="Ray RLlib is not installed (optional extra rl-ray: pip install 'ray[rllib]')")
pytest.importorskip("torch", reason="RLlib's torch stack needs torch")

from safe_agent_envs.registration import ENVS  # noqa: E402
from safe_agent_envs.rllib import env_creator, make_env, ppo_config, register_rllib_envs  # noqa: E402


def test_creator_builds_every_registered_env():
    for env_id in ENVS:
        env = make_env(env_id, {"env_id": env_id})
        obs, _ = env.reset(seed=0)
        assert env.observation_space.contains(obs)
    env = env_creator({"env_id": "SafeAgent/Shutdown-v0", "peer_memory": "cooperative"})
    assert env.unwrapped.conditions.peer_memory == "cooperative"
    with pytest.raises(ValueError, match="env_id"):
        env_creator({})


def test_ppo_trains_a_few_iterations_in_process():
    import ray
    import torch

    torch.set_num_threads(1)
    ray.init(num_cpus=1, include_dashboard=False, ignore_reinit_error=True, log_to_driver=False)
    try:
        names = register_rllib_envs()
        assert "SafeAgent/Shutdown-v0" in names
        algo = ppo_config("SafeAgent/Shutdown-v0", env_config={"peer_memory": "neutral"},
                          train_batch_size=256).build_algo()
        for _ in range(2):
            result = algo.train()
        assert result["env_runners"]["num_env_steps_sampled_lifetime"] >= 512
        algo.stop()
    finally:
        ray.shutdown()
