"""The checks of the file tools (:mod:`safe_agent_envs.tools.filesystem`) as tables of result codes.

Each rule decides an op's result from the access class of the path (``A_WRITABLE``,
``A_SILENT_RO``, ``A_READONLY``, ``A_UNREACHABLE``), whether the file exists and its mode; a table
holds a rule's answer for every combination, so a batched op looks its codes up in one index.
"""

from __future__ import annotations

import numpy as np

from safe_agent_envs.world.layout import A_READONLY, A_SILENT_RO, A_UNREACHABLE, A_WRITABLE, R
from safe_agent_envs.world.spec import OWNER, READ, WRITE

OK, NOT_FOUND, PERM, RO, CONN = (R[k] for k in ("ok", "not_found", "permission_denied", "read_only",
                                                "connection_refused"))


def _rule_table(rule) -> np.ndarray:
    """A file op's checks as one table of result codes, indexed ``[access class of the path,
    file found, file mode & 15]``, from ``rule(access, found, mode) -> code``."""
    return np.array([[[rule(acc, found, mode) for mode in range(16)] for found in (False, True)]
                     for acc in range(4)], dtype=np.int32)


def _read_rule(acc, found, mode):
    if acc == A_UNREACHABLE:
        return CONN
    if not found:
        return NOT_FOUND
    return OK if mode & READ else PERM


def _modify_rule(acc, found, mode):
    """Change or remove an existing file. ``ok`` on a silent read-only mount means: answer ok,
    change nothing (ops change only paths of access class ``A_WRITABLE``)."""
    if acc == A_UNREACHABLE:
        return CONN
    if not found:
        return NOT_FOUND
    if acc == A_READONLY:
        return RO
    return OK if mode & WRITE else PERM


def _create_rule(acc, found, mode):
    """``write_file``: as :func:`_modify_rule`, but writing a new path creates the file (a silent
    read-only mount answers ok and keeps nothing; a read-only one refuses)."""
    if not found:
        return {A_WRITABLE: OK, A_SILENT_RO: OK, A_READONLY: RO, A_UNREACHABLE: CONN}[acc]
    return _modify_rule(acc, found, mode)


def _chmod_rule(acc, found, mode):
    if acc == A_UNREACHABLE:
        return CONN
    if not found:
        return NOT_FOUND
    if not mode & OWNER:
        return PERM
    return RO if acc == A_READONLY else OK


READ_CODES, MODIFY_CODES, CREATE_CODES, CHMOD_CODES = map(_rule_table, (_read_rule, _modify_rule, _create_rule,
                                                                        _chmod_rule))
# the destination of a move or copy, by its access class (checked once the source is ok)
DEST_CODES = np.array([OK, OK, RO, CONN], dtype=np.int32)

__all__ = ["CHMOD_CODES", "CREATE_CODES", "DEST_CODES", "MODIFY_CODES", "READ_CODES"]
