"""The HTTP server every copilot project runs (`copilot serve`): a streaming chat API, an
OpenAI-compatible endpoint, feedback, health probes and a chat page, in front of any
`ChatBackend`. The server knows nothing about what the copilot does.
"""

from typing import TYPE_CHECKING, Any

from scaffolder.kit.server.backend import ChatBackend, Delta, Reply

if TYPE_CHECKING:
    from scaffolder.kit.server.app import create_app
    from scaffolder.kit.server.feedback import FeedbackSink
    from scaffolder.kit.server.run import serve

#: Imported on first use: they bring in FastAPI and uvicorn, which a copilot answering in the
#: terminal (it imports `Delta` and `Reply` from here) never needs.
_LAZY = {
    "create_app": "scaffolder.kit.server.app",
    "FeedbackSink": "scaffolder.kit.server.feedback",
    "serve": "scaffolder.kit.server.run",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ChatBackend", "Delta", "FeedbackSink", "Reply", "create_app", "serve"]
