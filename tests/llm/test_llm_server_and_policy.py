"""The OpenAI-compatible server (with a fake model) and the OpenAI policy, incl. retries.

No real model here: these tests are fast and deterministic. Real-model tests are in
test_llm_local_model.py."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

openai = pytest.importorskip("openai", reason="the llm extra (openai) is not installed")
pytest.importorskip("fastapi", reason="the llm extra (fastapi) is not installed")
pytest.importorskip("uvicorn", reason="the llm extra (uvicorn) is not installed")

from safe_agent_envs.llm.server import serve_in_thread  # noqa: E402
from safe_agent_envs.policies.openai_policy import ModelServerError, OpenAIPolicy  # noqa: E402


def client_for(base_url: str) -> Any:
    return openai.OpenAI(base_url=base_url, api_key="EMPTY", max_retries=0, timeout=10)


# -- server ------------------------------------------------------------------------------------


def test_server_returns_tool_calls_shape(fake_model: Any, tools: list, messages: list) -> None:
    # The server prefills '{"name": "', so the model's continuation starts inside the name.
    model = fake_model('delete_file", "arguments": {"path": "/data/customers/4411.csv"}}')
    with serve_in_thread(model) as handle:
        assert handle.base_url.startswith("http://127.0.0.1:")
        client = client_for(handle.base_url)
        assert [m.id for m in client.models.list().data] == ["fake-model"]
        resp = client.chat.completions.create(model="fake-model", messages=messages, tools=tools, max_tokens=32, seed=5)
    choice = resp.choices[0]
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    call = choice.message.tool_calls[0]
    assert call.type == "function" and call.id.startswith("call_")
    assert call.function.name == "delete_file"
    assert json.loads(call.function.arguments) == {"path": "/data/customers/4411.csv"}
    assert resp.usage.total_tokens == resp.usage.prompt_tokens + resp.usage.completion_tokens
    sent = model.calls[0]
    assert sent["prefill"] == '{"name": "' and sent["max_new_tokens"] == 32 and sent["seed"] == 5
    assert "read_file(path: string)" in sent["messages"][0]["content"]  # tools rendered in the prompt


def test_server_plain_content_when_not_a_call(fake_model: Any, tools: list, messages: list) -> None:
    with serve_in_thread(fake_model("I won't do that.")) as handle:
        client = client_for(handle.base_url)
        with_tools = client.chat.completions.create(model="m", messages=messages, tools=tools)
        no_tools = client.chat.completions.create(model="m", messages=messages)
        forced = client.chat.completions.create(
            model="m", messages=messages, tools=tools, tool_choice={"type": "function", "function": {"name": "report"}}
        )
    assert with_tools.choices[0].message.tool_calls is None
    assert with_tools.choices[0].message.content == '{"name": "I won\'t do that.'  # prefill kept, as generated
    assert no_tools.choices[0].message.content == "I won't do that."
    assert no_tools.choices[0].finish_reason == "stop"
    assert forced.choices[0].message.content.startswith('{"name": "report", "arguments": ')


def test_server_rejects_bad_requests_with_openai_errors(fake_model: Any, tools: list, messages: list) -> None:
    with serve_in_thread(fake_model("x")) as handle:
        client = client_for(handle.base_url)
        for kwargs, fragment in [
            ({"n": 2}, "n=1"),
            ({"messages": []}, "non-empty"),
            ({"tools": tools, "tool_choice": {"type": "function", "function": {"name": "nope"}}}, "not among"),
            ({"max_tokens": 0}, "max_tokens"),
        ]:
            call = {"model": "m", "messages": messages, **kwargs}
            with pytest.raises(openai.BadRequestError, match=fragment):
                client.chat.completions.create(**call)
        with pytest.raises(openai.BadRequestError, match="messages"):
            client.post("/chat/completions", body={"model": "m"}, cast_to=dict)


# -- policy against the server -------------------------------------------------------------------


def test_policy_native_tool_call_and_cache_replay(fake_model: Any, tools: list, messages: list, tmp_path: Path) -> None:
    model = fake_model('report", "arguments": {"success": true, "summary": "done"}}')
    obs = {"messages": messages, "tools": tools}
    with serve_in_thread(model) as handle:
        policy = OpenAIPolicy("fake-model", base_url=handle.base_url, cache=tmp_path, timeout=5)
        policy.reset(seed=0)
        action = policy.act(obs)
    assert action == {"name": "report", "arguments": {"success": True, "summary": "done"}}
    assert policy.last_info["parsed_from"] == "tool_calls" and policy.last_info["attempts"] == 1
    # Offline replay: same seed, same observation, server gone -> served from the cache.
    offline = OpenAIPolicy("fake-model", base_url="http://127.0.0.1:9/v1", cache=tmp_path, max_retries=0, timeout=1)
    offline.reset(seed=0)
    assert offline.act(obs) == action and offline.last_info["cached"] is True


def test_policy_text_and_refusal_replies(fake_model: Any, tools: list, messages: list) -> None:
    with serve_in_thread(fake_model("I can't help with deleting customer data.")) as handle:
        policy = OpenAIPolicy("m", base_url=handle.base_url, timeout=5)
        policy.reset()
        action = policy.act({"messages": messages})  # no tools: plain content
    assert action == {"text": "I can't help with deleting customer data."}
    assert policy.last_info["refusal"] is True and "parse_failure" in policy.last_info


def test_policy_rejects_malformed_observations() -> None:
    policy = OpenAIPolicy("m", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(TypeError, match="messages"):
        policy.act("not a dict")
    with pytest.raises(ValueError, match="non-empty"):
        policy.act({"messages": []})


# -- retries and recorded errors -------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """Answers per the server's ``mode``: 500, hang, or 400-on-native-tools."""

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.bodies.append(body)  # type: ignore[attr-defined]
        mode = self.server.mode  # type: ignore[attr-defined]
        if mode == "hang":
            time.sleep(1.0)
            return
        if mode == "500" or (mode == "no-tools" and "tools" in body):
            status = 500 if mode == "500" else 400
            payload = {"error": {"message": "boom" if status == 500 else "tools are not supported"}}
        else:
            status = 200
            content = '{"name": "read_file", "arguments": {"path": "/a"}}'
            payload = {
                "id": "x", "object": "chat.completion", "created": 0, "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content}}],
            }
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def stub_server(request: pytest.FixtureRequest) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.mode = request.param  # type: ignore[attr-defined]
    server.bodies = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


@pytest.mark.parametrize("stub_server", ["500"], indirect=True)
def test_bounded_retries_on_500_then_recorded_error(stub_server: ThreadingHTTPServer, messages: list) -> None:
    policy = OpenAIPolicy("m", base_url=_url(stub_server), max_retries=2, backoff=0.01, timeout=2)
    action = policy.act({"messages": messages})
    assert set(action) == {"error"} and "after 3 attempt(s)" in action["error"]
    assert len(stub_server.bodies) == 3 and policy.last_info["error"] == action["error"]  # type: ignore[attr-defined]
    strict = OpenAIPolicy("m", base_url=_url(stub_server), max_retries=1, backoff=0.01, timeout=2, raise_on_error=True)
    with pytest.raises(ModelServerError, match="after 2 attempt"):
        strict.act({"messages": messages})


@pytest.mark.parametrize("stub_server", ["hang"], indirect=True)
def test_timeouts_are_retried_then_recorded(stub_server: ThreadingHTTPServer, messages: list) -> None:
    policy = OpenAIPolicy("m", base_url=_url(stub_server), max_retries=1, backoff=0.01, timeout=0.2)
    action = policy.act({"messages": messages})
    assert "error" in action and "Timeout" in action["error"]
    assert policy.last_info["attempts"] == 2


def test_nothing_listening_is_a_recorded_error(messages: list) -> None:
    with socket.socket() as sock:  # find a free port, then close it: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    policy = OpenAIPolicy("m", base_url=f"http://127.0.0.1:{port}/v1", max_retries=2, backoff=0.01, timeout=1)
    action = policy.act({"messages": messages})
    assert "error" in action and "Connection" in action["error"] and policy.last_info["attempts"] == 3


@pytest.mark.parametrize("stub_server", ["no-tools"], indirect=True)
def test_falls_back_to_text_tools_when_native_tools_rejected(
    stub_server: ThreadingHTTPServer, messages: list, tools: list
) -> None:
    policy = OpenAIPolicy("m", base_url=_url(stub_server), max_retries=0, timeout=2)
    action = policy.act({"messages": messages, "tools": tools})
    assert action == {"name": "read_file", "arguments": {"path": "/a"}}
    assert policy.native_tools is False and policy.last_info["parsed_from"] == "text"
    first, second = stub_server.bodies  # type: ignore[attr-defined]
    assert "tools" in first and "tools" not in second
    assert "You can call these tools" in second["messages"][0]["content"]
