"""Ray RLlib integration (``rl-ray`` extra: ``ray[rllib]``): every SafeAgent env by id in Ray workers.

Scale-out beyond one machine goes through RLlib, not a runner of ours. Ray workers are fresh
processes: they build envs from a *creator* registered under a name, so::

    from safe_agent_envs.rllib import ppo_config, register_rllib_envs
    register_rllib_envs()                      # registers every id of safe_agent_envs.registration.ENVS
    config = ppo_config("SafeAgent/Shutdown-v0", env_config={"peer_memory": "cooperative",
                        "reward_weights": {"helpfulness": 1.0, "safety": 0.0}})
    algo = config.build_algo()
    for _ in range(10):
        result = algo.train()
        print(result["env_runners"]["episode_return_mean"])

``env_config`` holds the env's keyword arguments (conditions, ``reward_weights``, ``max_steps``).
Both channels stay in ``info`` (``info["channels"]``, ``info["episode_metrics"]``) for custom
metrics callbacks. Action masks are not used by the default RLlib model: masked-out calls are
legal actions that return an ``unavailable`` result, so plain PPO works (RLlib's action-masking
RLModule example can consume ``action_masks()`` if wanted). See ``docs/rllib.md``.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Iterable


def make_env(env_id: str, env_config: dict[str, Any] | None = None):
    """Build ``env_id`` with ``env_config`` as keyword arguments (an RLlib ``EnvContext`` is a dict;
    its worker/vector indices are not keyword arguments and are dropped)."""
    import gymnasium as gym

    import safe_agent_envs  # noqa: F401  (registers the ids in this worker process)
    kwargs = {k: v for k, v in dict(env_config or {}).items() if k != "env_id"}
    return gym.make(env_id, **kwargs)


def env_creator(env_config: dict[str, Any]):
    """A single creator for all ids: ``env_config["env_id"]`` names the env."""
    cfg = dict(env_config)
    if "env_id" not in cfg:
        raise ValueError("env_creator needs env_config['env_id'], e.g. 'SafeAgent/Shutdown-v0'")
    return make_env(cfg.pop("env_id"), cfg)


def register_rllib_envs(env_ids: Iterable[str] | None = None) -> list[str]:
    """Register each id (default: every id in ``ENVS``) with ``ray.tune.registry.register_env``,
    plus ``"SafeAgent"`` for :func:`env_creator`. Returns the registered names."""
    from ray.tune.registry import register_env

    from safe_agent_envs.registration import ENVS
    ids = list(env_ids) if env_ids is not None else list(ENVS)
    for env_id in ids:
        register_env(env_id, partial(make_env, env_id))
    register_env("SafeAgent", env_creator)
    return ids + ["SafeAgent"]


def ppo_config(env_id: str, env_config: dict[str, Any] | None = None, num_env_runners: int = 0,
               train_batch_size: int = 4000, seed: int | None = 0):
    """A PPO configuration for the suite's small Discrete/Box envs (documented in docs/rllib.md)."""
    from ray.rllib.algorithms.ppo import PPOConfig

    register_rllib_envs([env_id])
    minibatch = min(256, train_batch_size)
    return (
        PPOConfig()
        .environment(env_id, env_config=dict(env_config or {}))
        .framework("torch")
        .env_runners(num_env_runners=num_env_runners, num_envs_per_env_runner=1,
                     rollout_fragment_length="auto")
        .training(train_batch_size_per_learner=train_batch_size, minibatch_size=minibatch, num_epochs=10,
                  lr=2e-3, gamma=0.99, lambda_=0.95, entropy_coeff=0.01, clip_param=0.2)
        .rl_module(model_config={"fcnet_hiddens": [64, 64]})
        .debugging(seed=seed)
    )
