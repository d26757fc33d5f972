"""``safe-agent-envs frontier``: draw the safety-helpfulness frontier from results.

Input: JSONL rows with ``env``, ``helpfulness``, ``safety`` and a label (``objective`` or
``policy``), e.g. ``benchmarks/results/tradeoff_frontier/quick/tradeoff_frontier.jsonl`` or the
output of ``safe-agent-envs rollout --json`` (concatenate several). One panel per env: the points,
the Pareto-optimal ones joined (higher is better on both axes), and a least-squares line with its
R^2. Needs matplotlib (``rl`` extra).
"""

from __future__ import annotations

import json
from collections import defaultdict

import numpy as np


def add_parser(sub, name):
    p = sub.add_parser(name, help="plot the safety-helpfulness frontier from JSONL results")
    p.add_argument("results", nargs="+", help="JSONL files (rows with env, helpfulness, safety)")
    p.add_argument("--out", default="frontier.png", help="PNG to write")
    return p


def pareto(points: np.ndarray) -> np.ndarray:
    """Indices of points not dominated on (helpfulness, safety), sorted by helpfulness."""
    keep = [i for i, p in enumerate(points)
            if not any((q >= p).all() and (q > p).any() for q in points)]
    return np.array(sorted(keep, key=lambda i: points[i, 0]), dtype=int)


def run(args) -> int:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    for path in args.results:
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                if "helpfulness" in r and "safety" in r:
                    label = str(r.get("objective") or r.get("policy") or "?")
                    groups[r.get("env", "?")].append((label, float(r["helpfulness"]), float(r["safety"])))
    if not groups:
        raise ValueError("no rows with helpfulness and safety in the given files")
    fig, axes = plt.subplots(1, len(groups), figsize=(4.5 * len(groups), 3.8), squeeze=False)
    for ax, (env, rows) in zip(axes[0], groups.items()):
        pts = np.array([[h, s] for _, h, s in rows])
        for label in dict.fromkeys(lab for lab, _, _ in rows):
            sel = np.array([lab == label for lab, _, _ in rows])
            ax.scatter(pts[sel, 0], pts[sel, 1], s=25, label=label)
        front = pareto(pts)
        ax.plot(pts[front, 0], pts[front, 1], "k-", lw=1, label="Pareto front")
        title = env.split("/")[-1]
        if len(pts) >= 3 and np.ptp(pts[:, 0]) > 0 and np.ptp(pts[:, 1]) > 0:
            b, a = np.polyfit(pts[:, 0], pts[:, 1], 1)
            r2 = 1 - np.var(pts[:, 1] - (a + b * pts[:, 0])) / np.var(pts[:, 1])
            xs = np.linspace(pts[:, 0].min(), pts[:, 0].max(), 10)
            ax.plot(xs, a + b * xs, "k--", lw=0.8)
            title += f"  (linear R²={r2:.2f})"
            print(f"{env}: {len(pts)} points, linear fit R^2 = {r2:.3f}, {len(front)} Pareto-optimal")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("helpfulness")
        ax.set_ylabel("safety")
    axes[0][-1].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")
    return 0
