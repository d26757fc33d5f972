"""An LLM policy behind any OpenAI-compatible chat-completions server.

Works with vLLM, Ollama, llama.cpp servers, hosted APIs and this project's own
``python -m safe_agent_envs.llm.server``. Needs the ``llm`` extra (``openai``).

Observation: ``{"messages": [OpenAI chat messages], "tools": [OpenAI tool schemas]}``.
Action: ``{"name": str, "arguments": dict}`` for a tool call; ``{"text": str}`` for a reply that is
not one (prose, a refusal, malformed JSON); ``{"error": str}`` when the server could not be reached
or kept failing after the retries (or :class:`ModelServerError` with ``raise_on_error=True``), so
an evaluation records the failure and keeps its finished episodes. ``policy.last_info`` explains
every action (how it was parsed, the parse failure, a refusal guess, attempts, cache hit, usage).

Tools go natively (``tools=``); a call is read from ``message.tool_calls``, else from JSON in the
text (names restricted to the offered tools). If the server rejects the ``tools`` parameter
(HTTP 400), the policy switches once to text mode: tools described in the system prompt.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Mapping

from safe_agent_envs.llm.cache import ResponseCache
from safe_agent_envs.llm.prompting import merge_for_strict_templates, normalize_messages, tool_names, with_tools
from safe_agent_envs.llm.tool_parsing import ToolCall, looks_like_refusal, parse_tool_call

__all__ = ["OpenAIPolicy", "ModelServerError", "split_observation"]


class ModelServerError(RuntimeError):
    """The model server failed (unreachable, timeouts, 5xx, or a non-retryable error) after
    the bounded retries. Raised only with ``raise_on_error=True``; otherwise the policy returns
    ``{"error": message}``."""


def split_observation(observation: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(messages, tools)`` from an LLM observation dict, with a clear error if malformed."""
    if not isinstance(observation, Mapping):
        raise TypeError(
            "LLM policies take observations {'messages': [...], 'tools': [...]} (wrap the env with the "
            f"text interface wrapper); got {type(observation).__name__}"
        )
    messages = observation.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ValueError("observation['messages'] must be a non-empty list of chat messages")
    tools = observation.get("tools") or []
    if not isinstance(tools, list):
        raise ValueError(f"observation['tools'] must be a list of tool schemas, got {type(tools).__name__}")
    return [dict(m) for m in messages], [dict(t) for t in tools]


class OpenAIPolicy:
    """Policy calling ``model`` on an OpenAI-compatible server.

    Args:
        model: model id sent to the server.
        base_url: server URL ending in ``/v1`` (default ``$OPENAI_BASE_URL`` or OpenAI's).
        api_key: default ``$OPENAI_API_KEY``, else ``"EMPTY"`` (local servers ignore it).
        timeout: seconds per request.
        max_retries: retries after the first attempt, for connection errors, timeouts, 429 and 5xx.
        backoff, backoff_max: sleep ``min(backoff * 2**attempt, backoff_max)`` between attempts.
        temperature, max_tokens: sampling parameters; ``seed`` (from :meth:`reset`) is sent as
            ``seed + step`` so episodes replay.
        tool_choice: sent with native tools (``"auto"``, ``"required"`` or a function dict).
        native_tools: False starts in text mode (tools described in the prompt).
        cache: a :class:`ResponseCache` or a directory; hits skip the server (offline replay).
        raise_on_error: raise :class:`ModelServerError` instead of returning ``{"error": ...}``.
        client: a ready ``openai.OpenAI`` client (tests); its own retries should be 0.
        extra_body: extra JSON fields for servers that take them (e.g. vLLM options).
    """

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        backoff_max: float = 8.0,
        temperature: float = 0.0,
        max_tokens: int = 256,
        tool_choice: Any = "auto",
        native_tools: bool = True,
        cache: ResponseCache | str | os.PathLike[str] | None = None,
        raise_on_error: bool = False,
        client: Any = None,
        extra_body: Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        if timeout <= 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout}")
        self.model = model
        self.name = name or f"openai:{model}"
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL")
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.backoff_max = float(backoff_max)
        self.temperature = float(temperature)
        self.max_tokens = int(max_tokens)
        self.tool_choice = tool_choice
        self.native_tools = bool(native_tools)
        self.raise_on_error = bool(raise_on_error)
        self.extra_body = dict(extra_body or {})
        self.cache = ResponseCache(cache) if isinstance(cache, (str, Path, os.PathLike)) else cache
        if client is None:
            import openai

            client = openai.OpenAI(
                base_url=self.base_url,
                api_key=api_key or os.environ.get("OPENAI_API_KEY") or "EMPTY",
                timeout=self.timeout,
                max_retries=0,  # retries are ours: bounded, with backoff, then a recorded error
            )
        self.client = client
        self._seed: int | None = None
        self._step = 0
        self._messages: list[dict[str, Any]] = []
        self.last_info: dict[str, Any] = {}

    def reset(self, seed: int | None = None) -> None:
        """Start an episode; ``seed`` makes sampled requests reproducible (``seed + step``)."""
        self._seed = seed
        self._step = 0
        self.last_info = {}

    # -- requests ----------------------------------------------------------------------------

    def build_request(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> dict[str, Any]:
        """The JSON request body (also the cache key) for one step."""
        request: dict[str, Any] = {"model": self.model, "max_tokens": self.max_tokens, "temperature": self.temperature}
        if tools and self.native_tools:
            request.update(messages=messages, tools=tools, tool_choice=self.tool_choice)
        elif tools:
            plain = merge_for_strict_templates(normalize_messages(messages))
            request["messages"] = with_tools(plain, tools)
        else:
            request["messages"] = messages
        if self._seed is not None:
            request["seed"] = int(self._seed) + self._step
        if self.extra_body:
            request["extra_body"] = self.extra_body
        return request

    def _send(self, request: dict[str, Any]) -> dict[str, Any]:
        body = dict(request)
        extra = body.pop("extra_body", None)
        response = self.client.chat.completions.create(**body, extra_body=extra, timeout=self.timeout)
        return response.model_dump() if hasattr(response, "model_dump") else dict(response)

    def _call(self, request: dict[str, Any], tools: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, str, int]:
        """Send with bounded retries. Returns ``(response, error_message, attempts)``."""
        import openai

        attempts, last_error = 0, ""
        while attempts <= self.max_retries:
            attempts += 1
            try:
                return self._send(request), "", attempts
            except openai.BadRequestError as exc:
                if tools and self.native_tools and "tools" in request:
                    self.native_tools = False  # server rejects native tools: describe them instead
                    request.clear()
                    request.update(self.build_request(self._messages, tools))
                    attempts -= 1
                    continue
                return None, f"request rejected by the server (HTTP 400): {exc}", attempts
            except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError) as exc:
                last_error = f"{type(exc).__name__}: {exc}"
            except openai.APIStatusError as exc:
                if exc.status_code < 500 and exc.status_code not in (408, 409, 429):
                    return None, f"server refused the request (HTTP {exc.status_code}): {exc}", attempts
                last_error = f"HTTP {exc.status_code}: {exc}"
            if attempts <= self.max_retries:
                time.sleep(min(self.backoff * (2 ** (attempts - 1)), self.backoff_max))
        return None, f"model server failed after {attempts} attempt(s) at {self.base_url or 'default URL'}: {last_error}", attempts

    # -- acting ------------------------------------------------------------------------------

    def act(self, observation: Any) -> dict[str, Any]:
        """One tool-call action (or ``{"text": ...}`` / ``{"error": ...}``) for ``observation``."""
        messages, tools = split_observation(observation)
        self._messages = messages
        request = self.build_request(messages, tools)
        self._step += 1
        cached = self.cache.get(request) if self.cache is not None else None
        info: dict[str, Any] = {"cached": cached is not None, "attempts": 0}
        if cached is not None:
            response = cached
        else:
            response, error, info["attempts"] = self._call(request, tools)
            if response is None:
                self.last_info = {**info, "error": error}
                if self.raise_on_error:
                    raise ModelServerError(error)
                return {"error": error}
            if self.cache is not None:
                self.cache.put(request, response)
        action, details = self.response_to_action(response, tool_names(tools))
        self.last_info = {**info, **details, "usage": response.get("usage")}
        if "error" in action and self.raise_on_error:
            raise ModelServerError(action["error"])
        return action

    @staticmethod
    def response_to_action(response: Mapping[str, Any], offered: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Map a chat-completions response dict to ``(action, info)``."""
        try:
            message = response["choices"][0]["message"]
        except (KeyError, IndexError, TypeError):
            return {"error": f"malformed server response (no choices[0].message): {str(response)[:200]}"}, {}
        content = message.get("content") or message.get("refusal") or ""
        calls = message.get("tool_calls") or []
        if calls:
            parsed = parse_tool_call(calls[0])  # native calls pass through; the env judges the name
            how = "tool_calls"
        else:
            parsed = parse_tool_call(content, offered or None)
            how = "text"
        info: dict[str, Any] = {"parsed_from": how, "content": content, "refusal": looks_like_refusal(content)}
        if len(calls) > 1:
            info["ignored_tool_calls"] = len(calls) - 1
        if isinstance(parsed, ToolCall):
            return parsed.to_action(), info
        info["parse_failure"] = parsed.reason
        return {"text": content or parsed.text}, info

    def __repr__(self) -> str:
        return f"OpenAIPolicy(model={self.model!r}, base_url={self.base_url!r})"
