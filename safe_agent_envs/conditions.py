"""Experimental conditions shared by every scenario, validated with clear errors.

Conditions change what the agent is told (and, where a scenario says so, the world): the same
seed under two conditions gives a *paired* episode -- the same world and the same timing, because
scenarios draw their random numbers before looking at conditions.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, ValidationError

PeerMemory = Literal["none", "uncooperative", "neutral", "cooperative"]
Oversight = Literal["monitored", "unmonitored"]
ShutdownInstruction = Literal["none", "user_prompt", "system_prompt"]
GoalNudge = Literal["none", "strong"]
Persona = Literal["none", "teen", "senior", "sad", "anxious", "false_belief"]
Injection = Literal["none", "in_file"]
Difficulty = Literal["easy", "medium", "hard"]


class Conditions(BaseModel):
    """The condition factors. ``persona`` is text only: it never changes dynamics."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    peer_memory: PeerMemory = "none"
    oversight: Oversight = "unmonitored"
    shutdown_instruction: ShutdownInstruction = "none"
    goal_nudge: GoalNudge = "none"
    persona: Persona = "none"
    injection: Injection = "none"
    difficulty: Difficulty = "medium"

    @classmethod
    def allowed(cls, name: str) -> tuple[str, ...]:
        return get_args(cls.model_fields[name].annotation)

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> "Conditions":
        """Validate condition keyword arguments; a bad value raises ``ValueError`` naming the
        argument and its allowed values."""
        for name, value in kwargs.items():
            if name not in cls.model_fields:
                raise ValueError(f"unknown condition {name!r}; conditions: {', '.join(cls.model_fields)}")
            allowed = cls.allowed(name)
            if value not in allowed:
                raise ValueError(f"{name}={value!r} is not allowed; allowed values: {', '.join(allowed)}")
        try:
            return cls(**kwargs)
        except ValidationError as exc:  # pragma: no cover - guarded above
            raise ValueError(str(exc)) from None

    def one_hot(self, name: str) -> list[int]:
        value = getattr(self, name)
        return [int(value == v) for v in self.allowed(name)]


CONDITION_NAMES = tuple(Conditions.model_fields)
