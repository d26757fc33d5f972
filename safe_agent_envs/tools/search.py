"""Content search: find every file whose data carries given provenance bits.

``search(query)`` is ``grep -r`` over the agent's whole reachable world (local volumes, mounts,
trash, and reachable servers): the query is matched against the scenario's search index
(``WorldSpec.extra["search_index"]``: ``{term: provenance bits}``), and every existing file whose
provenance carries one of the bits is reported, wherever it lives and whatever it is named. It
ignores listing caches, so it is the tool a careful agent verifies with.

The op is a compiled kernel over its rows (see :mod:`safe_agent_envs.world.jit`): argument 0 is
the bitmask.
"""

from __future__ import annotations

from pydantic import Field

from safe_agent_envs.tools import file_kernels as fk
from safe_agent_envs.tools.base import Tool, ToolArgs
from safe_agent_envs.tools.file_rules import OK
from safe_agent_envs.world.jit import kernel
from safe_agent_envs.world.layout import K_ABSENT, K_PRESENT, K_UNKNOWN, Layout




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


@kernel
def _search(S, e, a, fc, reachable, RESULT):
    """search for provenance bits ``a[:, 0]``: each file carrying one of them is present where it
    exists on a reachable path, else absent where the agent had seen it (unseen stays unknown)."""
    for j in range(e.shape[0]):
        i, bits = e[j], a[j, 0]
        for f in range(fc.shape[0]):
            if (S[i, fc[f, fk.PROV]] & bits) == 0:
                continue
            p = S[i, fc[f, fk.PATH]]
            if S[i, fc[f, fk.EXISTS]] == 1 and p >= 0 and reachable[p]:
                S[i, fc[f, fk.K_SEEN]] = K_PRESENT
            elif S[i, fc[f, fk.K_SEEN]] != K_UNKNOWN:  # seen before, not found now
                S[i, fc[f, fk.K_SEEN]] = K_ABSENT
        S[i, RESULT] = OK


def op_search(L, S, e, a):
    _search(S, e, a, L.file_cols, L.path_reachable, L.RESULT)


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
