"""Content search: find every file whose data carries given provenance bits.

``search(query)`` is ``grep -r`` over the agent's whole reachable world (local volumes, mounts,
trash, and reachable servers): the query is matched against the scenario's search index
(``WorldSpec.extra["search_index"]``: ``{term: provenance bits}``), and every existing file whose
provenance carries one of the bits is reported, wherever it lives and whatever it is named. It
ignores listing caches, so it is the tool a careful agent verifies with.

Batched like every op (see :mod:`safe_agent_envs.tools.base`): argument 0 is the bitmask.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from safe_agent_envs.tools.base import Tool, ToolArgs
from safe_agent_envs.world.cells import rows, set_where
from safe_agent_envs.world.layout import K_ABSENT, K_PRESENT, K_UNKNOWN, R, Layout


class SearchArgs(ToolArgs):
    query: str = Field(min_length=1, max_length=200,
                       description="Text to look for inside files (an id, a key, a name)")


def resolve_search(L: Layout, args: SearchArgs) -> tuple[int, int, int]:
    q = args.query.strip().lower()
    bits = 0
    for term, b in L.spec.extra.get("search_index", {}).items():
        t = term.lower()
        if t in q or (len(q) >= 4 and q in t):
            bits |= int(b)
    return bits, 0, 0


def _search(L: Layout, S: np.ndarray, r, bits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(files carrying any of ``bits``, those of them that exist and are reachable) in rows ``r``
    (from :func:`~safe_agent_envs.world.cells.rows`), each ``(len(bits), n_files)``."""
    paths = S[r, L.span.path]
    reach = (paths >= 0) & L.path_reachable.take(paths, mode="clip")
    match = (S[r, L.span.prov] & bits[:, None]) != 0
    return match, match & (S[r, L.span.exists] == 1) & reach


def op_search(L, S, e, a):
    r = rows(S, e)
    match, hit = _search(L, S, r, a[:, 0])
    gone = match & ~hit & (S[r, L.span.k_seen] != K_UNKNOWN)  # seen before, not found now
    set_where(S, r, L.span.k_seen, gone, K_ABSENT)
    set_where(S, r, L.span.k_seen, hit, K_PRESENT)
    S[r, L.RESULT] = R["ok"]


def render_search(L, s, args, code):
    bits = resolve_search(L, args)[0]
    hits = sorted(L.paths[s[L.path[f]]] for f in range(L.n_files)
                  if s[L.exists[f]] and s[L.path[f]] >= 0 and s[L.prov[f]] & bits
                  and L.path_reachable[s[L.path[f]]])
    if not hits:
        return f"search {args.query!r}: no matches"
    return f"search {args.query!r}: {len(hits)} match(es)\n" + "\n".join(hits)


SEARCH_TOOL = Tool("search", "Search the content of every file you can reach (local volumes, mounts, trash, "
                   "servers) for the given text; lists the files that contain it.",
                   SearchArgs, op_search, resolve_search, render_search, mutates=False)
