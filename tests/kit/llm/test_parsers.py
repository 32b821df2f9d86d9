"""Parsers for file trees, code fences, markdown lists and tables, on the shapes models write."""

from __future__ import annotations

import pytest

from scaffolder.kit.llm.parsers import (
    CodeBlock,
    FileTreeNode,
    ListItem,
    code_blocks,
    parse_file_tree,
    parse_list,
    parse_table,
    paths,
)

# --- file trees -----------------------------------------------------------------------------

TREE_COMMAND = """\
.
├── README.md
├── src
│   ├── app
│   │   ├── __init__.py
│   │   └── main.py
│   └── util.py
└── tests
    └── test_main.py

3 directories, 5 files
"""

TREE_PATHS = [
    "README.md",
    "src/",
    "src/app/",
    "src/app/__init__.py",
    "src/app/main.py",
    "src/util.py",
    "tests/",
    "tests/test_main.py",
]


def test_tree_command_output_with_unicode_and_a_dot_root() -> None:
    assert parse_file_tree(TREE_COMMAND) == FileTreeNode(
        "",
        (
            FileTreeNode("README.md"),
            FileTreeNode(
                "src",
                (
                    FileTreeNode(
                        "app", (FileTreeNode("__init__.py"), FileTreeNode("main.py")), is_dir=True
                    ),
                    FileTreeNode("util.py"),
                ),
                is_dir=True,
            ),
            FileTreeNode("tests", (FileTreeNode("test_main.py"),), is_dir=True),
        ),
        is_dir=True,
    )


def test_tree_command_output_with_non_breaking_spaces() -> None:
    # `tree` pads with U+00A0 in some locales: "│\xa0\xa0 ├── ".
    text = TREE_COMMAND.replace("│   ", "│\xa0\xa0 ")
    assert paths(parse_file_tree(text)) == TREE_PATHS


def test_ascii_pipe_dash_dialect() -> None:
    text = """\
.
|-- README.md
|-- src
|   |-- app
|   |   |-- __init__.py
|   |   `-- main.py
|   `-- util.py
`-- tests
    `-- test_main.py
"""
    assert paths(parse_file_tree(text)) == TREE_PATHS


def test_ascii_plus_and_backslash_dialect() -> None:
    text = """\
+-- README.md
+-- src/
|   +-- app/
|   |   +-- __init__.py
|   |   \\-- main.py
|   \\-- util.py
\\-- tests/
    \\-- test_main.py
"""
    assert paths(parse_file_tree(text)) == TREE_PATHS


@pytest.mark.parametrize(
    "text",
    [
        "README.md\nsrc/\n  app/\n    __init__.py\n    main.py\n  util.py\ntests/\n  test_main.py",
        "README.md\nsrc/\n    app/\n        __init__.py\n        main.py\n    util.py\n"
        "tests/\n    test_main.py",
        "README.md\nsrc/\n\tapp/\n\t\t__init__.py\n\t\tmain.py\n\tutil.py\ntests/\n\ttest_main.py",
    ],
    ids=["two-spaces", "four-spaces", "tabs"],
)
def test_plain_indentation(text: str) -> None:
    assert paths(parse_file_tree(text)) == TREE_PATHS


def test_a_node_with_children_is_a_directory_without_a_slash() -> None:
    tree = parse_file_tree("docs\n  index.md\nMakefile")
    assert tree.children == (
        FileTreeNode("docs", (FileTreeNode("index.md"),), is_dir=True),
        FileTreeNode("Makefile"),
    )


def test_empty_directory_marked_by_a_slash() -> None:
    assert paths(parse_file_tree("├── data/\n└── run.py")) == ["data/", "run.py"]


def test_named_root_line_stays_the_top_directory() -> None:
    text = "myproject/\n├── pyproject.toml\n└── src/\n    └── main.py\n"
    assert paths(parse_file_tree(text)) == [
        "myproject/",
        "myproject/pyproject.toml",
        "myproject/src/",
        "myproject/src/main.py",
    ]


def test_inline_comments_and_comment_lines_are_dropped() -> None:
    text = """\
# the package, with comments
app/                 # the package
├── main.py          # entry point
├── config.py  # settings #1
├── c#.txt
└── # more to come
"""
    assert paths(parse_file_tree(text)) == ["app/", "app/main.py", "app/config.py", "app/c#.txt"]


def test_tree_fenced_in_prose() -> None:
    text = """\
Here is the layout I suggest:

```text
bot/
├── prompts/
│   └── system.md
└── app.py
```

Then run `pip install -e .` and you are done.
"""
    assert paths(parse_file_tree(text)) == [
        "bot/",
        "bot/prompts/",
        "bot/prompts/system.md",
        "bot/app.py",
    ]


def test_indented_tree_fenced_in_prose_after_other_code() -> None:
    text = """\
Install first:

```bash
pip install bot
```

Layout:

```
bot/
  app.py  # the entry point
  # prompts live here
  prompts/
    system.md
```
"""
    assert paths(parse_file_tree(text)) == [
        "bot/",
        "bot/app.py",
        "bot/prompts/",
        "bot/prompts/system.md",
    ]


def test_unfenced_tree_between_prose_lines() -> None:
    text = """\
The structure looks like this:
├── app.py
└── lib/
    └── helpers.py
Let me know if you need more.
"""
    assert paths(parse_file_tree(text)) == ["app.py", "lib/", "lib/helpers.py"]


def test_unfenced_tree_takes_a_path_like_line_above_as_root() -> None:
    text = "Layout:\nsvc\n├── a.py\n└── b.py\nDone."
    assert paths(parse_file_tree(text)) == ["svc/", "svc/a.py", "svc/b.py"]


def test_uneven_connector_widths_still_nest() -> None:
    text = "├─ a/\n│  ├─ b.py\n│  └─ c/\n│     └─ d.py\n└─ e.py"
    assert paths(parse_file_tree(text)) == ["a/", "a/b.py", "a/c/", "a/c/d.py", "e.py"]


def test_text_without_a_tree_raises() -> None:
    with pytest.raises(ValueError, match="no file tree"):
        parse_file_tree("```\n# only a comment\n\n```")


# --- code blocks ----------------------------------------------------------------------------


def test_code_blocks_with_both_fence_kinds_and_info_strings() -> None:
    text = "Intro\n```python title=app.py\nprint('hi')\n```\ntext\n~~~\nplain\n~~~\n"
    assert code_blocks(text) == [
        CodeBlock("python", "print('hi')", "python title=app.py"),
        CodeBlock("", "plain", ""),
    ]


def test_longer_fence_contains_shorter_ones() -> None:
    text = "````markdown\nExample:\n```py\nx = 1\n```\n````\n~~~~\n~~~\n```\n~~~~"
    assert code_blocks(text) == [
        CodeBlock("markdown", "Example:\n```py\nx = 1\n```", "markdown"),
        CodeBlock("", "~~~\n```", ""),
    ]


def test_unterminated_final_fence_runs_to_the_end() -> None:
    assert code_blocks('```json\n{"a": 1,\n"b"') == [CodeBlock("json", '{"a": 1,\n"b"', "json")]


def test_indented_fence_dedents_its_content_and_closing_needs_only_the_same_char() -> None:
    text = "  ```sh\n  make\n    make test\n ```  \n```\n~~~ not a close\n```"
    assert code_blocks(text) == [
        CodeBlock("sh", "make\n  make test", "sh"),
        CodeBlock("", "~~~ not a close", ""),
    ]


def test_no_blocks_and_inline_triple_backticks() -> None:
    assert code_blocks("Use ```x``` inline.\nNo fences here.") == []


# --- lists ----------------------------------------------------------------------------------


def test_nested_lists_with_every_marker() -> None:
    text = """\
Plan:

- Setup
  * install deps
  * configure
    + API key
- Build
  1. compile
  2) link
     that is,
     resolve symbols
- Ship

Thanks!
"""
    assert parse_list(text) == [
        ListItem(
            "Setup",
            (
                ListItem("install deps"),
                ListItem("configure", (ListItem("API key"),)),
            ),
        ),
        ListItem(
            "Build",
            (ListItem("compile"), ListItem("link that is, resolve symbols")),
        ),
        ListItem("Ship"),
    ]


def test_ordered_list_with_tab_indentation() -> None:
    assert parse_list("1. a\n\t1. a.1\n2. b") == [ListItem("a", (ListItem("a.1"),)), ListItem("b")]


def test_prose_between_lists_ends_the_item() -> None:
    text = "- one\nSome prose.\n    indented prose\n- two"
    assert parse_list(text) == [ListItem("one"), ListItem("two")]


@pytest.mark.parametrize("text", ["Just prose.", "**bold** text\n---\n-no space"])
def test_text_without_a_list_raises(text: str) -> None:
    with pytest.raises(ValueError, match="no markdown list"):
        parse_list(text)


# --- tables ---------------------------------------------------------------------------------


def test_table_with_alignment_and_escaped_pipes() -> None:
    text = """\
Here are the results:

| Name | Expression | Score |
|:-----|:----------:|------:|
| or   | `a \\| b`  | 0.9   |
| and  | a && b     | 0.75  |

Anything else?
"""
    assert parse_table(text) == [
        {"Name": "or", "Expression": "`a | b`", "Score": "0.9"},
        {"Name": "and", "Expression": "a && b", "Score": "0.75"},
    ]


def test_table_without_outer_pipes_and_ragged_rows() -> None:
    text = "a | b | c\n--- | --- | ---\n1 | 2\n4 | 5 | 6 | 7\n"
    assert parse_table(text) == [
        {"a": "1", "b": "2", "c": ""},
        {"a": "4", "b": "5", "c": "6"},
    ]


def test_header_only_table_has_no_rows() -> None:
    assert parse_table("| a | b |\n| - | - |") == []


@pytest.mark.parametrize(
    "text",
    ["no table", "| a | b |\n| x | y |", "Title\n---\ntext"],
)
def test_text_without_a_table_raises(text: str) -> None:
    with pytest.raises(ValueError, match="no markdown table"):
        parse_table(text)
