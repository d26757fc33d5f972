"""world/draws.py: the reset draws are in range, packed within a word's capacity, uniform, and
independent of which other rows reset with them (a seed gives the same world in any vector slot)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safe_agent_envs.registration import ENVS
from safe_agent_envs.world.draws import Draws, GeneratorRows, permutations, raw_words

sizes_lists = st.lists(st.integers(1, 1 << 32), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(sizes_lists, st.integers(0, 2**32), st.integers(1, 5))
def test_draws_are_in_range_and_words_respect_the_capacity(sizes, seed, n_rows):
    draws = Draws(*sizes)
    assert sorted(j for w in draws.words for j in w) == list(range(len(sizes)))
    assert all(math.prod(sizes[j] for j in w) <= 1 << 32 for w in draws.words)
    out = draws([np.random.default_rng(seed + i) for i in range(n_rows)])
    assert out.shape == (n_rows, len(sizes)) and out.dtype == np.int64
    assert ((out >= 0) & (out < np.array(sizes))).all()


def test_each_row_draws_from_its_own_generator_only():
    draws = Draws(3, 4, 720, 1 << 31, 7)  # two words
    together = draws([np.random.default_rng(s) for s in range(5)])
    alone = np.concatenate([draws([np.random.default_rng(s)]) for s in range(5)])
    assert np.array_equal(together, alone)
    rng, twin = np.random.default_rng(9), np.random.default_rng(9)
    draws([rng])
    twin.bit_generator.random_raw(len(draws.words))  # a draw takes one raw word per packed word
    assert rng.bit_generator.state == twin.bit_generator.state


def test_joint_draws_are_uniform():
    """Chi-square of the joint draw (4 x 6 x 5 = 120 cells; 4 and 6 share a factor, so digits
    not cut apart would show) over 30,000 rows of one generator: below 210 (p ~ 1e-6 for 119
    degrees of freedom); a fixed seed, so the test is exact."""
    rng = np.random.default_rng(0)
    out = Draws(4, 6, 5)([rng] * 30_000)
    cell = out[:, 0] * 30 + out[:, 1] * 5 + out[:, 2]
    counts = np.bincount(cell, minlength=120)
    expected = len(cell) / 120
    assert ((counts - expected) ** 2 / expected).sum() < 210
    # consecutive rows are not correlated: the pair of first draws of rows i, i+1
    pair = np.bincount(out[:-1, 0] * 4 + out[1:, 0], minlength=16)
    assert ((pair - len(out) / 16) ** 2 / (len(out) / 16)).sum() < 60


def test_permutation_table():
    table = permutations(4)
    assert table.shape == (24, 4)
    assert len({tuple(r) for r in table.tolist()}) == 24
    assert (np.sort(table, 1) == np.arange(4)).all()


@pytest.mark.parametrize("bad", [(), (0,), (3, -1), ((1 << 32) + 1,), (2.5,)])
def test_sizes_are_validated(bad):
    with pytest.raises(ValueError, match="draw sizes"):
        Draws(*bad)


@pytest.mark.parametrize("n_rows", [1, 3, 5, 64])
@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.Philox])
def test_raw_words_are_each_generators_next_words_and_advance_it(n_rows, bit_generator):
    ours = [np.random.Generator(bit_generator(s)) for s in range(n_rows)]
    ref = [np.random.Generator(bit_generator(s)) for s in range(n_rows)]
    W = raw_words(ours, 3)
    assert W.dtype == np.uint64 and W.shape == (n_rows, 3)
    np.testing.assert_array_equal(W, [[r.bit_generator.random_raw() for _ in range(3)] for r in ref])
    # the generators are left where three random_raw calls leave them
    assert [g.integers(1 << 30) for g in ours] == [g.integers(1 << 30) for g in ref]


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.Philox])
def test_generator_rows_draw_what_their_generators_would(bit_generator):
    """A vector env's GeneratorRows (and the rows it takes, twice over, repeats included) draw
    the words the plain list of those generators draws, and leave them in the same state."""
    ours = GeneratorRows([np.random.Generator(bit_generator(s)) for s in range(40)])
    ref = [np.random.Generator(bit_generator(s)) for s in range(40)]
    taken = ours.take(np.array([3, 9, 9, 0, 39, 12, 5, 7]))
    twice = taken.take(np.array([6, 0, 4, 4, 1]))
    assert len(twice) == 5 and twice[0] is ours[5] and [g for g in twice] == [ours[i] for i in (5, 3, 39, 39, 9)]
    for rows, gens in ((ours, ref), (taken, [ref[i] for i in (3, 9, 9, 0, 39, 12, 5, 7)]),
                       (twice, [ref[i] for i in (5, 3, 39, 39, 9)])):
        np.testing.assert_array_equal(raw_words(rows, 2), raw_words(gens, 2))
    assert [g.integers(1 << 30) for g in ours] == [g.integers(1 << 30) for g in ref]


@pytest.mark.parametrize("k", [2, 4, 5, 64])
def test_a_generator_listed_k_times_gives_its_rows_successive_words(k):
    """What chat twins rely on to draw the worlds of ``k`` successive resets at once, on both
    paths of raw_words (a few rows in Python, many in the kernel)."""
    ours, ref = np.random.Generator(np.random.PCG64(7)), np.random.Generator(np.random.PCG64(7))
    W = raw_words([ours] * k, 3)
    np.testing.assert_array_equal(W, [ref.bit_generator.random_raw(3) for _ in range(k)])
    assert ours.integers(1 << 30) == ref.integers(1 << 30)


@pytest.mark.parametrize("env_id", [i for i in ENVS if "Chat" not in i])
def test_reset_rows_with_one_generator_gives_successive_resets(env_id):
    """``reset_rows(S, rows, [rng] * k)`` writes the worlds that ``k`` successive single resets
    from the same generator state give (SafeAgentEnv.reset_rows' contract)."""
    import gymnasium as gym

    env = gym.make(env_id).unwrapped
    env.reset(seed=3)
    S = np.empty((6, env.S.shape[1]), dtype=env.S.dtype)
    env.reset_rows(S, np.arange(6), [env.np_random] * 6)
    env.reset(seed=3)
    for row in S:
        env.reset()
        np.testing.assert_array_equal(env.S[0], row)
