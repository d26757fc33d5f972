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
twin serves one per reset. The native vector twin asks :meth:`Questions.play` for the worlds
of all its resetting rows at once.

:class:`Questions` is a twin's supply: it asks for batches of 1, 2, 4, ... up to
:data:`MAX_BATCH` worlds while resets come unseeded; a seeded reset restarts the generator from
the seed and drops what was prepared, so a loop that seeds every reset prepares one world per
reset, and the worlds prepared but never asked are fewer than those asked since the last seed.
It also remembers the questions of up to :data:`REMEMBERED` worlds (some scenarios have few:
Shutdown-v0 12, FileOps-v0 175), so a world met again is not played again; where worlds rarely
repeat (PeerMemory-v0 and Exfiltration-v0 draw tens of thousands), it stops remembering once
fewer than one in :data:`USEFUL_HITS` worlds was met again.

Nothing here loops over rows in Python: worlds are matched by a compiled hash of their key
columns, observations on the oracle's way by :func:`distinct_rows` (the oracle decides once per
distinct observation), and remembered states are copied into the rows by a kernel.
"""

from __future__ import annotations

import copy
from collections import deque
from typing import Any, Callable

import gymnasium as gym
import numpy as np

from safe_agent_envs.world.jit import kernel

MAX_BATCH = 64  # the most reset worlds a twin prepares at once
REMEMBERED = 1024  # reset worlds whose questions a twin remembers (all forgotten when it is full)
REMEMBERED_DECISIONS = 1 << 16  # oracle decisions a twin remembers (forgotten all at once)
USEFUL_HITS = 8  # remembering worlds stops when fewer than 1 in this many were met again
PEEL = 4  # distinct_rows compares rows with each of the first few distinct rows before hashing

Question = tuple  # (state row at the decision point, transcript entries of the oracle's steps, observation)


class Questions:
    """The questions of a chat twin's private agent env ``agent`` (see module docstring). With
    ``detail`` (the single twin) a question comes with its observation and the transcript entries
    of the oracle's steps; the vector twin needs only the state at the decision point.

    Worlds are remembered by their *key columns*: those in which a reset world was seen to
    differ from the first one (the drawn ones: 2 of Shutdown-v0's 125 columns, 44 of FileOps-v0's
    497). Every world is checked against the first one, and a column seen to differ for the first
    time joins the keys and makes the memory start again. Keys are found by a hash of the key
    columns and checked column by column, so a hash collision never serves a wrong question."""

    def __init__(self, agent: Any, at_decision_point: Callable[[np.ndarray], bool], detail: bool = True):
        self.agent, self.at_decision_point, self.detail = agent, at_decision_point, detail
        self.oracle = None  # made on first use (the scripted references import the envs)
        self._ready: deque[Question] = deque()
        self._batch = 1
        width = agent.layout.width
        self.remembering = True  # False once worlds were seen to rarely repeat
        self._first_world: np.ndarray | None = None
        self._key = np.zeros(width, dtype=bool)  # the key columns
        self._key_idx = np.zeros(0, dtype=np.intp)
        # the memory: slots 0..remembered-1 hold worlds' keys, states at the decision point and transcript
        # entries; (_hashes, _slots) are the slots' key hashes, sorted
        self._keys = np.empty((REMEMBERED, 0), dtype=agent.S.dtype)
        self._states = np.empty((REMEMBERED, width), dtype=agent.S.dtype)
        self._lines: list[tuple] = [()] * REMEMBERED
        self._hashes, self._slots = np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.intp)
        self._met = self._met_again = 0
        self._decisions: dict[bytes, int] = {}  # a memoryless oracle's, by observation

    @property
    def remembered(self) -> int:
        """How many worlds' questions are remembered now."""
        return len(self._slots)

    def next(self, seed: int | None) -> Question:
        """The question of the agent env's next reset world; ``seed`` restarts its generator."""
        if seed is not None:
            gym.Env.reset(self.agent, seed=seed)
            self._ready.clear()
            self._batch = 1
        if not self._ready:
            k = self._batch
            S = np.empty((k, self.agent.layout.width), dtype=self.agent.S.dtype)
            rows = np.arange(k)
            self.agent.reset_rows(S, rows, [self.agent.np_random] * k)
            obs, lines = self.play(S, rows)
            self._ready.extend(zip(S, lines, obs))
            self._batch = min(2 * k, MAX_BATCH)
        return self._ready.popleft()

    def play(self, S: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray | None, list[tuple] | None]:
        """Play the reset worlds in rows ``rows`` of ``S`` to their decision points, in place
        (remembered worlds are copied, the others played). With ``detail``, returns the
        observations there and each world's transcript entries of the oracle's steps."""
        if not self.remembering:
            return self._play(S, rows)
        k = len(rows)
        h = self._key_hashes(S, rows)
        slot = np.full(k, -1, dtype=np.intp)  # each row's remembered world
        if len(self._hashes):
            pos = np.searchsorted(self._hashes, h).clip(max=len(self._hashes) - 1)
            slot = np.where(self._hashes[pos] == h, self._slots[pos], -1)
        found = _remembered(S, rows, self._key_idx, self._keys, slot)  # keys checked; slot -1 otherwise
        lines = [self._lines[x] if x >= 0 else () for x in slot.tolist()] if self.detail else None
        _fill_rows(S, rows, slot, rows, self._states)  # before _remember below may reuse slots
        n_new = 0
        if found < k:
            miss = np.flatnonzero(slot < 0)
            n_new = self._play_new(S, rows[miss], h[miss], miss, lines)
        self._met, self._met_again = self._met + k, self._met_again + k - n_new
        if self._met >= 2 * REMEMBERED and self._met_again * USEFUL_HITS < self._met:
            self.remembering = False  # worlds rarely repeat here
            self._forget()
        if not self.detail:
            return None, None
        return self.agent.observe(S[rows]), lines

    def _play_new(self, S: np.ndarray, rows: np.ndarray, h: np.ndarray, at: np.ndarray, lines: list | None) -> int:
        """Play the worlds of rows ``rows`` (not remembered; key hashes ``h``) once each and
        remember them; with ``detail``, their transcript entries go to ``lines[at]``. Returns how
        many distinct worlds were played."""
        uh, first, inverse = np.unique(h, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        reps = rows[first]
        if not _keys_match(S, rows, self._key_idx, reps[inverse]):  # distinct worlds hashed alike
            _, played = self._play(S, rows)
            for j, x in zip(at.tolist(), played or ()):
                lines[j] = x
            return len(rows)
        keys = S[reps][:, self._key_idx]  # the reset worlds' (the oracle's play may change them)
        _, played = self._play(S, reps)  # in place, in the rows reps
        _fill_rows(S, rows, np.full(len(rows), -1, dtype=np.intp), reps[inverse], self._states)
        if self.detail:
            for j, g in zip(at.tolist(), inverse.tolist()):
                lines[j] = played[g]
        self._remember(uh, keys, S, reps, played)
        return len(reps)

    def _key_hashes(self, S: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Each row's key hash; a column that differs from the first world for the first time
        joins the keys (and the memory starts again)."""
        if self._first_world is None:
            self._first_world = S[rows[0]].copy()
        h = np.empty(len(rows), dtype=np.uint64)
        weights = _hash_weights(S.shape[1])
        if _hash_key_columns(S, rows, self._first_world, self._key.view(np.uint8), weights, h):
            self._key |= (S[rows] != self._first_world).any(0)
            self._key_idx = np.flatnonzero(self._key)
            self._forget()
            _hash_key_columns(S, rows, self._first_world, self._key.view(np.uint8), weights, h)
        return h

    def _remember(self, uh: np.ndarray, keys: np.ndarray, S: np.ndarray, reps: np.ndarray,
                  lines: list | None) -> None:
        """Remember the worlds of key hashes ``uh`` (distinct) and key columns ``keys``, played in
        rows ``reps`` of ``S``, forgetting every world first when they do not fit."""
        if self.remembered + len(uh) > REMEMBERED:
            self._forget()
        uh, keys, reps = uh[:REMEMBERED], keys[:REMEMBERED], reps[:REMEMBERED]
        at = np.arange(self.remembered, self.remembered + len(uh))
        self._keys[at], self._states[at] = keys, S[reps]
        if lines is not None:
            for s, x in zip(at.tolist(), lines):
                self._lines[s] = x
        hashes, slots = np.concatenate([self._hashes, uh]), np.concatenate([self._slots, at])
        order = np.argsort(hashes, kind="stable")
        self._hashes, self._slots = hashes[order], slots[order]

    def _forget(self) -> None:
        self._hashes, self._slots = self._hashes[:0], self._slots[:0]
        if self._keys.shape[1] != len(self._key_idx):
            self._keys = np.empty((REMEMBERED, len(self._key_idx)), dtype=self._keys.dtype)

    def _play(self, S: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray | None, list[tuple] | None]:
        if self.oracle is None:
            from safe_agent_envs.policies.scripted import reference_policy

            self.oracle = reference_policy("oracle", self.agent)
        self.oracle.reset()
        if len(self._decisions) > REMEMBERED_DECISIONS:
            self._decisions.clear()
        worlds = S[rows]
        obs, lines = play_to_decision_point(self.agent, worlds, self.oracle, self.at_decision_point, self._decisions,
                                            self.detail)
        S[rows] = worlds
        return (obs, [tuple(x) for x in lines]) if self.detail else (None, None)


@kernel
def _hash_key_columns(S, rows, first_world, key, weights, h):
    """``h[j]``: :func:`_row_hashes`' hash of row ``rows[j]``'s key columns (``key``: 1 for a key
    column, else 0). Returns whether some row differs from ``first_world`` outside the key
    columns."""
    outside = False
    for j in range(rows.shape[0]):
        row = S[rows[j]]
        x = np.uint64(0)
        d = 0
        for c in range(row.shape[0]):  # no branches: a vector loop
            k = key[c]  # 1 for a key column, else 0
            x += np.uint64(row[c] & 0xFFFFFFFF) * weights[c] * np.uint64(k)
            d |= (row[c] ^ first_world[c]) * (1 - k)
        h[j] = x
        outside |= d != 0
    return outside


@kernel
def _remembered(S, rows, key_idx, keys, slot):
    """Row ``rows[j]`` is the world of slot ``slot[j]`` if its key columns are ``keys[slot[j]]``;
    otherwise ``slot[j]`` becomes -1. Returns how many rows were remembered worlds."""
    found = 0
    for j in range(rows.shape[0]):
        s = slot[j]
        if s < 0:
            continue
        for c in range(key_idx.shape[0]):
            if S[rows[j], key_idx[c]] != keys[s, c]:
                slot[j] = -1
                break
        if slot[j] >= 0:
            found += 1
    return found


@kernel
def _keys_match(S, rows, key_idx, reps):
    """Whether every row ``rows[j]`` has the key columns of row ``reps[j]``."""
    for j in range(rows.shape[0]):
        for c in key_idx:
            if S[rows[j], c] != S[reps[j], c]:
                return False
    return True


@kernel
def _fill_rows(S, rows, slot, source, states):
    """Row ``rows[j]`` gets ``states[slot[j]]`` (a remembered world's state at the decision
    point) or, where ``slot[j]`` is -1, row ``source[j]`` of ``S`` (a world played in place)."""
    for j in range(rows.shape[0]):
        i = rows[j]
        if slot[j] >= 0:
            S[i] = states[slot[j]]
        elif source[j] != i:
            S[i] = S[source[j]]


def distinct_rows(X: np.ndarray, peel: int = PEEL) -> tuple[np.ndarray, np.ndarray]:
    """``(first, inverse)``: ``X[first]`` are the distinct rows of ``X`` (a 2-d array), each at its
    first row, and ``X[first][inverse] == X``, bytewise. Rows equal to one of
    the first ``peel`` distinct rows are found by comparison (cheap when rows are of few kinds,
    as observations on the oracle's way are); the rest are grouped by sorting a hash of each row,
    and the groups are checked row by row (a hash collision falls back to sorting the rows'
    bytes)."""
    X = np.ascontiguousarray(X)
    words = X.view(np.uint32 if X.dtype.itemsize % 4 == 0 else np.uint8)  # rows compared as words
    k = len(words)
    if not words.shape[1]:  # rows of nothing are all alike
        return np.zeros(min(k, 1), dtype=np.intp), np.zeros(k, dtype=np.intp)
    first, inverse = np.empty(min(peel, k), dtype=np.intp), np.empty(k, dtype=np.intp)
    first = first[:_peel_rows(words, first, inverse)]
    left = np.flatnonzero(inverse < 0)
    if not len(left):
        return first, inverse
    rest = words[left]
    h = np.empty(len(rest), dtype=np.uint64)
    _row_hashes(rest, _hash_weights(rest.shape[1]), h)
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
        row = X[i]
        for g in range(n):
            rep = X[first[g]]
            d = row[0] ^ row[0]  # zero of the rows' type (rows are not empty)
            for c in range(row.shape[0]):  # no early exit: a vector loop
                d |= row[c] ^ rep[c]
            if d == 0:
                inverse[i] = g
                break
        if inverse[i] < 0 and n < first.shape[0]:
            first[n] = i
            inverse[i] = n
            n += 1
    return n


def _hash_weights(width: int, _cache: dict[int, np.ndarray] = {}) -> np.ndarray:
    """Odd random 64-bit weights, one per column, fixed per width."""
    if width not in _cache:
        _cache[width] = np.random.default_rng(width).integers(1, 1 << 63, width, dtype=np.uint64) | np.uint64(1)
    return _cache[width]


@kernel
def _row_hashes(X, weights, out):
    """Each row's hash: the sum of its items times ``weights``, modulo 2**64 (equal rows hash
    alike; a vector loop)."""
    for i in range(X.shape[0]):
        x = np.uint64(0)
        for c in range(X.shape[1]):
            x += np.uint64(X[i, c]) * weights[c]
        out[i] = x


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
        seen = obs if len(pending) == k else obs[pending]
        if memoryless:
            first, inverse = distinct_rows(seen)
            acts = np.array([_decision(seen[j], oracle, at_decision_point, decisions) for j in first.tolist()],
                            dtype=np.intp)[inverse]
        else:
            acts = np.array([-1 if at_decision_point(o) else players[i].act(o)
                             for i, o in zip(pending.tolist(), seen)], dtype=np.intp)
        going = acts >= 0
        rows, a = (pending, acts) if going.all() else (pending[going], acts[going])
        if not len(rows):
            break
        moved = S[rows]  # a copy: the rows whose episode this step would end keep their state
        agent.transition(moved, agent._cat_tool[a], agent._cat_args[a], a)
        go_on = (moved[:, L.DONE] == 0) & (moved[:, L.T] < agent.max_steps)
        if not go_on.all():
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
