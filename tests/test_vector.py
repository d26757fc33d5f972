"""Native vector env == N single envs: same observations, rewards, terminations, truncations,
channels and episode metrics for the same seeds and (random, masked) actions, for every
registered scenario and its chat twin, under several conditions."""

from __future__ import annotations

import pickle

import gymnasium as gym
import numpy as np
import pytest

import safe_agent_envs  # noqa: F401
from safe_agent_envs.envs.base import SafeAgentEnv
from safe_agent_envs.envs.chat_twin import ChatTwinEnv
from safe_agent_envs.envs.vector import SafeAgentVectorEnv, episode_metrics_row

CONDITIONS = [
    {},
    {"oversight": "monitored", "shutdown_instruction": "system_prompt"},
    {"peer_memory": "cooperative", "difficulty": "hard", "reward_weights": {"helpfulness": 0.3, "safety": 0.7}},
    {"difficulty": "easy", "max_steps": 12, "goal_nudge": "strong"},
]


def _native(env_id):
    spec = gym.spec(env_id)
    from gymnasium.envs.registration import load_env_creator

    cls = load_env_creator(spec.entry_point)
    return isinstance(cls, type) and issubclass(cls, (SafeAgentEnv, ChatTwinEnv))


def _accepts(env_id, kwargs):
    try:
        gym.make(env_id, **kwargs)
    except (TypeError, ValueError):
        return False
    return True


def _differential(env_id, kwargs, seed, n_envs=6, n_steps=150):
    vec = gym.make_vec(env_id, num_envs=n_envs, vectorization_mode="vector_entry_point", **kwargs)
    singles = [gym.make(env_id, **kwargs) for _ in range(n_envs)]
    obs_v, _ = vec.reset(seed=seed)
    obs_s = [e.reset(seed=seed + i)[0] for i, e in enumerate(singles)]
    np.testing.assert_array_equal(obs_v, np.stack(obs_s))
    rng = np.random.default_rng(seed)
    pending = [False] * n_envs
    n_episodes = 0
    for t in range(n_steps):
        masks = vec.action_masks()
        for i, e in enumerate(singles):
            if not pending[i]:
                np.testing.assert_array_equal(masks[i], e.unwrapped.action_masks())
        actions = np.array([rng.choice(np.flatnonzero(m)) for m in masks])
        obs, rew, term, trunc, info = vec.step(actions)
        for i, e in enumerate(singles):
            if pending[i]:  # NEXT_STEP autoreset: this step resets sub-env i
                o, ii = e.reset()
                r, te, tr, ch = 0.0, False, False, ii["channels"]
            else:
                o, r, te, tr, ii = e.step(actions[i])
                ch = ii["channels"]
            ctx = f"{env_id} {kwargs} seed={seed} t={t} env={i}"
            np.testing.assert_array_equal(obs[i], o, err_msg=ctx)
            assert (rew[i], term[i], trunc[i]) == (r, te, tr), ctx
            assert info["channels"]["helpfulness"][i] == ch["helpfulness"], ctx
            assert info["channels"]["safety"][i] == ch["safety"], ctx
            names = [vec.event_names[j] for j in np.flatnonzero(info["event_counts"][i])
                     for _ in range(int(info["event_counts"][i, j]))]
            assert sorted(names) == sorted(ii["events"]), ctx
            if "answer_category" in ii or "answer_category" in info:  # chat twins: the final answer's category
                assert info["answer_category"][i] == ii.get("answer_category"), ctx
            if te or tr:
                assert info["_episode_metrics"][i], ctx
                assert all(info["episode_metrics"][f"_{k}"][i] for k in ("helpfulness", "violations", "events")), ctx
                assert episode_metrics_row(info["episode_metrics"], i, vec.unwrapped.condition) == ii["episode_metrics"], ctx
                n_episodes += 1
            else:
                assert "_episode_metrics" not in info or not info["_episode_metrics"][i], ctx
            pending[i] = te or tr
    return n_episodes


@pytest.mark.parametrize("k", range(len(CONDITIONS)))
def test_vector_matches_single_envs(env_id, k):
    kwargs = CONDITIONS[k]
    if not _native(env_id):
        pytest.skip(f"{env_id} is not a SafeAgentEnv (vector entry point falls back to SyncVectorEnv)")
    if not _accepts(env_id, kwargs):
        pytest.skip(f"{env_id} does not take {kwargs}")
    episodes = sum(_differential(env_id, kwargs, seed) for seed in (0, 17, 123))
    assert episodes > 0


def test_make_vec_every_registered_env(env_id):
    vec = gym.make_vec(env_id, num_envs=3, vectorization_mode="vector_entry_point")
    obs, info = vec.reset(seed=0)
    assert obs.shape[0] == 3 and vec.observation_space.contains(obs)
    out = vec.step(vec.action_space.sample())
    assert out[1].shape == (3,)
    vec.close()


def test_vector_api_and_errors():
    vec = gym.make_vec("SafeAgent/Shutdown-v0", num_envs=4, vectorization_mode="vector_entry_point")
    assert isinstance(vec, SafeAgentVectorEnv)
    assert vec.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    with pytest.raises(RuntimeError, match="before reset"):
        vec.step(np.zeros(4, dtype=int))
    vec.reset(seed=[1, 2, 3, 4])
    with pytest.raises(ValueError, match="expected 4 actions"):
        vec.step(np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="outside the action space"):
        vec.step(np.full(4, 99))
    with pytest.raises(ValueError, match="num_envs"):
        gym.make_vec("SafeAgent/Shutdown-v0", num_envs=0, vectorization_mode="vector_entry_point")
    with pytest.raises(ValueError, match="allowed values"):
        gym.make_vec("SafeAgent/Shutdown-v0", num_envs=2, vectorization_mode="vector_entry_point", oversight="x")
    assert vec.action_masks().shape == (4, vec.single_action_space.n)
    # seeding by list equals the single envs with those seeds
    obs, _ = vec.reset(seed=[5, 6, 7, 8])
    single = gym.make("SafeAgent/Shutdown-v0")
    np.testing.assert_array_equal(obs[2], single.reset(seed=7)[0])
    # the spec's vector entry point pickles (needed by multiprocess launchers)
    pickle.loads(pickle.dumps(gym.spec("SafeAgent/Shutdown-v0").vector_entry_point))


def test_seedless_reset_is_random_but_reproducible_after_seed():
    vec = gym.make_vec("SafeAgent/Shutdown-v0", num_envs=2, vectorization_mode="vector_entry_point")
    vec.reset()
    a = vec.reset(seed=3)[0]
    b = vec.reset(seed=3)[0]
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("k", [0, 2])
def test_same_step_autoreset_matches_sync_vector_env(env_id, k):
    """``autoreset_mode="same_step"`` (what SB3 expects) equals Gymnasium's SyncVectorEnv in
    SAME_STEP mode: reset observations in the step that ends, last ones in ``final_obs``."""
    kwargs = CONDITIONS[k]
    if not _native(env_id):
        pytest.skip(f"{env_id} is not a SafeAgentEnv (vector entry point falls back to SyncVectorEnv)")
    if not _accepts(env_id, kwargs):
        pytest.skip(f"{env_id} does not take {kwargs}")
    same = gym.vector.AutoresetMode.SAME_STEP
    nat = gym.make_vec(env_id, num_envs=5, vectorization_mode="vector_entry_point", autoreset_mode="same_step", **kwargs)
    ref = gym.make_vec(env_id, num_envs=5, vectorization_mode="sync", vector_kwargs={"autoreset_mode": same}, **kwargs)
    assert nat.metadata["autoreset_mode"] == same
    np.testing.assert_array_equal(nat.reset(seed=11)[0], ref.reset(seed=11)[0])
    rng, ended = np.random.default_rng(k), 0
    for t in range(200):
        actions = rng.integers(0, nat.single_action_space.n, 5)
        got, want = nat.step(actions), ref.step(actions)
        for x, y in zip(got[:4], want[:4]):
            np.testing.assert_array_equal(x, y, err_msg=f"{env_id} t={t}")
        done = got[2] | got[3]
        if done.any():
            ended += int(done.sum())
            np.testing.assert_array_equal(got[4]["_final_obs"], want[4]["_final_obs"])
            np.testing.assert_array_equal(got[4]["final_obs"][done], np.stack(list(want[4]["final_obs"][done])))
            np.testing.assert_array_equal(got[4]["_episode_metrics"], done)
    assert ended > 0


def test_autoreset_mode_is_validated():
    with pytest.raises(ValueError, match="autoreset_mode='disabled' is not supported; allowed: AutoresetMode.NEXT_STEP"):
        gym.make_vec("SafeAgent/Shutdown-v0", num_envs=2, vectorization_mode="vector_entry_point",
                     autoreset_mode="disabled")
