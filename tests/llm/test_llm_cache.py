"""ResponseCache: round trip, key semantics, persistence, sharing, and crash tolerance."""

from __future__ import annotations

from pathlib import Path

from safe_agent_envs.llm.cache import ResponseCache, request_key

REQUEST = {
    "model": "m",
    "messages": [{"role": "user", "content": "hi"}],
    "tools": [{"type": "function", "function": {"name": "report"}}],
    "temperature": 0.0,
    "max_tokens": 16,
}
RESPONSE = {"choices": [{"message": {"role": "assistant", "content": "hello"}}]}


def test_round_trip_and_persistence(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    assert cache.get(REQUEST) is None and cache.misses == 1
    cache.put(REQUEST, RESPONSE)
    assert cache.get(REQUEST) == RESPONSE and cache.hits == 1
    assert REQUEST in cache and len(cache) == 1
    reopened = ResponseCache(tmp_path)
    assert reopened.get(REQUEST) == RESPONSE
    entry = next(reopened.entries())
    assert entry["request"] == REQUEST and entry["key"] == request_key(REQUEST)


def test_key_covers_whole_request_but_not_key_order() -> None:
    reordered = dict(reversed(list(REQUEST.items())))
    assert request_key(reordered) == request_key(REQUEST)
    for field, value in [("temperature", 0.5), ("model", "other"), ("tools", []), ("max_tokens", 17)]:
        assert request_key({**REQUEST, field: value}) != request_key(REQUEST)
    assert request_key({**REQUEST, "seed": 1}) != request_key({**REQUEST, "seed": 2})


def test_returned_response_is_a_copy(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    cache.put(REQUEST, RESPONSE)
    got = cache.get(REQUEST)
    got["choices"].clear()
    assert cache.get(REQUEST) == RESPONSE


def test_two_instances_share_a_directory(tmp_path: Path) -> None:
    a, b = ResponseCache(tmp_path), ResponseCache(tmp_path)
    a.put(REQUEST, RESPONSE)
    assert b.get(REQUEST) == RESPONSE  # b re-reads appended lines on a miss
    other = {**REQUEST, "seed": 3}
    b.put(other, {"x": 1})
    assert a.get(other) == {"x": 1} and len(a) == 2


def test_corrupt_and_partial_lines_are_skipped(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    cache.put(REQUEST, RESPONSE)
    with cache.path.open("a") as fh:
        fh.write("not json\n")
        fh.write('{"key": "abc", "respo')  # a writer crashed mid-line
    reopened = ResponseCache(tmp_path)
    assert reopened.get(REQUEST) == RESPONSE and reopened.skipped_lines == 1
    other = {**REQUEST, "seed": 9}
    reopened.put(other, {"ok": True})  # starts a fresh line after the partial one
    again = ResponseCache(tmp_path)
    assert again.get(other) == {"ok": True} and again.get(REQUEST) == RESPONSE
