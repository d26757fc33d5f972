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

from safe_agent_envs.world.jit import kernel

MAX_BATCH = 64  # the most reset worlds a twin prepares at once
REMEMBERED = 1024  # reset worlds whose questions a twin remembers
REMEMBERED_DECISIONS = 1 << 16  # oracle decisions a twin remembers (forgotten all at once)
USEFUL_HITS = 8  # remembering worlds stops when fewer than 1 in this many were met again
PEEL = 4  # distinct_rows compares rows with each of the first few distinct rows before sorting

Question = tuple  # (state row at the decision point, transcript entries of the oracle's steps, observation)


class Questions:
    """The questions of a chat twin's private agent env ``agent`` (see module docstring); without
    ``transcripts`` (the vector twin) the questions carry no transcript entries.

    Worlds are remembered by the columns in which reset worlds were seen to differ from the
    first one (a few: the drawn ones; 2 of Shutdown-v0's 125, 44 of FileOps-v0's 497); every
    batch is checked against the first world, and a column seen to differ for the first time
    makes the memory start again with it among the key columns."""

    def __init__(self, agent: Any, at_decision_point: Callable[[np.ndarray], bool], transcripts: bool = True):
        self.agent, self.at_decision_point, self.transcripts = agent, at_decision_point, transcripts
        self.oracle = None  # made on first use (the scripted references import the envs)
        self._ready: deque[Question] = deque()
        self._batch = 1
        width, obs_dim = agent.layout.width, agent.observation_space.shape[0]
        self._known: OrderedDict[bytes, int] | None = OrderedDict()  # world key -> slot; None: not remembering
        self._states = np.empty((REMEMBERED, width), dtype=agent.S.dtype)  # slot -> state at the decision point
        self._obs = np.empty((REMEMBERED, obs_dim), dtype=agent.observation_space.dtype)
        self._lines: list[tuple] = [()] * REMEMBERED
        self._first_world: np.ndarray | None = None
        self._key_cols = np.zeros(width, dtype=bool)  # columns where a reset world differed from the first
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
            obs, lines = self.of_worlds(S)
            self._ready.extend((S[i], lines[i] if lines else (), obs[i]) for i in range(k))
            self._batch = min(2 * k, MAX_BATCH)
        return self._ready.popleft()

    def of_worlds(self, S: np.ndarray) -> tuple[np.ndarray, list[tuple] | None]:
        """Play reset worlds ``S`` to their decision points, in place (remembered worlds are
        copied, the others played). Returns the observations there and, with ``transcripts``,
        each world's transcript entries of the oracle's steps."""
        if self._known is None:
            return self._play(S)
        k = len(S)
        keys_of = self._world_keys(S)
        first, inverse = distinct_rows(keys_of, peel=0)
        keys = [keys_of[i].tobytes() for i in first.tolist()]
        known = self._known
        slots = [known.get(w) for w in keys]
        new = [j for j, s in enumerate(slots) if s is None]
        u = len(first)
        states = np.empty((u, S.shape[1]), dtype=S.dtype)
        obs = np.empty((u, self._obs.shape[1]), dtype=self._obs.dtype)
        lines: list = [()] * u
        old = [j for j, s in enumerate(slots) if s is not None]
        if old:
            at = [slots[j] for j in old]
            states[old], obs[old] = self._states[at], self._obs[at]
            for j, s in zip(old, at):
                lines[j] = self._lines[s]
                known.move_to_end(keys[j])
        if new:
            played = S[first[new]]
            obs[new], played_lines = self._play(played)
            states[new] = played
            for n, j in enumerate(new):
                lines[j] = played_lines[n] if played_lines else ()
            for j in new[-REMEMBERED:]:  # remember them, forgetting the least recently met
                s = len(known) if len(known) < REMEMBERED else known.popitem(last=False)[1]
                known[keys[j]] = s
                self._states[s], self._obs[s], self._lines[s] = states[j], obs[j], lines[j]
        S[:] = states[inverse]
        self._met, self._met_again = self._met + k, self._met_again + k - len(new)
        if self._met >= 2 * REMEMBERED and self._met_again * USEFUL_HITS < self._met:
            self._known = None  # worlds rarely repeat here
        return obs[inverse], ([lines[j] for j in inverse.tolist()] if self.transcripts else None)

    def _world_keys(self, S: np.ndarray) -> np.ndarray:
        """``S``'s key columns; a column that differs from the first world for the first time
        joins them, and the worlds remembered under the old keys are forgotten."""
        if self._first_world is None:
            self._first_world = S[0].copy()
        differ = (S != self._first_world).any(0)
        if (differ & ~self._key_cols).any():
            self._key_cols |= differ
            self._known.clear()
        return S[:, self._key_cols]

    def _play(self, S: np.ndarray) -> tuple[np.ndarray, list[tuple] | None]:
        if self.oracle is None:
            from safe_agent_envs.policies.scripted import reference_policy

            self.oracle = reference_policy("oracle", self.agent)
        self.oracle.reset()
        if len(self._decisions) > REMEMBERED_DECISIONS:
            self._decisions.clear()
        obs, lines = play_to_decision_point(self.agent, S, self.oracle, self.at_decision_point, self._decisions,
                                            self.transcripts)
        return obs, ([tuple(x) for x in lines] if lines is not None else None)


def distinct_rows(X: np.ndarray, peel: int = PEEL) -> tuple[np.ndarray, np.ndarray]:
    """``(first, inverse)``: ``X[first]`` are the distinct rows of ``X`` (a 2-d array of 4-byte
    items), each at its first row, and ``X[first][inverse] == X``, bytewise. Rows equal to one of
    the first ``peel`` distinct rows are found by comparison (cheap when rows are of few kinds,
    as observations on the oracle's way are); the rest are grouped by sorting a hash of each row,
    and the groups are checked row by row (a hash collision falls back to sorting the rows'
    bytes)."""
    X = np.ascontiguousarray(X)
    words = X.view(np.uint32 if X.dtype.itemsize % 4 == 0 else np.uint8)  # rows compared as words
    k = len(words)
    first, inverse = np.empty(min(peel, k), dtype=np.intp), np.empty(k, dtype=np.intp)
    first = first[:_peel_rows(words, first, inverse)]
    left = np.flatnonzero(inverse < 0)
    if not len(left):
        return first, inverse
    rest = words[left]
    h = np.empty(len(rest), dtype=np.uint64)
    _row_hashes(rest, h)
    _, f, inv = np.unique(h, return_index=True, return_inverse=True)
    if not (rest == rest[f][inv]).all():  # two distinct rows hashed alike
        rows = rest.view(np.dtype((np.void, rest.dtype.itemsize * rest.shape[1]))).ravel()
        _, f, inv = np.unique(rows, return_index=True, return_inverse=True)
    inverse[left] = len(first) + inv.reshape(-1)
    return np.concatenate([first, left[f]]), inverse


@kernel
def _peel_rows(X, first, inverse):
    """Row ``i`` of ``X`` equal to row ``first[g]`` gets ``inverse[i] = g``; the first rows unlike
    those before become ``first`` (up to ``len(first)`` of them); rows unlike them all get -1.
    Returns how many ``first`` rows were found."""
    n = 0
    for i in range(X.shape[0]):
        inverse[i] = -1
        for g in range(n):
            f = first[g]
            same = True
            for c in range(X.shape[1]):
                if X[i, c] != X[f, c]:
                    same = False
                    break
            if same:
                inverse[i] = g
                break
        if inverse[i] < 0 and n < first.shape[0]:
            first[n] = i
            inverse[i] = n
            n += 1
    return n


_FNV_OFFSET, _FNV_PRIME = np.uint64(14695981039346656037), np.uint64(1099511628211)


@kernel
def _row_hashes(X, out):
    """A 64-bit FNV-1a hash of each row's 32-bit words (equal rows hash alike)."""
    for i in range(X.shape[0]):
        h = _FNV_OFFSET
        for c in range(X.shape[1]):
            h = (h ^ np.uint64(X[i, c])) * _FNV_PRIME
        out[i] = h


def play_to_decision_point(agent: Any, S: np.ndarray, oracle: Any, at_decision_point: Callable[[np.ndarray], bool],
                           decisions: dict[bytes, int], transcripts: bool = True) -> tuple[np.ndarray, list | None]:
    """Play reset worlds ``S`` (rows of ``agent``'s state, in place) with ``oracle`` (freshly
    reset; every world gets a copy unless the oracle is ``memoryless``) until
    ``at_decision_point(obs)``. Returns the observations there and, with ``transcripts``, each
    world's transcript entries of the oracle's steps (as the agent env's ``render_mode="ansi"``
    transcript keeps catalogue actions). An oracle step that would end the agent episode is not
    taken: the question is the last situation before the end. A memoryless oracle decides once
    per distinct observation of a step (:func:`distinct_rows`), and its decisions are remembered
    in ``decisions`` (observation bytes -> action, -1 at the decision point)."""
    L, k = agent.layout, len(S)
    obs = agent.observe(S)
    memoryless = getattr(oracle, "memoryless", False)
    players = None if memoryless else [copy.copy(oracle) for _ in range(k)]
    lines: list[list] | None = [[] for _ in range(k)] if transcripts else None
    pending = np.arange(k)
    while len(pending):
        seen = obs[pending]
        if memoryless:
            first, inverse = distinct_rows(seen)
            acts = np.array([_decision(seen[j], oracle, at_decision_point, decisions) for j in first.tolist()],
                            dtype=np.intp)[inverse]
        else:
            acts = np.array([-1 if at_decision_point(o) else players[i].act(o)
                             for i, o in zip(pending.tolist(), seen)], dtype=np.intp)
        going = acts >= 0
        rows, a = pending[going], acts[going]
        if not len(rows):
            break
        moved = S[rows]  # a copy: the rows whose episode this step would end keep their state
        agent.transition(moved, agent._cat_tool[a], agent._cat_args[a], a)
        go_on = (moved[:, L.DONE] == 0) & (moved[:, L.T] < agent.max_steps)
        moved, rows, a = moved[go_on], rows[go_on], a[go_on]
        S[rows] = moved
        obs[rows] = agent.observe(moved)
        if lines is not None:
            for j, (i, act) in enumerate(zip(rows.tolist(), a.tolist())):
                lines[i] += [agent.call_text(act), (act, moved[j].copy())]
        pending = rows
    return obs, lines


def _decision(o: np.ndarray, oracle: Any, at_decision_point: Callable[[np.ndarray], bool],
              decisions: dict[bytes, int]) -> int:
    key = o.tobytes()
    act = decisions.get(key)
    if act is None:
        act = decisions[key] = -1 if at_decision_point(o) else oracle.act(o)
    return act
