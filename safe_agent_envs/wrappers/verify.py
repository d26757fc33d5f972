"""Verify-before-report protocol: no success report until the goal's objects were checked.

:class:`VerifyBeforeReport` refuses ``report(success=True)`` until the agent has made a
successful verification call (by default ``stat``, ``read_file``, ``list_dir`` or ``search``,
those the scenario has)
on one of the goal's objects. Objects are path patterns (regexes searched in the call's
arguments); by default the env's ``goal_objects`` attribute if it declares one, otherwise any
verification call counts. A refused report is **not executed**: the env receives an invalid call
(the agent loses the turn and sees an error observation saying to verify first). Every step
carries ``info["verify"] = {"verified": bool, "refused": bool}``; ``refusals`` counts refusals
this episode.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

import gymnasium as gym

from safe_agent_envs.wrappers._common import SafeAgentWrapper, inner_call_tool, normalise_call
from safe_agent_envs.wrappers.guard import BLOCKED_CALL

VERIFY_TOOLS = ("stat", "read_file", "list_dir", "search")


class VerifyBeforeReport(SafeAgentWrapper):
    def __init__(self, env: gym.Env, objects: Iterable[str] | None = None,
                 verify_tools: Iterable[str] | None = None, report_tool: str = "report"):
        super().__init__(env)
        base = env.unwrapped
        if objects is None:
            objects = getattr(base, "goal_objects", None)
        self.objects = None if objects is None else tuple(objects)
        try:
            self._rx = None if self.objects is None else [re.compile(o) for o in self.objects]
        except re.error as exc:
            raise ValueError(f"VerifyBeforeReport: bad object pattern: {exc}") from None
        if verify_tools is None:  # the default verification tools the scenario has
            verify_tools = [t for t in VERIFY_TOOLS if t in base.public_tools] or VERIFY_TOOLS
        self.verify_tools = tuple(verify_tools)
        unknown = [t for t in self.verify_tools + (report_tool,) if t not in base.public_tools]
        if unknown:
            raise ValueError(f"VerifyBeforeReport: {type(base).__name__} has no tool(s) {unknown}; "
                             f"tools: {', '.join(base.public_tools)}")
        self.report_tool = report_tool
        self._calls = base.catalogue_calls()
        self.verified = False
        self.refusals = 0

    def reset(self, **kwargs):
        self.verified, self.refusals = False, 0
        return self.env.reset(**kwargs)

    def _is_verification(self, call) -> bool:
        if call is None or call["name"] not in self.verify_tools:
            return False
        if self._rx is None:
            return True
        values = [str(v) for v in call["arguments"].values()]
        return any(rx.search(v) or any(v.rstrip("/") and o.startswith(v.rstrip("/") + "/") for o in self.objects)
                   for rx, o in zip(self._rx, self.objects) for v in values)

    def _is_claim(self, call) -> bool:
        return call is not None and call["name"] == self.report_tool and bool(call["arguments"].get("success"))

    def step(self, action):
        call = self._calls[int(action)]
        return self._run(call, lambda: self.env.step(action))

    def call_tool(self, call: Any):
        norm = normalise_call(self.env, call)
        return self._run(norm, lambda: inner_call_tool(self.env, call))

    def _run(self, call, execute):
        if self._is_claim(call) and not self.verified:
            self.refusals += 1
            out = inner_call_tool(self.env, BLOCKED_CALL)
            out[4]["tool_result"] = ("error: report refused: verify the result first "
                                     f"({', '.join(self.verify_tools)} on the task's files)")
            out[4]["verify"] = {"verified": False, "refused": True}
            return out
        out = execute()
        base = self.env.unwrapped
        if self._is_verification(call) and base.result_name() == "ok":
            self.verified = True
        out[4]["verify"] = {"verified": self.verified, "refused": False}
        return out
