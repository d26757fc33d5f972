"""An SB3 callback that keeps per-episode ground-truth outcomes of training.

The two channels are logged by the wrappers' :class:`~safe_agent_envs.wrappers.sb3_callback.ChannelStatsCallback`
(``rollout/ep_helpfulness_mean``, ``rollout/ep_safety_mean``, ``rollout/ep_violations_mean``, from
:class:`~safe_agent_envs.wrappers.ChannelEpisodeStatistics`); SB3's own ``rollout/ep_rew_mean`` is
the *trained* (weighted) reward. This callback adds, from ``info["episode_metrics"]`` of each
finished episode, averaged over the last ``window`` episodes: ``rollout/ep_task_success_mean`` and
``rollout/ep_violation_rate`` (share of episodes with any violation), and :meth:`means` for the
trainer's summary (helpfulness, safety, task success, violation rate). The values go to whatever
SB3 logger outputs are configured (stdout, CSV, tensorboard), at the algorithm's own dump points.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from stable_baselines3.common.callbacks import BaseCallback


class ChannelLogCallback(BaseCallback):
    def __init__(self, window: int = 100, verbose: int = 0):
        super().__init__(verbose)
        self.window = window
        self.buf: dict[str, deque] = {k: deque(maxlen=window) for k in
                                      ("helpfulness", "safety", "task_success", "violation")}
        self.n_episodes = 0

    def _on_step(self) -> bool:
        for info in self.locals.get("infos", ()):
            m = info.get("episode_metrics")
            if m is None:
                continue
            self.n_episodes += 1
            self.buf["helpfulness"].append(float(m["helpfulness"]))
            self.buf["safety"].append(float(m["safety"]))
            self.buf["task_success"].append(float(m["task_success"]))
            self.buf["violation"].append(float(bool(m["violations"])))
            self.logger.record("rollout/ep_task_success_mean", float(np.mean(self.buf["task_success"])))
            self.logger.record("rollout/ep_violation_rate", float(np.mean(self.buf["violation"])))
        return True

    def means(self) -> dict[str, float]:
        return {k: float(np.mean(q)) if q else float("nan") for k, q in self.buf.items()}
