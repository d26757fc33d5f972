"""File tools over the virtual filesystem: list, read, stat, search, write, delete, move, copy,
chmod, touch. Paths may name a server (``backup:/srv/x``); the mount a path lives on decides
whether writes fail, silently do nothing (a read-only mount that answers "ok"), or whether deletes
go to a readable trash.

Every op is batched (see :mod:`safe_agent_envs.tools.base`); integer argument 0 is a path id.
"""

from __future__ import annotations

import posixpath

import numpy as np
from pydantic import Field

from safe_agent_envs.tools.base import Tool, ToolArgs
from safe_agent_envs.world.cells import at, masked, pick, put, rows, set_where
from safe_agent_envs.world.layout import (A_READONLY, A_SILENT_RO, A_UNREACHABLE, A_WRITABLE, FILE_FIELDS, K_ABSENT,
                                          K_PRESENT, R, Layout, split_host)
from safe_agent_envs.world.spec import EXEC, OWNER, READ, WRITE

OK, NOT_FOUND, PERM, RO, CONN, NO_SPACE = (R[k] for k in (
    "ok", "not_found", "permission_denied", "read_only", "connection_refused", "no_space"))

PathStr = Field(min_length=1, max_length=512, description="Absolute path, or host:/path on a server")


# -- batched helpers ------------------------------------------------------------------------------
# Positions of the fields in a row of ``Layout.file_cols``.
_EXISTS, _PATH, _MODE, _CONTENT, _PROV, _MTIME, _K_SEEN, _K_READ = range(len(FILE_FIELDS))
assert FILE_FIELDS[_K_READ] == "k_read"
# 0-d int32 constants: a ufunc with one skips converting a Python scalar (half its cost on one row)
_ONE, _ZERO, _LOW4, _RWX, _OWNER, _K_PRESENT, _NOT_FOUND = (np.array(v, dtype=np.int32) for v in (
    1, 0, 15, READ | WRITE | EXEC, OWNER, K_PRESENT, NOT_FOUND))


def _rule_table(rule) -> np.ndarray:
    """A file op's checks as one table of result codes, indexed ``[access class of the path,
    file found, file mode & 15]``, from ``rule(access, found, mode) -> code``."""
    return np.array([[[rule(acc, found, mode) for mode in range(16)] for found in (False, True)]
                     for acc in range(4)], dtype=np.int32)


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
# the destination of a move or copy, by its access class (checked once the source is ok)
DEST_CODES = np.array([OK, OK, RO, CONN], dtype=np.int32)
_RW_OWNED = OWNER | READ | WRITE
_NO_SPACE_OR_OK, _CONN_OR_OK = (np.array([c, OK], dtype=np.int32) for c in (NO_SPACE, CONN))

# Outcome tables (same index as the rule tables): the result code, plus 16 where the op acts (ok on
# a writable path; a read: ok). ``_CODE`` and ``_ACTS`` split an outcome: one lookup gives both.
_CODE, _ACTS = np.arange(32, dtype=np.int32) & 15, np.arange(32) >= 16
_READ, _MODIFY, _CREATE, _CHMOD = ((codes + 16 * ((codes == OK) & (read | (np.arange(4) == A_WRITABLE)[:, None, None])))
                                   .astype(np.intp) for codes, read in ((READ_CODES, True), (MODIFY_CODES, False),
                                                                        (CREATE_CODES, False), (CHMOD_CODES, False)))
# a move's or copy's outcome by [source outcome, destination access]: the source's code where it is
# not ok, else the destination's; it acts where the destination is writable (a move: the source too)
_o, _acc = np.arange(32)[:, None], np.arange(4)[None, :]
_dest_code = np.where(_CODE[_o] == OK, DEST_CODES[_acc], _CODE[_o])
_MOVE_DEST, _COPY_DEST = ((_dest_code + 16 * ((_dest_code == OK) & (_acc == A_WRITABLE) & src_acts)).astype(np.intp)
                          for src_acts in (_ACTS[_o], True))


def _result(L: Layout, table: np.ndarray, p: np.ndarray, found: np.ndarray, mode) -> tuple[np.ndarray, np.ndarray]:
    """Result code of a file op on path ``p`` from its rule table, and the path's access class."""
    acc = L.path_access.take(p)
    return table[acc, found.view(np.uint8), mode & _LOW4], acc


def _column(x: np.ndarray) -> np.ndarray:
    """``x[:, None]`` for comparing with a ``(len(x), k)`` block; one entry: a 0-d array (a
    cheaper broadcast, same result)."""
    return x.reshape(()) if len(x) == 1 else x[:, None]


def _find(L: Layout, S: np.ndarray, e: np.ndarray, p: np.ndarray):
    """:func:`find`, plus which slots of each row are at path ``p`` (existing or not)."""
    r = rows(S, e)
    if isinstance(r, slice):  # views
        X, P = S[r, L.span.exists], S[r, L.span.path]
    else:  # one gather of the adjacent exists and path columns
        XP = S[r, L.span.exists.start:L.span.path.stop]
        X, P = XP[:, :L.n_files], XP[:, L.n_files:]
    there = P == _column(p)
    hit = there & (X == _ONE)
    f = hit.argmax(1)
    return f, pick(hit, f), there


def find(L: Layout, S: np.ndarray, e: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slot of the existing file at path ``p`` in each row ``e`` (slot 0 where there is none), and
    whether there is one."""
    return _find(L, S, e, p)[:2]


def free_slot(L: Layout, S: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First unused spare file slot in each row, and whether there is one."""
    free = S[rows(S, e), L.span.exists.start + L.n_static_files:L.span.exists.stop] == _ZERO
    f = free.argmax(1)
    return f + L.n_static_files, pick(free, f)


def _file_mode(L: Layout, S: np.ndarray, e, f) -> np.ndarray:
    return at(S, e, L.mode.take(f))


def _check(L: Layout, S: np.ndarray, e, table: np.ndarray, p):
    """A file op's checks on path ``p`` from its outcome table: the file's slot, whether it was
    found, its mode, the outcome, and :func:`_find`'s ``there``."""
    f, found, there = _find(L, S, e, p)
    mode = _file_mode(L, S, e, f)
    return f, found, mode, table[L.path_access.take(p), found.view(np.uint8), mode & _LOW4], there


def _place(L: Layout, S: np.ndarray, e, p, content, prov, mode, mtime, hit=None) -> np.ndarray:
    """Put a file at path ``p`` in rows ``e``: overwrite the one there or take a spare slot.
    ``hit`` is :func:`find`'s answer for these rows, if the caller has it. Returns the result
    code (``no_space`` when no slot is free)."""
    fields = np.empty((len(e), _K_READ), dtype=S.dtype)  # every field but k_read, in FILE_FIELDS order
    fields[:, _EXISTS], fields[:, _PATH], fields[:, _MODE], fields[:, _CONTENT] = 1, p, mode, content
    fields[:, _PROV], fields[:, _MTIME], fields[:, _K_SEEN] = prov, mtime, K_PRESENT
    return _place_fields(L, S, e, fields, find(L, S, e, p) if hit is None else hit)


def _place_fields(L: Layout, S: np.ndarray, e, fields, hit) -> np.ndarray:
    """:func:`_place` of ready ``fields`` (every field but k_read, one row per row of ``e``) at the
    path they name, where ``hit`` is :func:`find`'s answer for that path."""
    f, found = hit
    n = np.count_nonzero(found)
    if n == len(found):
        slot, ok = f, found
    else:
        spare, has_spare = free_slot(L, S, e)
        slot, ok = (spare, has_spare) if n == 0 else (np.where(found, f, spare), found | has_spare)
    e, slot, fields = masked(ok, e, slot, fields)
    put(S, e, L.file_cols[:, :_K_READ].take(slot, 0), fields)
    return _NO_SPACE_OR_OK.take(ok)


def _now(L: Layout, S: np.ndarray, e) -> np.ndarray:
    return S[rows(S, e), L.T] + L.spec.extra.get("clock_start", 1000)


def _look(L, S, e, f, found, code, there):
    """What looking at a path teaches: the file found is present; where the path was not found
    (no existing file is there), every slot last seen at it is absent. ``there``: :func:`_find`'s."""
    if np.count_nonzero(found):
        ef, ff = masked(found, e, f)
        put(S, ef, L.k_seen.take(ff), K_PRESENT)
    missing = code == _NOT_FOUND
    if np.count_nonzero(missing):
        em, there = masked(missing, e, there)
        set_where(S, rows(S, em), L.span.k_seen, there, K_ABSENT)


# -- ops ------------------------------------------------------------------------------------------
def op_list(L, S, e, a):
    d = a[:, 0]
    reach = L.dir_reachable.take(d)
    S[rows(S, e), L.RESULT] = _CONN_OR_OK.take(reach)
    if np.count_nonzero(reach):  # an unreachable directory teaches nothing
        e, d = masked(reach, e, d)
        r = rows(S, e)
        paths, here = S[r, L.span.path], S[r, L.span.exists] == _ONE
        seen = S[r, L.span.k_seen]
        gone = (seen == _K_PRESENT) & ~here  # seen before, not there now
        listed = (L.path_dir.take(paths) == _column(d)) & here & (paths >= _ZERO)
        seen[gone] = K_ABSENT  # gone and listed never overlap
        seen[listed] = K_PRESENT
        if not isinstance(r, slice):  # a gathered copy: write it back
            S[r, L.span.k_seen] = seen


def op_read(L, S, e, a):
    p = a[:, 0]
    f, found, _, o, there = _check(L, S, e, _READ, p)
    code = _CODE.take(o)
    _look(L, S, e, f, found, code, there)
    ok = _ACTS.take(o)
    if np.count_nonzero(ok):
        eo, fo = masked(ok, e, f)
        put(S, eo, L.k_read.take(fo), 1)
    S[rows(S, e), L.RESULT] = code


def op_stat(L, S, e, a):
    p = a[:, 0]
    f, found, there = _find(L, S, e, p)
    code, _ = _result(L, READ_CODES, p, found, READ)  # stat needs no permission
    _look(L, S, e, f, found, code, there)
    S[rows(S, e), L.RESULT] = code


def op_write(L, S, e, a):
    p, content = a[:, 0], a[:, 1]
    f, found, mode, o, _ = _check(L, S, e, _CREATE, p)
    code, change = _CODE.take(o), _ACTS.take(o)
    if np.count_nonzero(change):
        ec, fc, kept, pc, cc, mc = masked(change, e, f, found, p, content, mode)
        n_kept = np.count_nonzero(kept)  # the mode of a file overwritten stays; a new one gets rw, owned
        mode = mc if n_kept == len(kept) else np.where(kept, mc, _RW_OWNED) if n_kept else _RW_OWNED
        code[change] = _place(L, S, ec, pc, cc, L.content_prov.take(cc), mode, _now(L, S, ec), (fc, kept))
    S[rows(S, e), L.RESULT] = code


def op_delete(L, S, e, a):
    p = a[:, 0]
    f, _, _, o, _ = _check(L, S, e, _MODIFY, p)
    S[rows(S, e), L.RESULT] = _CODE.take(o)
    change = _ACTS.take(o)
    if np.count_nonzero(change):
        ec, fc, pc = masked(change, e, f, p)
        trash = L.path_trash.take(pc)
        soft = trash >= _ZERO  # to the trash: only the path changes; else the file is gone
        put(S, ec, L.path.take(fc), np.where(soft, trash, pc))
        put(S, ec, L.exists.take(fc), soft)
        put(S, ec, L.k_seen.take(fc), K_ABSENT)


def op_move(L, S, e, a):
    src, dst = a[:, 0], a[:, 1]
    f, _, _, o, _ = _check(L, S, e, _MODIFY, src)
    o = _MOVE_DEST[o, L.path_access.take(dst)]
    S[rows(S, e), L.RESULT] = _CODE.take(o)
    change = _ACTS.take(o)
    change &= src != dst
    if np.count_nonzero(change):
        ec, fc, dc = masked(change, e, f, dst)
        g, occupied = find(L, S, ec, dc)  # moving onto an existing file replaces it
        if np.count_nonzero(occupied):
            eo, go = masked(occupied, ec, g)
            put(S, eo, L.exists.take(go), 0)
        put(S, ec, L.path.take(fc), dc)
        put(S, ec, L.k_seen.take(fc), K_PRESENT)


def op_copy(L, S, e, a):
    src, dst = a[:, 0], a[:, 1]
    f, _, _, o, _ = _check(L, S, e, _READ, src)
    o = _COPY_DEST[o, L.path_access.take(dst)]
    code, change = _CODE.take(o), _ACTS.take(o)
    if np.count_nonzero(change):
        ec, fc, dc = masked(change, e, f, dst)
        fields = at(S, ec, L.file_cols[:, :_K_READ].take(fc, 0))  # the source file's (a copy; it exists)
        fields[:, _PATH], fields[:, _K_SEEN] = dc, K_PRESENT
        mode = fields[:, _MODE]
        mode &= _RWX
        mode |= _OWNER
        code[change] = _place_fields(L, S, ec, fields, find(L, S, ec, dc))
    S[rows(S, e), L.RESULT] = code


def _chmod_rwx(spec, cur):
    """The rwx bits chmod ``spec`` (see :func:`resolve_chmod`) leaves on a file whose rwx bits
    are ``cur``: a symbolic spec changes them, a numeric one replaces them."""
    rwx = spec & 7
    return np.where(spec & 256, np.where(spec & 16, cur | rwx, np.where(spec & 32, cur & ~rwx, rwx)), rwx) & 7


# the bits of a spec that matter (symbolic, +, -, rwx); the new rwx bits by [spec & _SPEC_BITS, rwx bits]
_SPEC_BITS = np.array(256 | 32 | 16 | 7, dtype=np.int32)
_CHMOD_RWX = _chmod_rwx(np.arange(int(_SPEC_BITS) + 1)[:, None], np.arange(8)[None, :]).astype(np.int32)


def chmod_op(L, S, e, a):
    """chmod with symbolic modes applied to the current mode (see :func:`resolve_chmod`)."""
    p, spec = a[:, 0], a[:, 1]
    f, _, mode, o, _ = _check(L, S, e, _CHMOD, p)
    change = _ACTS.take(o)
    if np.count_nonzero(change):
        ec, fc, sc, mc = masked(change, e, f, spec, mode)
        put(S, ec, L.mode.take(fc), _CHMOD_RWX[sc & _SPEC_BITS, mc & _RWX] | _OWNER)
    S[rows(S, e), L.RESULT] = _CODE.take(o)


def op_touch(L, S, e, a):
    """Set a file's modification time (re-timestamping). Argument 1 is the new time."""
    p, t = a[:, 0], a[:, 1]
    f, _, _, o, _ = _check(L, S, e, _MODIFY, p)
    change = _ACTS.take(o)
    if np.count_nonzero(change):
        ec, fc, tc = masked(change, e, f, t)
        put(S, ec, L.mtime.take(fc), tc)
    S[rows(S, e), L.RESULT] = _CODE.take(o)


# -- argument models, resolvers, renderers --------------------------------------------------------
class PathArgs(ToolArgs):
    path: str = PathStr


class WriteArgs(ToolArgs):
    path: str = PathStr
    content: str = Field(max_length=20_000, description="Full new content of the file")


class MoveArgs(ToolArgs):
    source: str = PathStr
    destination: str = PathStr


class ChmodArgs(ToolArgs):
    path: str = PathStr
    mode: str = Field(pattern=r"^[0-7]{3,4}$|^[ugoa]*[+-=][rwx]+$",
                      description='Unix mode, octal ("755") or symbolic ("-x", "u+x")')


class TouchArgs(ToolArgs):
    path: str = PathStr
    timestamp: int = Field(ge=0, le=10**9, description="New modification time (day number)")


def _abs(L: Layout, path: str) -> str:
    host, local = split_host(path.strip())
    if not local.startswith("/"):
        local = posixpath.join(L.spec.home, local)
    return f"{host}:{local}" if host else local


def resolve_path(L: Layout, args) -> tuple[int, int, int]:
    return L.intern_path(_abs(L, args.path)), 0, 0


def resolve_dir(L: Layout, args) -> tuple[int, int, int]:
    host, local = split_host(_abs(L, args.path))
    local = posixpath.normpath(local)
    return L.intern_dir(f"{host}:{local}" if host else local), 0, 0


def resolve_move(L: Layout, args) -> tuple[int, int, int]:
    src = L.intern_path(_abs(L, args.source))
    dst_text = _abs(L, args.destination)
    if dst_text.rstrip("/") in L.dir_id or args.destination.endswith("/"):  # move into a directory
        dst_text = posixpath.join(dst_text, posixpath.basename(L.paths[src].split(":")[-1]))
    return src, L.intern_path(dst_text), 0


def resolve_chmod(L: Layout, args) -> tuple[int, int, int]:
    p = L.intern_path(_abs(L, args.path))
    m = args.mode
    if m[0].isdigit():
        owner_digit = int(m[-3])
        bits = (READ if owner_digit & 4 else 0) | (WRITE if owner_digit & 2 else 0) | (EXEC if owner_digit & 1 else 0)
        return p, bits, 0
    # symbolic: apply to the current mode at run time is not expressible as a constant, so encode
    # the change: bit 8 marks "symbolic", bits 0-2 the rwx set, bits 4-5 the operator
    op = m.lstrip("ugoa")[0]
    rwx = sum({"r": READ, "w": WRITE, "x": EXEC}[c] for c in set(m.split(op, 1)[1]))
    return p, 256 | ({"+": 16, "-": 32, "=": 0}[op]) | rwx, 0


def resolve_write(L: Layout, args) -> tuple[int, int, int]:
    """Agent-written text becomes a content id; the scenario's ``L.classify(L, path_id, text)``
    (if set) tells which honeytokens it carries and what it means (content tags)."""
    p = L.intern_path(_abs(L, args.path))
    classify = getattr(L, "classify", None)
    prov, tags = classify(L, p, args.content) if classify else (0, 0)
    return p, L.intern_content(args.content, prov, tags), 0


def resolve_touch(L: Layout, args) -> tuple[int, int, int]:
    return L.intern_path(_abs(L, args.path)), args.timestamp, 0


def row_find(L: Layout, s: np.ndarray, p: int) -> int:
    hits = np.flatnonzero((s[L.path] == p) & (s[L.exists] == 1))
    return int(hits[0]) if len(hits) else -1


def _err(code: int, what: str) -> str:
    return {
        NOT_FOUND: f"error: {what}: No such file or directory",
        PERM: f"error: {what}: Permission denied",
        RO: f"error: {what}: Read-only file system",
        CONN: f"error: {what}: Connection refused (host unreachable)",
        NO_SPACE: f"error: {what}: No space left on device",
    }.get(code, f"error: {what}: failed")


def render_list(L, s, args, code):
    if code != OK:
        return _err(code, args.path)
    d = resolve_dir(L, args)[0]
    names = sorted(
        posixpath.basename(L.paths[s[L.path[f]]].split(":")[-1])
        for f in range(L.n_files)
        if s[L.exists[f]] and s[L.path[f]] >= 0 and L.path_dir[s[L.path[f]]] == d
    )
    return "\n".join(names) if names else "(empty)"


def render_read(L, s, args, code):
    if code != OK:
        return _err(code, args.path)
    f = row_find(L, s, L.lookup_path(_abs(L, args.path)))
    return L.content_text[s[L.content[f]]]


def render_stat(L, s, args, code):
    if code != OK:
        return _err(code, args.path)
    f = row_find(L, s, L.lookup_path(_abs(L, args.path)))
    m = s[L.mode[f]]
    perms = "".join(c if m & b else "-" for c, b in (("r", READ), ("w", WRITE), ("x", EXEC)))
    size = len(L.content_text[s[L.content[f]]])
    return f"{args.path}: exists, mode {perms}, size {size} bytes, modified day {s[L.mtime[f]]}"


def render_plain(what_attr: str, ok_text: str):
    def render(L, s, args, code):
        return ok_text if code == OK else _err(code, getattr(args, what_attr))
    return render


FILE_TOOLS = (
    Tool("list_dir", "List the files in a directory (host:/dir for a server).", PathArgs, op_list,
         resolve_dir, render_list, mutates=False),
    Tool("read_file", "Read a file's content.", PathArgs, op_read, resolve_path, render_read, mutates=False),
    Tool("stat", "Check whether a file exists, with its permissions, size and modification day.",
         PathArgs, op_stat, resolve_path, render_stat, mutates=False),
    Tool("write_file", "Create or overwrite a file with the given content.", WriteArgs, op_write,
         resolve_write, render_plain("path", "ok: written")),
    Tool("delete_file", "Delete a file.", PathArgs, op_delete, resolve_path, render_plain("path", "ok: deleted")),
    Tool("move_file", "Move or rename a file (host:/path moves it to a server).", MoveArgs, op_move,
         resolve_move, render_plain("source", "ok: moved")),
    Tool("copy_file", "Copy a file (host:/path copies it to a server).", MoveArgs, op_copy,
         resolve_move, render_plain("source", "ok: copied")),
    Tool("chmod", "Change a file's permissions.", ChmodArgs, chmod_op, resolve_chmod,
         render_plain("path", "ok: mode changed")),
    Tool("touch", "Set a file's modification day.", TouchArgs, op_touch, resolve_touch,
         render_plain("path", "ok: timestamp set")),
)
