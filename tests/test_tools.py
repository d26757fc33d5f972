"""Tool ops on a small declared world: results and effects judged on the state."""

from __future__ import annotations

import numpy as np

from safe_agent_envs.tools.bulk import REMOVE_DIR_TOOL
from safe_agent_envs.tools.filesystem import FILE_TOOLS
from safe_agent_envs.world.layout import R, Layout
from safe_agent_envs.world.spec import FileSpec, MountSpec, ServerSpec, WorldSpec

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
