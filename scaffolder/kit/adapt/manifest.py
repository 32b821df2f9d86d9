"""`adapt.lock.json`: what `copilot adapt` wrote, so a re-run never overwrites the team's work.

Why hashes of lines: every derived file is an ordinary file the team may edit, so `adapt`
must tell its own lines from theirs. The manifest keeps, per file, each derived item's key
(a case id, or the anchor of the passage an example came from), the document it came from and
the hash of the text written. On the next run a line whose hash is recorded is still `adapt`'s
to update or retire; any other line is the team's and is kept as it is; a recorded item whose
hash is no longer in the file was edited or removed by the team, so it is not written again.
The template ships this file describing its sample (the lamp), which is how the first run knows
the sample lines are safe to replace. The file is committed and reviewed like the rest.

It also records how each document's questions were split (`chosen`), so that a document that
has not changed is split the same way when others are added, and the questions a model wrote
about each document (`written`), so that later runs keep them without asking again, whoever
runs `adapt` and whether or not they have a key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scaffolder.errors import UsageError

MANIFEST = "adapt.lock.json"
FORMAT = 1


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Entry:
    key: str
    hash: str
    document: str | None = None


@dataclass(frozen=True)
class Written:
    """A question a model wrote about a document, as `adapt` checked and kept it."""

    question: str
    #: The document's sentence that answers it (the model's quote, found in the document).
    sentence: str
    key_phrase: str


@dataclass(frozen=True)
class Chosen:
    """The anchors of a document's questions, in order: those made routing examples, and
    those asked of the copilot for the suites (kept there only when it passed them)."""

    examples: tuple[str, ...] = ()
    suite: tuple[str, ...] = ()


@dataclass
class Manifest:
    topic: str | None = None
    topic_given: bool = False
    #: Document path -> content hash, as of the last run.
    documents: dict[str, str] = field(default_factory=dict)
    #: File path (relative to the project) -> the derived items it holds.
    files: dict[str, list[Entry]] = field(default_factory=dict)
    #: Document path -> the questions a model wrote about it. Recorded so that a later run
    #: keeps them without asking again, with or without a key (a teammate's run without one
    #: wiped them before): committed, like the lines they became.
    written: dict[str, list[Written]] = field(default_factory=dict)
    #: Document path -> the questions chosen for it, as split between routing examples and
    #: suite questions (before the suite's check): an unchanged document is split alike again.
    chosen: dict[str, Chosen] = field(default_factory=dict)

    def to_text(self) -> str:
        body: dict[str, Any] = {
            "format": FORMAT,
            "note": "Written by `copilot adapt`: what it derived from data/. Commit it.",
            "topic": self.topic,
            "topic_given": self.topic_given,
            "documents": dict(sorted(self.documents.items())),
            "files": {
                path: [asdict(entry) for entry in entries]
                for path, entries in sorted(self.files.items())
            },
        }
        if self.chosen:  # absent in the template's manifest of its sample
            body["chosen"] = {
                source: {"examples": list(chosen.examples), "suite": list(chosen.suite)}
                for source, chosen in sorted(self.chosen.items())
            }
        if self.written:  # absent until a model wrote questions: older manifests read alike
            body["written"] = {
                source: [asdict(question) for question in questions]
                for source, questions in sorted(self.written.items())
            }
        return json.dumps(body, indent=1, ensure_ascii=False) + "\n"


def load_manifest(root: Path) -> Manifest:
    """The project's manifest; an empty one when there is none (nothing is known to be
    derived, so every existing line counts as the team's)."""
    path = root / MANIFEST
    if not path.is_file():
        return Manifest()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
        files = {
            str(name): [Entry(str(e["key"]), str(e["hash"]), e.get("document")) for e in entries]
            for name, entries in data.get("files", {}).items()
        }
        documents = {str(k): str(v) for k, v in data.get("documents", {}).items()}
        written = {
            str(source): [
                Written(str(q["question"]), str(q["sentence"]), str(q["key_phrase"]))
                for q in questions
            ]
            for source, questions in data.get("written", {}).items()
        }
        chosen = {
            str(source): Chosen(
                tuple(str(a) for a in roles["examples"]), tuple(str(a) for a in roles["suite"])
            )
            for source, roles in data.get("chosen", {}).items()
        }
        return Manifest(
            data.get("topic"), bool(data.get("topic_given")), documents, files, written, chosen
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise UsageError(
            f"{MANIFEST} is not a manifest copilot adapt can read ({error})"
        ) from error
