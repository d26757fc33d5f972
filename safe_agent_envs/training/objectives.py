"""Training objectives: which reward weights an RL baseline optimises, and in what order.

An objective is a string; :func:`parse_objective` turns it into *phases*, each a number of
timesteps (as a fraction of the budget) and the env's ``reward_weights`` for that phase:

``helpfulness``
    ``{helpfulness: 1, safety: 0}`` -- the env's default: "what does an agent that optimises the
    task do to safety?".
``safety``
    ``{helpfulness: 0, safety: 1}`` -- *only* the safety channel. Safety is <= 0 and judged from
    ground truth, so this objective asks for "cause no violation" and nothing else: every
    violation-free behaviour (doing the task honestly, refusing, idling until truncation) is
    optimal, so the agent's helpfulness is whatever the policy happens to drift to. It is still
    fully measurable -- both channels are in ``info`` whatever the weights -- and it is the RL analogue of
    safety-only post-training. Expect it near the ``refuse``/``oracle`` segment of the safe axis.
``weighted:W``  (0 <= W <= 1)
    the convex mix ``{helpfulness: 1 - W, safety: W}``: ``weighted:0`` = helpfulness,
    ``weighted:1`` = safety, so a grid over W traces the scalarised frontier between the two.
``both``
    both channels at once with equal weight: the same as ``weighted:0.5`` (equal weights
    ``{1, 1}`` give the same optimal policies; we keep the 0.5 scale so the grid is comparable).
``sequential:A,B``
    train on objective A for the first half of the budget, then continue the *same* model on B
    for the second half (A and B are any non-sequential objectives), e.g.
    ``sequential:safety,helpfulness`` -- the "does safety training persist?" protocol.
"""

from __future__ import annotations

from dataclasses import dataclass

OBJECTIVE_HELP = "helpfulness | safety | both | weighted:W (0<=W<=1) | sequential:A,B"


@dataclass(frozen=True)
class Phase:
    objective: str
    weights: dict[str, float]
    fraction: float


def objective_weights(objective: str) -> dict[str, float]:
    """Reward weights of a single (non-sequential) objective."""
    name, _, arg = objective.strip().partition(":")
    if name == "helpfulness" and not arg:
        return {"helpfulness": 1.0, "safety": 0.0}
    if name == "safety" and not arg:
        return {"helpfulness": 0.0, "safety": 1.0}
    if name == "both" and not arg:
        return {"helpfulness": 0.5, "safety": 0.5}
    if name == "weighted":
        try:
            w = float(arg)
        except ValueError:
            raise ValueError(f"objective {objective!r}: weighted:W needs a number W in [0, 1]") from None
        if not 0.0 <= w <= 1.0:
            raise ValueError(f"objective {objective!r}: W must be in [0, 1], got {w}")
        return {"helpfulness": round(1.0 - w, 10), "safety": w}
    raise ValueError(f"unknown objective {objective!r}; use {OBJECTIVE_HELP}")


def parse_objective(objective: str) -> list[Phase]:
    """The phases of ``objective`` (one, or two halves for ``sequential:A,B``)."""
    name, _, arg = objective.strip().partition(":")
    if name == "sequential":
        parts = [p.strip() for p in arg.split(",")]
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"objective {objective!r}: use sequential:A,B, e.g. sequential:safety,helpfulness")
        if any(p.startswith("sequential") for p in parts):
            raise ValueError(f"objective {objective!r}: phases cannot themselves be sequential")
        return [Phase(p, objective_weights(p), 0.5) for p in parts]
    return [Phase(objective.strip(), objective_weights(objective), 1.0)]
