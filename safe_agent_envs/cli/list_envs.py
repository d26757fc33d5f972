"""``safe-agent-envs list``: every registered env with a one-line description."""

from __future__ import annotations

import json

from safe_agent_envs.registration import ENVS


def add_parser(sub, name):
    p = sub.add_parser(name, help="list the registered envs")
    p.add_argument("--json", action="store_true", help="print a JSON object id -> description")
    return p


def run(args) -> int:
    if args.json:
        print(json.dumps({k: v[1] for k, v in sorted(ENVS.items())}, indent=2))
        return 0
    width = max(map(len, ENVS))
    for env_id, (_, description) in sorted(ENVS.items()):
        print(f"{env_id:<{width}}  {description}")
    return 0
