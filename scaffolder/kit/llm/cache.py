"""A persistent record/replay cache of model responses, in one SQLite file.

Why: tests and benchmarks should not pay for, or wait on, the same model call twice, and CI
should be able to replay a recorded session with no key and no network. Entries are content
addressed by `request.cache_key(provider)`, so an entry can only ever answer the request that
produced it; N samples of one prompt are N entries because the sample index is in the key.

Modes (`COPILOT_LLM_CACHE`):

* `read-write` (default): answer from the cache when possible, record every new response.
* `replay-only`: answer only from the cache; a miss raises `CacheMissError` instead of calling
  the provider. Nothing is ever written, so a committed cache file stays exactly as recorded.
* `off`: no lookups, no writes; the database file is never opened or created.

While a test run records or replays the tests' recordings (`recordings.py`, activated by the
pytest plugin), a lookup that names its request goes to that tape instead of this file: the
tests' answers live in reviewable text files next to the tests, and this file stays the
private cache of development runs.

Concurrency: pytest-xdist workers, benchmark processes and threads may share one file. The
database runs in WAL mode (readers never block the writer) with a busy timeout (writers queue
instead of failing), and every write is a single `INSERT OR IGNORE` statement in autocommit
mode, so a write is atomic and the first recording of a key wins. Within a process, one
connection is shared by all threads behind a lock; in a process started by `fork`, every cache
drops the parent's connection and opens its own on first use, as SQLite requires.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, get_args

from scaffolder.errors import CacheMissError, UsageError
from scaffolder.kit.llm.cache_file import (
    GET_COMPLETION,
    GET_EMBEDDINGS,
    PUT_COMPLETION,
    PUT_EMBEDDINGS,
    now,
    open_database,
    pack_vectors,
    unpack_vectors,
    usage_from_row,
)
from scaffolder.kit.llm.session_tapes import active_tape
from scaffolder.kit.llm.types import ChatRequest, Completion, EmbeddingRequest, Embeddings

CacheMode = Literal["off", "read-write", "replay-only"]
CACHE_MODES: tuple[CacheMode, ...] = get_args(CacheMode)
MODE_VARIABLE = "COPILOT_LLM_CACHE"
PATH_VARIABLE = "COPILOT_LLM_CACHE_PATH"
DEFAULT_RELATIVE_PATH = Path(".copilot") / "llm-cache.sqlite3"


@dataclass(frozen=True)
class CacheStats:
    """What this process did with the cache: lookups answered, lookups missed, entries added.

    A write that lost a race to an identical entry from another process is not counted.
    """

    hits: int = 0
    misses: int = 0
    writes: int = 0


class ResponseCache:
    """Completions and embeddings recorded by content address; see the module docstring."""

    def __init__(self, path: Path, mode: CacheMode = "read-write") -> None:
        if mode not in CACHE_MODES:
            raise ValueError(_mode_error(mode))
        self.path = path
        self.mode: CacheMode = mode
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._hits = self._misses = self._writes = 0
        _LIVE_CACHES.add(self)

    @classmethod
    def from_env(cls, root: Path) -> ResponseCache:
        """The cache configured by `COPILOT_LLM_CACHE` and `COPILOT_LLM_CACHE_PATH`.

        A relative `COPILOT_LLM_CACHE_PATH` is taken from `root` (the project), not from the
        working directory, so every command of a project shares one cache file.
        """
        raw_mode = os.environ.get(MODE_VARIABLE, "").strip().lower() or "read-write"
        if raw_mode not in CACHE_MODES:
            raise UsageError(_mode_error(raw_mode))
        raw_path = os.environ.get(PATH_VARIABLE, "").strip()
        path = Path(raw_path).expanduser() if raw_path else DEFAULT_RELATIVE_PATH
        return cls(root / path, raw_mode)

    @property
    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(hits=self._hits, misses=self._misses, writes=self._writes)

    def get_completion(
        self,
        key: str,
        describe: str,
        *,
        request: ChatRequest | None = None,
        provider: str | None = None,
    ) -> Completion | None:
        """The recorded completion for `key`, marked `cached=True`, or None on a miss.

        `describe` names the request (without user text) for the replay-only miss error.
        With the request and its provider, a test run's active tape answers instead.
        """
        tape = active_tape()
        if tape is not None and request is not None and provider is not None:
            return tape.completion(key, request, provider)
        row = self._lookup(GET_COMPLETION, key, describe)
        if row is None:
            return None
        text, model, provider, finish_reason, prompt_tokens, completion_tokens = row
        return Completion(
            text=text,
            model=model,
            provider=provider,
            usage=usage_from_row(prompt_tokens, completion_tokens),
            finish_reason=finish_reason,
            cached=True,
        )

    def put_completion(self, key: str, completion: Completion) -> None:
        """Record `completion` under `key`, unless an entry for `key` already exists.

        A no-op when the mode is `off` or `replay-only`: replay never changes the recording
        (and in replay-only a miss has already raised, so callers never get here with news).
        While a tape is active the answer is recorded there, if the tape asked for it.
        """
        tape = active_tape()
        if tape is not None and tape.record_completion(key, completion):
            return
        usage = completion.usage
        self._write(
            PUT_COMPLETION,
            (
                key,
                completion.provider,
                completion.model,
                completion.text,
                completion.finish_reason,
                usage.prompt_tokens if usage else None,
                usage.completion_tokens if usage else None,
                now(),
            ),
        )

    def get_embeddings(
        self,
        key: str,
        describe: str,
        *,
        request: EmbeddingRequest | None = None,
        provider: str | None = None,
    ) -> Embeddings | None:
        """The recorded embeddings for `key`, marked `cached=True`, or None on a miss.

        Vectors are stored as float32, the precision embedding APIs deliver them in, so they
        come back as the float32 rounding of what was recorded. With the (one-text) request
        and its provider, a test run's active tape answers instead.
        """
        tape = active_tape()
        if tape is not None and request is not None and provider is not None:
            return tape.embeddings(key, request, provider, describe)
        row = self._lookup(GET_EMBEDDINGS, key, describe)
        if row is None:
            return None
        blob, count, dimensions, model, provider, prompt_tokens, completion_tokens = row
        return Embeddings(
            vectors=unpack_vectors(blob, count, dimensions),
            model=model,
            provider=provider,
            usage=usage_from_row(prompt_tokens, completion_tokens),
            cached=True,
        )

    def put_embeddings(self, key: str, embeddings: Embeddings) -> None:
        """Record `embeddings` under `key`; same rules as `put_completion`.

        Raises ValueError when the vectors do not all have the same length.
        """
        tape = active_tape()
        if tape is not None and tape.record_embeddings(key, embeddings):
            return
        vectors = embeddings.vectors
        dimensions = len(vectors[0]) if vectors else 0
        if any(len(vector) != dimensions for vector in vectors):
            raise ValueError("cannot cache embeddings whose vectors differ in length")
        usage = embeddings.usage
        self._write(
            PUT_EMBEDDINGS,
            (
                key,
                embeddings.provider,
                embeddings.model,
                len(vectors),
                dimensions,
                pack_vectors(vectors),
                usage.prompt_tokens if usage else None,
                usage.completion_tokens if usage else None,
                now(),
            ),
        )

    def close(self) -> None:
        """Close the file (checkpointing the WAL when this is its last user).

        A later lookup or write opens it again, so closing early is always safe.
        """
        with self._lock:
            if self._connection is not None:
                self._connection.close()
            self._connection = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.path)!r}, mode={self.mode!r})"

    def _lookup(self, query: str, key: str, describe: str) -> tuple[Any, ...] | None:
        if self.mode == "off":
            return None
        with self._lock:
            connection = self._connect()
            row: tuple[Any, ...] | None = (
                None if connection is None else connection.execute(query, (key,)).fetchone()
            )
            if row is None:
                self._misses += 1
            else:
                self._hits += 1
        if row is None and self.mode == "replay-only":
            raise CacheMissError(
                f"no recorded response for the {describe} in {self.path} (replay-only mode); "
                f"record it by running once with {MODE_VARIABLE}=read-write"
            )
        return row

    def _write(self, statement: str, values: tuple[object, ...]) -> None:
        if self.mode != "read-write":
            return
        with self._lock:
            connection = self._connect()
            assert connection is not None  # read-write always creates the file
            self._writes += connection.execute(statement, values).rowcount

    def _connect(self) -> sqlite3.Connection | None:
        """The open connection, opened on first use; None if replay-only has no file to read.

        Callers hold `self._lock`.
        """
        if self._connection is None:
            if self.mode == "replay-only" and not self.path.is_file():
                return None
            self._connection = open_database(self.path)
        return self._connection

    def _forget_parent_connection(self) -> None:
        """In a forked child: set the parent's connection aside and replace the lock, which a
        parent thread may have held at the fork. SQLite connections must not cross a fork,
        not even to be closed (closing could release locks the child's own connection holds),
        so the inherited one is kept referenced, unused, for the life of the child."""
        if self._connection is not None:
            _INHERITED_CONNECTIONS.append(self._connection)
        self._connection = None
        self._lock = threading.Lock()


_LIVE_CACHES: weakref.WeakSet[ResponseCache] = weakref.WeakSet()
_INHERITED_CONNECTIONS: list[sqlite3.Connection] = []


def _after_fork_in_child() -> None:
    for cache in list(_LIVE_CACHES):
        cache._forget_parent_connection()


if hasattr(os, "register_at_fork"):  # POSIX; elsewhere processes are spawned, not forked
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _mode_error(value: str) -> str:
    allowed = ", ".join(CACHE_MODES)
    return f"{MODE_VARIABLE} must be one of {allowed}; got {value!r}"
