"""Experiment 3 -- chat-to-agent transfer of safety training.

Mirrors the finding cited in DESIGN.md section 1 that safety a model learns in chat (refusing,
answering safely) transfers weakly to what it does as an agent with tools (and that chat refusal
and tool execution diverge). Each scenario's chat twin ``SafeAgent/<Scenario>Chat-v0`` poses the
agent's decision point as a question whose answer is one of the agent's own catalogue actions,
with the same observation encoding, so one policy network can act in both.

Per scenario, objective and seed we train two MaskablePPO agents with the same budget of
*episodes' worth* of learning: one on the chat twin only, one on the agent env directly. Each is
evaluated deterministically on both. Reported:

* chat -> agent transfer gap = agent-env safety of the agent-trained policy minus that of the
  chat-trained policy (>0: chat training transferred less safety than training in the env);
* the reverse (agent -> chat) gap on the chat twin;
* helpfulness alongside, since ``safety`` alone is maximised by doing nothing.

Objectives: ``safety`` (what the brief asks for; indifferent among safe behaviours, see
``safe_agent_envs.training.objectives``) and ``weighted:0.5`` (safe *and* helpful, the more
telling transfer test). Caveat: the chat twin only ever shows decision-point observations, so on
the agent env the chat-trained network meets states it never saw -- that *is* the transfer
question, but it is a statement about these networks, not about LLMs.

If no chat twins are registered the script says so, writes a note and exits 0.

Run: ``python benchmarks/experiments/chat_transfer.py --quick``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

NAME = "chat_transfer"
CITES = ("the chat-vs-agent safety transfer results summarised in DESIGN.md section 1 (chat safety "
         "transfers weakly to tool use; refusal in words and tool execution diverge)")
SETTINGS = {
    "tiny": dict(envs=["SafeAgent/Shutdown-v0"], objectives=["safety"], timesteps=512, chat_timesteps=256,
                 seeds=1, eval_episodes=3, workers=1),
    "quick": dict(envs="all", objectives=["safety", "weighted:0.5"], timesteps=20_000, chat_timesteps=6_000,
                  seeds=1, eval_episodes=30, workers=2),
    "full": dict(envs="all", objectives=["safety", "weighted:0.5"], timesteps=150_000, chat_timesteps=40_000,
                 seeds=5, eval_episodes=200, workers=2),
}


def main(argv=None) -> int:
    args = common.parse_args(NAME, SETTINGS, argv, __doc__)
    cfg = args.cfg
    pairs = [(e, common.chat_twin_id(e)) for e in common.select_envs(args, cfg["envs"]) if not common.is_chat(e)]
    missing = [e for e, t in pairs if t is None]
    pairs = [(e, t) for e, t in pairs if t is not None]
    if not pairs:
        msg = ("skipped: no chat twins registered for " + ", ".join(missing or ["the selected envs"]) +
               " (expected SafeAgent/<Scenario>Chat-v0 in safe_agent_envs.registration.ENVS)")
        print(f"{NAME}: {msg}", file=sys.stderr)
        common.write_outputs(args, NAME, "Chat-to-agent transfer of safety training", CITES, msg, [])
        return 0
    jobs = []
    for e, twin in pairs:
        evals = [dict(env_id=e, label="agent"), dict(env_id=twin, label="chat")]
        for o in cfg["objectives"]:
            for seed in range(cfg["seeds"]):
                jobs.append(dict(train=dict(env_id=twin, objective=o, timesteps=cfg["chat_timesteps"], seed=seed),
                                 evals=evals, eval_episodes=cfg["eval_episodes"], source="chat", env=e))
                jobs.append(dict(train=dict(env_id=e, objective=o, timesteps=cfg["timesteps"], seed=seed),
                                 evals=evals, eval_episodes=cfg["eval_episodes"], source="agent", env=e))
    print(f"{NAME}: {len(jobs)} agents on {', '.join(e for e, _ in pairs)}", file=sys.stderr)
    done = common.run_jobs(common.train_and_evaluate, jobs, cfg["workers"])

    rows, table, gaps = [], [], []
    for e, twin in pairs:
        for o in cfg["objectives"]:
            m = {}
            for src in ("chat", "agent"):
                ds = [d for d in done if d["env"] == e and d["source"] == src and d["train"]["objective"] == o]
                for where in ("agent", "chat"):
                    for ch in ("helpfulness", "safety", "violation_rate"):
                        m[src, where, ch] = float(np.mean([d["results"][where][ch] for d in ds]))
                rows.append(dict(env=e, twin=twin, objective=o, trained_on=src, seeds=len(ds),
                                 **{f"{w}.{c}": m[src, w, c] for w in ("agent", "chat")
                                    for c in ("helpfulness", "safety", "violation_rate")}))
                table.append([e.split("/")[-1], o, f"{src} ({twin.split('/')[-1] if src == 'chat' else 'agent env'})",
                              m[src, "agent", "helpfulness"], m[src, "agent", "safety"], m[src, "agent", "violation_rate"],
                              m[src, "chat", "helpfulness"], m[src, "chat", "safety"], m[src, "chat", "violation_rate"]])
            gap = m["agent", "agent", "safety"] - m["chat", "agent", "safety"]
            rgap = m["chat", "chat", "safety"] - m["agent", "chat", "safety"]
            gaps.append((e, o, gap, rgap))
            rows.append(dict(env=e, objective=o, kind="gap", chat_to_agent_safety_gap=gap, agent_to_chat_safety_gap=rgap))
    body = common.md_table(["scenario", "objective", "trained on", "agent: helpfulness", "agent: safety",
                            "agent: violation rate", "chat: helpfulness", "chat: safety", "chat: violation rate"], table)
    body += "\n\nTransfer gaps (safety; > 0 means training where it is evaluated beats transfer):\n\n"
    body += common.md_table(["scenario", "objective", "chat -> agent gap", "agent -> chat gap"],
                            [[e.split("/")[-1], o, g, r] for e, o, g, r in gaps])
    if missing:
        body += f"\n\nNo chat twin registered for: {', '.join(missing)}."
    common.write_outputs(args, NAME, "Chat-to-agent transfer of safety training", CITES, body, rows)
    plot(args.out / f"{NAME}.png", gaps)
    print(f"wrote {args.out / (NAME + '.md')}", file=sys.stderr)
    return 0


def plot(path: Path, gaps) -> None:
    fig, axes = common.new_figure(1, width=6)
    ax = axes[0]
    labs = [f"{e.split('/')[-1]}\n{o}" for e, o, _, _ in gaps]
    x = np.arange(len(gaps))
    ax.bar(x - 0.2, [g for _, _, g, _ in gaps], 0.4, label="chat -> agent")
    ax.bar(x + 0.2, [r for _, _, _, r in gaps], 0.4, label="agent -> chat")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(x, labs, fontsize=7)
    ax.set_ylabel("safety transfer gap")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    sys.exit(main())
