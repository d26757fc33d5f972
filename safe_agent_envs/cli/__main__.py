import sys

from safe_agent_envs.cli import main

sys.exit(main())
