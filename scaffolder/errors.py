"""The errors copilot reports to people: each carries a one-line message and an exit code.

Anything raised as a `CopilotError` is a user-facing condition (bad input, a refused
operation, a missing dependency), printed without a traceback. Everything else is a bug.

What lives here: the bases every command maps to a line and an exit code, and the errors more
than one layer raises or catches (the generator's update errors, the model's, the agents').
An error that one part raises and only its own callers tell apart lives beside that part and
subclasses one of these (`StoreError` in `kit/retrieval/store_client.py`, `SourceError` in
`kit/sources.py`), so the command still reports it through the same one path.
"""

from __future__ import annotations

USAGE_EXIT_CODE = 2
FAILURE_EXIT_CODE = 1
INTERRUPTED_EXIT_CODE = 130


class CopilotError(Exception):
    """A condition the user can fix; `str(error)` is the whole message."""

    exit_code: int = USAGE_EXIT_CODE


class UsageError(CopilotError):
    """Bad input: an argument, an answer, a destination. Nothing was written."""


class NotAProjectError(UsageError):
    """The command needs a copilot project and none was found."""


class TemplateHistoryError(CopilotError):
    """The bundled template history is missing, damaged or lacks a version."""

    exit_code = FAILURE_EXIT_CODE


class UpdateRefusedError(UsageError):
    """`copilot update` refused before touching anything (dirty tree, newer project...)."""


class UpdateFailedError(CopilotError):
    """The update failed; the project was left exactly as it was."""

    exit_code = FAILURE_EXIT_CODE


class UpdateConflictError(CopilotError):
    """The update finished but left conflicts for the user to resolve."""

    exit_code = FAILURE_EXIT_CODE


class UnsafePathError(UsageError):
    """A path a command was asked to write is absolute, climbs out with `..`, or passes
    through a symlink: copilot never writes outside the project or through a link."""


class JournalError(CopilotError):
    """A multi-file change could not be journaled, applied or rolled back; the message says
    where the journal is and what to do."""

    exit_code = FAILURE_EXIT_CODE


class Interrupted(CopilotError):
    """The user pressed Ctrl-C; nothing was written."""

    exit_code = INTERRUPTED_EXIT_CODE


class LLMError(CopilotError):
    """A model call failed; the message names the cause in one line.

    `retryable` says whether trying again may help (rate limits, server errors, dropped
    connections, timeouts); `retry_after` is the wait in seconds the server asked for, if any.
    """

    exit_code = FAILURE_EXIT_CODE
    retryable: bool = False

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderAuthError(LLMError):
    """The provider rejected the key (HTTP 401/403)."""


class RateLimitedError(LLMError):
    """Rate limited (HTTP 429)."""

    retryable = True


class ProviderUnavailableError(LLMError):
    """A server error (5xx), a dropped connection or a timeout."""

    retryable = True


class ContentFilterError(LLMError):
    """The provider's content filter refused the prompt or the answer."""


class BadRequestError(LLMError):
    """The provider refused the request as malformed (HTTP 400/404/422)."""


class ModelNotFoundError(BadRequestError):
    """The host has no such model or deployment (HTTP 404); a fallback model may help."""


class MalformedResponseError(LLMError):
    """The provider answered with something that is not a valid response (often a proxy)."""

    retryable = True


class CacheMissError(LLMError):
    """Replay-only mode met a request that was never recorded."""


class StructuredOutputError(LLMError):
    """The model's output could not be made to match the schema, even after repair and re-asking."""

    def __init__(self, message: str, raw: str, problems: list[str]) -> None:
        super().__init__(message)
        self.raw = raw
        self.problems = problems


class TokenBudgetError(LLMError):
    """The parts a request can never drop do not fit the token budget on their own."""


class CostLimitError(LLMError):
    """The cost ledger passed the spending limit set for this run."""


class SkillError(UsageError):
    """A skill folder or definition is invalid (no `SKILL`, duplicate name, unknown action)."""


class ApprovalError(UsageError):
    """A proposal id is unknown, already decided, or an action was asked to run unapproved."""


class ActionError(CopilotError):
    """An approved action could not be carried out (edit did not match, command not allowed)."""

    exit_code = FAILURE_EXIT_CODE


class BenchError(UsageError):
    """A benchmark suite, spreadsheet, results file or bench setting is wrong; the message
    names the file and the row, so the fix is one edit away."""


def first_line(error: BaseException) -> str:
    """The first line of an exception's message, or its type when it has none: libraries
    often raise multi-line messages, and copilot reports every error on one line."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


STORE_DAMAGED_EXIT_CODE = 3


class StoreDamagedError(CopilotError):
    """The project's own vector store folder cannot be read (garbage in its files, a crash
    inside Chroma); the message names the folder and how to rebuild it. A code of its own, so
    scripts can tell "rebuild the index" from bad input (2) and other failures (1)."""

    exit_code = STORE_DAMAGED_EXIT_CODE
