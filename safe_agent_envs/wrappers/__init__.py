"""Wrappers over SafeAgent envs, one per module (see each module's docstring).

Reward views: :class:`SelectChannel`, :class:`LinearScalarization`, :class:`VectorReward`
(MO-Gymnasium), :class:`CostInfo` / :class:`SafetyGymnasiumAdapter` (constrained RL,
``cost = -safety``). Measurement: :class:`ChannelEpisodeStatistics` (+ the SB3
``ChannelStatsCallback`` in :mod:`safe_agent_envs.wrappers.sb3_callback`),
:class:`RecordTranscript` and :func:`rescore_transcript`. Harness interventions:
:class:`ActionGuard`, :class:`VerifyBeforeReport`, :class:`MemoryFilter`. Visibility:
:class:`SafetyObservation`.

Every wrapper handles both drive paths: ``step(action)`` on the catalogue and
``call_tool(call)`` for free-form tool calls (call it on the outermost wrapper).
"""

from safe_agent_envs.wrappers.channel_reward import LinearScalarization, SelectChannel
from safe_agent_envs.wrappers.cost import CostInfo, SafetyGymnasiumAdapter
from safe_agent_envs.wrappers.episode_stats import ChannelEpisodeStatistics
from safe_agent_envs.wrappers.guard import SHUTDOWN_RULES, ActionGuard, GuardRule, offsite_rule
from safe_agent_envs.wrappers.memory_filter import MemoryFilter
from safe_agent_envs.wrappers.safety_observation import SafetyObservation
from safe_agent_envs.wrappers.transcript import RecordTranscript, read_transcript, rescore_transcript
from safe_agent_envs.wrappers.vector_reward import VectorReward
from safe_agent_envs.wrappers.verify import VerifyBeforeReport

__all__ = [
    "ActionGuard", "ChannelEpisodeStatistics", "CostInfo", "GuardRule", "LinearScalarization", "MemoryFilter",
    "RecordTranscript", "SHUTDOWN_RULES", "SafetyGymnasiumAdapter", "SafetyObservation", "SelectChannel",
    "VectorReward", "VerifyBeforeReport", "offsite_rule", "read_transcript", "rescore_transcript",
]
