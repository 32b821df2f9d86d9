"""Assertions about the structure of model output and how it behaves, not its exact words.

Why: a model's wording changes from sample to sample and model to model, so tests that compare
text break for no reason. What should not change is checkable: code that is whole (not cut
off, no "rest of the code here"), JSON that fits its schema, citations that point only at what
retrieval returned, the same intent for paraphrases of one request, and the same answer when
irrelevant context is added (metamorphic tests). Each helper is a plain function that raises
AssertionError with a message saying what was wrong, so it works in any test and counts as a
failed attempt in an `llm_flaky` test.
"""

from __future__ import annotations

import ast
import difflib
import json
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

from jsonschema import validators

from scaffolder.kit.retrieval.citations import check_citations

Answer = TypeVar("Answer")
Question = TypeVar("Question")
Label = TypeVar("Label", bound=Hashable)

_COMMENT = r"(?:#|//|/\*|<!--|--)"
#: Comments models write instead of code they did not write out.
_PLACEHOLDERS = re.compile(
    _COMMENT
    + r"[^\n]*?(?:\b(?:rest|remainder) of (?:the |your )?(?:code|implementation|file|function|"
    r"class|method|logic)\b|\b(?:existing|remaining|previous|other) (?:code|implementation|"
    r"methods|functions|logic)\b(?! in\b)|\bsame as (?:before|above)\b|\bunchanged\b|"
    r"\byour (?:code|implementation|logic) here\b|\bimplementation (?:goes )?here\b)"
    r"|^\s*" + _COMMENT + r"\s*(?:\.\.\.|…)\s*(?:\*/|-->)?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_PAIRS = {")": "(", "]": "[", "}": "{"}
_QUOTES = ("'", '"', "`")


def assert_code_complete(code: str, language: str = "python") -> None:
    """`code` is whole: it parses (Python) or its brackets balance (other languages), and no
    comment stands in for code left out ("# ... rest of the code", "// existing code").

    Strings are skipped when counting brackets; comments are not, since models rarely put
    unbalanced brackets in comments and a truncated answer often ends inside one.
    """
    if not code.strip():
        raise AssertionError("the code is empty")
    placeholder = _PLACEHOLDERS.search(code)
    if placeholder:
        line = code.count("\n", 0, placeholder.start()) + 1
        raise AssertionError(
            f"line {line} is a placeholder for code left out: {placeholder.group(0).strip()!r}"
        )
    if language.lower() in {"python", "py"}:
        try:
            ast.parse(code)
        except SyntaxError as error:
            raise AssertionError(
                f"the code does not parse (truncated?): {error.msg} at line {error.lineno}"
            ) from None
        return
    problem = _bracket_problem(code)
    if problem:
        raise AssertionError(f"the code is not complete (truncated?): {problem}")


def _bracket_problem(code: str) -> str | None:
    """What is wrong with the bracket nesting of `code`, or None when it balances."""
    open_brackets: list[tuple[str, int]] = []
    quote: str | None = None
    line = 1
    index = 0
    while index < len(code):
        char = code[index]
        if char == "\n":
            line += 1
        if quote is not None:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = None
        elif char in _QUOTES:
            quote = char
        elif char in "([{":
            open_brackets.append((char, line))
        elif char in _PAIRS:
            if not open_brackets or open_brackets[-1][0] != _PAIRS[char]:
                return f"unmatched {char!r} at line {line}"
            open_brackets.pop()
        index += 1
    if quote is not None:
        return f"a string opened with {quote} is never closed"
    if open_brackets:
        bracket, opened = open_brackets[-1]
        return f"{bracket!r} opened at line {opened} is never closed"
    return None


def assert_matches_schema(output: str | Any, schema: Mapping[str, Any]) -> Any:
    """`output` (JSON text, or already parsed data) is valid against the JSON Schema `schema`.

    Returns the parsed data, so a test can go on to check values. Every violation is listed,
    each with the path to the offending value.
    """
    if isinstance(output, str):
        try:
            data = json.loads(output)
        except json.JSONDecodeError as error:
            raise AssertionError(f"the output is not JSON: {error}") from None
    else:
        data = output
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(data), key=lambda error: list(error.path))
    if errors:
        problems = "\n".join(
            f"  at {'/'.join(map(str, error.path)) or '(root)'}: {error.message}"
            for error in errors
        )
        raise AssertionError(f"the output breaks its schema in {len(errors)} places:\n{problems}")
    return data


def assert_cites_only_retrieved(
    answer: str,
    retrieved: Sequence[str] | Mapping[str, str],
    *,
    require_citation: bool = True,
    every_claim_cited: bool = False,
) -> None:
    """Every citation in `answer` points at a retrieved passage (see
    `scaffolder.kit.retrieval.citations` for what counts as a citation and how labels resolve).

    `require_citation`: the answer must cite something, unless it declines ("I don't know").
    `every_claim_cited`: each claim sentence must carry a citation too.
    """
    report = check_citations(answer, retrieved)
    if report.unknown:
        raise AssertionError(
            f"the answer cites sources that were not retrieved: {list(report.unknown)}"
        )
    if require_citation and not report.cited and not report.dont_know:
        raise AssertionError("the answer cites no retrieved source")
    if every_claim_cited and report.uncited_sentences:
        listed = "\n".join(f"  {sentence!r}" for sentence in report.uncited_sentences)
        raise AssertionError(f"claims without a citation:\n{listed}")


def assert_same_intent(paraphrases: Sequence[str], classify: Callable[[str], Label]) -> Label:
    """`classify` (the app's intent classifier, router...) gives every paraphrase of one request
    the same label; returns that label. Needs at least two paraphrases."""
    if len(paraphrases) < 2:
        raise ValueError("assert_same_intent needs at least two paraphrases")
    labels = [classify(text) for text in paraphrases]
    if len(set(labels)) > 1:
        listed = "\n".join(
            f"  {label!r} <- {text!r}" for text, label in zip(paraphrases, labels, strict=True)
        )
        raise AssertionError(f"paraphrases of one request got different intents:\n{listed}")
    return labels[0]


def assert_invariant_to_irrelevant_context(
    app: Callable[[Question], Answer],
    question: Question,
    with_irrelevant_context: Sequence[Question],
    *,
    same: Callable[[Answer, Answer], bool] | None = None,
) -> Answer:
    """`app` answers `question` and each variant of it with irrelevant context added the same
    way, as judged by `same(original_answer, variant_answer)` (default: equality; see
    `similar_text` for answers that may be worded differently). Returns the original answer."""
    if not with_irrelevant_context:
        raise ValueError("give at least one variant of the question with irrelevant context")
    judge = same or _equal
    original = app(question)
    changed = [
        (variant, answer)
        for variant in with_irrelevant_context
        if not judge(original, answer := app(variant))
    ]
    if changed:
        listed = "\n".join(f"  {variant!r} -> {answer!r}" for variant, answer in changed)
        raise AssertionError(
            f"irrelevant context changed the answer ({original!r} without it) in "
            f"{len(changed)} of {len(with_irrelevant_context)} variants:\n{listed}"
        )
    return original


def similar_text(min_ratio: float = 0.8) -> Callable[[str, str], bool]:
    """A `same` rule for text: the case- and whitespace-normalised strings have a difflib
    similarity ratio of at least `min_ratio` (1.0 is identical)."""
    if not 0 <= min_ratio <= 1:
        raise ValueError(f"min_ratio must be in [0, 1], got {min_ratio}")

    def same(first: str, second: str) -> bool:
        ratio = difflib.SequenceMatcher(None, _normalised(first), _normalised(second)).ratio()
        return ratio >= min_ratio

    return same


def _normalised(text: str) -> str:
    return " ".join(text.lower().split())


def _equal(first: object, second: object) -> bool:
    return bool(first == second)
