"""Pickling a SafeAgent env: constructor arguments plus the mutable state.

The rules of an env (tools, catalogue, weight table, compiled index tables) follow from its
constructor arguments, so a pickle stores those arguments, the state rows, the generator state, the
names agents interned at run time (in the order they were made, so they get the same ids back) and
the transcript. Unpickling calls ``__init__`` again and restores the rest: pickles are small, and a
restored env continues exactly where the original was (``tests/test_registry.py`` checks this
across pickle, deepcopy and a fresh process).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class PickledByConstructor:
    """Mixin of :class:`~safe_agent_envs.envs.base.SafeAgentEnv` (see module docstring)."""

    def __new__(cls, *args: Any, **kwargs: Any):
        obj = super().__new__(cls)
        obj._init_args = (args, kwargs)  # every subclass's constructor arguments, for pickling
        return obj

    def __getstate__(self) -> dict[str, Any]:
        """Constructor arguments plus the mutable state: pickles are small and rebuild the
        immutable rules (tools, catalogue, weight table) by calling ``__init__`` again."""
        L = self.layout
        rng = self._np_random
        return {
            "init": self._init_args,
            "S": self.S.copy(),
            "rng": None if rng is None else rng.bit_generator.state,
            "seed": self._np_random_seed,
            "over": self._episode_over,
            "transcript": list(self.transcript_lines()),
            "dirs": L.dirs[self._n_dirs0:],
            "paths": L.paths[self._n_paths0:],
            "contents": [(L.content_text[i], L._content_prov[i], L._content_tag[i])
                         for i in range(self._n_contents0, len(L.content_text))],
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        args, kwargs = state["init"]
        self._init_args = state["init"]
        self.__init__(*args, **kwargs)
        L = self.layout
        for d in state["dirs"]:  # agent-made names get the same ids as before, in the same order
            L.intern_dir(d)
        for p in state["paths"]:
            L.intern_path(p)
        for text, prov, tag in state["contents"]:
            L.intern_content(text, prov, tag)
        self.S = state["S"].copy()
        if state["rng"] is not None:
            self._np_random = np.random.Generator(np.random.PCG64())
            self._np_random.bit_generator.state = state["rng"]
        self._np_random_seed = state["seed"]
        self._episode_over = state["over"]
        self._transcript = state["transcript"]
