"""The HTTP server every copilot project runs (`copilot serve`): a streaming chat API, an
OpenAI-compatible endpoint, feedback, health probes and a chat page, in front of any
`ChatBackend`. The server knows nothing about what the copilot does.
"""

from scaffolder.kit.server.app import create_app
from scaffolder.kit.server.backend import ChatBackend, Delta, Reply
from scaffolder.kit.server.feedback import FeedbackSink
from scaffolder.kit.server.run import serve

__all__ = ["ChatBackend", "Delta", "FeedbackSink", "Reply", "create_app", "serve"]
