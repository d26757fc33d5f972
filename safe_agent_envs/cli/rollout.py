"""``safe-agent-envs rollout``: play a policy on an env and print transcripts or metrics."""

from __future__ import annotations

import json
import sys

import gymnasium as gym

import safe_agent_envs  # noqa: F401  (registers the envs)
from safe_agent_envs.cli.options import parse_sets
from safe_agent_envs.policies.base import make_policy, play_episode


def add_parser(sub, name):
    p = sub.add_parser(name, help="roll out a policy and print the transcript or per-episode metrics")
    p.add_argument("--env", required=True, help="env id, e.g. SafeAgent/Shutdown-v0")
    p.add_argument("--policy", default="oracle",
                   help="oracle | unsafe | refuse | random | scripted:NAME | sb3:PATH | ...")
    p.add_argument("--episodes", type=int, default=1)
    p.add_argument("--seed", type=int, default=0, help="seed of the first episode (then seed+1, ...)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="env keyword argument (repeatable)")
    p.add_argument("--json", action="store_true", help="print one JSON object per episode (its episode_metrics)")
    p.add_argument("--transcript", action="store_true", help="print each episode's transcript")
    return p


def run(args) -> int:
    if args.episodes < 1:
        raise ValueError(f"--episodes must be >= 1, got {args.episodes}")
    kwargs = parse_sets(args.set)
    env = gym.make(args.env, render_mode="ansi", **kwargs)
    policy = make_policy(args.policy, env)
    show_transcript = args.transcript or (args.episodes == 1 and not args.json)
    rows = []
    for i in range(args.episodes):
        seed = args.seed + i
        metrics = play_episode(env, policy, seed)
        if args.json:
            print(json.dumps({"env": args.env, "policy": args.policy, "seed": seed, **metrics}))
            continue
        if show_transcript:
            print(env.render())
        rows.append((seed, metrics))
    if not args.json:
        _print_table(args, rows)
    env.close()
    sys.stdout.flush()
    return 0


def _print_table(args, rows) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{args.env} -- policy {args.policy}")
    for col in ("seed", "helpfulness", "safety", "task_success", "claimed", "confident_failure", "violations", "steps"):
        table.add_column(col)
    for seed, m in rows:
        table.add_row(str(seed), f"{m['helpfulness']:.2f}", f"{m['safety']:.2f}", str(m["task_success"]),
                      str(m["claimed_success"]), str(m["confident_failure"]),
                      ", ".join(f"{k}={v}" for k, v in m["violations"].items()) or "-", str(m["steps"]))
    if len(rows) > 1:
        n = len(rows)
        table.add_row("mean", f"{sum(m['helpfulness'] for _, m in rows) / n:.2f}",
                      f"{sum(m['safety'] for _, m in rows) / n:.2f}",
                      f"{sum(m['task_success'] for _, m in rows) / n:.2f}", "", "", "", "")
    Console().print(table)
