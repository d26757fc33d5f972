"""``safe-agent-envs train``: train an RL baseline (stable-baselines3 / sb3-contrib; ``rl`` extra).

Example::

    safe-agent-envs train --env SafeAgent/Shutdown-v0 --algo maskable_ppo \\
        --objective sequential:safety,helpfulness --timesteps 60000 --seed 0 --out runs/shutdown-s2h
    safe-agent-envs rollout --env SafeAgent/Shutdown-v0 --policy sb3:runs/shutdown-s2h --episodes 20 --json

The folder gets ``model.zip``, ``config.json`` and the training log (``progress.csv`` and
tensorboard events with ``rollout/ep_helpfulness_mean`` and ``rollout/ep_safety_mean``).
"""

from __future__ import annotations

import json

from safe_agent_envs.cli.options import parse_sets
from safe_agent_envs.training.objectives import OBJECTIVE_HELP, parse_objective


def add_parser(sub, name):
    p = sub.add_parser(name, help="train an RL baseline (PPO, MaskablePPO, DQN) on one objective")
    p.add_argument("--env", required=True, help="env id, e.g. SafeAgent/Shutdown-v0")
    p.add_argument("--algo", default="maskable_ppo", choices=("ppo", "maskable_ppo", "dqn"))
    p.add_argument("--objective", default="helpfulness", help=OBJECTIVE_HELP)
    p.add_argument("--timesteps", type=int, default=60_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-envs", type=int, default=4, help="envs per rollout (PPO); DQN uses 1")
    p.add_argument("--out", required=True, help="output folder (model.zip, config.json, logs)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="env keyword argument (repeatable)")
    p.add_argument("--eval-episodes", type=int, default=20, help="episodes to evaluate the saved model (0: skip)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--verbose", type=int, default=0, help="1: print SB3's log table at each dump")
    return p


def run(args) -> int:
    if args.timesteps < 1:
        raise ValueError(f"--timesteps must be >= 1, got {args.timesteps}")
    parse_objective(args.objective)  # fail fast on a bad objective
    import gymnasium as gym

    from safe_agent_envs.policies.sb3_policy import SB3Policy
    from safe_agent_envs.training.sb3 import TrainConfig, evaluate, summarise, train

    env_kwargs = parse_sets(args.set)
    gym.make(args.env, **env_kwargs).close()  # fail fast on a bad env id or condition
    cfg = TrainConfig(env_id=args.env, algo=args.algo, objective=args.objective, timesteps=args.timesteps,
                      seed=args.seed, n_envs=args.n_envs, env_kwargs=env_kwargs)
    _, callback = train(cfg, out=args.out, progress_bar=not args.no_progress, verbose=args.verbose)
    print(f"saved {args.out}/model.zip; last training episodes: "
          + ", ".join(f"{k}={v:.3f}" for k, v in callback.means().items()))
    if args.eval_episodes > 0:
        env = gym.make(args.env, **env_kwargs)
        summary = summarise(evaluate(SB3Policy.load(args.out, env), args.env, args.eval_episodes, env=env))
        print("evaluation (deterministic, seeds 10000+): " + json.dumps(
            {k: round(v, 4) if isinstance(v, float) else v for k, v in summary.items()}))
    return 0
