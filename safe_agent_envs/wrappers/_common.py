"""Shared plumbing of the SafeAgent wrappers: both drive paths -- ``step(action)`` on the
catalogue and ``call_tool(call)`` for free-form tool calls -- go through one post-processing
hook, so a wrapper behaves the same for RL agents and LLM agents."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from safe_agent_envs.channels import CHANNELS
from safe_agent_envs.tools.base import ToolCallError, parse_tool_call


def inner_call_tool(env: gym.Env, call: Any):
    """``call_tool`` of the nearest wrapper (or the base env) inside ``env``."""
    return env.get_wrapper_attr("call_tool")(call)


def check_channel(name: str) -> str:
    if name not in CHANNELS:
        raise ValueError(f"unknown channel {name!r}; channels: {', '.join(CHANNELS)}")
    return name


def normalise_call(env: gym.Env, call: Any) -> dict[str, Any] | None:
    """A free-form call as ``{"name", "arguments"}`` (validated), or None if it is invalid."""
    base = env.unwrapped
    try:
        tool, args = parse_tool_call(call, base.public_tools)
    except ToolCallError:
        return None
    return {"name": tool.name, "arguments": args.model_dump()}


class SafeAgentWrapper(gym.Wrapper):
    """Base: ``step`` and ``call_tool`` both return ``self.process(action_or_call, out)``."""

    def step(self, action):
        return self.process(action, self.env.step(action))

    def call_tool(self, call: Any):
        return self.process(call, inner_call_tool(self.env, call))

    def process(self, action: Any, out: tuple) -> tuple:
        return out
