"""The fast cell gathers equal numpy's two-dimensional fancy index exactly."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from safe_agent_envs.world.cells import cells, set_cells


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12), st.integers(1, 20), st.data())
def test_cells_match_fancy_index(B, D, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    S = rng.integers(-3, 9, (B, D)).astype(np.int32)
    e = np.flatnonzero(np.array(data.draw(st.lists(st.booleans(), min_size=B, max_size=B))))
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
