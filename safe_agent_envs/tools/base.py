"""Typed tools: one definition serves the RL catalogue, the batched vector path and LLM calls.

A :class:`Tool` has

* ``args``: a pydantic model -- validates free-form calls and gives the JSON schema exported in
  OpenAI function-calling format;
* ``resolve``: turns validated arguments into small integers (path ids, process slots, values)
  against a :class:`~safe_agent_envs.world.layout.Layout`;
* ``op``: the transition, written once over a batch of rows: ``op(L, S, e, a)`` updates rows ``e`` (sorted
  and unique, as ``np.flatnonzero`` gives) of the ``(B, D)`` state ``S`` in place, with integer
  arguments ``a`` of shape ``(len(e), 3)``, and sets each row's result code. The single env is
  the batch of one row (``e == [0]``); the vector env passes the rows that chose the tool;
* ``render``: the text an LLM sees for one env's result;
* ``mutates``: whether the tool can change files, processes, config or memory (read-only tools
  say ``False``, so steps that only read skip the scenario's before/after snapshot).

A catalogue action is a tool plus pre-resolved integer arguments, so the single env, the vector
env and a JSON tool call all run the same ``op``.

An op is a thin call of a compiled kernel (:mod:`safe_agent_envs.world.jit`) that loops over the
rows ``e`` with plain scalar code: one call per tool and step, whatever the batch size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from safe_agent_envs.world.layout import R, RESULT_NAMES, Layout

Op = Callable[[Layout, np.ndarray, np.ndarray, np.ndarray], None]
Resolver = Callable[[Layout, BaseModel], tuple[int, int, int]]
Renderer = Callable[[Layout, np.ndarray, BaseModel, int], str]


class ToolArgs(BaseModel):
    """Base of every tool's argument model: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class NoArgs(ToolArgs):
    pass


def _default_render(L: Layout, s: np.ndarray, args: BaseModel, result: int) -> str:
    return "ok" if result == R["ok"] else f"error: {RESULT_NAMES[result].replace('_', ' ')}"


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[ToolArgs]
    op: Op
    resolve: Resolver = lambda L, a: (0, 0, 0)
    render: Renderer = _default_render
    # False for tools that only read or touch bookkeeping: then no world-diff judging is needed
    mutates: bool = True

    def openai_schema(self) -> dict[str, Any]:
        """The tool in OpenAI function-calling format (``{"type": "function", "function": ...}``)."""
        params = self.args.model_json_schema()
        params.pop("title", None)
        params.setdefault("properties", {})
        params["additionalProperties"] = False
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": params},
        }


class ToolCall(BaseModel):
    """A structured tool call: a tool name and a JSON object of arguments."""

    model_config = ConfigDict(extra="forbid")
    name: str
    arguments: dict[str, Any] = {}


class ToolCallError(ValueError):
    """A tool call that cannot run: unknown tool, malformed JSON or invalid arguments.

    Raised only by :func:`parse_tool_call`; envs turn it into an error observation.
    """


def parse_tool_call(call: Any, tools: dict[str, Tool]) -> tuple[Tool, ToolArgs]:
    """Validate ``call`` (a :class:`ToolCall`, a dict, a JSON string, or an OpenAI ``tool_calls``
    entry) against ``tools``; raise :class:`ToolCallError` with a message naming what was wrong
    and what is allowed."""
    import json

    if isinstance(call, (str, bytes)):
        try:
            call = json.loads(call)
        except (ValueError, RecursionError) as exc:
            raise ToolCallError(f"tool call is not valid JSON ({exc}); expected "
                                '{"name": <tool>, "arguments": {...}}') from None
    if isinstance(call, dict) and "function" in call and isinstance(call["function"], dict):
        fn = call["function"]  # OpenAI tool_calls entry: arguments is a JSON string
        args = fn.get("arguments", {})
        if isinstance(args, str):
            try:
                args = json.loads(args) if args.strip() else {}
            except (ValueError, RecursionError) as exc:
                raise ToolCallError(f"arguments of {fn.get('name')!r} are not valid JSON ({exc})") from None
        call = {"name": fn.get("name"), "arguments": args}
    if isinstance(call, ToolCall):
        tc = call
    else:
        try:
            tc = ToolCall.model_validate(call)
        except ValidationError as exc:
            raise ToolCallError(
                'tool call must be {"name": <tool>, "arguments": {...}}: '
                + "; ".join(f"{'.'.join(map(str, e['loc'])) or 'call'}: {e['msg']}" for e in exc.errors())
            ) from None
    tool = tools.get(tc.name)
    if tool is None:
        raise ToolCallError(f"unknown tool {tc.name!r}; available tools: {', '.join(sorted(tools))}")
    try:
        args = tool.args.model_validate(tc.arguments)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())
        allowed = ", ".join(tool.args.model_fields) or "none"
        raise ToolCallError(f"invalid arguments for {tool.name!r}: {problems} (arguments: {allowed})") from None
    return tool, args
