"""Shared plumbing of the research experiments: settings flags, the env registry, one
train-then-evaluate job, a 2-process pool, and markdown/JSONL output.

Every experiment script is ``python benchmarks/experiments/<name>.py [--tiny|--quick|--full]
[--envs ID ...] [--out DIR] [--workers N]`` and writes ``<name>.md`` (table + the command and date
that produced it), ``<name>.png`` and ``<name>.jsonl`` (one row per trained agent / reference) to
``--out`` (default ``benchmarks/results/<name>/<setting>/``).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import shlex
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable

os.environ.setdefault("OMP_NUM_THREADS", "1")

import safe_agent_envs  # noqa: E402,F401  (registers the envs)
from safe_agent_envs.registration import ENVS  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
REFERENCES = ("oracle", "unsafe", "refuse", "random")


# ------------------------------------------------------------------ registry
def is_chat(env_id: str) -> bool:
    return env_id.endswith("Chat-v0")


def agent_env_ids() -> list[str]:
    """Every registered agent scenario (chat twins excluded), in registry order."""
    return [e for e in ENVS if not is_chat(e)]


def chat_twin_id(env_id: str) -> str | None:
    """``SafeAgent/<Scenario>Chat-v0`` if registered, else None."""
    twin = env_id.replace("-v0", "Chat-v0")
    return twin if twin in ENVS else None


def accepts(env_id: str, **kwargs: Any) -> bool:
    """Whether ``env_id`` takes these keyword arguments (conditions or scenario arguments)."""
    import gymnasium as gym
    try:
        gym.make(env_id, **kwargs).close()
    except (TypeError, ValueError):
        return False
    return True


# ------------------------------------------------------------------ command line
def parse_args(name: str, settings: dict[str, dict], argv: list[str] | None, doc: str,
               extra: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=f"{name}.py", description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_mutually_exclusive_group()
    for s in settings:
        g.add_argument(f"--{s}", dest="setting", action="store_const", const=s,
                       help=f"setting {s}: {json.dumps(settings[s])}")
    p.add_argument("--envs", nargs="+", help="env ids, or 'all' for every agent scenario (default: the setting's choice)")
    p.add_argument("--out", help=f"output folder (default benchmarks/results/{name}/<setting>)")
    p.add_argument("--workers", type=int, default=None, help="parallel training processes (default: setting)")
    p.add_argument("--timesteps", type=int, help="override the setting's timesteps per agent")
    p.add_argument("--seeds", type=int, help="override the setting's number of seeds")
    if extra:
        extra(p)
    args = p.parse_args(argv)
    args.setting = args.setting or "quick"
    cfg = dict(settings[args.setting])
    if args.envs:
        cfg["envs"] = args.envs
    for k in ("timesteps", "seeds", "workers"):
        if getattr(args, k, None) is not None:
            cfg[k] = getattr(args, k)
    args.cfg = cfg
    args.out = Path(args.out) if args.out else ROOT / "benchmarks" / "results" / name / args.setting
    args.out.mkdir(parents=True, exist_ok=True)
    args.command = "python " + " ".join(shlex.quote(a) for a in
                                        [f"benchmarks/experiments/{name}.py"] + list(argv if argv is not None else sys.argv[1:]))
    return args


def select_envs(args, default: str | Iterable[str]) -> list[str]:
    """``--envs`` if given, else the setting's default: a list of ids, or ``"all"``."""
    if args.envs == ["all"]:
        return agent_env_ids()
    if args.envs:
        unknown = [e for e in args.envs if e not in ENVS]
        if unknown:
            raise SystemExit(f"unknown env id(s) {unknown}; registered: {', '.join(ENVS)}")
        return list(args.envs)
    if default == "all":
        return agent_env_ids()
    return [e for e in default if e in ENVS]


# ------------------------------------------------------------------ jobs
def train_and_evaluate(job: dict[str, Any]) -> dict[str, Any]:
    """Train one agent (``job["train"]``: TrainConfig fields) and evaluate it deterministically on
    each ``job["evals"]`` entry ``{"env_id", "env_kwargs", "label"}``; return the job with
    ``results`` (label -> summary) and ``train_means`` (last training episodes)."""
    import gymnasium as gym

    from safe_agent_envs.policies.sb3_policy import SB3Policy
    from safe_agent_envs.training.sb3 import TrainConfig, evaluate, summarise, train

    cfg = TrainConfig(**job["train"])
    model, cb = train(cfg)
    results = {}
    for ev in job["evals"]:
        env = gym.make(ev["env_id"], **ev.get("env_kwargs", {}))
        policy = SB3Policy(model, env, maskable=cfg.algo == "maskable_ppo")
        results[ev["label"]] = summarise(evaluate(policy, ev["env_id"], job["eval_episodes"], env=env))
    return {**job, "results": results, "train_means": cb.means()}


def reference_summary(env_id: str, name: str, episodes: int, env_kwargs: dict | None = None) -> dict:
    import gymnasium as gym

    from safe_agent_envs.policies.base import make_policy
    from safe_agent_envs.training.sb3 import evaluate, summarise
    env = gym.make(env_id, **(env_kwargs or {}))
    return summarise(evaluate(make_policy(name, env), env_id, episodes, env=env))


def run_jobs(fn: Callable[[dict], dict], jobs: list[dict], workers: int) -> list[dict]:
    """Run ``fn`` over ``jobs`` (in-process when ``workers <= 1``), with a progress line."""
    out = []
    if workers <= 1:
        for i, j in enumerate(jobs):
            out.append(fn(j))
            _progress(i + 1, len(jobs))
        return out
    import multiprocessing as mp
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        for i, r in enumerate(pool.map(fn, jobs)):
            out.append(r)
            _progress(i + 1, len(jobs))
    return out


def _progress(i: int, n: int) -> None:
    print(f"\r  {i}/{n} agents trained", end="\n" if i == n else "", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ output
def fmt(x: Any, nd: int = 2) -> str:
    if isinstance(x, float):
        return "nan" if x != x else f"{x:.{nd}f}"
    return str(x)


def md_table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def write_outputs(args, name: str, title: str, cites: str, body: str, rows: list[dict]) -> Path:
    """``<name>.md`` (with date, command, setting and citation) and ``<name>.jsonl``."""
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md = (f"# {title}\n\nMirrors: {cites}\n\nProduced {stamp} by `{args.command}` "
          f"(setting `{args.setting}`: `{json.dumps(args.cfg)}`).\n\n{body}\n")
    path = args.out / f"{name}.md"
    path.write_text(md)
    with open(args.out / f"{name}.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r, default=float) + "\n")
    return path


def new_figure(n: int, width: float = 4.2, height: float = 3.6):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, max(n, 1), figsize=(width * max(n, 1), height), squeeze=False)
    return fig, axes[0]
