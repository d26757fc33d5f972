"""Column layout of the flat world state, and the static tables behind names.

The state of B envs is one ``int32`` array of shape ``(B, D)``. A :class:`Layout` knows which
columns hold what (``layout.exists[f]`` is the column of file slot ``f``'s existence flag, and so
on), and the static name tables (paths, directories, mounts, servers, contents) that turn ids back
into text for LLMs. Each group of columns is a numpy index array (``layout.path``) and, being
contiguous, also a slice (``layout.span.path``): ``S[:, layout.span.path]`` reads the field of every
file of every env as a view, without a gather.

Paths created by free-form tool calls (an LLM writing to a new path) are interned at run time;
only the env that made them sees them (each env owns its layout copy).
"""

from __future__ import annotations

import posixpath
from types import SimpleNamespace

import numpy as np

from safe_agent_envs.world.spec import MountSpec, WorldSpec

# Codes of the result of the last tool call (also an observation feature).
RESULT_NAMES = (
    "none",
    "ok",
    "not_found",
    "permission_denied",
    "read_only",
    "connection_refused",
    "no_space",
    "invalid",
    "unavailable",
)
R = {name: i for i, name in enumerate(RESULT_NAMES)}

# File knowledge values (what the agent has seen, not what is true).
K_UNKNOWN, K_PRESENT, K_ABSENT = 0, 1, 2

# Access class of a path (``Layout.path_access``): what writing there does. A path on a server has
# no mount, so "read-only" and "unreachable" never overlap.
A_WRITABLE, A_SILENT_RO, A_READONLY, A_UNREACHABLE = 0, 1, 2, 3

# The per-file field groups, in column order (``Layout.file_cols`` has one column per field).
FILE_FIELDS = ("exists", "path", "mode", "content", "prov", "mtime", "k_seen", "k_read")


def split_host(path: str) -> tuple[str, str]:
    """``"backup:/srv/x"`` -> ``("backup", "/srv/x")``; a local path has host ``""``."""
    if ":" in path and not path.startswith("/"):
        host, _, rest = path.partition(":")
        return host, rest
    return "", path


class Layout:
    """Column indices and name tables of one scenario's world (see module docstring)."""

    def __init__(self, spec: WorldSpec, n_events: int, n_actions: int = 0):
        self.spec = spec
        self._next = 0
        # episode bookkeeping
        self.T = self._col()
        self.DONE = self._col()
        self.CLAIM = self._col()  # 0 none, 1 claimed success, 2 reported failure
        self.RESULT = self._col()
        self.LAST_TOOL = self._col()
        # entities
        self.n_static_files = len(spec.files)
        self.n_files = self.n_static_files + spec.spare_files
        nf = self.n_files
        self.exists, self.path, self.mode = self._cols(nf), self._cols(nf), self._cols(nf)
        self.content, self.prov, self.mtime = self._cols(nf), self._cols(nf), self._cols(nf)
        self.k_seen, self.k_read = self._cols(nf), self._cols(nf)
        self.n_procs = len(spec.processes)
        self.alive, self.k_proc = self._cols(self.n_procs), self._cols(self.n_procs)
        self.n_config = len(spec.config)
        self.cfg, self.k_cfg = self._cols(self.n_config), self._cols(self.n_config)
        self.n_memory = len(spec.memory)
        self.mem, self.k_mem = self._cols(self.n_memory), self._cols(self.n_memory)
        self.counter = {name: self._col() for name in spec.counters}
        self.know = {name: self._col() for name in spec.knowledge}
        self.clock_start = int(spec.extra.get("clock_start", 1000))  # a file's mtime is T + clock_start
        self.n_events = n_events
        self.events = self._cols(n_events)  # episode event counts
        self.n_actions = n_actions
        self.acted = self._cols(n_actions)  # catalogue action k has returned ok this episode
        self.width = self._next
        # every column group as a slice too; file_cols[f] holds file slot f's FILE_FIELDS columns
        self.span = SimpleNamespace(**{name: slice(int(cols[0]), int(cols[-1]) + 1) if len(cols) else slice(0, 0)
                                       for name, cols in vars(self).items() if isinstance(cols, np.ndarray)})
        self.file_cols = np.stack([getattr(self, name) for name in FILE_FIELDS], 1)

        # name tables
        self.mounts: tuple[MountSpec, ...] = tuple(sorted(spec.mounts, key=lambda m: -len(m.prefix)))
        self.servers = ("",) + tuple(s.name for s in spec.servers)
        self.server_specs = {s.name: s for s in spec.servers}
        self.content_names = list(spec.contents)
        self.content_text = [spec.contents[n] for n in self.content_names]
        self.content_id = {n: i for i, n in enumerate(self.content_names)}
        self._content_prov = [int(spec.extra.get("content_provenance", {}).get(n, 0)) for n in self.content_names]
        self._content_tag = [int(spec.extra.get("content_tags", {}).get(n, 0)) for n in self.content_names]
        # static flags of processes and config keys (a trailing False: index -1, "no such process/key")
        self.proc_protected = np.array([p.protected for p in spec.processes] + [False], dtype=bool)
        self.cfg_writable = np.array([c.writable for c in spec.config] + [False], dtype=bool)
        self.proc_by_pid = {p.pid: i for i, p in enumerate(spec.processes)}
        self.proc_by_name = {p.name: i for i, p in enumerate(spec.processes)}
        self.cfg_by_key = {c.key: i for i, c in enumerate(spec.config)}
        self.paths: list[str] = []
        self.path_id: dict[str, int] = {}
        self.dirs: list[str] = []
        self.dir_id: dict[str, int] = {}
        self._dir_reachable: list[bool] = []
        self._path_dir: list[int] = []
        self._path_host: list[int] = []
        self._path_mount: list[int] = []
        self._path_trash: list[int] = []
        for f in spec.files:
            self.intern_path(f.path)
        for p in spec.paths:
            self.intern_path(p)
        self._freeze()

    # -- columns -----------------------------------------------------------------------------
    def _col(self) -> int:
        self._next += 1
        return self._next - 1

    def _cols(self, n: int) -> np.ndarray:
        cols = np.arange(self._next, self._next + n, dtype=np.intp)
        self._next += n
        return cols

    # -- names -------------------------------------------------------------------------------
    def mount_of(self, path: str) -> int:
        host, local = split_host(path)
        if host:
            return -1
        for i, m in enumerate(self.mounts):
            if local == m.prefix.rstrip("/") or local.startswith(m.prefix.rstrip("/") + "/"):
                return i
        return -1

    def intern_dir(self, d: str) -> int:
        if d not in self.dir_id:
            self.dir_id[d] = len(self.dirs)
            self.dirs.append(d)
            host, _ = split_host(d)
            spec = self.server_specs.get(host)
            self._dir_reachable.append(host == "" or (spec is not None and spec.reachable))
            if hasattr(self, "path_dir"):
                self._freeze()
        return self.dir_id[d]

    def intern_path(self, path: str) -> int:
        """Id of ``path`` (normalised), adding it and its trash twin to the tables if new."""
        host, local = split_host(path)
        local = posixpath.normpath(local)
        key = f"{host}:{local}" if host else local
        if key in self.path_id:
            return self.path_id[key]
        pid = len(self.paths)
        self.paths.append(key)
        self.path_id[key] = pid
        parent = posixpath.dirname(local)
        self._path_dir.append(self.intern_dir(f"{host}:{parent}" if host else parent))
        self._path_host.append(self.servers.index(host) if host in self.servers else -1)
        mount = self.mount_of(key)
        self._path_mount.append(mount)
        self._path_trash.append(-1)
        if mount >= 0 and self.mounts[mount].trash:
            twin = posixpath.join(self.mounts[mount].trash_dir, posixpath.basename(local))
            if twin != local:
                self._path_trash[pid] = self.intern_path(twin)
        if hasattr(self, "path_dir"):
            self._freeze()
        return pid

    def _freeze(self) -> None:
        self.path_dir = np.asarray(self._path_dir, dtype=np.int32)
        self.path_host = np.asarray(self._path_host, dtype=np.int32)
        self.path_mount = np.asarray(self._path_mount, dtype=np.int32)
        self.path_trash = np.asarray(self._path_trash, dtype=np.int32)
        mounts = self.mounts
        ro = np.array([m.readonly for m in mounts] + [False], dtype=bool)
        silent = np.array([m.silent for m in mounts] + [False], dtype=bool)
        # index -1 (no mount) hits the trailing False
        self.path_readonly = ro[self.path_mount]
        self.path_silent = silent[self.path_mount]
        reachable = [True] + [s.reachable for s in self.spec.servers] + [False]
        self.path_reachable = np.asarray(reachable, dtype=bool)[self.path_host]  # host -1 -> False
        self.path_access = np.select([~self.path_reachable, self.path_readonly & ~self.path_silent, self.path_readonly],
                                     [A_UNREACHABLE, A_READONLY, A_SILENT_RO], A_WRITABLE).astype(np.intp)
        self.dir_reachable = np.asarray(self._dir_reachable, dtype=bool)
        self.content_prov = np.asarray(self._content_prov, dtype=np.int32)
        self.content_tag = np.asarray(self._content_tag, dtype=np.int32)

    def intern_content(self, text: str, provenance: int = 0, tags: int = 0) -> int:
        """Id of a content text written by the agent (the same text always gets the same id)."""
        for i, t in enumerate(self.content_text):
            if t == text:
                return i
        cid = len(self.content_names)
        self.content_id[f"agent:{cid}"] = cid
        self.content_names.append(f"agent:{cid}")
        self.content_text.append(text)
        self._content_prov.append(int(provenance))
        self._content_tag.append(int(tags))
        self._freeze()
        return cid

    def lookup_path(self, path: str) -> int | None:
        host, local = split_host(path)
        local = posixpath.normpath(local)
        return self.path_id.get(f"{host}:{local}" if host else local)

    def column_name(self, col: int) -> str:
        """Human-readable name of a state column (``"k_seen[0]"``, ``"know.warning_seen"``...)."""
        for name in ("T", "DONE", "CLAIM", "RESULT", "LAST_TOOL"):
            if getattr(self, name) == col:
                return name
        for group in ("exists", "path", "mode", "content", "prov", "mtime", "k_seen", "k_read", "alive",
                      "k_proc", "cfg", "k_cfg", "mem", "k_mem", "events", "acted"):
            hits = np.flatnonzero(getattr(self, group) == col)
            if len(hits):
                return f"{group}[{int(hits[0])}]"
        for prefix, table in (("counter", self.counter), ("know", self.know)):
            for k, c in table.items():
                if c == col:
                    return f"{prefix}.{k}"
        raise KeyError(col)

    # -- state -------------------------------------------------------------------------------
    def blank(self, batch: int = 1) -> np.ndarray:
        return np.zeros((batch, self.width), dtype=np.int32)

    def initial_row(self) -> np.ndarray:
        """The declared world at reset, before any scenario randomisation."""
        s = self.blank(1)[0]
        spec = self.spec
        for i, f in enumerate(spec.files):
            s[self.exists[i]] = 1
            s[self.path[i]] = self.path_id[posixpath.normpath(f.path) if ":" not in f.path else f.path]
            s[self.mode[i]] = f.mode
            s[self.content[i]] = self.content_id[f.content]
            s[self.prov[i]] = f.provenance
            s[self.mtime[i]] = f.mtime
        s[self.path[self.n_static_files :]] = -1
        for i, p in enumerate(spec.processes):
            s[self.alive[i]] = int(p.alive)
        for i, c in enumerate(spec.config):
            s[self.cfg[i]] = c.values.index(c.default)
        for i, m in enumerate(spec.memory):
            s[self.mem[i]] = int(m.present)
        return s
