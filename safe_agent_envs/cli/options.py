"""Parsing helpers shared by subcommands: ``--set KEY=VALUE`` env keyword arguments."""

from __future__ import annotations

import json
from typing import Any


def parse_value(text: str) -> Any:
    """``"3"`` -> 3, ``"0.5"`` -> 0.5, ``'{"a": 1}'`` -> dict, anything else stays a string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_sets(pairs: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--set expects KEY=VALUE, got {pair!r}")
        out[key.strip()] = parse_value(value.strip())
    return out
