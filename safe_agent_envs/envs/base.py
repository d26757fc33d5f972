"""The base class of every SafeAgent scenario.

A scenario subclass states its rules once -- world declaration, tools, action catalogue, events,
judge, observation features -- as functions over a batch of state rows. This class runs them for
one env (a batch of one); :class:`safe_agent_envs.envs.vector.SafeAgentVectorEnv` runs the same
functions over N rows. Free-form tool calls (:meth:`SafeAgentEnv.call_tool`) resolve to the same
integer arguments and run the same ops.

Hot path (``step``): gather the catalogue entry, run the tool's op on the rows (a compiled kernel,
see :mod:`safe_agent_envs.world.jit`), judge, compute channels (event counts times weights:
:func:`~safe_agent_envs.channels.row_channel_sums`), read the observation (one kernel: :mod:`safe_agent_envs.envs.step_kernels`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from safe_agent_envs.channels import (COMMON_EVENTS, ChannelTable, EventSpec,
                                      validate_reward_weights)
from safe_agent_envs.conditions import Conditions
from safe_agent_envs.envs.metrics import EpisodeMetrics
from safe_agent_envs.envs.pickling import PickledByConstructor
from safe_agent_envs.envs.step_kernels import add_events, begin_step, column_runs, end_calls, observe
from safe_agent_envs.tools.base import NoArgs, Tool, ToolCall, ToolCallError, parse_tool_call
from safe_agent_envs.world.layout import R, RESULT_NAMES, Layout
from safe_agent_envs.world.spec import WorldSpec


def _op_invalid(L, S, e, a):
    S[e, L.RESULT] = R["invalid"]


INVALID_TOOL = Tool("_invalid", "a call that failed validation", NoArgs, _op_invalid, mutates=False)


class SafeAgentEnv(EpisodeMetrics, PickledByConstructor, gym.Env):
    """Gymnasium env over a virtual tool world with helpfulness and safety channels.

    Subclasses implement the scenario hooks (``build_world``, ``build_tools``, ``build_catalogue``,
    ``reset_row`` or ``reset_rows``, ``judge``, ``task_success``, ``observation_columns``) and the
    LLM-facing text (``briefing``). Keyword arguments common to all scenarios: ``render_mode`` (``"ansi"``),
    ``reward_weights`` (default helpfulness only), ``max_steps`` and the condition factors of
    :class:`~safe_agent_envs.conditions.Conditions`.
    """

    metadata: ClassVar[dict] = {"render_modes": ["ansi"], "render_fps": 4}
    scenario_events: ClassVar[tuple[EventSpec, ...]] = ()
    step_cost: ClassVar[float] = 0.01
    default_max_steps: ClassVar[int] = 40
    # conditions a scenario accepts (all by default); a scenario may narrow this
    condition_names: ClassVar[tuple[str, ...]] = tuple(Conditions.model_fields)

    def __init__(self, render_mode: str | None = None, reward_weights: Mapping[str, float] | None = None,
                 max_steps: int | None = None, **conditions: Any):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode={render_mode!r} is not supported; allowed: "
                             f"{self.metadata['render_modes'] + [None]}")
        unknown = set(conditions) - set(self.condition_names)
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected keyword argument(s) {sorted(unknown)}; "
                            f"allowed: render_mode, reward_weights, max_steps, {', '.join(self.condition_names)}")
        self.conditions = Conditions.from_kwargs(**conditions)
        self.render_mode = render_mode
        self.reward_weights = validate_reward_weights(reward_weights)
        self._w0, self._w1 = float(self.reward_weights["helpfulness"]), float(self.reward_weights["safety"])
        if max_steps is not None and (not isinstance(max_steps, (int, np.integer)) or max_steps < 1):
            raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
        self.max_steps = int(max_steps or self.default_max_steps)

        self.channels = ChannelTable(COMMON_EVENTS + self.scenario_events, self.step_cost)
        self.ev = self.channels.index
        self.tools: tuple[Tool, ...] = tuple(self.build_tools()) + (INVALID_TOOL,)
        self.tool_index = {t.name: i for i, t in enumerate(self.tools)}
        self.public_tools = {t.name: t for t in self.tools if not t.name.startswith("_")}
        self.catalogue: list[tuple[Tool, Any]] = [
            parse_tool_call({"name": n, "arguments": a}, self.public_tools) for n, a in self.build_catalogue()]
        self.layout = Layout(self.build_world(), len(self.channels.names), len(self.catalogue))
        self.layout.classify = self.classify_content
        self._n_dirs0, self._n_paths0 = len(self.layout.dirs), len(self.layout.paths)
        self._n_contents0 = len(self.layout.content_text)
        self._compile()

        self.action_space = spaces.Discrete(len(self.catalogue))
        self._obs_cols, self._obs_scale = self._observation_spec()
        self._obs_runs = column_runs(self._obs_cols)
        self.observation_space = spaces.Box(0.0, 1.0, (len(self._obs_cols) + len(RESULT_NAMES),), np.float32)
        self._obs_dim = self.observation_space.shape[0]
        self.obs_names: tuple[str, ...] = tuple(
            [self.layout.column_name(int(c)) for c in self._obs_cols] + [f"result.{r}" for r in RESULT_NAMES])
        self._obs_pos = {n: i for i, n in enumerate(self.obs_names)}
        self._e1 = np.zeros(1, dtype=np.intp)
        self.S = self.layout.blank(1)
        self._row0: np.ndarray | None = None
        self._transcript: list[str | tuple[int, np.ndarray]] = []  # see transcript_lines
        self._episode_over = True
        self._condition: dict[str, Any] | None = None

    # ------------------------------------------------------------------ scenario hooks
    def build_world(self) -> WorldSpec:
        raise NotImplementedError

    def build_tools(self) -> tuple[Tool, ...]:
        raise NotImplementedError

    def build_catalogue(self) -> list[tuple[str, dict]]:
        """The Discrete action space: concrete tool calls as ``(name, arguments)``."""
        raise NotImplementedError

    def reset_row(self, row: np.ndarray, rng: np.random.Generator) -> None:
        """Randomise one state row (a copy of :meth:`initial_row`). Draw every random number
        before reading conditions, so the same seed gives the same world under every condition
        (paired episodes). A scenario that overrides :meth:`reset_rows` need not define this."""

    def reset_rows(self, S: np.ndarray, rows: np.ndarray, rngs: list[np.random.Generator]) -> None:
        """Start rows ``rows`` of ``S`` over, row ``rows[j]`` drawing from ``rngs[j]``: the
        declared world, then :meth:`reset_row`. Both the single env (one row) and the vector env
        (the rows that finished) reset through here. A scenario may override this instead of
        ``reset_row`` to write the rows in one batch; it must draw from each row's generator
        exactly what ``reset_row`` would. A generator listed several times draws for its rows in
        row order, so ``rngs=[rng] * k`` gives the worlds of ``k`` successive resets (chat twins
        prepare their questions so)."""
        S[rows] = self.initial_row()
        for i, rng in zip(rows.tolist(), rngs):
            self.reset_row(S[i], rng)  # S[i] is a view: reset_row writes into S

    def judge(self, S: np.ndarray, E: np.ndarray, before: Any, tool_ids: np.ndarray) -> None:
        """Add this step's events to ``E`` (``(B, n_events)``) from ground truth, and apply the
        scenario's own dynamics (timers, episode end). ``before`` is what :meth:`snapshot` returned
        before the step, or ``None`` when no row ran a world-changing tool (``Tool.mutates``):
        then no world fact can have changed."""

    def snapshot(self, S: np.ndarray, tool_ids: np.ndarray) -> Any:
        """What :meth:`judge` needs from before a step, for edge-triggered judging: a copy of
        facts, or a per-step scratch the ops fill (FileOps clears a change log its file ops
        write). Called only on steps where some row runs a world-changing tool, and needed only
        for those rows (``tool_ids``: each row's tool; ``self.tool_mutates[t]``: whether tool
        ``t`` changes the world). Default: ``None``, for a judge that keeps the facts it needs in
        state counters (Shutdown, PeerMemory, Exfiltration)."""
        return None

    def task_success(self, S: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def observation_columns(self) -> list[tuple[int, float]]:
        """Knowledge columns of the state the agent sees, each with a scale into [0, 1]."""
        raise NotImplementedError

    def action_mask_batch(self, S: np.ndarray) -> np.ndarray:
        return np.ones((len(S), self.action_space.n), dtype=bool)

    def classify_content(self, L: Layout, path_id: int, text: str) -> tuple[int, int]:
        """(provenance bits, content tags) of text an agent writes; scenarios refine this."""
        return 0, 0

    def briefing(self) -> list[dict[str, str]]:
        """The chat messages that open an LLM episode (system + user), conditions rendered in."""
        raise NotImplementedError

    # ------------------------------------------------------------------ compiled tables
    def _compile(self) -> None:
        L = self.layout
        self._cat_tool = np.array([self.tool_index[t.name] for t, _ in self.catalogue], dtype=np.intp)
        self._cat_args = np.array([t.resolve(L, a) for t, a in self.catalogue], dtype=np.int32).reshape(-1, 3)
        self._cat_lookup = {(int(t), *map(int, a)): k for k, (t, a) in enumerate(zip(self._cat_tool, self._cat_args))}
        self._cat_index = np.arange(len(self.catalogue), dtype=np.intp)
        # each action's (tool ids, arguments, action) as one-row arrays: the single env's step input
        self._cat_rows = [(self._cat_tool[k:k + 1], self._cat_args[k:k + 1], self._cat_index[k:k + 1])
                          for k in range(len(self.catalogue))]
        self.tool_mutates = np.array([t.mutates for t in self.tools], dtype=bool)
        self._mutates_list = self.tool_mutates.tolist()
        self._ev_invalid = self.ev["invalid_tool_call"]
        self._event_col0 = L.span.events.start  # event counts are adjacent columns from here
        self._violation_set = frozenset(self.channels.violations)
        self._violation_rows = [(n, self.ev[n]) for n in self.channels.violations]  # (name, event index)

    def _observation_spec(self) -> tuple[np.ndarray, np.ndarray]:
        cols = [(self.layout.T, 1.0 / self.max_steps)] + list(self.observation_columns())
        cols += [(int(c), 1.0) for c in self.layout.acted]
        idx = np.array([c for c, _ in cols], dtype=np.intp)
        scale = np.array([s for _, s in cols], dtype=np.float32)
        return idx, scale

    # ------------------------------------------------------------------ batched core (shared)
    def transition(self, S: np.ndarray, tool_ids: np.ndarray, args: np.ndarray,
                   actions: np.ndarray | None = None) -> np.ndarray:
        """Advance every row of ``S`` by one tool call; return the step's event counts
        (``(B, n_events)``). ``actions`` are the rows' catalogue actions (-1 or ``None``: a call
        outside the catalogue)."""
        L, B = self.layout, len(S)
        tools = self.tools
        if B == 1:  # one tool: no sort
            tid = int(tool_ids[0])
            before = self.snapshot(S, tool_ids) if self._mutates_list[tid] else None
            S[0, L.T] += 1
            tools[tid].op(L, S, self._e1, args)
        else:
            before = self.snapshot(S, tool_ids) if np.count_nonzero(self.tool_mutates[tool_ids]) else None
            order, ends = np.empty(B, dtype=np.intp), np.empty(len(tools), dtype=np.intp)
            sorted_args = np.empty_like(args)  # in the same order: each tool's arguments are a slice
            begin_step(S, L.T, tool_ids, args, len(tools), order, ends, sorted_args)
            args = sorted_args
            start = 0
            for t, end in enumerate(ends.tolist()):
                if end > start:
                    tools[t].op(L, S, order[start:end], args[start:end])
                    start = end
        E = np.zeros((B, L.n_events), dtype=np.int32)
        end_calls(S, E, tool_ids, np.full(B, -1, dtype=np.intp) if actions is None else actions, L.acted, L.LAST_TOOL,
                  L.RESULT, self._ev_invalid)
        self.judge(S, E, before, tool_ids)
        add_events(S, E, self._event_col0)
        return E

    def observe(self, S: np.ndarray) -> np.ndarray:
        """Observation rows: scaled knowledge columns, then the last result code one-hot."""
        obs = np.empty((len(S), self._obs_dim), dtype=np.float32)
        observe(S, self._obs_runs, self._obs_scale, self.layout.RESULT, len(RESULT_NAMES), obs)
        return obs

    def reset_constants(self, row: np.ndarray) -> None:
        """Write the columns every reset sets to the same values (condition flags, fixed
        counters) into ``row``, the declared world. Called once; :meth:`reset_row` then writes only
        what its draws decide. Default: nothing."""

    def initial_row(self) -> np.ndarray:
        """The declared world plus :meth:`reset_constants`, as a read-only state row (copy before
        changing it): every reset starts from it."""
        if self._row0 is None:  # neither the declared world nor the conditions change after construction
            row = self.layout.initial_row()
            self.reset_constants(row)
            row.flags.writeable = False
            self._row0 = row
        return self._row0

    # ------------------------------------------------------------------ gymnasium API
    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self.reset_rows(self.S, self._e1, [self.np_random])
        self._episode_over = False
        self._transcript = self.briefing_lines() if self.render_mode == "ansi" else []
        return self.observe(self.S)[0], {"channels": {"helpfulness": 0.0, "safety": 0.0}, "events": [],
                                         "condition": self.condition_dict()}

    def step(self, action):
        a = int(action)
        if not 0 <= a < len(self._cat_rows):
            raise ValueError(f"action {action!r} outside the action space Discrete({len(self._cat_rows)})")
        if self._episode_over:
            raise RuntimeError("step() called after the episode ended; call reset() first")
        E = self.transition(self.S, *self._cat_rows[a])
        if self.render_mode == "ansi":
            self._log_action(a)
        return self._finish_step(E)

    def call_tool(self, call: Any):
        """Run a structured tool call (a :class:`ToolCall`, dict, JSON text or OpenAI
        ``tool_calls`` entry) on the same world. Invalid calls become an error observation and an
        ``invalid_tool_call`` event; they never raise. ``info["tool_result"]`` holds the text the
        model sees; ``info["action"]`` the catalogue index the call matches, or -1."""
        if self._episode_over:
            raise RuntimeError("call_tool() called after the episode ended; call reset() first")
        try:
            tool, args = parse_tool_call(call, self.public_tools)
            ints = np.array([tool.resolve(self.layout, args)], dtype=np.int32)
            tid = self.tool_index[tool.name]
            action = self._cat_lookup.get((tid, *ints[0].tolist()), -1)
            error = None
        except ToolCallError as exc:
            tid, ints, action, error = self.tool_index["_invalid"], np.zeros((1, 3), np.int32), -1, str(exc)
        E = self.transition(self.S, np.array([tid]), ints, np.array([action]) if action >= 0 else None)
        text = error if error is not None else tool.render(self.layout, self.S[0], args, int(self.S[0, self.layout.RESULT]))
        if self.render_mode == "ansi":
            self._transcript.append(f"[agent] {call if error else ToolCall(name=tool.name, arguments=args.model_dump()).model_dump_json()}")
            self._transcript.append(f"[tool] {text}")
        out = self._finish_step(E)
        out[4]["tool_result"] = text
        out[4]["action"] = action
        return out

    def _log_action(self, a: int) -> None:
        """Transcript lines of catalogue action ``a``: the call and the tool's answer, kept as the
        state row it is rendered from when the transcript is read (:meth:`transcript_lines`)."""
        self._transcript.append(self.call_text(a))
        self._transcript.append((a, self.S[0].copy()))

    def call_text(self, a: int) -> str:
        """The transcript line of catalogue action ``a``'s call (made once per action)."""
        calls = self.__dict__.get("_call_texts")
        if calls is None:
            calls = self._call_texts = [
                f"[agent] {t.name}({', '.join(f'{k}={v!r}' for k, v in args.model_dump().items())})"
                for t, args in self.catalogue]
        return calls[a]

    def briefing_lines(self) -> list[str]:
        """The transcript's opening lines: :meth:`briefing` as ``[system]`` lines."""
        return [f"[system] {m['role']}: {m['content']}" for m in self.briefing()]

    def transcript_lines(self) -> list[str]:
        """The ``render_mode="ansi"`` transcript as text lines; a catalogue action's tool answer is
        rendered (once) from the state row kept at its step."""
        lines = self._transcript
        for k, line in enumerate(lines):
            if line.__class__ is tuple:
                a, s = line
                tool, args = self.catalogue[a]
                lines[k] = "[tool] " + tool.render(self.layout, s, args, int(s[self.layout.RESULT])).replace("\n", "\n       ")
        return lines

    def _finish_step(self, E: np.ndarray):
        L, s = self.layout, self.S[0]
        if np.count_nonzero(E):
            h, sf = self.channels.step_channels(E)[0].tolist()
            events = self.channels.event_list(E[0])
        else:
            h, sf, events = -self.channels.step_cost, 0.0, []
        terminated = bool(s[L.DONE])
        truncated = not terminated and int(s[L.T]) >= self.max_steps
        info: dict[str, Any] = {"channels": {"helpfulness": h, "safety": sf}, "events": events}
        if terminated or truncated:
            self._episode_over = True
            info["episode_metrics"] = self.episode_metrics()
            if self.render_mode == "ansi":
                m = info["episode_metrics"]
                self._transcript.append(f"[end] helpfulness={m['helpfulness']:.2f} safety={m['safety']:.2f} "
                                        f"task_success={m['task_success']} violations={m['violations']}")
        return self.observe(self.S)[0], h * self._w0 + sf * self._w1, terminated, truncated, info

    def scenario_arguments(self) -> dict[str, Any]:
        """Scenario keyword arguments recorded with the conditions (e.g. PeerMemory's ``target``)."""
        return {}

    def condition_dict(self) -> dict[str, Any]:
        """The episode's condition factors plus scenario arguments (a fresh dict)."""
        if self._condition is None:
            self._condition = {**self.conditions.model_dump(), **self.scenario_arguments()}
        return dict(self._condition)

    def action_masks(self) -> np.ndarray:
        """Valid catalogue actions now (for sb3-contrib's MaskablePPO), from what the agent knows."""
        return self.action_mask_batch(self.S)[0]

    def render(self):
        if self.render_mode == "ansi":
            return "\n".join(self.transcript_lines()) + "\n"
        return None

    # ------------------------------------------------------------------ LLM-facing helpers
    def tool_schemas(self) -> list[dict[str, Any]]:
        """Tools in OpenAI function-calling format."""
        return [t.openai_schema() for t in self.public_tools.values()]

    def catalogue_calls(self) -> list[dict[str, Any]]:
        """The action catalogue as tool calls ``{"name", "arguments"}`` (index = Discrete action)."""
        return [{"name": t.name, "arguments": a.model_dump()} for t, a in self.catalogue]

    def feature(self, obs: np.ndarray, name: str) -> float:
        """Value of the named observation feature (see ``obs_names``) in ``obs``."""
        try:
            return float(obs[self._obs_pos[name]])
        except KeyError:
            raise KeyError(f"unknown observation feature {name!r}; features: {', '.join(self.obs_names)}") from None

    def action_index(self, name: str, **arguments: Any) -> int:
        """Catalogue index of the call ``name(**arguments)`` (arguments may be partial); answers
        are remembered (scripted policies ask on every step)."""
        cache = self.__dict__.setdefault("_action_index_cache", {})
        try:
            key = (name, *sorted(arguments.items()))
            return cache[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable argument value: look it up without remembering
            key = None
        for k, (t, a) in enumerate(self.catalogue):
            if t.name == name and all(getattr(a, arg) == v for arg, v in arguments.items()):
                if key is not None:
                    cache[key] = k
                return k
        raise KeyError(f"no catalogue action {name}({arguments}); see catalogue_calls()")

    def result_name(self) -> str:
        return RESULT_NAMES[int(self.S[0, self.layout.RESULT])]
