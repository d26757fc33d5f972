"""Tool ops on a small declared world: results and effects judged on the state."""

from __future__ import annotations

import numpy as np

from safe_agent_envs.tools.bulk import REMOVE_DIR_TOOL
from safe_agent_envs.tools.filesystem import FILE_TOOLS
from safe_agent_envs.world.layout import K_ABSENT, K_PRESENT, R, Layout
from safe_agent_envs.world.spec import EXEC, OWNER, READ, RW, RWX, FileSpec, MountSpec, ServerSpec, WorldSpec

TOOLS = {t.name: t for t in FILE_TOOLS + (REMOVE_DIR_TOOL,)}


def _world():
    spec = WorldSpec(
        files=(FileSpec("/ro/kept.txt", "a"), FileSpec("/quiet/kept.txt", "a"), FileSpec("down:/srv/x.txt", "a"),
               FileSpec("/home/agent/y.txt", "a")),
        contents={"a": "data"},
        mounts=(MountSpec("/ro", readonly=True), MountSpec("/quiet", readonly=True, silent=True)),
        servers=(ServerSpec("down", reachable=False),),
    )
    L = Layout(spec, n_events=1)
    return L, L.initial_row()[None].copy()


def _call(L, S, name, **arguments):
    tool = TOOLS[name]
    args = tool.args(**arguments)
    ints = np.array([tool.resolve(L, args)], dtype=np.int32)
    tool.op(L, S, np.zeros(1, dtype=np.intp), ints)
    return int(S[0, L.RESULT])


def _files(L, S):
    return sorted(L.paths[p] for p, ex in zip(S[0, L.path], S[0, L.exists]) if ex)


def test_write_new_file_on_a_read_only_mount_is_refused():
    L, S = _world()
    before = _files(L, S)
    assert _call(L, S, "write_file", path="/ro/new.txt", content="x") == R["read_only"]
    assert _call(L, S, "write_file", path="/quiet/new.txt", content="x") == R["ok"]  # silent: ok, nothing kept
    assert _call(L, S, "write_file", path="down:/srv/new.txt", content="x") == R["connection_refused"]
    assert _files(L, S) == before
    assert _call(L, S, "write_file", path="/home/agent/new.txt", content="x") == R["ok"]
    assert _files(L, S) == sorted(before + ["/home/agent/new.txt"])


def test_remove_dir_on_an_unreachable_host_changes_nothing():
    L, S = _world()
    before = _files(L, S)
    assert _call(L, S, "remove_dir", path="down:/srv") == R["connection_refused"]
    assert _call(L, S, "remove_dir", path="/ro") == R["read_only"]
    assert _files(L, S) == before
    assert _call(L, S, "remove_dir", path="/home/agent") == R["ok"]
    assert "/home/agent/y.txt" not in _files(L, S)


def _trash_world():
    spec = WorldSpec(
        files=(FileSpec("/data/a.txt", "a", mode=RW | OWNER), FileSpec("/home/agent/b.txt", "b", mode=READ),
               FileSpec("/home/agent/c.txt", "a", mode=RWX | OWNER, mtime=5), FileSpec("/quiet/q.txt", "a")),
        contents={"a": "data", "b": "other"},
        mounts=(MountSpec("/data", trash=True, trash_dir="/data/.trash"),
                MountSpec("/quiet", readonly=True, silent=True)),
        spare_files=2,
    )
    L = Layout(spec, n_events=1)
    return L, L.initial_row()[None].copy()


def _slot(L, S, path):
    hits = [f for f in range(L.n_files) if S[0, L.exists[f]] and L.paths[S[0, L.path[f]]] == path]
    return hits[0] if hits else None


def test_chmod_numeric_and_symbolic_modes():
    L, S = _trash_world()
    f = _slot(L, S, "/home/agent/c.txt")
    for mode, rwx in (("640", RW), ("-x", RW), ("+x", RWX), ("u-rw", EXEC), ("=r", READ), ("a+w", RW)):
        assert _call(L, S, "chmod", path="/home/agent/c.txt", mode=mode) == R["ok"]
        assert S[0, L.mode[f]] == rwx | OWNER, mode
    assert _call(L, S, "chmod", path="/home/agent/b.txt", mode="777") == R["permission_denied"]  # not owned
    assert _call(L, S, "chmod", path="/home/agent/none.txt", mode="777") == R["not_found"]


def test_delete_goes_to_the_trash_or_is_gone_and_is_then_known_absent():
    L, S = _trash_world()
    a, c = _slot(L, S, "/data/a.txt"), _slot(L, S, "/home/agent/c.txt")
    assert _call(L, S, "delete_file", path="/data/a.txt") == R["ok"]
    assert _slot(L, S, "/data/.trash/a.txt") == a and S[0, L.k_seen[a]] == K_ABSENT
    assert _call(L, S, "delete_file", path="/home/agent/c.txt") == R["ok"]
    assert S[0, L.exists[c]] == 0 and S[0, L.k_seen[c]] == K_ABSENT
    assert _call(L, S, "delete_file", path="/home/agent/b.txt") == R["permission_denied"]
    assert _call(L, S, "delete_file", path="/quiet/q.txt") == R["ok"] and _slot(L, S, "/quiet/q.txt") is not None
    assert _call(L, S, "stat", path="/home/agent/c.txt") == R["not_found"]


def test_read_and_stat_mark_what_they_see():
    L, S = _trash_world()
    c = _slot(L, S, "/home/agent/c.txt")
    assert _call(L, S, "read_file", path="/home/agent/c.txt") == R["ok"]
    assert S[0, L.k_seen[c]] == K_PRESENT and S[0, L.k_read[c]] == 1
    b = _slot(L, S, "/home/agent/b.txt")
    S[0, L.mode[b]] = 0  # unreadable: seen, not read
    assert _call(L, S, "read_file", path="/home/agent/b.txt") == R["permission_denied"]
    assert S[0, L.k_seen[b]] == K_PRESENT and S[0, L.k_read[b]] == 0
    S[0, L.exists[c]] = 0  # removed behind the agent's back: a stat finds it gone
    assert _call(L, S, "stat", path="/home/agent/c.txt") == R["not_found"] and S[0, L.k_seen[c]] == K_ABSENT


def test_copy_and_move_results_and_effects():
    L, S = _trash_world()
    assert _call(L, S, "copy_file", source="/home/agent/c.txt", destination="/home/agent/d.txt") == R["ok"]
    c, d = _slot(L, S, "/home/agent/c.txt"), _slot(L, S, "/home/agent/d.txt")
    assert d >= L.n_static_files and S[0, L.content[d]] == S[0, L.content[c]] and S[0, L.mtime[d]] == 5
    assert S[0, L.mode[d]] == RWX | OWNER and S[0, L.k_seen[d]] == K_PRESENT
    assert _call(L, S, "copy_file", source="/home/agent/b.txt", destination="/home/agent/e.txt") == R["ok"]
    assert S[0, L.mode[_slot(L, S, "/home/agent/e.txt")]] == READ | OWNER  # a copy is the agent's
    assert _call(L, S, "copy_file", source="/home/agent/b.txt", destination="/home/agent/f.txt") == R["no_space"]
    assert _call(L, S, "copy_file", source="/home/agent/c.txt", destination="/quiet/c.txt") == R["ok"]
    assert _slot(L, S, "/quiet/c.txt") is None  # the silent mount keeps nothing
    assert _call(L, S, "move_file", source="/home/agent/c.txt", destination="/home/agent/d.txt") == R["ok"]
    assert _slot(L, S, "/home/agent/d.txt") == c and S[0, L.exists[d]] == 0  # the file moved onto is replaced
    assert _call(L, S, "move_file", source="/home/agent/b.txt", destination="/tmp/g.txt") == R["permission_denied"]


def test_ops_on_a_batch_match_the_ops_row_by_row():
    """Each op run on a batch (rows ``e`` a strict subset, arguments ``a[j]`` for row ``e[j]``)
    changes each row as running it on that row alone does. Both run the same kernel loop, so this
    guards the row/argument pairing and row independence, not the rule itself (the scenario
    tests and the exact trajectory checks do that)."""
    L, S1 = _trash_world()
    calls = [("delete_file", {"path": "/data/a.txt"}), ("read_file", {"path": "/home/agent/none.txt"}),
             ("copy_file", {"source": "/home/agent/c.txt", "destination": "/home/agent/x.txt"}),
             ("write_file", {"path": "/home/agent/c.txt", "content": "new"}), ("stat", {"path": "/quiet/q.txt"}),
             ("chmod", {"path": "/home/agent/c.txt", "mode": "-w"}), ("touch", {"path": "/data/a.txt", "timestamp": 9}),
             ("move_file", {"source": "/home/agent/c.txt", "destination": "/home/agent/b.txt"}),
             ("list_dir", {"path": "/home/agent"})]
    n = len(calls)
    for name, _ in calls:  # every row calls `name`, with the arguments of the calls of the same argument model
        tool = TOOLS[name]
        args = [tool.args(**kw) for other, kw in calls if TOOLS[other].args is tool.args]
        ints = np.array([tool.resolve(L, args[i % len(args)]) for i in range(n)], dtype=np.int32)
        S = np.repeat(S1, n, 0)
        for i in range(n):  # rows differ: some files gone
            S[i, L.exists[i % L.n_static_files]] = i % 2
        for e in (np.arange(n), np.arange(0, n, 2)):
            B = S.copy()
            tool.op(L, B, e, ints[e])
            for i in range(n):
                row = S[i:i + 1].copy()
                if i in e:
                    tool.op(L, row, np.zeros(1, dtype=np.intp), ints[i:i + 1])
                assert np.array_equal(B[i], row[0]), (name, i)


def test_change_log_notes_every_file_whose_exists_or_path_cell_changed():
    """The world-changing ops' change log (file_kernels.note): every slot whose exists or path cell
    changed is noted, with both cells as they were; a log is the same op (the state is unchanged
    by it); rows outside ``e`` note nothing."""
    L, S1 = _trash_world()
    calls = [("delete_file", {"path": "/data/a.txt"}), ("delete_file", {"path": "/home/agent/c.txt"}),
             ("copy_file", {"source": "/home/agent/c.txt", "destination": "/home/agent/x.txt"}),
             ("copy_file", {"source": "/data/a.txt", "destination": "/home/agent/c.txt"}),
             ("write_file", {"path": "/home/agent/c.txt", "content": "new"}),
             ("write_file", {"path": "/home/agent/new.txt", "content": "new"}),
             ("move_file", {"source": "/home/agent/c.txt", "destination": "/home/agent/b.txt"}),
             ("move_file", {"source": "/data/a.txt", "destination": "/home/agent/z.txt"}),
             ("remove_dir", {"path": "/home/agent"}), ("remove_dir", {"path": "/data"})]
    nf = L.n_files
    for name, kw in calls:
        tool = TOOLS[name]
        ints = np.repeat(np.array([tool.resolve(L, tool.args(**kw))], dtype=np.int32), 4, 0)
        S = np.repeat(S1, 4, 0)
        S[1, L.exists[0]] = S[2, L.exists[2]] = 0  # rows differ: some files gone
        e = np.array([0, 1, 2], dtype=np.intp)
        plain, logged = S.copy(), S.copy()
        log, was = np.zeros(4, dtype=np.int64), np.zeros((4, nf, 2), dtype=np.int32)
        tool.op(L, plain, e, ints[e])
        tool.op(L, logged, e, ints[e], log, was)
        assert np.array_equal(plain, logged), name
        assert log[3] == 0, name
        for i in range(4):
            changed = (S[i, L.exists] != logged[i, L.exists]) | (S[i, L.path] != logged[i, L.path])
            noted = (log[i] >> np.arange(nf)) & 1 == 1
            assert not (changed & ~noted).any(), (name, i)
            assert np.array_equal(was[i, noted, 0], S[i, L.exists][noted]), (name, i)
            assert np.array_equal(was[i, noted, 1], S[i, L.path][noted]), (name, i)
        assert log[:3].any(), (name, kw)  # every call acts on some row
