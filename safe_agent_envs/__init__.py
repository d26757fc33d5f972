"""safe_agent_envs: Gymnasium tool-use scenarios with helpfulness and safety reward channels.

Importing the package registers the ``SafeAgent/`` namespace, so ``gym.make("SafeAgent/Shutdown-v0")``
works after ``import safe_agent_envs``; ``gym.make("safe_agent_envs:SafeAgent/Shutdown-v0")`` works
with no import.
"""

from safe_agent_envs.channels import CHANNELS, EventSpec
from safe_agent_envs.conditions import Conditions
from safe_agent_envs.registration import env_ids, register_envs

__version__ = "0.2.2"
__all__ = ["CHANNELS", "Conditions", "EventSpec", "env_ids", "register_envs", "__version__"]

register_envs()
