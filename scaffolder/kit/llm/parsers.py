"""Parsers for formats models write well unprompted: file trees, fenced code, lists, tables.

Forcing JSON on a model costs quality: code gets escaped badly and items go missing as
nesting deepens. Letting the model answer in a format it has seen countless times and parsing
that locally is more reliable, so these parsers accept the variations models really produce
(several tree dialects, sloppy indentation, unterminated fences, prose around the answer).
Each structured parser raises `ValueError` when the text holds none of its format, so a
caller can re-ask instead of silently using an empty result.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from scaffolder.kit.text import closes_fence, fence_opened_by

# --- fenced code blocks -------------------------------------------------------------------


@dataclass(frozen=True)
class CodeBlock:
    """A fenced block: `language` is the first word of the `info` string ("" when absent)."""

    language: str
    code: str
    info: str


def code_blocks(text: str) -> list[CodeBlock]:
    """Every fenced code block in `text`, in order.

    Fences are ``` or ~~~ runs of three or more; a block closes only at a fence of the same
    character that is at least as long, so a ```` block can quote a ``` one. A block left
    open at the end of the text (a truncated answer) runs to the end. `code` has the lines
    between the fences joined by newlines, without a final newline, and loses up to as many
    leading spaces as the opening fence was indented by.
    """
    lines = text.splitlines()
    blocks: list[CodeBlock] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        fence = fence_opened_by(line)
        if fence is None:
            continue
        indent = len(line) - len(line.lstrip(" "))  # at most three: the fence allows no more
        body: list[str] = []
        while index < len(lines) and not closes_fence(lines[index], fence):
            body.append(_dedent(lines[index], indent))
            index += 1
        index += 1  # past the closing fence, when there is one
        info = line.lstrip(" ")[len(fence) :].strip()
        language = info.split(maxsplit=1)[0] if info else ""
        blocks.append(CodeBlock(language=language, code="\n".join(body), info=info))
    return blocks


def _dedent(line: str, width: int) -> str:
    spaces = len(line) - len(line.lstrip(" "))
    return line[min(spaces, width) :]


# --- nesting by indentation, shared by trees and lists -------------------------------------


def _children_by_parent(depths: Sequence[int]) -> dict[int, list[int]]:
    """Indexes of each entry's children, keyed by parent index (-1 for the top level).

    An entry's parent is the nearest earlier entry that is less deep, which copes with
    inconsistent indentation widths as long as deeper means more indented.
    """
    children: dict[int, list[int]] = defaultdict(list)
    stack: list[int] = []
    for index, depth in enumerate(depths):
        while stack and depths[stack[-1]] >= depth:
            stack.pop()
        children[stack[-1] if stack else -1].append(index)
        stack.append(index)
    return children


# --- file trees -----------------------------------------------------------------------------

_TREE_LINE = re.compile(r"^(?P<prefix>[\s│|]*?)(?P<connector>[├└]─+|[|+`\\]-{2,})(?P<name>.*)$")
_BARS_ONLY = re.compile(r"^[\s│|]*$")
_TREE_SUMMARY = re.compile(r"^\s*\d+ director(?:y|ies)(?:, \d+ files?)?\s*$")
_COMMENT = re.compile(r"\s+#.*$")
_TREE_LANGUAGES = frozenset({"", "text", "txt", "plaintext", "plain", "tree"})
_TAB_WIDTH = 4


@dataclass(frozen=True)
class FileTreeNode:
    """An entry of a file tree: a directory if written with a trailing `/` or has children."""

    name: str
    children: tuple[FileTreeNode, ...] = ()
    is_dir: bool = False


def parse_file_tree(text: str) -> FileTreeNode:
    """The file tree in `text`, under a nameless root directory.

    Understands `tree` output (├── └── │), its ASCII forms (|-- `-- +-- \\-- |) and plain
    indentation (spaces or tabs). Inline `# comments` are dropped. A root line of `.` is
    dissolved into its children; a named root line (`myproject/`) stays a directory, so
    paths come out as written. The tree is taken from the first fenced block that holds one;
    outside fences, a tree must use connectors so that prose around it can be told apart
    (the line just before the connectors counts as the root line if it looks like a path).
    Raises `ValueError` if no entry is found.
    """
    lines = [line.expandtabs(_TAB_WIDTH) for line in _tree_lines(text)]
    entries = [entry for entry in map(_tree_entry, lines) if entry is not None]
    if not entries:
        raise ValueError("no file tree found in the text")
    children = _children_by_parent([depth for depth, _ in entries])

    def build(index: int) -> FileTreeNode:
        kids = tuple(build(child) for child in children.get(index, ()))
        written = entries[index][1]
        name = written.rstrip("/") or written
        return FileTreeNode(name, kids, written.endswith("/") or name == "." or bool(kids))

    top: list[FileTreeNode] = []
    for node in (build(index) for index in children[-1]):
        top.extend(node.children if node.name == "." else (node,))
    return FileTreeNode("", tuple(top), is_dir=True)


def paths(tree: FileTreeNode) -> list[str]:
    """Every entry below `tree` as a `/`-separated relative path, in tree order.

    Directories end with `/`, so `["src/", "src/main.py"]` can be created in order.
    """
    result: list[str] = []
    for child in tree.children:
        result.append(f"{child.name}/" if child.is_dir else child.name)
        result.extend(f"{child.name}/{path}" for path in paths(child))
    return result


def _tree_lines(text: str) -> list[str]:
    blocks = code_blocks(text)
    chosen = next((block for block in blocks if _has_connectors(block.code)), None)
    chosen = chosen or next((b for b in blocks if b.language.lower() in _TREE_LANGUAGES), None)
    if chosen is not None:
        return chosen.code.splitlines()
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if _TREE_LINE.match(line)), None)
    if start is None:
        return lines
    end = start
    while end < len(lines) and lines[end].strip() and _in_tree_run(lines[end]):
        end += 1
    root = _COMMENT.sub("", lines[start - 1]).split() if start > 0 else []
    if len(root) == 1 and not root[0].endswith(":"):
        start -= 1  # a single word such as `myproject/` or `.`, not a sentence of prose
    return lines[start:end]


def _in_tree_run(line: str) -> bool:
    return bool(_TREE_LINE.match(line) or _BARS_ONLY.match(line))


def _has_connectors(text: str) -> bool:
    return any(_TREE_LINE.match(line) for line in text.splitlines())


def _tree_entry(line: str) -> tuple[int, str] | None:
    """(depth, name as written) of a tree line, or None for decoration and comments.

    Depth is the column of the connector plus one, so that `├──` lines at column 0 sit below
    a root line written without one; for plain lines it is the indentation.
    """
    if _BARS_ONLY.match(line) or _TREE_SUMMARY.match(line):
        return None
    connected = _TREE_LINE.match(line)
    if connected:
        depth, name = len(connected["prefix"]) + 1, connected["name"]
    else:
        depth, name = len(line) - len(line.lstrip()), line
    name = _COMMENT.sub("", name).strip()
    if not name or name.startswith("#"):
        return None
    return depth, name


# --- markdown lists -------------------------------------------------------------------------

_LIST_ITEM = re.compile(r"^(?P<indent>\s*)(?:[-*+]|\d{1,9}[.)])\s+(?P<text>.*)$")


@dataclass(frozen=True)
class ListItem:
    """A list item's text (continuation lines joined with spaces) and its sub-items."""

    text: str
    children: tuple[ListItem, ...] = ()


def parse_list(text: str) -> list[ListItem]:
    """Every markdown list item in `text` (`-`, `*`, `+`, `1.`, `1)`), nested by indentation.

    A line indented under an item continues it; any other line ends the item, so prose
    between two lists does not leak into them. Raises `ValueError` if there is no item.
    """
    items: list[tuple[int, list[str]]] = []
    continuing = False
    for raw in text.expandtabs(_TAB_WIDTH).splitlines():
        item = _LIST_ITEM.match(raw)
        indent = len(raw) - len(raw.lstrip())
        if item:
            items.append((len(item["indent"]), [item["text"].strip()]))
            continuing = True
        elif continuing and raw.strip() and indent > items[-1][0]:
            items[-1][1].append(raw.strip())
        elif raw.strip():
            continuing = False
    if not items:
        raise ValueError("no markdown list found in the text")
    children = _children_by_parent([indent for indent, _ in items])

    def build(index: int) -> ListItem:
        kids = tuple(build(child) for child in children.get(index, ()))
        return ListItem(" ".join(part for part in items[index][1] if part), kids)

    return [build(index) for index in children[-1]]


# --- markdown tables ------------------------------------------------------------------------

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
_ALIGNMENT_CELL = re.compile(r"^:?-+:?$")


def parse_table(text: str) -> list[dict[str, str]]:
    """The first markdown table in `text`, one dict per body row keyed by the header cells.

    The separator row may carry alignment colons (`:--`, `:-:`, `--:`); outer pipes are
    optional and `\\|` is a literal pipe inside a cell. Short rows are padded with "", extra
    cells dropped. The table ends at the first line without a pipe. Raises `ValueError` if
    there is no header-and-separator pair.
    """
    lines = text.splitlines()
    for index in range(len(lines) - 1):
        header, separator = lines[index], lines[index + 1]
        if "|" not in header or "|" not in separator:
            continue
        if not all(_ALIGNMENT_CELL.match(cell) for cell in _cells(separator)):
            continue
        names = _cells(header)
        rows: list[dict[str, str]] = []
        for line in lines[index + 2 :]:
            if not _UNESCAPED_PIPE.search(line):
                break
            cells = (_cells(line) + [""] * len(names))[: len(names)]
            rows.append(dict(zip(names, cells, strict=True)))
        return rows
    raise ValueError("no markdown table found in the text")


def _cells(line: str) -> list[str]:
    stripped = line.strip()
    parts = _UNESCAPED_PIPE.split(stripped)
    if stripped.startswith("|"):
        parts = parts[1:]
    if len(parts) > 1 and parts[-1] == "":
        parts = parts[:-1]
    return [part.strip().replace("\\|", "|") for part in parts]
