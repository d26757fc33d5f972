"""Transcript recording to JSONL, and an offline re-scorer.

:class:`RecordTranscript` writes one JSON object per line to ``path`` (buffered per episode and
written when the episode ends or the wrapper closes):

* ``{"type": "header", "env_id", "event_names", "weights", "step_cost", "reward_weights"}`` -- the
  scenario's channel table, once per file;
* ``{"type": "reset", "episode", "seed", "condition", "messages"}`` -- the briefing as chat
  messages (the text an LLM agent starts from);
* ``{"type": "step", "episode", "t", "action", "catalogue_index", "observation", "reward",
  "channels", "events", "event_counts", "terminated", "truncated"}`` -- the action as a tool call
  ``{"name", "arguments"}``, the observation as the tool's text;
* ``{"type": "end", "episode", "episode_metrics"}``.

:func:`rescore_transcript` recomputes every step's channels and every episode's totals from the
saved event counts with another event-weight table (channels are linear in event counts, see
:class:`~safe_agent_envs.channels.ChannelTable`); with the recorded table it reproduces the
recorded numbers exactly.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from typing import Any, Iterable, Mapping

import gymnasium as gym
import numpy as np

from safe_agent_envs.channels import ChannelTable, EventSpec
from safe_agent_envs.wrappers._common import SafeAgentWrapper, normalise_call


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    return x


class RecordTranscript(SafeAgentWrapper):
    """Record every episode of ``env`` to the JSONL file ``path`` (appends)."""

    def __init__(self, env: gym.Env, path: str | os.PathLike):
        super().__init__(env)
        path = os.fspath(path)
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise FileNotFoundError(f"RecordTranscript: directory {parent!r} does not exist")
        self.path = path
        base = env.unwrapped
        self._calls = base.catalogue_calls()
        self._buffer: list[dict] = []
        self._episode = -1
        self._t = 0
        self._header = {
            "type": "header", "env_id": getattr(env.spec, "id", None) if env.spec else None,
            "event_names": list(base.channels.names), "weights": base.channels.weights.tolist(),
            "step_cost": base.channels.step_cost, "reward_weights": dict(base.reward_weights),
        }
        self._wrote_header = os.path.exists(path) and os.path.getsize(path) > 0

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        self._flush()
        obs, info = self.env.reset(seed=seed, options=options)
        self._episode += 1
        self._t = 0
        self._buffer.append({"type": "reset", "episode": self._episode, "seed": seed,
                             "condition": info.get("condition"), "messages": self.env.unwrapped.briefing()})
        return obs, info

    def step(self, action):
        out = self.env.step(action)
        base = self.env.unwrapped
        a = int(action)
        tool, args = base.catalogue[a]
        text = info_text = out[4].get("tool_result")
        if text is None:
            s = base.S[0]
            info_text = tool.render(base.layout, s, args, int(s[base.layout.RESULT]))
        return self._record(self._calls[a], a, info_text, out)

    def call_tool(self, call: Any):
        from safe_agent_envs.wrappers._common import inner_call_tool

        out = inner_call_tool(self.env, call)
        norm = normalise_call(self.env, call)
        action = norm if norm is not None else {"raw": call if isinstance(call, str) else _jsonable(call)}
        return self._record(action, int(out[4].get("action", -1)), out[4].get("tool_result"), out)

    def _record(self, action, index, text, out):
        obs, reward, terminated, truncated, info = out
        self._t += 1
        events = list(info.get("events", ()))
        self._buffer.append({
            "type": "step", "episode": self._episode, "t": self._t, "action": action, "catalogue_index": index,
            "observation": text, "reward": float(reward), "channels": _jsonable(info["channels"]),
            "events": events, "event_counts": dict(Counter(events)),
            "terminated": bool(terminated), "truncated": bool(truncated),
        })
        if terminated or truncated:
            if "episode_metrics" in info:
                self._buffer.append({"type": "end", "episode": self._episode,
                                     "episode_metrics": _jsonable(info["episode_metrics"])})
            self._flush()
        return out

    def _flush(self) -> None:
        if not self._buffer:
            return
        with open(self.path, "a", encoding="utf-8") as fh:
            if not self._wrote_header:
                fh.write(json.dumps(self._header) + "\n")
                self._wrote_header = True
            for rec in self._buffer:
                fh.write(json.dumps(rec) + "\n")
        self._buffer = []

    def close(self):
        self._flush()
        return super().close()


def read_transcript(path: str | os.PathLike) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _table(header: dict, events: Mapping[str, Mapping[str, float]] | None,
           step_cost: float | None) -> ChannelTable:
    names, weights = header["event_names"], header["weights"]
    events = dict(events or {})
    unknown = set(events) - set(names)
    if unknown:
        raise ValueError(f"rescore: unknown event(s) {sorted(unknown)}; events of this transcript: {names}")
    specs = []
    for name, (h, s) in zip(names, weights):
        new = events.get(name, {})
        bad = set(new) - {"helpfulness", "safety"}
        if bad:
            raise ValueError(f"rescore: event {name!r}: unknown channel(s) {sorted(bad)}")
        h, s = float(new.get("helpfulness", h)), float(new.get("safety", s))
        if not (math.isfinite(h) and math.isfinite(s)):
            raise ValueError(f"rescore: event {name!r}: weights must be finite, got {(h, s)}")
        specs.append(EventSpec(name, helpfulness=h, safety=s))
    cost = header["step_cost"] if step_cost is None else float(step_cost)
    if not math.isfinite(cost):
        raise ValueError(f"rescore: step_cost must be finite, got {step_cost}")
    return ChannelTable(tuple(specs), cost)


def rescore_transcript(transcript: str | os.PathLike | Iterable[dict],
                       events: Mapping[str, Mapping[str, float]] | None = None,
                       step_cost: float | None = None) -> list[dict]:
    """Re-score a recorded transcript. ``events`` overrides the weights of named events
    (``{"shutdown_tampered": {"safety": -5.0}}``), ``step_cost`` the helpfulness cost per step.

    Returns one dict per episode: ``{"episode", "steps": [{"t", "channels", "reward"}...],
    "helpfulness", "safety"}`` -- totals rounded like ``episode_metrics`` -- where ``reward``
    applies the recorded ``reward_weights`` to the new channels.
    """
    records = read_transcript(transcript) if isinstance(transcript, (str, os.PathLike)) else list(transcript)
    if not records or records[0].get("type") != "header":
        raise ValueError("rescore: not a RecordTranscript file (no header line)")
    header = records[0]
    table = _table(header, events, step_cost)
    w = np.array([header["reward_weights"]["helpfulness"], header["reward_weights"]["safety"]])
    episodes: dict[int, dict] = {}
    totals: dict[int, np.ndarray] = {}
    for rec in records[1:]:
        if rec["type"] == "header":
            raise ValueError("rescore: transcript mixes several envs (more than one header)")
        if rec["type"] != "step":
            continue
        k = rec["episode"]
        counts = np.zeros((1, len(table.names)), dtype=np.int32)
        for name, n in rec["event_counts"].items():
            counts[0, table.index[name]] = n
        ch = table.step_channels(counts)[0]
        ep = episodes.setdefault(k, {"episode": k, "steps": []})
        totals[k] = totals.get(k, 0) + counts[0]
        ep["steps"].append({"t": rec["t"], "channels": {"helpfulness": float(ch[0]), "safety": float(ch[1])},
                            "reward": float(ch @ w)})
    for k, ep in episodes.items():
        h, s = table.totals(totals[k].astype(np.int32), len(ep["steps"]))
        ep["helpfulness"], ep["safety"] = round(h, 6), round(s, 6)
    return [episodes[k] for k in sorted(episodes)]
