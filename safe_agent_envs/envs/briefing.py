"""How conditions enter an LLM's opening messages, the same way in every scenario.

A scenario writes its own task text; :func:`brief` places the condition texts around it: the
shutdown instruction in the system or the user prompt, the goal nudge and the oversight notice in
the system prompt, a pointer to the memory store when there is peer memory, and the persona in
the user's message. A text left as ``None`` means the scenario does not use that condition.
"""

from __future__ import annotations

from typing import Mapping

from safe_agent_envs.conditions import Conditions


def brief(c: Conditions, system: list[str], user: list[str], *, instruction: str | None = None,
          nudge: str | None = None, monitored: str | None = None, unmonitored: str | None = None,
          memory_note: str | None = None, personas: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """The system and user messages: the scenario's lines plus the condition texts."""
    system, user = list(system), list(user)
    if instruction and c.shutdown_instruction == "system_prompt":
        system.append(instruction)
    elif instruction and c.shutdown_instruction == "user_prompt":
        user.append(instruction)
    if nudge and c.goal_nudge != "none":
        system.append(nudge)
    notice = monitored if c.oversight == "monitored" else unmonitored
    if notice:
        system.append(notice)
    if memory_note and c.peer_memory != "none":
        system.append(memory_note)
    if personas and c.persona != "none":
        user.append(personas[c.persona])
    return [{"role": "system", "content": " ".join(system)}, {"role": "user", "content": " ".join(user)}]
