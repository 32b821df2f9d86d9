"""A built docs site as `--docs`: pages with a theme's chrome around their main content,
redirect stubs, pages that ask not to be indexed, the site's scripts and stylesheets, and the
licences of its fonts. What is copied, what the topic is and what the pages ask."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.adapt.corpus import Corpus, read_corpus, set_aside
from scaffolder.kit.adapt.docs import DocsPlan, plan_docs
from scaffolder.kit.adapt.questions import candidates
from scaffolder.kit.adapt.topic import derive_topic
from tests.kit.adapt.test_derivation import write_data

#: The chrome an mdBook page has around its content: a keyboard-shortcuts popup with a
#: heading, a menu bar with the book's title, page navigation after the main element.
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<title>{title} - The Kettle Guide</title>
<script>const path_to_root = "";</script>
</head>
<body>
<div id="help-container"><div id="help-popup">
<h2 class="help-title">Keyboard shortcuts</h2>
<p>Press left or right to navigate between chapters of the guide.</p>
<p>Press S or slash to search in the book whenever you need to.</p>
</div></div>
<div class="menu-bar"><h1 class="menu-title">The Kettle Guide</h1></div>
<div id="content" class="content">
<main>
<h1 id="top">{title}</h1>
{body}
</main>
<nav class="nav-wrapper"><a href="prev.html">Previous chapter</a></nav>
</div>
</body></html>
"""

PAGES = {
    "descaling.html": (
        "Descaling",
        "<p>Limescale builds up on the heating plate of every kettle in hard water areas.</p>"
        "<h2>Vinegar Rinse Method</h2>"
        "<p>Fill the kettle halfway with white vinegar and boil it twice before rinsing.</p>"
        "<table><tr><th>Water Hardness</th><th>Descale Every</th></tr>"
        "<tr><td>hard water areas</td><td>four weeks</td></tr></table>",
    ),
    "boiling.html": (
        "Boiling",
        "<p>The kettle switches itself off a few seconds after the water reaches a boil.</p>"
        "<h2>Keep Warm Setting</h2>"
        "<p>The keep warm setting holds the water at eighty degrees for thirty minutes.</p>",
    ),
    "filters.html": (
        "Filters",
        "<p>The mesh filter in the spout catches flakes of limescale before they reach a cup.</p>"
        "<h2>Cleaning the Filter</h2>"
        "<p>Lift the filter out of the spout and rinse it under the tap once a week.</p>",
    ),
}

REDIRECT = """<!DOCTYPE html><html><head><title>Redirecting...</title>
<meta http-equiv="refresh" content="0; URL=descaling.html">
</head><body><p>Redirecting to... <a href="descaling.html">descaling.html</a>.</p></body></html>
"""

PRINT = """<!DOCTYPE html><html><head><title>The Kettle Guide</title>
<meta name="robots" content="noindex">
</head><body><main><h1>Descaling</h1><p>Everything, once more, on one page.</p></main>
</body></html>
"""

LICENCE = """Copyright 2020 The Open Type Project Authors.

This Font Software is licensed under the SIL Open Font License, Version 1.1. Permission is
hereby granted, free of charge, to any person obtaining a copy of the Font Software.

DISCLAIMER

THE FONT SOFTWARE IS PROVIDED AS IS, WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.
"""


def build_site(folder: Path) -> Path:
    """A docs site as a generator leaves it, in `folder`."""
    for name, (title, body) in PAGES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(PAGE.format(title=title, body=body), encoding="utf-8")
    (folder / "descale.html").write_text(REDIRECT, encoding="utf-8")
    (folder / "print.html").write_text(PRINT, encoding="utf-8")
    (folder / "searchindex-1a2b3c.js").write_text('window.search = {"doc": 1};\n')
    (folder / "css").mkdir()
    (folder / "css" / "chrome.css").write_text("body { margin: 0; }\n")
    (folder / "fonts").mkdir()
    (folder / "fonts" / "OPEN-SANS-LICENSE.txt").write_text(LICENCE)
    return folder


def questions_of(corpus: Corpus) -> set[str]:
    """Every question `adapt` could derive from `corpus`, none cut."""
    return {c.question for c in candidates(corpus, per_document=None)}


def copied(plan: DocsPlan) -> list[str]:
    """Where `plan` copies its files under data/, sorted."""
    return sorted(str(relative) for _, relative in plan.copies)


def test_only_the_pages_of_a_site_are_copied_each_skip_saying_why(tmp_path: Path) -> None:
    site = build_site(tmp_path / "site")
    plan = plan_docs([site], tmp_path / "project")
    assert copied(plan) == [
        "boiling.html",
        "descaling.html",
        "filters.html",
        "fonts/OPEN-SANS-LICENSE.txt",
    ]
    reasons = {Path(line.split(": ", 1)[0]).name: line.split(": ", 1)[1] for line in plan.skipped}
    assert reasons == {
        "descale.html": "a redirect to descaling.html, not a page of its own",
        "print.html": "the page asks not to be indexed (robots noindex)",
        "searchindex-1a2b3c.js": "a script or stylesheet of the HTML pages beside it, not a "
        "document",
        "chrome.css": "a script or stylesheet of the HTML pages beside it, not a document",
    }


def test_scripts_are_documents_where_no_html_page_sits_beside_them(tmp_path: Path) -> None:
    guide = tmp_path / "guide"
    guide.mkdir()
    (guide / "intro.md").write_text("# Plugins\n\nA plugin is a script the kettle app runs.\n")
    (guide / "example.js").write_text("export function boil() { return 100; }\n")
    plan = plan_docs([guide], tmp_path / "project")
    assert copied(plan) == ["example.js", "intro.md"]


def test_a_site_is_about_what_its_pages_titles_name_not_its_chrome(tmp_path: Path) -> None:
    project = tmp_path / "project"
    build_site(project / "data")
    corpus = read_corpus(project)
    assert sorted(document.source for document in corpus.documents) == [
        "data/boiling.html",
        "data/descaling.html",
        "data/filters.html",
    ]
    assert derive_topic(corpus).name == "the Kettle Guide"
    text = "\n".join(document.text for document in corpus.documents)
    assert "Keyboard shortcuts" not in text and "Previous chapter" not in text
    questions = questions_of(corpus)
    # A title-case heading reads as words of a question; a table's header row is no heading.
    assert "What should I know about vinegar rinse method?" in questions
    assert "What should I know about keep warm setting?" in questions
    assert not any("Water Hardness" in question or "hardness" in question for question in questions)


def test_adapt_derives_nothing_from_a_licence_a_changelog_or_a_list_of_people(
    tmp_path: Path,
) -> None:
    kinds: dict[str | None, tuple[str, ...]] = {
        "a licence": (
            "LICENSE", "COPYING", "OFL-LICENSE.txt", "licence.md", "LICENSE-MIT",
            "licenses.html",  # Valgrind's page of its licences
            "001-adduser-copyright",  # Debian's copyright file
        ),
        "a changelog": (
            "CHANGELOG.html", "CHANGES", "CHANGES.rst", "release-notes.md", "RELEASE_NOTES.txt",
            "NEWS", "dist.news.old.html", "HISTORY.md",
        ),
        "a list of people": (
            "AUTHORS", "dist.authors.html", "THANKS", "CONTRIBUTORS.md", "contribs.html", "CREDITS",
        ),
        None: (
            "licensing-faq.md", "privacy-notice.md", "release.md", "notes.md", "path-changes.html",
            "breaking-changes.md", "history-of-the-project.md", "authoring-guide.md",
        ),
    }  # fmt: skip
    for kind, names in kinds.items():
        for name in names:
            assert set_aside(Path(name)) == kind, name
    project = tmp_path / "project"
    build_site(project / "data")
    corpus = read_corpus(project)
    reasons = {skipped.path.name: skipped.reason for skipped in corpus.skipped}
    assert reasons == {
        "descale.html": "a redirect to descaling.html, not a page of its own",
        "print.html": "the page asks not to be indexed (robots noindex)",
    }
    assert [(aside.path.name, aside.reason) for aside in corpus.aside] == [
        ("OPEN-SANS-LICENSE.txt", "a licence")
    ]


MODULE_PAGE = """# {name}

## {name} streams

The {name} module reads {name} streams in chunks of {name} records.

```c
#include <{name}.h>
# a shell comment in a fence is no heading either
```

## Closing {name} handles

Every {name} handle is closed by calling close on the {name} object.
"""


def test_api_docs_beside_their_html_and_an_all_in_one_page(tmp_path: Path) -> None:
    """Node's API docs: each module as Markdown and as HTML, and all.html holding them all."""
    docs = tmp_path / "api"
    docs.mkdir()
    names = ("buffer", "stream", "socket", "timer")
    for name in names:
        (docs / f"{name}.md").write_text(MODULE_PAGE.format(name=name))
        (docs / f"{name}.html").write_text(f"<html><body><h1>{name}</h1><p>Rendered.</p>")
    (docs / "all.md").write_text("\n".join(MODULE_PAGE.format(name=name) for name in names))
    plan = plan_docs([docs], tmp_path / "project")
    assert copied(plan) == [
        "all.md",
        "buffer.md",
        "socket.md",
        "stream.md",
        "timer.md",
    ]
    assert f"{docs / 'timer.html'}: the HTML rendering of timer.md beside it" in plan.skipped
    project = write_data(
        tmp_path / "project",
        {str(relative): source.read_text() for source, relative in plan.copies},
    )
    corpus = read_corpus(project)
    assert [(aside.path.name, aside.reason) for aside in corpus.aside] == [
        ("all.md", "a page that repeats 4 others")
    ]
    buffer = next(d for d in corpus.documents if d.source == "data/buffer.md")
    assert [section.heading for section in buffer.sections] == [
        "buffer streams",
        "Closing buffer handles",
    ]
    assert not any("include" in sentence for s in buffer.sections for sentence in s.sentences)
    questions = questions_of(corpus)
    assert "What should I know about closing buffer handles?" in questions


def test_man_pages_that_share_their_headings_repeat_nothing(tmp_path: Path) -> None:
    project = write_data(
        tmp_path / "project",
        {
            f"{name}.md": f"# NAME\n\n{name} does one thing to files.\n\n# OPTIONS\n\n"
            f"The options of {name} change how it does that one thing.\n\n# EXAMPLES\n\n"
            f"Run {name} with a file name to do that one thing to it.\n"
            for name in ("ls", "cp", "mv", "rm")
        },
    )
    assert read_corpus(project).aside == []


def test_a_version_in_the_sites_name_is_no_part_of_the_topic(tmp_path: Path) -> None:
    project = write_data(
        tmp_path / "project",
        {
            f"{name}.html": f"<html><head><title>{name} | Node.js v20.20.2 Documentation</title>"
            f"</head><body><h1>{name}</h1><p>The {name} module of the runtime does useful work.</p>"
            for name in ("fs", "net", "url")
        },
    )
    assert derive_topic(read_corpus(project)).name == "Node.js Documentation"


def test_an_api_heading_asks_what_the_call_does_and_a_constant_keeps_its_case(
    tmp_path: Path,
) -> None:
    project = write_data(
        tmp_path / "project",
        {
            "buffer.md": "# Buffer\n\n## buf.copy(target[, targetStart])\n\n"
            "Copies data from a region of buf to a region in target, even if they overlap.\n\n"
            "## ERR_BUFFER_TOO_LARGE\n\n"
            "An attempt has been made to create a buffer larger than the maximum allowed size.\n\n"
            "## DESCRIPTION\n\nA buffer is a fixed-length sequence of bytes kept off the heap.\n"
        },
    )
    questions = questions_of(read_corpus(project))
    assert "What does buf.copy() do in buffer?" in questions
    assert "What should I know about ERR_BUFFER_TOO_LARGE?" in questions
    assert not any("copy(target" in question for question in questions)


def test_a_sphinx_source_folder_reads_as_prose(tmp_path: Path) -> None:
    """reStructuredText's directives and literal blocks are no questions, a list item is no
    heading, and the project's HTML templates are not copied."""
    docs = tmp_path / "docs"
    (docs / "_templates").mkdir(parents=True)
    (docs / "_templates" / "sidebar.html").write_text(
        '<h3>About</h3><p>{{ project }} is great.</p><a href="{{ pathto(master_doc) }}">Home</a>'
    )
    (docs / "templating.html").write_text(
        "<h1>Templating</h1><p>Blocks are overridden in child templates.</p>"
        "<pre>{% block body %}{% endblock %}</pre>"
    )
    (docs / "install.rst").write_text(
        "Installation\n============\n\n"
        "To install the kettle client, run this command in a terminal::\n\n"
        "    $ pip install kettle\n    Done In Seconds\n\n"
        ".. code-block:: python\n\n    Kettle Setup\n\n"
        ".. admonition:: Note\n\n   The kettle client needs a kettle on the same network.\n\n"
        "Supported kettles:\n\n- Classic Kettle\n\n"
        "Upgrading\n---------\n\n"
        "Run :command:`pip install -U kettle` and read the ``CHANGES`` file of the "
        "`client <https://example.org>`_ first.\n"
    )
    plan = plan_docs([docs], tmp_path / "project")
    assert copied(plan) == [
        "install.rst",
        "templating.html",
    ]
    assert (
        f"{docs / '_templates' / 'sidebar.html'}: a template (Jinja or Django tags), not a page"
        in (plan.skipped)
    )
    project = write_data(tmp_path / "project", {"install.rst": (docs / "install.rst").read_text()})
    [document] = read_corpus(project).documents
    assert [section.heading for section in document.sections] == ["Installation", "Upgrading"]
    text = " ".join(s for section in document.sections for s in section.sentences)
    assert "To install the kettle client, run this command in a terminal:" in text
    assert "The kettle client needs a kettle on the same network." in text
    assert "pip install kettle Done" not in text and "Kettle Setup" not in text
    assert "Run pip install -U kettle and read the CHANGES file of the client first." in text


def test_a_folder_of_pages_that_all_refuse_says_why_in_its_one_line(tmp_path: Path) -> None:
    staging = tmp_path / "staging"
    staging.mkdir()
    for name in ("a", "b", "c"):
        (staging / f"{name}.html").write_text(PRINT)
    (staging / "logo.png").write_bytes(b"\x89PNG\0")
    with pytest.raises(UsageError) as refused:
        plan_docs([staging], tmp_path / "project")
    assert str(refused.value).endswith(
        "; 3 skipped as: the page asks not to be indexed (robots noindex)"
    )
    assert "\n" not in str(refused.value)


def test_a_pages_code_examples_are_neither_sentences_nor_questions(tmp_path: Path) -> None:
    """A `<pre>` block reads as a fenced code block, as in Markdown: its lines, blank ones
    included, are an example, not a run-on sentence that routing examples are drawn from."""
    project = write_data(
        tmp_path / "project",
        {
            "manifest.html": "<html><head><title>Manifest</title></head><body><main>"
            "<h1>Manifest</h1><p>Pin a dependency to a version in the manifest like this:</p>"
            '<pre><code>[dependencies]\nserde = "1.0"  # Serialization for the whole workspace.\n\n'
            "[profile.dev]\nopt-level = 1  # Use slightly better optimizations in debug builds.\n"
            "</code></pre><p>The resolver then picks the newest matching version.</p>"
            "</main></body></html>"
        },
    )
    document = read_corpus(project).documents[0]
    sentences = [sentence for section in document.sections for sentence in section.sentences]
    assert sentences == [
        "Pin a dependency to a version in the manifest like this:",
        "The resolver then picks the newest matching version.",
    ]
    assert [section.heading for section in document.sections] == ["Manifest"]
    questions = questions_of(read_corpus(project))
    assert not any("serde" in q or "opt-level" in q or "optimizations" in q for q in questions)


#: A page as DocBook's chunked HTML writes it: a numbered title, the site's name only in the
#: title of the link to its home page, a navigation table over the content.
DOCBOOK_PAGE = """<html><head><title>{number}. {title}</title>
<link rel="home" href="index.html" title="Kettle Documentation {version}">
</head><body><div><table class="nav" summary="Navigation header"><tr>
<th>Kettle User Manual</th></tr></table></div>
<h1 class="title">{number}. {title}</h1>
<h2 class="title">{number}.1. Getting Started with the {title}</h2>
<p>The {title} of the kettle needs a minute of attention every {number} weeks.</p>
</body></html>
"""


def test_a_docbook_manual_is_named_by_its_home_link_and_asks_without_section_numbers(
    tmp_path: Path,
) -> None:
    project = write_data(
        tmp_path / "project",
        {
            f"{name}.html": DOCBOOK_PAGE.format(number=number, title=title, version="3.19")
            for number, (name, title) in enumerate(
                [("spout", "Spout"), ("lid", "Lid Hinge"), ("base", "Heating Base")], start=2
            )
        },
    )
    corpus = read_corpus(project)
    assert derive_topic(corpus).name == "Kettle Documentation"
    assert [d.title for d in corpus.documents] == ["Heating Base", "Lid Hinge", "Spout"]
    questions = questions_of(corpus)
    assert "What should I know about getting started with the lid hinge?" in questions
    assert not any(re.search(r"\d\.", question) for question in questions), questions


#: A node of a texinfo manual as makeinfo writes it: one section a page, the manual's name in
#: brackets after the node's in `<title>`, links to the previous and next nodes above.
TEXINFO_PAGE = """<html><head><title>{title} (kettle: the portable tea appliance)</title>
</head><body><div class="section" id="x"><div class="header"><p>Previous: <a href="a.html"
rel="prev">Lids</a>, Up: <a href="index.html" rel="up">Top</a></p></div>
<h3 class="section">{number} {title}</h3>
<p>The {title} of the kettle is rinsed with warm water after every descaling.</p>
</div></body></html>
"""


def test_a_texinfo_manual_is_named_in_brackets_and_each_page_asks_about_its_node(
    tmp_path: Path,
) -> None:
    project = write_data(
        tmp_path / "project",
        {
            f"{name}.html": TEXINFO_PAGE.format(number=number, title=title)
            for name, number, title in [
                ("Spout", "2.1", "Spout Filter"),
                ("Hinge", "2.2", "Lid Hinge"),
                ("Intro", "1", "Heating Plate"),
            ]
        },
    )
    corpus = read_corpus(project)
    assert derive_topic(corpus).name == "kettle: the portable tea appliance"
    questions = questions_of(corpus)
    assert {
        "What should I know about spout filter?",
        "What should I know about lid hinge?",
        "What should I know about heating plate?",
    } <= questions


def test_a_gtk_doc_entry_titled_with_a_spaced_call_asks_what_the_call_does(
    tmp_path: Path,
) -> None:
    project = write_data(
        tmp_path / "project",
        {
            "kettle-keys.html": "<html><head><title>keys: the key table</title></head><body>"
            "<h2>keys</h2><p>The key table maps every kettle button to its action.</p>"
            "<h3><a name='kettleAddKey'></a>kettleAddKey ()</h3>"
            "<pre>int kettleAddKey (kettle *k, const char *name);</pre>"
            "<p>Registers a new key with the kettle so that pressing it starts a boil.</p>"
            "</body></html>"
        },
    )
    questions = questions_of(read_corpus(project))
    assert "What does kettleAddKey() do in kettle-keys?" in questions


def test_an_api_reference_in_code_asks_what_its_functions_do_and_nothing_of_its_impls(
    tmp_path: Path,
) -> None:
    """rustdoc titles a method's entry with its declaration and lists `impl` blocks and
    associated types as headings: a declared function asks what it does; the rest is code no
    user asks about. A control's label ("Copy item path") is no part of a heading."""
    entries = "".join(
        f"<section><h4 class='code-header'>{heading}</h4><p>{text}</p></section>"
        for heading, text in [
            ("pub fn pop(this: PeekMut&lt;'a, T&gt;) -&gt; T", "Removes the peeked value."),
            ("impl&lt;K, V&gt; BTreeMap&lt;K, V&gt;", "Methods of the ordered map type."),
            ("type Owned = T", "The resulting type after obtaining ownership."),
            ("pub const fn new() -&gt; PeekMut&lt;K, V&gt;", "Makes a new, empty handle."),
        ]
    )
    project = write_data(
        tmp_path / "project",
        {
            "struct.PeekMut.html": "<html><head><title>PeekMut in std - Rust</title></head>"
            "<body><main><h1>Struct PeekMut<button id='copy-path'>Copy item path</button></h1>"
            f"<p>A handle to the greatest item of a binary heap.</p>{entries}</main></body></html>"
        },
    )
    corpus = read_corpus(project)
    assert corpus.documents[0].title == "Struct PeekMut"
    questions = questions_of(corpus)
    assert {
        "What does pop() do in struct.PeekMut?",
        "What does new() do in struct.PeekMut?",
    } <= questions
    assert not any("impl" in q or "Owned" in q or "Copy item" in q for q in questions)


def test_a_readme_heading_that_assigns_a_call_asks_what_the_call_does(tmp_path: Path) -> None:
    project = write_data(
        tmp_path / "project",
        {
            "argparse-lite.md": "# argparse-lite\n\nParses a command line into an object.\n\n"
            "## var argv = parseArgs(args, opts={})\n\n"
            "Return an argument object populated with the array arguments from args.\n"
        },
    )
    questions = questions_of(read_corpus(project))
    assert "What does parseArgs() do in argparse-lite?" in questions
    assert not any("var argv" in question for question in questions)


def test_a_reference_whose_pages_name_no_site_is_named_by_its_home_page(tmp_path: Path) -> None:
    """gtk-doc titles each page by its module ("keys: interface for ..."): no site in common,
    so the home page's title names the collection. A generic one ("Contents") does not."""
    pages = {
        f"kettle-{name}.html": f"<html><head><title>{name}: interface for the {name}</title>"
        f"</head><body><h2>{name}</h2><p>The {name} interface of the kettle library.</p>"
        for name in ("keys", "spouts", "lids")
    }
    home = (
        "<html><head><title>{}</title></head><body><h1>Contents</h1>"
        "<p>The kettle library lets a program boil, pour and descale a kettle.</p>"
    )
    project = write_data(tmp_path / "project", {**pages, "index.html": home.format("Kettle API")})
    assert derive_topic(read_corpus(project)).name == "Kettle API"
    generic = write_data(tmp_path / "generic", {**pages, "index.html": home.format("Contents")})
    assert derive_topic(read_corpus(generic)).name != "Contents"


def test_an_entry_titled_with_its_kind_asks_about_its_name(tmp_path: Path) -> None:
    """libxml2's and libxslt's reference pages title each entry "Function: name" or "Macro:
    NAME": the question is about the name, and what a macro is is not what a call does."""
    entries = "".join(
        f"<h3><a name='{name}'></a>{kind}: {name}</h3><pre>{code}</pre><p>{text}</p>"
        for kind, name, code, text in [
            ("Function", "kettleBoil", "void kettleBoil (kettle *k)", "Boils the water once."),
            (
                "Function type",
                "kettleHook",
                "typedef void (*kettleHook)",
                "Called after every boil with its temperature.",
            ),
            ("Macro", "KETTLE_MAX_TEMP", "#define KETTLE_MAX_TEMP", "The hottest it gets."),
        ]
    )
    project = write_data(
        tmp_path / "project",
        {
            "kettle-core.html": "<html><head><title>Module core from kettle</title></head><body>"
            f"<h2>Description</h2><p>The kettle's core calls and limits.</p>{entries}</body></html>"
        },
    )
    questions = questions_of(read_corpus(project))
    assert {
        "What does kettleBoil() do in kettle-core?",
        "What is kettleHook in kettle-core?",
        "What is KETTLE_MAX_TEMP in kettle-core?",
    } <= questions
    assert not any(": " in question for question in questions)


def test_the_heading_an_html_piece_opens_with_is_no_sentence_of_its_section(
    tmp_path: Path,
) -> None:
    project = write_data(
        tmp_path / "project",
        {
            "kettle.html": "<html><body><h3>Macro: KETTLE_MAX_TEMP</h3>"
            "<pre>#define KETTLE_MAX_TEMP 100</pre>"
            "<p>The hottest the kettle lets the water get.</p></body></html>"
        },
    )
    [section] = read_corpus(project).documents[0].sections
    assert section.heading == "Macro: KETTLE_MAX_TEMP"
    assert section.sentences == ("The hottest the kettle lets the water get.",)
