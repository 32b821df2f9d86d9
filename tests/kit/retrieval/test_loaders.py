"""iter_chunks per format (exact boundaries, sections, line ranges), and iter_files' choices."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scaffolder.errors import UsageError
from scaffolder.kit.retrieval.chunking import read_units
from scaffolder.kit.retrieval.front_matter import split_front_matter
from scaffolder.kit.retrieval.html_head import read_head
from scaffolder.kit.retrieval.loaders import (
    Skipped,
    UnreadableFileError,
    check_file,
    iter_chunks,
    iter_files,
)
from scaffolder.kit.retrieval.types import Chunk


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def chunks_of(path: Path, max_chars: int = 1500) -> list[Chunk]:
    return list(iter_chunks(path, path.parent, max_chars=max_chars))


def layout(chunks: list[Chunk]) -> list[tuple[int, int, str | None]]:
    return [(chunk.start_line, chunk.end_line, chunk.section) for chunk in chunks]


def assert_exact_lines(path: Path, chunks: list[Chunk]) -> None:
    """Each chunk's text is the file's lines in its range: what makes a citation checkable."""
    lines = path.read_text(encoding="utf-8-sig").split("\n")
    for chunk in chunks:
        assert chunk.text == "\n".join(lines[chunk.start_line - 1 : chunk.end_line]), chunk


MARKDOWN = """\
Intro paragraph.

# Setup

Setup text.

## Install

Run the installer.
```sh
# a comment, not a heading
```

### Linux ###

Use apt.

# Usage
Call it.
"""


def test_markdown_splits_on_headings_with_heading_paths(tmp_path: Path) -> None:
    path = write(tmp_path, "guide.md", MARKDOWN)
    chunks = chunks_of(path)
    assert layout(chunks) == [
        (1, 1, None),
        (3, 5, "Setup"),
        (7, 12, "Setup > Install"),
        (14, 16, "Setup > Install > Linux"),
        (18, 19, "Usage"),
    ]
    assert {chunk.kind for chunk in chunks} == {"markdown"}
    assert chunks[2].text.endswith("# a comment, not a heading\n```")
    assert_exact_lines(path, chunks)


def test_a_heading_with_only_headings_under_it_opens_the_next_section(tmp_path: Path) -> None:
    """A title alone answers nothing, so it is no chunk of its own; no line is lost."""
    text = "# Lamp\n\n## Reset\nHold the button.\n\n# Power\n## Adapter\nUse 15 W.\n"
    path = write(tmp_path, "lamp.md", text)
    chunks = chunks_of(path)
    assert layout(chunks) == [(1, 4, "Lamp > Reset"), (6, 8, "Power > Adapter")]
    assert chunks[0].text.startswith("# Lamp\n\n## Reset\nHold")
    assert_exact_lines(path, chunks)
    # A file of headings only still makes its chunk.
    only = write(tmp_path, "only.md", "# Title\n## Subtitle\n")
    assert layout(chunks_of(only)) == [(1, 2, "Title > Subtitle")]


def test_front_matter_is_read_as_metadata_and_its_title_heads_every_section(
    tmp_path: Path,
) -> None:
    """A static site's page says what it is about in its front matter, not in its headings
    ("Synopsis", "Description"): the block is no chunk, its title and description head the
    section path of every chunk of the page."""
    text = (
        "---\ntitle: npm-dedupe\nsection: 1\ndescription: Reduce duplication in the package"
        " tree\n---\n\n### Synopsis\n\nnpm dedupe\n\n### Description\n\nSearches the tree.\n"
    )
    path = write(tmp_path, "npm-dedupe.md", text)
    chunks = chunks_of(path)
    title = "npm-dedupe: Reduce duplication in the package tree"
    assert layout(chunks) == [(7, 9, f"{title} > Synopsis"), (11, 13, f"{title} > Description")]
    assert not any("section: 1" in chunk.text for chunk in chunks)
    assert_exact_lines(path, chunks)
    only_title = write(tmp_path, "faq.md", "---\ntitle: FAQ\ntags: [help]\n---\nAsk away.\n")
    assert layout(chunks_of(only_title)) == [(5, 5, "FAQ")]


@pytest.mark.parametrize(
    "text",
    [
        "---\nA page that opens with a rule.\n---\n\nMore text.\n",  # prose, not a mapping
        "---\ntitle: never closed\n\nText.\n",  # no closing line
        "--- \n- a list\n- not a mapping\n---\nText.\n",
    ],
)
def test_rules_around_anything_but_a_mapping_are_text(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "page.md", text)
    chunks = chunks_of(path)
    assert chunks[0].start_line == 1
    assert all(chunk.section is None for chunk in chunks)
    assert_exact_lines(path, chunks)


def test_long_markdown_section_is_split_at_paragraphs(tmp_path: Path) -> None:
    paragraph = "word " * 7 + "end."  # 39 characters
    text = "# Big\n\n" + "\n\n".join([paragraph] * 4) + "\n"
    path = write(tmp_path, "big.md", text)
    chunks = chunks_of(path, max_chars=90)
    # Heading + two paragraphs is 6 + 1 + 39 + 2 + 39 = 87 characters; a third would not fit.
    assert layout(chunks) == [(1, 5, "Big"), (7, 9, "Big")]
    assert all(len(chunk.text) <= 90 for chunk in chunks)
    assert_exact_lines(path, chunks)


def test_a_paragraph_longer_than_a_chunk_is_split_between_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", "".join(f"line number {n:02}\n" for n in range(1, 11)))
    chunks = chunks_of(path, max_chars=50)  # three 14-character lines and two newlines: 44
    assert layout(chunks) == [(1, 3, None), (4, 6, None), (7, 9, None), (10, 10, None)]
    assert {chunk.kind for chunk in chunks} == {"text"}
    assert_exact_lines(path, chunks)


def test_text_paragraphs_are_merged_up_to_max_chars(tmp_path: Path) -> None:
    text = "alpha one\nalpha two\n\n\nbeta\n\ngamma gamma gamma\n   \n\ndelta\n"
    path = write(tmp_path, "plain.rst", text)
    assert layout(chunks_of(path, max_chars=30)) == [(1, 5, None), (7, 10, None)]
    assert layout(chunks_of(path, max_chars=1500)) == [(1, 10, None)]
    assert_exact_lines(path, chunks_of(path, max_chars=30))


def test_a_line_longer_than_max_chars_is_cut_into_its_own_chunks(tmp_path: Path) -> None:
    long_line = " ".join(["token"] * 40)  # 239 characters
    path = write(tmp_path, "long.txt", f"before\n{long_line}\nafter\n")
    chunks = chunks_of(path, max_chars=100)
    assert [chunk.start_line for chunk in chunks] == [1, 2, 2, 2, 3]
    assert all(chunk.end_line == chunk.start_line for chunk in chunks)
    assert all(len(chunk.text) <= 100 for chunk in chunks)
    assert "".join(chunk.text for chunk in chunks[1:4]) == long_line
    # Cut after a space when there is one, so words stay whole.
    assert all(chunk.text.endswith(" ") for chunk in chunks[1:3])


def test_bom_and_crlf_are_read_as_the_text_they_encode(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes(b"\xef\xbb\xbffirst\r\nsecond\r\n\r\nthird\r\n")
    chunks = chunks_of(path, max_chars=14)
    assert [(chunk.text, chunk.start_line, chunk.end_line) for chunk in chunks] == [
        ("first\nsecond", 1, 2),
        ("third", 4, 4),
    ]


PYTHON = '''\
"""A module."""

import os

CONSTANT = 1


# Lights up.
@decorated
def light(x):
    return x


class Lamp:
    """A lamp with rather a lot of methods, so it does not fit one chunk."""

    colour = "white"

    def on(self):
        return "on"

    async def dim(self, level):
        return level

    def reset(self):
        self.colour = "white"
        return self


class Small:
    pass

if __name__ == "__main__":
    light(os.getcwd())
'''


def test_python_is_cut_at_definitions_and_big_classes_at_methods(tmp_path: Path) -> None:
    path = write(tmp_path, "lamp.py", PYTHON)
    chunks = chunks_of(path, max_chars=200)
    assert layout(chunks) == [
        (1, 5, None),
        (8, 11, "def light"),
        (14, 17, "class Lamp"),
        (19, 20, "class Lamp > def on"),
        (22, 23, "class Lamp > async def dim"),
        (25, 27, "class Lamp > def reset"),
        (30, 31, "class Small"),
        (33, 34, None),
    ]
    assert {chunk.kind for chunk in chunks} == {"code"}
    assert_exact_lines(path, chunks)


def test_a_class_that_fits_is_one_chunk_and_a_long_function_is_split(tmp_path: Path) -> None:
    path = write(tmp_path, "lamp.py", PYTHON)
    assert (14, 27, "class Lamp") in layout(chunks_of(path, max_chars=1500))
    body = "".join(f"    step_{n} = {n}\n" for n in range(30))
    long_function = write(tmp_path, "long.py", f"def run():\n{body}")
    chunks = chunks_of(long_function, max_chars=200)
    assert len(chunks) > 1
    assert {chunk.section for chunk in chunks} == {"def run"}
    assert chunks[0].start_line == 1 and chunks[-1].end_line == 31
    assert_exact_lines(long_function, chunks)


def test_python_that_does_not_parse_is_chunked_by_blocks(tmp_path: Path) -> None:
    path = write(tmp_path, "old.py", "print 'hello'\n\ndef f(:\n    pass\n")
    assert layout(chunks_of(path)) == [(1, 4, None)]


def test_other_languages_are_blank_line_blocks_merged_up_to_max_chars(tmp_path: Path) -> None:
    source = (
        'package main\n\nimport "fmt"\n\n'
        'func main() {\n\tfmt.Println("hi")\n}\n\n'
        "func other() {\n\treturn\n}\n"
    )
    path = write(tmp_path, "main.go", source)
    chunks = chunks_of(path, max_chars=50)
    assert layout(chunks) == [(1, 3, None), (5, 7, None), (9, 11, None)]
    assert_exact_lines(path, chunks)


HTML = """\
<!doctype html>
<html><head><title>Ignored title</title>
<style>p { color: red }</style></head>
<body>
<nav><a href="/">Home</a> menu</nav>
<h1>Guide</h1>
<p>Hello
   <b>bold</b> world &amp; more.</p>
<script>var hidden = "x";</script>
<h2>Install</h2>
<ul><li>one</li>
<li>two</li></ul>
<table><tr><td>a</td><td>b</td></tr></table>
<pre>first  line
  second line</pre>
<h2>Use</h2>
<p>Done.</p>
</body></html>
"""


def test_html_text_sections_and_source_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "page.html", HTML)
    chunks = chunks_of(path)
    assert [(chunk.text, chunk.start_line, chunk.end_line, chunk.section) for chunk in chunks] == [
        ("Guide\n\nHello bold world & more.", 6, 8, "Guide"),
        (
            "Install\n\none\n\ntwo\n\na b\n\n````\nfirst  line\n  second line\n````",
            10,
            15,
            "Guide > Install",
        ),
        ("Use\n\nDone.", 16, 17, "Guide > Use"),
    ]
    assert {chunk.kind for chunk in chunks} == {"html"}


def test_a_pre_block_is_fenced_and_never_cut_at_its_blank_lines(tmp_path: Path) -> None:
    """A chunk that started inside the block would read its closing fence as an opening one,
    and the example would be split from its first lines."""
    page = "<p>Intro sentence.</p>\n<pre>a = 1\n\nb = 2222222222</pre>\n<p>After it.</p>\n"
    chunks = chunks_of(write(tmp_path, "page.html", page), max_chars=32)
    assert [chunk.text for chunk in chunks] == [
        "Intro sentence.",
        "````\na = 1\n\nb = 2222222222\n````",
        "After it.",
    ]


@pytest.mark.parametrize(
    ("head", "site"),
    [
        ('<meta property="og:site_name" content="  Kettle\n Docs ">', "Kettle Docs"),
        ('<meta name="application-name" content="Kettle Docs">', "Kettle Docs"),
        ('<link rel="start home" href="index.html" title="Kettle Docs">', "Kettle Docs"),
        ('<link rel="stylesheet" href="a.css" title="Kettle theme">', ""),
        ('<meta name="description" content="All about kettles">', ""),
    ],
)
def test_a_pages_head_names_the_site_it_belongs_to(head: str, site: str) -> None:
    page = f"<html><head><title>Lids - Kettle Docs</title>{head}</head><body><p>x</p>"
    found = read_head(io.StringIO(page))
    assert (found.title, found.site, found.refusal) == ("Lids - Kettle Docs", site, None)


def test_links_to_the_previous_and_next_pages_are_the_sites_not_the_pages(tmp_path: Path) -> None:
    """Texinfo heads every node with "Previous: ..., Up: ... [Index]", DocBook with a table
    summarised "Navigation header", and Sphinx puts a `role="navigation"` bar of related pages
    around each: the manual's sequence, not what the page says. A sentence that links to the
    next page is still a sentence."""
    page = """<html><body>
<div class="navheader"><table summary="Navigation header"><tr><th>Kettle Manual</th></tr>
<tr><td><a accesskey="p" href="a.html">Prev</a></td></tr></table></div>
<div class="related" role="navigation"><ul><li><a href="genindex.html">index</a></li>
<li><a href="next.html">next page title</a></li></ul></div>
<div class="header"><p>Previous: <a href="a.html" rel="prev">Lids</a>, Up: <a href="t.html"
rel="up">Using the kettle</a> &nbsp; [<a href="Index.html" rel="index">Index</a>]</p></div>
<h2>Spouts</h2>
<p>Rinse the spout weekly; <a href="next.html" rel="next">the next chapter</a> says how.</p>
</body></html>"""
    chunks = chunks_of(write(tmp_path, "spouts.html", page))
    assert [chunk.text for chunk in chunks] == [
        "Spouts\n\nRinse the spout weekly; the next chapter says how."
    ]
    # A paragraph that opens with such a link and outgrows a chunk is text all the same.
    long = '<p><a href="n.html" rel="next">Next</a> ' + "the spout is rinsed " * 20 + "</p>"
    chunks = chunks_of(write(tmp_path, "long.html", long), max_chars=120)
    assert "".join(chunk.text for chunk in chunks).count("rinsed") == 20


CHROME = """\
<html><head><title>Install - The Guide</title></head><body>
<div class="menu"><h1>The Guide</h1><p>Press S to search.</p></div>
<div role="main">
<h1>Install</h1>
<div class="note"><p>Run the installer.</p></div>
<div hidden><div><p>Hidden in a nested div.</p></div><p>Still hidden.</p></div>
<span aria-hidden="true">decoration</span>
<dialog><h2>Shortcuts</h2><p>A closed dialog.</p></dialog>
<dialog open><p>An open dialog.</p></dialog>
<input hidden type="checkbox"><p>After a hidden input.</p>
</div>
<footer><p>Previous chapter</p></footer>
</body></html>
"""


def test_a_page_with_a_main_element_is_read_from_there_without_what_it_hides(
    tmp_path: Path,
) -> None:
    chunks = chunks_of(write(tmp_path, "install.html", CHROME))
    assert [(chunk.text, chunk.section) for chunk in chunks] == [
        (
            "Install\n\nRun the installer.\n\nAn open dialog.\n\nAfter a hidden input.",
            "Install",
        )
    ]


def test_a_page_without_a_main_element_is_read_whole(tmp_path: Path) -> None:
    page = CHROME.replace('<div role="main">', "<div>")
    text = "\n".join(chunk.text for chunk in chunks_of(write(tmp_path, "install.html", page)))
    assert "Press S to search." in text and "Previous chapter" in text
    assert "Hidden" not in text and "A closed dialog" not in text


def test_a_page_too_long_to_wait_for_its_main_element_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("scaffolder.kit.retrieval.html_chunks._HELD_CHARS", 10)
    text = "\n".join(chunk.text for chunk in chunks_of(write(tmp_path, "install.html", CHROME)))
    assert "Press S to search." in text and "Run the installer." in text
    assert "Previous chapter" in text


def test_a_permalink_is_no_part_of_a_heading_or_paragraph(tmp_path: Path) -> None:
    page = (
        '<h2>UDP sockets<span><a class="mark" href="#udp">#</a></span></h2>'
        '<h3>Install<a class="headerlink" href="#install">\u00b6</a></h3>'
        '<p>Use <a href="c.html">C#</a> or <a href="#x">#</a></p>'
    )
    chunks = chunks_of(write(tmp_path, "api.html", page))
    assert [(chunk.text, chunk.section) for chunk in chunks] == [
        # A heading with nothing under it but another opens the next one's piece.
        ("UDP sockets\n\nInstall\n\nUse C# or", "UDP sockets > Install"),
    ]


def test_redirects_and_pages_that_ask_not_to_be_indexed_are_refused(tmp_path: Path) -> None:
    redirect = '<html><head><meta http-equiv="Refresh" content="3;url=\'new.html\'"></head></html>'
    noindex = '<html><head><meta name="ROBOTS" content="noarchive, noindex"></head>'
    none = '<html><head><meta name="robots" content="none"></head><body><p>x</p></body>'
    reload = '<html><head><meta http-equiv="refresh" content="30"></head><body><p>live</p>'
    follow = '<html><head><meta name="robots" content="index,follow"></head><body><p>ok</p>'
    assert check_file(write(tmp_path, "old.html", redirect)) == (
        "a redirect to new.html, not a page of its own"
    )
    for name, page in (("print.html", noindex), ("none.htm", none)):
        assert check_file(write(tmp_path, name, page)) == (
            "the page asks not to be indexed (robots noindex)"
        )
    assert check_file(write(tmp_path, "live.html", reload)) is None
    assert check_file(write(tmp_path, "page.html", follow)) is None
    body_meta = '<html><body><meta name="robots" content="noindex"><p>x</p></body></html>'
    assert check_file(write(tmp_path, "late.html", body_meta)) is None


def test_a_long_html_paragraph_is_split_into_fragments(tmp_path: Path) -> None:
    words = " ".join(f"w{n}" for n in range(100))
    path = write(tmp_path, "long.htm", f"<p>\n{words}\n</p>\n<p>tail</p>\n")
    chunks = chunks_of(path, max_chars=60)
    assert all(len(chunk.text) <= 60 for chunk in chunks)
    assert " ".join(chunk.text for chunk in chunks).split() == [*words.split(), "tail"]
    assert (chunks[0].start_line, chunks[-1].end_line) == (2, 4)


def make_pdf(pages: list[list[str]]) -> bytes:
    """A minimal PDF with one Helvetica text line per string, built by hand."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * index} 0 R" for index in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for index, lines in enumerate(pages):
        shown = " ".join(f"({line}) Tj T*" for line in lines)
        content = f"BT /F1 12 Tf 72 720 Td 14 TL {shown} ET"
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> "
            + f"/Contents {5 + 2 * index} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(content)} >>\nstream\n{content}\nendstream".encode())
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out + trailer.encode()


def test_pdf_chunks_carry_page_numbers_and_lines_within_the_page(tmp_path: Path) -> None:
    path = tmp_path / "manual.pdf"
    path.write_bytes(make_pdf([["Hello page one.", "Second line."], [], ["Page three."]]))
    chunks = chunks_of(path)
    assert [(c.text, c.page, c.start_line, c.end_line, c.kind) for c in chunks] == [
        ("Hello page one.\nSecond line.", 1, 1, 2, "pdf"),
        ("Page three.", 3, 1, 1, "pdf"),
    ]
    assert chunks[0].citation() == "manual.pdf, page 1, lines 1-2"


def test_a_broken_pdf_is_an_unreadable_file_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    assert check_file(path) is None  # the header looks right; only parsing finds out
    with pytest.raises(UnreadableFileError, match=r"broken\.pdf"):
        chunks_of(path)


def test_chunking_is_deterministic_and_sources_are_relative_posix(tmp_path: Path) -> None:
    path = write(tmp_path, "docs/deep/guide.md", MARKDOWN)
    first = list(iter_chunks(path, tmp_path, max_chars=40))
    assert first == list(iter_chunks(path, tmp_path, max_chars=40))
    assert {chunk.source for chunk in first} == {"docs/deep/guide.md"}
    with pytest.raises(UsageError, match="outside the ingest root"):
        list(iter_chunks(path, tmp_path / "elsewhere"))


def test_a_file_that_turns_out_not_to_be_utf8_raises(tmp_path: Path) -> None:
    path = tmp_path / "late.txt"
    path.write_bytes(b"fine\n" * 10 + b"caf\xe9\n")
    with pytest.raises(UnreadableFileError, match=r"late\.txt: not UTF-8"):
        chunks_of(path)


TEXT_LINES = st.lists(
    st.one_of(
        st.just(""),
        st.just("  "),
        st.text(alphabet="ab #`~-\t", min_size=1, max_size=20),
        st.sampled_from(["# Head", "## Sub", "```", "~~~", "### Deep ###"]),
    ),
    max_size=60,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=TEXT_LINES,
    max_chars=st.integers(min_value=20, max_value=120),
    name=st.sampled_from(["p.md", "p.txt"]),
)
def test_chunks_cover_every_nonblank_line_once_in_order(
    tmp_path: Path, lines: list[str], max_chars: int, name: str
) -> None:
    path = tmp_path / name
    path.write_text("\n".join(lines), encoding="utf-8")
    chunks = chunks_of(path, max_chars=max_chars)
    covered: list[int] = []
    for chunk in chunks:
        covered.extend(range(chunk.start_line, chunk.end_line + 1))
        assert len(chunk.text) <= max_chars
        assert chunk.text.split("\n")[0].strip() and chunk.text.split("\n")[-1].strip()
    assert covered == sorted(set(covered))
    with path.open(encoding="utf-8", newline=None) as stream:
        front, _ = split_front_matter(read_units(stream, max_chars))
    skipped = front.end if front is not None and name.endswith(".md") else 0  # metadata
    nonblank = [n for n, line in enumerate(lines, start=1) if line.strip() and n > skipped]
    assert [number for number in covered if lines[number - 1].strip()] == nonblank
    assert_exact_lines(path, chunks)


def test_a_huge_text_file_is_chunked_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    paragraph = "".join(f"Line {n} of a paragraph about nothing in particular.\n" for n in range(8))
    with path.open("w", encoding="utf-8") as out:
        for _ in range(8_000):
            out.write(paragraph + "\n")
        out.write("x" * 3_000_000 + "\n")  # one 3 MB line, as minified files have
    assert path.stat().st_size > 6_000_000
    tracemalloc.start()
    try:
        count = 0
        for chunk in iter_chunks(path, tmp_path, max_chars=1500):
            count += 1
            assert len(chunk.text) <= 1500
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count > 4_000
    assert peak < 1_000_000, f"peak {peak} bytes"


def relative(items: list[Path | Skipped], root: Path) -> list[str]:
    return [
        f"{item.path.relative_to(root).as_posix()}: {item.reason}"
        if isinstance(item, Skipped)
        else item.relative_to(root).as_posix()
        for item in items
    ]


def test_iter_files_skips_with_reasons(tmp_path: Path) -> None:
    write(tmp_path, "good.md", "# Fine\n")
    write(tmp_path, "empty.txt", "")
    write(tmp_path, "blank.txt", " \n\n\t\n")
    write(tmp_path, "data.csv", "a,b\n")
    write(tmp_path, "LICENSE", "MIT\n")
    write(tmp_path, "mystery", "what am I\n")
    (tmp_path / "binary.txt").write_bytes(b"abc\0def")
    (tmp_path / "latin1.txt").write_bytes(b"ok\ncaf\xe9\n")
    (tmp_path / "fake.pdf").write_bytes(b"GIF89a")
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbfhello\n")
    items = list(iter_files([tmp_path], tmp_path))
    assert relative(items, tmp_path) == [
        "LICENSE",
        "binary.txt: binary file (NUL bytes in the first 8 KiB)",
        "blank.txt: empty file (whitespace only)",
        "bom.txt",
        "data.csv: unsupported file type '.csv'",
        "empty.txt: empty file",
        "fake.pdf: not a PDF (no %PDF- header)",
        "good.md",
        "latin1.txt: not UTF-8 text (invalid byte at offset 6)",
        "mystery: unsupported file",
    ]


def test_a_multibyte_character_across_read_blocks_is_valid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "accents.txt"
    path.write_bytes(b"a" * (1024 * 1024 - 1) + "é\n".encode())
    assert check_file(path) is None
    path.write_bytes(b"a" * (1024 * 1024 - 1) + b"\xc3")  # cut off at the very end
    assert check_file(path) == f"not UTF-8 text (invalid byte at offset {1024 * 1024 - 1})"


GITIGNORE = """\
# build output
/build
*.log
!keep.log
cache/
docs/**/draft.md
secret?.txt
\\#literal.md
"""


def test_iter_files_honours_gitignore_and_always_skipped_folders(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", GITIGNORE)
    for name in [
        "a.md", "build/out.md", "src/build/kept.md", "x.log", "sub/keep.log", "cache/c.md",
        "src/cache.md", "docs/draft.md", "docs/v1/old/draft.md", "secret1.txt", "secret12.txt",
        "#literal.md", ".git/HEAD.md", ".venv/lib.py", "node_modules/m.js",
        "pkg/__pycache__/m.py", ".copilot/index.md", "pkg/mod.py",
    ]:  # fmt: skip
        write(tmp_path, name, "content\n")
    write(tmp_path, "pkg/.gitignore", "*.py\n!mod.py\nlocal.md\n")
    write(tmp_path, "pkg/local.md", "content\n")
    write(tmp_path, "local.md", "content\n")
    items = list(iter_files([tmp_path], tmp_path))
    assert relative(items, tmp_path) == [
        ".gitignore: unsupported file",
        "a.md",
        "local.md",
        "pkg/.gitignore: unsupported file",
        "pkg/mod.py",
        "secret12.txt",
        "src/build/kept.md",
        "src/cache.md",
        "sub/keep.log: unsupported file type '.log'",  # re-included by `!keep.log`
    ]


def test_iter_files_applies_gitignores_above_a_folder_and_not_to_named_files(
    tmp_path: Path,
) -> None:
    write(tmp_path, ".gitignore", "*.txt\n")
    write(tmp_path, "docs/a.txt", "ignored\n")
    write(tmp_path, "docs/b.md", "kept\n")
    named = write(tmp_path, "docs/c.txt", "named\n")
    items = list(iter_files([tmp_path / "docs", named, tmp_path / "docs" / "b.md"], tmp_path))
    assert relative(items, tmp_path) == ["docs/b.md", "docs/c.txt"]
    assert all(isinstance(item, Path) and item.is_absolute() for item in items)


def test_iter_files_refuses_missing_paths_and_paths_outside_root(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file or folder"):
        list(iter_files([tmp_path / "missing"], tmp_path))
    (tmp_path / "root").mkdir()
    with pytest.raises(UsageError, match="outside the ingest root"):
        list(iter_files([tmp_path], tmp_path / "root"))


def test_a_code_example_with_blank_lines_stays_in_one_chunk(tmp_path: Path) -> None:
    """Blank lines inside a fenced block are no paragraph boundaries: a piece that started
    inside the block would read its closing fence as an opening one. Only a block longer
    than a chunk is cut, between its lines."""
    code = "\n\n".join(f"call_{n}(argument)" for n in range(4))  # 70 characters
    text = f"# Usage\n\nSay what it does.\n\n```js\n{code}\n```\n\nAfter the example.\n"
    path = write(tmp_path, "readme.md", text)
    chunks = chunks_of(path, max_chars=90)
    # Neither the heading and sentence (27 characters) nor the sentence after it can join the
    # 80-character block; before, the block was cut at its blank lines.
    assert layout(chunks) == [(1, 3, "Usage"), (5, 13, "Usage"), (15, 15, "Usage")]
    assert chunks[1].text.startswith("```js\ncall_0") and chunks[1].text.endswith(
        "call_3(argument)\n```"
    )
    assert_exact_lines(path, chunks)
    long_code = "\n\n".join(f"call_{n}(argument)" for n in range(12))
    long_path = write(tmp_path, "long.md", f"# Usage\n\n```js\n{long_code}\n```\n")
    long_chunks = chunks_of(long_path, max_chars=100)
    assert all(len(chunk.text) <= 100 for chunk in long_chunks)
    assert all(not chunk.text.startswith("\n") for chunk in long_chunks)
    assert_exact_lines(long_path, long_chunks)


def test_inline_code_between_triple_backticks_opens_no_fence(tmp_path: Path) -> None:
    """```x``` on one line is inline code (the fence rule in `kit.text`): the heading after it
    is still a heading, where an opened fence would have swallowed it."""
    path = write(tmp_path, "inline.md", "# One\n\n```npm i x``` installs it.\n\n# Two\n\nMore.\n")
    assert layout(chunks_of(path)) == [(1, 3, "One"), (5, 7, "Two")]
