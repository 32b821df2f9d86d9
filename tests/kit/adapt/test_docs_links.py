"""`--docs` folders with symbolic links and copies, and a collection of one document: what a
team's real folders hold (Debian's Python policy ships `index.html` as a link to its one page)."""

from __future__ import annotations

from pathlib import Path

from scaffolder.kit.adapt.corpus import read_corpus
from scaffolder.kit.adapt.docs import plan_docs
from scaffolder.kit.adapt.topic import derive_topic
from tests.kit.adapt.test_derivation import write_data
from tests.kit.adapt.test_docs_sites import questions_of

PAGE = (
    "<html><head><title>Kettle Policy 1.2.0 documentation</title></head><body>"
    "<h1>Abstract</h1><p>This document says how kettles are packaged for the archive.</p>"
    "<h2>Descaling schedules</h2><p>Every kettle package ships a descaling schedule.</p>"
    "<h2>Spout naming</h2><p>A spout is named after the kettle that carries it.</p>"
    "</body></html>"
)


def test_a_link_to_a_page_copied_already_is_not_copied_again(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "policy.html").write_text(PAGE)
    (docs / "index.html").symlink_to("policy.html")
    plan = plan_docs([docs], tmp_path / "project")
    assert [str(relative) for _, relative in plan.copies] == ["policy.html"]
    assert plan.skipped == [
        f"{docs / 'index.html'}: a link to policy.html, which is taken under its own name"
    ]


def test_a_link_that_leaves_the_folder_copies_nothing_from_outside(tmp_path: Path) -> None:
    """A link must not pull a secret beside the folder into data/, the index and git."""
    (tmp_path / ".env").write_text("OPENAI_API_KEY=sk-secret-value\n")
    docs = tmp_path / "docs"
    (docs / ".hidden").mkdir(parents=True)  # a dot folder is not walked...
    (docs / "guide.md").write_text("# Guide\n\nDescale the kettle every month.\n")
    (docs / "settings.md").symlink_to(tmp_path / ".env")
    (docs / "dangling.md").symlink_to(docs / "gone.md")
    (docs / ".hidden" / "faq.md").write_text("# FAQ\n\nThe spout unscrews.\n")
    (docs / "faq.md").symlink_to(docs / ".hidden" / "faq.md")  # ...but a link into it counts
    (docs / "faq-again.md").symlink_to(docs / ".hidden" / "faq.md")
    plan = plan_docs([docs], tmp_path / "project")
    # Files are taken in name order: "faq-again.md" before "faq.md".
    assert [str(relative) for _, relative in plan.copies] == ["faq-again.md", "guide.md"]
    assert sorted(line.removeprefix(f"{docs}/") for line in plan.skipped) == [
        "dangling.md: broken symbolic link (its target is missing or a loop)",
        "faq.md: another link to .hidden/faq.md, copied once already",
        f"settings.md: symbolic link to {tmp_path / '.env'}, outside {docs}: not copied",
    ]


def test_a_document_copied_under_two_names_is_derived_from_once(tmp_path: Path) -> None:
    """Every question of two identical documents is asked by both, and a question two
    documents ask is dropped as ambiguous: nothing at all was derived."""
    project = write_data(tmp_path / "project", {"policy.html": PAGE, "policy-copy.html": PAGE})
    corpus = read_corpus(project)
    assert [document.source for document in corpus.documents] == ["data/policy-copy.html"]
    assert [(aside.path.name, aside.reason) for aside in corpus.aside] == [
        ("policy.html", "a copy of data/policy-copy.html")
    ]
    assert "What should I know about descaling schedules?" in questions_of(corpus)


def test_a_collection_of_one_page_is_named_by_its_title(tmp_path: Path) -> None:
    project = write_data(tmp_path / "project", {"policy.html": PAGE})
    assert derive_topic(read_corpus(project)).name == "Kettle Policy documentation"
    manual = write_data(
        tmp_path / "manual",
        {
            "kettle.txt": "NAME\n       kettle - boil water safely\n\nDESCRIPTION\n"
            "       kettle boils the water in the tank and stops when it is done.\n"
        },
    )
    assert derive_topic(read_corpus(manual)).name == "kettle"


def test_files_left_out_for_one_reason_make_one_note(tmp_path: Path) -> None:
    """A built manual's images and redirect stubs made a line each, burying the note that
    mattered; past three, one note counts them and names the first three."""
    docs = tmp_path / "docs"
    (docs / "img").mkdir(parents=True)
    (docs / "guide.html").write_text(PAGE)
    for name in ("a", "b", "c", "d", "e"):
        (docs / "img" / f"{name}.png").write_bytes(b"\x89PNG")
    for name in ("old1", "old2", "old3", "old4"):
        (docs / f"{name}.html").write_text(
            f'<html><head><meta http-equiv="refresh" content="0; url={name}-new.html"></head>'
        )
    (docs / "notes.gz").write_bytes(b"\x1f\x8b")
    plan = plan_docs([docs], tmp_path / "project")
    assert plan.notes() == [
        f"5 files in {docs / 'img'}, unsupported file type '.png': a.png, b.png, c.png and 2 more",
        f"{docs / 'notes.gz'}: unsupported file type '.gz'",
        f"4 files in {docs}, a redirect to another page, not a page of its own: old1.html, "
        "old2.html, old3.html and 1 more",
    ]
    assert len(plan.skipped) == 10  # each file, as before, for whoever needs them all
