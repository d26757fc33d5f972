"""The questions a chat twin asks: reset worlds played by the oracle up to the decision point.

A twin's question is a function of its reset world alone: the oracle reference policy reads only
the observation (and its own per-episode notes), the rules are deterministic and steps draw no
random numbers. The worlds of successive resets are successive draws of the agent env's generator,
which ``reset_rows(S, rows, [rng] * k)`` draws in one call
(:meth:`~safe_agent_envs.envs.base.SafeAgentEnv.reset_rows`). So :class:`Questions` draws ``k``
worlds at once and :func:`play_to_decision_point` plays the oracle on all of them through the
agent env's batched
:meth:`~safe_agent_envs.envs.base.SafeAgentEnv.transition` (the native vector env's code path:
one call per oracle step for the whole batch, and the same rules as every other step), and the
twin serves one per reset. The native vector twin asks :meth:`Questions.of_worlds` for the worlds
of all its resetting rows at once.

:class:`Questions` is a twin's supply: it asks for batches of 1, 2, 4, ... up to
:data:`MAX_BATCH` worlds while resets come unseeded; a seeded reset restarts the generator from
the seed and drops what was prepared, so a loop that seeds every reset prepares one world per
reset, and the worlds prepared but never asked are fewer than those asked since the last seed.
It also remembers the questions of the last :data:`REMEMBERED` worlds (some scenarios have few:
Shutdown-v0 12, FileOps-v0 175), so a world met again is not played again; where worlds rarely
repeat (PeerMemory-v0 and Exfiltration-v0 draw tens of thousands), it stops remembering once
fewer than one in :data:`USEFUL_HITS` worlds was met again.
"""

from __future__ import annotations

import copy
from collections import OrderedDict, deque
from typing import Any, Callable

import gymnasium as gym
import numpy as np

MAX_BATCH = 64  # the most reset worlds a twin prepares at once
REMEMBERED = 1024  # reset worlds whose questions a twin remembers
REMEMBERED_DECISIONS = 1 << 16  # oracle decisions a twin remembers (forgotten all at once)
USEFUL_HITS = 8  # remembering worlds stops when fewer than 1 in this many were met again

Question = tuple  # (state row at the decision point, transcript entries of the oracle's steps, observation)


class Questions:
    """The questions of a chat twin's private agent env ``agent`` (see module docstring); without
    ``transcripts`` (the vector twin) the questions carry no transcript entries."""

    def __init__(self, agent: Any, at_decision_point: Callable[[np.ndarray], bool], transcripts: bool = True):
        self.agent, self.at_decision_point, self.transcripts = agent, at_decision_point, transcripts
        self.oracle = None  # made on first use (the scripted references import the envs)
        self._ready: deque[Question] = deque()
        self._batch = 1
        self._known: OrderedDict[bytes, Question] | None = OrderedDict()  # None: not remembering
        self._met = self._met_again = 0
        self._decisions: dict[bytes, int] = {}  # a memoryless oracle's, by observation

    def next(self, seed: int | None) -> Question:
        """The question of the agent env's next reset world; ``seed`` restarts its generator."""
        if seed is not None:
            gym.Env.reset(self.agent, seed=seed)
            self._ready.clear()
            self._batch = 1
        if not self._ready:
            k = self._batch
            S = np.empty((k, self.agent.layout.width), dtype=self.agent.S.dtype)
            self.agent.reset_rows(S, np.arange(k), [self.agent.np_random] * k)
            self._ready.extend(self.of_worlds(S))
            self._batch = min(2 * k, MAX_BATCH)
        return self._ready.popleft()

    def of_worlds(self, S: np.ndarray) -> list[Question]:
        """The questions of reset worlds ``S``: remembered, or played (``S`` is played in place)."""
        known, k = self._known, len(S)
        if known is None:
            return self._play(S)
        worlds = [row.tobytes() for row in S]
        new: dict[bytes, int] = {}  # worlds not remembered -> their first row
        for i, w in enumerate(worlds):
            if w not in known and w not in new:
                new[w] = i
        played = dict(zip(new, self._play(S[list(new.values())]))) if new else {}
        out = []
        for w in worlds:
            q = played[w] if w in played else known[w]
            known[w] = q
            known.move_to_end(w)
            out.append(q)
        while len(known) > REMEMBERED:
            known.popitem(last=False)
        self._met, self._met_again = self._met + k, self._met_again + k - len(new)
        if self._met >= 2 * REMEMBERED and self._met_again * USEFUL_HITS < self._met:
            self._known = None  # worlds rarely repeat here
        return out

    def _play(self, S: np.ndarray) -> list[Question]:
        if self.oracle is None:
            from safe_agent_envs.policies.scripted import reference_policy

            self.oracle = reference_policy("oracle", self.agent)
        self.oracle.reset()
        if len(self._decisions) > REMEMBERED_DECISIONS:
            self._decisions.clear()
        obs, lines = play_to_decision_point(self.agent, S, self.oracle, self.at_decision_point, self._decisions,
                                            self.transcripts)
        return [(S[i].copy(), tuple(lines[i]) if lines else (), obs[i].copy()) for i in range(len(S))]


def play_to_decision_point(agent: Any, S: np.ndarray, oracle: Any, at_decision_point: Callable[[np.ndarray], bool],
                           decisions: dict[bytes, int], transcripts: bool = True) -> tuple[np.ndarray, list | None]:
    """Play reset worlds ``S`` (rows of ``agent``'s state, in place) with ``oracle`` (freshly
    reset; every world gets a copy unless the oracle is ``memoryless``) until
    ``at_decision_point(obs)``. Returns the observations there and, with ``transcripts``, each
    world's transcript entries of the oracle's steps (as the agent env's ``render_mode="ansi"``
    transcript keeps catalogue actions). An oracle step that would end the agent episode is not
    taken: the question is the last situation before the end. A memoryless oracle's decisions are
    remembered in ``decisions`` (observation bytes -> action, -1 at the decision point)."""
    L, k = agent.layout, len(S)
    obs = agent.observe(S)
    memoryless = getattr(oracle, "memoryless", False)
    players = [oracle] * k if memoryless else [copy.copy(oracle) for _ in range(k)]
    lines: list[list] | None = [[] for _ in range(k)] if transcripts else None
    pending = range(k)
    while True:
        rows, actions = [], []
        for i in pending:
            o = obs[i]
            if memoryless:
                key = o.tobytes()
                act = decisions.get(key)
                if act is None:
                    act = decisions[key] = -1 if at_decision_point(o) else oracle.act(o)
            else:
                act = -1 if at_decision_point(o) else players[i].act(o)
            if act >= 0:
                rows.append(i)
                actions.append(act)
        if not rows:
            break
        a = np.array(actions, dtype=np.intp)
        moved = S[rows]  # a copy: the rows whose episode this step would end keep their state
        agent.transition(moved, agent._cat_tool[a], agent._cat_args[a], a)
        go_on = (moved[:, L.DONE] == 0) & (moved[:, L.T] < agent.max_steps)
        moved, rows, actions = moved[go_on], np.array(rows)[go_on], a[go_on].tolist()
        S[rows] = moved
        obs[rows] = agent.observe(moved)
        if lines is not None:
            for j, (i, act) in enumerate(zip(rows.tolist(), actions)):
                lines[i] += [agent.call_text(act), (act, moved[j].copy())]
        pending = rows.tolist()
    return obs, lines
