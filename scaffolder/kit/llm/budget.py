"""Fit every part of a chat request into one token budget, and say what had to give way.

Why: a prompt is assembled from parts that compete for the same context window (instructions,
conversation history, retrieved passages, a pasted document) and each part shrinks in its own
way. Budgeting them one at a time either wastes room or overflows; `fit` takes them together,
shrinks the least important first, and reports every cut so a wrong answer can be traced to
context that never reached the model.

Strategies, one per part:

- `keep`: never shrunk. The system prompt and the latest user turn. If these alone exceed
  the budget, `fit` raises `TokenBudgetError`.
- `drop_oldest`: conversation history. Whole turns go, oldest first; a turn is a user message
  with the replies and tool results that follow it, so questions and answers leave together.
- `trim_by_rank`: retrieved passages, best first. The lowest-ranked go first.
- `elide_middle`: a long document or code snippet. Lines go from the middle, where they are
  least likely to hold the signature, the imports or the conclusion, and are replaced by one
  marker line (`ELISION_MARKER`); last, the whole text goes.

Parts give way in order of `priority`, lowest first (ties: the one listed first). A part
starts shrinking only once every part of lower priority is gone entirely, and shrinks no
further than it must. The result keeps the parts, and what is left in each, in their
original order.

Rendering, which is what is counted: messages parts are their messages; a passages part is
one message (`role`, default system) holding `heading` and then each passage as `[id] text`,
separated by blank lines, so answers can cite `[id]`; a document part is one message holding
the (elided) text. Counts use `counter.count_message`, so they include each message's
chat-format overhead, and the total adds the reply priming (`count_messages(())`).

    result = fit(
        [
            BudgetPart.keep("system", system_message),
            BudgetPart.retrieved("context", passages, priority=2),
            BudgetPart.history("history", earlier_messages, priority=1),
            BudgetPart.keep("question", user_message),
        ],
        budget_tokens=context_window - max_output_tokens,
        counter=counter_for(model),
    )
    request = ChatRequest(messages=result.messages, max_tokens=max_output_tokens)
    for cut in result.cuts:
        logger.info("%s gave up %s (%d tokens)", cut.part, cut.what, cut.tokens_saved)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from scaffolder.errors import TokenBudgetError
from scaffolder.kit.llm.tokens import TokenCounter
from scaffolder.kit.llm.types import Message, Passage, Role

Strategy = Literal["keep", "drop_oldest", "trim_by_rank", "elide_middle"]

#: Replaces the lines `elide_middle` removes; `{count}` is how many.
ELISION_MARKER = "… [{count} lines elided] …"
DEFAULT_PASSAGE_HEADING = "Context passages; cite them by their [id]:"


@dataclass(frozen=True)
class BudgetPart:
    """One part of a request and how it may shrink; see the module docstring.

    Build it with `keep`, `history`, `retrieved` or `document` rather than directly: each
    strategy reads only its own field (`messages`, `passages` or `text`).
    """

    name: str
    strategy: Strategy
    priority: int = 0
    messages: tuple[Message, ...] = ()
    passages: tuple[Passage, ...] = ()
    text: str = ""
    #: The role of the message a passages or document part renders to (the constructors
    #: default to system for passages and user for a document).
    role: Role = "system"
    heading: str = DEFAULT_PASSAGE_HEADING

    def __post_init__(self) -> None:
        uses_messages = self.strategy in ("keep", "drop_oldest")
        if not uses_messages and self.messages:
            raise ValueError(f"part {self.name!r}: {self.strategy} does not take messages")
        if self.strategy != "trim_by_rank" and self.passages:
            raise ValueError(f"part {self.name!r}: only trim_by_rank takes passages")
        if self.strategy != "elide_middle" and self.text:
            raise ValueError(f"part {self.name!r}: only elide_middle takes text")

    @classmethod
    def keep(cls, name: str, *messages: Message) -> BudgetPart:
        """Messages that are never dropped: the system prompt, the latest user turn."""
        return cls(name, "keep", messages=messages)

    @classmethod
    def history(cls, name: str, messages: Sequence[Message], priority: int = 0) -> BudgetPart:
        """Earlier conversation, oldest first; whole turns are dropped oldest first."""
        return cls(name, "drop_oldest", priority, messages=tuple(messages))

    @classmethod
    def retrieved(
        cls,
        name: str,
        passages: Sequence[Passage],
        priority: int = 0,
        role: Role = "system",
        heading: str = DEFAULT_PASSAGE_HEADING,
    ) -> BudgetPart:
        """Retrieved passages, best first; the lowest-ranked are dropped first."""
        return cls(
            name, "trim_by_rank", priority, passages=tuple(passages), role=role, heading=heading
        )

    @classmethod
    def document(cls, name: str, text: str, priority: int = 0, role: Role = "user") -> BudgetPart:
        """A long text whose middle lines may be elided, keeping its head and tail."""
        return cls(name, "elide_middle", priority, text=text, role=role)


@dataclass(frozen=True)
class Cut:
    """What one part gave up: `what` says it in words, `tokens_saved` what that freed."""

    part: str
    what: str
    tokens_saved: int


@dataclass(frozen=True)
class FittedPart:
    """A part as it went into the request."""

    name: str
    strategy: Strategy
    #: What this part renders to, in order; empty when it was dropped entirely.
    messages: tuple[Message, ...]
    #: For a passages part, the passages kept, in their original order.
    passages: tuple[Passage, ...]
    #: What its messages cost, chat-format overhead included.
    tokens: int


@dataclass(frozen=True)
class BudgetResult:
    """The request that fits: its parts in order, its size, and what was cut to get there."""

    parts: tuple[FittedPart, ...]
    total_tokens: int
    budget_tokens: int
    cuts: tuple[Cut, ...]
    #: Which counter measured it, and whether its counts are exact or an upper estimate.
    counter: str
    exact: bool

    @property
    def messages(self) -> tuple[Message, ...]:
        """The request's messages, ready for `ChatRequest(messages=...)`."""
        return tuple(message for part in self.parts for message in part.messages)

    @property
    def passages(self) -> tuple[Passage, ...]:
        """Every passage that made it into the request, in order."""
        return tuple(passage for part in self.parts for passage in part.passages)

    def part(self, name: str) -> FittedPart:
        for fitted in self.parts:
            if fitted.name == name:
                return fitted
        raise KeyError(name)


def render_passages(passages: Sequence[Passage], heading: str = DEFAULT_PASSAGE_HEADING) -> str:
    """`heading`, then each passage as `[id] text`, separated by blank lines."""
    return "\n\n".join([heading, *(f"[{passage.id}] {passage.text}" for passage in passages)])


def elide_middle(lines: Sequence[str], count: int) -> str:
    """`lines` joined with the middle `count` replaced by a marker line; the head keeps the odd
    line. `count` 0 returns the text whole."""
    if count <= 0:
        return "\n".join(lines)
    kept = len(lines) - count
    head = (kept + 1) // 2
    marker = ELISION_MARKER.format(count=count)
    return "\n".join([*lines[:head], marker, *lines[head + count :]])


@dataclass
class _Shrinking:
    """A part and the ways it can give way: level 0 is whole, `last_level` is gone."""

    part: BudgetPart
    last_level: int
    render: Callable[[int], tuple[Message, ...]]
    describe: Callable[[int], str]
    kept_passages: Callable[[int], tuple[Passage, ...]]
    level: int = 0


def _turns(messages: Sequence[Message]) -> list[tuple[Message, ...]]:
    """Messages grouped into turns: a user message and all that follows it until the next."""
    turns: list[list[Message]] = []
    for message in messages:
        if message.role == "user" or not turns:
            turns.append([])
        turns[-1].append(message)
    return [tuple(turn) for turn in turns]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _no_passages(_level: int) -> tuple[Passage, ...]:
    return ()


def _shrinking(part: BudgetPart) -> _Shrinking:
    if part.strategy == "keep":
        return _Shrinking(part, 0, lambda _level: part.messages, lambda _level: "", _no_passages)

    if part.strategy == "drop_oldest":
        turns = _turns(part.messages)

        def render_history(level: int) -> tuple[Message, ...]:
            return tuple(message for turn in turns[level:] for message in turn)

        def describe_history(level: int) -> str:
            dropped = f"({_plural(sum(len(turn) for turn in turns[:level]), 'message')})"
            if level == len(turns):
                return f"the whole history: {_plural(level, 'turn')} {dropped}"
            return f"{_plural(level, 'oldest turn')} {dropped}"

        return _Shrinking(part, len(turns), render_history, describe_history, _no_passages)

    if part.strategy == "trim_by_rank":
        passages = part.passages

        def kept(level: int) -> tuple[Passage, ...]:
            return passages[: len(passages) - level]

        def render_block(level: int) -> tuple[Message, ...]:
            if level == len(passages):
                return ()
            return (Message(part.role, render_passages(kept(level), part.heading)),)

        def describe_block(level: int) -> str:
            ids = ", ".join(passage.id for passage in reversed(passages[len(passages) - level :]))
            return f"{_plural(level, 'lowest-ranked passage')}: {ids}"

        return _Shrinking(part, len(passages), render_block, describe_block, kept)

    lines = part.text.split("\n") if part.text else []

    def render_text(level: int) -> tuple[Message, ...]:
        if level == len(lines):
            return ()
        return (Message(part.role, elide_middle(lines, level)),)

    def describe_text(level: int) -> str:
        if level == len(lines):
            return f"the whole text ({_plural(len(lines), 'line')})"
        return f"{level} of {_plural(len(lines), 'line')} from the middle"

    # Level len(lines) - 1 keeps a single line; level len(lines) drops the part.
    return _Shrinking(part, len(lines), render_text, describe_text, _no_passages)


def fit(parts: Sequence[BudgetPart], budget_tokens: int, counter: TokenCounter) -> BudgetResult:
    """Shrink `parts` until the request they make fits `budget_tokens` by `counter`.

    Raises `TokenBudgetError` when the `keep` parts alone (with the request's fixed overhead)
    exceed the budget, since nothing can then be done without losing what must be sent.
    """
    names = [part.name for part in parts]
    if len(set(names)) != len(names):
        raise ValueError(f"part names must be unique: {names}")
    message_tokens: dict[Message, int] = {}

    def tokens(messages: Sequence[Message]) -> int:
        total = 0
        for message in messages:
            if message not in message_tokens:
                message_tokens[message] = counter.count_message(message)
            total += message_tokens[message]
        return total

    overhead = counter.count_messages(())
    shrinking = [_shrinking(part) for part in parts]
    sizes = [tokens(item.render(0)) for item in shrinking]
    kept = [index for index, part in enumerate(parts) if part.strategy == "keep"]
    fixed = overhead + sum(sizes[index] for index in kept)
    if fixed > budget_tokens:
        kept_names = ", ".join(names[index] for index in kept) or "none"
        raise TokenBudgetError(
            f"the parts that are never dropped ({kept_names}) need {fixed} tokens, "
            f"over the budget of {budget_tokens}"
        )

    full_sizes = list(sizes)
    order = sorted(
        (index for index, part in enumerate(parts) if part.strategy != "keep"),
        key=lambda index: parts[index].priority,
    )
    for index in order:
        total = overhead + sum(sizes)
        if total <= budget_tokens:
            break
        item = shrinking[index]
        room = budget_tokens - (total - sizes[index])
        item.level = _first_fitting_level(item.render, tokens, item.last_level, room)
        sizes[index] = tokens(item.render(item.level))

    fitted = tuple(
        FittedPart(
            item.part.name,
            item.part.strategy,
            item.render(item.level),
            item.kept_passages(item.level),
            size,
        )
        for item, size in zip(shrinking, sizes, strict=True)
    )
    cuts = tuple(
        Cut(item.part.name, item.describe(item.level), full - size)
        for item, full, size in zip(shrinking, full_sizes, sizes, strict=True)
        if item.level
    )
    return BudgetResult(
        fitted, overhead + sum(sizes), budget_tokens, cuts, counter.name, counter.exact
    )


def _first_fitting_level(
    render: Callable[[int], tuple[Message, ...]],
    tokens: Callable[[Sequence[Message]], int],
    last_level: int,
    room: int,
) -> int:
    """The lowest level whose messages fit `room`, by bisection (they shrink as it rises).

    The level returned fits (the last renders nothing), having been measured, even should a
    tokenizer make sizes not quite monotonic; it may then cut a little more than needed.
    When not even dropping the part entirely makes room, the last level is returned.
    """
    low, high = 0, last_level
    while low < high:
        middle = (low + high) // 2
        if tokens(render(middle)) <= room:
            high = middle
        else:
            low = middle + 1
    return high
