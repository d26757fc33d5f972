"""RL baselines with stable-baselines3 / sb3-contrib, readable top to bottom.

:func:`train` builds a vector of envs whose ``reward_weights`` are the objective's (see
:mod:`safe_agent_envs.training.objectives`), trains PPO / MaskablePPO / DQN with small,
fixed hyperparameters (tuned for these tiny envs, not per scenario), logs both channels
(the wrappers' ``ChannelEpisodeStatistics`` + ``ChannelStatsCallback``, plus
:class:`~safe_agent_envs.training.callbacks.ChannelLogCallback`) to CSV and tensorboard, and
saves ``model.zip`` plus ``config.json`` (what :class:`~safe_agent_envs.policies.sb3_policy.SB3Policy`
needs to load it back). :func:`evaluate` plays any policy for a few seeded episodes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import gymnasium as gym
import numpy as np

import safe_agent_envs  # noqa: F401  (registers the envs)
from safe_agent_envs.training.objectives import parse_objective

ALGOS = ("ppo", "maskable_ppo", "dqn")

# Small nets and short rollouts: episodes are 2-40 steps over a ~50-dim observation. n_epochs=10 at
# lr 2e-3 was the cheapest setting under which a helpfulness-only MaskablePPO finds Shutdown-v0's
# tampering shortcut deterministically within 30k steps on both seeds tried (4 epochs / lr 1e-3 needed ~60k).
HYPERPARAMS: dict[str, dict[str, Any]] = {
    "ppo": dict(n_steps=256, batch_size=256, n_epochs=10, learning_rate=2e-3, gamma=0.99,
                gae_lambda=0.95, ent_coef=0.01, policy_kwargs=dict(net_arch=[64, 64])),
    "dqn": dict(learning_rate=5e-4, buffer_size=50_000, learning_starts=1_000, batch_size=64,
                train_freq=4, target_update_interval=1_000, exploration_fraction=0.3,
                exploration_final_eps=0.05, gamma=0.99, policy_kwargs=dict(net_arch=[64, 64])),
}
HYPERPARAMS["maskable_ppo"] = HYPERPARAMS["ppo"]


@dataclass
class TrainConfig:
    env_id: str
    algo: str = "maskable_ppo"
    objective: str = "helpfulness"
    timesteps: int = 50_000
    seed: int = 0
    n_envs: int = 4
    # env keyword arguments (conditions); a list gives one dict per env, cycled over the n_envs
    env_kwargs: dict[str, Any] | list[dict[str, Any]] = field(default_factory=dict)
    hyperparams: dict[str, Any] = field(default_factory=dict)


def algo_class(algo: str):
    if algo == "ppo":
        from stable_baselines3 import PPO
        return PPO
    if algo == "maskable_ppo":
        from sb3_contrib import MaskablePPO
        return MaskablePPO
    if algo == "dqn":
        from stable_baselines3 import DQN
        return DQN
    raise ValueError(f"unknown algo {algo!r}; use one of {', '.join(ALGOS)}")


def make_vec_env(env_id: str, weights: dict[str, float], env_kwargs, n_envs: int, seed: int):
    """``n_envs`` copies of ``env_id`` for SB3, seeded ``seed, seed + 1, ...``: the native batched
    :class:`~safe_agent_envs.training.native_vec_env.NativeVecEnv` when every env has the same
    conditions, else a ``DummyVecEnv`` of Monitor-wrapped single envs (same trajectories and
    episode infos; chat twins and per-env condition lists take this path)."""
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv

    from safe_agent_envs.training.native_vec_env import NativeVecEnv, has_native_vector_env
    from safe_agent_envs.wrappers import ChannelEpisodeStatistics

    kw_list = env_kwargs if isinstance(env_kwargs, list) else [env_kwargs]
    if has_native_vector_env(env_id) and all(kw == kw_list[0] for kw in kw_list):
        venv = NativeVecEnv(env_id, n_envs, reward_weights=weights, **kw_list[0])
        venv.seed(seed)
        return venv

    def thunk(i: int):
        kw = dict(kw_list[i % len(kw_list)])
        return lambda: Monitor(ChannelEpisodeStatistics(gym.make(env_id, reward_weights=weights, **kw)))

    venv = DummyVecEnv([thunk(i) for i in range(n_envs)])
    venv.seed(seed)
    return venv


def train(cfg: TrainConfig, out: str | Path | None = None, progress_bar: bool = False,
          verbose: int = 0):
    """Train one baseline; return ``(model, callback)``. With ``out``, also save
    ``model.zip``, ``config.json`` and the training log (``progress.csv``, tensorboard events)."""
    import torch
    from stable_baselines3.common.logger import configure

    torch.set_num_threads(1)  # 2-core machines: torch's default threading makes SB3 5-20x slower
    cls = algo_class(cfg.algo)
    phases = parse_objective(cfg.objective)
    n_envs = 1 if cfg.algo == "dqn" else cfg.n_envs
    kwargs = {**HYPERPARAMS[cfg.algo], **cfg.hyperparams}
    from stable_baselines3.common.callbacks import CallbackList

    from safe_agent_envs.training.callbacks import ChannelLogCallback
    from safe_agent_envs.wrappers.sb3_callback import ChannelStatsCallback
    callback = ChannelLogCallback()
    callbacks = CallbackList([ChannelStatsCallback(), callback])
    model = None
    for i, phase in enumerate(phases):
        venv = make_vec_env(cfg.env_id, phase.weights, cfg.env_kwargs, n_envs, cfg.seed + 1000 * i)
        if model is None:
            model = cls("MlpPolicy", venv, seed=cfg.seed, verbose=verbose, device="cpu", **kwargs)
            outputs = (["stdout"] if verbose else []) + (["csv", "tensorboard"] if out else [])
            model.set_logger(configure(str(out) if out else None, outputs))
        else:  # next phase of a sequential objective: same model, new reward weights
            model.set_env(venv)
        steps = int(round(cfg.timesteps * phase.fraction))
        model.learn(steps, callback=callbacks, progress_bar=progress_bar, reset_num_timesteps=(i == 0))
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        model.save(out / "model.zip")
        (out / "config.json").write_text(json.dumps(
            {**asdict(cfg), "phases": [asdict(p) for p in phases], "final_train_means": callback.means()},
            indent=2))
    return model, callback


def evaluate(policy, env_id: str, episodes: int, seed: int = 10_000,
             env_kwargs: dict[str, Any] | None = None, env: gym.Env | None = None) -> list[dict]:
    """Play ``policy`` (``reset(seed)``/``act(obs)``) for ``episodes`` episodes on seeds
    ``seed, seed+1, ...``; return their ``episode_metrics``. Evaluation seeds default to a range
    disjoint from training seeds."""
    env = env or gym.make(env_id, **(env_kwargs or {}))
    out = []
    for k in range(episodes):
        obs, _ = env.reset(seed=seed + k)
        policy.reset(seed=seed + k)
        while True:
            obs, _, term, trunc, info = env.step(policy.act(obs))
            if term or trunc:
                out.append(info["episode_metrics"])
                break
    return out


def summarise(metrics: Sequence[dict]) -> dict[str, float]:
    """Means of the channels and rates of success / violations over episodes."""
    def mean(xs):
        return float(np.mean(xs)) if len(xs) else float("nan")
    viol_types = sorted({k for m in metrics for k in m["violations"]})
    return {
        "helpfulness": mean([m["helpfulness"] for m in metrics]),
        "safety": mean([m["safety"] for m in metrics]),
        "task_success": mean([m["task_success"] for m in metrics]),
        "confident_failure": mean([m["confident_failure"] for m in metrics]),
        "violation_rate": mean([bool(m["violations"]) for m in metrics]),
        **{f"rate.{v}": mean([m["violations"].get(v, 0) > 0 for m in metrics]) for v in viol_types},
        "episodes": len(metrics),
    }
