"""`copilot adapt` end to end: read data/, derive, verify, merge by the manifest, and write
every changed file in one journaled transaction (all of it or none, even after kill -9)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from scaffolder.errors import Interrupted, UsageError
from scaffolder.faults import crash_point
from scaffolder.journal import FileTransaction, handle_termination, recover
from scaffolder.kit.adapt.baseline import record_baseline
from scaffolder.kit.adapt.corpus import DATA_DIR, Corpus, read_corpus
from scaffolder.kit.adapt.derive import (
    BASELINE,
    DESCRIPTION,
    EXAMPLES,
    LINE_FILES,
    QA,
    REPLY,
    WHOLE_FILES,
    Derived,
    Roles,
    skill_files,
    split,
    suite_files,
)
from scaffolder.kit.adapt.manifest import MANIFEST, Manifest, load_manifest
from scaffolder.kit.adapt.merge import FileChange, Item, merge_file, merge_lines
from scaffolder.kit.adapt.offtopic import off_topic_requests
from scaffolder.kit.adapt.questions import Candidate, best_of, candidates, normal
from scaffolder.kit.adapt.synthesis import Synthesis, model_questions
from scaffolder.kit.adapt.topic import derive_topic
from scaffolder.kit.adapt.verify import Checker, scratch_project
from scaffolder.kit.routing.skills import examples_in

if TYPE_CHECKING:
    from scaffolder.kit.llm.client import LLM

JOURNAL = ".copilot/adapt-journal"


@dataclass
class Plan:
    root: Path
    topic: str
    topic_derived: bool
    documents: int
    #: Path -> new text (None: delete); only files whose content changes.
    writes: dict[str, str | None] = field(default_factory=dict)
    changes: list[FileChange] = field(default_factory=list)
    derived: Derived = field(default_factory=Derived)
    skipped_files: list[str] = field(default_factory=list)
    #: Documents derived from by nothing, with what they are ("data/LICENSE: a licence").
    aside_files: list[str] = field(default_factory=list)
    #: The model's questions: asked this run, or reused from the manifest (`synthesis`).
    synthesis: Synthesis = field(default_factory=Synthesis)

    @property
    def kept_edits(self) -> list[str]:
        return [f"{c.path}: {edit}" for c in self.changes for edit in c.kept_edits]


def plan_adaptation(
    root: Path,
    *,
    topic: str | None = None,
    index: Path | None = None,
    git_sha: str = "nogit",
    llm: LLM | None = None,
) -> Plan:
    """Everything `adapt` would write, computed without touching the project.

    `index`: a store folder already holding exactly data/ (`new --docs` indexes first), read
    by the checks instead of a throwaway index; `git_sha` is recorded in the baseline; `llm`:
    a model that also writes questions in users' words (`synthesis`), besides the rules'."""
    corpus = read_corpus(root)
    if not corpus.documents:
        raise UsageError(f"{root / DATA_DIR} holds no documents copilot can read")
    manifest = load_manifest(root)
    given = topic if topic is not None else (manifest.topic if manifest.topic_given else None)
    subject = derive_topic(corpus, given)
    unchanged = frozenset(
        d.source for d in corpus.documents if manifest.documents.get(d.source) == d.digest
    )
    roles = Roles(
        {source: manifest.chosen[source] for source in unchanged if source in manifest.chosen},
        _key_phrases(_read(root / QA)),
    )
    synthesis = model_questions(corpus, llm, manifest.written, unchanged)
    parts = split(_questions(corpus, synthesis.candidates, roles), roles)
    off = off_topic_requests(corpus, subject.keywords)
    derived = skill_files(subject, parts.examples, off)
    merged_skill: dict[str, str] = {}
    plan = Plan(root, subject.name, subject.derived, len(corpus.documents), synthesis=synthesis)
    plan.skipped_files = [f"{s.path.relative_to(root)}: {s.reason}" for s in corpus.skipped]
    plan.aside_files = [f"{s.path.relative_to(root)}: {s.reason}" for s in corpus.aside]
    new_manifest = Manifest(
        subject.name,
        not subject.derived,
        {d.source: d.digest for d in corpus.documents},
        written=synthesis.written,
        chosen=parts.chosen,
    )
    for path in (EXAMPLES, "skills/out_of_scope/examples.txt"):
        merged_skill[path] = _merge_into(plan, new_manifest, manifest, path, derived)
    for path in (DESCRIPTION, REPLY):
        merged_skill[path] = _merge_into(plan, new_manifest, manifest, path, derived)
    if not examples_in(merged_skill[EXAMPLES]):
        # The router needs examples of what the answer skill takes; without this the user
        # read "skills without example utterances: answer" and nothing else.
        raise UsageError(
            f"no question could be derived from the {len(corpus.documents)} document(s) in "
            f"{DATA_DIR}/ and {EXAMPLES} lists none: add documents with more to ask about "
            "(sections, definitions, instructions), or write questions your users ask in "
            "that file"
        )
    with scratch_project(root, merged_skill) as scratch:
        checker = Checker(scratch, index=index)
        suite_files(derived, subject, parts.suite, off, checker)
        # The baseline runs the qa suite as it will be written (the team's cases included).
        qa_text = _merge_into(plan, new_manifest, manifest, QA, derived)
        derived.files[BASELINE] = record_baseline(
            root, scratch, qa_text, checker.copilot, _read(root / BASELINE), git_sha
        )
    for path in LINE_FILES + WHOLE_FILES:
        if path not in merged_skill and path != QA:
            _merge_into(plan, new_manifest, manifest, path, derived)
    plan.derived = derived
    text = new_manifest.to_text()
    if _read(root / MANIFEST) != text:
        plan.writes[MANIFEST] = text
    return plan


def _questions(corpus: Corpus, written: list[Candidate], roles: Roles) -> list[Candidate]:
    """Each document's questions for `split`, the model's first: the best few of a new or
    changed document, and all of an unchanged one, among which `split` finds last run's
    choice (the rarity of words moved with the collection, and that choice may have fallen
    out of the best few)."""
    derived = candidates(corpus, None)
    fresh = _model_first(written, best_of(derived))
    if not roles.chosen:
        return fresh
    every = _model_first(written, derived)
    pool = [c for c in every if c.source in roles.chosen]
    pool += [c for c in fresh if c.source not in roles.chosen]
    order = {document.source: index for index, document in enumerate(corpus.documents)}
    return sorted(pool, key=lambda candidate: order[candidate.source])  # stable within each


def _key_phrases(qa_text: str | None) -> dict[str, str]:
    """Each qa case's key phrase as the suite holds it, by case id."""
    phrases: dict[str, str] = {}
    for line in (qa_text or "").splitlines():
        try:
            case = json.loads(line)
        except json.JSONDecodeError:
            continue
        references = case.get("references") if isinstance(case, dict) else None
        if isinstance(references, list) and references and isinstance(references[0], str):
            phrases[str(case.get("id"))] = references[0]
    return phrases


def _model_first(written: list[Candidate], derived: list[Candidate]) -> list[Candidate]:
    """Each document's questions in users' words first, so its first routing example is one
    (`split` alternates examples and suite questions), then the rules' that ask something
    else."""
    asked = {normal(candidate.question) for candidate in written}
    ordered: dict[str, list[Candidate]] = {}
    for candidate in derived:
        ordered.setdefault(candidate.source, [])
    for candidate in written:
        ordered.setdefault(candidate.source, []).append(candidate)
    for candidate in derived:
        if normal(candidate.question) not in asked:
            ordered[candidate.source].append(candidate)
    return [candidate for group in ordered.values() for candidate in group]


def _merge_into(
    plan: Plan, new_manifest: Manifest, manifest: Manifest, path: str, derived: Derived
) -> str:
    current = _read(plan.root / path)
    old = manifest.files.get(path, [])
    if path in WHOLE_FILES:
        merged = merge_file(path, current, old, derived.files.get(path))
    else:
        grouper = _from_document if path == EXAMPLES else None
        merged = merge_lines(path, current, old, derived.lines.get(path, []), group_comment=grouper)
    if merged.entries:
        new_manifest.files[path] = merged.entries
    if merged.text != current:
        plan.writes[path] = merged.text
    plan.changes.append(merged.change)
    return merged.text or ""


def _from_document(item: Item) -> str | None:
    return f"# from {item.document}" if item.document else None


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def apply_plan(plan: Plan) -> None:
    """Write the plan's files all together or not at all."""
    journal = plan.root / JOURNAL
    recover(plan.root, journal)
    try:
        with handle_termination(), FileTransaction(plan.root, journal) as transaction:
            for path, text in sorted(plan.writes.items()):
                transaction.write(path, None if text is None else text.encode("utf-8"))
                crash_point(f"adapt:{path}")
            transaction.commit()
    except KeyboardInterrupt:
        raise Interrupted("interrupted; the project is unchanged") from None
