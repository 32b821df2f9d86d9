"""A small prompt library with every Jinja feature source maps must survive."""

from __future__ import annotations

from pathlib import Path

import pytest

FILES = {
    "_shared/tone.md": "Be concise.\nBe kind.\n",
    "_shared/macros.j2": "{% macro bullet(x) %}- {{ x }}\n{% endmacro %}",
    "answer/prompt.yaml": """\
name: answer
description: Answer a question from passages.
inputs:
  product: {type: str, max_length: 40}
  question: {type: str, max_length: 500}
  passages: {type: list, required: false, default: [], step: retrieval}
  examples: {type: list, required: false, default: []}
messages:
  - role: system
    components:
      - {file: instructions.md, kind: instructions}
      - {file: examples.md, kind: examples, priority: 1}
  - role: user
    components:
      - {file: question.md}
output:
  checks: [cites_sources]
model: {temperature: 0.2, max_tokens: 300}
""",
    "answer/instructions.md": (
        "You answer questions about {{ product }}.\n"
        '{% include "_shared/tone.md" %}'
        "Cite sources as [id].\n"
    ),
    "answer/examples.md": ("{% for ex in examples %}\nQ: {{ ex.q }}\nA: {{ ex.a }}\n{% endfor %}"),
    "answer/question.md": (
        "{% if passages %}\n"
        "Sources:\n"
        "{% for p in passages %}\n"
        "[{{ p.id }}] {{ p.text }}\n"
        "{% endfor %}\n"
        "{% endif %}\n"
        "Question: {{ question }}\n"
        '{% from "_shared/macros.j2" import bullet %}\n'
        '{{ bullet("answer briefly") }}'
        "{% set footer %}Thank you.{% endset %}\n"
        "{{ footer }}\n"
    ),
}


def write_library(root: Path, files: dict[str, str] | None = None) -> Path:
    for name, content in (files or FILES).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def library_root(tmp_path: Path) -> Path:
    return write_library(tmp_path / "prompts")
