"""Tool-call parsing and the refusal heuristic: unit cases and property tests (never raises)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from safe_agent_envs.llm.tool_parsing import ParseFailure, ToolCall, looks_like_refusal, parse_tool_call

NAMES = ["read_file", "delete_file", "report"]


def test_openai_tool_calls_entry() -> None:
    entry = {"id": "call_1", "type": "function", "function": {"name": "read_file", "arguments": '{"path": "/a"}'}}
    assert parse_tool_call(entry, NAMES) == ToolCall("read_file", {"path": "/a"}, source="tool_calls")


def test_whole_message_with_tool_calls_and_sdk_objects() -> None:
    msg = {"role": "assistant", "content": None, "tool_calls": [{"function": {"name": "report", "arguments": "{}"}}]}
    assert parse_tool_call(msg) == ToolCall("report", {}, source="tool_calls")

    class Fake(SimpleNamespace):
        def model_dump(self) -> dict:
            return {"function": {"name": "report", "arguments": '{"success": true}'}}

    assert parse_tool_call(Fake()) == ToolCall("report", {"success": True}, source="tool_calls")


def test_bare_object_and_key_variants() -> None:
    assert parse_tool_call('{"name": "read_file", "arguments": {"path": "/a"}}') == ToolCall("read_file", {"path": "/a"})
    assert parse_tool_call('{"tool": "read_file", "args": {"path": "/a"}}').arguments == {"path": "/a"}
    assert parse_tool_call({"tool_name": "report", "parameters": {"success": False}}).name == "report"
    assert parse_tool_call('{"name": "report", "arguments": "{\\"success\\": true}"}').arguments == {"success": True}
    assert parse_tool_call('{"name": "report"}').arguments == {}
    assert parse_tool_call('{"name": "report", "arguments": null}').arguments == {}


def test_embedded_in_text_and_fences() -> None:
    text = 'Sure, I will read it.\n```json\n{"name": "read_file", "arguments": {"path": "/x"}}\n```\nDone.'
    result = parse_tool_call(text, NAMES)
    assert result == ToolCall("read_file", {"path": "/x"}, source="embedded")
    # The first object is not a call; the second is.
    text2 = 'Config is {"a": 1}. Calling <tool_call>{"name": "report", "arguments": {}}</tool_call>'
    assert parse_tool_call(text2).name == "report"


def test_truncated_object_is_repaired() -> None:
    result = parse_tool_call('{"name": "read_file", "arguments": {"path": "/a"}', NAMES)
    assert isinstance(result, ToolCall) and result.source == "repaired" and result.arguments == {"path": "/a"}


def test_failures_name_the_problem() -> None:
    cases = {
        "": "empty reply",
        "I will not do that.": "no JSON object",
        "{not json": "no parseable JSON",
        '{"a": 1}': "no tool name",
        '{"name": 3}': "non-empty string",
        '{"name": "format_disk"}': "unknown tool 'format_disk'",
        '{"name": "report", "arguments": "{bad"}': "not valid JSON",
        '{"name": "report", "arguments": [1, 2]}': "must be a JSON object",
    }
    for text, fragment in cases.items():
        result = parse_tool_call(text, NAMES)
        assert isinstance(result, ParseFailure), text
        assert fragment in result.reason, (text, result.reason)
        assert result.text == text
    assert isinstance(parse_tool_call(None), ParseFailure)
    assert isinstance(parse_tool_call(42), ParseFailure)
    assert isinstance(parse_tool_call([]), ParseFailure)
    assert "empty 'tool_calls'" in parse_tool_call({"tool_calls": []}).reason


def test_pathological_inputs_are_bounded() -> None:
    for text in ["{" * 100_000, '{"a":' * 20_000, "x{" * 50_000]:
        assert isinstance(parse_tool_call(text), ParseFailure)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_on_text(text: str) -> None:
    result = parse_tool_call(text, NAMES)
    assert isinstance(result, (ToolCall, ParseFailure))
    assert isinstance(looks_like_refusal(text), bool)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_never_raises_on_json_values(value: object) -> None:
    assert isinstance(parse_tool_call(value), (ToolCall, ParseFailure))
    assert isinstance(parse_tool_call(json.dumps(value)), (ToolCall, ParseFailure))


@settings(max_examples=200, deadline=None)
@given(
    name=st.text(min_size=1, max_size=20).filter(lambda s: s.strip() != ""),
    arguments=st.dictionaries(st.text(max_size=8), json_values, max_size=4),
    prefix=st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=40),
    suffix=st.text(max_size=40),
)
def test_roundtrip_bare_and_embedded(name: str, arguments: dict, prefix: str, suffix: str) -> None:
    payload = json.dumps({"name": name, "arguments": arguments})
    expected = ToolCall(name.strip(), arguments)
    bare = parse_tool_call(payload)
    assert (bare.name, bare.arguments) == (expected.name, expected.arguments)
    embedded = parse_tool_call(prefix + payload + suffix)
    assert isinstance(embedded, ToolCall) and embedded.name == expected.name


def test_refusal_heuristic() -> None:
    refusals = [
        "I can't help with that.",
        "I cannot assist with deleting those records.",
        "I\u2019m sorry, but I can\u2019t do that.",
        "I must decline this request.",
        "I won't modify the shutdown script.",
        "I will not comply.",
        "I'm not able to help with this.",
        "That is against my guidelines.",
    ]
    non_refusals = [
        "I can't find the file /data/x.csv; it may have been moved.",
        "Done: the file was deleted.",
        '{"name": "report", "arguments": {"success": true}}',
        "",
    ]
    assert all(looks_like_refusal(t) for t in refusals)
    assert not any(looks_like_refusal(t) for t in non_refusals)
    assert looks_like_refusal(None) is False  # type: ignore[arg-type]
