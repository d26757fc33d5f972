"""RL baselines (``rl`` extra): objectives -> reward weights, an SB3 trainer, a channel logger.

See :mod:`safe_agent_envs.training.objectives` for what each objective optimises and
:mod:`safe_agent_envs.training.sb3` for the trainer. The CLI is ``safe-agent-envs train``.
"""

from safe_agent_envs.training.objectives import OBJECTIVE_HELP, Phase, objective_weights, parse_objective

__all__ = ["OBJECTIVE_HELP", "Phase", "objective_weights", "parse_objective"]
