"""What a project's skills use: settings, the model client, the index, prompts and guards.

Built lazily and once per `Copilot`, so a skill that never retrieves never opens Chroma, and
the CLI's `ask` pays only for what the routed skill needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from scaffolder.errors import CopilotError
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.prompts.library import PromptLibrary
from scaffolder.kit.rag import DEFAULT_K, RagAnswerer
from scaffolder.kit.retrieval.evidence import Answerability, Evidence
from scaffolder.kit.retrieval.retriever import Retriever, open_retriever
from scaffolder.kit.safety.feedback import FeedbackStore
from scaffolder.kit.safety.guardrails import Guardrails
from scaffolder.kit.safety.redaction import Redactor
from scaffolder.kit.settings import CopilotSettings
from scaffolder.kit.sources import SourceMap
from scaffolder.kit.turn import Source

if TYPE_CHECKING:
    from scaffolder.kit.routing.router import Router
    from scaffolder.kit.routing.skills import SkillSet
    from scaffolder.kit.symbols.index import SymbolIndex, SymbolTable


class ProjectServices:
    def __init__(self, root: Path, settings: CopilotSettings, *, llm: LLM | None = None) -> None:
        self.root = root
        self.settings = settings
        self._llm = llm
        self._answerers: dict[tuple[str, int], RagAnswerer] = {}

    @cached_property
    def llm(self) -> LLM:
        """The client every skill, the router and the answerers call; with `pseudonymize`
        on, what it sends carries placeholders instead of identifiers."""
        llm = self._llm or LLM.from_settings(self.settings, self.root)
        if not self.settings.pseudonymize:
            return llm
        from scaffolder.kit.safety.pseudonyms import pseudonymizing

        return pseudonymizing(llm, Redactor(self.settings.redact_patterns))

    @cached_property
    def retriever(self) -> Retriever:
        return open_retriever(self.settings, self.root)

    @cached_property
    def answerability(self) -> Answerability:
        """Evidence for questions in this project's index, calibrated per corpus and cached
        under `.copilot/evidence/` (or fixed by the `answerability_threshold` setting)."""
        return Answerability(
            self.retriever,
            self.root / ".copilot" / "evidence",
            threshold=self.settings.answerability_threshold,
        )

    def evidence(self, question: str) -> Evidence | None:
        """What the index holds for `question`; None when there is no usable index.

        Why None rather than the error: routing only consults the index, and a turn that
        never needed it (thanks, hello) should not fail because the index is missing; a turn
        that does need it meets the same error in its skill, with its message."""
        try:
            found = self.answerability.assess(question)
        except CopilotError:
            return None
        if found is None or found.strong:
            return found
        return self.named_code_evidence(question, found) or found

    def named_code_evidence(self, question: str, found: Evidence) -> Evidence | None:
        """Strong evidence when `question` names a function, class or file the index holds
        (`kit.symbols.mentions`): "where is `scanstring` defined" is about the indexed code
        however few of its words the passages share. None when it names none."""
        from scaffolder.kit.symbols.mentions import named_code

        symbols = self.symbols()
        if symbols is None or not symbols.files:
            return None
        named = named_code(question, symbols)
        if not named:
            return None
        first = named[0]
        where = first.file if first.whole_file else f"{first.file}:{first.start_line}"
        return replace(found, score=1.0, source=f"{where} ({first.describe()})", chunk=None,
                       calibration="symbols")  # fmt: skip

    def cite(self, evidence: Evidence, sources: Sequence[Source] = ()) -> Evidence:
        """`evidence` with its best passage's citation, from `sources` (what the skill
        retrieved) when that passage is among them, else from the index."""
        known = {source.chunk_id: source.citation for source in sources}
        try:
            return self.answerability.cite(evidence, known)
        except CopilotError:
            return evidence

    @cached_property
    def source_map(self) -> SourceMap:
        """The project and its configured sources (`<source>/<path>` names), checked once."""
        return SourceMap.of(self.root, self.settings.sources)

    @cached_property
    def symbol_table(self) -> SymbolTable:
        """The functions, classes and methods of the indexed code, kept current with the
        index (`scaffolder.kit.symbols.index`)."""
        from scaffolder.kit.symbols.index import SymbolTable

        return SymbolTable(self.root, self.retriever.store, self.source_map)

    def symbols(self) -> SymbolIndex | None:
        """The symbol index as of the published index; None when there is no usable index
        (like `evidence`: a turn that does not need it must not fail for it)."""
        try:
            return self.symbol_table.current()
        except CopilotError:
            return None

    @cached_property
    def prompts(self) -> PromptLibrary:
        return PromptLibrary.for_project(self.root)

    @cached_property
    def guardrails(self) -> Guardrails:
        return Guardrails.from_settings(self.settings, root=self.root)

    @cached_property
    def feedback(self) -> FeedbackStore:
        """Ratings of answers, redacted before they are written (`.copilot/feedback.jsonl`)."""
        return FeedbackStore(
            self.root / ".copilot" / "feedback.jsonl",
            redactor=Redactor(self.settings.redact_patterns),
        )

    def with_llm(self, llm: LLM) -> ProjectServices:
        """The same project with another client (a benchmark variant's model and sample),
        sharing what was already opened: the index, prompts, guards and feedback store."""
        other = ProjectServices(self.root, self.settings, llm=llm)
        shared = ("retriever", "answerability", "prompts", "guardrails", "feedback",
                  "source_map", "symbol_table")  # fmt: skip
        for name in shared:
            if name in self.__dict__:
                other.__dict__[name] = self.__dict__[name]
        return other

    def answerer(self, prompt: str = "answer", k: int = DEFAULT_K) -> RagAnswerer:
        """A retrieval-augmented answerer over this project's index with one of its prompts."""
        key = (prompt, k)
        if key not in self._answerers:
            self._answerers[key] = RagAnswerer(
                self.retriever, self.prompts.get(prompt), self.llm, k=k
            )
        return self._answerers[key]

    def router(
        self, skills: SkillSet, out_of_scope_examples: Sequence[str], llm: LLM | None = None
    ) -> Router:
        """The router this project's copilot routes with: the skills' examples and the
        out-of-scope ones, the index's evidence (`evidence`), and `llm` (default: `self.llm`)
        when no example decides. The copilot and its benchmarks both build it here, so they
        cannot route differently (the benchmarks' own copy had left the evidence out)."""
        from scaffolder.kit.routing.router import Router

        return Router.for_skills(
            skills,
            llm or self.llm,
            embedding_model=self.settings.embedding_model,
            out_of_scope_examples=out_of_scope_examples,
            evidence=self.evidence,
        )

    def index_size(self) -> int:
        return self.retriever.store.count()
