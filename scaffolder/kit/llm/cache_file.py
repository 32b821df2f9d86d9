"""The SQLite file behind the response cache (`cache.py`): its tables, the statements that read
and write them, opening it (WAL mode, busy timeout, schema version), and the conversions
between its columns and the cached values.

Why a module of its own: how entries are laid out on disk and how the file is opened safely by
many processes is one concern; which lookups the cache makes, in which mode, and when a tape
answers instead, is another (`cache.py`).
"""

from __future__ import annotations

import sqlite3
import sys
import time
from array import array
from datetime import UTC, datetime
from pathlib import Path

from scaffolder.kit.llm.types import Usage

#: How long a writer waits for another process's write to finish before giving up.
BUSY_TIMEOUT_MS = 30_000
#: Bumped when the tables change shape; a newer file is refused rather than misread.
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS completions (
    key TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    text TEXT NOT NULL,
    finish_reason TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    created_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS embeddings (
    key TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    count INTEGER NOT NULL,
    dimensions INTEGER NOT NULL,
    vectors BLOB NOT NULL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    created_at TEXT NOT NULL
) WITHOUT ROWID;
"""
GET_COMPLETION = (
    "SELECT text, model, provider, finish_reason, prompt_tokens, completion_tokens "
    "FROM completions WHERE key = ?"
)
PUT_COMPLETION = (
    "INSERT OR IGNORE INTO completions (key, provider, model, text, finish_reason, "
    "prompt_tokens, completion_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
GET_EMBEDDINGS = (
    "SELECT vectors, count, dimensions, model, provider, prompt_tokens, completion_tokens "
    "FROM embeddings WHERE key = ?"
)
PUT_EMBEDDINGS = (
    "INSERT OR IGNORE INTO embeddings (key, provider, model, count, dimensions, vectors, "
    "prompt_tokens, completion_tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def open_database(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the database, in WAL mode, with the schema in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: autocommit, so each statement is its own short transaction.
    connection = sqlite3.connect(
        path,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
    )
    try:
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _enable_wal(connection)
        # NORMAL is durable across application crashes in WAL mode and avoids an fsync
        # per write; losing the last entries to a power cut only costs a re-recording.
        connection.execute("PRAGMA synchronous = NORMAL")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ValueError(
                f"{path} was written by a newer copilot-scaffolder (cache schema {version}); "
                "upgrade, or point COPILOT_LLM_CACHE_PATH at another file"
            )
        if version < SCHEMA_VERSION:
            connection.executescript(
                f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            )
    except BaseException:
        connection.close()
        raise
    return connection


def _enable_wal(connection: sqlite3.Connection) -> None:
    """Switch the file to WAL mode (a no-op once it is: the mode is stored in the file).

    Switching needs a moment of exclusive access and SQLite reports contention for it at once
    instead of calling the busy handler, so several processes opening a new file together
    retry here. A filesystem without WAL support keeps the rollback journal, which is slower
    under contention but just as safe.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.001
    while True:
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            busy = error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def usage_from_row(prompt_tokens: object, completion_tokens: object) -> Usage | None:
    if isinstance(prompt_tokens, int) and isinstance(completion_tokens, int):
        return Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
    return None


def pack_vectors(vectors: list[list[float]]) -> bytes:
    """Vectors as little-endian float32 bytes, so cache files move between machines."""
    packed = array("f")
    for vector in vectors:
        packed.extend(vector)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def unpack_vectors(blob: object, count: object, dimensions: object) -> list[list[float]]:
    assert isinstance(blob, bytes) and isinstance(count, int) and isinstance(dimensions, int)
    flat = array("f")
    flat.frombytes(blob)
    if sys.byteorder == "big":
        flat.byteswap()
    values = flat.tolist()
    return [values[index * dimensions : (index + 1) * dimensions] for index in range(count)]
