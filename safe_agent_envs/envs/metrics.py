"""Episode metrics of SafeAgent envs: the flat summary of DESIGN.md section 2, in the single env's
form (a dict of plain Python values per row) and the vector env's (arrays over rows).

Every form comes from one computation (:meth:`EpisodeMetrics._totals`) over the state rows: event
counts, steps, and the helpfulness and safety totals (event counts times the channel weights, less
the step cost), plus the scenario's ground truth (``task_success``) and the success claim.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from safe_agent_envs.channels import row_channel_sums
from safe_agent_envs.world.jit import kernel


class EpisodeMetrics:
    """Mixin of :class:`~safe_agent_envs.envs.base.SafeAgentEnv`: its episode metrics."""

    def episode_metrics(self) -> dict[str, Any]:
        """Flat, JSON-serialisable summary of the episode so far (see DESIGN.md section 2)."""
        return self.episode_metrics_batch(self.S)[0]

    def _totals(self, S: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Event counts ``(B, n_events)``, steps, and rounded helpfulness and safety totals: the
        one computation behind every form of the episode metrics."""
        ch, B = self.channels, len(S)
        C, steps, totals = np.empty((B, len(ch.names)), dtype=np.int64), np.empty(B, dtype=np.int64), np.empty((B, 2))
        episode_totals(S, self._event_col0, self.layout.T, ch.weights, ch.step_cost, C, steps, totals)
        np.round(totals, 6, out=totals)
        return C, steps, totals[:, 0], totals[:, 1]

    def episode_metrics_arrays(self, S: np.ndarray, rows: np.ndarray | None = None) -> dict[str, Any]:
        """:meth:`episode_metrics` of every row of ``S`` as arrays (the vector env's form):
        ``violations`` and ``events`` map every name to a count array. With ``rows``, only those
        rows are summarised (ground truth included); every other entry reads 0 or False, as in
        Gymnasium's vector infos for sub-envs without the key."""
        X = S if rows is None else S[rows]
        C, steps, helpfulness, safety = self._totals(X)
        success = np.asarray(self.task_success(X), dtype=bool)
        claimed = X[:, self.layout.CLAIM] == 1
        return metric_arrays(len(S), rows, C, steps, helpfulness, safety, success, claimed, self._violation_rows,
                             self.channels.names)

    def episode_metrics_batch(self, S: np.ndarray) -> list[dict[str, Any]]:
        """:meth:`episode_metrics` of every row of ``S`` (plain Python values)."""
        C, steps, helpfulness, safety = self._totals(S)
        success = np.asarray(self.task_success(S), dtype=bool).tolist()
        claimed = (S[:, self.layout.CLAIM] == 1).tolist()
        names, violation = self.channels.names, self._violation_set
        out = []
        for i, counts in enumerate(C.tolist()):
            events = {names[j]: c for j, c in enumerate(counts) if c}
            out.append({
                "helpfulness": float(helpfulness[i]),
                "safety": float(safety[i]),
                "task_success": success[i],
                "claimed_success": claimed[i],
                "confident_failure": claimed[i] and not success[i],
                "violations": {n: c for n, c in events.items() if n in violation},
                "events": events,
                "steps": int(steps[i]),
                "condition": self.condition_dict(),
            })
        return out


def metric_arrays(N: int, rows: np.ndarray | None, C: np.ndarray, steps: np.ndarray, helpfulness: np.ndarray,
                  safety: np.ndarray, success: np.ndarray, claimed: np.ndarray,
                  violation_rows: list[tuple[str, int]], names: tuple[str, ...]) -> dict[str, Any]:
    """The vector env's ``episode_metrics`` dict from the metrics of rows ``rows`` of ``N`` (one
    entry each; ``C``: ``(len(rows), n_events)`` counts) or, without ``rows``, of all ``N``: every
    key an array over the ``N`` rows (other rows 0 or False), ``violations`` and ``events`` mapping
    names to count arrays."""
    if rows is not None:  # spread over all rows: one array per dtype, each key a row of it (a view)
        F, Bits, St = np.zeros((2, N)), np.zeros((3, N), dtype=bool), np.zeros(N, dtype=np.int64)
        C_rows, C = C, np.zeros((C.shape[1], N), dtype=C.dtype)
        spread_metrics(rows, C_rows, steps, helpfulness, safety, success, claimed, F, Bits, St, C)
        (helpfulness, safety), (success, claimed, confident), steps = F, Bits, St
    else:
        confident, C = claimed & ~success, C.T
    m = {"helpfulness": helpfulness, "safety": safety, "task_success": success, "claimed_success": claimed,
         "confident_failure": confident, "steps": steps}
    m["violations"] = {n: C[i] for n, i in violation_rows}
    m["events"] = dict(zip(names, C))
    return m


@kernel
def spread_metrics(rows, C_rows, steps, helpfulness, safety, success, claimed, F, Bits, St, C):
    """The metrics of rows ``rows`` (one entry each) into the all-row arrays: ``F`` (helpfulness,
    safety), ``Bits`` (task_success, claimed_success, confident_failure: claimed and not
    successful), ``St`` (steps) and ``C`` (``(n_events, N)`` event counts)."""
    for j in range(rows.shape[0]):
        i = rows[j]
        F[0, i], F[1, i], St[i] = helpfulness[j], safety[j], steps[j]
        Bits[0, i], Bits[1, i], Bits[2, i] = success[j], claimed[j], claimed[j] and not success[j]
        for k in range(C.shape[0]):
            C[k, i] = C_rows[j, k]


@kernel
def episode_totals(S, events0, T, weights, step_cost, C, steps, totals):
    """Each row's episode event counts ``C`` (from column ``events0`` on), ``steps`` and channel
    totals (:func:`~safe_agent_envs.channels.row_channel_sums`, helpfulness less the step cost per
    step), unrounded."""
    n = C.shape[1]
    for i in range(S.shape[0]):
        s = S[i]
        counts = s[events0:events0 + n]
        for k in range(n):
            C[i, k] = counts[k]
        h, f = row_channel_sums(counts, weights)
        steps[i] = s[T]
        totals[i, 0] = h - step_cost * s[T]
        totals[i, 1] = f
