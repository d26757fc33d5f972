"""The compiled step bookkeeping (envs/step_kernels.py) equals its plain numpy definition."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from safe_agent_envs.envs.step_kernels import add_events, begin_step, column_runs, end_calls, observe
from safe_agent_envs.world.layout import R, RESULT_NAMES


@settings(max_examples=200, deadline=None)
@given(st.integers(2, 40), st.integers(1, 8), st.integers(0, 2**32 - 1))
def test_begin_step_counts_the_step_and_sorts_rows_by_tool_stably(B, n_tools, seed):
    rng = np.random.default_rng(seed)
    tool_ids = rng.integers(0, n_tools, B).astype(np.intp)
    S = rng.integers(0, 9, (B, 4)).astype(np.int32)
    T0 = S[:, 2].copy()
    args = rng.integers(-1, 50, (B, 3)).astype(np.int32)
    order, ends, sorted_args = np.empty(B, dtype=np.intp), np.empty(n_tools, dtype=np.intp), np.empty_like(args)
    begin_step(S, 2, tool_ids, args, n_tools, order, ends, sorted_args)
    np.testing.assert_array_equal(S[:, 2], T0 + 1)
    np.testing.assert_array_equal(order, np.argsort(tool_ids, kind="stable"))
    np.testing.assert_array_equal(sorted_args, args[order])
    np.testing.assert_array_equal(ends, np.cumsum(np.bincount(tool_ids, minlength=n_tools)))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_end_calls_and_add_events_match_numpy(B, seed):
    rng = np.random.default_rng(seed)
    n_actions, n_events = 6, 5
    LAST_TOOL, RESULT, acted0, events0 = 0, 1, 2, 2 + n_actions
    S = rng.integers(0, 3, (B, events0 + n_events)).astype(np.int32)
    S[:, RESULT] = rng.integers(0, len(RESULT_NAMES), B)
    tool_ids, actions = rng.integers(0, 4, B).astype(np.intp), rng.integers(-1, n_actions, B).astype(np.intp)
    acted = np.arange(acted0, acted0 + n_actions, dtype=np.intp)
    ref, E = S.copy(), np.zeros((B, n_events), dtype=np.int32)
    end_calls(S, E, tool_ids, actions, acted, LAST_TOOL, RESULT, 3)
    ref[:, LAST_TOOL] = tool_ids
    ok = (ref[:, RESULT] == R["ok"]) & (actions >= 0)
    ref[np.flatnonzero(ok), acted[actions[ok]]] = 1
    np.testing.assert_array_equal(S, ref)
    np.testing.assert_array_equal(E[:, 3], ref[:, RESULT] == R["invalid"])
    E += rng.integers(0, 2, E.shape).astype(np.int32) * rng.integers(0, 2)
    assert add_events(S, E, events0) == bool(E.any())
    ref[:, events0:] += E
    np.testing.assert_array_equal(S, ref)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 20), st.integers(0, 2**32 - 1))
def test_observe_is_the_float32_product_and_the_result_one_hot(B, seed):
    rng = np.random.default_rng(seed)
    S = rng.integers(0, 50, (B, 12)).astype(np.int32)
    S[:, 0] = rng.integers(0, len(RESULT_NAMES), B)
    cols = rng.integers(1, 12, 7).astype(np.intp)
    scale = rng.choice([1.0, 0.5, 1 / 40, 1 / 3], 7).astype(np.float32)
    obs = np.full((B, 7 + len(RESULT_NAMES)), np.nan, dtype=np.float32)
    observe(S, column_runs(cols), scale, 0, len(RESULT_NAMES), obs)
    np.testing.assert_array_equal(obs[:, :7], S[:, cols].astype(np.float32) * scale)
    np.testing.assert_array_equal(obs[:, 7:], np.eye(len(RESULT_NAMES), dtype=np.float32)[S[:, 0]])
