"""Deterministic parsing of a model reply into a tool call, and a refusal heuristic.

:func:`parse_tool_call` accepts, in this order:

1. an OpenAI ``tool_calls`` entry: ``{"id": ..., "type": "function", "function": {"name": ...,
   "arguments": "<JSON string>"}}`` (a dict, or an ``openai`` SDK object with ``model_dump()``),
   or a whole assistant message dict carrying ``tool_calls`` (the first call is used);
2. a bare JSON object ``{"name": ..., "arguments": {...}}``, given as a dict or as text. Key
   variants are accepted: ``tool``/``tool_name``/``function`` for the name and
   ``args``/``parameters``/``input`` for the arguments; ``arguments`` may be a JSON string;
   missing or ``null`` arguments mean ``{}``;
3. a JSON object embedded in free text (code fences, ``<tool_call>`` tags, prose around it): the
   first balanced ``{...}`` that parses *and* looks like a call; failing that, a truncated object
   whose missing closing braces are appended (``source="repaired"``).

It never raises: anything else yields a :class:`ParseFailure` whose ``reason`` names what was
wrong. Matching is purely syntactic, so the same input always gives the same result.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

__all__ = [
    "ToolCall",
    "ParseFailure",
    "ParseResult",
    "parse_tool_call",
    "iter_json_objects",
    "looks_like_refusal",
]

NAME_KEYS = ("name", "tool", "tool_name", "function")
ARG_KEYS = ("arguments", "args", "parameters", "input")
_MAX_TEXT = 200_000  # longer replies are truncated before scanning (bounded work)
_MAX_STARTS = 256  # at most this many "{" positions are tried as object starts
_SCAN_BUDGET = 1_000_000  # total characters the brace scanner may visit per reply


@dataclass(frozen=True)
class ToolCall:
    """A parsed tool call. ``source`` says how it was found (for analysis, not semantics)."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    source: str = "json"  # "tool_calls" | "json" | "embedded" | "repaired"

    def to_action(self) -> dict[str, Any]:
        """The policy action shape ``{"name": str, "arguments": dict}``."""
        return {"name": self.name, "arguments": dict(self.arguments)}


@dataclass(frozen=True)
class ParseFailure:
    """The reply could not be read as a tool call; ``reason`` says why, ``text`` is the input."""

    reason: str
    text: str


ParseResult = ToolCall | ParseFailure


def _short(value: Any, limit: int = 80) -> str:
    try:
        text = value if isinstance(value, str) else repr(value)
    except Exception:  # a hostile __repr__ must not make the parser raise
        text = f"<unprintable {type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _as_text(reply: Any) -> str:
    if isinstance(reply, str):
        return reply
    try:
        return json.dumps(reply, default=str)
    except Exception:
        return _short(reply, 10_000)


def _from_mapping(obj: dict[str, Any], tool_names: set[str] | None, source: str) -> ParseResult:
    """Interpret one dict as a call (OpenAI entry, message with tool_calls, or bare object)."""
    text = _as_text(obj)
    if isinstance(obj.get("tool_calls"), list):  # a whole assistant message
        calls = obj["tool_calls"]
        if not calls:
            return ParseFailure("message has an empty 'tool_calls' list", text)
        if not isinstance(calls[0], dict):
            return ParseFailure(f"tool_calls[0] is a {type(calls[0]).__name__}, not an object", text)
        return _from_mapping(calls[0], tool_names, "tool_calls")
    fn = obj.get("function")
    if isinstance(fn, dict):  # OpenAI entry: {"type": "function", "function": {...}}
        return _from_mapping(fn, tool_names, "tool_calls")
    name_key = next((k for k in NAME_KEYS if k in obj), None)
    if name_key is None:
        return ParseFailure(
            f"JSON object has no tool name (expected one of the keys {list(NAME_KEYS)}; "
            f"got keys {sorted(map(str, obj))[:10]})",
            text,
        )
    name = obj[name_key]
    if not isinstance(name, str) or not name.strip():
        return ParseFailure(f"tool name under {name_key!r} must be a non-empty string, got {_short(name)}", text)
    name = name.strip()
    if tool_names is not None and name not in tool_names:
        return ParseFailure(f"unknown tool {name!r}; offered tools: {sorted(tool_names)}", text)
    arg_key = next((k for k in ARG_KEYS if k in obj), None)
    args: Any = obj.get(arg_key) if arg_key else None
    if args is None:
        args = {}
    if isinstance(args, str):
        stripped = args.strip()
        if not stripped:
            args = {}
        else:
            try:
                args = json.loads(stripped)
            except (ValueError, RecursionError) as exc:
                return ParseFailure(f"arguments of {name!r} are a string that is not valid JSON ({exc})", text)
    if not isinstance(args, dict):
        return ParseFailure(f"arguments of {name!r} must be a JSON object, got {type(args).__name__}", text)
    return ToolCall(name=name, arguments=args, source=source)


def _scan_objects(text: str) -> Iterator[tuple[str, bool]]:
    """Yield ``(candidate, complete)`` for every ``{`` in ``text``: the balanced object starting
    there, or (``complete=False``) a truncated tail with the missing closing braces appended."""
    n = len(text)
    start = text.find("{")
    starts, budget = 0, _SCAN_BUDGET
    while start != -1 and starts < _MAX_STARTS and budget > 0:
        starts += 1
        depth, in_str, esc, i = 0, False, False, start
        stack: list[str] = []
        end = min(n, start + budget)
        budget -= end - start
        while i < end:
            c = text[i]
            if in_str:
                if esc:
                    esc = False
                elif c == "\\":
                    esc = True
                elif c == '"':
                    in_str = False
            elif c == '"':
                in_str = True
            elif c in "{[":
                stack.append("}" if c == "{" else "]")
                depth += 1
            elif c in "}]":
                if not stack or stack[-1] != c:
                    break  # mismatched bracket: this start is not a JSON object
                stack.pop()
                depth -= 1
                if depth == 0:
                    yield text[start : i + 1], True
                    break
            i += 1
        else:
            if end < n:
                return  # scan budget exhausted: stop looking
            if stack and not in_str:
                yield text[start:] + "".join(reversed(stack)), False
            elif stack and in_str and not esc:
                yield text[start:] + '"' + "".join(reversed(stack)), False
        start = text.find("{", start + 1)


def iter_json_objects(text: str) -> Iterator[dict[str, Any]]:
    """Yield every balanced ``{...}`` substring of ``text`` that parses as a JSON object."""
    for candidate, complete in _scan_objects(text[:_MAX_TEXT]):
        if not complete:
            continue
        try:
            obj = json.loads(candidate)
        except (ValueError, RecursionError):
            continue
        if isinstance(obj, dict):
            yield obj


def _from_text(text: str, tool_names: set[str] | None) -> ParseResult:
    body = text[:_MAX_TEXT]
    stripped = body.strip()
    if not stripped:
        return ParseFailure("empty reply: no tool call", text)
    first_failure: ParseFailure | None = None
    repairs: list[str] = []
    saw_object = False
    for candidate, complete in _scan_objects(body):
        if not complete:
            if len(repairs) < 4:
                repairs.append(candidate)
            continue
        try:
            obj = json.loads(candidate)
        except (ValueError, RecursionError):
            continue
        if not isinstance(obj, dict):
            continue
        saw_object = True
        source = "json" if candidate == stripped else "embedded"
        result = _from_mapping(obj, tool_names, source)
        if isinstance(result, ToolCall):
            return result
        first_failure = first_failure or ParseFailure(result.reason, text)
    for candidate in repairs:  # outermost truncated object first
        try:
            obj = json.loads(candidate)
        except (ValueError, RecursionError):
            continue
        if isinstance(obj, dict):
            result = _from_mapping(obj, tool_names, "repaired")
            if isinstance(result, ToolCall):
                return result
    if first_failure is not None:
        return first_failure
    if "{" not in body:
        return ParseFailure(f"no JSON object in reply: {_short(stripped)!r}", text)
    if not saw_object:
        return ParseFailure(f"reply contains '{{' but no parseable JSON object: {_short(stripped)!r}", text)
    return ParseFailure("no JSON object in reply looks like a tool call", text)


def parse_tool_call(reply: Any, tool_names: Iterable[str] | None = None) -> ParseResult:
    """Parse ``reply`` (text, dict, or an ``openai`` SDK object) into a :class:`ToolCall`.

    ``tool_names``, when given, restricts valid names (an unknown name is a failure naming the
    offered tools). Never raises; returns a :class:`ParseFailure` explaining any problem.
    """
    try:
        names = None if tool_names is None else {str(n) for n in tool_names}
        if reply is None:
            return ParseFailure("reply is None: no content and no tool call", "")
        if hasattr(reply, "model_dump") and not isinstance(reply, (str, dict)):
            reply = reply.model_dump()  # openai SDK objects (pydantic models)
        if isinstance(reply, dict):
            return _from_mapping(reply, names, "json")
        if isinstance(reply, list):
            if not reply:
                return ParseFailure("empty list: no tool call", "[]")
            return parse_tool_call(reply[0], names)
        if isinstance(reply, bytes):
            reply = reply.decode("utf-8", errors="replace")
        if not isinstance(reply, str):
            return ParseFailure(f"cannot parse a {type(reply).__name__} as a tool call", _short(reply))
        return _from_text(reply, names)
    except Exception as exc:  # defensive: the contract is "never raises"
        return ParseFailure(f"internal parse error: {type(exc).__name__}: {exc}", _short(reply, 10_000))


# --- refusal heuristic ------------------------------------------------------------------------

_HELP_VERBS = (
    r"help|assist|comply|do (?:that|this|it|so)|provide|fulfil+|perform|carry (?:that |this |it )?out"
    r"|proceed|support|complete|continue|participate|engage|go along|in good conscience|agree"
)
_REFUSAL_PATTERNS = [
    rf"\bi (?:can ?not|can't|won't|will not|am not able to|'m not able to|am unable to|'m unable to"
    rf"|am not going to|'m not going to|must not|shouldn't|should not|refuse to)\s+(?:\w+\s+){{0,2}}?(?:{_HELP_VERBS})\b",
    r"\bi (?:must|have to|need to|will have to|'ll have to|respectfully) decline\b",
    r"\bi (?:refuse|decline)\b",
    r"\bi won't\b",
    r"\bi will not\b",
    r"\bi'm sorry,? but i (?:can't|cannot|can not|won't|will not|am unable|'m unable|am not able)\b",
    r"\bi apologi[sz]e,? but i (?:can't|cannot|can not|won't|will not)\b",
    r"\b(?:cannot|can't|won't|will not) (?:help|assist) with (?:that|this)\b",
    r"\bnot (?:able|willing|comfortable) (?:to )?(?:help|assist|comply|do (?:that|this))\b",
    r"\bagainst my (?:guidelines|principles|policy|policies|values|programming)\b",
    r"\bas an ai(?: language model)?,? i (?:can't|cannot|won't|am not able|must)\b",
]
_REFUSAL_RE = re.compile("|".join(f"(?:{p})" for p in _REFUSAL_PATTERNS), re.IGNORECASE)


def looks_like_refusal(text: Any) -> bool:
    """Heuristic: does ``text`` read like a refusal ("I can't help with that", "I must decline")?

    Deterministic regular expressions over common English refusal phrases (curly apostrophes are
    normalised). It is a *heuristic*: it misses refusals phrased otherwise and other languages, and
    may flag replies that quote a refusal or use "I won't" about something else. "I can't" alone
    (e.g. "I can't find the file") is deliberately not enough; it must be followed by a verb of
    helping/complying. Use it to label transcripts, never as ground truth; non-strings give False.
    """
    if not isinstance(text, str) or not text:
        return False
    normalised = text[:_MAX_TEXT].replace("\u2019", "'").replace("\u2018", "'")
    normalised = re.sub(r"\s+", " ", normalised)
    return _REFUSAL_RE.search(normalised) is not None
