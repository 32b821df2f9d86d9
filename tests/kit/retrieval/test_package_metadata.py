"""A Python package's core metadata read as a record and a description (`package_metadata`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.kit.llm.providers.offline_tasks import answer
from scaffolder.kit.llm.types import AnswerTask, Passage
from scaffolder.kit.retrieval.loaders import check_file, format_of
from tests.kit.retrieval.test_loaders import assert_exact_lines, chunks_of, layout, write

HEADERS = (
    "Metadata-Version: 2.4\n"
    "Name: bcrypt\n"
    "Version: 5.0.0\n"
    "Summary: Modern password hashing for your software and your servers\n"
    "License: Apache-2.0\n"
    "Classifier: License :: OSI Approved :: Apache Software License\n"
    "Requires-Python: >=3.8\n"
)
TITLE = "bcrypt: Modern password hashing for your software and your servers"


@pytest.mark.parametrize("name", ["METADATA", "PKG-INFO", "bcrypt.md", "bcrypt.txt"])
def test_the_headers_are_a_record_of_their_own_and_the_summary_heads_every_section(
    tmp_path: Path, name: str
) -> None:
    """Packed with the README's first paragraphs, the headers read as one run-on sentence, and
    the package's summary headed nothing; now they are passages of their own, under it."""
    text = (
        HEADERS + "Description-Content-Type: text/markdown\n\n"
        "# bcrypt\n\nGood password hashing.\n\n## Usage\n\nCall hashpw.\n"
    )
    path = write(tmp_path, name, text)
    assert format_of(path) is not None and check_file(path) is None
    chunks = chunks_of(path)
    assert layout(chunks) == [
        (1, 8, TITLE),
        (10, 12, f"{TITLE} > bcrypt"),
        (14, 16, f"{TITLE} > bcrypt > Usage"),
    ]
    assert_exact_lines(path, chunks)


def test_a_description_that_is_not_markdown_is_read_as_text(tmp_path: Path) -> None:
    """reStructuredText has no `#` headings: a line that starts with one is text there."""
    text = HEADERS + "Description-Content-Type: text/x-rst\n\n# not a heading\n\nText.\n"
    chunks = chunks_of(write(tmp_path, "bcrypt.md", text))
    assert layout(chunks) == [(1, 8, TITLE), (10, 12, TITLE)]


def test_without_a_declared_type_the_files_name_says_what_the_description_is(
    tmp_path: Path,
) -> None:
    text = HEADERS + "\n# Usage\n\nCall hashpw.\n"
    assert layout(chunks_of(write(tmp_path, "b.md", text)))[1:] == [(9, 11, f"{TITLE} > Usage")]
    assert layout(chunks_of(write(tmp_path, "b.txt", text)))[1:] == [(9, 11, TITLE)]


@pytest.mark.parametrize(
    "text",
    [
        "Metadata-Version: 2.1\nThis line is prose, so this is no header block.\n\nMore.\n",
        "Name: bcrypt\nMetadata-Version: 2.1\n\nText.\n",  # the version is not first
        "Metadata-Version: two\nName: x\n\nText.\n",
    ],
)
def test_a_file_that_only_starts_like_metadata_is_read_as_it_is(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "notes.md", text)
    chunks = chunks_of(path)
    assert [chunk.section for chunk in chunks] == [None] * len(chunks)
    assert chunks[0].start_line == 1
    assert_exact_lines(path, chunks)


def test_the_headers_of_a_whole_file_of_them_make_one_record(tmp_path: Path) -> None:
    """No blank line and no description (an old sdist's PKG-INFO): all of it is the record."""
    path = write(tmp_path, "PKG-INFO", HEADERS.rstrip("\n"))
    assert layout(chunks_of(path)) == [(1, 7, TITLE)]


def test_a_field_line_is_a_fact_the_offline_answer_gives_alone() -> None:
    """ "License: Apache-2.0" is an answer; joined with the lines around it, it was the middle
    of one sentence that started at "Metadata-Version: 2.4"."""
    task = AnswerTask("What license does bcrypt use?", (Passage("1", HEADERS),))
    text = answer(task)
    assert text.startswith("License: Apache-2.0 [1]")
    assert "Metadata-Version" not in text
