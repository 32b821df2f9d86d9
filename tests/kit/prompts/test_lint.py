"""The prompt linter: each built-in rule on a failing and a passing library, team rules from
lint.yaml, suppression comments, broken prompts reported instead of crashing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.prompts.lint import BUILTIN_RULES, lint
from tests.kit.prompts.conftest import write_library

MANIFEST = """\
name: answer
description: Answer a question from passages.
inputs:
  question: {type: str, max_length: 500}
  passages: {type: list, required: false, default: [], step: retrieval}
messages:
  - role: system
    components:
      - {file: instructions.md, kind: instructions}
      - {file: rules.md, kind: rules}
  - role: user
    components:
      - {file: question.md}
output:
  checks: [non_empty]
"""
QUESTION = """\
<sources>
{% for p in passages %}
[{{ p.id }}] {{ p.text }}
{% endfor %}
</sources>
<question>
{{ question }}
</question>
"""
BASE = {
    "answer/prompt.yaml": MANIFEST,
    "answer/instructions.md": "You answer questions about the product from the sources.\n",
    "answer/rules.md": (
        "- Cite every statement as [id].\n- When the sources do not hold the answer, say so.\n"
    ),
    "answer/question.md": QUESTION,
}
END = MANIFEST.count("\n") + 1  # the line a key appended to the manifest lands on
Found = list[tuple[str, int, int, str]]


def library(tmp_path: Path, changes: dict[str, str] | None = None) -> Path:
    """A project whose prompts are BASE with `changes` (paths under prompts/)."""
    write_library(tmp_path / "prompts", {**BASE, **(changes or {})})
    return tmp_path


def found(root: Path, *names: str) -> Found:
    return [(f.file, f.line, f.column, f.rule_id) for f in lint(root, names).findings]


def with_input(declaration: str) -> str:
    return MANIFEST.replace("messages:", f"  {declaration}\nmessages:")


def test_the_base_library_is_clean(tmp_path: Path) -> None:
    assert found(library(tmp_path)) == []


def test_rule_ids_are_unique_and_stable() -> None:
    assert [rule.id for rule in BUILTIN_RULES] == [f"P{n:03}" for n in range(12)]
    assert all(rule.check.__doc__ for rule in BUILTIN_RULES)


FAILING: dict[str, tuple[dict[str, str], Found]] = {
    "P001": (
        {"answer/question.md": QUESTION + "For {{ product }}.\n"},
        [("prompts/answer/question.md", 9, 8, "P001")],
    ),
    "P002": (
        {"answer/prompt.yaml": with_input("tone: {type: str, required: false, default: ''}")},
        [("prompts/answer/prompt.yaml", 6, 1, "P002")],
    ),
    "P003": (
        {"answer/question.md": QUESTION.replace("<question>\n{{", "Question: {{")},
        [("prompts/answer/question.md", 6, 11, "P003")],
    ),
    "P004": (
        {"answer/prompt.yaml": MANIFEST + "budget: 40\n"},
        [("prompts/answer/prompt.yaml", END, 1, "P004")],
    ),
    "P005": (
        {"answer/instructions.md": "You answer questions.\nCite every statement as [ID]!\n"},
        [("prompts/answer/rules.md", 1, 3, "P005")],
    ),
    "P006": (
        {"answer/rules.md": "- Always cite the sources.\n- Be brief. Never cite the sources.\n"},
        [("prompts/answer/rules.md", 2, 13, "P006")],
    ),
    "P007": (
        {"answer/instructions.md": "You answer questions. TODO: tone\n"},
        [("prompts/answer/instructions.md", 1, 23, "P007")],
    ),
    "P008": (
        {
            "answer/instructions.md": (
                "Call it with sk-abcdefghijklmnopqrstuvwx1234.\nAKIAABCDEFGHIJKLMNOP\n"
                "password = hunter22\n" + "a" * 31 + "f" + " deadbeef" * 4 + "\n"
                "Fj6aFhsWOKa/kfoGYvhcm+n1wyBFEnjByB2fZTpO\n"
            )
        },
        [
            ("prompts/answer/instructions.md", 1, 14, "P008"),
            ("prompts/answer/instructions.md", 2, 1, "P008"),
            ("prompts/answer/instructions.md", 3, 1, "P008"),
            ("prompts/answer/instructions.md", 4, 1, "P008"),
            ("prompts/answer/instructions.md", 5, 1, "P008"),
        ],
    ),
    "P009": (
        {
            "answer/prompt.yaml": MANIFEST + "  schema: answer.schema.json\n",
            "answer/answer.schema.json": "{}",
        },
        [("prompts/answer/prompt.yaml", END, 1, "P009")],
    ),
    "P010": (
        {
            "answer/prompt.yaml": MANIFEST + "languages: [python, javascript]\n",
            "answer/rules.md": "- Run the tests with pytest.\n- Answer for JavaScript users.\n",
        },
        [("prompts/answer/rules.md", 1, 22, "P010"), ("prompts/answer/rules.md", 2, 14, "P010")],
    ),
    "P011": (
        {"answer/prompt.yaml": MANIFEST.replace("[non_empty]", "[non_empty, made_up]")},
        [("prompts/answer/prompt.yaml", END - 1, 1, "P011")],
    ),
}


@pytest.mark.parametrize("rule", FAILING)
def test_each_rule_reports_its_problem_where_it_is(tmp_path: Path, rule: str) -> None:
    changes, expected = FAILING[rule]
    assert found(library(tmp_path, changes)) == expected


PASSING: dict[str, dict[str, str]] = {
    "P001": {
        "answer/question.md": QUESTION
        + '{% set footer = "Thanks" %}{{ footer }}\n{% macro show(x) %}{{ x }}{% endmacro %}'
        + "{{ show(footer) }}\n"
        + '{% for p in passages %}{% include "_shared/item.md" %}{% endfor %}\n',
        "_shared/item.md": "- {{ p.text }} ({{ loop.index }})\n",
    },
    "P002": {
        "answer/question.md": QUESTION.replace("{{ question }}", '{% include "_shared/q.md" %}'),
        "_shared/q.md": "{{ question }}\n",
    },
    "P003": {
        "answer/question.md": (
            '```\n{{ question }}\n```\nThe user asks: "{{ question }}"\n'
            '<q id="1">{{ question|trim }}</q>\n{% for p in passages %}{{ p.text }}{% endfor %}\n'
        ),
        "answer/prompt.yaml": with_input("count: {type: int, required: false, default: 3}").replace(
            "messages:", "  page: {type: str, step: browser}\nmessages:"
        ),
        "answer/instructions.md": "Give {{ count }} answers about {{ page }}.\n",
    },
    "P004": {"answer/prompt.yaml": MANIFEST + "budget: 4000\n"},
    "P005": {"answer/instructions.md": "You answer questions.\nCite every statement twice.\n"},
    "P006": {"answer/rules.md": "- Always cite the sources.\n- Never guess.\n"},
    "P007": {"answer/instructions.md": "You answer questions; today is a good day.\n"},
    "P008": {
        "answer/instructions.md": (
            "Never ask for a password.\nSee docs/getting-started/installation-guide-for-them.\n"
            "ThisIsAVeryLongCamelCaseIdentifierName2024Version\npassword={{ question }}\n"
        )
    },
    "P009": {
        "answer/prompt.yaml": MANIFEST.replace(
            "kind: rules}", "kind: rules}\n      - {file: ex.md, kind: examples}"
        )
        + "  schema: answer.schema.json\n",
        "answer/ex.md": 'Answer: {"text": "Five [1]."}\n',
        "answer/answer.schema.json": "{}",
    },
    "P010": {
        "answer/prompt.yaml": MANIFEST + "languages: [python, javascript]\n",
        "answer/rules.md": '{% if "python" in passages %}\n- Run pytest.\n{% endif %}\n',
    },
    "P011": {"answer/prompt.yaml": MANIFEST.replace("[non_empty]", "[non_empty, cites_sources]")},
}


@pytest.mark.parametrize("rule", PASSING)
def test_each_rule_passes_a_correct_prompt(tmp_path: Path, rule: str) -> None:
    assert [f for f in found(library(tmp_path, PASSING[rule])) if f[3] == rule] == []


def test_one_language_is_not_language_specific(tmp_path: Path) -> None:
    changes = {
        "answer/prompt.yaml": MANIFEST + "languages: [python]\n",
        "answer/rules.md": "- Run pytest for Python.\n",
    }
    root = library(tmp_path, changes)
    assert found(root) == []


def test_over_budget_names_what_the_budget_drops(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("kind: rules}", "kind: rules, priority: 1}") + "budget: 500\n"
    rules = "".join(f"- Rule number {i} is about topic{i}.\n" for i in range(40))
    root = library(tmp_path, {"answer/prompt.yaml": manifest, "answer/rules.md": rules})
    (finding,) = lint(root).findings
    assert finding.rule_id == "P004"
    assert "over its budget of 500: the budget leaves out rules.md" in finding.message
    root = library(tmp_path, {"answer/prompt.yaml": manifest.replace("500", "50")})
    (finding,) = lint(root).findings
    assert finding.message.endswith("even without the components the budget may drop")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"answer/prompt.yaml": "name: answer\ninputs: [\n"}, ("prompt.yaml", 3)),
        ({"answer/prompt.yaml": MANIFEST + "colour: red\n"}, ("prompt.yaml", END)),
        ({"answer/rules.md": "- Cite.\n{% if x %}\n"}, ("rules.md", 2)),
        ({"answer/rules.md": '- Be kind.\n{% include "nope.md" %}\n'}, ("rules.md", 2)),
        ({"answer/question.md": QUESTION + "{{ 1 / 0 }}\n"}, ("prompt.yaml", 1)),
        (
            {"answer/prompt.yaml": MANIFEST + "  schema: s.json\n", "answer/s.json": "{\n  x"},
            ("s.json", 2),
        ),
    ],
    ids=["yaml", "manifest", "syntax", "include", "render", "schema"],
)
def test_a_broken_prompt_is_a_finding_not_a_crash(
    tmp_path: Path, changes: dict[str, str], expected: tuple[str, int]
) -> None:
    findings = [f for f in lint(library(tmp_path, changes)).findings if f.rule_id == "P000"]
    assert [(f.file, f.line) for f in findings] == [(f"prompts/answer/{expected[0]}", expected[1])]
    assert findings[0].severity == "error"


def test_a_missing_component_is_reported_at_its_manifest_line(tmp_path: Path) -> None:
    root = library(tmp_path)
    (root / "prompts/answer/rules.md").unlink()
    assert found(root) == [("prompts/answer/prompt.yaml", 10, 1, "P000")]


def test_text_rules_still_run_on_a_prompt_whose_manifest_is_broken(tmp_path: Path) -> None:
    root = library(
        tmp_path,
        {"answer/prompt.yaml": "name: [\n", "answer/rules.md": "- TODO\n- password=hunter22\n"},
    )
    assert [f[3] for f in found(root)] == ["P000", "P007", "P008"]


def test_names_restrict_the_run_and_unknown_names_are_usage_errors(tmp_path: Path) -> None:
    other = {name.replace("answer/", "other/"): text for name, text in BASE.items()}
    other["other/prompt.yaml"] = MANIFEST.replace("name: answer", "name: other") + "budget: 1\n"
    root = library(tmp_path, other)
    assert {f[0] for f in found(root)} == {"prompts/other/prompt.yaml"}
    assert found(root, "answer") == []
    with pytest.raises(UsageError, match="no prompt named 'nope'"):
        lint(root, ["nope"])


def test_no_prompt_library_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no prompts/ folder"):
        lint(tmp_path)


# -- suppressions ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "silenced"),
    [
        ({"answer/rules.md": "- Cite. TODO {# lint: ignore P007 #}\n"}, True),
        ({"answer/rules.md": "- Cite. TODO <!-- lint: ignore P001, P007 -->\n"}, True),
        ({"answer/rules.md": "- Cite. TODO {# lint: ignore #}\n"}, True),
        ({"answer/rules.md": "- Cite. TODO {# lint: ignore P001 #}\n"}, False),
        ({"answer/rules.md": "- Cite. TODO\n{# lint: ignore P007 #}\n"}, False),
    ],
)
def test_an_ignore_comment_silences_rules_on_its_line(
    tmp_path: Path, changes: dict[str, str], silenced: bool
) -> None:
    assert (found(library(tmp_path, changes)) == []) is silenced


def test_an_ignore_comment_in_yaml(tmp_path: Path) -> None:
    manifest = with_input("tone: {type: str, required: false}  # lint: ignore P002")
    assert found(library(tmp_path, {"answer/prompt.yaml": manifest})) == []


# -- team rules --------------------------------------------------------------------------------
def team(tmp_path: Path, config: str, changes: dict[str, str] | None = None) -> Found:
    return found(library(tmp_path, {"lint.yaml": config, **(changes or {})}))


def test_require_in_files_and_in_the_rendered_prompt(tmp_path: Path) -> None:
    config = """\
rules:
  - {id: cite, message: Ask for citations., require: 'Cite', files: '*/rules.md'}
  - {id: refuse, message: Say how to refuse., require: "I can't help", severity: warning}
"""
    result = lint(library(tmp_path, {"lint.yaml": config}))
    assert [(f.file, f.rule_id, f.severity, f.message) for f in result.findings] == [
        (
            "prompts/answer/prompt.yaml",
            "refuse",
            "warning",
            "Say how to refuse. (not in the rendered prompt)",
        )
    ]
    assert team(tmp_path, config.replace("'Cite'", "'Quote'")) == [
        ("prompts/answer/prompt.yaml", 1, 1, "refuse"),
        ("prompts/answer/rules.md", 1, 1, "cite"),
    ]


def test_forbid_in_files_and_in_the_rendered_prompt_at_the_source_line(tmp_path: Path) -> None:
    config = """\
rules:
  - {id: no-sorry, message: No apologies., forbid: '(?i)\\bsorry\\b', files: 'answer/*.md'}
  - {id: no-product, message: Name the product., forbid: 'the product'}
"""
    rules = "- Cite every statement as [id].\n- Say sorry, then Sorry again.\n"
    assert team(tmp_path, config, {"answer/rules.md": rules}) == [
        ("prompts/answer/instructions.md", 1, 28, "no-product"),
        ("prompts/answer/rules.md", 2, 7, "no-sorry"),
        ("prompts/answer/rules.md", 2, 19, "no-sorry"),
    ]


def test_require_section_and_max_tokens(tmp_path: Path) -> None:
    config = """\
rules:
  - {id: format, message: Say the output format., require_section: Output format}
  - {id: rules-format, message: Rules need it., require_section: Output format, files: '*/rules.md'}
  - {id: small, message: Keep it small., max_tokens: 30}
"""
    assert team(tmp_path, config) == [
        ("prompts/answer/prompt.yaml", 1, 1, "format"),
        ("prompts/answer/prompt.yaml", 1, 1, "small"),
        ("prompts/answer/rules.md", 1, 1, "rules-format"),
    ]
    rules = BASE["answer/rules.md"] + "\n## Output format\nTwo sentences.\n"
    config = config.replace("30", "3000")
    assert team(tmp_path, config, {"answer/rules.md": rules}) == []


def test_disable_and_severity_overrides(tmp_path: Path) -> None:
    changes = {"answer/rules.md": BASE["answer/rules.md"] + "- TODO\n"}
    config = "severity: {P007: error}\n"
    (finding,) = lint(library(tmp_path, {"lint.yaml": config, **changes})).findings
    assert (finding.rule_id, finding.severity) == ("P007", "error")
    assert team(tmp_path, "disable: [P007]\n", changes) == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("rules: [\n", "prompts/lint.yaml:2: "),
        (
            "rules:\n  - id: a\n    message: m\n    colour: red\n    require: x\n",
            ":4: rules.0.colour",
        ),
        ("rules:\n  - {id: a, message: m, require: x, forbid: y}\n", ":2: rules.0: a rule needs"),
        ("rules:\n  - {id: a, message: m}\n", "exactly one of require, forbid"),
        ("rules:\n  - {id: a, message: m, forbid: '('}\n", ":2: rules.0.forbid: "),
        ("rules:\n  - {id: P001, message: m, forbid: x}\n", "'P001' is a built-in rule's id"),
        ("disable:\n  - P001\n  - P999\n", ":3: disable: no rule 'P999'"),
        ("severity:\n  P001: fatal\n", ":2: severity.P001: "),
        ("- just a list\n", ":1: lint.yaml is a mapping"),
    ],
)
def test_a_malformed_lint_yaml_is_a_one_line_usage_error(
    tmp_path: Path, config: str, message: str
) -> None:
    with pytest.raises(UsageError) as error:
        lint(library(tmp_path, {"lint.yaml": config}))
    assert message in str(error.value)
    assert str(error.value).startswith("prompts/lint.yaml:")
    assert "\n" not in str(error.value)


def test_findings_serialise_to_json_sorted(tmp_path: Path) -> None:
    root = library(tmp_path, {"answer/rules.md": "- TODO b\n- TODO a\n"})
    result = lint(root)
    data = json.loads(result.json())
    assert [(item["line"], item["rule_id"], item["severity"]) for item in data] == [
        (1, "P007", "warning"),
        (2, "P007", "warning"),
    ]
    assert set(data[0]) == {"file", "line", "column", "rule_id", "severity", "message"}
    assert result.text().splitlines()[0] == (
        "prompts/answer/rules.md:1:3 P007 leftover TODO: finish it or remove it"
    )
    assert not result.failed() and result.failed(strict=True)
