"""New files from a model's answer: an ASCII file tree plus, optionally, a code block per file.

Why parse rather than ask for JSON: models write file trees and fenced code well unprompted
(see `scaffolder.kit.llm.parsers`). A code block belongs to a file of the tree when the file's
path is in the fence's info string (```python src/app.py), on the line just before the fence
(`src/app.py:`, **`src/app.py`**), or in a comment on the block's first line (`# src/app.py`).
Files without a block are created empty. Everything becomes one proposal of create_file edits,
so the whole layout is approved and written at once, or not at all. Paths are checked before
anything is proposed: absolute paths and `..` that would leave the root are refused.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from scaffolder.errors import UsageError
from scaffolder.kit.code.offline_skills import SkillResult
from scaffolder.kit.code.proposals import Edit, propose
from scaffolder.kit.llm.parsers import code_blocks, parse_file_tree, paths

_NAME_MARKS = re.compile(r"^[\s#/*`'\"<!>-]*|[\s:*`'\"->]*$")


def scaffold_files(answer: str, root: Path, *, source: str = "scaffold") -> SkillResult:
    """A create_file proposal for every file of the tree in `answer`; see the module doc.

    Raises `UsageError` when `answer` holds no tree, a path escapes `root`, or a file exists.
    """
    try:
        tree = parse_file_tree(answer)
    except ValueError as error:
        raise UsageError(f"no file tree to scaffold: {error}") from error
    files = [path for path in paths(tree) if not path.endswith("/")]
    for path in files:
        _check_relative(path)
    contents = _contents(answer, files)
    edits = [Edit(path, "create_file", contents.get(path, "")) for path in files]
    if not edits:
        raise UsageError("the file tree names only directories; nothing to create")
    with_code = sum(1 for path in files if path in contents)
    rationale = (
        f"Creates {len(files)} file(s) from the tree ({with_code} with code from the answer, "
        "the rest empty). create_file, never an edit: scaffolding adds files, and refuses to "
        "touch any that exist."
    )
    proposal = propose(root, edits, rationale=rationale, source=source)
    return SkillResult(f"Proposed {len(files)} new file(s).", proposal)


def _check_relative(path: str) -> None:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or path.startswith("~"):
        raise UsageError(f"refusing to scaffold {path!r}: it points outside the project root")


def _contents(answer: str, files: list[str]) -> dict[str, str]:
    """File path -> code, for blocks that can be matched to a file of the tree."""
    lines = answer.splitlines()
    fences = [i for i, line in enumerate(lines) if line.lstrip().startswith(("```", "~~~"))]
    contents: dict[str, str] = {}
    blocks = code_blocks(answer)
    opening_lines = _opening_lines(lines, fences, len(blocks))
    for block, opening in zip(blocks, opening_lines, strict=False):
        if _is_tree(block.code, block.language):
            continue
        before = next((lines[i] for i in range(opening - 1, -1, -1) if lines[i].strip()), "")
        first = block.code.splitlines()[0] if block.code else ""
        candidates = [
            *block.info.split()[1:],
            _NAME_MARKS.sub("", before),
            _NAME_MARKS.sub("", first),
        ]
        path = next((_match(c, files) for c in candidates if _match(c, files)), None)
        if path is None or path in contents:
            continue
        code = block.code
        if _NAME_MARKS.sub("", first) == path or _match(_NAME_MARKS.sub("", first), files) == path:
            code = "\n".join(block.code.splitlines()[1:])  # drop the `# path` comment line
        contents[path] = code + "\n" if code else ""
    return contents


def _is_tree(code: str, language: str) -> bool:
    connectors = ("├", "└", "|--", "`--", "+--")
    return language in ("tree", "text") or any(mark in code for mark in connectors)


def _opening_lines(lines: list[str], fences: list[int], count: int) -> list[int]:
    """The line index of each block's opening fence (alternate fences open and close)."""
    openings: list[int] = []
    index = 0
    while index < len(fences) and len(openings) < count:
        openings.append(fences[index])
        index += 2
    return openings


def _match(candidate: str, files: list[str]) -> str | None:
    """The tree path `candidate` names: exactly, or as the unique path ending with it."""
    candidate = candidate.strip().removeprefix("./")
    if not candidate or " " in candidate:
        return None
    if candidate in files:
        return candidate
    ending = [f for f in files if f.endswith("/" + candidate)]
    return ending[0] if len(ending) == 1 else None
