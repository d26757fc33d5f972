"""Experiment 4 -- preference data for post-training an LLM on safety, helpfulness or both.

Mirrors the data protocol of arXiv:2603.02229 (DPO preference pairs chosen by a score gap of at
least 2 with the chosen response scoring at least 2, medians over replicates; safety and
helpfulness data used alone, mixed, or in sequence), with scores from this suite's ground-truth
channels instead of an LLM judge.

For each scenario, condition and paired seed, every policy (the references ``oracle``, ``unsafe``,
``refuse``, ``random``, plus any ``--policy`` spec such as ``sb3:PATH``) plays ``replicates``
episodes on the *same* world (same seed and condition). Its score on the chosen channel is the
median over replicates (``safety``, ``helpfulness``, or ``both`` = their sum). For every ordered
pair of policies with ``score(chosen) - score(rejected) >= --min-gap`` and
``score(chosen) >= --min-chosen``, one pair is written in TRL's conversational preference format::

    {"prompt": [system, user, <shared transcript prefix>...], "chosen": [...], "rejected": [...]}

The prompt is the env's briefing (``env.unwrapped.briefing()``) plus the part of the two
transcripts that is identical (same seed, same world, same calls so far); chosen and rejected are
the two continuations from the first differing tool call: assistant messages whose content is
the tool call as JSON (``{"name", "arguments"}``) followed by ``tool`` messages with the tool's
text result. Default thresholds: gap 2 (the paper's); chosen >= 2 for helpfulness and both, and
chosen >= 0 for safety (0 = no violation, the top of the safety scale). Each
``dpo_<channel>.jsonl`` has a line-aligned ``dpo_<channel>.meta.jsonl`` (env, seed, condition,
policies, scores), so TRL's ``load_dataset("json", ...)`` sees only the three columns. For
"both in sequence", post-train on ``dpo_safety.jsonl`` and then on ``dpo_helpfulness.jsonl``.

Run: ``python benchmarks/experiments/preference_data.py --quick [--policy sb3:runs/x]``.
"""

from __future__ import annotations

import json
import sys
from itertools import permutations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

NAME = "preference_data"
CITES = ("arXiv:2603.02229's DPO data protocol (score gap >= 2, chosen >= 2, medians over replicates)")
CHANNELS = ("safety", "helpfulness", "both")
MIN_CHOSEN = {"safety": 0.0, "helpfulness": 2.0, "both": 2.0}
SETTINGS = {
    "tiny": dict(envs=["SafeAgent/Shutdown-v0"], seeds=2, replicates=2, conditions=[{}], workers=1),
    "quick": dict(envs="all", seeds=20, replicates=3, conditions=[{}, {"oversight": "monitored"}], workers=1),
    "full": dict(envs="all", seeds=200, replicates=5,
                 conditions=[{}, {"oversight": "monitored"}, {"peer_memory": "cooperative"},
                             {"shutdown_instruction": "system_prompt"}], workers=1),
}


def extra_args(p) -> None:
    p.add_argument("--policy", action="append", default=[], help="extra policy spec (repeatable), e.g. sb3:PATH")
    p.add_argument("--channels", nargs="+", default=list(CHANNELS), choices=CHANNELS)
    p.add_argument("--min-gap", type=float, default=2.0)
    p.add_argument("--min-chosen", type=float, default=None, help="default: 2 (helpfulness, both), 0 (safety)")


def play(env, policy, seed: int, policy_seed: int):
    """One episode driven through ``call_tool`` so every call has its text result; return
    (messages after the briefing, episode_metrics)."""
    u = env.unwrapped
    calls = u.catalogue_calls()
    obs, _ = env.reset(seed=seed)
    policy.reset(seed=policy_seed)
    msgs = []
    while True:
        call = calls[int(policy.act(obs))]
        obs, _, term, trunc, info = u.call_tool(call)
        msgs.append({"role": "assistant", "content": json.dumps(call, sort_keys=True)})
        msgs.append({"role": "tool", "content": info["tool_result"]})
        if term or trunc:
            return msgs, info["episode_metrics"]


def score(m: dict, channel: str) -> float:
    return m["helpfulness"] + m["safety"] if channel == "both" else m[channel]


def main(argv=None) -> int:
    import gymnasium as gym

    from safe_agent_envs.policies.base import make_policy

    args = common.parse_args(NAME, SETTINGS, argv, __doc__, extra=extra_args)
    cfg = args.cfg
    specs = list(common.REFERENCES) + args.policy
    data = args.out / "data"
    data.mkdir(exist_ok=True)
    files = {c: (open(data / f"dpo_{c}.jsonl", "w"), open(data / f"dpo_{c}.meta.jsonl", "w")) for c in args.channels}
    counts, gaps_seen, rows = {}, {c: [] for c in args.channels}, []
    for e in common.select_envs(args, cfg["envs"]):
        for cond in cfg["conditions"]:
            if not common.accepts(e, **cond):
                continue
            env = gym.make(e, **cond)
            policies = {s: make_policy(s, env) for s in specs}
            briefing = env.unwrapped.briefing()
            for seed in range(cfg["seeds"]):
                eps = {s: [play(env, p, seed, seed * 7919 + r) for r in range(cfg["replicates"])] for s, p in policies.items()}
                for c in args.channels:
                    lo = MIN_CHOSEN[c] if args.min_chosen is None else args.min_chosen
                    med = {s: float(np.median([score(m, c) for _, m in ep])) for s, ep in eps.items()}
                    for a, b in permutations(specs, 2):
                        gap = med[a] - med[b]
                        if gap < args.min_gap or med[a] < lo:
                            continue
                        ta, tb = eps[a][0][0], eps[b][0][0]
                        k = next((i for i, (x, y) in enumerate(zip(ta, tb)) if x != y), min(len(ta), len(tb)))
                        k -= k % 2  # split before an assistant turn
                        if ta[k:] == tb[k:]:
                            continue
                        fd, fm = files[c]
                        fd.write(json.dumps({"prompt": briefing + ta[:k], "chosen": ta[k:], "rejected": tb[k:]}) + "\n")
                        fm.write(json.dumps({"env": e, "condition": cond, "seed": seed, "chosen_policy": a,
                                             "rejected_policy": b, "score_chosen": med[a], "score_rejected": med[b],
                                             "channel": c}) + "\n")
                        counts[e, json.dumps(cond), c] = counts.get((e, json.dumps(cond), c), 0) + 1
                        gaps_seen[c].append(gap)
                        key = (a, b)
                        counts[e, "pairs", c, key] = counts.get((e, "pairs", c, key), 0) + 1
    for fd, fm in files.values():
        fd.close()
        fm.close()
    table = []
    for (e, cond, c), n in sorted((k, v) for k, v in counts.items() if k[1] != "pairs"):
        by = sorted(((k[3], v) for k, v in counts.items() if k[1] == "pairs" and k[0] == e and k[2] == c),
                    key=lambda t: -t[1])
        table.append([e.split("/")[-1], cond, c, n, ", ".join(f"{a}>{b}: {v}" for (a, b), v in by[:4])])
        rows.append(dict(env=e, condition=json.loads(cond), channel=c, pairs=n))
    body = (f"Policies: {', '.join(specs)}; min gap {args.min_gap}; min chosen "
            f"{args.min_chosen if args.min_chosen is not None else MIN_CHOSEN}.\n\n"
            + common.md_table(["scenario", "condition", "channel", "pairs", "most frequent (chosen>rejected): count (all conditions)"], table)
            + f"\n\nFiles: {', '.join(f'data/dpo_{c}.jsonl' for c in args.channels)} (+ .meta.jsonl), "
              "TRL conversational preference format; the data files are not committed (regenerate with the command above).\n")
    common.write_outputs(args, NAME, "Preference pairs for DPO from ground-truth channels", CITES, body, rows)
    fig, axes = common.new_figure(1, width=5)
    for c, g in gaps_seen.items():
        if g:
            axes[0].hist(g, bins=20, alpha=0.6, label=f"{c} ({len(g)} pairs)")
    axes[0].set_xlabel("median score gap (chosen - rejected)")
    axes[0].set_ylabel("pairs")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out / f"{NAME}.png", dpi=110)
    print(f"wrote {args.out / (NAME + '.md')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
