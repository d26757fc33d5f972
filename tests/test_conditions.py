"""Condition factors: validation, and paired episodes for every registered agent env.

"Same world and timing" (see :mod:`safe_agent_envs.conditions`): for one seed, every single-factor
change of the paired factors leaves every non-condition column of the reset state row equal, the
env's random generator in the same state after reset, and the catalogue's tool names equal.
``persona`` is text only: the same actions give the same world trajectory and channels.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from safe_agent_envs.conditions import (CONDITION_NAMES, PAIRED_FACTORS, Conditions, condition_columns,
                                        single_factor_variants, world_columns)
from safe_agent_envs.envs.base import SafeAgentEnv
from tests.conftest import ENV_IDS, random_actions

AGENT_IDS = [i for i in ENV_IDS if issubclass(type(gym.make(i).unwrapped), SafeAgentEnv)]
SEEDS = (0, 1, 7)


def _accepts(env_id, variant) -> bool:
    names = gym.make(env_id).unwrapped.condition_names
    return all(k in names for k in variant)


def _reset_state(env_id, seed, **variant):
    env = gym.make(env_id, **variant)
    env.reset(seed=seed)
    u = env.unwrapped
    return u, u.S[0].copy(), u.np_random.bit_generator.state


def test_from_kwargs_names_argument_and_allowed_values():
    with pytest.raises(ValueError, match=r"peer_memory='friendly'.*allowed values: none, uncooperative"):
        Conditions.from_kwargs(peer_memory="friendly")
    with pytest.raises(ValueError, match="unknown condition 'mood'"):
        Conditions.from_kwargs(mood="sad")
    assert Conditions.from_kwargs(persona="sad", oversight="monitored").persona == "sad"


def test_existing_field_names_and_values_still_work():
    for name, value in [("peer_memory", "cooperative"), ("oversight", "monitored"),
                        ("shutdown_instruction", "system_prompt"), ("goal_nudge", "strong"),
                        ("persona", "false_belief"), ("injection", "in_file"), ("difficulty", "hard")]:
        assert getattr(Conditions.from_kwargs(**{name: value}), name) == value
    assert set(PAIRED_FACTORS) == set(CONDITION_NAMES) - {"difficulty"}


@pytest.mark.parametrize("env_id", AGENT_IDS)
def test_same_seed_same_world_and_timing_under_every_single_factor_change(env_id):
    for seed in SEEDS:
        base, row, rng = _reset_state(env_id, seed)
        cols = world_columns(base)
        assert len(cols) > len(condition_columns(base))
        tools = [c["name"] for c in base.catalogue_calls()]
        for variant in single_factor_variants():
            if not _accepts(env_id, variant):
                continue
            env, row2, rng2 = _reset_state(env_id, seed, **variant)
            assert env.layout.width == base.layout.width, variant
            diff = [env.layout.column_name(int(c)) for c in cols[row[cols] != row2[cols]]]
            assert not diff, f"{env_id} seed {seed} {variant}: world columns differ: {diff}"
            assert rng == rng2, f"{env_id} {variant}: different number of random draws at reset"
            assert [c["name"] for c in env.catalogue_calls()] == tools, variant
            assert env.observation_space == base.observation_space and env.action_space == base.action_space
            assert env.episode_metrics()["condition"][next(iter(variant))] == variant[next(iter(variant))] \
                if variant else True


@pytest.mark.parametrize("env_id", AGENT_IDS)
def test_different_seeds_give_different_worlds(env_id):
    rows = {tuple(_reset_state(env_id, s)[1][world_columns(gym.make(env_id))]) for s in range(8)}
    assert len(rows) > 1


@pytest.mark.parametrize("env_id", AGENT_IDS)
def test_persona_is_text_only(env_id):
    if "persona" not in gym.make(env_id).unwrapped.condition_names:
        pytest.skip("no persona factor")

    def run(**kw):
        env = gym.make(env_id, **kw)
        u = env.unwrapped
        env.reset(seed=3)
        cols, out = world_columns(u), []
        for a in random_actions(env, 3, 60):
            _, _, term, trunc, info = env.step(a)
            out.append((u.S[0, cols].tolist(), info["channels"], info["events"], term, trunc))
            if term or trunc:
                break
        return out, u.briefing()

    base, text = run()
    for persona in Conditions.allowed("persona")[1:]:
        other, text2 = run(persona=persona)
        assert other == base, persona
        assert text2 != text, f"persona {persona} does not change the text"


@pytest.mark.parametrize("env_id", AGENT_IDS)
def test_condition_recorded_in_episode_metrics(env_id):
    kw = {"oversight": "monitored", "persona": "sad"}
    if not _accepts(env_id, kw):
        pytest.skip("factors not accepted")
    env = gym.make(env_id, **kw, max_steps=2)
    _, info = env.reset(seed=0)
    assert info["condition"]["persona"] == "sad"
    for a in (0, 0):
        out = env.step(a)
        if out[2] or out[3]:
            break
    m = out[4]["episode_metrics"]["condition"]
    assert m["oversight"] == "monitored" and m["persona"] == "sad"


CHAT_IDS = [i for i in ENV_IDS if i not in AGENT_IDS]


@pytest.mark.parametrize("env_id", CHAT_IDS)
def test_chat_twins_pair_too(env_id):
    """The question is asked at the same point of the same world under every single-factor change."""
    for seed in (0, 3):
        base = gym.make(env_id).unwrapped
        _, info = base.reset(seed=seed)
        cols, row = world_columns(base), base.S[0].copy()
        for variant in single_factor_variants():
            if not all(k in base.agent.condition_names for k in variant):
                continue
            env = gym.make(env_id, **variant).unwrapped
            _, info2 = env.reset(seed=seed)
            assert info2["decision_step"] == info["decision_step"], (env_id, variant)
            assert np.array_equal(env.S[0, cols], row[cols]), (env_id, variant)
