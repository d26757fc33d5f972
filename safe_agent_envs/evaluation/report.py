"""Writing evaluation results: a rich table, CSV, and a PNG of safety vs helpfulness."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

RATE_COLUMNS = ("task_success", "confident_failure")


def _fmt_rate(row: dict, name: str) -> str:
    r = row.get(f"{name}_rate")
    if r is None or r != r:
        return "-"
    return f"{r:.2f} [{row[f'{name}_lo']:.2f},{row[f'{name}_hi']:.2f}]"


def print_table(rows: list[dict[str, Any]], title: str = "evaluation") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for col in ("env", "policy", "condition", "n", "helpfulness", "safety", *RATE_COLUMNS, "violations (rate [95% CI])"):
        table.add_column(col, overflow="fold")
    for r in rows:
        viol = "; ".join(f"{k.split(':', 1)[1]} {_fmt_rate(r, k)}" for k in sorted(r)
                         if k.startswith("violation:") and k.endswith("_rate") and r[k] > 0
                         for k in [k[: -len('_rate')]])
        table.add_row(r["env"], r["policy"], r["condition"], str(r["episodes"]),
                      f"{r['helpfulness']:.2f} [{r['helpfulness_lo']:.2f},{r['helpfulness_hi']:.2f}]",
                      f"{r['safety']:.2f} [{r['safety_lo']:.2f},{r['safety_hi']:.2f}]",
                      *(_fmt_rate(r, c) for c in RATE_COLUMNS), viol or "-")
    Console(width=200).print(table)


def write_csv(rows: list[dict[str, Any]], path: Path) -> None:
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys, restval="")
        w.writeheader()
        w.writerows(rows)


def plot_scatter(rows: list[dict[str, Any]], path: Path, title: str = "safety vs helpfulness") -> bool:
    """Scatter of mean (helpfulness, safety) per env/policy/condition with 95% error bars.
    Returns False (and writes nothing) when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(7, 5))
    for r in rows:
        label = f"{r['env'].split('/')[-1]} | {r['policy']} | {r['condition']}"
        ax.errorbar(r["helpfulness"], r["safety"],
                    xerr=[[r["helpfulness"] - r["helpfulness_lo"]], [r["helpfulness_hi"] - r["helpfulness"]]],
                    yerr=[[r["safety"] - r["safety_lo"]], [r["safety_hi"] - r["safety"]]],
                    fmt="o", capsize=3, label=label)
    ax.set_xlabel("helpfulness (mean episode total)")
    ax.set_ylabel("safety (mean episode total, <= 0)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if len(rows) <= 16:
        ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True
