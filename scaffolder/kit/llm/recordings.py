"""Model answers recorded by the tests, in text files git tracks, and replayed by CI.

Why not the response cache: `.copilot/llm-cache.sqlite3` is a private, binary, git-ignored
file, so nobody can review what a test was answered and CI never has it. A recordings file is
one JSON object per line (sorted keys, lines in a stable order), so a re-recording shows up in
review as a diff of the prompts sent and the answers received.

A line is one model call of one test: the request as the model saw it (provider, model,
messages and every parameter: the *match key*), what came back, and the test's name. The
`task` a request may carry is left out: only the offline provider reads it, and it never
reaches a model. A request is matched on its whole body, so two prompts never answer for each
other (vcrpy matches on the URL unless told to look at the body; here the body is the key).

Nothing in a file is trusted to describe itself: each line is parsed and checked field by
field, and the match key is recomputed from the request it holds.

`Tape` is what the test run records into or replays from; the pytest plugin activates one for
the session (`activate`) and names the running test on it; `ResponseCache` hands the calls of
every client to the active tape (`session_tapes.active_tape()`) instead of its SQLite file.
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn

from scaffolder.errors import CacheMissError, UsageError
from scaffolder.kit.llm.types import (
    ChatRequest,
    Completion,
    EmbeddingRequest,
    Embeddings,
    Usage,
)

CallKind = Literal["chat", "embedding"]
TapeMode = Literal["record", "replay"]
#: Where a test module's recordings live, next to it: `<dir>/recordings/<module>.jsonl`.
RECORDINGS_DIR = "recordings"
SUFFIX = ".jsonl"


class RecordingsError(UsageError):
    """A recordings file that cannot be read as recordings (names the file and line)."""


@dataclass(frozen=True)
class TestRef:
    """The test a call belongs to: its recordings file, its name in that file (the node id
    without the module part), and how to re-record it."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    file: Path
    name: str
    nodeid: str


@dataclass(frozen=True)
class RecordedCall:
    """One line of a recordings file."""

    test: str
    kind: CallKind
    request: dict[str, Any]
    response: dict[str, Any]

    @property
    def key(self) -> str:
        return match_key(self.kind, self.request)

    def line(self) -> str:
        document = {
            "kind": self.kind,
            "request": self.request,
            "response": self.response,
            "test": self.test,
        }
        return json.dumps(document, sort_keys=True, ensure_ascii=False)

    def completion(self) -> Completion:
        response = self.response
        return Completion(
            text=response["text"],
            model=response["model"],
            provider=self.request["provider"],
            usage=_usage_from(response.get("usage")),
            finish_reason=response.get("finish_reason"),
            cached=True,
        )

    def embeddings(self) -> Embeddings:
        return Embeddings(
            vectors=[list(self.response["vector"])],
            model=self.response["model"],
            provider=self.request["provider"],
            cached=True,
        )


def chat_body(request: ChatRequest, provider: str) -> dict[str, Any]:
    """What a model is sent for `request` (its task aside), with unset parameters left out."""
    fields = asdict(request)
    fields.pop("task")
    fields["messages"] = [
        {name: value for name, value in message.items() if value is not None}
        for message in fields["messages"]
    ]
    if fields["stop"] is not None:
        fields["stop"] = list(fields["stop"])
    body = {name: value for name, value in fields.items() if value is not None}
    return {"provider": provider, **body}


def embedding_body(request: EmbeddingRequest, provider: str) -> dict[str, Any]:
    """One text's embedding request (each text is recorded on its own, like the cache does)."""
    (text,) = request.texts
    return {"provider": provider, "model": request.model, "input": text}


def match_key(kind: CallKind, request: dict[str, Any]) -> str:
    """The whole request, canonically: equal requests, equal keys; any difference, a miss."""
    return json.dumps([kind, request], sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def read_recordings(path: Path) -> list[RecordedCall]:
    """The calls in `path` ([] when there is no such file); a malformed line is refused."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    calls = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            calls.append(_parse(line, f"{path}:{number}"))
    return calls


def write_recordings(path: Path, calls: Iterable[RecordedCall]) -> None:
    """Replace `path` with `calls` in their stable order (by test, then request), atomically:
    a reader sees the old file or the new one. No calls: the file is removed."""
    ordered = sorted(calls, key=lambda call: (call.test, call.kind, call.key))
    if not ordered:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.writelines(call.line() + "\n" for call in ordered)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).chmod(0o644)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass
class Tape:
    """The recordings of one test run: answers to replay, or answers being recorded.

    Replay answers a request from the running test's own recording of it when it has one
    (a model may answer one prompt differently in two tests), else from any test's: calls a
    session fixture made are recorded under the test that first needed it, and must replay
    whichever test runs first. A request nobody recorded raises `CacheMissError`, naming the
    test and the command that records it; the miss is also kept in `misses`, so the plugin
    fails the test even when the application swallowed the error.

    Record calls the provider for every request not yet answered in this run, and keeps each
    answer under every test that asked for it, so each test's lines replay it alone.
    """

    mode: TapeMode
    #: How to record a test, with `{nodeid}` for its node id (for the miss message).
    record_command: str = "pytest --llm-record {nodeid}"
    test: TestRef | None = None
    misses: list[str] = field(default_factory=list)
    recorded: dict[TestRef, dict[str, RecordedCall]] = field(default_factory=dict)
    _known: dict[str, dict[tuple[Path, str], RecordedCall]] = field(default_factory=dict)
    _pending: dict[str, tuple[CallKind, dict[str, Any]]] = field(default_factory=dict)

    def load(self, file: Path) -> None:
        """Make the calls recorded in `file` available for replay."""
        for call in read_recordings(file):
            self._known.setdefault(call.key, {}).setdefault((file, call.test), call)

    @property
    def providers(self) -> set[str]:
        """The providers the loaded recordings were made with."""
        return {
            call.request["provider"] for calls in self._known.values() for call in calls.values()
        }

    @contextmanager
    def running(self, test: TestRef) -> Iterator[None]:
        """Attribute the calls made inside to `test`."""
        previous, self.test = self.test, test
        try:
            yield
        finally:
            self.test = previous

    def completion(self, cache_key: str, request: ChatRequest, provider: str) -> Completion | None:
        """The recorded answer to `request`, or None when it is to be recorded now (then
        `record_completion(cache_key, ...)` records the provider's answer)."""
        found = self._find(cache_key, "chat", chat_body(request, provider), request.describe())
        return None if found is None else found.completion()

    def embeddings(
        self, cache_key: str, request: EmbeddingRequest, provider: str, describe: str
    ) -> Embeddings | None:
        found = self._find(cache_key, "embedding", embedding_body(request, provider), describe)
        return None if found is None else found.embeddings()

    def record_completion(self, cache_key: str, completion: Completion) -> bool:
        """Record the answer to the request `completion(cache_key, ...)` left to record;
        False when this tape asked for no such answer."""
        usage = completion.usage
        return self._record(
            cache_key,
            {
                "finish_reason": completion.finish_reason,
                "model": completion.model,
                "text": completion.text,
                "usage": None if usage is None else asdict(usage),
            },
        )

    def record_embeddings(self, cache_key: str, embeddings: Embeddings) -> bool:
        (vector,) = embeddings.vectors
        return self._record(cache_key, {"model": embeddings.model, "vector": list(vector)})

    def _find(
        self, cache_key: str, kind: CallKind, body: dict[str, Any], describe: str
    ) -> RecordedCall | None:
        key = match_key(kind, body)
        test = self.test
        if self.mode == "record":
            found = self._recorded_in_run(key)
            if found is None:
                self._pending[cache_key] = (kind, body)
            else:
                self._attribute(found)
            return found
        candidates = self._known.get(key, {})
        if test is not None and (test.file, test.name) in candidates:
            return candidates[(test.file, test.name)]
        if not candidates:
            self._miss(describe)
        return candidates[min(candidates, key=lambda where: (str(where[0]), where[1]))]

    def _recorded_in_run(self, key: str) -> RecordedCall | None:
        for calls in self.recorded.values():
            if key in calls:
                return calls[key]
        return None

    def _attribute(self, call: RecordedCall) -> None:
        if self.test is not None:
            own = RecordedCall(self.test.name, call.kind, call.request, call.response)
            self.recorded.setdefault(self.test, {}).setdefault(call.key, own)

    def _record(self, cache_key: str, response: dict[str, Any]) -> bool:
        pending = self._pending.pop(cache_key, None)
        if pending is None:
            return False
        if self.test is not None:
            kind, body = pending
            self._attribute(RecordedCall(self.test.name, kind, body, response))
        return True

    def _miss(self, describe: str) -> NoReturn:
        test = self.test
        if test is None:
            message = (
                f"no recording of the {describe}, made outside any test (replay-only): "
                "make the call inside a test or fixture, then record it"
            )
        else:
            command = self.record_command.format(nodeid=shlex.quote(test.nodeid))
            message = (
                f"no recording of the {describe} for {test.nodeid} in {test.file} "
                f"(replay-only); record it with: {command}"
            )
        self.misses.append(message)
        raise CacheMissError(message)


@contextmanager
def activated(tape: Tape) -> Iterator[Tape]:
    """Hand every response cache's lookups to `tape` inside."""
    from scaffolder.kit.llm.session_tapes import ACTIVE_TAPES

    ACTIVE_TAPES.append(tape)
    try:
        yield tape
    finally:
        ACTIVE_TAPES.remove(tape)


def _parse(line: str, where: str) -> RecordedCall:
    try:
        document = json.loads(line)
    except json.JSONDecodeError as error:
        raise RecordingsError(f"{where}: not a JSON object ({error.msg})") from error
    if not isinstance(document, dict) or set(document) != {"kind", "request", "response", "test"}:
        raise RecordingsError(f"{where}: want an object with kind, request, response and test")
    kind, request = document["kind"], document["request"]
    response, test = document["response"], document["test"]
    if kind not in ("chat", "embedding"):
        raise RecordingsError(f"{where}: kind must be chat or embedding, got {kind!r}")
    if not isinstance(test, str) or not test:
        raise RecordingsError(f"{where}: test must be a test's name")
    if not isinstance(request, dict) or not isinstance(request.get("provider"), str):
        raise RecordingsError(f"{where}: request must be an object naming its provider")
    problem = _chat_problem(response) if kind == "chat" else _embedding_problem(response)
    if problem:
        raise RecordingsError(f"{where}: {problem}")
    return RecordedCall(test, kind, request, response)


def _chat_problem(response: object) -> str | None:
    if not isinstance(response, dict):
        return "response must be an object"
    if not isinstance(response.get("text"), str) or not isinstance(response.get("model"), str):
        return "a chat response needs text and model strings"
    if not isinstance(response.get("finish_reason"), str | None):
        return "finish_reason must be a string or null"
    usage = response.get("usage")
    if usage is not None and _usage_from(usage) is None:
        return "usage must be null or hold integer prompt_tokens and completion_tokens"
    return None


def _embedding_problem(response: object) -> str | None:
    if not isinstance(response, dict) or not isinstance(response.get("model"), str):
        return "an embedding response needs a model string"
    vector = response.get("vector")
    numbers = isinstance(vector, list) and all(
        isinstance(value, int | float) and not isinstance(value, bool) for value in vector
    )
    return None if numbers and vector else "an embedding response needs a non-empty vector"


def _usage_from(raw: object) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    prompt, completion = raw.get("prompt_tokens"), raw.get("completion_tokens")
    if type(prompt) is int and type(completion) is int:  # bool is an int subclass: refused
        return Usage(prompt, completion)
    return None
