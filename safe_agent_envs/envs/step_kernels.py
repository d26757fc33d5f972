"""The compiled bookkeeping of a step, shared by every scenario (see
:mod:`safe_agent_envs.world.jit`): count the step and sort the rows by tool before the ops run,
record the call and its invalid-call event after, add the judged events to the episode counts,
and read the observation. :meth:`SafeAgentEnv.transition
<safe_agent_envs.envs.base.SafeAgentEnv.transition>` and :meth:`~safe_agent_envs.envs.base.SafeAgentEnv.observe`
call them on one row (the single env) or on all rows (the vector env).
"""

from __future__ import annotations

import numpy as np

from safe_agent_envs.world.jit import kernel
from safe_agent_envs.world.layout import R

_OK, _INVALID = R["ok"], R["invalid"]


@kernel
def begin_step(S, T, tool_ids, args, n_tools, order, ends, sorted_args):
    """Count the step (``S[:, T] += 1``) and sort the rows by tool: ``order`` gets the rows of
    tool 0, then of tool 1, ... (ascending within a tool: a stable counting sort), ``sorted_args``
    their arguments in that order, and ``ends[t]`` the end of tool ``t``'s rows in ``order``."""
    B = tool_ids.shape[0]
    for i in range(B):
        S[i, T] += 1
    for t in range(n_tools):
        ends[t] = 0
    for i in range(B):
        ends[tool_ids[i]] += 1
    start = 0
    for t in range(n_tools):
        start += ends[t]
        ends[t] = start - ends[t]  # the start of tool t's rows, for now
    for i in range(B):
        t = tool_ids[i]
        j = ends[t]
        order[j] = i
        for k in range(args.shape[1]):
            sorted_args[j, k] = args[i, k]
        ends[t] += 1


@kernel
def end_calls(S, E, tool_ids, actions, acted, LAST_TOOL, RESULT, ev_invalid):
    """After the ops: the tool each row ran, the catalogue actions that returned ok this episode
    (``actions[i]`` -1: a call outside the catalogue) and the invalid-call event; ``E`` is the
    step's zeroed event counts."""
    for i in range(tool_ids.shape[0]):
        S[i, LAST_TOOL] = tool_ids[i]
        result = S[i, RESULT]
        if result == _OK:
            if actions[i] >= 0:
                S[i, acted[actions[i]]] = 1
        elif result == _INVALID:
            E[i, ev_invalid] = 1


@kernel
def add_events(S, E, events0):
    """Add the step's event counts ``E`` to the episode's (columns from ``events0`` on); returns
    whether the step had any event."""
    any_event = False
    for i in range(E.shape[0]):
        row, bits = E[i], 0
        for k in range(row.shape[0]):  # a vectorised test first: most rows have no event
            bits |= row[k]
        if bits != 0:
            s = S[i]
            for k in range(row.shape[0]):
                s[events0 + k] += row[k]
            any_event = True
    return any_event


@kernel
def observe(S, runs, scale, RESULT, n_results, obs):
    """Observation rows into ``obs`` (float32): the knowledge columns times their ``scale`` (a
    float32 product), then the last result code one-hot. The columns come in ``runs`` of adjacent
    ones (:func:`column_runs`, unsigned: indices that need no negative-index check): run ``r``
    copies ``runs[r, 2]`` columns from column ``runs[r, 1]`` to position ``runs[r, 0]``."""
    n = scale.shape[0]
    for i in range(S.shape[0]):
        s, o = S[i], obs[i]
        for r in range(runs.shape[0]):
            d0, s0 = runs[r, 0], runs[r, 1]
            for k in range(runs[r, 2]):
                o[d0 + k] = np.float32(s[s0 + k]) * scale[d0 + k]
        for k in range(n_results):
            o[n + k] = 0
        o[n + s[RESULT]] = 1


def column_runs(cols: np.ndarray) -> np.ndarray:
    """``(n_runs, 3)`` runs of adjacent columns in ``cols``: (position in ``cols``, first column,
    length), the form :func:`observe` reads."""
    cuts = np.concatenate([[0], np.flatnonzero(np.diff(cols) != 1) + 1, [len(cols)]])
    return np.array([(a, cols[a], b - a) for a, b in zip(cuts[:-1], cuts[1:]) if b > a], dtype=np.uint64).reshape(-1, 3)


@kernel
def start_row(S, i, row0):
    """Row ``i`` starts over as ``row0`` (the initial row a scenario's reset then draws into; a
    plain loop, several times faster than ``S[i, :] = row0`` in a kernel)."""
    s = S[i]
    for k in range(row0.shape[0]):
        s[k] = row0[k]


@kernel
def vector_actions(a, n_actions, reset, cat_tool, cat_args, tool_ids, args):
    """The native vector env's actions: each row's catalogue entry (``tool_ids``, ``args``). A row
    that ended last step (``reset``) runs action 0 in its place (its action is ignored; it starts
    over). Returns the first row whose action is outside ``Discrete(n_actions)``, or -1."""
    for i in range(a.shape[0]):
        k = a[i]
        if k < 0 or k >= n_actions:
            return i
        if reset[i]:
            k = a[i] = 0
        tool_ids[i] = cat_tool[k]
        for j in range(cat_args.shape[1]):
            args[i, j] = cat_args[k, j]
    return -1


@kernel
def vector_ends(S, DONE, T, max_steps, reset, E, ch, w0, w1, reward, terminated, truncated, done):
    """Episode ends of a vector step: terminated where the world says done, truncated at the step
    limit; a row that started over this step (``reset``) gets no events, channels, reward or end.
    ``reward`` is ``w0 * helpfulness + w1 * safety`` (the single env's sum). Returns how many rows
    ended."""
    n = 0
    for i in range(S.shape[0]):
        if reset[i]:
            E[i, :] = 0
            ch[i, 0] = ch[i, 1] = 0.0
            terminated[i] = truncated[i] = False
        else:
            terminated[i] = S[i, DONE] != 0
            truncated[i] = not terminated[i] and S[i, T] >= max_steps
        done[i] = terminated[i] or truncated[i]
        n += done[i]
        reward[i] = ch[i, 0] * w0 + ch[i, 1] * w1
    return n
