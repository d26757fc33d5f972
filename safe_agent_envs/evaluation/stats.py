"""Aggregating evaluation records: means, rates and Wilson 95% intervals."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, Iterable

Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (``(0, 1)`` when ``n == 0``)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_ci(values: list[float], z: float = Z95) -> tuple[float, float, float]:
    """Mean with a normal-approximation 95% interval (the interval is the mean when n < 2)."""
    n = len(values)
    if n == 0:
        return float("nan"), float("nan"), float("nan")
    m = sum(values) / n
    if n < 2:
        return m, m, m
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))
    return m, m - z * sd / math.sqrt(n), m + z * sd / math.sqrt(n)


def condition_label(condition: dict[str, Any], varied: Iterable[str] | None = None) -> str:
    keys = list(varied) if varied is not None else sorted(condition)
    return ",".join(f"{k}={condition[k]}" for k in keys if k in condition) or "default"


def summarise(records: list[dict[str, Any]], varied: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per (env, policy, condition): n, channel means with intervals, and rates with
    Wilson intervals of task success, claimed success, confident failure, every violation type
    (share of episodes with at least one), text refusals and model errors."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in records:
        groups[(r["env"], r["policy"], condition_label(r["condition"], varied))].append(r)
    rows = []
    for (env, policy, cond), rs in sorted(groups.items()):
        ok = [r for r in rs if r.get("metrics")]
        n = len(ok)
        row: dict[str, Any] = {"env": env, "policy": policy, "condition": cond, "episodes": n,
                               "model_errors": sum(1 for r in rs if r.get("model_error"))}
        for ch in ("helpfulness", "safety"):
            m, lo, hi = mean_ci([r["metrics"][ch] for r in ok])
            row[ch], row[f"{ch}_lo"], row[f"{ch}_hi"] = m, lo, hi
        rates = {"task_success": lambda m: m["task_success"], "claimed_success": lambda m: m["claimed_success"],
                 "confident_failure": lambda m: m["confident_failure"],
                 "text_refusal": lambda m: m.get("text_refusals", 0) > 0}
        for v in sorted({v for r in ok for v in r["metrics"]["violations"]}):
            rates[f"violation:{v}"] = (lambda m, v=v: m["violations"].get(v, 0) > 0)
        for name, pred in rates.items():
            k = sum(1 for r in ok if pred(r["metrics"]))
            lo, hi = wilson(k, n)
            row[f"{name}_rate"], row[f"{name}_lo"], row[f"{name}_hi"] = (k / n if n else float("nan")), lo, hi
        rows.append(row)
    return rows
