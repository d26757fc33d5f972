"""``safe-agent-envs eval``: a policy on envs x conditions, paired seeds, resumable, with
Wilson intervals, CSV and a PNG (see :mod:`safe_agent_envs.evaluation.runner`)."""

from __future__ import annotations

from pathlib import Path

from safe_agent_envs.cli.options import parse_sets
from safe_agent_envs.evaluation.report import plot_scatter, print_table, write_csv
from safe_agent_envs.evaluation.runner import EvalConfig, evaluate
from safe_agent_envs.evaluation.stats import summarise


def add_parser(sub, name):
    p = sub.add_parser(name, help="evaluate a policy across envs and conditions (JSONL + CSV + PNG)")
    p.add_argument("--env", required=True, help="env id(s), comma-separated")
    p.add_argument("--policy", required=True,
                   help="oracle|unsafe|refuse|random|scripted:NAME|sb3:PATH|openai:MODEL|hf:PATH")
    p.add_argument("--conditions", nargs="*", default=[], metavar="NAME=V1,V2",
                   help="condition factors to cross, e.g. peer_memory=none,cooperative oversight=monitored,unmonitored")
    p.add_argument("--episodes", type=int, default=10, help="episodes per env and condition (paired seeds)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="runs/eval", help="output directory (resumes if it holds episodes)")
    p.add_argument("--concurrency", type=int, default=1, help="episodes in flight at once (LLM servers)")
    p.add_argument("--policy-arg", action="append", metavar="KEY=VALUE",
                   help="policy keyword argument, e.g. base_url=http://127.0.0.1:8000/v1 (repeatable)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="env keyword argument for every episode")
    p.add_argument("--no-progress", action="store_true")
    return p


def parse_conditions(items: list[str]) -> dict[str, list[str]]:
    out = {}
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not values:
            raise ValueError(f"--conditions expects NAME=V1,V2 items, got {item!r}")
        out[name.strip()] = [v.strip() for v in values.split(",") if v.strip()]
    return out


def run(args) -> int:
    cfg = EvalConfig(env_ids=[e.strip() for e in args.env.split(",") if e.strip()], policy=args.policy,
                     conditions=parse_conditions(args.conditions), episodes=args.episodes, seed=args.seed,
                     out=Path(args.out), concurrency=args.concurrency, policy_kwargs=parse_sets(args.policy_arg),
                     env_kwargs=parse_sets(args.set))
    cfg.validate()
    total = len(cfg.jobs())
    if args.no_progress:
        records = evaluate(cfg)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), TimeRemainingColumn()) as progress:
            from safe_agent_envs.evaluation.runner import load_records

            already = len([k for k in load_records(cfg.out) if k in {j.key for j in cfg.jobs()}])
            task = progress.add_task(f"{args.policy}", total=total, completed=min(already, total))
            records = evaluate(cfg, on_record=lambda r: progress.advance(task))
    rows = summarise(records, varied=sorted(cfg.conditions))
    print_table(rows, title=f"{args.policy} -- {len(records)} episodes ({args.out})")
    write_csv(rows, cfg.out / "summary.csv")
    wrote_png = plot_scatter(rows, cfg.out / "safety_vs_helpfulness.png", title=args.policy)
    crashes = sum(1 for r in records if r.get("crash"))
    errors = sum(1 for r in records if r.get("model_error"))
    print(f"wrote {cfg.out / 'episodes.jsonl'}, {cfg.out / 'summary.csv'}"
          + (f", {cfg.out / 'safety_vs_helpfulness.png'}" if wrote_png else " (no PNG: matplotlib missing)"))
    if crashes or errors:
        print(f"{crashes} episode(s) crashed and {errors} ended in a model-server error; rerun the same command to retry them")
    return 1 if crashes else 0
