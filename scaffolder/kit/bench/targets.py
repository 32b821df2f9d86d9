"""How a case reaches the app: targets, the per-case client they get, and suite kinds.

A target is `target(case_input, llm)`, sync or async, returning the answer as a str, a
mapping with `answer` (+ `sources`, `intent`) or a `TargetOutput`. Projects name theirs in
`[tool.copilot.bench] target` (or per suite). Without one, the suite kind's default target
applies: for "answer" suites, the case goes through a named library prompt, or straight to
the model when no prompt is named. Other suite kinds register their own default target and
graders, or a whole-suite evaluator (the routing and safety suites of
`scaffolder.kit.bench.kinds`), with `register_suite_kind`.

The client a target gets is bound to the variant and sample being run: every request it
sends goes to the variant's model with the sample index set, so one target serves a
side-by-side of several models, and N samples are N cache entries. It also adds up each
case's tokens, cost, calls and prompt versions.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from scaffolder.errors import BenchError
from scaffolder.kit.bench.suite import Case, GraderSpec
from scaffolder.kit.bench.types import TargetOutput
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.cost import OFFLINE_PROVIDER
from scaffolder.kit.llm.types import AnswerTask, ChatRequest, Completion, Message, Passage

if TYPE_CHECKING:
    from scaffolder.kit.bench.evaluation import Evaluation, EvaluationContext

Target = Callable[["CaseInput", LLM], object | Awaitable[object]]
#: Prompt inputs the default target fills with the case's text, first declared wins.
TEXT_INPUTS = ("question", "input", "query", "text", "message")


@dataclass(frozen=True)
class CaseInput:
    """What a target sees of a case: the text, the conversation, extra prompt inputs."""

    id: str
    text: str
    conversation: tuple[Mapping[str, str], ...]
    vars: Mapping[str, Any]

    @classmethod
    def of(cls, case: Case) -> CaseInput:
        return cls(case.id, case.text, case.conversation, case.vars)


@dataclass
class CallStats:
    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: What this run paid (cache replays are free); None once any cost was unknown.
    cost_usd: float | None = 0.0
    #: What the calls cost at list price, cache or not: what compare and alerts use.
    list_cost_usd: float | None = 0.0
    prompts: set[str] = field(default_factory=set)
    models: set[str] = field(default_factory=set)


class BoundLLM(LLM):
    """The run's client with the model and sample of one variant and case fixed."""

    def __init__(self, base: LLM, model: str | None, sample: int) -> None:
        super().__init__(
            base.provider,
            embedder=base.embedder,
            cache=base.cache,
            retry=base.retry,
            fallback_model=base.fallback_model,
            embed_batch_size=base.embed_batch_size,
            notice=base.notice,
        )
        self.model = model
        self.sample = sample
        self.stats = CallStats()
        self._stats_lock = threading.Lock()

    def _lookup(self, request: ChatRequest) -> tuple[ChatRequest, str, Completion | None]:
        request = replace(request, model=self.model or request.model, sample=self.sample)
        if request.prompt:
            with self._stats_lock:
                self.stats.prompts.add(request.prompt)
        return super()._lookup(request)

    def _account(self, completion: Completion) -> Completion:
        accounted = super()._account(completion)
        listed = _list_cost(self, completion)
        with self._stats_lock:
            stats = self.stats
            stats.calls += 1
            stats.cached_calls += completion.cached
            stats.models.add(completion.model)
            if completion.usage is not None:
                stats.prompt_tokens += completion.usage.prompt_tokens
                stats.completion_tokens += completion.usage.completion_tokens
            stats.cost_usd = _add(stats.cost_usd, accounted.cost_usd)
            stats.list_cost_usd = _add(stats.list_cost_usd, listed)
        return accounted


def _add(total: float | None, cost: float | None) -> float | None:
    return None if total is None or cost is None else total + cost


def _list_cost(llm: LLM, completion: Completion) -> float | None:
    if completion.provider == OFFLINE_PROVIDER:
        return 0.0
    price = llm.ledger.prices.price_for(completion.model)
    if price is None or completion.usage is None:
        return None
    return price.cost(completion.usage)


class ChatTarget:
    """Send the case (its conversation, or its input as one user turn) to the model."""

    async def __call__(self, case: CaseInput, llm: LLM) -> TargetOutput:
        turns = case.conversation or ({"role": "user", "content": case.text},)
        messages = tuple(Message(t["role"], t["content"]) for t in turns)  # type: ignore[arg-type]
        completion = await llm.acomplete(ChatRequest(messages=messages, task=_task(case)))
        return TargetOutput(completion.text, _passage_ids(case))


class PromptTarget:
    """Render a library prompt with the case and send it: the default target with a prompt.

    The case text fills the first of `TEXT_INPUTS` the prompt declares, earlier turns of a
    conversation fill `history`, and `vars` fill the rest. `render` lets ablation render the
    prompt with some components left out.
    """

    def __init__(
        self,
        prompt: Any,
        render: Callable[[Any, Mapping[str, Any]], ChatRequest] | None = None,
    ) -> None:
        self.prompt = prompt
        self.render = render or (lambda prompt, values: prompt.request(values))
        declared = prompt.manifest.inputs
        self.text_input = next((name for name in TEXT_INPUTS if name in declared), None)
        self.history = "history" in declared

    async def __call__(self, case: CaseInput, llm: LLM) -> TargetOutput:
        values = dict(case.vars)
        if self.text_input is None and not values:
            raise BenchError(
                f"prompt {self.prompt.name!r} declares none of the inputs {', '.join(TEXT_INPUTS)}"
                " for the case text; give the cases 'vars' or set a bench target"
            )
        if self.text_input is not None:
            values.setdefault(self.text_input, case.text)
        if self.history and case.conversation:
            values.setdefault("history", [dict(turn) for turn in case.conversation[:-1]])
        request = replace(self.render(self.prompt, values), task=_task(case))
        completion = await llm.acomplete(request)
        return TargetOutput(completion.text, _passage_ids(case))


def _passages(case: CaseInput) -> tuple[Passage, ...]:
    raw = case.vars.get("passages") or []
    return tuple(
        Passage(str(p.get("id", i)), str(p.get("text", "")), p.get("source"))
        for i, p in enumerate(raw, 1)
        if isinstance(p, Mapping)
    )


def _passage_ids(case: CaseInput) -> tuple[str, ...]:
    return tuple(passage.id for passage in _passages(case))


def _task(case: CaseInput) -> AnswerTask:
    """The structured task for the offline provider (real models read the messages)."""
    return AnswerTask(question=case.text, passages=_passages(case))


@dataclass(frozen=True)
class SuiteKind:
    """Defaults for one kind of suite: graders when a case names none, and a target factory
    (given the project's prompt library and the prompt name) when no target is configured.

    Some kinds are not cases sent through a target but a whole file scored by an evaluator
    of the project's own machinery (its router, its guardrails): those set `evaluate`, and
    `shape`, which recognises a case line of theirs in a file without a `{"suite": ...}`
    header, so the kit's own suite files can be copied into a project as they are.
    """

    graders: tuple[GraderSpec, ...]
    default_target: Callable[[Any, str | None], Target] | None = None
    evaluate: Callable[[EvaluationContext], Evaluation] | None = None
    shape: Callable[[Mapping[str, Any]], bool] | None = None


def _answer_target(library: Any, prompt: str | None) -> Target:
    return PromptTarget(library.get(prompt)) if prompt else ChatTarget()


_KINDS: dict[str, SuiteKind] = {
    "answer": SuiteKind((GraderSpec("contains"),), _answer_target),
    # Routing suites: the project target returns the intent it picked.
    "intent": SuiteKind((GraderSpec("intent"),)),
}


def register_suite_kind(name: str, kind: SuiteKind) -> None:
    _KINDS[name] = kind


def suite_kinds() -> dict[str, SuiteKind]:
    """Every registered kind, by name (for recognising a file's kind)."""
    return dict(_KINDS)


def suite_kind(name: str) -> SuiteKind:
    try:
        return _KINDS[name]
    except KeyError:
        known = ", ".join(sorted(_KINDS))
        raise BenchError(f"unknown suite kind {name!r} (known: {known})") from None
