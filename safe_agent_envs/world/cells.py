"""Fast reads and writes of state cells: the indexing every rule uses, in its cheapest numpy form.

Rules (tool ops, judges, resets) read and write fields of some rows ``e`` of the state ``S``. The
obvious numpy forms are slow in the two cases that matter: on a one-row batch (the single env, every
step) each call's fixed cost dominates, and on 1,024 rows a two-dimensional fancy index gathers far
more than it needs. These helpers pick the cheap form from the shapes; each result is exactly what
the plain form it names would give.

* :func:`cells` / :func:`set_cells` -- ``S[e[:, None], cols]`` read / write (``take`` along columns);
* :func:`rows` -- the row index for ``S[rows(S, e), col]``: the slice ``:`` when ``e`` is every row;
* :func:`at` / :func:`put` -- ``S[e, cols]`` read / write (a flat ``take``/``put`` on one row);
* :func:`set_where` -- ``S[r, cols] = np.where(mask, value, S[r, cols])`` in place;
* :func:`masked` -- ``x[mask]`` of several arrays (no copies when every row is selected);
* :func:`pick` -- ``M[arange(len(M)), i]``;
* :func:`as_slice` -- evenly spaced columns as a slice (reads become views);
* ``col_*`` -- a rule written as one expression over column values (Python ints on one row,
  column arrays on many): :func:`col_values`, :func:`col_args`, :func:`col_of`, :func:`col_any`,
  :func:`col_where`, :func:`col_select`, :func:`col_set`, :func:`col_rows`, :func:`col_put`,
  :func:`col_add`.

``e`` must be sorted and unique (as ``np.flatnonzero`` gives): when it is as long as ``S`` it is
then every row in order, and the row index can be skipped. ``tests/test_cells.py`` checks the
helpers against the plain forms.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def cells(S: np.ndarray, e: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``S[e[:, None], cols]`` for sorted, unique row indices ``e``."""
    if len(e) == len(S):
        return S.take(cols, 1)
    if len(e) * S.shape[1] > len(S) * len(cols):  # fewer cells in the columns than in the rows
        return S.take(cols, 1)[e]
    return S[e].take(cols, 1)


def set_cells(S: np.ndarray, e: np.ndarray, cols: np.ndarray, V) -> None:
    """``S[e[:, None], cols] = V`` for sorted, unique row indices ``e``."""
    n = len(S)
    if len(e) == n:
        if n == 1:
            S[0][cols] = V  # a view of the one row: no 2-D index at all
        else:
            S[:, cols] = V
    else:
        S[e[:, None], cols] = V


def rows(S: np.ndarray, e: np.ndarray) -> slice | np.ndarray:
    """Row index of rows ``e`` (sorted, unique) for column reads and writes: ``S[rows(S, e), col]``.

    When ``e`` is every row (always, on the single env) it is the slice ``:``, so reads are
    views and nothing is gathered. Since a read may be a view, never read it after writing the
    same cells."""
    return slice(None) if len(e) == len(S) else e


def at(S: np.ndarray, e: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``S[e, cols]``: cell ``cols[i]`` of row ``e[i]`` (``cols`` may also be ``(len(e), k)``,
    with ``e[:, None]``). On one row the flat index is the column: a ``take``."""
    if len(S) == 1:
        return S.take(cols)
    return S[e[:, None], cols] if cols.ndim == 2 else S[e, cols]


def put(S: np.ndarray, e: np.ndarray, cols: np.ndarray, values: Any) -> None:
    """``S[e, cols] = values``: the write form of :func:`at` (``values`` one per cell, or a scalar)."""
    if len(S) == 1:
        S.put(cols, values)
    elif cols.ndim == 2:
        S[e[:, None], cols] = values
    else:
        S[e, cols] = values


def set_where(S: np.ndarray, r: slice | np.ndarray, cols: slice, mask: np.ndarray, value: Any) -> None:
    """``S[r, cols] = np.where(mask, value, S[r, cols])`` for ``r`` from :func:`rows` and a slice
    of columns (when ``r`` is a slice too, the block is a view and is changed in place)."""
    block = S[r, cols]
    block[mask] = value
    if not isinstance(r, slice):
        S[r, cols] = block


def masked(mask: np.ndarray, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """``tuple(x[mask] for x in arrays)``: the selected rows' entries. When every row is selected
    (on the single env, whenever any is) the arrays themselves: treat them as read-only."""
    if np.count_nonzero(mask) == len(mask):
        return arrays
    return tuple(x[mask] for x in arrays)


def pick(M: np.ndarray, i: np.ndarray) -> np.ndarray:
    """``M[arange(len(M)), i]``: entry ``i[j]`` of each row ``j`` of a 2-D array."""
    if len(M) == 1:
        return M.take(i)
    return M[np.arange(len(M)), i]


def as_slice(cols: np.ndarray) -> slice:
    """Evenly spaced columns (a layout field, two adjacent fields, one role's slot of every kind)
    as a slice: ``S[:, as_slice(cols)]`` is a view where ``S[:, cols]`` would be a gather."""
    lo = int(cols[0])
    step = int(cols[1] - cols[0]) if len(cols) > 1 else 1
    if step < 1 or not np.array_equal(cols, np.arange(lo, lo + step * len(cols), step)):
        raise ValueError("columns are not evenly spaced")
    return slice(lo, lo + step * (len(cols) - 1) + 1, step)


# -- rules over column values --------------------------------------------------------------------
# A rule may read the columns it needs with col_values and be one expression over them: on one row (the single env) they are Python ints and the arithmetic is scalar (~50 ns an
# operation where a numpy call costs ~1 us); on N rows they are the columns' arrays. The expressions
# use only &, |, ^, comparisons, and + or * with an int operand (never ~, not, and/or, an if on a
# value, or + of two bools), which give the same values on both; col_any, col_put and col_add are
# the one-row and N-row forms of one read or write. One rule, one expression: no second copy.
def col_values(S, cols, e=None, gather=False):
    """Columns ``cols`` (an array, or a tuple of ints) of rows ``e`` of ``S`` (sorted, unique;
    default every row), one item per column: Python ints when ``S`` is one row, else the column
    arrays as :func:`~safe_agent_envs.world.cells.rows` reads them (views when ``e`` is every row:
    compute what a rule needs from them before it writes the same cells). With ``gather`` (many
    columns, ``cols`` an array), one gather of them all: copies that lie close together in memory,
    where the columns of ``S`` are a whole row apart."""
    if len(S) == 1:
        return S.take(cols).tolist() if cols.__class__ is np.ndarray else [S.item(c) for c in cols]
    r = slice(None) if e is None else rows(S, e)
    if gather:
        return S[r][:, cols].T if e is not None else S[:, cols].T
    return [S[r, c] for c in cols]


def col_args(S, a):
    """A tool op's arguments ``a`` (one row per row it runs on) as values, one item per argument:
    Python ints when ``S`` is one row (as :func:`col_values` decides), else the argument columns."""
    return a[0].tolist() if len(S) == 1 else a.T


def col_of(S, x):
    """A per-row array ``x`` a rule computed (one entry per row it runs on) as a value: a Python
    number when ``S`` is one row, else ``x``."""
    return x.item() if len(S) == 1 else x


def col_any(x):
    """Whether value ``x`` (from :func:`col_values` arithmetic) is true in some row."""
    return np.count_nonzero(x) > 0 if x.__class__ is np.ndarray else bool(x)


def col_where(mask, *xs):
    """``x[mask]`` of each of ``xs`` (row indices, values), for a ``mask`` true in some row
    (:func:`col_any`); on one row, ``xs`` themselves."""
    return masked(mask, *xs) if mask.__class__ is np.ndarray else xs


def col_select(mask, x, y):
    """``np.where(mask, x, y)`` of values (on one row ``x`` or ``y`` by arithmetic: the same value)."""
    return np.where(mask, x, y) if mask.__class__ is np.ndarray else y + (x - y) * mask


def col_set(x, mask, value):
    """``x[mask] = value`` for a ``mask`` true in some row, ``value`` given on those rows
    (:func:`col_where`); returns ``x`` (on one row, ``value``)."""
    if x.__class__ is not np.ndarray:
        return value
    x[mask] = value
    return x


def col_put(S, col, x, e=None):
    """``S[e, col] = x`` (default every row)."""
    if len(S) == 1:
        S[0, col] = x
    else:
        S[slice(None) if e is None else rows(S, e), col] = x


def col_add(E, col, x, e=None):
    """``E[e, col] += x`` (default every row)."""
    if len(E) == 1:
        E[0, col] += x
    else:
        E[slice(None) if e is None else e, col] += x


def col_rows(mask):
    """The rows where ``mask`` is true (in some row: :func:`col_any`), as the ``e`` of
    :func:`col_put` and :func:`col_add`: on one row, None (every row)."""
    return np.flatnonzero(mask) if mask.__class__ is np.ndarray else None


__all__ = ["as_slice", "at", "cells", "col_add", "col_any", "col_args", "col_of", "col_put", "col_rows", "col_select",
           "col_set", "col_values", "col_where", "masked", "pick", "put", "rows", "set_cells", "set_where"]
