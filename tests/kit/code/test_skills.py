from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from scaffolder.kit.code.apply import apply_proposal
from scaffolder.kit.code.checks import diff_applies, proposed_code, suite_passes_after
from scaffolder.kit.code.context import EditorContext, Position
from scaffolder.kit.code.offline_skills import add_test, document, explain, refactor
from scaffolder.kit.code.references import resolve_reference
from tests.kit.code.conftest import SIX_TESTS, cursor_in, imports_six, selecting


def test_explain_outlines_the_selection_with_docstrings(six_repo: Path) -> None:
    view = selecting(six_repo, "add_move", "remove_move")
    result = explain(view)
    assert result.proposal is None
    assert "- def add_move(move): (lines 510-512): Add an item to six.moves." in result.text
    assert "- def remove_move(name): (lines 515-523): Remove item from six.moves." in result.text


def test_explain_a_whole_file_starts_with_the_module_docstring(six_repo: Path) -> None:
    result = explain(EditorContext("six.py", Position(1)).bind(six_repo))
    assert result.text.startswith("file in six.py (lines 1-998):\nmodule: Utilities for writing")
    assert "  - def find_spec(self, fullname, path, target=None):" in result.text


def test_document_writes_stubs_for_the_selected_functions(six_repo: Path) -> None:
    view = selecting(six_repo, "assertCountEqual", "assertNotRegex")
    result = document(view)
    proposal = result.proposal
    assert proposal is not None
    (edit,) = proposal.edits
    assert edit.mode == "replace_selection"
    assert (edit.start_line, edit.end_line) == view.focus
    assert "replace_selection, not insert_below" in proposal.rationale
    assert '+    """TODO: say what assertCountEqual does and why.' in proposal.diff
    assert "+        *args: TODO." in proposal.diff
    assert "+    Returns:" in proposal.diff
    assert all(check.ok for check in proposed_code(proposal, six_repo)), proposed_code(
        proposal, six_repo
    )
    assert all(check.ok for check in diff_applies(proposal, six_repo))
    assert suite_passes_after(proposal, six_repo, SIX_TESTS).ok

    apply_proposal(proposal, six_repo, approved=True)
    module = ast.parse((six_repo / "six.py").read_text(encoding="utf-8"))
    documented = {
        node.name: ast.get_docstring(node)
        for node in module.body
        if isinstance(node, ast.FunctionDef)
    }
    assert documented["assertRegex"] == (
        "TODO: say what assertRegex does and why.\n\nArgs:\n    self: TODO.\n    *args: TODO.\n"
        "    **kwargs: TODO.\n\nReturns:\n    TODO."
    )
    assert imports_six(six_repo, "import six; print(six.assertRegex.__doc__ is not None)") == "True"


def test_document_annotations_and_raises_and_nothing_to_do(six_repo: Path) -> None:
    source = (
        "class Box:\n"
        "    def put(self, item: str, *, force: bool = False) -> int:\n"
        "        if not item:\n"
        "            raise ValueError(item)\n"
        "        return 1\n"
    )
    (six_repo / "box.py").write_text(source)
    view = EditorContext("box.py", Position(3, 8)).bind(six_repo)
    proposal = document(view).proposal
    assert proposal is not None
    assert (proposal.edits[0].start_line, proposal.edits[0].end_line) == (2, 5)
    assert proposal.edits[0].new_text == (
        "    def put(self, item: str, *, force: bool = False) -> int:\n"
        '        """TODO: say what put does and why.\n\n'
        "        Args:\n            item (str): TODO.\n            force (bool): TODO.\n\n"
        "        Returns:\n            int: TODO.\n\n"
        "        Raises:\n            ValueError: TODO: when.\n"
        '        """\n'
        "        if not item:\n            raise ValueError(item)\n        return 1\n"
    )
    documented = cursor_in(six_repo, "add_move")
    result = document(documented)
    assert result.proposal is None
    assert result.text.startswith("every function in function add_move")


def test_add_test_inserts_into_six_own_test_file_and_its_suite_passes(six_repo: Path) -> None:
    view = cursor_in(six_repo, "ensure_str")
    result = add_test(view)
    proposal = result.proposal
    assert proposal is not None and proposal.files == ["test_six.py"]
    assert {edit.mode for edit in proposal.edits} == {"insert_below"}
    assert "insert_below, not create_file" in proposal.rationale
    # test_six.py already tests most of six; only the untested public functions get skeletons.
    assert "+def test_add_move() -> None:" in proposal.diff
    assert (
        "+    assert list(inspect.signature(six.add_move).parameters) == ['move']" in proposal.diff
    )
    assert "test_ensure_str" not in proposal.diff  # a method of a test class already
    assert "test_with_metaclass" not in proposal.diff
    assert "+import inspect" in proposal.diff
    assert all(check.ok for check in diff_applies(proposal, six_repo))
    assert all(check.ok for check in proposed_code(proposal, six_repo))
    apply_proposal(proposal, six_repo, approved=True)
    done = subprocess.run(SIX_TESTS, cwd=six_repo, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-2000:]
    ran = subprocess.run(
        [*SIX_TESTS, "-k", "test_add_move"], cwd=six_repo, capture_output=True, text=True
    )
    assert "1 passed" in ran.stdout, ran.stdout[-2000:]


def test_add_test_creates_a_test_file_when_there_is_none(six_repo: Path) -> None:
    (six_repo / "test_six.py").unlink()
    view = cursor_in(six_repo, "with_metaclass")
    function_only = add_test(view, resolve_reference("add a test for it", view).target)
    assert function_only.proposal is not None
    assert function_only.proposal.edits[0].new_text.count("def test_") == 1
    proposal = add_test(view).proposal
    assert proposal is not None
    (edit,) = proposal.edits
    assert (edit.file, edit.mode) == ("tests/test_six.py", "create_file")
    assert "assert list(inspect.signature(six.ensure_binary).parameters) == " in edit.new_text
    assert "['s', 'encoding', 'errors']" in edit.new_text
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"]
    outcome = suite_passes_after(proposal, six_repo, command, env={"PYTHONPATH": "{root}"})
    assert outcome.ok, outcome.detail
    assert "passed" in outcome.detail
    assert not (six_repo / "tests").exists()  # the check ran on a copy


def test_refactor_says_a_model_is_needed_and_proposes_nothing(six_repo: Path) -> None:
    result = refactor(cursor_in(six_repo, "ensure_text"))
    assert result.proposal is None
    assert result.text.startswith("Refactoring needs a model: no edit proposed.")
    assert "function ensure_text in six.py" in result.text


def test_offline_skills_on_a_file_that_is_not_python(six_repo: Path) -> None:
    shutil.copy(six_repo / "README.rst", six_repo / "notes.txt")
    view = EditorContext("notes.txt", Position(1)).bind(six_repo)
    assert "a model is needed" in document(view).text
    assert "a model is needed" in add_test(view).text
    assert explain(view).text.startswith("file in notes.txt")
