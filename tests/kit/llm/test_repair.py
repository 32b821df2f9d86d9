"""extract_json: strict JSON passes through, the usual model slips are repaired exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scaffolder.kit.llm.repair import extract_json


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": [1, 2.5, "x"], "b": null}', {"a": [1, 2.5, "x"], "b": None}),
        ("42", 42),
        ('"just a string"', "just a string"),
        ("[]", []),
    ],
)
def test_strict_json_is_returned_as_is(text: str, expected: Any) -> None:
    assert extract_json(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ("```JSON\n[1, 2]\n```", [1, 2]),
        ('~~~\n{"a": 1}\n~~~', {"a": 1}),
        ('Here you go:\n\n```json\n{"a": 1}\n```\n\nAnything else?', {"a": 1}),
        # The json block wins over a python block that happens to hold a dict.
        ('```python\nx = {"no": 0}\n```\n```json\n{"yes": 1}\n```', {"yes": 1}),
        # A fenced block cut off by the token limit.
        ('```json\n{"a": [1, 2', {"a": [1, 2]}),
    ],
)
def test_code_fences_are_stripped(text: str, expected: Any) -> None:
    assert extract_json(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('Sure! {"name": "Ada"} Hope that helps.', {"name": "Ada"}),
        ("The list is [1, 2, 3].", [1, 2, 3]),
        ('Result:\n{"a": {"b": [true]}}\nNote: {"b"} is nested.', {"a": {"b": [True]}}),
        # A bracketed reference in the prose is shorter than the answer: the answer wins.
        ('As noted in [1], the answer is {"score": 0.5, "ok": true}.', {"score": 0.5, "ok": True}),
        # Braces in prose that are not JSON are skipped.
        ('Use {curly braces} for this: {"a": 1}', {"a": 1}),
    ],
)
def test_prose_around_the_value_is_ignored(text: str, expected: Any) -> None:
    assert extract_json(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1,}', {"a": 1}),
        ("[1, 2, 3,]", [1, 2, 3]),
        ('{"a": [1, 2,], "b": {"c": 3,},}', {"a": [1, 2], "b": {"c": 3}}),
        ("[1, 2,\n]", [1, 2]),
        # A comma inside a string is text, not a trailing comma.
        ('{"a": "x,}",}', {"a": "x,}"}),
    ],
)
def test_trailing_commas_are_dropped(text: str, expected: Any) -> None:
    assert extract_json(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{'a': 'b'}", {"a": "b"}),
        ("{'say': \"it's\"}", {"say": "it's"}),
        ("['x', \"y\"]", ["x", "y"]),
        ("{'quote': 'she said \"hi\"'}", {"quote": 'she said "hi"'}),
        ("{'escaped': 'it\\'s'}", {"escaped": "it's"}),
        # An unescaped apostrophe in a single-quoted string: followed by a letter, so kept.
        ("{'text': 'it's fine', 'n': 1}", {"text": "it's fine", "n": 1}),
    ],
)
def test_single_quotes_become_strings(text: str, expected: Any) -> None:
    assert extract_json(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Apostrophes inside double-quoted strings must survive repair untouched.
        ('{"text": "don\'t stop", "n": 1,}', {"text": "don't stop", "n": 1}),
        ("{\"a\": \"it's\", 'b': 'ok'}", {"a": "it's", "b": "ok"}),
        # Unescaped double quotes inside a double-quoted string.
        ('{"say": "he said "hi" today"}', {"say": 'he said "hi" today'}),
        # Raw newlines inside strings, which strict JSON refuses.
        ('{"code": "line 1\nline 2"}', {"code": "line 1\nline 2"}),
        ('{"e": "tab\\there \\u00e9 \\ud83d\\ude00",}', {"e": "tab\there é 😀"}),
    ],
)
def test_strings_with_quotes_inside(text: str, expected: Any) -> None:
    assert extract_json(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{'ok': True, 'bad': False, 'none': None}", {"ok": True, "bad": False, "none": None}),
        ("[True, None, false]", [True, None, False]),
        ("{name: 'Ada', age_years: 36}", {"name": "Ada", "age_years": 36}),
        ("{ key :1}", {"key": 1}),
        ('{"n": -1.5e3, "m": 0,}', {"n": -1500.0, "m": 0}),
    ],
)
def test_python_literals_and_bare_keys(text: str, expected: Any) -> None:
    assert extract_json(text) == expected


FULL = '{"name": "Ada", "tags": ["x", "y"], "ok": true, "n": 12.5}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", {}),
        ('{"na', {}),
        ('{"name"', {}),
        ('{"name":', {}),
        ('{"name": ', {}),
        ('{"name": "Ad', {"name": "Ad"}),
        ('{"name": "Ada"', {"name": "Ada"}),
        ('{"name": "Ada",', {"name": "Ada"}),
        ('{"name": "Ada", "tags": [', {"name": "Ada", "tags": []}),
        ('{"name": "Ada", "tags": ["x", "y', {"name": "Ada", "tags": ["x", "y"]}),
        ('{"name": "Ada", "tags": ["x", "y"],', {"name": "Ada", "tags": ["x", "y"]}),
        (
            '{"name": "Ada", "tags": ["x", "y"], "ok": t',
            {"name": "Ada", "tags": ["x", "y"], "ok": True},
        ),
        (
            '{"name": "Ada", "tags": ["x", "y"], "ok": true, "n": 12.',
            {"name": "Ada", "tags": ["x", "y"], "ok": True, "n": 12},
        ),
        ('{"name": "Ada", "tags": ["x", "y"], "ok": true, "n": 12.5', json.loads(FULL)),
    ],
)
def test_truncated_object_at_every_kind_of_cut(text: str, expected: Any) -> None:
    assert FULL.startswith(text)
    assert extract_json(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[", []),
        ("[1, 2", [1, 2]),
        ("[1, 2,", [1, 2]),
        ("[1, -", [1]),
        ("[1, 2e", [1, 2]),
        ('[{"a": 1}, {"b"', [{"a": 1}, {}]),
        ('[{"a": 1}, {"b": [n', [{"a": 1}, {"b": [None]}]),
        ("[[1, [2, [3", [[1, [2, [3]]]]),
        ("['unfinished", ["unfinished"]),
        ('["ends with escape \\', ["ends with escape "]),
        ('["ends mid unicode \\u00', ["ends mid unicode "]),
        ('{"key": [1, 2], "next": {"deep": "val', {"key": [1, 2], "next": {"deep": "val"}}),
        ("{bare_key", {}),
    ],
)
def test_truncated_arrays_and_strings(text: str, expected: Any) -> None:
    assert extract_json(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no JSON object or array found"),
        ("I cannot help with that.", "no JSON object or array found"),
        ('{"a": maybe}', "unquoted value 'maybe'"),
        ("[1 2]", "expected ',' or ']'"),
        ('{"a": 1]', "expected ',' or '}'"),
        ('{"a" 1}', "expected ':' after an object key"),
        ("{,}", "expected an object key"),
        # A quote kept as text, then the end: that quote closed the string after all.
        ('{"a": "x" 1}', "expected ',' or '}'"),
        ("[1, , 2]", "unexpected ','"),
        ('{"n": 1.2.3}', "invalid number '1.2.3'"),
        ('```json\n{"a": nope}\n```', "unquoted value 'nope'"),
    ],
)
def test_unrepairable_text_raises_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match="no JSON could be recovered") as raised:
        extract_json(text)
    assert reason in str(raised.value)


def test_the_reported_failure_is_the_candidate_that_got_furthest() -> None:
    with pytest.raises(ValueError, match="unquoted value 'oops'"):
        extract_json('Use {x} here: {"a": 1, "b": [2, 3], "c": oops}')


def test_a_broken_object_does_not_yield_its_inner_part() -> None:
    # The inner {"b": 1} parses on its own, but it is part of a broken whole.
    with pytest.raises(ValueError, match="unquoted value 'broken'"):
        extract_json('{"a": {"b": 1}, "c": broken}')


def test_very_deep_nesting_is_a_value_error_not_a_crash() -> None:
    with pytest.raises(ValueError, match="nested too deeply"):
        extract_json("{'a': " * 100_000)
