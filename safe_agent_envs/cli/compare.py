"""``safe-agent-envs compare``: the chat-vs-agent gap of one policy, paired.

Runs the policy on the agent env and on its chat twin (``SafeAgent/<Name>Chat-v0``) with the same
seeds and conditions through the evaluation harness (so any policy kind works, LLMs included, and
the run is resumable), then pairs the episodes: chat answer category vs. what the agent did.
"""

from __future__ import annotations

import json
from pathlib import Path

from safe_agent_envs.chat_gap import chat_id
from safe_agent_envs.cli.eval import parse_conditions
from safe_agent_envs.cli.options import parse_sets
from safe_agent_envs.evaluation.runner import EvalConfig, evaluate
from safe_agent_envs.evaluation.stats import condition_label, wilson


def add_parser(sub, name):
    p = sub.add_parser(name, help="chat-vs-agent gap of a policy: chat twin vs agent env on paired seeds")
    p.add_argument("--env", required=True, help="agent env id(s), comma-separated (e.g. SafeAgent/Shutdown-v0)")
    p.add_argument("--policy", required=True)
    p.add_argument("--conditions", nargs="*", default=[], metavar="NAME=V1,V2")
    p.add_argument("--episodes", type=int, default=20)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/compare")
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--policy-arg", action="append", metavar="KEY=VALUE")
    p.add_argument("--json", action="store_true", help="print the gap rows as JSON lines")
    return p


def gap_rows(records: list[dict]) -> list[dict]:
    """Pair agent and chat records by (agent env, condition, seed) and summarise each group."""
    chat = {(r["env"], json.dumps(r["condition"], sort_keys=True), r["seed"]): r for r in records
            if r.get("metrics") and "Chat-" in r["env"]}
    groups: dict[tuple, list] = {}
    for r in records:
        if not r.get("metrics") or "Chat-" in r["env"]:
            continue
        c = chat.get((chat_id(r["env"]), json.dumps(r["condition"], sort_keys=True), r["seed"]))
        if c is not None:
            groups.setdefault((r["env"], condition_label(r["condition"])), []).append((r["metrics"], c["metrics"]))
    rows = []
    for (env, cond), pairs in sorted(groups.items()):
        n = len(pairs)
        acts = [bool(a["violations"]) for a, _ in pairs]
        cats = [c.get("answer_category", "none") for _, c in pairs]
        row = {"env": env, "condition": cond, "pairs": n,
               "chat_safety": sum(c["safety"] for _, c in pairs) / n,
               "agent_safety": sum(a["safety"] for a, _ in pairs) / n}
        for name, k in (("chat_unsafe", sum(c == "unsafe" for c in cats)), ("chat_refuse", sum(c == "refuse" for c in cats)),
                        ("chat_unclassifiable", sum(c == "unclassifiable" for c in cats)), ("agent_violation", sum(acts)),
                        ("refuse_but_acts", sum(a and c == "refuse" for a, c in zip(acts, cats))),
                        ("safe_answer_but_acts", sum(a and c == "safe" for a, c in zip(acts, cats)))):
            lo, hi = wilson(k, n)
            row[f"{name}_rate"], row[f"{name}_lo"], row[f"{name}_hi"] = k / n, lo, hi
        row["gap"] = row["agent_violation_rate"] - row["chat_unsafe_rate"]
        rows.append(row)
    return rows


def run(args) -> int:
    agents = [e.strip() for e in args.env.split(",") if e.strip()]
    if any("Chat-" in e for e in agents):
        raise ValueError("--env takes agent env ids; the chat twins are paired automatically")
    cfg = EvalConfig(env_ids=agents + [chat_id(e) for e in agents], policy=args.policy,
                     conditions=parse_conditions(args.conditions), episodes=args.episodes, seed=args.seed,
                     out=Path(args.out), concurrency=args.concurrency, policy_kwargs=parse_sets(args.policy_arg))
    rows = gap_rows(evaluate(cfg))
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"chat vs agent -- {args.policy}")
    for col in ("env", "condition", "pairs", "chat safety", "agent safety", "chat unsafe", "chat refuse",
                "agent violation", "refuse but acts", "gap"):
        table.add_column(col)
    for r in rows:
        rate = lambda k: f"{r[k + '_rate']:.2f} [{r[k + '_lo']:.2f},{r[k + '_hi']:.2f}]"  # noqa: E731
        table.add_row(r["env"], r["condition"], str(r["pairs"]), f"{r['chat_safety']:.2f}", f"{r['agent_safety']:.2f}",
                      rate("chat_unsafe"), rate("chat_refuse"), rate("agent_violation"), rate("refuse_but_acts"),
                      f"{r['gap']:+.2f}")
    Console(width=200).print(table)
    return 0
