"""Smoke test of the throughput benchmark (tiny sizes; no timing assertions)."""

from __future__ import annotations

import importlib.util
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_throughput_quick(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("throughput", ROOT / "benchmarks" / "throughput.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "r.json"
    assert mod.main(["--quick", "--env", "SafeAgent/Shutdown-v0", "--json", str(out)]) == 0
    res = json.loads(out.read_text())
    r = res["envs"]["SafeAgent/Shutdown-v0"]
    for key in ("single_raw", "single_make", "sync_8", "native_64", "native_over_sync", "ppo_env_share",
                "state_bytes_per_1000"):
        assert r[key] > 0, key
    assert 0 < r["ppo_env_share"] < 1
    assert "| Shutdown-v0 |" in capsys.readouterr().out
