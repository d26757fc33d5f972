"""The ``safe-agent-envs`` command line. Each subcommand lives in its own module with two
functions: ``add_parser(subparsers)`` and ``run(args) -> int``."""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> module (in this package)
SUBCOMMANDS = {
    "list": "list_envs",
    "rollout": "rollout",
    "demo": "demo",
    "eval": "eval",
    "compare": "compare",
    "train": "train",
    "frontier": "frontier",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="safe-agent-envs",
        description="Tool-use scenarios with separate helpfulness and safety channels.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, module in SUBCOMMANDS.items():
        mod = importlib.import_module(f"safe_agent_envs.cli.{module}")
        p = mod.add_parser(sub, name)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except (ValueError, TypeError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
