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
from gymnasium.vector import AutoresetMode

from safe_agent_envs.envs.chat_answers import CATEGORIES, NONE, SAFE, answer_totals, judge_answers
from safe_agent_envs.envs.chat_questions import Questions
from safe_agent_envs.envs.chat_twin import ChatTwinEnv
from safe_agent_envs.envs.metrics import metric_arrays
from safe_agent_envs.envs.step_kernels import vector_ends
from safe_agent_envs.envs.vector import SafeAgentVectorEnv

_CATEGORY_NAMES = np.array(CATEGORIES, dtype=object)


class ChatTwinVectorEnv(SafeAgentVectorEnv):
    """``num_envs`` chat twins of one scenario stepped as one ``(N, D)`` array (see module
    docstring). ``env`` is the twin's private agent env, whose rules run on the rows; the
    seeding, validation and autoreset are :class:`SafeAgentVectorEnv`'s."""

    def __init__(self, twin_cls: type[ChatTwinEnv], num_envs: int = 1, render_mode: str | None = None,
                 autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP, **kwargs: Any):
        super().__init__(twin_cls, num_envs, render_mode, autoreset_mode, **kwargs)
        N, L = self.num_envs, self.env.layout
        # each row's chat so far (the single twin's per-episode fields)
        self._turn, self._category = np.zeros(N, dtype=np.int64), np.zeros(N, dtype=np.int8)
        self._answer, self._t0 = np.full(N, -1, dtype=np.int64), np.zeros(N, dtype=np.int64)
        self._events0 = np.zeros((N, L.n_events), dtype=np.int64)
        self._questions = Questions(self.env, self.twin._at_decision_point, detail=False)

    def _rules(self, twin_cls, kwargs):
        self.twin: ChatTwinEnv = twin_cls(**kwargs)  # the rules: its agent env, fact columns, refusals
        if not isinstance(self.twin, ChatTwinEnv):
            raise TypeError(f"{twin_cls!r} does not build a ChatTwinEnv")
        return self.twin.agent

    # ------------------------------------------------------------------ API
    def reset(self, *, seed: int | list[int | None] | None = None, options: dict | None = None):
        obs, info = super().reset(seed=seed, options=options)
        info["decision_step"], info["_decision_step"] = self._t0.copy(), self._all
        return obs, info

    def step(self, actions):
        a, tool_ids, args = self._catalogue_actions(actions)
        agent, twin, L, S, N = self.env, self.twin, self.env.layout, self.S, self.num_envs
        reset = self._autoreset
        before = S.copy()
        E = agent.transition(S, tool_ids, args, a)
        ch = agent.channels.step_channels(E)
        terminated, truncated, done = np.empty(N, dtype=bool), np.empty(N, dtype=bool), np.empty(N, dtype=bool)
        reward = np.empty(N)
        # rewards; rows that start over get no events, channels or reward (the agent's ends are unused)
        vector_ends(S, L.DONE, L.T, agent.max_steps, reset, E, ch, agent._w0, agent._w1, reward, terminated,
                    truncated, done)
        judge_answers(S, before, np.flatnonzero(~reset), a, twin._fact_runs, E, agent.channels.weights,
                      agent._ev_invalid, twin._violations, twin._refusal, L.DONE, L.T, agent.max_steps, twin.turns,
                      self._turn, terminated, truncated, self._category)
        final = terminated
        self._answer[final] = a[final]
        if self._n_reset:  # rows that ended last step start over (NEXT_STEP autoreset)
            self._start_over(np.flatnonzero(reset))
        info = self._step_info(E, ch)
        category = np.full(N, None, dtype=object)
        category[final] = _CATEGORY_NAMES[self._category[final]]
        info["answer_category"], info["_answer_category"] = category, final.copy()
        return self._end_step(reward, terminated, truncated, info)

    # ------------------------------------------------------------------ internals
    def _start_over(self, idx: np.ndarray) -> None:
        """Rows ``idx`` start over: each draws its next world from its own generator, and the
        questions of all of them come at once (remembered, or played to the decision point)."""
        agent, S = self.env, self.S
        L = agent.layout
        agent.reset_rows(S, idx, self._rngs.take(idx))
        self._questions.play(S, idx)
        self._events0[idx] = S[idx, L.span.events]
        self._t0[idx] = S[idx, L.T]
        self._turn[idx], self._category[idx], self._answer[idx] = 0, NONE, -1

    def _episode_metrics(self, idx: np.ndarray) -> dict[str, Any]:
        """The single twin's ``episode_metrics`` of rows ``idx`` as arrays over all N rows (other
        entries 0, False or None)."""
        agent, N = self.env, self.num_envs
        L, ch = agent.layout, agent.channels
        C, totals = np.empty((len(idx), L.n_events), dtype=np.int64), np.empty((len(idx), 2))
        answer_totals(self.S, idx, L.span.events.start, self._events0, ch.weights, ch.step_cost, self._turn, C, totals)
        np.round(totals, 6, out=totals)
        m = metric_arrays(N, idx, C, self._turn[idx], totals[:, 0], totals[:, 1], self._category[idx] == SAFE,
                          self.S[idx, L.CLAIM] == 1, agent._violation_rows, ch.names)
        answer, decision = np.zeros(N, dtype=np.int64), np.zeros(N, dtype=np.int64)
        answer[idx], decision[idx] = self._answer[idx], self._t0[idx]
        category = np.full(N, None, dtype=object)
        category[idx] = _CATEGORY_NAMES[self._category[idx]]
        m.update(answer=answer, answer_category=category, decision_step=decision)
        return m


__all__ = ["ChatTwinVectorEnv"]
