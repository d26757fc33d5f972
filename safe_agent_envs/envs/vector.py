"""Native vectorised SafeAgent envs: N worlds advanced in one batched step.

:class:`SafeAgentVectorEnv` holds the ``(N, D)`` state of N envs and runs the scenario's own
batched rules -- :meth:`SafeAgentEnv.transition`, :meth:`~SafeAgentEnv.observe`,
:meth:`ChannelTable.step_channels <safe_agent_envs.channels.ChannelTable.step_channels>`,
:meth:`~SafeAgentEnv.task_success` and :meth:`~SafeAgentEnv.episode_metrics_batch` -- on all rows
at once. There is no second implementation of any rule: the single env is the same code on a
batch of one.

Semantics match ``gymnasium.vector.SyncVectorEnv`` over N single envs:

* seeding: ``reset(seed=s)`` seeds sub-env ``i`` with ``s + i`` (or a list of seeds); each
  sub-env owns its ``np_random`` generator and rows start over through
  :meth:`SafeAgentEnv.reset_rows`, as in the single env's ``reset``;
* autoreset (``metadata["autoreset_mode"]``; pick with the ``autoreset_mode`` argument):
  ``NEXT_STEP`` (default): the step after a terminal or truncated step resets that sub-env,
  ignores its action and returns reward 0 and the reset observation. ``SAME_STEP`` (what
  stable-baselines3 expects; see :class:`safe_agent_envs.training.native_vec_env.NativeVecEnv`):
  a sub-env that ends is reset in the same step, which returns its reset observation, with the
  last observation of the episode in ``info["final_obs"]`` (``(N, obs_dim)``, masked by
  ``info["_final_obs"]``); the rest of that step's info describes the step that ended it;
* infos are Gymnasium vector infos (arrays with ``_key`` masks): ``channels``
  (``helpfulness``/``safety`` arrays), ``event_counts`` (``(N, n_events)``; names in
  :attr:`event_names`) and, at episode end, ``episode_metrics``: the single env's metrics as
  arrays over the N envs (``helpfulness``, ``safety``, ``task_success``, ``claimed_success``,
  ``confident_failure``, ``steps``, and ``violations``/``events`` mapping every name to a count
  array), each with its ``_key`` mask of the envs that just ended (other entries read 0 or
  False) -- the layout SyncVectorEnv gives nested dict infos. Info masks are shared read-only
  arrays (copy one before changing it). The condition, the same for every sub-env, is :attr:`condition`.

Create one with ``gym.make_vec("SafeAgent/Shutdown-v0", num_envs=N,
vectorization_mode="vector_entry_point", **kwargs)`` (kwargs: conditions, ``reward_weights``,
``max_steps``). ``action_masks()`` returns the ``(N, K)`` masks.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from safe_agent_envs.envs.base import SafeAgentEnv
from safe_agent_envs.envs.step_kernels import vector_actions, vector_ends
from safe_agent_envs.world.draws import GeneratorRows


class SafeAgentVectorEnv(VectorEnv):
    """``num_envs`` copies of one scenario stepped as one ``(N, D)`` array (see module docstring)."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, env_cls: type[SafeAgentEnv] | Callable[..., SafeAgentEnv], num_envs: int = 1,
                 render_mode: str | None = None, autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
                 **kwargs: Any):
        mode = check_vector_arguments(num_envs, render_mode, autoreset_mode)
        self.metadata = {**self.metadata, "autoreset_mode": mode}
        self._same_step = mode is AutoresetMode.SAME_STEP
        kwargs.pop("max_episode_steps", None)  # the env enforces its own step limit (max_steps)
        self.env: SafeAgentEnv = self._rules(env_cls, kwargs)  # its own state row is unused
        self.num_envs = int(num_envs)
        self.single_observation_space = self.env.observation_space
        self.single_action_space = self.env.action_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.render_mode = None
        self.event_names: tuple[str, ...] = self.env.channels.names
        L = self.env.layout
        self.S = L.blank(self.num_envs)
        self._rngs: GeneratorRows | None = None  # each sub-env's np_random
        self._autoreset = np.zeros(self.num_envs, dtype=bool)  # the rows that start over at the next step
        self._n_reset = 0
        self._all = np.ones(self.num_envs, dtype=bool)  # the info masks of keys every sub-env has (read-only)
        self._all.flags.writeable = False
        self._cat_tool, self._cat_args = self.env._cat_tool, self.env._cat_args
        self._n_actions = int(self.single_action_space.n)
        self.condition: dict[str, Any] = self.env.condition_dict()

    def _rules(self, env_cls: Callable[..., Any], kwargs: dict[str, Any]) -> SafeAgentEnv:
        """The SafeAgentEnv whose rules run on the rows (a subclass may build it another way)."""
        env = env_cls(**kwargs)
        if not isinstance(env, SafeAgentEnv):
            raise TypeError(f"{env_cls!r} does not build a SafeAgentEnv")
        return env

    def _start_over(self, idx: np.ndarray) -> None:
        """Rows ``idx`` start over, each drawing from its own generator."""
        self.env.reset_rows(self.S, idx, self._rngs.take(idx))

    def _episode_metrics(self, idx: np.ndarray) -> dict[str, Any]:
        """The episode metrics arrays of the rows ``idx`` that just ended."""
        return self.env.episode_metrics_arrays(self.S, idx)

    # ------------------------------------------------------------------ API
    def reset(self, *, seed: int | list[int | None] | None = None, options: dict | None = None):
        N = self.num_envs
        self._rngs = GeneratorRows(seeded_generators(self._rngs, seed, N))
        self._start_over(np.arange(N))
        self._autoreset[:] = False
        self._n_reset = 0
        zeros = np.zeros(N)
        info = {"channels": {"helpfulness": zeros, "safety": zeros.copy(), "_helpfulness": self._all,
                             "_safety": self._all}, "_channels": self._all}
        return self.env.observe(self.S), info

    def step(self, actions):
        a, tool_ids, args = self._catalogue_actions(actions)
        env, L, S, N = self.env, self.env.layout, self.S, self.num_envs
        reset = self._autoreset
        E = env.transition(S, tool_ids, args, a)
        ch = env.channels.step_channels(E)
        if self._n_reset:  # rows that ended last step start over (NEXT_STEP autoreset)
            self._start_over(np.flatnonzero(reset))
        terminated, truncated, done = np.empty(N, dtype=bool), np.empty(N, dtype=bool), np.empty(N, dtype=bool)
        reward = np.empty(N)
        vector_ends(S, L.DONE, L.T, env.max_steps, reset, E, ch, env._w0, env._w1, reward, terminated, truncated, done)
        return self._end_step(reward, terminated, truncated, self._step_info(E, ch))

    # ------------------------------------------------------------------ step parts (shared with the chat twins')
    def _catalogue_actions(self, actions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The step's actions (a copy; rows that start over run action 0) and each row's catalogue
        entry (tool ids, arguments), validated."""
        if self._rngs is None:
            raise RuntimeError("step() called before reset()")
        a = np.array(actions, dtype=np.int64).reshape(-1)
        N = self.num_envs
        if a.shape != (N,):
            raise ValueError(f"expected {N} actions, got shape {np.shape(actions)}")
        tool_ids, args = np.empty(N, dtype=np.intp), np.empty((N, 3), dtype=np.int32)
        if vector_actions(a, self._n_actions, self._autoreset, self._cat_tool, self._cat_args, tool_ids, args) >= 0:
            raise ValueError(f"actions outside the action space Discrete({self._n_actions}): {np.asarray(actions)}")
        return a, tool_ids, args

    def _step_info(self, E: np.ndarray, ch: np.ndarray) -> dict[str, Any]:
        return {
            "channels": {"helpfulness": ch[:, 0].copy(), "safety": ch[:, 1].copy(),
                         "_helpfulness": self._all, "_safety": self._all},
            "_channels": self._all,
            "event_counts": E, "_event_counts": self._all,
        }

    def _end_step(self, reward, terminated, truncated, info):
        """The step's observations, episode metrics of the rows that ended and, in SAME_STEP mode,
        their start over (their last observation in ``info["final_obs"]``); NEXT_STEP mode marks
        them to start over at the next step."""
        done = terminated | truncated
        n_done = int(np.count_nonzero(done))
        obs = self.env.observe(self.S)
        if n_done:
            idx = np.flatnonzero(done)
            info["episode_metrics"] = masked(self._episode_metrics(idx), done)
            info["_episode_metrics"] = done.copy()
            if self._same_step:
                info["final_obs"], info["_final_obs"] = obs.copy(), done.copy()
                self._start_over(idx)
                obs[idx] = self.env.observe(self.S[idx])
                return obs, reward, terminated, truncated, info
        self._autoreset, self._n_reset = done, n_done
        return obs, reward, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """``(N, K)`` boolean masks of the valid catalogue actions of every sub-env."""
        return self.env.action_mask_batch(self.S)

    @property
    def np_random_generators(self) -> list[np.random.Generator] | None:
        return None if self._rngs is None else self._rngs.generators

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self.env).__name__}, num_envs={self.num_envs})"


def check_vector_arguments(num_envs: Any, render_mode: Any, autoreset_mode: Any) -> AutoresetMode:
    """Validate a native vector env's ``num_envs`` and ``render_mode``; return the
    ``AutoresetMode`` that ``autoreset_mode`` names (NEXT_STEP or SAME_STEP)."""
    if not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
        raise ValueError(f"num_envs must be a positive integer, got {num_envs!r}")
    if render_mode is not None:
        raise ValueError(f"the native vector env does not render (render_mode={render_mode!r}); "
                         "use SyncVectorEnv or a single env with render_mode='ansi'")
    modes = (AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP)
    mode = next((m for m in modes if autoreset_mode in (m, m.value, m.name, m.name.lower())), None)
    if mode is None:
        raise ValueError(f"autoreset_mode={autoreset_mode!r} is not supported; allowed: "
                         f"{', '.join(f'AutoresetMode.{m.name} (or {m.name.lower()!r})' for m in modes)}")
    return mode


def seeded_generators(rngs: list[np.random.Generator] | None, seed: Any, n: int) -> list[np.random.Generator]:
    """The sub-envs' generators after ``reset(seed=seed)``, as SyncVectorEnv seeds N envs:
    ``seed + i`` for an int, one seed per env for a list (``None`` keeps that env's generator),
    fresh random generators on the first reset without a seed."""
    if seed is None:
        seeds: list[int | None] = [None] * n
    elif isinstance(seed, (int, np.integer)):
        seeds = [int(seed) + i for i in range(n)]
    else:
        seeds = list(seed)
        if len(seeds) != n:
            raise ValueError(f"reset(seed=...) got {len(seeds)} seeds for {n} envs")
    if rngs is None:
        return [seeding.np_random(s)[0] for s in seeds]
    return [r if s is None else seeding.np_random(s)[0] for r, s in zip(rngs, seeds)]


def masked(metrics: dict[str, Any], mask: np.ndarray) -> dict[str, Any]:
    """Gymnasium vector-info form: every array gets a ``_key`` mask (recursively). The masks are
    one read-only copy of ``mask``, shared by every key."""
    if mask.flags.writeable:
        mask = mask.copy()
        mask.flags.writeable = False
    out: dict[str, Any] = {}
    for key, value in metrics.items():
        out[key] = masked(value, mask) if value.__class__ is dict else value
        out[f"_{key}"] = mask
    return out


def episode_metrics_row(m: dict[str, Any], i: int, condition: dict[str, Any]) -> dict[str, Any]:
    """The single env's ``episode_metrics`` dict of sub-env ``i``, from the vector env's
    ``info["episode_metrics"]`` arrays ``m`` and its ``condition``."""
    out: dict[str, Any] = {}
    first = ("helpfulness", "safety", "task_success", "claimed_success", "confident_failure", "violations", "events",
             "steps")  # the single env's order; a chat twin's extra keys follow
    for key in [k for k in first if k in m] + [k for k in m if k not in first and not k.startswith("_")]:
        a = m[key]
        if key in ("violations", "events"):
            out[key] = {n: int(c[i]) for n, c in a.items() if not n.startswith("_") and c[i]}
        else:  # numbers, flags, and the chat twins' answer_category strings
            v = a[i]
            out[key] = v.item() if isinstance(v, np.generic) else v
    out["condition"] = dict(condition)
    return out


__all__ = ["SafeAgentVectorEnv", "check_vector_arguments", "episode_metrics_row", "masked", "seeded_generators"]
