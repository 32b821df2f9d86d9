"""Checking derived cases against the copilot they will test, before they are written.

Why: the project's tests and `copilot bench run qa` run the suites `adapt` writes, offline,
so a case the copilot cannot pass would leave the team with a red suite on day one and no
idea whether their documents or the derivation is at fault. Each candidate is asked of the
real copilot (offline provider, the new routing examples, an index of data/): a question is
kept when it is answered by the answer skill, citing its document, with its key phrase; an
off-topic request when it is declined. The project itself and its caches are never touched.

Which index: `copilot adapt` builds a throwaway one in a scratch copy of the project, since the
project's own index may lag behind data/. `copilot new --docs` indexes the new project first
and passes that store in (`index=`), which the checker only reads: indexing a corpus is the
costliest step, and doing it twice made `new --docs` miss its time budget.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffolder.kit.adapt.questions import Candidate

if TYPE_CHECKING:
    from scaffolder.kit.server.backend import Reply

#: What a scratch copy needs besides data/: its app (src/) builds the copilot.
_COPIED = ("src", "skills", "prompts", "pyproject.toml", "prompts.lock")
FOLLOW_UP = "can you tell me more about that?"
#: How a follow-up may reach the answer skill (what the template's follow-up test asserts).
FOLLOW_UP_ROUTES = ("followup", "evidence")
#: The irrelevant context the project's tests wrap around the suite's first question.
CONTEXT_VARIANTS = ("I'm writing from my new office. {}", "{} I am asking for a colleague.")
CONTEXT_SIMILARITY = 0.6


@dataclass(frozen=True)
class Checked:
    candidate: Candidate
    passed: bool
    why: str = ""


class Checker:
    """The copilot of a scratch copy of the project, with the derived skill files in place."""

    def __init__(self, scratch: Path, *, index: Path | None = None) -> None:
        """`index`: a store folder that already holds exactly the documents of data/ (read
        only); None builds a throwaway one inside `scratch`."""
        from scaffolder.kit.app import project_app
        from scaffolder.kit.retrieval.ingest import ingest
        from scaffolder.kit.retrieval.store import open_store
        from scaffolder.project import PYPROJECT, read_copilot_table

        overrides = offline_overrides(index or scratch / ".copilot" / "chroma")
        app = project_app(scratch, read_copilot_table(scratch / PYPROJECT) or {}, **overrides)
        if index is None:
            store = open_store(app.settings, scratch)
            store.reset()
            ingest([scratch / "data"], scratch, store)
        self.copilot = app.copilot()

    def question(self, candidate: Candidate) -> Checked:
        reply = self.copilot.ask(candidate.question)
        if reply.skill != "answer":
            return Checked(candidate, False, f"routed to {reply.skill}")
        cited = _cited(reply)
        if candidate.source not in cited:
            return Checked(candidate, False, f"cited {sorted(cited)}")
        if candidate.key_phrase.lower() not in " ".join(reply.text.split()).lower():
            return Checked(candidate, False, f"answer lacks {candidate.key_phrase!r}")
        if reply.data.result.grounded is False:
            # The qa suite grades citations too: a claim that cites nothing fails it there.
            return Checked(candidate, False, "a claim of the answer cites nothing")
        return Checked(candidate, True)

    def follow_up(self, candidate: Candidate) -> bool:
        """The follow-up stays with its question for a reason the project's test accepts
        (the follow-up rule or the index's evidence), not by the fallback classifier's luck."""
        first = self.copilot.ask(candidate.question)
        follow = self.copilot.ask(FOLLOW_UP, first.conversation_id)
        route = follow.data.route
        if follow.skill != "answer" or route is None or route.method not in FOLLOW_UP_ROUTES:
            return False
        # The qa suite's follow-up case replays the conversation as history (as the bench
        # target does) and grades that the answer cites the question's document.
        history = [
            {"role": "user", "content": candidate.question},
            {"role": "assistant", "content": candidate.sentence},
        ]
        replayed = self.copilot.ask(FOLLOW_UP, history=history)
        return replayed.skill == "answer" and candidate.source in _cited(replayed)

    def robust(self, candidate: Candidate) -> bool:
        """The question is answered alike when wrapped in irrelevant context (the template's
        test compares the answers' text, at `CONTEXT_SIMILARITY`)."""
        from scaffolder.kit.testing.assertions import similar_text

        same = similar_text(CONTEXT_SIMILARITY)
        original = self.copilot.ask(candidate.question)
        if original.skill != "answer":
            return False
        for variant in CONTEXT_VARIANTS:
            reply = self.copilot.ask(variant.format(candidate.question))
            if reply.skill != "answer" or not same(original.text, reply.text):
                return False
        return True

    def declined(self, text: str) -> bool:
        return self.copilot.ask(text).skill == "out_of_scope"


def _cited(reply: Reply) -> set[str]:
    """The documents the reply's citations point at."""
    return {source.source for source in reply.cited_sources()}


def offline_overrides(store: Path) -> dict[str, Any]:
    """Settings that adapting must not take from the project or its environment: the offline
    provider (no key, no network, the same answers every run), an embedded store at `store`,
    no telemetry exporters. Passed with `env_file=None`: a key in .env would make the derived
    suites depend on a model."""
    return {
        "env_file": None,
        "llm_provider": "offline",
        "vector_db": "embedded",
        "chroma_url": None,
        "chroma_path": store,
        "telemetry_exporters": [],
    }


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
