"""Native vectorised chat twins: N chat questions asked and answered in one batched step.

:class:`ChatTwinVectorEnv` holds the ``(N, D)`` private agent worlds of N chat twins and runs the
single twin's code on all rows at once: questions are played to the decision point by
:class:`~safe_agent_envs.envs.chat_questions.Questions` (every resetting row in one batch;
worlds met again are remembered), answers run through the agent env's batched :meth:`~SafeAgentEnv.transition`, and
:func:`~safe_agent_envs.envs.chat_answers.judge_answers` and
:func:`~safe_agent_envs.envs.chat_answers.answer_totals` judge them and sum the chat's channels,
as they do for one row in :class:`~safe_agent_envs.envs.chat_twin.ChatTwinEnv`. There is no
second implementation of any rule.

Semantics match ``gymnasium.vector.SyncVectorEnv`` over N single twins, as for
:class:`~safe_agent_envs.envs.vector.SafeAgentVectorEnv`: seeding (``s + i``, or a list), both
autoreset modes (``NEXT_STEP``, the default, and ``SAME_STEP`` with ``final_obs``), Gymnasium
vector infos with ``_key`` masks. Infos: ``channels``, ``event_counts`` (``(N, n_events)``, names
in :attr:`event_names`), ``answer_category`` (strings where the answer was final, ``None``
elsewhere), ``decision_step`` at reset, and at episode end ``episode_metrics``: the single
twin's metrics as arrays (``answer_category`` as strings). Actions are catalogue indices (the
single twin's ``step``; free text and tool calls need the single twin).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from safe_agent_envs.envs.chat_answers import CATEGORIES, NONE, SAFE, answer_totals, judge_answers
from safe_agent_envs.envs.chat_questions import Questions
from safe_agent_envs.envs.chat_twin import ChatTwinEnv
from safe_agent_envs.envs.step_kernels import vector_actions, vector_ends
from safe_agent_envs.envs.vector import check_vector_arguments, masked, seeded_generators

_CATEGORY_NAMES = np.array(CATEGORIES, dtype=object)


class ChatTwinVectorEnv(VectorEnv):
    """``num_envs`` chat twins of one scenario stepped as one ``(N, D)`` array (see module docstring)."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, twin_cls: type[ChatTwinEnv], num_envs: int = 1, render_mode: str | None = None,
                 autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP, **kwargs: Any):
        mode = check_vector_arguments(num_envs, render_mode, autoreset_mode)
        self.metadata = {**self.metadata, "autoreset_mode": mode}
        self._same_step = mode is AutoresetMode.SAME_STEP
        kwargs.pop("max_episode_steps", None)
        self.twin: ChatTwinEnv = twin_cls(**kwargs)  # the rules: its agent env, fact columns, refusals
        if not isinstance(self.twin, ChatTwinEnv):
            raise TypeError(f"{twin_cls!r} does not build a ChatTwinEnv")
        self.agent = self.env = agent = self.twin.agent  # env: the rules, as SafeAgentVectorEnv.env
        self.num_envs = N = int(num_envs)
        self.single_observation_space = self.twin.observation_space
        self.single_action_space = self.twin.action_space
        self.observation_space = batch_space(self.single_observation_space, N)
        self.action_space = batch_space(self.single_action_space, N)
        self.render_mode = None
        self.event_names: tuple[str, ...] = agent.channels.names
        L = agent.layout
        self.S = L.blank(N)
        self._rngs: list[np.random.Generator] | None = None
        self._autoreset = np.zeros(N, dtype=bool)
        self._n_reset = 0
        self._all = np.ones(N, dtype=bool)
        self._all.flags.writeable = False
        # each row's chat so far (the single twin's per-episode fields)
        self._turn, self._category = np.zeros(N, dtype=np.int64), np.zeros(N, dtype=np.int8)
        self._answer, self._t0 = np.full(N, -1, dtype=np.int64), np.zeros(N, dtype=np.int64)
        self._events0 = np.zeros((N, L.n_events), dtype=np.int64)
        self._questions = Questions(agent, self.twin._at_decision_point, transcripts=False)
        self._n_actions = int(self.single_action_space.n)
        self.condition: dict[str, Any] = agent.condition_dict()

    # ------------------------------------------------------------------ API
    def reset(self, *, seed: int | list[int | None] | None = None, options: dict | None = None):
        N = self.num_envs
        self._rngs = seeded_generators(self._rngs, seed, N)
        self._ask(np.arange(N))
        self._autoreset[:] = False
        self._n_reset = 0
        zeros = np.zeros(N)
        info = {"channels": {"helpfulness": zeros, "safety": zeros.copy(), "_helpfulness": self._all,
                             "_safety": self._all}, "_channels": self._all,
                "decision_step": self._t0.copy(), "_decision_step": self._all}
        return self.agent.observe(self.S), info

    def step(self, actions):
        if self._rngs is None:
            raise RuntimeError("step() called before reset()")
        a = np.array(actions, dtype=np.int64).reshape(-1)  # a copy: rows that start over run action 0
        N = self.num_envs
        if a.shape != (N,):
            raise ValueError(f"expected {N} actions, got shape {np.shape(actions)}")
        agent, twin, L, S = self.agent, self.twin, self.agent.layout, self.S
        reset = self._autoreset
        tool_ids, args = np.empty(N, dtype=np.intp), np.empty((N, 3), dtype=np.int32)
        if vector_actions(a, self._n_actions, reset, agent._cat_tool, agent._cat_args, tool_ids, args) >= 0:
            raise ValueError(f"actions outside the action space Discrete({self._n_actions}): {np.asarray(actions)}")
        before = S.copy()
        E = agent.transition(S, tool_ids, args, a)
        ch = agent.channels.step_channels(E)
        terminated, truncated, done = np.empty(N, dtype=bool), np.empty(N, dtype=bool), np.empty(N, dtype=bool)
        reward = np.empty(N)
        # rewards; rows that start over get no events, channels or reward (the agent's ends are unused)
        vector_ends(S, L.DONE, L.T, agent.max_steps, reset, E, ch, agent._w0, agent._w1, reward, terminated,
                    truncated, done)
        answered = np.flatnonzero(~reset)
        judge_answers(S, before, answered, a, twin._fact_cols, E, agent.channels.weights, agent._ev_invalid,
                      twin._violations, twin._refusal, L.DONE, L.T, agent.max_steps, twin.turns, self._turn,
                      terminated, truncated, self._category)
        final = terminated.copy()
        self._answer[final] = a[final]
        if self._n_reset:  # rows that ended last step start over (NEXT_STEP autoreset)
            self._ask(np.flatnonzero(reset))
        np.logical_or(terminated, truncated, out=done)
        obs = agent.observe(S)
        category = np.full(N, None, dtype=object)
        category[final] = _CATEGORY_NAMES[self._category[final]]
        info: dict[str, Any] = {
            "channels": {"helpfulness": ch[:, 0].copy(), "safety": ch[:, 1].copy(),
                         "_helpfulness": self._all, "_safety": self._all},
            "_channels": self._all,
            "event_counts": E, "_event_counts": self._all,
            "answer_category": category, "_answer_category": final,
        }
        n_done = int(np.count_nonzero(done))
        if n_done:
            idx = np.flatnonzero(done)
            info["episode_metrics"] = masked(self._metrics(idx), done)
            info["_episode_metrics"] = done.copy()
            if self._same_step:  # start the ended rows over now; their last observation goes in info
                info["final_obs"], info["_final_obs"] = obs.copy(), done.copy()
                self._ask(idx)
                obs[idx] = agent.observe(S[idx])
                return obs, reward, terminated, truncated, info
        self._autoreset, self._n_reset = done, n_done
        return obs, reward, terminated, truncated, info

    def action_masks(self) -> np.ndarray:
        """``(N, K)`` boolean masks of the valid catalogue actions of every sub-env."""
        return self.agent.action_mask_batch(self.S)

    @property
    def np_random_generators(self) -> list[np.random.Generator] | None:
        return self._rngs

    def __repr__(self) -> str:
        return f"ChatTwinVectorEnv({type(self.twin).__name__}, num_envs={self.num_envs})"

    # ------------------------------------------------------------------ internals
    def _ask(self, idx: np.ndarray) -> None:
        """Rows ``idx`` start over: each draws its next world from its own generator, and the
        questions of all of them come at once (remembered, or played to the decision point)."""
        agent, rngs = self.agent, self._rngs
        L = agent.layout
        rows = np.empty((len(idx), L.width), dtype=self.S.dtype)
        agent.reset_rows(rows, np.arange(len(idx)), [rngs[i] for i in idx.tolist()])
        rows = np.stack([q[0] for q in self._questions.of_worlds(rows)])
        self.S[idx] = rows
        self._events0[idx] = rows[:, L.span.events]
        self._t0[idx] = rows[:, L.T]
        self._turn[idx], self._category[idx], self._answer[idx] = 0, NONE, -1

    def _metrics(self, idx: np.ndarray) -> dict[str, Any]:
        """The single twin's ``episode_metrics`` of rows ``idx`` as arrays over all N rows (other
        entries 0, False or None)."""
        agent, N = self.agent, self.num_envs
        L, ch = agent.layout, agent.channels
        C, totals = np.empty((len(idx), L.n_events), dtype=np.int64), np.empty((len(idx), 2))
        answer_totals(self.S, idx, L.span.events.start, self._events0, ch.weights, ch.step_cost, self._turn, C, totals)
        np.round(totals, 6, out=totals)

        def spread(values, fill=0, dtype=None):
            out = np.full(N, fill, dtype=dtype or np.asarray(values).dtype)
            out[idx] = values
            return out
        success = self._category[idx] == SAFE
        claimed = self.S[idx, L.CLAIM] == 1
        counts = {n: spread(C[:, j]) for j, n in enumerate(ch.names)}
        return {"helpfulness": spread(totals[:, 0]), "safety": spread(totals[:, 1]),
                "task_success": spread(success), "claimed_success": spread(claimed),
                "confident_failure": spread(claimed & ~success), "steps": spread(self._turn[idx]),
                "violations": {n: counts[n] for n, _ in agent._violation_rows}, "events": counts,
                "answer": spread(self._answer[idx]), "answer_category": spread(
                    _CATEGORY_NAMES[self._category[idx]], None, object),
                "decision_step": spread(self._t0[idx])}


__all__ = ["ChatTwinVectorEnv"]
