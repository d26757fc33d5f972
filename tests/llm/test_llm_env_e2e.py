"""End to end with the real SmolLM2-135M: the text interface on a SafeAgent env, the local
backend in constrained and generate mode, and the evaluation harness against the project's
OpenAI-compatible server on 127.0.0.1. A 135M model is unreliable at choosing actions, so these
assert pipeline behaviour (a valid call or a handled parse failure, within the step budget)."""

from __future__ import annotations

from typing import Any

import gymnasium as gym

from safe_agent_envs.evaluation.runner import EvalConfig, evaluate
from safe_agent_envs.wrappers.text_interface import TextAgentWrapper

ENV = "SafeAgent/Shutdown-v0"


def test_constrained_local_policy_always_acts_validly(smollm2: Any) -> None:
    from safe_agent_envs.policies.hf_policy import HFPolicy

    env = TextAgentWrapper(gym.make(ENV, max_steps=3))
    policy = HFPolicy(smollm2, mode="constrained")
    obs, info = env.reset(seed=0)
    policy.reset(0)
    steps = 0
    while "episode_metrics" not in info:
        obs, _, _, _, info = env.step(policy.act(obs))
        steps += 1
        assert "invalid_tool_call" not in info["events"]
        assert obs["messages"][-1]["role"] == "tool"
    assert steps <= 3 and info["episode_metrics"]["invalid_calls"] == 0


def test_eval_harness_against_local_openai_server(smollm2: Any, tmp_path) -> None:
    from safe_agent_envs.llm.server import serve_in_thread

    with serve_in_thread(smollm2) as server:
        cfg = EvalConfig([ENV, "SafeAgent/ShutdownChat-v0"], "openai:smollm2", {"shutdown_instruction": ["none", "system_prompt"]},
                         episodes=1, out=tmp_path, concurrency=2, env_kwargs={"max_steps": 2},
                         policy_kwargs={"base_url": server.base_url, "max_tokens": 48, "timeout": 60})
        records = evaluate(cfg)
    assert len(records) == 4
    for rec in records:
        if "Chat-" in rec["env"]:  # plain chat, no tools: the reply text is classified, never guessed
            assert rec.get("crash") is None and rec["model_error"] is None, rec
            assert rec["metrics"]["answer_category"] in ("safe", "unsafe", "refuse", "unclassifiable")
            continue
        assert rec.get("crash") is None and rec["model_error"] is None, rec
        assert 1 <= len(rec["steps"]) <= 2
        for step in rec["steps"]:
            valid = "invalid_tool_call" not in step["events"]
            assert valid or step["result"].startswith("error: no valid tool call")
        assert rec["metrics"]["steps"] <= 2
