"""stable-baselines3 on the native vector env: N worlds in one batched step, no per-env Python.

SB3 drives envs through its own ``VecEnv`` interface (lists of info dicts, ``terminal_observation``,
``env_method``); it does not take a Gymnasium ``VectorEnv``. :class:`NativeVecEnv` is that
interface over :class:`~safe_agent_envs.envs.vector.SafeAgentVectorEnv` (or a chat twin's
:class:`~safe_agent_envs.envs.chat_vector.ChatTwinVectorEnv`) in ``SAME_STEP`` autoreset mode, so ``PPO("MlpPolicy", NativeVecEnv("SafeAgent/Shutdown-v0", 8))`` trains on batched steps.

It gives the trajectories of SB3's ``DummyVecEnv`` over the same N envs seeded the same way (a
test compares them step by step), with the infos that this package's callbacks and SB3's logger
read at the end of an episode:

* ``terminal_observation`` and ``TimeLimit.truncated`` (SB3's bootstrapping);
* ``episode``: ``{"r", "l", "t"}`` as SB3's ``Monitor`` writes it (``rollout/ep_rew_mean``);
* ``episode_channels`` as :class:`~safe_agent_envs.wrappers.ChannelEpisodeStatistics` writes it
  (``rollout/ep_helpfulness_mean`` etc. through ``ChannelStatsCallback``);
* ``episode_metrics``: the single env's ground-truth episode metrics dict.

``env_method("action_masks")`` returns every env's mask, so sb3-contrib's ``MaskablePPO`` works.
All envs share one condition set (pass conditions as keyword arguments); for a mix of conditions
use ``DummyVecEnv`` over single envs.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

import gymnasium as gym
import numpy as np
from gymnasium.envs.registration import load_env_creator
from stable_baselines3.common.vec_env.base_vec_env import VecEnv

import safe_agent_envs  # noqa: F401  (registers the envs)
from safe_agent_envs.envs.base import SafeAgentEnv
from safe_agent_envs.envs.chat_twin import ChatTwinEnv
from safe_agent_envs.envs.vector import episode_metrics_row


def has_native_vector_env(env_id: str) -> bool:
    """Whether ``env_id`` has a native vector env: a :class:`SafeAgentEnv` scenario or its chat
    twin (other envs fall back to ``SyncVectorEnv``)."""
    creator = load_env_creator(gym.spec(env_id).entry_point)
    return isinstance(creator, type) and issubclass(creator, (SafeAgentEnv, ChatTwinEnv))


class NativeVecEnv(VecEnv):
    """SB3 ``VecEnv`` over ``num_envs`` worlds of ``env_id`` stepped as one batch (see module docstring).

    ``env_kwargs`` are the env's keyword arguments (conditions, ``reward_weights``, ``max_steps``).
    """

    def __init__(self, env_id: str, num_envs: int, **env_kwargs: Any):
        if not has_native_vector_env(env_id):
            raise ValueError(f"{env_id} has no native vector env; use DummyVecEnv")
        venv = gym.make_vec(env_id, num_envs=num_envs, vectorization_mode="vector_entry_point",
                            autoreset_mode="same_step", **env_kwargs)
        self.venv = venv
        self.env_id = env_id
        super().__init__(num_envs, venv.single_observation_space, venv.single_action_space)
        env = venv.env
        self._violation_cols = np.array([env.ev[n] for n in env.channels.violations], dtype=np.intp)
        self._violation_names = env.channels.violations
        self._actions: np.ndarray | None = None
        # running episode sums per env: return, helpfulness, safety, length, violation counts, start time
        n = num_envs
        self._r, self._h, self._s = np.zeros(n), np.zeros(n), np.zeros(n)
        self._l, self._v = np.zeros(n, dtype=np.int64), np.zeros((n, len(self._violation_cols)), np.int64)
        self._t0 = np.full(n, time.perf_counter())

    # ------------------------------------------------------------------ episode accumulators
    def _clear(self, rows: np.ndarray) -> None:
        self._r[rows] = self._h[rows] = self._s[rows] = 0.0
        self._l[rows] = 0
        self._v[rows] = 0
        self._t0[rows] = time.perf_counter()

    # ------------------------------------------------------------------ VecEnv API
    def reset(self) -> np.ndarray:
        seeds = [None if s is None else int(s) for s in self._seeds]
        obs, _ = self.venv.reset(seed=None if all(s is None for s in seeds) else seeds)
        self._reset_seeds()
        self._clear(np.ones(self.num_envs, dtype=bool))
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        self._actions = np.asarray(actions).reshape(self.num_envs)

    def step_wait(self):
        obs, reward, terminated, truncated, info = self.venv.step(self._actions)
        ch = info["channels"]
        self._r += reward
        self._h += ch["helpfulness"]
        self._s += ch["safety"]
        self._l += 1
        self._v += info["event_counts"][:, self._violation_cols]
        done = terminated | truncated
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        if done.any():
            self._end_episodes(np.flatnonzero(done), truncated & ~terminated, info, infos)
        return obs, reward.astype(np.float32), done, infos

    def _end_episodes(self, rows: np.ndarray, time_limit: np.ndarray, info: dict, infos: list[dict]) -> None:
        metrics = info["episode_metrics"]
        condition = self.venv.condition
        now = time.perf_counter()
        for i in rows.tolist():
            v = {n: int(c) for n, c in zip(self._violation_names, self._v[i]) if c}
            infos[i] = {
                "terminal_observation": info["final_obs"][i],
                "TimeLimit.truncated": bool(time_limit[i]),
                "episode": {"r": round(float(self._r[i]), 6), "l": int(self._l[i]), "t": round(now - self._t0[i], 6)},
                "episode_channels": {"r": float(self._r[i]), "l": int(self._l[i]), "t": round(now - self._t0[i], 6),
                                     "helpfulness": float(self._h[i]), "safety": float(self._s[i]),
                                     "violations": sum(v.values()), "violation_counts": v},
                "episode_metrics": episode_metrics_row(metrics, i, condition),
            }
        self._clear(rows)

    def close(self) -> None:
        self.venv.close()

    def get_images(self) -> Sequence[np.ndarray | None]:
        return [None] * self.num_envs

    def action_masks(self) -> np.ndarray:
        """``(num_envs, n_actions)`` masks of the valid catalogue actions."""
        return self.venv.action_masks()

    def _indices(self, indices) -> list[int]:
        return list(range(self.num_envs)) if indices is None else (
            [indices] if isinstance(indices, int) else list(indices))

    def env_method(self, method_name: str, *method_args, indices=None, **method_kwargs) -> list[Any]:
        if method_name != "action_masks":
            raise AttributeError(f"NativeVecEnv supports env_method('action_masks') only, not {method_name!r}")
        masks = self.venv.action_masks()
        return [masks[i] for i in self._indices(indices)]

    def get_attr(self, attr_name: str, indices=None) -> list[Any]:
        if attr_name == "action_masks":
            return [self.action_masks for _ in self._indices(indices)]
        value = getattr(self.venv.env, attr_name)  # the rules and spaces every env shares
        return [value for _ in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices=None) -> None:
        raise AttributeError(f"NativeVecEnv's envs share one set of rules; cannot set {attr_name!r} per env")

    def env_is_wrapped(self, wrapper_class, indices=None) -> list[bool]:
        return [False for _ in self._indices(indices)]


__all__ = ["NativeVecEnv", "has_native_vector_env"]
