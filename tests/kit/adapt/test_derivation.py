"""Deriving topic, questions and off-topic requests from documents of two domains."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.adapt.corpus import read_corpus
from scaffolder.kit.adapt.derive import OUT_OF_SCOPE_EXAMPLE_COUNT
from scaffolder.kit.adapt.docs import copy_docs, plan_docs
from scaffolder.kit.adapt.offtopic import POOL, off_topic_requests
from scaffolder.kit.adapt.questions import candidates
from scaffolder.kit.adapt.topic import derive_topic
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.routing import Router, Skill, SkillReply, SkillSet
from scaffolder.kit.routing.decisions import RoutingContext

FIXTURES = Path(__file__).parent / "fixtures"


def write_data(root: Path, files: dict[str, str]) -> Path:
    """A project folder whose `data/` holds `files` (name -> text); returns the project."""
    (root / "data").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / "data" / name).write_text(text, encoding="utf-8")
    return root


def project_with(tmp_path: Path, domain: str) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / domain, root / "data")
    return root


def test_markdown_questions_come_from_headings_terms_and_instructions(tmp_path: Path) -> None:
    corpus = read_corpus(project_with(tmp_path, "bakery"))
    found = {c.question: c for c in candidates(corpus)}
    assert "What should I know about bulk fermentation?" in found
    assert found["What is hooch?"].source == "data/starter.md"
    assert "How do I revive a refrigerated starter?" in found
    for candidate in found.values():
        assert candidate.key_phrase in candidate.sentence
        assert candidate.key_phrase.lower() not in candidate.question.lower()


def test_man_pages_give_option_and_condition_questions(tmp_path: Path) -> None:
    corpus = read_corpus(project_with(tmp_path, "cli"))
    questions = {c.question for c in candidates(corpus)}
    assert "What does the --dry-run option of tidyfs do?" in questions
    assert "What happens if a rule names a folder that does not exist?" in questions
    assert corpus.documents[0].title.startswith("tidyfs")


def test_a_goal_or_condition_that_points_back_into_its_text_asks_nothing(tmp_path: Path) -> None:
    """Outside its paragraph "our code" and "this buffer" name nothing a user could ask about."""
    project = write_data(
        tmp_path / "project",
        {
            "guide.md": "# Ring buffers\n\n"
            "To streamline our code, we move the bounds check into the push method.\n\n"
            "If this buffer is full, the oldest element is dropped without a warning.\n\n"
            "To grow a ring buffer, call reserve with the number of extra slots needed.\n\n"
            "If the first slot is empty, the buffer reports that it holds nothing.\n\n"
            "However the capacity is the number of slots a buffer holds.\n\n"
            "Afterwards refers to the slot written last.\n"
        },
    )
    questions = {c.question for c in candidates(read_corpus(project))}
    assert "How do I grow a ring buffer?" in questions
    assert "What happens if the first slot is empty?" in questions
    assert not any("our code" in q or "this buffer" in q for q in questions), questions
    assert not any("however" in q.lower() or "afterwards" in q for q in questions), questions


def test_the_topic_is_the_shared_title_or_the_common_terms(tmp_path: Path) -> None:
    bakery = derive_topic(read_corpus(project_with(tmp_path / "a", "bakery")))
    assert bakery.name == "Sourdough handbook"
    assert "Sourdough handbook" in bakery.out_of_scope_reply()
    cli = derive_topic(read_corpus(project_with(tmp_path / "b", "cli")))
    assert "tidyfs" in cli.name
    given = derive_topic(read_corpus(project_with(tmp_path / "c", "cli")), "file sorting")
    assert (given.name, given.derived) == ("file sorting", False)


def test_unrelated_documents_are_named_by_their_file_names(tmp_path: Path) -> None:
    """Pages that share no term in their titles and headings (man pages of unrelated commands)
    are named by their files, not by a term only a few of them use."""
    pages = {
        "tar.txt": "TAR\n\nNAME\n    tar - an archiving utility\n\nEXAMPLES\n    tar -cf a.tar x\n",
        "grep.txt": "GREP\n\nNAME\n    grep - print lines that match patterns\n\n"
        "REGULAR EXPRESSIONS\n    A regular expression describes a set of strings.\n",
        "ssh_config.txt": "SSH\n\nNAME\n    ssh - remote login client\n\nESCAPE CHARACTERS\n"
        "    A pseudo-terminal accepts escape characters.\n",
    }
    root = write_data(tmp_path / "project", pages)
    assert derive_topic(read_corpus(root)).name == "grep, ssh config and tar"
    more = {
        "sed": "stream editor for filtering and transforming text",
        "find": "search for files in a directory hierarchy",
        "xargs": "build and execute command lines from standard input",
    }
    write_data(
        root,
        {
            f"{name}.txt": f"{name.upper()}\n\nNAME\n    {name} - {summary}\n"
            for name, summary in more.items()
        },
    )
    topic = derive_topic(read_corpus(root))
    assert topic.name == "find, grep, sed and 3 other documents"
    assert topic.out_of_scope_reply().endswith("about find, grep, sed and 3 other documents.")


def test_documents_that_share_a_file_name_are_named_by_their_folders(tmp_path: Path) -> None:
    """Each package's `METADATA` (or each folder's `README.md`): the name every one of them has
    names none of them, and the topic was "METADATA"."""
    root = tmp_path / "project"
    packages = {
        "click": "Composable command line interface toolkit",
        "socket.io": "Realtime application framework",
        "jinja2": "A very fast and expressive template engine",
    }
    for name, summary in packages.items():
        folder = root / "data" / name
        folder.mkdir(parents=True)
        (folder / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nSummary: {summary}\n\nAbout {name}.\n",
            encoding="utf-8",
        )
    (root / "data" / "README.md").write_text(  # a name no other document has is its own
        "# Overview\n\nThis folder holds the metadata of three packages we depend on.\n", "utf-8"
    )
    assert derive_topic(read_corpus(root)).name == "README, click, jinja2 and socket io"


def test_the_description_lists_subjects_not_what_only_looks_like_a_heading(
    tmp_path: Path,
) -> None:
    """README headings that are releases, sentences or markup say nothing about the subject."""
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "data" / "vectordb.md").write_text(
        "# Vectordb\n\nAn embedding database for search.\n\n"
        "## Metadata filters\n\nFilter results by the fields stored with each record.\n\n"
        "## v2.10.0b2 (2024-11-13)\n\nFixed a crash when a collection was empty.\n\n"
        '## Query planner<a id="query-planner"></a>\n\nThe planner picks an index per filter.\n\n'
        "## Acknowledgements\n\nThanks to every contributor.\n\n"
        "## The client retries failed requests.\n\nIt waits longer before each new try.\n",
        encoding="utf-8",
    )
    description = derive_topic(read_corpus(root)).description()
    assert "Metadata filters" in description and "Query planner" in description
    assert "Acknowledgements" not in description  # about the README, not the database
    assert "v2.10" not in description and "<a" not in description
    assert "retries failed requests" not in description


def test_the_description_names_each_document_and_what_it_is(tmp_path: Path) -> None:
    """A router decides from the description whether a question is the documents': it names
    every document with what the document says it is, from a NAME line however short, a
    pydoc page's description, or the README sentence that names the package; never from
    what every page opens with ("Help on module x:") or a README's sponsors."""

    def pydoc(name: str, summary: str, description: str = "") -> str:
        body = f"Help on module {name}:\n\nNAME\n    {name}{summary}\n\n"
        if description:
            body += f"DESCRIPTION\n    {description}\n\n"
        return body + f"FUNCTIONS\n    run(x)\n        Run {name} on x and return it.\n"

    files = {
        "ls.txt": "LS(1)        User Commands        LS(1)\n\nNAME\n       ls - list directory "
        "contents\n\nDESCRIPTION\n       List information about the FILEs.\n",
        "bisect.txt": pydoc("bisect", " - Bisection algorithms."),
        "math.txt": pydoc(
            "math", "", "This module provides access to the mathematical functions of C."
        ),
        "difflib.txt": pydoc("difflib", " - Module difflib -- helpers for computing deltas."),
        "nodemon.md": "We are grateful to our sponsors, who keep this work going.\n\n"
        "# nodemon\n\n[![Version](https://badge.example/v.svg)](https://example.org)\n\n"
        "nodemon is a tool that restarts your node application when files change.\n\n"
        "## Installation\n\nInstall it with your package manager of choice.\n",
    }
    corpus = read_corpus(write_data(tmp_path / "project", files))
    assert "NAME" not in {document.title for document in corpus.documents}
    description = derive_topic(corpus).description()
    for summary in (
        "ls (list directory contents)",
        "bisect (Bisection algorithms)",
        "math (This module provides access to the mathematical functions of C)",
        "difflib (helpers for computing deltas)",
        "nodemon (nodemon is a tool that restarts your node application when files change)",
    ):
        assert summary in description
    assert "Help on" not in description and "sponsors" not in description
    assert "Installation" not in description  # five documents: their summaries say enough


def test_off_topic_requests_that_overlap_the_documents_are_left_out(tmp_path: Path) -> None:
    root = project_with(tmp_path, "bakery")
    (root / "data" / "lasagna.md").write_text(
        "# Lasagna\n\nA good recipe for lasagna uses fresh pasta sheets.\n"
    )
    kept = {request.text for request in off_topic_requests(read_corpus(root))}
    assert "What is a good recipe for lasagna?" not in kept
    assert "Tell me a joke" in kept
    assert len(kept) < len(POOL)


def test_the_words_around_an_off_topic_subject_are_not_overlap(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    (root / "data" / "reports.md").write_text(
        "# Writing reports\n\nTell the tool what the report is about. You should write a short"
        " title first; it helps to get the rules of the format right.\n"
    )
    kept = {request.text for request in off_topic_requests(read_corpus(root))}
    # "write", "about", "tell", "short", "rules" are in the documents; poems, seas, jokes,
    # dragons and tennis are not.
    assert {
        "Write me a poem about the sea",
        "Tell me a joke",
        "Write a short story about a dragon",
        "What are the rules of tennis?",
    } <= kept


@pytest.mark.parametrize(("mentions", "covered"), [(2, False), (4, True)])
def test_in_a_large_collection_a_word_a_few_documents_use_does_not_cover_a_subject(
    tmp_path: Path, mentions: int, covered: bool
) -> None:
    data = tmp_path / "project" / "data"
    data.mkdir(parents=True)
    for number in range(300):
        aside = " Backups are kept by the sea." if number < mentions else ""
        (data / f"page{number}.md").write_text(
            f"# Option {number}\n\nThe option {number} sets the cache size.{aside}\n"
        )
    kept = {request.text for request in off_topic_requests(read_corpus(tmp_path / "project"))}
    # 1% of 300 documents is 3: two asides are incidental, four make the sea a subject here.
    assert ("Write me a poem about the sea" not in kept) is covered
    assert "Tell me a joke" in kept


def test_the_out_of_scope_examples_leave_follow_ups_with_the_answer(tmp_path: Path) -> None:
    """The pool's first requests become the router's out-of-scope examples. "Tell me a joke"
    among them drew "tell me more" out of scope (0.50 against 0.09), so it comes last."""
    corpus = read_corpus(project_with(tmp_path, "bakery"))
    examples = [request.text for request in off_topic_requests(corpus)]
    skill = Skill(
        "answer",
        "Questions about the documents.",
        lambda request: SkillReply(""),
        examples=tuple(candidate.question for candidate in candidates(corpus)[:10]),
    )
    router = Router.for_skills(
        SkillSet([skill]),
        LLM(OfflineProvider()),
        out_of_scope_examples=examples[:OUT_OF_SCOPE_EXAMPLE_COUNT],
    )
    context = RoutingContext("answer", "How do I revive a refrigerated starter?")
    for text in ("tell me more", "can you tell me more about that?", "could you elaborate?"):
        decision = router.route(text, context)
        assert (decision.intent, decision.method) == ("answer", "followup"), decision.reason


def test_docs_are_checked_before_anything_is_copied(tmp_path: Path) -> None:
    destination = tmp_path / "new"
    with pytest.raises(UsageError, match="no such file"):
        plan_docs([tmp_path / "missing"], destination)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="empty"):
        plan_docs([tmp_path / "empty"], destination)
    binary = tmp_path / "blobs"
    binary.mkdir()
    (binary / "a.bin").write_bytes(b"\0\1\2")
    (binary / "b.md").write_bytes(b"\0binary")
    with pytest.raises(UsageError, match="none of the 2 file"):
        plan_docs([binary], destination)
    assert not destination.exists()
    (destination / "docs").mkdir(parents=True)
    (destination / "docs" / "a.md").write_text("# A\n\nSome text here.\n")
    with pytest.raises(UsageError, match="overlaps"):
        plan_docs([destination / "docs"], destination)
    with pytest.raises(UsageError, match="overlaps"):
        plan_docs([tmp_path], destination)


def test_docs_keep_their_layout_and_skip_what_ingest_cannot_read(tmp_path: Path) -> None:
    source = tmp_path / "docs"
    shutil.copytree(FIXTURES / "cli", source / "man")
    (source / "logo.png").write_bytes(b"\x89PNG\0")
    plan = plan_docs([source, FIXTURES / "bakery" / "starter.md"], tmp_path / "new")
    assert [str(relative) for _, relative in plan.copies] == [
        "docs/man/tidyfs-config.txt",
        "docs/man/tidyfs.txt",
        "starter.md",
    ]
    assert len(plan.skipped) == 1 and "logo.png" in plan.skipped[0]
    project = tmp_path / "new"
    (project / "data").mkdir(parents=True)
    (project / "data" / "lumen.md").write_text("# sample\n")
    assert copy_docs(plan, project) == 3
    assert not (project / "data" / "lumen.md").exists()
    assert (project / "data" / "docs" / "man" / "tidyfs.txt").is_file()


def test_pages_whose_names_share_a_prefix_are_named_by_it(tmp_path: Path) -> None:
    """A family of command pages (`npm-ci`, `npm-audit`) is about what its names share, even
    when their front matter gives each its own title; a first word of prose is no prefix."""
    pages = {
        "npm-ci": "Clean install a project",
        "npm-audit": "Run a security audit",
        "npm-link": "Symlink a package folder",
    }
    files = {
        f"{name}.md": f"---\ntitle: {name}\ndescription: {description}\n---\n\n### Synopsis\n\n"
        f"`{name.replace('-', ' ')}`\n\n### Configuration\n\n#### `workspaces`\n\n"
        "Enable running a command in the context of the configured workspaces.\n"
        for name, description in pages.items()
    }
    root = write_data(tmp_path / "project", {**files, "README.md": "# Overview\n\nThe commands.\n"})
    topic = derive_topic(read_corpus(root))
    assert topic.name == "npm"
    description = topic.description()
    assert "npm-ci (Clean install a project)" in description
    assert "npm-ci: Clean install a project" not in description  # said once, as the summary
    titles = ("Getting started", "Getting help", "Getting paid")
    prose = write_data(
        tmp_path / "prose", {f"{t.split()[1]}.md": f"# {t}\n\nText.\n" for t in titles}
    )
    assert derive_topic(read_corpus(prose)).name != "getting"


def test_a_question_two_documents_ask_is_dropped_however_far_down_either_ranks_it(
    tmp_path: Path,
) -> None:
    """Counted among each document's best questions only, a question one page ranks first and
    another ranks low was kept on the first run and dropped on a re-run, which reads all of an
    unchanged page's questions: the re-run removed a routing example nobody had touched."""
    shared = "## Bundle packing\n\nA bundle packs each zygote record into one archive.\n\n"
    many = "".join(
        f"## Quorum {word}\n\nThe {word} quorum splices quibbles into zygotes at dusk.\n\n"
        for word in ("alpha", "beta", "gamma", "delta")
    )
    root = write_data(
        tmp_path / "project",
        {"packer.md": f"# Packer\n\n{shared}", "splicer.md": f"# Splicer\n\n{many}{shared}"},
    )
    corpus = read_corpus(root)
    best = {c.question for c in candidates(corpus, per_document=1)}
    every = {c.question for c in candidates(corpus, per_document=None)}
    assert "What should I know about bundle packing?" not in best | every
    assert best <= every and best
