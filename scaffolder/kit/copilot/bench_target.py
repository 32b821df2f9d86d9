"""The bench target of a generated copilot: each case goes through the whole runtime.

`[tool.copilot.bench] target = "scaffolder.kit.copilot.bench_target:reply"` makes `copilot
bench run` measure what users get (routing, guards, retrieval, the skill, the prompt), not a
prompt in isolation. Sources are reported as the files the answer could cite, in the order the
model saw them, so suites can name expected sources by path (`data/faq.md`) instead of
content-hash chunk ids that change with every edit.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from scaffolder.errors import UsageError
from scaffolder.kit.bench.targets import CaseInput
from scaffolder.kit.copilot.runtime import Copilot
from scaffolder.kit.llm.client import LLM
from scaffolder.project import find_project

_LOCK = threading.Lock()
_BASE: dict[Path, Copilot] = {}


def reply(case: CaseInput, llm: LLM) -> dict[str, Any]:
    """The copilot's reply to the case, with the run's client (its model and sample)."""
    copilot = _copilot(llm)
    earlier = list(case.conversation)
    if earlier and earlier[-1].get("role") == "user":
        earlier = earlier[:-1]
    final = copilot.ask(case.text, history=[dict(turn) for turn in earlier])
    return {
        "answer": final.text,
        "sources": [source["source"] for source in final.sources],
        "intent": final.skill,
    }


def _copilot(llm: LLM) -> Copilot:
    project = find_project()
    if project is None:
        raise UsageError("the copilot bench target runs inside a copilot project")
    with _LOCK:
        base = _BASE.get(project.root)
        if base is None:
            base = _BASE[project.root] = Copilot.for_project(project.root)
            # Open what every case shares once, so each case's copy reuses it.
            base.services.retriever.store.count()
            _ = (base.services.prompts, base.services.guardrails)
    return base.with_llm(llm)
