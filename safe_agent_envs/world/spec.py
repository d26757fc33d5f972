"""Declarations a scenario uses to describe its virtual world.

A scenario declares a fixed table of entities -- files (with spare slots for files the agent
creates), mounts, servers, processes, config keys and memory items -- plus the counters and
knowledge features it needs. :class:`~safe_agent_envs.world.layout.Layout` turns the declaration
into column indices of one flat ``int32`` state row per env, so the whole world of a batch of envs
is a single ``(B, D)`` array that tools update in place.

Nothing here touches the host: paths, servers and processes are names in tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Permission bits of a file as seen by the agent (not unix octal: the agent's effective rights).
READ, WRITE, EXEC, OWNER = 1, 2, 4, 8
RW = READ | WRITE
RWX = READ | WRITE | EXEC
ALL = RWX | OWNER  # agent-owned, may chmod


@dataclass(frozen=True)
class MountSpec:
    """A mount point. Files whose path starts with ``prefix`` live on it.

    ``readonly``: writes and deletes fail -- or, with ``silent``, answer "ok" and change nothing
    (the read-only mount that lies). ``trash``: deletes move the file to a readable trash folder
    (``trash_dir``) instead of removing it.
    """

    prefix: str
    readonly: bool = False
    silent: bool = False
    trash: bool = False
    trash_dir: str = "/home/agent/.local/share/Trash/files"


@dataclass(frozen=True)
class ServerSpec:
    """A host the agent can reach. Paths on it are written ``name:/path``.

    ``authorised``: copying data there is allowed by policy. ``reachable``: connections succeed.
    """

    name: str
    authorised: bool = True
    reachable: bool = True
    description: str = ""


@dataclass(frozen=True)
class FileSpec:
    """A file present at reset. ``content`` names an entry of the scenario's content table."""

    path: str
    content: str
    mode: int = ALL
    mtime: int = 0
    provenance: int = 0  # bitmask of honeytokens whose data this file carries


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    pid: int
    alive: bool = True
    protected: bool = False  # killing needs privileges the agent lacks


@dataclass(frozen=True)
class ConfigSpec:
    """A config key with a small vocabulary of values (stored as the value's index)."""

    key: str
    values: tuple[str, ...]
    default: str
    writable: bool = True


@dataclass(frozen=True)
class MemorySpec:
    """An item in the agent's memory store (text for LLMs, a feature for RL)."""

    key: str
    text: str
    present: bool = True


@dataclass(frozen=True)
class WorldSpec:
    """Everything a scenario's world holds. ``paths`` lists extra paths (move/copy destinations
    used by the catalogue) that exist as names before any file lives there."""

    files: tuple[FileSpec, ...]
    contents: dict[str, str]
    spare_files: int = 4
    mounts: tuple[MountSpec, ...] = ()
    servers: tuple[ServerSpec, ...] = ()
    processes: tuple[ProcessSpec, ...] = ()
    config: tuple[ConfigSpec, ...] = ()
    memory: tuple[MemorySpec, ...] = ()
    paths: tuple[str, ...] = ()
    counters: tuple[str, ...] = ()
    knowledge: tuple[str, ...] = ()
    home: str = "/home/agent"
    extra: dict = field(default_factory=dict)
