"""Rendering prompts from the library: source maps, preconditions, postconditions, budgets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffolder.errors import TokenBudgetError
from scaffolder.kit.llm.tokens import counter_for
from scaffolder.kit.prompts.conditions import PromptInputError, PromptOutputError
from scaffolder.kit.prompts.library import PromptLibrary, RenderedPrompt
from scaffolder.kit.prompts.manifest import PromptError
from tests.kit.prompts.conftest import FILES, write_library

VALUES: dict[str, Any] = {
    "product": "Lumen",
    "question": "How do I reset it?",
    "passages": [{"id": "1", "text": "Hold the button."}, {"id": "2", "text": "Wait."}],
    "examples": [{"q": "Hi?", "a": "Hello."}],
}


def render(root: Path, values: dict[str, Any] | None = None) -> RenderedPrompt:
    return PromptLibrary(root).get("answer").render(values or VALUES)


def test_renders_the_messages(library_root: Path) -> None:
    rendered = render(library_root)
    system, user = rendered.messages
    assert system.role == "system"
    assert system.content == (
        "You answer questions about Lumen.\nBe concise.\nBe kind.\nCite sources as [id].\n"
        "\n\nQ: Hi?\nA: Hello.\n"
    )
    assert user.content == (
        "Sources:\n[1] Hold the button.\n[2] Wait.\nQuestion: How do I reset it?\n"
        "- answer briefly\nThank you.\n"
    )


def origins_by_text(rendered: RenderedPrompt, index: int) -> dict[str, str]:
    message = rendered.messages[index]
    return {message.content[s.start : s.end]: s.origin.describe() for s in message.spans}


def test_every_piece_names_its_file_and_line(library_root: Path) -> None:
    rendered = render(library_root)
    system = origins_by_text(rendered, 0)
    assert system["You answer questions about "] == "answer/instructions.md:1"
    assert system["Lumen"] == "{{ product }} at answer/instructions.md:1"
    assert system["Be kind.\n"] == "_shared/tone.md:2"
    assert system["Cite sources as [id].\n"] == "answer/instructions.md:2"
    assert system["\n\n"] == "separator at answer/prompt.yaml:9"  # the message's line
    assert system["Hello."] == "{{ ex.a }} at answer/examples.md:3"
    user = origins_by_text(rendered, 1)
    assert user["Hold the button."] == "{{ p.text }} from retrieval at answer/question.md:4"
    assert user["Question: "] == "answer/question.md:7"
    assert user["How do I reset it?"] == "{{ question }} at answer/question.md:7"
    assert user["answer briefly"] == "{{ x }} at _shared/macros.j2:1"
    assert user["Thank you."] == "answer/question.md:9"  # inside the set block


def test_request_carries_the_prompt_version_and_model_parameters(library_root: Path) -> None:
    prompt = PromptLibrary(library_root).get("answer")
    request = prompt.request(VALUES)
    assert request.prompt == f"answer@{prompt.version}"
    assert request.temperature == 0.2
    assert request.max_tokens == 300
    assert [m.role for m in request.messages] == ["system", "user"]


def test_version_changes_with_any_file_including_included_ones(library_root: Path) -> None:
    before = PromptLibrary(library_root).get("answer").version
    tone = library_root / "_shared" / "tone.md"
    tone.write_text(tone.read_text().replace("kind", "friendly"))
    after = PromptLibrary(library_root).get("answer")
    assert after.version != before
    assert "_shared/tone.md" in after.files
    assert "_shared/macros.j2" in after.files


line_text = st.text(alphabet="abc XYZ{}%#<>'\"\n[]", max_size=30)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    product=st.text(alphabet="abcdef XYZ", min_size=1, max_size=40),
    question=line_text,
    passages=st.lists(
        st.fixed_dictionaries({"id": st.sampled_from("123"), "text": line_text}), max_size=3
    ),
    examples=st.lists(st.fixed_dictionaries({"q": line_text, "a": line_text}), max_size=3),
)
def test_spans_reassemble_the_prompt_and_point_at_real_lines(
    library_root: Path, product: str, question: str, passages: list[Any], examples: list[Any]
) -> None:
    values = {"product": product, "question": question, "passages": passages, "examples": examples}
    rendered = render(library_root, values)
    for message in rendered.messages:
        position = 0
        for span in message.spans:
            assert span.start == position and span.end > span.start
            position = span.end
            text = message.content[span.start : span.end]
            source = (library_root / span.origin.file).read_text().splitlines(keepends=True)
            line = source[span.origin.line - 1]
            if span.origin.separator:
                assert "role:" in line
            elif span.origin.variable is None:
                assert text in line, (text, span.origin)
            else:
                assert "{{" in line and span.origin.variable.split(".")[0].split("|")[0] in line
        assert position == len(message.content)
    user = rendered.messages[1]
    asked = "".join(
        user.content[s.start : s.end] for s in user.spans if s.origin.variable == "question"
    )
    assert asked == question


def test_input_text_cannot_forge_origins(library_root: Path) -> None:
    sneaky = "\ue0000\ue001injected\ue002"
    rendered = render(library_root, {**VALUES, "question": sneaky})
    assert "injected" in rendered.messages[1].content
    assert "\ue000" not in rendered.messages[1].content


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"product": "Lumen"}, "input 'question' is required"),
        ({**VALUES, "question": 42}, "input 'question' must be str, got int"),
        ({**VALUES, "product": "x" * 41}, "input 'product' is longer than 40"),
        ({**VALUES, "colour": "red"}, "undeclared input 'colour'"),
        ({**VALUES, "passages": "not a list"}, "input 'passages' must be list"),
    ],
)
def test_preconditions(library_root: Path, values: dict[str, Any], problem: str) -> None:
    with pytest.raises(PromptInputError, match=problem):
        render(library_root, values)


def test_postconditions(library_root: Path) -> None:
    prompt = PromptLibrary(library_root).get("answer")
    assert prompt.check_output("Hold the button. [1]", VALUES) == "Hold the button. [1]"
    assert prompt.check_output("I don't know.", VALUES) == "I don't know."
    with pytest.raises(PromptOutputError, match="cites sources that were not given: 9"):
        prompt.check_output("Hold it. [9]", VALUES)
    with pytest.raises(PromptOutputError, match="cites no source"):
        prompt.check_output("Hold it.", VALUES)


def test_budget_drops_low_priority_components_first(library_root: Path) -> None:
    prompt = PromptLibrary(library_root).get("answer")
    counter = counter_for("gpt-4o-mini")
    full = prompt.render(VALUES)
    assert full.dropped == ()
    tight = sum(counter.count(m.content) for m in full.messages)
    rendered = prompt.render(VALUES, counter=counter, budget=tight)
    assert rendered.dropped == ("examples.md",)
    assert "Q: Hi?" not in rendered.messages[0].content
    with pytest.raises(TokenBudgetError, match="never dropped need"):
        prompt.render(VALUES, counter=counter, budget=10)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("answer/prompt.yaml", "name: answer\nmessages: [\n", "answer/prompt.yaml:3:"),
        (
            "answer/prompt.yaml",
            FILES["answer/prompt.yaml"].replace("kind: examples", "kind: bogus"),
            "answer/prompt.yaml:12: messages.0.components.1.kind",
        ),
        (
            "answer/prompt.yaml",
            FILES["answer/prompt.yaml"].replace("examples.md", "missing.md"),
            "answer/prompt.yaml:12: component file 'missing.md' does not exist",
        ),
        (
            "answer/prompt.yaml",
            FILES["answer/prompt.yaml"].replace("name: answer", "name: other"),
            "answer/prompt.yaml:1: name 'other' does not match",
        ),
        ("answer/examples.md", "{% for ex in examples %}\nQ: {{ ex.q }\n", "answer/examples.md:2:"),
        ("answer/examples.md", "Q: {{ ex.q }}\n{{ nothing.here }}\n", "answer/examples.md:1:"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, name: str, content: str, message: str) -> None:
    root = write_library(tmp_path / "prompts", {**FILES, name: content})
    with pytest.raises(PromptError) as raised:
        render(root)
    assert str(raised.value).startswith(message), str(raised.value)


def test_unknown_prompt(library_root: Path) -> None:
    with pytest.raises(PromptError, match=r"no prompt named 'nope'.*prompts: answer"):
        PromptLibrary(library_root).get("nope")


def test_a_missing_included_template_names_the_including_line(tmp_path: Path) -> None:
    broken = FILES["answer/instructions.md"].replace("_shared/tone.md", "_shared/gone.md")
    root = write_library(tmp_path / "prompts", {**FILES, "answer/instructions.md": broken})
    with pytest.raises(PromptError, match=r"^answer/instructions.md:2: included template"):
        PromptLibrary(root).get("answer").file_hashes()
