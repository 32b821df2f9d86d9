"""Ablation on a synthetic prompt: one component is necessary, the others are useless."""

from __future__ import annotations

import asyncio
from pathlib import Path

from scaffolder.kit.bench.ablation import ablate, ddmin
from scaffolder.kit.bench.graders import known_graders
from scaffolder.kit.bench.suite import load_suite
from scaffolder.kit.prompts.library import PromptLibrary
from tests.kit.bench.conftest import CountingServer, server_llm, write_cases
from tests.kit.prompts.conftest import write_library

FILES = {
    "reply/prompt.yaml": """\
name: reply
inputs:
  question: {type: str}
messages:
  - role: system
    components:
      - {file: tone.md, kind: instructions}
  - role: user
    components:
      - {file: format.md, kind: rules}
      - {file: question.md}
""",
    "reply/tone.md": "Be warm and friendly.\n",
    "reply/format.md": "End every answer with FORMAT-OK.\n",
    "reply/question.md": "{{ question }}\n",
}


def test_ablation_finds_the_necessary_component(tmp_path: Path, server: CountingServer) -> None:
    library = PromptLibrary(write_library(tmp_path / "prompts", FILES))
    cases = [
        {"id": f"q{i}", "input": f"question {i}", "references": ["FORMAT-OK"]} for i in range(4)
    ]
    suite = load_suite(write_cases(tmp_path / "fmt.jsonl", cases), known_graders())
    llm = server_llm(server, tmp_path / "cache.sqlite3")

    result = asyncio.run(ablate(llm, library.get("reply"), suite))
    effects = {effect.component: effect.effect for effect in result.effects}
    assert result.full_score == 1.0
    assert effects == {"tone.md": 0.0, "format.md": 1.0, "question.md": 0.0}
    assert result.minimal == ["format.md"]
    assert result.minimal_score == 1.0
    calls = server.count
    assert calls == result.calls > 0

    repeated = asyncio.run(ablate(llm, library.get("reply"), suite))
    assert server.count == calls, "a repeated ablation is answered from the cache"
    assert repeated.minimal == ["format.md"] and repeated.cached_calls == repeated.calls


def test_ddmin_is_one_minimal() -> None:
    needed = {2, 5}

    async def passes(keep: frozenset[int]) -> bool:
        return needed <= keep

    assert asyncio.run(ddmin(list(range(8)), passes)) == [2, 5]
