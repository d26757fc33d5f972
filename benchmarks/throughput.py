"""Throughput of every registered scenario, measured in one run (ratios are what to compare).

    python benchmarks/throughput.py            # full table (a few minutes on 2 cores)
    python benchmarks/throughput.py --quick    # tiny smoke run (used by the tests)
    python benchmarks/throughput.py --json results.json

Per scenario: single-env steps/s raw (``env.unwrapped``) and via ``gym.make``; CartPole-v1 via
``gym.make`` for reference; ``SyncVectorEnv`` steps/s at N=8 and 64; the native vector env at
N=64, 1024 and 8192; native/sync ratios (native at N=1024, and best native, over best sync); the env's share of wall time
in a short SB3 PPO ``MlpPolicy`` run (default hyperparameters, two 2,048-sample rollouts), on one
env (``DummyVecEnv``) and on 64 native batched envs (``NativeVecEnv``); memory per 1,000 envs (state array bytes, and tracemalloc
peak while building and stepping a 1,000-env native vector env). Actions are uniform random over
the catalogue (the same workload for every path). Every measurement is of a warm process: the
rule kernels are compiled (or loaded from numba's cache) by an untimed warm-up run of the same
workload first.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import tracemalloc

import gymnasium as gym
import numpy as np

import safe_agent_envs  # noqa: F401
from safe_agent_envs.training.native_vec_env import has_native_vector_env
from safe_agent_envs.registration import ENVS


def _single(env, n, warm_up=True):
    if warm_up:  # compile or load the kernels outside the timing
        _single(env, min(n, 200), warm_up=False)
    env.reset(seed=0)
    acts = np.random.default_rng(0).integers(0, env.action_space.n, n)
    t = time.perf_counter()
    for a in acts:
        _, _, te, tr, _ = env.step(a)
        if te or tr:
            env.reset()
    return n / (time.perf_counter() - t)


def _vector(vec, n_steps, warm_up=True):
    if warm_up:  # compile or load the kernels outside the timing
        _vector(vec, min(n_steps, 20), warm_up=False)
    vec.reset(seed=0)
    acts = np.random.default_rng(0).integers(0, vec.single_action_space.n, (n_steps, vec.num_envs))
    t = time.perf_counter()
    for a in acts:
        vec.step(a)
    return n_steps * vec.num_envs / (time.perf_counter() - t)


def _is_native(env_id):
    return has_native_vector_env(env_id)


def _ppo_env_share(env_id, total_steps, n_envs=1, rollout=2048):
    """Share of a PPO run's wall time spent stepping the env (SB3 ``VecEnv.step``, so SB3's own
    per-env bookkeeping counts as env time). SB3's default PPO hyperparameters (``n_epochs=10``,
    ``batch_size=64``, a 2,048-sample rollout: ``n_steps = rollout // n_envs``). ``n_envs=1``: one
    ``Monitor``-wrapped ``gym.make`` env in a ``DummyVecEnv`` (what ``PPO("MlpPolicy", env)``
    builds); ``n_envs>1``: the native batched env through :class:`NativeVecEnv`."""
    import torch
    from stable_baselines3 import PPO
    from stable_baselines3.common.monitor import Monitor
    from stable_baselines3.common.vec_env import DummyVecEnv, VecEnvWrapper

    from safe_agent_envs.training.native_vec_env import NativeVecEnv

    torch.set_num_threads(1)

    class Timed(VecEnvWrapper):
        spent = 0.0

        def reset(self):
            return self.venv.reset()

        def step_wait(self):
            t = time.perf_counter()
            out = self.venv.step_wait()
            Timed.spent += time.perf_counter() - t
            return out

    venv = DummyVecEnv([lambda: Monitor(gym.make(env_id))]) if n_envs == 1 else NativeVecEnv(env_id, n_envs)
    model = PPO("MlpPolicy", Timed(venv), n_steps=max(rollout // n_envs, 1), seed=0, device="cpu", verbose=0)
    Timed.spent = 0.0
    t = time.perf_counter()
    model.learn(total_steps)
    return Timed.spent / (time.perf_counter() - t)


def _memory_per_1000(env_id):
    vec = gym.make_vec(env_id, num_envs=1000, vectorization_mode="vector_entry_point")
    state = int(vec.S.nbytes) if hasattr(vec, "S") else None
    tracemalloc.start()
    vec = gym.make_vec(env_id, num_envs=1000, vectorization_mode="vector_entry_point")
    vec.reset(seed=0)
    for a in np.random.default_rng(0).integers(0, vec.single_action_space.n, (5, 1000)):
        vec.step(a)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return state, peak


def run(quick: bool = False, env_ids=None) -> dict:
    single_n = 300 if quick else 20_000
    sync_ns, native_ns = ((8,), (64,)) if quick else ((8, 64), (64, 1024, 8192))
    ppo_steps, rollout = (128, 64) if quick else (4096, 2048)
    out = {"date": time.strftime("%Y-%m-%d"), "machine": f"{platform.processor() or platform.machine()}, "
           f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}, "
           f"gymnasium {gym.__version__}", "quick": quick, "envs": {}}
    out["cartpole_make_steps_per_s"] = _single(gym.make("CartPole-v1"), single_n)
    for env_id in env_ids or sorted(ENVS):
        r: dict = {}
        env = gym.make(env_id)
        r["single_raw"] = _single(env.unwrapped, single_n)
        r["single_make"] = _single(env, single_n)
        r["single_make_vs_cartpole_slowdown"] = out["cartpole_make_steps_per_s"] / r["single_make"]
        for n in sync_ns:
            vec = gym.make_vec(env_id, num_envs=n, vectorization_mode="sync")
            r[f"sync_{n}"] = _vector(vec, max(5, single_n // (4 * n)))
        if _is_native(env_id):
            for n in native_ns:
                vec = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point")
                r[f"native_{n}"] = _vector(vec, max(3, (single_n * 10) // n))
            best_sync = max(r[f"sync_{n}"] for n in sync_ns)
            r["native_1024_over_sync"] = r[f"native_{native_ns[1]}"] / best_sync if len(native_ns) > 1 else None
            r["native_over_sync"] = max(r[f"native_{n}"] for n in native_ns) / best_sync
            r["state_bytes_per_1000"], r["tracemalloc_peak_per_1000"] = _memory_per_1000(env_id)
        r["ppo_env_share"] = _ppo_env_share(env_id, ppo_steps, rollout=rollout)
        if _is_native(env_id):
            r["ppo_native64_env_share"] = _ppo_env_share(env_id, ppo_steps, n_envs=64, rollout=rollout)
        out["envs"][env_id] = r
        print(f"... {env_id} done", file=sys.stderr, flush=True)
    return out


def table(res: dict) -> str:
    cols = [k for k in next(iter(res["envs"].values()))]
    cols = [k for k in ("single_raw", "single_make", "single_make_vs_cartpole_slowdown", "sync_8", "sync_64",
                        "native_64", "native_1024", "native_8192", "native_1024_over_sync", "native_over_sync",
                        "ppo_env_share", "ppo_native64_env_share",
                        "state_bytes_per_1000", "tracemalloc_peak_per_1000") if any(k in r for r in res["envs"].values())]
    head = {"single_raw": "single raw/s", "single_make": "single make/s", "single_make_vs_cartpole_slowdown":
            "x CartPole time", "native_1024_over_sync": "native 1024/sync", "native_over_sync": "best native/sync", "ppo_env_share": "env share PPO",
            "ppo_native64_env_share": "env share PPO native x64", "state_bytes_per_1000": "state KB/1k", "tracemalloc_peak_per_1000": "peak KB/1k"}
    lines = ["| env | " + " | ".join(head.get(c, c + "/s") for c in cols) + " |", "|---" * (len(cols) + 1) + "|"]

    def fmt(c, v):
        if v is None:
            return "-"
        if c in ("state_bytes_per_1000", "tracemalloc_peak_per_1000"):
            return f"{v / 1024:,.0f}"
        if c in ("ppo_env_share", "ppo_native64_env_share"):
            return f"{100 * v:.0f}%"
        if c in ("native_over_sync", "native_1024_over_sync", "single_make_vs_cartpole_slowdown"):
            return f"{v:.1f}x"
        return f"{v:,.0f}"
    for env_id, r in res["envs"].items():
        lines.append(f"| {env_id.split('/')[-1]} | " + " | ".join(fmt(c, r.get(c)) for c in cols) + " |")
    lines.append(f"\nCartPole-v1 via gym.make: {res['cartpole_make_steps_per_s']:,.0f} steps/s "
                 f"({1e6 / res['cartpole_make_steps_per_s']:.1f} us/step)")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny smoke run (no meaningful numbers)")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    p.add_argument("--env", action="append", help="only this env id (repeatable)")
    args = p.parse_args(argv)
    res = run(quick=args.quick, env_ids=args.env)
    print(f"{res['date']} -- {res['machine']}")
    print(table(res))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(res, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
