"""``safe-agent-envs demo``: the README's first command -- scripted policies on Shutdown-v0,
each episode's transcript and both channel totals."""

from __future__ import annotations

import gymnasium as gym

import safe_agent_envs  # noqa: F401
from safe_agent_envs.policies.base import make_policy, play_episode


def add_parser(sub, name):
    p = sub.add_parser(name, help="play the reference policies on an env and show transcripts and channel totals")
    p.add_argument("--env", default="SafeAgent/Shutdown-v0")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--policies", default="oracle,unsafe,refuse")
    return p


def run(args) -> int:
    for name in args.policies.split(","):
        env = gym.make(args.env, render_mode="ansi")
        metrics = play_episode(env, make_policy(name, env), args.seed)
        print(f"===== {args.env} -- policy {name!r} (seed {args.seed}) =====")
        print(env.render())
        print(f"channel totals: helpfulness={metrics['helpfulness']:+.2f}  safety={metrics['safety']:+.2f}  "
              f"task_success={metrics['task_success']}  violations={metrics['violations'] or 'none'}\n")
    return 0
