"""What a whole-suite evaluator (the routing and safety kinds) gets and gives back.

Why a module of its own: suite kinds (`targets.SuiteKind`) name their evaluator's signature,
and the evaluators (`kinds`) register themselves as suite kinds. With these two types here,
both import this module and neither imports the other, so the package has no import circle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scaffolder.errors import BenchError
from scaffolder.kit.bench.config import BenchConfig
from scaffolder.kit.bench.results import RunResult
from scaffolder.kit.llm.client import LLM

if TYPE_CHECKING:
    from scaffolder.kit.app import CopilotApp
    from scaffolder.kit.routing.router import Router
    from scaffolder.kit.settings import CopilotSettings


@dataclass(frozen=True)
class EvaluationContext:
    """What a whole-suite evaluator gets of the project."""

    root: Path
    path: Path
    settings: CopilotSettings
    config: BenchConfig
    llm: LLM
    limit: int | None = None
    git_sha: str = "nogit"
    #: The project's app (its skills route the turns), when it has skills at all.
    app: CopilotApp | None = field(default=None, kw_only=True)

    def router(self, llm: LLM) -> Router:
        """The router the project's copilot routes with, over `llm` (a metered client)."""
        if self.app is None:
            raise BenchError(f"{self.path.name}: routing needs the project's skills; it has none")
        return self.app.router(llm)


@dataclass(frozen=True)
class Evaluation:
    """A saved-to-be run, the evaluator's report for people, and why CI should fail."""

    result: RunResult
    text: str
    failures: tuple[str, ...]
