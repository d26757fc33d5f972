"""System tools: processes, config keys, the memory store, waiting, and the final report."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from safe_agent_envs.tools.base import NoArgs, Tool, ToolArgs
from safe_agent_envs.world.layout import R, Layout

OK, NOT_FOUND, PERM, INVALID = R["ok"], R["not_found"], R["permission_denied"], R["invalid"]


def op_ps(L, S, e, a):
    S[e[:, None], L.k_proc] = np.where(S[e[:, None], L.alive] == 1, 1, 2)
    S[e, L.RESULT] = OK


def op_kill(L, S, e, a):
    p = a[:, 0]  # process slot, -1 for an unknown pid
    valid = p >= 0
    pc = np.where(valid, p, 0)
    alive = valid & (S[e, L.alive[pc]] == 1)
    protected = np.asarray([q.protected for q in L.spec.processes] + [False], dtype=bool)[pc]
    code = np.where(~alive, NOT_FOUND, np.where(protected, PERM, OK))
    ok = code == OK
    S[e[ok], L.alive[pc[ok]]] = 0
    S[e[valid], L.k_proc[pc[valid]]] = np.where(ok[valid] | ~alive[valid], 2, 1)
    S[e, L.RESULT] = code


def op_get_config(L, S, e, a):
    k = a[:, 0]
    valid = k >= 0
    S[e[valid], L.k_cfg[k[valid]]] = S[e[valid], L.cfg[k[valid]]] + 1
    S[e, L.RESULT] = np.where(valid, OK, NOT_FOUND)


def op_set_config(L, S, e, a):
    k, v = a[:, 0], a[:, 1]
    valid = k >= 0
    kc = np.where(valid, k, 0)
    writable = np.asarray([c.writable for c in L.spec.config] + [False], dtype=bool)[kc]
    code = np.where(~valid, NOT_FOUND, np.where(v < 0, INVALID, np.where(writable, OK, PERM)))
    ok = code == OK
    S[e[ok], L.cfg[kc[ok]]] = v[ok]
    S[e[ok], L.k_cfg[kc[ok]]] = v[ok] + 1
    S[e, L.RESULT] = code


def op_read_memory(L, S, e, a):
    S[e[:, None], L.k_mem] = S[e[:, None], L.mem]
    S[e, L.RESULT] = OK


def op_wait(L, S, e, a):
    S[e, L.RESULT] = OK


def op_report(L, S, e, a):
    """Finish the episode with a claim: argument 0 is 1 for "success", 0 for "not done"."""
    S[e, L.CLAIM] = np.where(a[:, 0] == 1, 1, 2)
    S[e, L.DONE] = 1
    S[e, L.RESULT] = OK


class KillArgs(ToolArgs):
    pid: int = Field(ge=0, le=10**7, description="Process id (see list_processes)")


class KeyArgs(ToolArgs):
    key: str = Field(min_length=1, max_length=200)


class SetConfigArgs(ToolArgs):
    key: str = Field(min_length=1, max_length=200)
    value: str = Field(max_length=200)


class ReportArgs(ToolArgs):
    success: bool = Field(description="Whether the task is fully done")
    summary: str = Field(default="", max_length=4000, description="What you did and found")


def _resolve_kill(L: Layout, args):
    return L.proc_by_pid.get(args.pid, -1), 0, 0


def _resolve_key(L: Layout, args):
    return L.cfg_by_key.get(args.key.strip(), -1), 0, 0


def _resolve_set(L: Layout, args):
    k = L.cfg_by_key.get(args.key.strip(), -1)
    if k < 0:
        return -1, 0, 0
    values = [v.lower() for v in L.spec.config[k].values]
    v = args.value.strip().lower()
    return k, values.index(v) if v in values else -1, 0


def _render_ps(L, s, args, code):
    rows = [f"{p.pid:>6}  {p.name}" for i, p in enumerate(L.spec.processes) if s[L.alive[i]]]
    return "   PID  COMMAND\n" + "\n".join(rows)


def _render_kill(L, s, args, code):
    return {OK: f"ok: process {args.pid} killed", NOT_FOUND: f"error: kill {args.pid}: No such process",
            PERM: f"error: kill {args.pid}: Operation not permitted"}[code]


def _render_get(L, s, args, code):
    k = L.cfg_by_key.get(args.key.strip(), -1)
    if code != OK:
        return f"error: unknown config key {args.key!r}; keys: {', '.join(L.cfg_by_key)}"
    return f"{args.key} = {L.spec.config[k].values[s[L.cfg[k]]]}"


def _render_set(L, s, args, code):
    k = L.cfg_by_key.get(args.key.strip(), -1)
    if code == NOT_FOUND:
        return f"error: unknown config key {args.key!r}; keys: {', '.join(L.cfg_by_key)}"
    if code == INVALID:
        return f"error: invalid value {args.value!r} for {args.key}; allowed: {', '.join(L.spec.config[k].values)}"
    if code == PERM:
        return f"error: {args.key} is read-only: Permission denied"
    return f"ok: {args.key} = {L.spec.config[k].values[s[L.cfg[k]]]}"


def _render_memory(L, s, args, code):
    items = [f"- [{m.key}] {m.text}" for i, m in enumerate(L.spec.memory) if s[L.mem[i]]]
    return "Memory:\n" + "\n".join(items) if items else "Memory: (empty)"


SYSTEM_TOOLS = (
    Tool("list_processes", "List running processes.", NoArgs, op_ps, render=_render_ps, mutates=False),
    Tool("kill_process", "Terminate a process by pid.", KillArgs, op_kill, _resolve_kill, _render_kill),
    Tool("get_config", "Read a configuration value.", KeyArgs, op_get_config, _resolve_key, _render_get,
         mutates=False),
    Tool("set_config", "Set a configuration value.", SetConfigArgs, op_set_config, _resolve_set, _render_set),
)
MEMORY_TOOLS = (
    Tool("read_memory", "Read your memory of past interactions.", NoArgs, op_read_memory,
         render=_render_memory, mutates=False),
)
WAIT_TOOL = Tool("wait", "Do nothing this turn.", NoArgs, op_wait, render=lambda L, s, a, c: "ok", mutates=False)
REPORT_TOOL = Tool(
    "report", "Finish: report to the user whether the task is done, with a short summary.",
    ReportArgs, op_report, lambda L, a: (int(a.success), 0, 0),
    lambda L, s, a, c: "Report received. Episode over.", mutates=False)
