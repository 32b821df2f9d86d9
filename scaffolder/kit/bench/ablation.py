"""Which prompt components matter: leave-one-out effects and a ddmin-smallest component set.

Why: prompts grow by accretion, and nobody dares to remove a paragraph. Ablation renders the
prompt with components left out, runs the suite on each variant and measures the score (the
pass rate). Each component's effect is the score lost without it. Delta debugging (Zeller's
ddmin) then finds a 1-minimal component set (removing any single component of it costs
more than `tolerance`) that keeps the score within `tolerance` of the full prompt's, in far
fewer runs than trying every subset. Scores are memoised per subset, and every model call
goes through the response cache, so repeating an ablation costs nothing.

Each variant runs through the project's bench target when it has one (retrieval, routing and
the skill included: a prompt that answers from passages scores nothing without them), with
the variant put in place of the library's prompt of that name (`prompt_override`); without a
target, the prompt alone is rendered and sent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from scaffolder.kit.bench.results import Variant
from scaffolder.kit.bench.runner import RunOptions, run_suite
from scaffolder.kit.bench.suite import Suite
from scaffolder.kit.bench.targets import PromptTarget, Target
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.types import ChatRequest, Message
from scaffolder.kit.prompts.library import Prompt, prompt_override


@dataclass(frozen=True)
class ComponentEffect:
    component: str
    score_without: float
    effect: float


@dataclass
class Ablation:
    prompt: str
    full_score: float
    effects: list[ComponentEffect]
    minimal: list[str]
    minimal_score: float
    tolerance: float
    evaluations: int
    calls: int = 0
    cached_calls: int = 0
    scores: dict[str, float] = field(default_factory=dict)


def components(prompt: Prompt) -> list[str]:
    """Component names in prompt order: the file, with the message role when files repeat."""
    names = [prompt.manifest.messages[i].components[j].file for i, j in prompt._component_indexes()]
    return [
        f"{name} ({prompt.manifest.messages[i].role})" if names.count(name) > 1 else name
        for name, (i, _) in zip(names, prompt._component_indexes(), strict=True)
    ]


def render_subset(
    prompt: Prompt, values: Mapping[str, object], keep: frozenset[int]
) -> ChatRequest:
    """The prompt's request with only the components at indexes `keep`; the prompt id gets
    a suffix naming what was left out, so results and cache entries never mix variants."""
    inputs = prompt._inputs(values)
    steps = {name: spec.step for name, spec in prompt.manifest.inputs.items() if spec.step}
    indexes = prompt._component_indexes()
    parts = [prompt._render_component(i, j, inputs, steps) for i, j in indexes]
    for index, part in enumerate(parts):
        if index not in keep:
            part.text, part.spans = "", []
    assembled = [
        prompt._assemble(message, [p for p in parts if p.message == message])
        for message in range(len(prompt.manifest.messages))
    ]
    messages = tuple(
        Message(m.role, m.content)  # type: ignore[arg-type]
        for m in assembled
        if m.content
    ) or (Message("user", ""),)
    left_out = [str(index) for index in range(len(indexes)) if index not in keep]
    suffix = f"-without-{'.'.join(left_out)}" if left_out else ""
    model = prompt.manifest.model
    return ChatRequest(
        messages=messages,
        model=model.model,
        temperature=model.temperature,
        max_tokens=model.max_tokens,
        seed=model.seed,
        prompt=f"{prompt.name}@{prompt.version}{suffix}",
    )


class SubsetPrompt(Prompt):
    """`prompt` rendering only the components at indexes `keep`, wherever the runtime asks
    the library for it by name."""

    def __init__(self, prompt: Prompt, keep: frozenset[int]) -> None:
        self.__dict__.update(prompt.__dict__)  # the same manifest and files, read once
        self.keep = keep

    def request(self, values: Mapping[str, object], **overrides: Any) -> ChatRequest:
        return replace(render_subset(self, values, self.keep), **overrides)


async def ddmin(
    items: Sequence[int], passes: Callable[[frozenset[int]], Awaitable[bool]]
) -> list[int]:
    """Zeller's ddmin: a 1-minimal subset of `items` for which `passes` holds (it must hold
    for all of `items`)."""
    current = list(items)
    granularity = 2
    while len(current) >= 2:
        size = len(current)
        chunks = [
            current[size * k // granularity : size * (k + 1) // granularity]
            for k in range(granularity)
        ]
        chunks = [chunk for chunk in chunks if chunk]
        reduced = False
        for chunk in chunks:
            if await passes(frozenset(chunk)):
                current, granularity, reduced = chunk, 2, True
                break
        if not reduced and granularity > 2:
            for chunk in chunks:
                rest = [item for item in current if item not in chunk]
                if await passes(frozenset(rest)):
                    current, granularity, reduced = rest, max(granularity - 1, 2), True
                    break
        if not reduced:
            if granularity >= len(current):
                break
            granularity = min(granularity * 2, len(current))
    if len(current) == 1 and await passes(frozenset()):
        return []
    return current


async def ablate(
    llm: LLM,
    prompt: Prompt,
    suite: Suite,
    *,
    tolerance: float = 0.0,
    model: str | None = None,
    concurrency: int = 8,
    target: Target | None = None,
) -> Ablation:
    """Score the full prompt and its variants on `suite`: through `target` (the project's bench
    target) with each variant in place of the prompt, or, without one, the prompt alone."""
    names = components(prompt)
    everything = frozenset(range(len(names)))
    scores: dict[frozenset[int], float] = {}
    counts = {"calls": 0, "cached": 0}

    async def score(keep: frozenset[int]) -> float:
        if keep not in scores:
            variant = SubsetPrompt(prompt, keep)
            runs = target or PromptTarget(variant)
            with prompt_override(variant):
                run = await run_suite(
                    llm, suite, [(Variant(model), runs)], RunOptions(concurrency=concurrency)
                )
            summary = run.summary(run.labels()[0])
            counts["calls"] += summary.calls
            counts["cached"] += summary.cached_calls
            scores[keep] = summary.pass_rate
        return scores[keep]

    full = await score(everything)

    async def keeps_score(keep: frozenset[int]) -> bool:
        return await score(keep) >= full - tolerance - 1e-9

    effects = []
    for index, name in enumerate(names):
        without = await score(everything - {index})
        effects.append(ComponentEffect(name, without, full - without))
    minimal = await ddmin(sorted(everything), keeps_score)
    return Ablation(
        prompt=f"{prompt.name}@{prompt.version}",
        full_score=full,
        effects=effects,
        minimal=[names[index] for index in minimal],
        minimal_score=scores.get(frozenset(minimal), full),
        tolerance=tolerance,
        evaluations=len(scores),
        calls=counts["calls"],
        cached_calls=counts["cached"],
        scores={
            "+".join(names[i] for i in sorted(keep)) or "(none)": value
            for keep, value in scores.items()
        },
    )
