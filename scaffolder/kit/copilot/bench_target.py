"""The bench target of a generated copilot: each case goes through the whole runtime.

`[tool.copilot.bench] target = "scaffolder.kit.copilot.bench_target:reply"` makes `copilot
bench run` measure what users get (routing, guards, retrieval, the skill, the prompt), not a
prompt in isolation. Sources are reported as the files the answer could cite, in the order the
model saw them, so suites can name expected sources by path (`data/faq.md`) instead of
content-hash chunk ids that change with every edit.

Which copilot: the one the project's app builds. `copilot bench run` hands the app over
(`use`) before the first case, so a target never looks for the project itself; a project's own
targets (a code assistant's edit benchmark) reach the same copilot through `copilot(llm)`.

Why the app and the case are protocols here: this module stays at the path generated projects
name, inside the runtime's package, while the app and the bench runner sit above the runtime.
It names only what it reads of them, so nothing below imports back up.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from scaffolder.errors import UsageError
from scaffolder.kit.copilot.runtime import Copilot
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.settings import CopilotSettings


class BenchApp(Protocol):
    """What the targets use of the project's app (`scaffolder.kit.app.CopilotApp`)."""

    @property
    def root(self) -> Path: ...

    @property
    def settings(self) -> CopilotSettings: ...

    def copilot(self) -> Copilot: ...


class BenchCase(Protocol):
    """What the reply target reads of a case (`scaffolder.kit.bench.targets.CaseInput`)."""

    @property
    def text(self) -> str: ...

    @property
    def conversation(self) -> Sequence[Mapping[str, str]]: ...


class _Bound:
    """The app a run targets, and its copilot with what every case shares opened once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.app: BenchApp | None = None
        self.base: Copilot | None = None


_BOUND = _Bound()


def use(app: BenchApp) -> None:
    """Run the targets against `app` (what `copilot bench run` does before the first case)."""
    with _BOUND.lock:
        _BOUND.app, _BOUND.base = app, None


def app() -> BenchApp:
    """The app the targets run against."""
    if _BOUND.app is None:
        raise UsageError(
            "the copilot bench targets run under `copilot bench run`, which builds the "
            "project's app first (or call bench_target.use(app))"
        )
    return _BOUND.app


def copilot(llm: LLM) -> Copilot:
    """The app's copilot answering through the run's client (its model and sample)."""
    bound = app()
    with _BOUND.lock:
        base = _BOUND.base
        if base is None:
            base = _BOUND.base = bound.copilot()
            # Open what every case shares once, so each case's copy reuses it.
            base.services.retriever.store.count()
            _ = (base.services.prompts, base.services.guardrails)
    return base.with_llm(llm)


def reply(case: BenchCase, llm: LLM) -> dict[str, Any]:
    """The copilot's reply to the case, with the run's client (its model and sample)."""
    earlier = list(case.conversation)
    if earlier and earlier[-1].get("role") == "user":
        earlier = earlier[:-1]
    final = copilot(llm).ask(case.text, history=[dict(turn) for turn in earlier])
    return {
        "answer": final.text,
        "sources": [source.source for source in final.sources],
        "intent": final.skill,
    }
