"""Compiled primitives of the file tools, for kernels that handle one row ``i`` at a time (see
:mod:`safe_agent_envs.world.jit`): find a file by path, take a spare slot, look up a check's
outcome (or find and check in one), record what looking at a path teaches, place a file, and
note a file's exists and path cells in a change log before an op writes them.

``fc`` is ``Layout.file_cols``: ``fc[f, FIELD]`` is the column of field ``FIELD`` (positions in
``FILE_FIELDS``: :data:`EXISTS`, :data:`PATH`, ...) of file slot ``f``. A slot of -1 means "no such
file".
"""

from __future__ import annotations

import numpy as np

from safe_agent_envs.tools.file_rules import NO_SPACE, NOT_FOUND, OK
from safe_agent_envs.world.jit import kernel
from safe_agent_envs.world.layout import FILE_FIELDS, K_ABSENT, K_PRESENT

EXISTS, PATH, MODE, CONTENT, PROV, MTIME, K_SEEN, K_READ = range(len(FILE_FIELDS))
assert FILE_FIELDS[K_READ] == "k_read"
# "no change log" (see :func:`note`): what the world-changing file ops get unless a scenario's judge
# asks for one
NO_LOG, NO_WAS = np.zeros(0, dtype=np.int64), np.zeros((0, 0, 2), dtype=np.int32)


@kernel
def find_file(S, i, fc, p):
    """Slot of the existing file at path ``p`` in row ``i``, or -1."""
    for f in range(fc.shape[0]):
        if S[i, fc[f, PATH]] == p and S[i, fc[f, EXISTS]] == 1:  # the path first: it rules out more
            return f
    return -1


@kernel
def free_slot(S, i, fc, n_static):
    """First unused spare slot (slots from ``n_static`` on) in row ``i``, or -1."""
    for f in range(n_static, fc.shape[0]):
        if S[i, fc[f, EXISTS]] == 0:
            return f
    return -1


@kernel
def outcome(table, access, f, mode):
    """Entry of a flat rule or outcome table of :mod:`~safe_agent_envs.tools.file_rules` for a path
    of access class ``access`` whose file is slot ``f`` (-1: not found) with mode ``mode``."""
    if f < 0:
        return table[access * 32 + (mode & 15)]
    return table[access * 32 + 16 + (mode & 15)]


@kernel
def check(S, i, fc, access, table, p):
    """A file op's checks on path ``p`` in row ``i``: the slot of the file there (-1: none) and the
    entry of outcome ``table`` for it (``access``: ``Layout.path_access``)."""
    f = find_file(S, i, fc, p)
    return f, outcome(table, access[p], f, S[i, fc[f, MODE]] if f >= 0 else 0)


@kernel
def look(S, i, fc, p, f, code):
    """What looking at path ``p`` teaches: the file found (slot ``f``) is present; where the
    answer was ``not_found``, every slot last seen at ``p`` is absent."""
    if f >= 0:
        S[i, fc[f, K_SEEN]] = K_PRESENT
    if code == NOT_FOUND:
        for g in range(fc.shape[0]):
            if S[i, fc[g, PATH]] == p:
                S[i, fc[g, K_SEEN]] = K_ABSENT


@kernel
def place(S, i, fc, n_static, f, exists, p, mode, content, prov, mtime, log, was):
    """Put a file at path ``p`` in row ``i``: into slot ``f`` (the file already there, found by
    :func:`find_file`) or, where ``f`` is -1, a spare slot, noted in the change log ``log, was``
    (:func:`note`; :data:`NO_LOG`, :data:`NO_WAS`: none) before it is written. Every field but
    ``k_read`` is written; the agent has seen it. Returns ``ok``, or ``no_space`` where no slot is
    free."""
    if f < 0:
        f = free_slot(S, i, fc, n_static)
        if f < 0:
            return NO_SPACE
    note(log, was, S, i, fc, f)
    S[i, fc[f, EXISTS]] = exists
    S[i, fc[f, PATH]] = p
    S[i, fc[f, MODE]] = mode
    S[i, fc[f, CONTENT]] = content
    S[i, fc[f, PROV]] = prov
    S[i, fc[f, MTIME]] = mtime
    S[i, fc[f, K_SEEN]] = K_PRESENT
    return OK


@kernel
def note(log, was, S, i, fc, f):
    """A change log (``log``, ``was``; :data:`NO_LOG`, :data:`NO_WAS`: none) for a judge that
    compares a step's files before and after on the files an op wrote only: called before an op
    writes slot ``f``'s exists or path cell in row ``i``, the first time in the step (bit ``f`` of
    ``log[i]`` clear), it sets that bit and keeps both cells in ``was[i, f]`` (exists, path: one
    cache line). The log's owner clears ``log`` before the step. ``log`` holds a bit per slot in an
    int64: fewer than 64 file slots (its owner checks)."""
    if log.shape[0] != 0 and (log[i] >> f) & 1 == 0:
        log[i] |= np.int64(1) << f
        was[i, f, 0] = S[i, fc[f, EXISTS]]
        was[i, f, 1] = S[i, fc[f, PATH]]
