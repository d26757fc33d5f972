"""Fast reads and writes of a block of state cells: rows ``e`` by columns ``cols``.

Every rule reads fields of many file slots of some rows (``S[e[:, None], layout.exists]``). numpy's
two-dimensional fancy index is the slow way to do that: on a one-row batch (the single env, every
step) ``ndarray.take`` along the columns is about 3x faster, and on 1,024 rows about 4x. These
helpers pick the fast form from the shapes; the result is always exactly the fancy-index result.

* :func:`cells` -- ``S[e[:, None], cols]`` (a new ``(len(e), len(cols))`` array);
* :func:`set_cells` -- ``S[e[:, None], cols] = V``.

``e`` must be sorted and unique (as ``np.flatnonzero`` gives): when it is as long as ``S`` it is
then every row in order, and the row index can be skipped.
"""

from __future__ import annotations

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


__all__ = ["cells", "set_cells"]
