"""`copilot agent`: the code agent stops on success, on a limit and on a loop, with the reason.

The kit-level `run_code_agent` (what the command calls) is driven by a scripted model; the
command itself is run against the real `openai` SDK and a loopback server, and with the
offline provider, which it refuses in one line.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from scaffolder.kit.agents.guards import Limits
from scaffolder.kit.code.agent import run_code_agent
from scaffolder.kit.code.proposals import load_proposal
from tests.cli.conftest import Invoke
from tests.conftest import ChangeDir
from tests.kit.agents.scripted import ScriptedModel, call, done
from tests.kit.llm.fault_server import FaultServer, answer

TESTS = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_calc.py"]
FIX = call(
    "propose_edit", file="calc.py", mode="replace_selection", start_line=2, end_line=2,
    new_text="    return a + b", rationale="add adds",
)  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with a bug and the test that catches it."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (root / "test_calc.py").write_text("from calc import add\n\n\ndef test_add():\n"
                                       "    assert add(2, 3) == 5\n")  # fmt: skip
    return root


def approve_all(what: str, detail: str) -> bool:
    return True


def test_it_stops_when_the_tests_pass(repo: Path) -> None:
    asked: list[str] = []

    def approve(what: str, detail: str) -> bool:
        asked.append(what)
        return True

    model = ScriptedModel([call("run_tests"), call("read_file", path="calc.py"), FIX,
                           call("run_tests")])  # fmt: skip
    result = run_code_agent("make the tests pass", repo, model, approve, test_command=TESTS)
    assert result.succeeded, result.trace.render()
    assert (result.reason, result.steps) == ("succeeded", 4)
    assert "return a + b" in (repo / "calc.py").read_text()
    assert asked[0] == "run " + " ".join(TESTS)
    assert asked[1].startswith("edit calc.py (e")
    rendered = result.trace.render().splitlines()
    assert rendered[0].startswith('step  1  run_tests() -> "tests FAILED (exit 1)')
    assert rendered[-1] == "succeeded: every success check passed"
    events = [json.loads(line)["event"] for line in (repo / ".copilot" / "audit.jsonl").open()]
    # The first test run fails (logged as failed), the edit and the second run succeed.
    assert events == ["proposed", "approved", "failed"] + ["proposed", "approved", "executed"] * 2


def test_a_claim_of_success_before_the_tests_pass_is_rejected(repo: Path) -> None:
    model = ScriptedModel([FIX, done("fixed it"), call("run_tests")])
    result = run_code_agent("fix add", repo, model, approve_all, test_command=TESTS)
    assert result.succeeded
    claim = result.trace.steps[1]
    assert claim.kind == "claim"
    assert claim.observation == "rejected, failing: the tests pass"


def test_it_stops_at_the_step_limit(repo: Path) -> None:
    model = ScriptedModel(
        [call("read_file", path="calc.py"), call("read_file", path="test_calc.py")]
    )
    result = run_code_agent(
        "fix add", repo, model, approve_all, test_command=TESTS, limits=Limits(max_steps=2)
    )
    assert result.reason == "step_limit"
    assert result.steps == 2
    assert "stopped (step_limit)" in result.trace.render()


def test_it_stops_on_a_loop(repo: Path) -> None:
    model = ScriptedModel([call("read_file", path="calc.py")])
    result = run_code_agent("fix add", repo, model, approve_all, test_command=TESTS)
    assert result.reason == "repeated_action"
    assert result.steps == 3
    assert result.detail == "read_file was called with the same arguments 3 times in a row"


def test_a_rejected_edit_writes_nothing(repo: Path) -> None:
    model = ScriptedModel([FIX, call("read_file", path="calc.py")])
    result = run_code_agent(
        "fix add", repo, model, lambda what, detail: False, test_command=TESTS,
        limits=Limits(max_steps=2),
    )  # fmt: skip
    assert result.trace.steps[0].observation.endswith("nothing was written")
    assert (repo / "calc.py").read_text() == "def add(a, b):\n    return a - b\n"
    proposal_id = result.trace.steps[0].observation.split()[3].rstrip(";")
    proposal, _ = load_proposal(proposal_id, repo)
    assert proposal.status == "proposed"


def test_tests_run_only_when_allowed(repo: Path) -> None:
    model = ScriptedModel([call("run_tests")])
    result = run_code_agent(
        "fix add", repo, model, lambda what, detail: False, test_command=TESTS,
        limits=Limits(max_steps=1),
    )  # fmt: skip
    assert result.trace.steps[0].observation == "the user did not allow running the tests"


# -- the command ---------------------------------------------------------------------------
def project(repo: Path, provider: str, extra: str = "") -> None:
    (repo / "pyproject.toml").write_text(
        f'[tool.copilot]\ntemplate = "code-assistant"\nllm_provider = "{provider}"\n'
        f'embedding_model = "local"\n{extra}\n[tool.copilot.agent]\n'
        f"test_command = {json.dumps(TESTS)}\n"
    )


def test_the_command_refuses_the_offline_provider(
    copilot: Invoke, repo: Path, chdir: ChangeDir
) -> None:
    project(repo, "offline")
    chdir(repo)
    result = copilot("agent", "fix add", "--yes")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: agent mode needs a model, and calls go to the offline provider (llm_provider "
        "is offline); set OPENAI_API_KEY (or see .env.example)"
    ]


def test_the_command_runs_the_agent_with_a_model(
    copilot: Invoke, repo: Path, chdir: ChangeDir, model_server: FaultServer
) -> None:
    project(repo, "openai-compatible", f'llm_base_url = "{model_server.url}"')
    model_server.script(answer(FIX), answer(call("run_tests")))
    chdir(repo)
    result = copilot("agent", "fix add", "--yes", "--trace")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith('step  1  propose_edit(file="calc.py"')
    assert lines[-2] == "succeeded: every success check passed"
    assert "return a + b" in (repo / "calc.py").read_text()


def test_the_command_says_why_it_stopped(
    copilot: Invoke, repo: Path, chdir: ChangeDir, model_server: FaultServer
) -> None:
    project(repo, "openai-compatible", f'llm_base_url = "{model_server.url}"')
    model_server.script(*[answer(call("read_file", path="calc.py"))] * 3)
    chdir(repo)
    result = copilot("agent", "fix add", "--yes", "--max-steps", "5")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "stopped (repeated_action): read_file was called with the same arguments 3 times in a row"
    )
