"""Checking derived cases against the copilot they will test, before they are written.

Why: the project's tests and `copilot bench run qa` run the suites `adapt` writes, offline,
so a case the copilot cannot pass would leave the team with a red suite on day one and no
idea whether their documents or the derivation is at fault. Each candidate is asked of the
real copilot (offline provider, the new routing examples, a throwaway index of data/ in a
scratch copy of the project): a question is kept when it is answered by the answer skill,
citing its document, with its key phrase; an off-topic request when it is declined. The
project itself, its index and its caches are never touched.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scaffolder.kit.adapt.questions import Candidate

#: What a scratch copy needs besides data/.
_COPIED = ("skills", "prompts", "pyproject.toml", "prompts.lock")
FOLLOW_UP = "can you tell me more about that?"
#: The irrelevant context the project's tests wrap around the suite's first question.
CONTEXT_VARIANTS = ("I'm writing from my new office. {}", "{} I am asking for a colleague.")


@dataclass(frozen=True)
class Checked:
    candidate: Candidate
    passed: bool
    why: str = ""


class Checker:
    """The copilot of a scratch copy of the project, with the derived skill files in place."""

    def __init__(self, scratch: Path) -> None:
        from scaffolder.kit.copilot import Copilot
        from scaffolder.kit.retrieval.ingest import ingest
        from scaffolder.kit.retrieval.store import open_store
        from scaffolder.kit.settings import CopilotSettings

        settings = CopilotSettings.load(scratch, env_file=None).model_copy(
            update={
                "llm_provider": "offline",
                "chroma_url": None,
                "chroma_path": scratch / ".copilot" / "chroma",
                "telemetry_exporters": [],
            }
        )
        store = open_store(settings, scratch)
        store.reset()
        ingest([scratch / "data"], scratch, store)
        self.copilot = Copilot.for_project(scratch, settings)

    def question(self, candidate: Candidate) -> Checked:
        reply = self.copilot.ask(candidate.question)
        if reply.skill != "answer":
            return Checked(candidate, False, f"routed to {reply.skill}")
        cited = {s["source"] for s in reply.sources if s["label"] in reply.data.get("cited", [])}
        if candidate.source not in cited:
            return Checked(candidate, False, f"cited {sorted(cited)}")
        if candidate.key_phrase.lower() not in " ".join(reply.text.split()).lower():
            return Checked(candidate, False, f"answer lacks {candidate.key_phrase!r}")
        return Checked(candidate, True)

    def follow_up(self, candidate: Candidate) -> bool:
        first = self.copilot.ask(candidate.question)
        return self.copilot.ask(FOLLOW_UP, first.conversation_id).skill == "answer"

    def robust(self, candidate: Candidate) -> bool:
        """The question is still answered when wrapped in irrelevant context."""
        return all(
            self.copilot.ask(variant.format(candidate.question)).skill == "answer"
            for variant in CONTEXT_VARIANTS
        )

    def declined(self, text: str) -> bool:
        return self.copilot.ask(text).skill == "out_of_scope"


@contextmanager
def scratch_project(root: Path, files: Mapping[str, str]) -> Iterator[Path]:
    """A temporary copy of the project's skills and prompts with `files` written over them,
    and its data/; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="copilot-adapt-") as folder:
        scratch = Path(folder) / "project"
        scratch.mkdir()
        for name in _COPIED:
            source = root / name
            if source.is_dir():
                shutil.copytree(
                    source, scratch / name, ignore=shutil.ignore_patterns("__pycache__")
                )
            elif source.is_file():
                shutil.copy2(source, scratch / name)
        # Copied, not linked: ingest refuses paths that resolve outside its root.
        shutil.copytree(root / "data", scratch / "data", symlinks=False)
        for rel, text in files.items():
            target = scratch / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        yield scratch
