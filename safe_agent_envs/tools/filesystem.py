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
from safe_agent_envs.world.layout import K_ABSENT, K_PRESENT, R, Layout, split_host
from safe_agent_envs.world.spec import EXEC, OWNER, READ, WRITE

OK, NOT_FOUND, PERM, RO, CONN, NO_SPACE = (R[k] for k in (
    "ok", "not_found", "permission_denied", "read_only", "connection_refused", "no_space"))

PathStr = Field(min_length=1, max_length=512, description="Absolute path, or host:/path on a server")


# -- batched helpers ------------------------------------------------------------------------------
def find(L: Layout, S: np.ndarray, e: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slot of the existing file at path ``p`` in each row ``e``, and whether there is one."""
    hit = (S[e[:, None], L.path] == p[:, None]) & (S[e[:, None], L.exists] == 1)
    return hit.argmax(1), hit.any(1)


def free_slot(L: Layout, S: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First unused spare file slot in each row, and whether there is one."""
    free = S[e[:, None], L.exists[L.n_static_files:]] == 0
    return free.argmax(1) + L.n_static_files, free.any(1)


def _write_check(L: Layout, S: np.ndarray, e, f, found, p) -> np.ndarray:
    """Result code of modifying the file at ``p`` (slot ``f`` when ``found``), before the change.
    ``ok`` on a silent read-only mount means: answer ok, change nothing (callers check
    ``L.path_readonly``)."""
    writable = (S[e, L.mode[f]] & WRITE) != 0
    code = np.where(found & ~writable, PERM, OK)
    code = np.where(L.path_readonly[p] & ~L.path_silent[p], RO, code)
    code = np.where(~found, NOT_FOUND, code)
    return np.where(~L.path_reachable[p], CONN, code)


def _place(L: Layout, S: np.ndarray, e, p, content, prov, mode, mtime) -> np.ndarray:
    """Put a file at path ``p`` in rows ``e``: overwrite the one there or take a spare slot.
    Returns the result code (``no_space`` when no slot is free)."""
    f, found = find(L, S, e, p)
    spare, has_spare = free_slot(L, S, e)
    slot = np.where(found, f, spare)
    ok = found | has_spare
    e2, s2 = e[ok], slot[ok]
    S[e2, L.exists[s2]] = 1
    S[e2, L.path[s2]] = p[ok]
    S[e2, L.content[s2]] = content[ok]
    S[e2, L.prov[s2]] = prov[ok]
    S[e2, L.mode[s2]] = mode[ok]
    S[e2, L.mtime[s2]] = mtime[ok]
    S[e2, L.k_seen[s2]] = K_PRESENT
    return np.where(ok, OK, NO_SPACE)


def _now(L: Layout, S: np.ndarray, e) -> np.ndarray:
    return S[e, L.T] + L.spec.extra.get("clock_start", 1000)


# -- ops ------------------------------------------------------------------------------------------
def op_list(L, S, e, a):
    d = a[:, 0]
    paths = S[e[:, None], L.path]
    in_dir = (L.path_dir[paths] == d[:, None]) & (S[e[:, None], L.exists] == 1) & (paths >= 0)
    reach = L.dir_reachable[d]
    seen = S[e[:, None], L.k_seen]
    new = np.where(in_dir, K_PRESENT, np.where((seen == K_PRESENT) & (S[e[:, None], L.exists] == 0), K_ABSENT, seen))
    S[e[:, None], L.k_seen] = np.where(reach[:, None], new, seen)
    S[e, L.RESULT] = np.where(reach, OK, CONN)


def op_read(L, S, e, a):
    p = a[:, 0]
    f, found = find(L, S, e, p)
    readable = (S[e, L.mode[f]] & READ) != 0
    code = np.where(~found, NOT_FOUND, np.where(readable, OK, PERM))
    code = np.where(L.path_reachable[p], code, CONN)
    S[e[found], L.k_seen[f[found]]] = K_PRESENT
    ok = code == OK
    S[e[ok], L.k_read[f[ok]]] = 1
    _mark_absent(L, S, e[code == NOT_FOUND], p[code == NOT_FOUND])
    S[e, L.RESULT] = code


def _mark_absent(L, S, e, p):
    """The agent looked at path ``p`` and found nothing: slots last seen there are now absent."""
    if len(e):
        there = (S[e[:, None], L.path] == p[:, None]) & (S[e[:, None], L.exists] == 0)
        S[e[:, None], L.k_seen] = np.where(there, K_ABSENT, S[e[:, None], L.k_seen])


def op_stat(L, S, e, a):
    p = a[:, 0]
    f, found = find(L, S, e, p)
    code = np.where(L.path_reachable[p], np.where(found, OK, NOT_FOUND), CONN)
    S[e[found], L.k_seen[f[found]]] = K_PRESENT
    _mark_absent(L, S, e[code == NOT_FOUND], p[code == NOT_FOUND])
    S[e, L.RESULT] = code


def op_write(L, S, e, a):
    p, content = a[:, 0], a[:, 1]
    f, found = find(L, S, e, p)
    code = _write_check(L, S, e, f, found, p)
    code = np.where(code == NOT_FOUND, OK, code)  # writing a new path creates the file
    change = (code == OK) & ~L.path_readonly[p]
    if np.count_nonzero(change):
        ec = e[change]
        code[change] = _place(L, S, ec, p[change], content[change], L.content_prov[content[change]],
                              np.where(found[change], S[ec, L.mode[f[change]]], OWNER | READ | WRITE),
                              _now(L, S, ec))
    S[e, L.RESULT] = code


def op_delete(L, S, e, a):
    p = a[:, 0]
    f, found = find(L, S, e, p)
    code = _write_check(L, S, e, f, found, p)
    change = (code == OK) & ~L.path_readonly[p]
    trash = L.path_trash[p]
    soft = change & (trash >= 0)
    S[e[soft], L.path[f[soft]]] = trash[soft]
    hard = change & (trash < 0)
    S[e[hard], L.exists[f[hard]]] = 0
    S[e[change], L.k_seen[f[change]]] = K_ABSENT
    S[e, L.RESULT] = code


def op_move(L, S, e, a):
    src, dst = a[:, 0], a[:, 1]
    f, found = find(L, S, e, src)
    code = _write_check(L, S, e, f, found, src)
    dst_blocked = L.path_readonly[dst] & ~L.path_silent[dst]
    code = np.where((code == OK) & dst_blocked, RO, code)
    code = np.where((code == OK) & ~L.path_reachable[dst], CONN, code)
    change = (code == OK) & ~L.path_readonly[src] & ~L.path_readonly[dst] & (src != dst)
    if np.count_nonzero(change):
        ec, fc, dc = e[change], f[change], dst[change]
        g, occupied = find(L, S, ec, dc)  # moving onto an existing file replaces it
        S[ec[occupied], L.exists[g[occupied]]] = 0
        S[ec, L.path[fc]] = dc
        S[ec, L.k_seen[fc]] = K_PRESENT
    S[e, L.RESULT] = code


def op_copy(L, S, e, a):
    src, dst = a[:, 0], a[:, 1]
    f, found = find(L, S, e, src)
    readable = (S[e, L.mode[f]] & READ) != 0
    code = np.where(~found, NOT_FOUND, np.where(readable, OK, PERM))
    code = np.where(L.path_reachable[src], code, CONN)
    code = np.where((code == OK) & L.path_readonly[dst] & ~L.path_silent[dst], RO, code)
    code = np.where((code == OK) & ~L.path_reachable[dst], CONN, code)
    change = (code == OK) & ~L.path_readonly[dst]
    if np.count_nonzero(change):
        ec, fc = e[change], f[change]
        code[change] = _place(L, S, ec, dst[change], S[ec, L.content[fc]], S[ec, L.prov[fc]],
                              (S[ec, L.mode[fc]] & (READ | WRITE | EXEC)) | OWNER, S[ec, L.mtime[fc]])
    S[e, L.RESULT] = code


def op_chmod(L, S, e, a):
    p, mode = a[:, 0], a[:, 1]
    f, found = find(L, S, e, p)
    owner = (S[e, L.mode[f]] & OWNER) != 0
    code = np.where(~found, NOT_FOUND, np.where(owner, OK, PERM))
    code = np.where(L.path_reachable[p], code, CONN)
    code = np.where((code == OK) & L.path_readonly[p] & ~L.path_silent[p], RO, code)
    change = (code == OK) & ~L.path_readonly[p]
    S[e[change], L.mode[f[change]]] = (mode[change] & (READ | WRITE | EXEC)) | OWNER
    S[e, L.RESULT] = code


def op_touch(L, S, e, a):
    """Set a file's modification time (re-timestamping). Argument 1 is the new time."""
    p, t = a[:, 0], a[:, 1]
    f, found = find(L, S, e, p)
    code = _write_check(L, S, e, f, found, p)
    change = (code == OK) & ~L.path_readonly[p]
    S[e[change], L.mtime[f[change]]] = t[change]
    S[e, L.RESULT] = code


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


def chmod_op(L, S, e, a):
    """chmod with symbolic modes applied to the current mode (see :func:`resolve_chmod`)."""
    spec = a[:, 1]
    symbolic = (spec & 256) != 0
    if np.count_nonzero(symbolic):
        f, found = find(L, S, e, a[:, 0])
        cur = np.where(found, S[e, L.mode[f]] & (READ | WRITE | EXEC), 0)
        rwx = spec & 7
        new = np.where(spec & 16, cur | rwx, np.where(spec & 32, cur & ~rwx, rwx))
        a = a.copy()
        a[:, 1] = np.where(symbolic, new, spec)
    op_chmod(L, S, e, a)


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
