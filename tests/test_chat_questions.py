"""The machinery behind chat questions (envs/chat_questions.py): distinct rows, and remembered
worlds served exactly as freshly played ones, hash collisions and new key columns included."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import safe_agent_envs  # noqa: F401  (registers the envs)
from safe_agent_envs.envs import chat_questions as cq


def _check_distinct(X, first, inverse):
    rows = [r.tobytes() for r in X]
    assert [rows[i] for i in first[inverse]] == rows  # every row is its group's first row, bytewise
    assert len({rows[i] for i in first}) == len(first)  # the groups are distinct
    assert all(rows.index(rows[i]) == i for i in first)  # each group at its first row


@settings(max_examples=150, deadline=None)
@given(pool=st.integers(1, 12), k=st.integers(0, 60), width=st.integers(0, 9), peel=st.integers(0, 5),
       dtype=st.sampled_from([np.int32, np.float32, np.int64, np.uint8]), seed=st.integers(0, 2**32 - 1))
def test_distinct_rows_groups_equal_rows_exactly(pool, k, width, peel, dtype, seed):
    rng = np.random.default_rng(seed)
    kinds = rng.integers(0, 3, (pool, width)).astype(dtype)
    X = kinds[rng.integers(0, pool, k)]
    first, inverse = cq.distinct_rows(X, peel=peel)
    _check_distinct(X, first, inverse)


def test_distinct_rows_survives_hash_collisions(monkeypatch):
    real = cq._row_hashes

    def colliding(X, weights, out):
        real(X, weights, out)
        out %= 2  # many distinct rows hash alike
    monkeypatch.setattr(cq, "_row_hashes", colliding)
    X = np.random.default_rng(0).integers(0, 4, (200, 3)).astype(np.int32)
    first, inverse = cq.distinct_rows(X, peel=2)
    _check_distinct(X, first, inverse)
    assert len(first) > 10


def _questions(env_id, remembering=True):
    vec = gym.make_vec(env_id, num_envs=1, vectorization_mode="vector_entry_point")
    q = cq.Questions(vec.env, vec.twin._at_decision_point, detail=True)
    q.remembering = remembering
    return vec.env, q


def _world_batches(agent, n_batches, k, mutate, seed=0):
    """Batches of reset worlds, some rows of later batches changed in a column no reset varies
    (the worlds that make a new key column)."""
    rng = np.random.default_rng(seed)
    for b in range(n_batches):
        S = np.empty((k, agent.layout.width), dtype=agent.S.dtype)
        seeds = rng.integers(0, 6, k)  # worlds of 6 seeds: they repeat within and across batches
        agent.reset_rows(S, np.arange(k), [np.random.default_rng(s) for s in seeds])
        if mutate and b >= n_batches // 2:
            S[rng.integers(0, k, 2), agent.layout.width - 1] += 1
        yield S


@pytest.mark.parametrize("env_id", ["SafeAgent/ShutdownChat-v0", "SafeAgent/FileOpsChat-v0",
                                    "SafeAgent/PeerMemoryChat-v0", "SafeAgent/ExfiltrationChat-v0"])
@pytest.mark.parametrize("collide", [False, True])
@pytest.mark.parametrize("remembered", [cq.REMEMBERED, 3])
def test_remembered_questions_are_the_played_ones(env_id, collide, remembered, monkeypatch):
    """Batches with repeated worlds, worlds that grow the key columns half way and (``collide``)
    key hashes forced to collide (small batches, so that a new world often shares the hash of a
    remembered one): every question equals the one a twin that remembers nothing
    plays, observation, state and transcript. A memory of 3 worlds fills up and starts again
    within batches."""
    monkeypatch.setattr(cq, "REMEMBERED", remembered)
    if collide:
        real = cq._hash_key_columns

        def colliding(S, rows, first_world, key, weights, h):
            outside = real(S, rows, first_world, key, weights, h)
            h %= 3
            return outside
        monkeypatch.setattr(cq, "_hash_key_columns", colliding)
    agent, remembering = _questions(env_id)
    _, fresh = _questions(env_id, remembering=False)
    for S in _world_batches(agent, 30, 2, mutate=True) if collide else _world_batches(agent, 8, 12, mutate=True):
        S2, rows = S.copy(), np.arange(len(S))
        obs, lines = remembering.play(S, rows)
        obs2, lines2 = fresh.play(S2, rows)
        np.testing.assert_array_equal(S, S2)
        np.testing.assert_array_equal(obs, obs2)
        assert [[x if isinstance(x, str) else (x[0], x[1].tobytes()) for x in q] for q in lines] == \
            [[x if isinstance(x, str) else (x[0], x[1].tobytes()) for x in q] for q in lines2]
    if remembering.remembering:  # (a 3-world memory may have found too few worlds met again)
        assert remembering._key[agent.layout.width - 1]  # the changed column became a key column
    if not (collide and remembered == 3):  # (else it may stop remembering at once)
        assert remembering._met_again > 0
