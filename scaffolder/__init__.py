"""copilot: generate, run, test and update LLM product copilots from versioned templates."""

from __future__ import annotations

from functools import cache

__all__ = ["__version__"]


@cache
def _installed_version() -> str:
    # importlib.metadata costs about 50 ms to import; reading the version lazily keeps
    # `import scaffolder` (and so the pytest plugin every pytest run loads) cheap.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("copilot-scaffolder")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0"


def __getattr__(name: str) -> str:
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
