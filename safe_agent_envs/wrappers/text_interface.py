"""Text interface for LLM agents: chat messages in, tool calls out, on any SafeAgent env.

Observation: ``{"messages": [...], "tools": [...], "candidates": [...]}`` -- the conversation so far
as OpenAI chat messages (system prompt and task with the conditions rendered in, assistant tool
calls, tool results as ``tool`` messages), the tools as OpenAI function-calling schemas, and the
catalogue's concrete calls (for constrained-choice decoding of small models).

Action: any of

* ``{"name": ..., "arguments": {...}}`` or an OpenAI ``tool_calls`` entry -- run on the world;
* ``{"text": "..."}`` or a plain string -- a JSON call is looked for inside the text; free text
  with no valid call is an ``invalid_tool_call`` event with the reason fed back to the model, and a
  text refusal is recorded as such (``info["text_refusal"]``), since chat-vs-agent comparisons need
  it;
* ``{"error": "..."}`` -- the model server failed after its retries: the episode is truncated and
  the error recorded in ``episode_metrics["model_error"]``, so an evaluation keeps going.

On a chat twin (``SafeAgent/<Name>Chat-v0``) the same wrapper poses the twin's question as a plain
chat with no tools (``tools`` is empty; ``candidates`` lists the answer choices) and maps the reply
text to an answer with the twin's deterministic classifier (unclassifiable answers are recorded,
never guessed).

Nothing here raises on model output. An LLM agent loop is five lines::

    env = TextAgentWrapper(gym.make("SafeAgent/Shutdown-v0"))
    obs, info = env.reset(seed=0)
    while "episode_metrics" not in info:
        obs, reward, terminated, truncated, info = env.step(policy.act(obs))
    print(info["episode_metrics"])
"""

from __future__ import annotations

import json
from typing import Any

import gymnasium as gym

from safe_agent_envs.llm.tool_parsing import ParseFailure, looks_like_refusal, parse_tool_call

RETRY_HINT = 'Reply with exactly one tool call as JSON: {"name": "<tool>", "arguments": {...}}.'


class TextAgentWrapper(gym.Wrapper):
    """Chat-style agent loop over a SafeAgent env (see module docstring).

    The observation is a dict of chat messages, not a Gymnasium space: use this wrapper with LLM
    policies, not with SB3. ``info["episode_metrics"]`` gains ``text_refusals``,
    ``invalid_calls`` and ``model_error``.
    """

    def __init__(self, env: gym.Env):
        super().__init__(env)
        base = env.unwrapped
        if not hasattr(base, "call_tool"):
            raise TypeError(f"TextAgentWrapper needs a SafeAgent env with call_tool(); got {type(base).__name__}")
        self.chat = hasattr(base, "step_text")  # a chat twin: plain chat, answers classified from text
        self._tools = [] if self.chat else base.tool_schemas()
        self._tool_names = list(base.public_tools)
        self._candidates = ([f"Answer: {k}" for k in range(base.action_space.n)] + ["Answer: R"]
                            if self.chat else base.catalogue_calls())
        self.messages: list[dict[str, Any]] = []
        self._n_calls = 0
        self._counts = {"text_refusals": 0, "invalid_calls": 0}

    def _observation(self) -> dict[str, Any]:
        return {"messages": [dict(m) for m in self.messages], "tools": self._tools, "candidates": self._candidates}

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        _, info = self.env.reset(seed=seed, options=options)
        base = self.env.unwrapped
        self.messages = [dict(m) for m in (base.question() if self.chat else base.briefing())]
        self._n_calls = 0
        self._counts = {"text_refusals": 0, "invalid_calls": 0}
        return self._observation(), info

    def step(self, action: Any):
        if isinstance(action, dict) and "error" in action and "name" not in action:
            return self._model_failed(str(action["error"]))
        if self.chat:
            return self._chat_answer(action)
        text = None
        if isinstance(action, str):
            text = action
        elif isinstance(action, dict) and "text" in action and "name" not in action:
            text = str(action["text"])
        parsed = parse_tool_call(action if text is None else text, self._tool_names)
        refusal = text is not None and looks_like_refusal(text)
        if isinstance(parsed, ParseFailure):
            return self._no_call(text if text is not None else json.dumps(action, default=str), parsed.reason, refusal)
        self._n_calls += 1
        call_id = f"call_{self._n_calls}"
        call = {"name": parsed.name, "arguments": parsed.arguments}
        obs, reward, terminated, truncated, info = self.env.unwrapped.call_tool(call)
        self.messages.append({"role": "assistant", "content": text or None, "tool_calls": [
            {"id": call_id, "type": "function",
             "function": {"name": parsed.name, "arguments": json.dumps(parsed.arguments)}}]})
        self.messages.append({"role": "tool", "tool_call_id": call_id, "content": info["tool_result"]})
        info["text_refusal"] = refusal
        if refusal:
            self._counts["text_refusals"] += 1  # refused in words, yet the tool call fired
        return self._out(reward, terminated, truncated, info)

    def _chat_answer(self, action: Any):
        """A chat twin's answer: text is classified by the twin; a tool-call dict is the answer."""
        base = self.env.unwrapped
        if isinstance(action, dict) and "name" in action:
            text = json.dumps(action)
            obs, reward, terminated, truncated, info = base.call_tool(action)
        else:
            text = action if isinstance(action, str) else str(action.get("text", "")) if isinstance(action, dict) else str(action)
            obs, reward, terminated, truncated, info = base.step_text(text)
        refusal = looks_like_refusal(text)
        self._counts["text_refusals"] += int(refusal)
        self.messages.append({"role": "assistant", "content": text})
        if not (terminated or truncated):
            self.messages.append({"role": "user", "content": info.get("tool_result") or "Noted. What should be done next?"})
        info["text_refusal"] = refusal
        return self._out(reward, terminated, truncated, info)

    def _no_call(self, text: str, reason: str, refusal: bool):
        self._counts["invalid_calls"] += 1
        self._counts["text_refusals"] += int(refusal)
        # the world sees an invalid call (same event, step cost and step limit as any other)
        obs, reward, terminated, truncated, info = self.env.unwrapped.call_tool("")
        feedback = f"error: no valid tool call ({reason}). {RETRY_HINT}"
        self.messages.append({"role": "assistant", "content": text})
        self.messages.append({"role": "user", "content": feedback})
        info["tool_result"] = feedback
        info["text_refusal"] = refusal
        return self._out(reward, terminated, truncated, info)

    def _model_failed(self, error: str):
        base = self.env.unwrapped
        base._episode_over = True  # the episode cannot go on without a model
        metrics = base.episode_metrics()
        info = {"channels": {"helpfulness": 0.0, "safety": 0.0}, "events": [], "model_error": error,
                "episode_metrics": {**metrics, **self._counts, "model_error": error}}
        return self._observation(), 0.0, False, True, info

    def _out(self, reward, terminated, truncated, info):
        if "episode_metrics" in info:
            info["episode_metrics"] = {**info["episode_metrics"], **self._counts, "model_error": None}
        return self._observation(), reward, terminated, truncated, info
