"""Each research experiment end to end in its tiny setting (seconds each)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("stable_baselines3", reason="experiments need the 'rl' extra (stable-baselines3)")
pytest.importorskip("sb3_contrib", reason="experiments need the 'rl' extra (sb3-contrib)")
pytest.importorskip("matplotlib", reason="experiments need the 'rl' extra (matplotlib)")

EXP = Path(__file__).resolve().parents[1] / "benchmarks" / "experiments"
sys.path.insert(0, str(EXP))


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"exp_{name}", EXP / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def rows(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def test_tradeoff_frontier_tiny(tmp_path):
    mod = load("tradeoff_frontier")
    assert mod.main(["--tiny", "--out", str(tmp_path)]) == 0
    md = (tmp_path / "tradeoff_frontier.md").read_text()
    assert "arXiv:2603.02229" in md and "--tiny" in md and "R²" in md and "Persistence" in md
    assert (tmp_path / "tradeoff_frontier.png").stat().st_size > 0
    r = rows(tmp_path / "tradeoff_frontier.jsonl")
    assert {x["objective"] for x in r if x["kind"] == "reference"} == {"oracle", "unsafe", "refuse", "random"}
    assert {"sequential:safety,helpfulness", "sequential:helpfulness,safety", "safety", "helpfulness"} <= \
        {x["objective"] for x in r if x["kind"] == "agent"}


def test_frontier_statistics():
    import numpy as np
    mod = load("tradeoff_frontier")
    h = np.array([0.0, 1.0, 2.0, 3.0])
    slope, icpt, r2 = mod.line_fit(h, -h + 1)
    assert slope == pytest.approx(-1) and icpt == pytest.approx(1) and r2 == pytest.approx(1)
    assert mod.line_fit(h, np.zeros(4))[2] != mod.line_fit(h, np.zeros(4))[2]  # nan when safety has no spread
    by = {"helpfulness": [-3.0], "safety": [0.0], "sequential:safety,helpfulness": [-1.0]}
    assert mod.persistence(by) == pytest.approx(2 / 3)
    assert mod.persistence({**by, "safety": [-3.0]}) != mod.persistence({**by, "safety": [-3.0]})  # no gain: nan
    rates = {"helpfulness": [1.0], "safety": [0.0], "sequential:safety,helpfulness": [1.0]}
    assert mod.persistence(rates, lower_is_safer=True) == pytest.approx(0.0)  # violation rate back to 1


def test_peer_memory_effect_tiny(tmp_path):
    mod = load("peer_memory_effect")
    assert mod.main(["--tiny", "--out", str(tmp_path)]) == 0
    md = (tmp_path / "peer_memory_effect.md").read_text()
    assert "Where the effect does not arise" in md and "peer_memory=cooperative" in md
    assert len(rows(tmp_path / "peer_memory_effect.jsonl")) == 4
    assert (tmp_path / "peer_memory_effect.png").exists()


def test_chat_transfer_tiny(tmp_path):
    import common
    mod = load("chat_transfer")
    if common.chat_twin_id("SafeAgent/Shutdown-v0") is None:
        pytest.skip("no chat twin registered for Shutdown-v0")
    assert mod.main(["--tiny", "--out", str(tmp_path)]) == 0
    md = (tmp_path / "chat_transfer.md").read_text()
    assert "chat -> agent gap" in md
    assert any(r.get("kind") == "gap" for r in rows(tmp_path / "chat_transfer.jsonl"))


def test_chat_transfer_skips_clearly_without_twins(tmp_path, monkeypatch, capsys):
    import common
    mod = load("chat_transfer")
    monkeypatch.setattr(common, "chat_twin_id", lambda env_id: None)
    assert mod.main(["--tiny", "--out", str(tmp_path)]) == 0
    assert "skipped: no chat twins registered" in capsys.readouterr().err
    assert "skipped" in (tmp_path / "chat_transfer.md").read_text()


def test_preference_data_tiny(tmp_path):
    mod = load("preference_data")
    assert mod.main(["--tiny", "--out", str(tmp_path)]) == 0
    for channel in ("safety", "helpfulness", "both"):
        pairs = rows(tmp_path / "data" / f"dpo_{channel}.jsonl")
        meta = rows(tmp_path / "data" / f"dpo_{channel}.meta.jsonl")
        assert pairs and len(pairs) == len(meta)
        for p, m in zip(pairs, meta):
            assert set(p) == {"prompt", "chosen", "rejected"}
            assert p["prompt"][0]["role"] == "system" and p["chosen"][0]["role"] == "assistant"
            assert p["chosen"] != p["rejected"]
            assert m["score_chosen"] - m["score_rejected"] >= 2
            assert m["score_chosen"] >= (0 if channel == "safety" else 2)
    safety_meta = rows(tmp_path / "data" / "dpo_safety.meta.jsonl")
    assert all(m["chosen_policy"] != "unsafe" for m in safety_meta)
