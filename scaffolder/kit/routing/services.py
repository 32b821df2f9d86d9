"""What a skill may use of its project, as a Protocol the skills layer owns.

Why a Protocol here: a `SkillRequest` carries the project's services, and the class that
provides them (`scaffolder.kit.copilot.services.ProjectServices`) lives in the copilot
runtime, a layer above routing. Naming that class here would make routing import upward
(and the two packages import each other). The runtime's class satisfies this Protocol
structurally, which mypy checks wherever the runtime builds a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from scaffolder.kit.llm.client import LLM
    from scaffolder.kit.prompts.library import PromptLibrary
    from scaffolder.kit.rag import RagAnswerer
    from scaffolder.kit.retrieval.evidence import Answerability, Evidence
    from scaffolder.kit.retrieval.retriever import Retriever
    from scaffolder.kit.safety.feedback import FeedbackStore
    from scaffolder.kit.safety.guardrails import Guardrails
    from scaffolder.kit.settings import CopilotSettings
    from scaffolder.kit.sources import SourceMap
    from scaffolder.kit.symbols.index import SymbolIndex, SymbolTable
    from scaffolder.kit.turn import Source


class SkillServices(Protocol):
    """The project's settings, model client, index, prompts, guards and stores, opened
    lazily by whoever provides them (see `ProjectServices` for what each one does)."""

    @property
    def root(self) -> Path: ...
    @property
    def settings(self) -> CopilotSettings: ...
    @property
    def llm(self) -> LLM: ...
    @property
    def retriever(self) -> Retriever: ...
    @property
    def answerability(self) -> Answerability: ...
    @property
    def source_map(self) -> SourceMap: ...
    @property
    def symbol_table(self) -> SymbolTable: ...
    @property
    def prompts(self) -> PromptLibrary: ...
    @property
    def guardrails(self) -> Guardrails: ...
    @property
    def feedback(self) -> FeedbackStore: ...

    def evidence(self, question: str) -> Evidence | None: ...
    def cite(self, evidence: Evidence, sources: Sequence[Source] = ()) -> Evidence: ...
    def symbols(self) -> SymbolIndex | None: ...
    def with_llm(self, llm: LLM) -> SkillServices: ...
    def answerer(self, prompt: str = ..., k: int = ...) -> RagAnswerer: ...
    def index_size(self) -> int: ...
