"""The code-assistant template's skills, run through the copilot on a real repository (six).

The project is the template's skills/ and prompts/ plus six's sdist as its code, indexed with
the kit's ingest, so every request goes through routing, the skill, the kit and the proposal
store exactly as `copilot ask` and the editor API run them.
"""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from scaffolder.errors import ActionError, ApprovalError, UsageError
from scaffolder.kit.code.apply import apply_proposal
from scaffolder.kit.code.checks import diff_applies, proposed_code, suite_passes_after
from scaffolder.kit.code.proposals import load_proposal
from scaffolder.kit.copilot import Copilot
from scaffolder.kit.retrieval.ingest import ingest
from scaffolder.kit.retrieval.store import open_store
from scaffolder.kit.routing import evaluate_routing, load_routing_suite
from scaffolder.kit.server.backend import Reply
from scaffolder.kit.settings import CopilotSettings
from scaffolder.kit.turn import ProposedEdit, Target
from tests.conftest import TEMPLATES, add_package, project_copilot
from tests.kit.code.conftest import SIX_TESTS, symbol, unpack_six
from tests.kit.llm.fault_server import FaultServer, answer

TEMPLATE = TEMPLATES / "code_assistant"
PYPROJECT = """[project]
name = "sixbot"
version = "0.1.0"

[tool.copilot]
template = "code-assistant"
package = "sixbot"
app = "sixbot.app:build"
llm_provider = "offline"
embedding_model = "local"
"""


def build_project(tmp_path: Path) -> Path:
    """six's sources as a code-assistant project: the template's skills and prompts, indexed."""
    root = unpack_six(tmp_path)
    for folder in ("skills", "prompts"):
        shutil.copytree(TEMPLATE / folder, root / folder)
    add_package(root, "code_assistant", "sixbot")
    (root / "pyproject.toml").write_text(PYPROJECT)
    settings = CopilotSettings.load(root, env_file=None)
    ingest([root / "six.py"], root, open_store(settings, root))
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return build_project(tmp_path)


@pytest.fixture
def copilot(project: Path) -> Copilot:
    return project_copilot(project)


def at(root: Path, name: str, offset: int = 1) -> dict[str, Any]:
    """An editor context with the cursor `offset` lines into six's symbol `name`."""
    line = symbol(root, name).start_line + offset
    return {"file": "six.py", "cursor": {"line": line, "column": 4}, "open_files": ["six.py"]}


def selecting(root: Path, name: str) -> dict[str, Any]:
    found = symbol(root, name)
    return {
        "file": "six.py",
        "cursor": {"line": found.end_line + 1, "column": 0},
        "selection": {
            "start": {"line": found.start_line, "column": 0},
            "end": {"line": found.end_line + 1, "column": 0},
        },
    }


def targeted(reply: Reply) -> Target:
    """The code the turn worked on (the test fails here, with the reply, when there is none)."""
    assert reply.data.result.target is not None, reply.text
    return reply.data.result.target


def proposed(reply: Reply) -> ProposedEdit:
    """The edit the turn proposed (the test fails here, with the reply, when there is none)."""
    assert reply.data.result.proposal is not None, reply.text
    return reply.data.result.proposal


def test_explain_outlines_the_function_at_the_cursor(project: Path, copilot: Copilot) -> None:
    reply = copilot.ask("explain this function", context=at(project, "add_move"))
    assert reply.skill == "explain"
    assert reply.text == (
        "function add_move in six.py (lines 510-512):\n"
        "- def add_move(move): (lines 510-512): Add an item to six.moves."
    )
    assert targeted(reply).symbol == "add_move"
    assert reply.data.result.proposal is None


def test_explain_at_a_cursor_outside_functions_outlines_the_file(
    project: Path, copilot: Copilot
) -> None:
    reply = copilot.ask("explain this", context={"file": "six.py", "cursor": {"line": 1}})
    assert reply.text.startswith("file in six.py (lines 1-998):\nmodule: Utilities for writing")


def test_document_proposes_stubs_and_writes_nothing(project: Path, copilot: Copilot) -> None:
    before = (project / "six.py").read_bytes()
    reply = copilot.ask("document this", context=selecting(project, "assertCountEqual"))
    assert reply.skill == "document"
    proposal = proposed(reply)
    assert proposal.mode == "replace_selection"
    assert proposal.files == ("six.py",)
    assert '+    """TODO: say what assertCountEqual does and why.' in proposal.diff
    assert proposal.diff in reply.text
    assert f"run `copilot apply {proposal.id}`" in reply.text
    saved, _ = load_proposal(proposal.id, project)
    assert saved.diff == proposal.diff and saved.rationale == proposal.rationale
    assert (project / "six.py").read_bytes() == before  # nothing written without approval
    with pytest.raises(ApprovalError, match="was not approved; nothing was written"):
        apply_proposal(saved, project, approved=False)
    assert (project / "six.py").read_bytes() == before


def test_a_follow_up_refers_back_to_the_previous_target(project: Path, copilot: Copilot) -> None:
    copilot.ask("explain this function", "c1", context=at(project, "add_move"))
    # The editor moved on to another function; "it" still means add_move.
    reply = copilot.ask("now add a test for it", "c1", context=at(project, "remove_move"))
    assert reply.skill == "add_test"
    assert reply.data.result.reference == "'it' refers back to the previous turn's target"
    assert targeted(reply).symbol == "add_move"
    proposal, _ = load_proposal(proposed(reply).id, project)
    assert proposal.files == ["test_six.py"]
    assert "+def test_add_move() -> None:" in proposal.diff
    assert "test_remove_move" not in proposal.diff
    assert all(check.ok for check in proposed_code(proposal, project))
    assert all(check.ok for check in diff_applies(proposal, project))


def test_a_follow_up_without_editor_context_uses_the_previous_target(
    project: Path, copilot: Copilot
) -> None:
    copilot.ask("explain this function", "c2", context=at(project, "add_move"))
    reply = copilot.ask("now add a test for it", "c2")
    assert targeted(reply).symbol == "add_move"
    assert reply.data.result.proposal is not None


def test_approved_proposal_applies_and_the_tests_still_pass(
    project: Path, copilot: Copilot
) -> None:
    reply = copilot.ask("document this", context=selecting(project, "assertRegex"))
    proposal, _ = load_proposal(proposed(reply).id, project)
    assert suite_passes_after(proposal, project, SIX_TESTS).ok
    applied = apply_proposal(proposal, project, approved=True)
    assert applied.written == ("six.py",)
    module = ast.parse((project / "six.py").read_text(encoding="utf-8"))
    function = next(
        n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "assertRegex"
    )
    assert (ast.get_docstring(function) or "").startswith("TODO: say what assertRegex does")


def test_a_proposal_against_a_file_edited_since_is_refused(project: Path, copilot: Copilot) -> None:
    reply = copilot.ask("document this", context=selecting(project, "assertRegex"))
    proposal, _ = load_proposal(proposed(reply).id, project)
    edited = (project / "six.py").read_text(encoding="utf-8") + "\n# edited meanwhile\n"
    (project / "six.py").write_text(edited, encoding="utf-8")
    with pytest.raises(ActionError, match=r"six\.py changed since it was proposed"):
        apply_proposal(proposal, project, approved=True)
    assert (project / "six.py").read_text(encoding="utf-8") == edited


def test_refactor_without_a_model_proposes_nothing(project: Path, copilot: Copilot) -> None:
    reply = copilot.ask("refactor this", context=at(project, "remove_move"))
    assert reply.skill == "refactor"
    assert reply.text.startswith("Refactoring needs a model: no edit proposed.")
    assert "function remove_move in six.py" in reply.text
    assert reply.data.result.proposal is None
    assert not (project / ".copilot" / "proposals").exists()


def test_ask_codebase_answers_where_from_the_symbol_index(copilot: Copilot) -> None:
    reply = copilot.ask("where is add_move defined in the codebase?")
    assert reply.skill == "ask_codebase"
    assert reply.data.result.answered_from == "symbol index"
    assert "six.py:" in reply.text  # file and line, no model needed
    assert reply.data.result.cited, reply.text
    cited = reply.cited_sources()
    assert all(source.source == "six.py" for source in cited)
    assert any("def add_move" in source.text for source in cited)


def test_ask_codebase_answers_from_the_index_with_citations(copilot: Copilot) -> None:
    reply = copilot.ask("how does add_move register a moved attribute in the codebase?")
    assert reply.skill == "ask_codebase"
    assert (reply.data.result.prompt or "").startswith("ask_codebase@")
    assert reply.data.result.cited, reply.text
    cited = reply.cited_sources()
    assert all(source.source == "six.py" for source in cited)
    assert any("def add_move" in source.text for source in cited)


def test_scaffold_files_offline_needs_a_tree_and_proposes_new_files(
    project: Path, copilot: Copilot
) -> None:
    refused = copilot.ask("create a new module for the command line interface")
    assert refused.skill == "scaffold_files"
    assert refused.text.startswith("Designing a file layout needs a model")
    tree = "scaffold these files:\n```text\nsixcli/\n  __init__.py\n  main.py\n```"
    reply = copilot.ask(tree)
    assert reply.skill == "scaffold_files", reply.data
    proposal = proposed(reply)
    assert proposal.mode == "create_file"
    assert proposal.files == (
        "sixcli/__init__.py",
        "sixcli/main.py",
    )
    assert not (project / "sixcli").exists()


def test_a_bad_editor_context_is_one_clear_error(copilot: Copilot) -> None:
    with pytest.raises(UsageError, match=r"unknown file 'nope\.py'"):
        copilot.ask("explain this", context={"file": "nope.py"})
    with pytest.raises(UsageError, match="outside the project root"):
        copilot.ask("explain this", context={"file": "../elsewhere/six.py"})


def test_out_of_scope_requests_get_the_template_reply(copilot: Copilot) -> None:
    reply = copilot.ask("What's the weather tomorrow?")
    assert reply.skill == "out_of_scope"
    assert reply.text.startswith("Sorry, I can only help with the code in this repository")


def test_the_template_routing_suite_routes_accurately(copilot: Copilot) -> None:
    report = evaluate_routing(
        copilot.router, load_routing_suite(TEMPLATE / "benchmarks" / "routing.jsonl")
    )
    assert report.accuracy >= 0.9, report.render()
    assert report.followup_accuracy >= 0.9, report.render()


# -- with a model: the real `openai` SDK against a loopback server --------------------------
@pytest.fixture
def with_model(project: Path, model_server: FaultServer) -> Copilot:
    copilot = project_copilot(
        project,
        llm_provider="openai-compatible",
        llm_base_url=model_server.url,
        chat_model="gpt-4o-mini",
    )
    assert copilot.services.settings.effective_provider == "openai-compatible"
    return copilot


REWRITE = '''Here it is:

```python
def remove_move(name):
    """Remove item from six.moves."""
    for owner in (_MovedItems, moves.__dict__):
        try:
            delattr(owner, name) if owner is _MovedItems else owner.pop(name)
            return
        except (AttributeError, KeyError):
            continue
    raise AttributeError("no such move, %r" % (name,))
```
One loop instead of nested handlers.'''


def test_refactor_with_a_model_proposes_its_rewrite(
    project: Path, with_model: Copilot, model_server: FaultServer
) -> None:
    model_server.script(answer(REWRITE))
    reply = with_model.ask("refactor this", context=at(project, "remove_move"))
    sent = model_server.requests[-1]
    assert "def remove_move(name):" in json.dumps(sent["messages"])
    proposal, _ = load_proposal(proposed(reply).id, project)
    assert proposal.edits[0].mode == "replace_selection"
    assert "+    for owner in (_MovedItems, moves.__dict__):" in proposal.diff
    assert all(check.ok for check in proposed_code(proposal, project))
    assert suite_passes_after(proposal, project, SIX_TESTS).ok


def test_refactor_with_a_model_refuses_truncated_code(
    project: Path, with_model: Copilot, model_server: FaultServer
) -> None:
    model_server.script(answer("```python\ndef remove_move(name):\n    # rest of the code\n```"))
    reply = with_model.ask("refactor this", context=at(project, "remove_move"))
    assert "failed the checks" in reply.text and "placeholder" in reply.text
    assert reply.data.result.proposal is None


def test_explain_with_a_model_uses_the_explain_prompt(
    project: Path, with_model: Copilot, model_server: FaultServer
) -> None:
    model_server.script(answer("It adds `move` to `six.moves`."))
    reply = with_model.ask("explain this function", context=at(project, "add_move"))
    assert reply.text == "It adds `move` to `six.moves`."
    assert "setattr(_MovedItems, move.name, move)" in json.dumps(model_server.requests[-1])
