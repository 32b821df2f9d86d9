"""`copilot prompts review NAME`: a second reader for one prompt (the "rubber duck").

A prompt's author knows what each sentence means, so the gaps are invisible to them: the
case the instructions never cover, the word that reads two ways. A configured model is asked
to read the rendered prompt (inputs shown as `<name>` placeholders) and list its ambiguities
and unhandled cases. With the offline provider there is no model to ask, so the review says
so and runs what can be checked mechanically instead: the linter on that prompt, plus three
review heuristics (R001-R003 below) that are too vague for the linter's pass/fail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from scaffolder.kit.llm.types import ChatModel, ChatRequest, Message
from scaffolder.kit.prompts.library import RenderedPrompt
from scaffolder.kit.prompts.lint import lint, project_library
from scaffolder.kit.prompts.lint_subject import Source, Subject, load_subject, relative_prefix

REVIEWER_INSTRUCTIONS = """\
You review prompts that a software product sends to a language model. Read the prompt below \
as the model would, and list what would make you hesitate: ambiguous or vague instructions, \
instructions that conflict, and situations the prompt does not say how to handle (missing or \
irrelevant context, unexpected user input, requests outside its purpose, unclear output \
format or length). Values the program fills in are shown as <name> placeholders.

Reply with one issue per line, each starting with "- ", most important first, each saying \
what is unclear and what the prompt should state. If you find nothing, reply "none"."""

_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+(.+)$", re.MULTILINE)
_NOTHING = re.compile(r"^\W*none\W*$", re.IGNORECASE)
_FALLBACK = re.compile(
    r"\b(?:(?:don'?t|do not|does not|doesn'?t) (?:know|hold|contain|include|mention|cover|"
    r"answer)|(?:cannot|can'?t|unable to) (?:answer|find|tell)|no (?:relevant )?(?:answer|"
    r"information)|not (?:in|covered by|found in) the|unsure|not sure|instead of guessing|"
    r"say so)\b",
    re.IGNORECASE,
)
_FORMAT = re.compile(
    r"\b(?:format|json|markdown|bullets?|list|table|(?:reply|respond|answer) (?:with|in|only)|"
    r"at most|under \d+|sentences?|words|paragraphs?|short|brief|concise)\b",
    re.IGNORECASE,
)
_VAGUE = re.compile(
    r"\b(?:some|appropriate|appropriately|as needed|if needed|if necessary|various|and so on|"
    r"properly|reasonable|reasonably|stuff)\b|\betc\b\.?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ReviewPoint:
    message: str
    #: `file:line` under the project root, when the point is about one place.
    where: str | None = None
    #: Who raised it: "model", a lint rule id (P005) or a review heuristic id (R001).
    by: str = "model"

    def __str__(self) -> str:
        where = f"{self.where}: " if self.where else ""
        tag = "" if self.by == "model" else f" [{self.by}]"
        return f"- {where}{self.message}{tag}"


@dataclass(frozen=True)
class Review:
    prompt: str
    #: The provider and model that read the prompt, or "offline heuristics".
    reviewer: str
    offline: bool
    points: tuple[ReviewPoint, ...]
    #: Why the review ran offline, when it did.
    notice: str | None = None

    def text(self) -> str:
        if self.offline:
            why = self.notice or "the configured provider is offline"
            header = (
                f"Review of {self.prompt}: ran offline ({why}), so these are the linter's "
                "checks and review heuristics, not a model's reading; configure a model for "
                "a real review."
            )
        else:
            header = f"Review of {self.prompt} by {self.reviewer}:"
        body = [str(point) for point in self.points] or ["No ambiguities or unhandled cases found."]
        return "\n".join([header, *body])

    def json(self) -> str:
        return json.dumps(
            {
                "prompt": self.prompt,
                "reviewer": self.reviewer,
                "offline": self.offline,
                "notice": self.notice,
                "points": [asdict(point) for point in self.points],
            },
            indent=2,
        )


def review(project_root: Path, name: str, model: ChatModel, *, notice: str | None = None) -> Review:
    """Review prompt `name` with `model`, or with heuristics when `model` is the offline one.

    `notice` says why calls go offline (shown in the review). Raises `PromptError` when the
    prompt does not exist or does not load.
    """
    library = project_library(project_root)
    prompt = library.get(name)
    subject = load_subject(library, name, relative_prefix(project_root, library))
    if model.info.name == "offline":
        findings = lint(project_root, [name]).findings
        points = [
            ReviewPoint(finding.message, f"{finding.file}:{finding.line}", finding.rule_id)
            for finding in findings
        ]
        points += _heuristics(subject)
        return Review(f"{name}@{prompt.version}", "offline heuristics", True, tuple(points), notice)
    rendered = subject.render_sample(text_length=0, items=1)
    request = ChatRequest(
        messages=(
            Message("system", REVIEWER_INSTRUCTIONS),
            Message("user", _described(subject, rendered)),
        ),
        temperature=0.2,
    )
    completion = model.complete(request)
    reviewer = " ".join(part for part in (completion.provider, completion.model) if part)
    return Review(rendered.prompt_id, reviewer, False, tuple(_points(completion.text)))


def _described(subject: Subject, rendered: RenderedPrompt) -> str:
    """What the reviewer model reads: the prompt's purpose, inputs, output, and messages."""
    manifest = subject.manifest
    lines = [f"Prompt {manifest.name!r}: {manifest.description or '(no description)'}"]
    lines.append("Inputs (shown as <name> in the messages):")
    for input_name, spec in manifest.inputs.items():
        origin = f", from {spec.step}" if spec.step else ", typed by the user"
        lines.append(f"- {input_name} ({spec.type}{origin}): {spec.description or '-'}")
    output = manifest.output
    checks = f"; checked by {', '.join(output.checks)}" if output.checks else ""
    lines.append(f"Expected output: {output.format}{checks}")
    for message in rendered.messages:
        lines += ["", f"=== {message.role} message ===", message.content.rstrip()]
    return "\n".join(lines)


def _points(reply: str) -> Iterator[ReviewPoint]:
    """The model's bullet points; an unformatted reply is one point, "none" is none."""
    bullets = [match.group(1).strip() for match in _BULLET.finditer(reply)]
    if bullets:
        yield from (ReviewPoint(bullet) for bullet in bullets)
    elif reply.strip() and not _NOTHING.match(reply):
        yield ReviewPoint(reply.strip())


def _heuristics(subject: Subject) -> list[ReviewPoint]:
    """R001: the prompt gets context (an input with a `step`, or a component of kind
    `context`) but nothing says what to do when it lacks the answer. R002: a text output
    with no stated format or length. R003: vague words ("some", "etc.", "appropriate",
    "as needed", "various", "properly", "reasonable"...) in instructions, rules and
    templates, each at its line."""
    if subject.prompt is None:
        return []
    manifest = subject.manifest
    wording = subject.components("instructions", "rules", "template")
    everything = "\n".join(source.literal for source in subject.components())
    where = f"{subject.manifest_display}:1"
    points: list[ReviewPoint] = []
    has_context = any(spec.step for spec in manifest.inputs.values()) or bool(
        subject.components("context")
    )
    if has_context and not _FALLBACK.search(everything):
        points.append(
            ReviewPoint(
                "nothing says what to do when the context lacks the answer: add a rule such as "
                '"When the sources do not hold the answer, say so"',
                where,
                "R001",
            )
        )
    free_text = manifest.output.format == "text" and not manifest.output.schema_file
    if free_text and not _FORMAT.search(everything):
        points.append(
            ReviewPoint(
                "no output format or length is stated: say what form the answer takes "
                "(sentences, a list, JSON) and how long it may be",
                where,
                "R002",
            )
        )
    points += (point for source in wording for point in _vague_words(source))
    return points


def _vague_words(source: Source) -> Iterator[ReviewPoint]:
    literal = source.literal
    for match in _VAGUE.finditer(literal):
        line = literal.count("\n", 0, match.start()) + 1
        yield ReviewPoint(
            f"vague wording {match.group()!r}: say exactly what is meant, or the model guesses",
            f"{source.display}:{line}",
            "R003",
        )
