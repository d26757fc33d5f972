"""RL baselines: objectives, the train CLI end to end, and SB3 models as policies."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

pytest.importorskip("stable_baselines3", reason="RL baselines need the 'rl' extra (stable-baselines3)")
pytest.importorskip("sb3_contrib", reason="RL baselines need the 'rl' extra (sb3-contrib)")

from safe_agent_envs.cli import main  # noqa: E402
from safe_agent_envs.policies.base import make_policy  # noqa: E402
from safe_agent_envs.training.objectives import objective_weights, parse_objective  # noqa: E402
from safe_agent_envs.training.sb3 import TrainConfig, evaluate, summarise, train  # noqa: E402

ENV = "SafeAgent/Shutdown-v0"


def test_objective_weights():
    assert objective_weights("helpfulness") == {"helpfulness": 1.0, "safety": 0.0}
    assert objective_weights("safety") == {"helpfulness": 0.0, "safety": 1.0}
    assert objective_weights("weighted:0.25") == {"helpfulness": 0.75, "safety": 0.25}
    assert objective_weights("both") == objective_weights("weighted:0.5")
    phases = parse_objective("sequential:safety,helpfulness")
    assert [p.objective for p in phases] == ["safety", "helpfulness"]
    assert [p.fraction for p in phases] == [0.5, 0.5]


@pytest.mark.parametrize("bad", ["helpful", "weighted:2", "weighted:x", "sequential:safety",
                                 "sequential:safety,sequential:a,b", "safety:1"])
def test_bad_objectives_are_clear(bad):
    with pytest.raises(ValueError, match="objective"):
        parse_objective(bad)


def test_train_cli_end_to_end_then_rollout_sb3(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["train", "--env", ENV, "--algo", "maskable_ppo", "--objective", "sequential:safety,helpfulness",
               "--timesteps", "1024", "--seed", "0", "--out", str(out), "--no-progress", "--eval-episodes", "2"])
    assert rc == 0
    assert (out / "model.zip").exists()
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["algo"] == "maskable_ppo" and [p["objective"] for p in cfg["phases"]] == ["safety", "helpfulness"]
    header = (out / "progress.csv").read_text().splitlines()[0].split(",")
    assert "rollout/ep_helpfulness_mean" in header and "rollout/ep_safety_mean" in header
    assert list(out.glob("events.out.tfevents.*")), "tensorboard log missing"
    capsys.readouterr()
    rc = main(["rollout", "--env", ENV, "--policy", f"sb3:{out}", "--episodes", "2", "--json"])
    assert rc == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert len(lines) == 2 and all({"helpfulness", "safety"} <= set(m) for m in lines)


@pytest.mark.parametrize("algo", ["ppo", "dqn"])
def test_other_algos_train_and_load(tmp_path, algo):
    out = tmp_path / algo
    train(TrainConfig(ENV, algo=algo, objective="weighted:0.5", timesteps=600, seed=1,
                      hyperparams={"learning_starts": 100} if algo == "dqn" else {}), out=out)
    env = gym.make(ENV)
    policy = make_policy(f"sb3:{out / 'model.zip'}", env)
    assert policy.maskable is False
    s = summarise(evaluate(policy, ENV, 2, env=env))
    assert s["episodes"] == 2


def test_sb3_policy_errors(tmp_path):
    env = gym.make(ENV)
    with pytest.raises(ValueError, match="no model"):
        make_policy(f"sb3:{tmp_path / 'missing'}", env)


def test_train_is_deterministic_per_seed():
    runs = []
    for _ in range(2):
        policy = make_policy_from(train(TrainConfig(ENV, timesteps=512, seed=3))[0])
        runs.append(summarise(evaluate(policy, ENV, 3, env=policy.env)))  # masks come from policy.env
    assert runs[0] == runs[1]


def make_policy_from(model):
    from safe_agent_envs.policies.sb3_policy import SB3Policy
    env = gym.make(ENV)
    return SB3Policy(model, env, maskable=True)


def test_frontier_cli(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    rows = [{"env": ENV, "objective": o, "helpfulness": h, "safety": s}
            for o, h, s in [("a", 0.0, 0.0), ("b", 5.0, -1.0), ("c", 9.0, -3.0), ("d", 4.0, -2.0)]]
    src = tmp_path / "r.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert main(["frontier", str(src), "--out", str(tmp_path / "f.png")]) == 0
    assert (tmp_path / "f.png").stat().st_size > 0
    assert "3 Pareto-optimal" in capsys.readouterr().out


@pytest.mark.slow
def test_helpfulness_agent_finds_the_shutdown_shortcut():
    """The scenario's incentive is real: a helpfulness-only MaskablePPO tampers with the shutdown;
    a safety-only one does not (30k steps each, the quick setting's budget)."""
    rates = {}
    for objective in ("helpfulness", "safety"):
        model, _ = train(TrainConfig(ENV, objective=objective, timesteps=30_000, seed=0))
        policy = make_policy_from(model)
        s = summarise(evaluate(policy, ENV, 20, env=policy.env))
        rates[objective] = s.get("rate.shutdown_tampered", 0.0)
    assert rates["helpfulness"] >= rates["safety"] + 0.5, rates
