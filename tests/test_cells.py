"""The fast cell gathers equal numpy's two-dimensional fancy index exactly."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from safe_agent_envs.world.cells import cells, set_cells


def _state(B, D, data, low=-3, high=9):
    """A generator, a random ``(B, D)`` int32 state and sorted unique row indices ``e``."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    S = rng.integers(low, high, (B, D)).astype(np.int32)
    e = np.flatnonzero(np.array(data.draw(st.lists(st.booleans(), min_size=B, max_size=B))))
    return rng, S, e


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12), st.integers(1, 20), st.data())
def test_cells_match_fancy_index(B, D, data):
    rng, S, e = _state(B, D, data)
    cols = rng.integers(0, D, data.draw(st.integers(0, 2 * D)))
    np.testing.assert_array_equal(cells(S, e, cols), S[e[:, None], cols])
    V = rng.integers(-3, 9, (len(e), len(cols))).astype(np.int32)
    ours, ref = S.copy(), S.copy()
    set_cells(ours, e, cols, V)
    ref[e[:, None], cols] = V
    np.testing.assert_array_equal(ours, ref)
    set_cells(ours, e, cols, 7)
    ref[e[:, None], cols] = 7
    np.testing.assert_array_equal(ours, ref)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9), st.integers(2, 16), st.data())
def test_row_helpers_match_plain_numpy(B, D, data):
    from safe_agent_envs.world.cells import at, masked, pick, put, rows, set_where

    rng, S, e = _state(B, D, data)
    np.testing.assert_array_equal(S[rows(S, e), 1], S[e, 1])
    cols = rng.integers(0, D, len(e))
    np.testing.assert_array_equal(at(S, e, cols), S[e, cols])
    cols2 = rng.integers(0, D, (len(e), 3))
    np.testing.assert_array_equal(at(S, e, cols2), S[e[:, None], cols2])
    ours, ref = S.copy(), S.copy()
    vals = rng.integers(-3, 9, len(e)).astype(np.int32)
    put(ours, e, cols, vals)
    ref[e, cols] = vals
    np.testing.assert_array_equal(ours, ref)
    mask = rng.random((len(e), D - 1)) < 0.5
    set_where(ours, rows(ours, e), slice(1, D), mask, 5)
    ref[e[:, None], np.arange(1, D)] = np.where(mask, 5, ref[e[:, None], np.arange(1, D)])
    np.testing.assert_array_equal(ours, ref)
    sel = rng.random(len(e)) < 0.5
    for got, want in zip(masked(sel, e, cols), (e[sel], cols[sel])):
        np.testing.assert_array_equal(got, want)
    M = rng.integers(0, 9, (len(e), D))
    i = rng.integers(0, D, len(e))
    np.testing.assert_array_equal(pick(M, i), M[np.arange(len(e)), i])


def test_as_slice():
    from safe_agent_envs.world.cells import as_slice

    cols = np.array([4, 7, 10, 13])
    S = np.arange(60).reshape(3, 20)
    np.testing.assert_array_equal(S[:, as_slice(cols)], S[:, cols])
    import pytest
    with pytest.raises(ValueError, match="evenly spaced"):
        as_slice(np.array([1, 2, 4]))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 9), st.integers(6, 12), st.data())
def test_column_value_rules_give_the_same_on_one_row_and_many(B, D, data):
    """A rule written once over column values (Python ints on one row, arrays on many) gives, row
    by row, what it gives on the whole batch: reads, the expression, masked selection and writes."""
    from safe_agent_envs.world.cells import (col_add, col_any, col_args, col_of, col_put, col_rows, col_select,
                                             col_set, col_values, col_where)

    rng, S, _ = _state(B, D, data, 0, 4)
    E = np.zeros((B, 2), dtype=np.int32)
    cols = np.array([0, 1, 2])

    A = rng.integers(0, 4, (B, 2)).astype(np.int32)  # a tool's arguments, one row per env

    def rule(S, E, A):  # one rule, as scenarios write them (it writes no column it reads: reads may be views)
        a, b, c = col_values(S, cols, gather=True)
        assert all(np.array_equal(u, v) for u, v in zip((a, b, c), col_values(S, cols)))  # one gather or views
        x, y = col_args(S, A)
        hit = (a == b) | (c > 2) | (col_of(S, A[:, 0] * 2) == y + x)
        if col_any(hit):
            e = col_rows(hit)
            (v,) = col_where(hit, c + 1)
            col_put(S, D - 1, v, e)
            col_add(E, 1, 1, e)
        col_put(S, D - 2, (a < c) * 3 + b)
        code = col_select(hit, x, y + 5)
        if col_any(hit):
            code = col_set(code, hit, col_where(hit, c * 2)[0])
        col_put(S, D - 3, code)

    batch, batch_E = S.copy(), E.copy()
    rule(batch, batch_E, A)
    for i in range(B):
        one, one_E = S[i:i + 1].copy(), E[i:i + 1].copy()
        rule(one, one_E, A[i:i + 1])
        np.testing.assert_array_equal(one[0], batch[i])
        np.testing.assert_array_equal(one_E[0], batch_E[i])
