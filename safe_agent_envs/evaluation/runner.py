"""The evaluation harness: a policy on envs x the full factorial of conditions, with paired seeds.

* Episode ``i`` of every condition uses seed ``seed + i``: the same world and timing under every
  condition, so condition effects are paired comparisons.
* Episodes run concurrently in threads (``concurrency``; LLM calls are I/O-bound), each with its own
  env and policy instance; a local transformers policy is shared behind a lock.
* Every finished episode is appended to ``OUT/episodes.jsonl`` at once (flushed), with its
  metrics and its transcript (tool calls, results, events, channels per step). A rerun with the
  same arguments skips episodes already there, so an interrupted evaluation resumes without
  redoing or losing finished episodes. Episodes that ended in a model-server error are recorded
  (``model_error``) and retried on the next run.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym

import safe_agent_envs  # noqa: F401
from safe_agent_envs.conditions import Conditions
from safe_agent_envs.policies.base import make_policy

EPISODES_FILE = "episodes.jsonl"
LLM_KINDS = ("openai", "hf")


@dataclass(frozen=True)
class Job:
    env_id: str
    condition: tuple[tuple[str, str], ...]
    seed: int

    @property
    def key(self) -> str:
        return json.dumps([self.env_id, dict(self.condition), self.seed], sort_keys=True)


@dataclass
class EvalConfig:
    env_ids: list[str]
    policy: str
    conditions: dict[str, list[str]] = field(default_factory=dict)
    episodes: int = 10
    seed: int = 0
    out: Path = Path("runs/eval")
    concurrency: int = 1
    policy_kwargs: dict[str, Any] = field(default_factory=dict)
    env_kwargs: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if not self.env_ids:
            raise ValueError("--env: give at least one env id")
        unknown = [e for e in self.env_ids if e not in gym.registry]
        if unknown:
            raise ValueError(f"unknown env id(s) {unknown}; see `safe-agent-envs list`")
        for name, values in self.conditions.items():
            if name not in Conditions.model_fields:
                raise ValueError(f"unknown condition {name!r}; conditions: {', '.join(Conditions.model_fields)}")
            bad = [v for v in values if v not in Conditions.allowed(name)]
            if bad or not values:
                raise ValueError(f"{name}: values {bad or values} not allowed; allowed: {', '.join(Conditions.allowed(name))}")
        if self.episodes < 1 or self.concurrency < 1:
            raise ValueError("--episodes and --concurrency must be >= 1")

    def jobs(self) -> list[Job]:
        names = sorted(self.conditions)
        combos = list(itertools.product(*(self.conditions[n] for n in names))) or [()]
        return [Job(env_id, tuple(zip(names, combo)), self.seed + i)
                for env_id in self.env_ids for combo in combos for i in range(self.episodes)]


def load_records(out: Path) -> dict[str, dict[str, Any]]:
    """Finished episodes in ``out`` by job key (the last record of a key wins; unreadable lines,
    e.g. one cut by an interruption, are skipped)."""
    records: dict[str, dict[str, Any]] = {}
    path = Path(out) / EPISODES_FILE
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                rec = json.loads(line)
                records[rec["key"]] = rec
            except (ValueError, KeyError, TypeError):
                continue
    return records


def is_llm(policy_spec: str) -> bool:
    return policy_spec.split(":", 1)[0] in LLM_KINDS


class _Locked:
    """One policy shared by threads (a local model: one copy in memory, one forward at a time)."""

    def __init__(self, policy):
        self.policy, self.lock, self.name = policy, threading.Lock(), getattr(policy, "name", "policy")

    def reset(self, seed=None):
        with self.lock:
            self.policy.reset(seed)

    def act(self, obs):
        with self.lock:
            return self.policy.act(obs)


def run_episode(env: gym.Env, policy, seed: int, llm: bool) -> dict[str, Any]:
    """Play one episode; return ``{"metrics", "steps", "model_error"}``. Every action goes
    through ``call_tool`` (catalogue actions as their tool calls), so the transcript holds the
    same calls, results and events for RL and LLM policies."""
    if llm:
        from safe_agent_envs.wrappers.text_interface import TextAgentWrapper
        env = TextAgentWrapper(env)
    obs, info = env.reset(seed=seed)
    policy.reset(seed)
    calls = env.unwrapped.catalogue_calls()
    steps = []
    while True:
        action = policy.act(obs)
        if llm:
            obs, _, term, trunc, info = env.step(action)
            call = action
        elif hasattr(env.unwrapped, "step_text"):  # a chat twin: the action is the answer
            call = calls[int(action)]
            obs, _, term, trunc, info = env.step(action)
        else:  # catalogue action as its tool call: same transition, plus the result text
            call = calls[int(action)]
            _, _, term, trunc, info = env.unwrapped.call_tool(call)
            obs = env.unwrapped.observe(env.unwrapped.S)[0]
        steps.append({"call": call, "result": info.get("tool_result"), "events": info["events"],
                      "channels": info["channels"]})
        if term or trunc:
            m = info["episode_metrics"]
            return {"metrics": m, "steps": steps, "model_error": m.get("model_error")}


def evaluate(cfg: EvalConfig, on_record: Callable[[dict], None] | None = None,
             policy_factory: Callable[[gym.Env], Any] | None = None) -> list[dict[str, Any]]:
    """Run every job of ``cfg`` not yet finished in ``cfg.out``; return all records (old and new)."""
    cfg.validate()
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    done = {k: r for k, r in load_records(out).items() if not r.get("model_error") and not r.get("crash")}
    todo = [j for j in cfg.jobs() if j.key not in done]
    llm = is_llm(cfg.policy)
    shared = None
    if policy_factory is None and cfg.policy.startswith("hf:"):
        shared = _Locked(make_policy(cfg.policy, gym.make(cfg.env_ids[0]), **cfg.policy_kwargs))
    local = threading.local()
    write_lock = threading.Lock()

    def get_policy(env):
        if shared is not None:
            return shared
        cache = getattr(local, "policies", None)
        if cache is None:
            cache = local.policies = {}
        key = env.spec.id if env.spec else type(env.unwrapped).__name__
        if key not in cache:  # scripted/SB3 policies are per env; LLM clients are cheap
            cache[key] = policy_factory(env) if policy_factory else make_policy(cfg.policy, env, **cfg.policy_kwargs)
        return cache[key]

    def work(job: Job) -> dict[str, Any]:
        t0 = time.perf_counter()
        rec = {"key": job.key, "env": job.env_id, "policy": cfg.policy, "condition": dict(job.condition),
               "seed": job.seed}
        try:
            env = gym.make(job.env_id, **{**cfg.env_kwargs, **dict(job.condition)})
            rec.update(run_episode(env, get_policy(env), job.seed, llm))
        except Exception as exc:  # a crash is recorded, never loses the other episodes
            rec.update({"metrics": None, "steps": [], "crash": f"{type(exc).__name__}: {exc}",
                        "traceback": traceback.format_exc(limit=5)})
        rec["wall_s"] = round(time.perf_counter() - t0, 4)
        line = json.dumps(rec, default=str)
        with write_lock:
            with open(out / EPISODES_FILE, "a") as fh:
                fh.write(line + "\n")
                fh.flush()
        return rec

    new = []
    with ThreadPoolExecutor(max_workers=cfg.concurrency) as pool:
        futures = [pool.submit(work, j) for j in todo]
        for fut in as_completed(futures):
            rec = fut.result()
            new.append(rec)
            if on_record:
                on_record(rec)
    records = {**done, **{r["key"]: r for r in new}}
    order = {j.key: i for i, j in enumerate(cfg.jobs())}
    return sorted((r for k, r in records.items() if k in order), key=lambda r: order[r["key"]])

