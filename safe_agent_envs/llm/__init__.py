"""LLM backends for safe_agent_envs (``llm`` extra): local models, an OpenAI-compatible server,
tool-call parsing and a response cache.

Submodules are imported on demand so that ``import safe_agent_envs.llm`` stays cheap:

* :mod:`.tool_parsing` — ``parse_tool_call``, ``ToolCall``, ``ParseFailure``, ``looks_like_refusal``
  (standard library only);
* :mod:`.cache` — ``ResponseCache`` (standard library only);
* :mod:`.prompting` — message normalisation and tool prompts (standard library only);
* :mod:`.local_model` — ``LocalChatModel``, ``default_smollm2_path`` (torch, transformers, gguf);
* :mod:`.server` — ``create_app``, ``serve_in_thread``, ``python -m safe_agent_envs.llm.server``
  (fastapi, uvicorn).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "parse_tool_call": "tool_parsing",
    "ToolCall": "tool_parsing",
    "ParseFailure": "tool_parsing",
    "looks_like_refusal": "tool_parsing",
    "ResponseCache": "cache",
    "LocalChatModel": "local_model",
    "default_smollm2_path": "local_model",
    "serve_in_thread": "server",
    "create_app": "server",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
