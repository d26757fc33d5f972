"""The random numbers of a reset, for many rows at once, from each row's own generator.

Every env (and every sub-env of a vector env) owns a seeded generator (Gymnasium's
``np_random``), so a seed gives the same world in a single env and in any slot of a vector env.
Calling ``rng.integers`` or ``rng.permutation`` once per draw and per row costs 1-1.5 us a call,
which made the draws most of a batched reset. :class:`Draws` instead takes a few raw 64-bit words
from each row's bit generator (``bit_generator.random_raw()``, about 0.2 us each) and cuts them
into the declared draws with array arithmetic over all rows:

* a scenario declares its draws once, by their sizes: ``Draws(size_0, size_1, ...)`` draws
  ``d_j`` uniform on ``range(size_j)`` (add a low bound afterwards; a permutation of ``k`` items is
  a draw of size ``k!`` decoded with :func:`permutations`);
* draws are packed into words whose sizes multiply to at most ``2**32``; a word's draws are the
  mixed-radix digits of ``word % product``, so each tuple of draws is uniform up to a relative
  bias below ``2**-32``;
* the sizes are fixed when the scenario is built and do not depend on the conditions, so the same
  seed gives the same draws (the same world) under every condition: paired episodes.

``tests/test_draws.py`` checks the ranges, the packing, the rows' independence and the
generator state a draw leaves.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from safe_agent_envs.world.jit import kernel

_WORD_CAPACITY = 1 << 32  # the most a word's draws may multiply to (bias below 2**-32)


class Draws:
    """Independent uniform draws ``d_j`` in ``range(sizes[j])`` for a batch of rows."""

    def __init__(self, *sizes: int):
        if not sizes or any(not isinstance(n, (int, np.integer)) or not 1 <= n <= _WORD_CAPACITY for n in sizes):
            raise ValueError(f"draw sizes must be integers in 1..2**32, got {sizes!r}")
        self.sizes = tuple(int(n) for n in sizes)
        words: list[list[int]] = [[]]  # positions of the draws cut from each word
        product = 1
        for j, n in enumerate(self.sizes):
            if product * n > _WORD_CAPACITY:
                words.append([])
                product = 1
            words[-1].append(j)
            product *= n
        self.words = tuple(tuple(w) for w in words)
        self._products = np.array([math.prod(self.sizes[j] for j in w) for w in self.words], dtype=np.uint64)
        self._sizes = np.array(self.sizes, dtype=np.uint64)
        self._first = np.cumsum([0] + [len(w) for w in self.words]).astype(np.intp)  # word w: draws first[w]:first[w+1]

    def __call__(self, rngs: list[np.random.Generator]) -> np.ndarray:
        """``(len(rngs), len(sizes))`` int64 draws, row ``i`` from ``rngs[i]`` (which advances by
        ``len(self.words)`` raw words). A generator listed ``k`` times gives its rows successive
        draws in row order: what ``k`` calls with it alone would give (``k`` successive resets)."""
        W = raw_words(rngs, len(self.words))
        out = np.empty((len(rngs), len(self.sizes)), dtype=np.int64)
        _cut(W, self._products, self._sizes, self._first, out)
        return out


def raw_words(rngs: Sequence[np.random.Generator], n: int) -> np.ndarray:
    """``(len(rngs), n)`` uint64: the next ``n`` raw words of each generator, in order (what ``n``
    calls of ``rng.bit_generator.random_raw()`` give). Rows are filled in order, each row's
    ``n`` words at once, so a generator listed several times gives its rows successive words.
    For many PCG64 generators (Gymnasium's ``np_random``) one kernel calls the generators' C
    function on their states (0.25 us per word from Python, about 0.01 us here); like
    ``random_raw`` it does not take the generators' locks, so do not share a generator between
    threads while it draws. :class:`GeneratorRows` (a vector env's generators) keeps the states'
    addresses, so its rows draw with no Python per row; other lists of more than a few
    generators are made one."""
    if rngs.__class__ is not GeneratorRows and len(rngs) > _FEW:
        rngs = GeneratorRows(rngs)  # (a generator listed twice has its address twice: successive words)
    if rngs.__class__ is GeneratorRows and rngs.addresses is not None:
        W = np.empty((len(rngs), n), dtype=np.uint64)
        _next_words(rngs.next_uint64, rngs.addresses, W)
        return W
    bgs = [rng.bit_generator for rng in rngs]
    if len(bgs) == 1:
        return bgs[0].random_raw(n).reshape(1, n)
    W = np.empty((len(bgs), n), dtype=np.uint64)
    for i, b in enumerate(bgs):  # row by row, like the kernel
        W[i] = b.random_raw(n)
    return W


class GeneratorRows(Sequence):
    """A vector env's generators, one per sub-env, as :meth:`SafeAgentEnv.reset_rows` takes
    them: a sequence of ``np.random.Generator``. When all are PCG64 it keeps their states'
    addresses, and :meth:`take` picks rows with one array index, so the draws of many resetting
    rows cost no Python per row (:func:`raw_words`)."""

    def __init__(self, generators: Sequence[np.random.Generator], _rows: np.ndarray | None = None,
                 _addresses: np.ndarray | None = None, _next_uint64: Any = None):
        self.generators = generators if isinstance(generators, list) else list(generators)
        self._rows = _rows
        if _rows is None:
            bgs = [g.bit_generator for g in self.generators]
            if bgs and all(b.__class__ is _PCG64 for b in bgs):
                _addresses = np.array([b.ctypes.state_address for b in bgs], dtype=np.uint64)
                _next_uint64 = bgs[0].ctypes.next_uint64
        self.addresses, self.next_uint64 = _addresses, _next_uint64

    def take(self, rows: np.ndarray) -> GeneratorRows:
        """The generators of sub-envs ``rows`` (an index array), in that order."""
        rows = np.asarray(rows, dtype=np.intp)
        addresses = None if self.addresses is None else self.addresses[rows]
        return GeneratorRows(self.generators, rows if self._rows is None else self._rows[rows], addresses,
                             self.next_uint64)

    def __len__(self) -> int:
        return len(self.generators) if self._rows is None else len(self._rows)

    def __getitem__(self, j):
        if isinstance(j, slice):
            return [self[i] for i in range(*j.indices(len(self)))]
        return self.generators[j] if self._rows is None else self.generators[self._rows[j]]

    def __iter__(self):
        if self._rows is None:
            return iter(self.generators)
        return (self.generators[i] for i in self._rows.tolist())


_PCG64 = np.random.PCG64
_FEW = 4  # up to this many rows, Python calls are cheaper than the kernel's call


@kernel
def _next_words(next_uint64, states, W):
    """Row ``i`` of ``W``: successive words of the PCG64 state at address ``states[i]``, from
    ``next_uint64`` (the C function of ``PCG64().ctypes``)."""
    for i in range(states.shape[0]):
        for w in range(W.shape[1]):
            W[i, w] = next_uint64(states[i])


@kernel
def _cut(W, products, sizes, first, out):
    """The draws of each row: word ``w`` (uint64) modulo its product, cut into mixed-radix digits
    by the sizes of draws ``first[w]:first[w + 1]`` (unsigned arithmetic throughout)."""
    for i in range(W.shape[0]):
        for w in range(W.shape[1]):
            rest = W[i, w] % products[w]
            for j in range(first[w], first[w + 1]):
                out[i, j] = rest % sizes[j]
                rest //= sizes[j]


def permutations(k: int) -> np.ndarray:
    """``(k!, k)`` table of every permutation of ``range(k)``: row ``d`` of it, for ``d`` a draw of
    size ``math.factorial(k)``, is a uniform random permutation."""
    return np.array(list(itertools.permutations(range(k))), dtype=np.intp).reshape(math.factorial(k), k)


__all__ = ["Draws", "GeneratorRows", "permutations"]
