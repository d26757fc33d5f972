"""A response cache for LLM calls: deterministic replay and offline re-runs.

Entries live in one append-only JSONL file, ``<directory>/responses.jsonl``, one line per entry:
``{"key": sha256, "request": {...}, "response": {...}, "created": unix_time}``. The key is a
SHA-256 over the canonical JSON of the *whole* request (model, messages, tools, tool_choice,
sampling parameters...), so any change to the request is a miss.

* Readable and diffable; commit it next to results to re-score a run without the model.
* Robust: a truncated or corrupt line (a crash mid-write) is skipped on load, never fatal.
* Several processes may share a directory: each entry is written with one ``O_APPEND`` write,
  and a miss re-reads lines that other processes appended since the last read.

Caching a sampled request (temperature > 0) with no seed freezes one sample; that is what replay
wants, but know it when you compare runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Iterator, Mapping

__all__ = ["ResponseCache", "request_key"]


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def request_key(request: Mapping[str, Any]) -> str:
    """SHA-256 hex digest of the canonical JSON of ``request`` (key order does not matter)."""
    return hashlib.sha256(_canonical(request).encode("utf-8")).hexdigest()


class ResponseCache:
    """A directory-backed map from request dicts to response dicts.

    >>> cache = ResponseCache(tmp_dir)                     # doctest: +SKIP
    >>> cache.get(request) or cache.put(request, call(request))  # doctest: +SKIP
    """

    FILENAME = "responses.jsonl"

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory).expanduser()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / self.FILENAME
        self._entries: dict[str, dict[str, Any]] = {}
        self._offset = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.skipped_lines = 0
        self._refresh()

    def _refresh(self) -> None:
        """Read lines appended since the last read (by this or another process)."""
        if not self.path.exists():
            return
        with self.path.open("rb") as fh:
            fh.seek(self._offset)
            data = fh.read()
        end = data.rfind(b"\n")
        if end < 0:
            return  # nothing complete yet (or a partial line being written)
        for raw in data[: end + 1].splitlines():
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
                key = entry["key"]
                if not isinstance(key, str) or "response" not in entry:
                    raise ValueError("missing key/response")
            except (ValueError, KeyError, TypeError):
                self.skipped_lines += 1
                continue
            self._entries[key] = entry
        self._offset += end + 1

    def get(self, request: Mapping[str, Any]) -> dict[str, Any] | None:
        """The cached response for ``request``, or None."""
        key = request_key(request)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self._refresh()
                entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            return json.loads(_canonical(entry["response"]))  # a copy the caller may mutate

    def put(self, request: Mapping[str, Any], response: Mapping[str, Any]) -> dict[str, Any]:
        """Store ``response`` for ``request`` (JSON-serialisable dicts) and return it."""
        key = request_key(request)
        entry = {"key": key, "request": request, "response": response, "created": time.time()}
        line = (_canonical(entry) + "\n").encode("utf-8")
        with self._lock:
            self._refresh()  # so that our own offset stays at the end of the file
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":
                    line = b"\n" + line  # close a line left partial by a crashed writer
                os.write(fd, line)
            finally:
                os.close(fd)
            self._refresh()
            self._entries[key] = json.loads(line.strip())
        return dict(response)

    def __contains__(self, request: Mapping[str, Any]) -> bool:
        key = request_key(request)
        with self._lock:
            if key not in self._entries:
                self._refresh()
            return key in self._entries

    def __len__(self) -> int:
        with self._lock:
            self._refresh()
            return len(self._entries)

    def entries(self) -> Iterator[dict[str, Any]]:
        """All current entries (request, response, key, created), latest per key."""
        with self._lock:
            self._refresh()
            items = list(self._entries.values())
        return iter(items)

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.directory)!r}, entries={len(self._entries)})"
