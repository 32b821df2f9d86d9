"""How the store reaches Chroma: the client, embedded or a server (`connect`), and the error
boundary around every call.

Every Chroma call goes through `chroma_boundary`, the store's error boundary: a folder with
garbage in it makes chromadb raise anything from `sqlite3` errors to a Rust panic (pyo3's
`PanicException`, a `BaseException`), and all of them become one `StoreDamagedError` line that
names the folder and how to rebuild it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

from scaffolder.errors import CopilotError, StoreDamagedError, UsageError, first_line
from scaffolder.kit.text import printable

T = TypeVar("T")


class StoreError(CopilotError):
    """The vector store cannot be used: a server that is down or failing."""

    exit_code = 1


def connect(chroma_url: str | None, path: Path) -> Any:
    """A Chroma client: `HttpClient` for a server URL, else `PersistentClient` at `path`."""
    import chromadb
    from chromadb.config import Settings

    options = Settings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise UsageError(f"CHROMA_URL {chroma_url!r} is not an http(s) URL")
        port = url.port or (443 if url.scheme == "https" else 8000)
        return _retrying(
            lambda: chromadb.HttpClient(
                host=url.hostname or "", port=port, ssl=url.scheme == "https", settings=options
            ),
            f"the Chroma server at {chroma_url}",
        )
    path.mkdir(parents=True, exist_ok=True)
    with chroma_boundary(str(path)):
        return chromadb.PersistentClient(path=str(path), settings=options)


@contextlib.contextmanager
def chroma_boundary(folder: str | None, server: str = "the Chroma server") -> Iterator[None]:
    """The error boundary around Chroma calls (module doc). `folder` is the embedded store's
    folder, None for a server (whose failures are not a damaged local folder)."""
    try:
        yield
    except CopilotError:
        raise
    except Exception as error:  # chromadb raises many kinds for one damaged folder
        raise _failure(folder, server, error) from error
    except BaseException as error:
        if type(error).__name__ != "PanicException":  # pyo3's, not importable by name
            raise
        raise _failure(folder, server, error) from error


def _failure(folder: str | None, server: str, error: BaseException) -> CopilotError:
    reason = printable(first_line(error))  # may quote stored text
    if folder is None:
        return StoreError(f"{server} failed: {reason}")
    return StoreDamagedError(
        f"the vector store in {folder} is damaged ({reason}); "
        f"delete {folder} and run `copilot ingest`"
    )


def _retrying(call: Callable[[], T], what: str, attempts: int = 3, delay: float = 0.5) -> T:
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Exception as error:  # chromadb wraps connection failures in several types
            if attempt == attempts:
                raise StoreError(f"cannot reach {what}: {first_line(error)}") from error
            time.sleep(delay * attempt)
    raise AssertionError("unreachable")
