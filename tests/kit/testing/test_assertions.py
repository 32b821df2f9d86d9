"""Structural and metamorphic assertions, each with a passing and a failing case."""

from __future__ import annotations

import pytest

from scaffolder.kit.testing.assertions import (
    assert_cites_only_retrieved,
    assert_code_complete,
    assert_invariant_to_irrelevant_context,
    assert_matches_schema,
    assert_same_intent,
    similar_text,
)

WHOLE_PYTHON = "def add(a, b):\n    return a + b\n"


def test_whole_python_code_passes() -> None:
    assert_code_complete(WHOLE_PYTHON)
    assert_code_complete("class Stub:\n    def run(self) -> None: ...\n")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("def add(a, b):\n    return (a +", "does not parse"),
        ("def add(a, b):\n    # ... rest of the code\n    pass\n", "placeholder"),
        ("def f():\n    # existing code here\n    return 1\n", "placeholder"),
        ("def f():\n    pass\n# ...\n", "placeholder"),
        ("   \n", "empty"),
    ],
)
def test_incomplete_python_code_fails(code: str, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        assert_code_complete(code)


def test_other_languages_need_balanced_brackets() -> None:
    assert_code_complete('function f(a) {\n  return [a, "}"];\n}\n', language="javascript")
    with pytest.raises(AssertionError, match=r"'\{' opened at line 1 is never closed"):
        assert_code_complete("function f(a) {\n  return [a];\n", language="javascript")
    with pytest.raises(AssertionError, match=r"unmatched '\)' at line 1"):
        assert_code_complete("f(a));", language="javascript")
    with pytest.raises(AssertionError, match="never closed"):
        assert_code_complete('const s = "unterminated;', language="javascript")
    with pytest.raises(AssertionError, match="placeholder"):
        assert_code_complete("fn main() {\n    // rest of the implementation\n}\n", language="rust")


SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name"],
    "additionalProperties": False,
}


def test_valid_json_passes_and_is_returned() -> None:
    assert assert_matches_schema('{"name": "x", "tags": ["a"]}', SCHEMA) == {
        "name": "x",
        "tags": ["a"],
    }
    assert assert_matches_schema({"name": "y"}, SCHEMA) == {"name": "y"}


def test_schema_violations_are_all_listed() -> None:
    with pytest.raises(AssertionError, match="2 places") as failure:
        assert_matches_schema('{"tags": ["a", 3]}', SCHEMA)
    assert "at tags/1: 3 is not of type 'string'" in str(failure.value)
    assert "at (root): 'name' is a required property" in str(failure.value)
    with pytest.raises(AssertionError, match="not JSON"):
        assert_matches_schema('{"name": "x"', SCHEMA)


RETRIEVED = ["a1b2c3d4e5", "f6a7b8c9d0"]


def test_citations_of_retrieved_passages_pass() -> None:
    assert_cites_only_retrieved("Reset the router from the admin page [1].", RETRIEVED)
    assert_cites_only_retrieved("The limit is 5 requests per second [f6a7b8c9d0].", RETRIEVED)
    assert_cites_only_retrieved("I don't know, the documents do not say.", RETRIEVED)
    assert_cites_only_retrieved(
        "Reset the router from the admin page [1]. It takes about a minute to reboot [2].",
        RETRIEVED,
        every_claim_cited=True,
    )


def test_citations_outside_the_retrieved_set_fail() -> None:
    with pytest.raises(AssertionError, match=r"not retrieved: \['3'\]"):
        assert_cites_only_retrieved("Reset the router from the admin page [3].", RETRIEVED)
    with pytest.raises(AssertionError, match="cites no retrieved source"):
        assert_cites_only_retrieved("Reset the router from the admin page.", RETRIEVED)
    with pytest.raises(AssertionError, match="claims without a citation"):
        assert_cites_only_retrieved(
            "Reset the router from the admin page [1]. It takes about a minute to reboot.",
            RETRIEVED,
            every_claim_cited=True,
        )


def classify(text: str) -> str:
    lowered = text.lower()
    return "refund" if "money back" in lowered or "refund" in lowered else "other"


def test_paraphrases_with_one_intent_pass() -> None:
    label = assert_same_intent(
        ["I want a refund", "Can I get my money back?", "refund please"], classify
    )
    assert label == "refund"


def test_paraphrases_with_different_intents_fail() -> None:
    with pytest.raises(AssertionError, match="'other' <- 'Return what I paid'"):
        assert_same_intent(["I want a refund", "Return what I paid"], classify)
    with pytest.raises(ValueError, match="two paraphrases"):
        assert_same_intent(["alone"], classify)


def capital_app(question: str) -> str:
    return "Paris is the capital." if "France" in question else "I don't know."


def distracted_app(question: str) -> str:
    return "It might be Berlin." if "Germany" in question else capital_app(question)


VARIANTS = [
    "The weather is mild today. What is the capital of France?",
    "Germany borders nine countries. What is the capital of France?",
]


def test_an_answer_that_ignores_irrelevant_context_passes() -> None:
    answer = assert_invariant_to_irrelevant_context(
        capital_app, "What is the capital of France?", VARIANTS
    )
    assert answer == "Paris is the capital."


def test_an_answer_changed_by_irrelevant_context_fails() -> None:
    with pytest.raises(AssertionError, match="in 1 of 2 variants") as failure:
        assert_invariant_to_irrelevant_context(
            distracted_app, "What is the capital of France?", VARIANTS
        )
    assert "'It might be Berlin.'" in str(failure.value)


def test_a_similarity_rule_accepts_rewording_but_not_a_different_answer() -> None:
    rule = similar_text(0.8)
    assert rule("Paris is the capital.", "paris is  the capital!")
    assert not rule("Paris is the capital.", "It might be Berlin.")
    answers = iter(["Paris is the capital.", "Paris is the capital!", "Berlin."])
    with pytest.raises(AssertionError, match="1 of 2"):
        assert_invariant_to_irrelevant_context(
            lambda _: next(answers), "q", ["q1", "q2"], same=similar_text(0.8)
        )
