from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.code.context import EditorContext, Position, Selection
from scaffolder.kit.code.references import resolve_reference
from scaffolder.kit.turn import Target
from tests.kit.code.conftest import cursor_in, selecting, symbol


def test_context_from_editor_json_binds_to_a_real_file(six_repo: Path) -> None:
    start = symbol(six_repo, "with_metaclass").start_line
    context = EditorContext.from_dict({
        "file": "six.py",
        "cursor": {"line": start, "column": 4},
        "selection": {"start": {"line": start, "column": 4}, "end": {"line": start, "column": 18}},
        "open_files": ["test_six.py"],
    })  # fmt: skip
    view = context.bind(six_repo)
    assert view.selected_text() == "with_metaclass"
    assert EditorContext.from_dict(context.to_dict()) == context
    around = view.enclosing()
    assert around is not None and around.qualname == "with_metaclass"
    assert around.kind == "function"


def test_enclosing_symbol_of_a_cursor_in_a_method(six_repo: Path) -> None:
    view = cursor_in(six_repo, "_SixMetaPathImporter.find_spec")
    method = view.enclosing()
    assert method is not None and method.qualname == "_SixMetaPathImporter.find_spec"
    assert method.kind == "method"
    cls = view.enclosing(["class"])
    assert cls is not None and cls.qualname == "_SixMetaPathImporter"


def test_enclosing_block_in_a_file_that_is_not_python(six_repo: Path) -> None:
    text = (six_repo / "CHANGES").read_text(encoding="utf-8")
    line = text.splitlines().index("1.16.0") + 1
    view = EditorContext("CHANGES", Position(line + 3)).bind(six_repo)
    block = view.enclosing()
    assert block is not None and block.kind == "block"
    assert (block.start_line, block.end_line) == (line + 3, line + 4)


def test_snapshot_text_is_used_instead_of_the_file(six_repo: Path) -> None:
    snapshot = "def unsaved(x: int) -> int:\n    return x\n"
    view = EditorContext("six.py", Position(2, 4), text=snapshot).bind(six_repo)
    assert view.lines == ["def unsaved(x: int) -> int:", "    return x"]
    found = view.enclosing()
    assert found is not None and found.name == "unsaved"


@pytest.mark.parametrize(
    ("context", "message"),
    [
        (EditorContext("nope.py", Position(1)), "unknown file 'nope.py'"),
        (EditorContext("../six.py", Position(1)), "is outside the project root"),
        (EditorContext("six.py", Position(5000)), "cursor line 5000 is outside six.py (1-999)"),
        (EditorContext("six.py", Position(1, 500)), "cursor column 500 is outside line 1"),
        (
            EditorContext("six.py", Position(1), Selection(Position(10), Position(2000))),
            "selection end line 2000 is outside six.py",
        ),
        (
            EditorContext("six.py", Position(1), Selection(Position(10), Position(3))),
            "selection in six.py ends before it starts",
        ),
        (EditorContext("six.py", Position(1), open_files=("/etc/passwd",)), "outside"),
    ],
)
def test_bad_contexts_are_refused_with_the_reason(
    six_repo: Path, context: EditorContext, message: str
) -> None:
    with pytest.raises(UsageError, match="^.*" + message.replace("(", r"\(").replace(")", r"\)")):
        context.bind(six_repo)


@pytest.mark.parametrize(
    "data",
    [{}, {"file": 3}, {"file": "a.py", "cursor": {"line": "1"}}, {"file": "a.py", "text": 5}],
)
def test_bad_editor_json_is_a_usage_error(data: dict[str, object]) -> None:
    with pytest.raises(UsageError, match="bad editor context"):
        EditorContext.from_dict(data)


def test_this_with_a_selection_means_the_selection(six_repo: Path) -> None:
    view = selecting(six_repo, "ensure_binary", "ensure_text")
    found = resolve_reference("refactor this", view)
    assert found.target.kind == "selection"
    assert (found.target.start_line, found.target.end_line) == view.focus
    assert found.reason == "'this' means the selected lines"


def test_it_refers_back_to_the_previous_turn(six_repo: Path) -> None:
    view = cursor_in(six_repo, "ensure_str")
    previous = Target("six.py", 856, 877, "with_metaclass", "function")
    found = resolve_reference("add a test for it", view, previous)
    assert found.target == previous
    assert "previous turn" in found.reason
    without = resolve_reference("add a test for it", view)
    assert without.target.symbol == "ensure_str"
    assert without.reason == "'it' with no earlier target: the function around the cursor"


def test_that_function_from_inside_a_method_and_this_class(six_repo: Path) -> None:
    view = cursor_in(six_repo, "_SixMetaPathImporter.find_spec")
    function = resolve_reference("document that function", view)
    assert function.target.symbol == "_SixMetaPathImporter.find_spec"
    cls = resolve_reference("explain this class", view)
    assert cls.target.symbol == "_SixMetaPathImporter"
    assert cls.target.kind == "class"
    # A previous target that is a class is not what "that function" means.
    previous = Target("six.py", 1, 5, "Other", "class")
    assert resolve_reference("document that function", view, previous).target.kind == "method"


def test_a_named_symbol_wins_and_plain_words_are_not_names(six_repo: Path) -> None:
    view = cursor_in(six_repo, "ensure_str")
    named = resolve_reference("document `add_metaclass` please", view)
    assert named.target.symbol == "add_metaclass"
    assert named.reason == "the request names function add_metaclass"
    assert resolve_reference("now the function remove_move", view).target.symbol == "remove_move"
    whole = resolve_reference("explain this file", view)
    assert whole.target.kind == "file" and whole.target.start_line == 1


@pytest.mark.parametrize(
    "name", [".git/config", ".GIT/config", "sub/../.git/HEAD", ".copilot/audit.jsonl", ".env",
             ".env.production"],
)  # fmt: skip
def test_private_files_are_never_editor_context(six_repo: Path, name: str) -> None:
    """A `.git/config` can hold a remote URL with a token and `.env` holds keys: an editor
    (or a client of the editor API) cannot make the copilot read them into a prompt."""
    for folder in (".git", ".copilot"):
        (six_repo / folder).mkdir(exist_ok=True)
    for private in (".git/config", ".git/HEAD", ".copilot/audit.jsonl", ".env", ".env.production"):
        (six_repo / private).write_text("token = s3cret\n")
    with pytest.raises(UsageError, match="not readable as editor context"):
        EditorContext(name, Position(1)).bind(six_repo)
    with pytest.raises(UsageError, match="not readable as editor context"):
        EditorContext("six.py", Position(1), open_files=(name,)).bind(six_repo)
