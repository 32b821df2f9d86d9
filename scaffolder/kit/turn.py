"""A turn's typed result: what a skill reports about its reply, and what the runtime reports
about the whole turn, each with the one `to_json` that gives its wire form.

Why typed: the runtime, the server, the CLI, the benchmarks and a project's tests all read the
same facts about a turn (where it was routed and why, whether it was declined, the index's
evidence, which passages the answer cites, the code it worked on, the edit it proposed). As
string keys of a dict those readers drifted apart silently; as fields, a rename is a type error.
The JSON (`copilot ask --json`, `/chat`, the `copilot` extra of `/v1/chat/completions`, the
editor's `/v1/code`) keeps its keys: each type writes its own part, optional facts are left out
when a turn has none, exactly as the dicts did.

A project's own skills put what the kit has no field for in `SkillData.extras` (JSON values
only, under names the typed fields do not use), and it goes out under `data` with the rest.

This module sits low in the kit (it imports only the retrieval evidence record and the JSON
types): routing, the copilot runtime, the server and the CLI all import it, and it imports
none of them.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import TYPE_CHECKING, Literal, TypeVar

# Re-exported: skills and the server name the JSON types through this module.
from scaffolder.kit.json_types import JSONObject as JSONObject
from scaffolder.kit.json_types import JSONValue as JSONValue
from scaffolder.kit.retrieval.evidence import Evidence

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


#: `embedding`: nearest examples, confident; `followup`: stayed with the active skill;
#: `llm`: classified by a model because the examples were not conclusive; `evidence`: the
#: index holds strong evidence for it, so a skill answering from the index takes it;
#: `default`: nothing was conclusive and no model was available, so it is out of scope.
RouteMethod = Literal["embedding", "followup", "llm", "evidence", "default"]

_Typed = TypeVar("_Typed", bound="DataclassInstance")


class _KeyedReads:
    """Reads by wire key (`reply.data["route"]`, `source["label"]`), as turn results were
    read before they were typed (templates before 0.6), with a DeprecationWarning.

    Why keep them: generated projects depend on `copilot-scaffolder>=0.5,<1`, so `pip install
    -U` brings this kit to projects whose tests still index dicts; they keep passing until the
    team runs `copilot update`, which brings the attribute reads. Gone in 1.0."""

    def to_json(self) -> JSONObject:
        raise NotImplementedError

    def __getitem__(self, key: str) -> JSONValue:
        _warn_keyed(type(self).__name__, key)
        return self.to_json()[key]

    def get(self, key: str, default: JSONValue = None) -> JSONValue:
        _warn_keyed(type(self).__name__, key)
        return self.to_json().get(key, default)


def _warn_keyed(kind: str, key: str) -> None:
    warnings.warn(
        f"reading {kind}[{key!r}] is deprecated and goes away in copilot-scaffolder 1.0: "
        f"read its attributes (run `copilot update` to get tests that do)",
        DeprecationWarning,
        stacklevel=3,
    )


@dataclass(frozen=True)
class Source(_KeyedReads):
    """One passage a reply may cite as `[label]`, as the model saw it and a user can look it
    up: the chunk it came from, its citation (file, section or lines), its document."""

    label: str
    chunk_id: str
    citation: str
    source: str
    text: str
    score: float
    #: Retrieval gave it first as the opening of the document the question only names
    #: (`SearchResult.opening`); the answer is its first sentences.
    opening: bool = False
    #: The heading the passage sits under, the last of its section path ("" without one).
    heading: str = ""

    def to_json(self) -> JSONObject:
        return {
            "label": self.label,
            "id": self.chunk_id,
            "citation": self.citation,
            "source": self.source,
            "score": round(self.score, 4),
            "text": self.text,
        }


@dataclass(frozen=True)
class Route:
    """Where the router sent the turn (`intent`, a skill or `out_of_scope`) and by which rule."""

    intent: str
    method: RouteMethod


@dataclass(frozen=True)
class Target:
    """A range of one file that a request is about; `symbol` is the qualname when known.
    The code assistant's skills carry it to the next turn, so "it" finds the same code."""

    file: str
    start_line: int
    end_line: int
    symbol: str | None = None
    kind: str = "lines"

    def describe(self) -> str:
        name = f"{self.kind} {self.symbol}" if self.symbol else self.kind
        return f"{name} in {self.file} (lines {self.start_line}-{self.end_line})"

    def to_json(self) -> JSONObject:
        return {
            "file": self.file,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "symbol": self.symbol,
            "kind": self.kind,
        }


@dataclass(frozen=True)
class ProposedEdit:
    """A saved edit proposal, as a client shows and applies it (`copilot apply <id>`)."""

    id: str
    diff: str
    #: The edits' modes, joined (`replace_selection`, `create, insert_after`...).
    mode: str
    rationale: str
    files: tuple[str, ...]

    def to_json(self) -> JSONObject:
        return {
            "id": self.id,
            "diff": self.diff,
            "mode": self.mode,
            "rationale": self.rationale,
            "files": list(self.files),
        }


@dataclass(frozen=True)
class ProposedAction:
    """An action a skill proposed, waiting on the approval desk: nothing ran yet."""

    id: str
    summary: str
    rationale: str

    def to_json(self) -> JSONObject:
        return {"id": self.id, "summary": self.summary, "rationale": self.rationale}


@dataclass(frozen=True)
class SkillData(_KeyedReads):
    """What a skill reports about its reply besides the text and the passages.

    None (or empty) means the skill has nothing to say on that point, and the key is left
    out of the JSON; `cited=()` says the answer cites nothing, which is not the same."""

    #: The prompt used, `name@version`.
    prompt: str | None = None
    #: Every citation of the answer resolved to a passage it was given.
    grounded: bool | None = None
    #: Labels of the passages the answer cites, in the order it first cites them.
    cited: tuple[str, ...] | None = None
    #: Labels the answer cites that name no passage it was given.
    unknown_citations: tuple[str, ...] = ()
    #: The skill found no answer in what it was given ("I don't know: ..."). The runtime then
    #: reports the turn as declined: that is what the user saw, whatever the route was.
    abstained: bool = False
    #: Where an answer came from when not from retrieved passages (`symbol index`).
    answered_from: str | None = None
    #: Why the target is the code the request is about ("the request names function f").
    reference: str | None = None
    #: The code the turn worked on; the next turn's "it".
    target: Target | None = None
    #: The edit proposed, saved and waiting for `copilot apply`.
    proposal: ProposedEdit | None = None
    #: A project's own facts, sent under their own names beside the others.
    extras: Mapping[str, JSONValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        taken = sorted(set(self.extras) & _RESERVED)
        if taken:
            raise ValueError(
                f"SkillData.extras may not use the names of typed fields: {', '.join(taken)}"
            )

    def to_json(self) -> JSONObject:
        out: JSONObject = dict(self.extras)
        if self.prompt is not None:
            out["prompt"] = self.prompt
        if self.grounded is not None:
            out["grounded"] = self.grounded
        if self.cited is not None:
            out["cited"] = list(self.cited)
        if self.unknown_citations:
            out["unknown_citations"] = list(self.unknown_citations)
        if self.abstained:
            out["abstained"] = True
        if self.answered_from is not None:
            out["answered_from"] = self.answered_from
        if self.reference is not None:
            out["reference"] = self.reference
        if self.target is not None:
            out["target"] = self.target.to_json()
        if self.proposal is not None:
            out["proposal"] = self.proposal.to_json()
        return out


@dataclass(frozen=True)
class TurnData(_KeyedReads):
    """What the runtime reports about a turn: the route, the decline and its reason, the
    guards, the index's evidence, the skill's own data, the actions waiting for approval."""

    #: None when no router ran (an input guard blocked the turn, or a backend without one).
    route: Route | None = None
    #: Why the turn went where it went (the router's words, or the guard that blocked it).
    reason: str | None = None
    #: The copilot declined: out of scope, or blocked by an input guard. None: not said.
    declined: bool | None = None
    #: The guard that blocked the request or stopped the answer.
    guard: str | None = None
    #: The index's evidence behind the scope decision, when it was consulted.
    evidence: Evidence | None = None
    result: SkillData = field(default_factory=SkillData)
    proposals: tuple[ProposedAction, ...] = ()
    #: Earlier turns the token budget left out of the skill's prompt.
    history_left_out: int = 0

    def to_json(self) -> JSONObject:
        out: JSONObject = {}
        if self.route is not None:
            out["intent"] = self.route.intent
            out["route"] = self.route.method
        if self.reason is not None:
            out["reason"] = self.reason
        if self.declined is not None:
            out["declined"] = self.declined
        if self.guard is not None:
            out["guard"] = self.guard
        out.update(self.result.to_json())
        if self.evidence is not None:
            out["evidence"] = self.evidence.to_dict()
        if self.proposals:
            out["proposals"] = [proposal.to_json() for proposal in self.proposals]
        if self.history_left_out:
            out["history_left_out"] = self.history_left_out
        return out


#: The keys `SkillData` and `TurnData` write: a project's extras may not shadow them.
_RESERVED = frozenset(
    {"prompt", "grounded", "cited", "unknown_citations", "abstained", "answered_from", "reference",
     "target", "proposal", "intent", "route", "reason", "declined", "guard", "evidence",
     "proposals", "history_left_out"}
)  # fmt: skip


def redacted(value: _Typed, redact: Callable[[str], str]) -> _Typed:
    """`value` (a turn type) with every string it holds passed through `redact`: field by
    field, into tuples, nested records and a project's extras; numbers and flags untouched.

    Why every string: a reply leaves whole (`ask --json`, `/chat`, the page's source panel,
    `/v1/chat/completions`), so a passage's citation, the evidence's source or a proposal's
    diff may not carry what the answer text has masked."""
    changes = {item.name: _masked(getattr(value, item.name), redact) for item in fields(value)}
    return replace(value, **changes)


def _masked(value: object, redact: Callable[[str], str]) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, tuple):
        return tuple(_masked(item, redact) for item in value)
    if isinstance(value, list):
        return [_masked(item, redact) for item in value]
    if isinstance(value, Mapping):
        return {key: _masked(item, redact) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return redacted(value, redact)
    return value
