"""Prompt helpers shared by the local model, the server and the HF policy.

* :func:`normalize_messages` turns OpenAI chat messages (content parts, assistant ``tool_calls``,
  ``tool`` results) into plain ``{"role", "content": str}`` messages any chat template accepts.
* :func:`render_tools_prompt` describes offered tools in a short system-prompt block with one
  example call, and :func:`tool_prefill` gives the assistant prefill (``{"name": "``) that makes
  even a 135M model answer with a JSON tool call.
* :func:`call_to_json` is the one canonical JSON text of a call (used for examples, for replaying
  assistant tool calls into the prompt, and as the scored string in constrained mode).
"""

from __future__ import annotations

import json
from typing import Any, Mapping, Sequence

__all__ = [
    "normalize_messages",
    "merge_for_strict_templates",
    "render_tools_prompt",
    "with_tools",
    "tool_prefill",
    "tool_names",
    "call_to_json",
]

PREFILL = '{"name": "'


def call_to_json(name: str, arguments: Mapping[str, Any] | None = None) -> str:
    """Canonical text of a call: ``{"name": "x", "arguments": {...}}`` (stable key order)."""
    return json.dumps({"name": name, "arguments": dict(arguments or {})}, ensure_ascii=False)


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        parts = []
        for part in content:
            if isinstance(part, dict):
                parts.append(str(part.get("text", "")) if part.get("type", "text") == "text" else "")
            else:
                parts.append(str(part))
        return "".join(parts)
    return str(content)


def _tool_call_text(call: Mapping[str, Any]) -> str:
    fn = call.get("function", call)
    args = fn.get("arguments", {})
    if isinstance(args, str):
        try:
            args = json.loads(args) if args.strip() else {}
        except ValueError:
            return json.dumps({"name": fn.get("name", ""), "arguments": args}, ensure_ascii=False)
    return call_to_json(str(fn.get("name", "")), args if isinstance(args, dict) else {"value": args})


def normalize_messages(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Plain-text copy of OpenAI messages: content as a string; an assistant message's
    ``tool_calls`` appended as canonical JSON lines; ``tool`` messages kept with role ``tool``."""
    out: list[dict[str, str]] = []
    for i, msg in enumerate(messages):
        if not isinstance(msg, Mapping) or "role" not in msg:
            raise ValueError(f"messages[{i}] must be a dict with a 'role' key, got {msg!r:.80}")
        role = str(msg["role"])
        if role == "developer":
            role = "system"
        text = _content_text(msg.get("content"))
        calls = msg.get("tool_calls") or []
        if role == "assistant" and calls:
            call_text = "\n".join(_tool_call_text(c) for c in calls if isinstance(c, Mapping))
            text = f"{text}\n{call_text}" if text else call_text
        out.append({"role": role, "content": text})
    return out


def merge_for_strict_templates(messages: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    """Fallback for templates that reject ``tool`` roles or non-alternating turns: ``tool``
    results become user turns ("Tool result: ..."), and consecutive same-role turns merge."""
    out: list[dict[str, str]] = []
    for msg in messages:
        role, text = msg["role"], msg["content"]
        if role not in ("system", "user", "assistant"):
            role, text = "user", f"Tool result:\n{text}"
        if out and out[-1]["role"] == role:
            out[-1] = {"role": role, "content": out[-1]["content"] + "\n\n" + text}
        else:
            out.append({"role": role, "content": text})
    return out


def tool_names(tools: Sequence[Mapping[str, Any]] | None) -> list[str]:
    """Names of OpenAI function-calling tool schemas (``{"type": "function", "function": {...}}``
    or bare ``{"name": ...}``); entries without a name are skipped."""
    names = []
    for tool in tools or []:
        fn = tool.get("function", tool) if isinstance(tool, Mapping) else {}
        if isinstance(fn, Mapping) and isinstance(fn.get("name"), str):
            names.append(fn["name"])
    return names


def _example_value(schema: Mapping[str, Any]) -> Any:
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = kind[0] if kind else "string"
    return {"integer": 1, "number": 1.0, "boolean": True, "array": [], "object": {}}.get(str(kind), "...")


def render_tools_prompt(tools: Sequence[Mapping[str, Any]]) -> str:
    """A short, model-agnostic description of the tools plus one example call."""
    lines = ["You can call these tools:"]
    example: str | None = None
    for tool in tools:
        fn = tool.get("function", tool) if isinstance(tool, Mapping) else {}
        if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
            continue
        params = fn.get("parameters") or {}
        props = params.get("properties") or {} if isinstance(params, Mapping) else {}
        required = set(params.get("required") or []) if isinstance(params, Mapping) else set()
        sig = ", ".join(
            f"{p}: {s.get('type', 'any') if isinstance(s, Mapping) else 'any'}{'' if p in required else '?'}"
            for p, s in props.items()
        )
        desc = " ".join(str(fn.get("description") or "").split())
        lines.append(f"- {fn['name']}({sig})" + (f": {desc[:200]}" if desc else ""))
        if example is None:
            example = call_to_json(
                fn["name"],
                {p: _example_value(s if isinstance(s, Mapping) else {}) for p, s in props.items() if p in required},
            )
    lines.append("To call a tool, reply with only one JSON object and nothing else, for example:")
    lines.append(example or call_to_json("tool_name", {}))
    return "\n".join(lines)


def with_tools(messages: Sequence[Mapping[str, str]], tools: Sequence[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """``messages`` with the tools block appended to the first system message (or prepended as
    a new system message). Returns a copy; no tools means an unchanged copy."""
    out = [dict(m) for m in messages]
    if not tools:
        return out
    block = render_tools_prompt(tools)
    if out and out[0].get("role") == "system":
        out[0]["content"] = f"{out[0]['content']}\n\n{block}" if out[0]["content"] else block
    else:
        out.insert(0, {"role": "system", "content": block})
    return out


def tool_prefill(tool_choice: Any = "auto") -> str:
    """Assistant prefill for a tool call: ``{"name": "`` for ``"auto"``/``"required"``, the whole
    name for a forced function (``{"type": "function", "function": {"name": X}}``), ``""`` for
    ``"none"``."""
    if tool_choice == "none":
        return ""
    if isinstance(tool_choice, Mapping):
        fn = tool_choice.get("function")
        if isinstance(fn, Mapping) and isinstance(fn.get("name"), str):
            return PREFILL + fn["name"] + '", "arguments": '
    return PREFILL
