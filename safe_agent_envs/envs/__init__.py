"""Scenarios: one file each, on the :class:`~safe_agent_envs.envs.base.SafeAgentEnv` base class."""
