"""The request and response objects every provider speaks.

Requests carry, besides the chat messages, an optional *task*: what kind of call this is, in
structured form (a question with its passages, a classification with its labels, a schema).
Real models read the messages; the offline provider reads the task, so it never has to parse
prompt text, and telemetry can say what a call was for without logging what users typed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Literal, Protocol

from scaffolder.kit.json_types import JSONObject, JSONValue

Role = Literal["system", "user", "assistant", "tool"]
#: Optional capabilities a provider may lack; unsupported ones are dropped with one warning.
Feature = Literal["seed", "logprobs", "json_schema", "json_object", "stream_usage"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str
    name: str | None = None


@dataclass(frozen=True)
class Passage:
    """A retrieved piece of context, cited in answers as `[id]`."""

    id: str
    text: str
    source: str | None = None
    score: float | None = None
    #: Whether this is the opening of a document the question only names ("What is
    #: express?"), as retrieval found: its first sentences answer, though they rarely repeat
    #: the name ("Fast, unopinionated, minimalist web framework for Node.js.").
    opening: bool = False
    #: The heading the text sits under (the last of its section path), which a piece cut from
    #: the middle of a section does not repeat: its sentences are about it all the same.
    heading: str = ""


@dataclass(frozen=True)
class AnswerTask:
    """Answer `question` from `passages`, citing them; say so when they do not hold the answer."""

    question: str
    passages: tuple[Passage, ...] = ()
    kind: Literal["answer"] = "answer"
    #: The question a follow-up follows ("" for a first question): what "it" and "them" mean.
    follows: str = ""


@dataclass(frozen=True)
class ClassifyTask:
    """Pick one of `labels` for `text`; `descriptions` may describe each label."""

    text: str
    labels: tuple[str, ...]
    descriptions: tuple[str, ...] = ()
    kind: Literal["classify"] = "classify"


@dataclass(frozen=True)
class StructuredTask:
    """Produce JSON valid against `schema` (a JSON Schema), from `text`."""

    schema: JSONObject
    text: str = ""
    kind: Literal["structured"] = "structured"


Task = AnswerTask | ClassifyTask | StructuredTask


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[Message, ...]
    model: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    seed: int | None = None
    logprobs: bool | None = None
    stop: tuple[str, ...] | None = None
    #: OpenAI's response_format: {"type": "json_object"} or {"type": "json_schema", ...}.
    response_format: Mapping[str, JSONValue] | None = None
    task: Task | None = None
    #: Which sample of the same prompt this is: N samples are N cache entries.
    sample: int = 0
    #: `name@version` of the library prompt this request was rendered from, if any: logs and
    #: benchmark results cite it, and a changed prompt never replays an old recording.
    prompt: str | None = None

    def with_model(self, model: str) -> ChatRequest:
        return replace(self, model=model)

    def cache_key(self, provider: str) -> str:
        """Content address of this request at `provider`: same request, same key."""
        body = {"provider": provider, **asdict(self)}
        if isinstance(task := body.get("task"), dict):
            # What a follow-up follows is in the messages already (the history), and keys made
            # before the field existed stay the same: recorded answers keep replaying.
            task.pop("follows", None)
            # Keys of passages that are no opening stay as they were before the field. A
            # passage's heading is the end of the section path its citation (`source`) holds
            # already: leaving it out keeps every key recorded before it existed.
            for passage in task.get("passages") or ():
                if isinstance(passage, dict):
                    passage.pop("heading", None)
                    if not passage.get("opening"):
                        passage.pop("opening", None)
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def describe(self) -> str:
        """A short, content-free description for error messages (no user text)."""
        kind = self.task.kind if self.task else "chat"
        return f"{kind} request to {self.model or 'the default model'} (sample {self.sample})"


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    provider: str
    usage: Usage | None = None
    finish_reason: str | None = None
    cached: bool = False
    cost_usd: float | None = None


@dataclass(frozen=True)
class StreamChunk:
    """A piece of a streamed answer; the last chunk carries usage and the finish reason."""

    text: str
    usage: Usage | None = None
    finish_reason: str | None = None


@dataclass(frozen=True)
class EmbeddingRequest:
    texts: tuple[str, ...]
    model: str | None = None

    def cache_key(self, provider: str) -> str:
        body = {"provider": provider, "kind": "embedding", **asdict(self)}
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Embeddings:
    vectors: list[list[float]]
    model: str
    provider: str
    usage: Usage | None = None
    cached: bool = False


@dataclass
class ProviderInfo:
    """What a provider is and which optional features it supports."""

    name: str
    base_url: str | None = None
    unsupported: set[Feature] = field(default_factory=set)

    def supports(self, feature: Feature) -> bool:
        return feature not in self.unsupported


class ChatModel(Protocol):
    """The calls structured output and the other kit parts need from a model client."""

    @property
    def info(self) -> ProviderInfo: ...

    def complete(self, request: ChatRequest) -> Completion: ...

    async def acomplete(self, request: ChatRequest) -> Completion: ...
