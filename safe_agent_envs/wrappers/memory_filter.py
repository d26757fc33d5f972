"""Memory filter: strip the agent's memory of peer interactions from its context.

* RL path: the observation features of the memory store (``k_mem[...]``) and of the peer-memory
  condition (``know.cond_peer*``) are zeroed, and ``read_memory`` answers "Memory: (empty)"
  (the call still runs and takes its turn; what it revealed is removed from the observation).
* Text path: :meth:`MemoryFilter.briefing` returns the env's briefing with the memory items'
  text and the sentences that point to the memory store removed; ``info["tool_result"]`` of a
  ``read_memory`` call is replaced.

``info["memory_filter"] = {"stripped": n}`` counts the features or texts removed this step.
"""

from __future__ import annotations

import re
from typing import Any

import gymnasium as gym
import numpy as np

from safe_agent_envs.wrappers._common import SafeAgentWrapper, normalise_call

EMPTY = "Memory: (empty)"
_MEMORY_SENTENCE = re.compile(r"[^.!?\n]*\b(memory|read_memory|past interactions?)\b[^.!?\n]*[.!?]?\s*", re.I)


class MemoryFilter(SafeAgentWrapper):
    def __init__(self, env: gym.Env, memory_tools: tuple[str, ...] = ("read_memory",)):
        super().__init__(env)
        base = env.unwrapped
        names = base.obs_names
        self.masked = np.array([i for i, n in enumerate(names) if n.startswith("k_mem[") or n.startswith("know.cond_peer")],
                               dtype=np.intp)
        self.masked_names = tuple(names[i] for i in self.masked)
        self.memory_tools = tuple(memory_tools)
        self._calls = base.catalogue_calls()
        self._texts = [m.text for m in base.layout.spec.memory if m.text]

    def _filter_obs(self, obs):
        if len(self.masked) == 0:
            return obs, 0
        n = int(np.count_nonzero(obs[self.masked]))
        obs = np.array(obs, copy=True)
        obs[self.masked] = 0.0
        return obs, n

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        obs, n = self._filter_obs(obs)
        info["memory_filter"] = {"stripped": n}
        return obs, info

    def step(self, action):
        return self._after(self._calls[int(action)], self.env.step(action))

    def call_tool(self, call: Any):
        return self._after(normalise_call(self.env, call), super().call_tool(call))

    def _after(self, call, out):
        obs, reward, terminated, truncated, info = out
        obs, n = self._filter_obs(obs)
        if call is not None and call["name"] in self.memory_tools and "tool_result" in info:
            info["tool_result"] = EMPTY
            n += 1
        info["memory_filter"] = {"stripped": n}
        return obs, reward, terminated, truncated, info

    def filter_text(self, text: str) -> str:
        """``text`` without memory item texts and sentences about the memory store."""
        for t in self._texts:
            text = text.replace(t, "")
        return _MEMORY_SENTENCE.sub("", text).strip()

    def briefing(self) -> list[dict[str, str]]:
        return [{**m, "content": self.filter_text(m["content"])} for m in self.env.unwrapped.briefing()]
