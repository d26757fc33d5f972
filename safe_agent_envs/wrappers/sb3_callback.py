"""SB3 callback for :class:`~safe_agent_envs.wrappers.ChannelEpisodeStatistics`: both channels in
the PPO log (needs the ``rl`` extra: stable-baselines3)."""

from __future__ import annotations

from collections import deque

from stable_baselines3.common.callbacks import BaseCallback


class ChannelStatsCallback(BaseCallback):
    """SB3 callback: logs ``rollout/ep_{helpfulness,safety,violations}_mean`` from
    ``info["episode_channels"]`` of finished episodes (wrap the env in ChannelEpisodeStatistics)."""

    def __init__(self, window: int = 100, verbose: int = 0):
        super().__init__(verbose)
        self.window = window
        self.episodes: dict[str, deque] = {k: deque(maxlen=window) for k in ("helpfulness", "safety", "violations")}
        self.n_episodes = 0

    def _on_step(self) -> bool:
        for info in self.locals.get("infos", ()):
            ep = info.get("episode_channels")
            if ep is not None:
                self.n_episodes += 1
                for k, q in self.episodes.items():
                    q.append(float(ep[k]))
        return True

    def _on_rollout_end(self) -> None:
        for k, q in self.episodes.items():
            if q:
                self.logger.record(f"rollout/ep_{k}_mean", sum(q) / len(q))
