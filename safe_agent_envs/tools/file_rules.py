"""The checks of the file tools as tables (used by :mod:`safe_agent_envs.tools.filesystem`,
:mod:`safe_agent_envs.tools.file_kernels` and :mod:`safe_agent_envs.tools.transfer`).

A file op's checks -- is the host reachable, is the file there, may the agent read or change it --
are one rule function ``rule(access class, found, mode) -> result code``, tabulated once. The ops
look an outcome up in one step: an index made of the path's access class, whether the file was
found and its mode bits. Every table is flat (one index, one lookup), read inside the compiled ops
(:func:`~safe_agent_envs.tools.file_kernels.outcome`; the tables are constants of the kernels).
"""

from __future__ import annotations

import numpy as np

from safe_agent_envs.world.layout import A_READONLY, A_SILENT_RO, A_UNREACHABLE, A_WRITABLE, R
from safe_agent_envs.world.spec import OWNER, READ, WRITE

OK, NOT_FOUND, PERM, RO, CONN, NO_SPACE = (R[k] for k in (
    "ok", "not_found", "permission_denied", "read_only", "connection_refused", "no_space"))


def _rule_table(rule) -> np.ndarray:
    """A file op's checks as one flat table of result codes, indexed ``access * 32 + found * 16 +
    (mode & 15)`` (read with :func:`~safe_agent_envs.tools.file_kernels.outcome`), from
    ``rule(access, found, mode) -> code``."""
    return np.array([[[rule(acc, found, mode) for mode in range(16)] for found in (False, True)]
                     for acc in range(4)], dtype=np.int32).ravel()


def _read_rule(acc, found, mode):
    return CONN if acc == A_UNREACHABLE else NOT_FOUND if not found else OK if mode & READ else PERM


def _modify_rule(acc, found, mode):
    """Change or remove an existing file. ``ok`` on a silent read-only mount means: answer ok,
    change nothing (ops change only paths of access class ``A_WRITABLE``)."""
    if acc == A_UNREACHABLE or not found:
        return _read_rule(acc, found, mode)
    return RO if acc == A_READONLY else OK if mode & WRITE else PERM


def _create_rule(acc, found, mode):
    """``write_file``: as :func:`_modify_rule`, but writing a new path creates the file (a silent
    read-only mount answers ok and keeps nothing; a read-only one refuses)."""
    if not found:
        return {A_WRITABLE: OK, A_SILENT_RO: OK, A_READONLY: RO, A_UNREACHABLE: CONN}[acc]
    return _modify_rule(acc, found, mode)


def _chmod_rule(acc, found, mode):
    if acc == A_UNREACHABLE or not found:
        return _read_rule(acc, found, mode)
    return PERM if not mode & OWNER else RO if acc == A_READONLY else OK


READ_CODES, MODIFY_CODES, CREATE_CODES, CHMOD_CODES = map(_rule_table, (_read_rule, _modify_rule, _create_rule,
                                                                        _chmod_rule))
# stat: a read that needs no permission and never acts (its outcome is its code)
STAT_OUTCOME = _rule_table(lambda acc, found, mode: _read_rule(acc, found, READ))
# the destination of a move or copy, by its access class (checked once the source is ok)
DEST_CODES = np.array([OK, OK, RO, CONN], dtype=np.int32)

# Outcome tables (same index as the rule tables): the result code, plus 16 where the op acts (ok on
# a writable path; a read: ok). ``outcome & 15`` is the code, ``outcome >= 16`` whether it acts.
_WRITABLE = np.repeat(np.arange(4) == A_WRITABLE, 32)
READ_OUTCOME, MODIFY_OUTCOME, CREATE_OUTCOME, CHMOD_OUTCOME = ((codes + 16 * ((codes == OK) & (read | _WRITABLE))).astype(np.int32)
                               for codes, read in ((READ_CODES, True), (MODIFY_CODES, False),
                                                   (CREATE_CODES, False), (CHMOD_CODES, False)))
# a move's or copy's outcome by source outcome x 4 + destination access: the source's code where it
# is not ok, else the destination's; it acts where the destination is writable (a move: the source too)
_o, _acc = np.arange(32)[:, None], np.arange(4)[None, :]
_dest_code = np.where((_o & 15) == OK, DEST_CODES[_acc], _o & 15)
MOVE_DEST, COPY_DEST = ((_dest_code + 16 * ((_dest_code == OK) & (_acc == A_WRITABLE) & src_acts)).astype(np.int32)
                        .ravel() for src_acts in (_o >= 16, True))

# The op kernels index the file found (slot f) wherever an outcome acts or answers ok, so no table may
# do either for a path where no file was found (f = -1 would wrap to the last slot); a move or copy
# acts only where its source's outcome was ok.
for _table in (READ_OUTCOME, MODIFY_OUTCOME, CHMOD_OUTCOME, STAT_OUTCOME):
    assert not np.any(_table.reshape(4, 2, 16)[:, 0] >= 16) and not np.any(_table.reshape(4, 2, 16)[:, 0] == OK)
for _table in (MOVE_DEST, COPY_DEST):
    assert not np.any((_table.reshape(32, 4) >= 16) & ((_o & 15) != OK))


def _chmod_rwx(spec, cur):
    """The rwx bits chmod ``spec`` (see :func:`~safe_agent_envs.tools.filesystem.resolve_chmod`)
    leaves on a file whose rwx bits are ``cur``: a symbolic spec changes them, a numeric one
    replaces them."""
    rwx = spec & 7
    return np.where(spec & 256, np.where(spec & 16, cur | rwx, np.where(spec & 32, cur & ~rwx, rwx)), rwx) & 7


# the bits of a spec that matter (symbolic, +, -, rwx); the new rwx bits by (spec & SPEC_BITS) x 8 +
# the rwx bits
SPEC_BITS = 256 | 32 | 16 | 7
CHMOD_RWX = _chmod_rwx(np.arange(SPEC_BITS + 1)[:, None], np.arange(8)[None, :]).astype(np.int32).ravel()
