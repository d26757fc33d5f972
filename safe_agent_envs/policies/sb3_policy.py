"""A saved stable-baselines3 / sb3-contrib model behind the one policy shape.

``make_policy("sb3:PATH", env)`` calls :meth:`SB3Policy.load`. ``PATH`` is a ``model.zip`` or
the folder ``safe-agent-envs train --out`` wrote (``model.zip`` + ``config.json``, which names the
algorithm). Actions are deterministic; MaskablePPO models get ``env.unwrapped.action_masks()``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np


class SB3Policy:
    name = "sb3"

    def __init__(self, model, env: gym.Env, maskable: bool, deterministic: bool = True, name: str | None = None):
        self.model = model
        self.env = env
        self.maskable = maskable
        self.deterministic = deterministic
        if name:
            self.name = name

    @classmethod
    def load(cls, path: str | Path, env: gym.Env, algo: str | None = None, deterministic: bool = True,
             **kw: Any) -> "SB3Policy":
        import torch

        from safe_agent_envs.training.sb3 import ALGOS, algo_class

        torch.set_num_threads(1)
        p = Path(path)
        if p.is_dir():
            p = p / "model.zip"
        if not p.exists() and p.with_suffix(".zip").exists():
            p = p.with_suffix(".zip")
        if not p.exists():
            raise ValueError(f"sb3 policy: no model at {path!r} (expected a model.zip or a train --out folder)")
        cfg_file = p.parent / "config.json"
        if algo is None and cfg_file.exists():
            algo = json.loads(cfg_file.read_text()).get("algo")
        candidates = [algo] if algo else list(ALGOS)
        errors = []
        for a in candidates:
            try:
                model = algo_class(a).load(str(p), device="cpu")
            except Exception as exc:  # noqa: BLE001 - try the next algorithm class
                errors.append(f"{a}: {exc}")
                continue
            if model.observation_space.shape != env.observation_space.shape or \
                    model.action_space.n != env.action_space.n:
                raise ValueError(f"sb3 policy {path!r} was trained on spaces {model.observation_space}, "
                                 f"{model.action_space}; this env has {env.observation_space}, {env.action_space}")
            return cls(model, env, maskable=(a == "maskable_ppo"), deterministic=deterministic, name=f"sb3:{path}")
        raise ValueError(f"sb3 policy: could not load {p} ({'; '.join(errors)})")

    def reset(self, seed: int | None = None) -> None:
        pass

    def act(self, observation: Any) -> int:
        obs = np.asarray(observation, dtype=np.float32)
        if self.maskable:
            action, _ = self.model.predict(obs, deterministic=self.deterministic,
                                           action_masks=self.env.unwrapped.action_masks())
        else:
            action, _ = self.model.predict(obs, deterministic=self.deterministic)
        return int(action)
