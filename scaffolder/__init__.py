"""copilot: generate, run, test and update LLM product copilots from versioned templates."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("copilot-scaffolder")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
