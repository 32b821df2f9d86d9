"""`copilot adapt` on a generated qa-rag project whose sample documents were replaced."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scaffolder.scaffold import NewProjectRequest, create_project
from tests.cli.test_new import ci_smoke_script
from tests.conftest import HistoryBuilder
from tests.kit.llm.fault_server import FaultServer, answer, status
from tests.test_generated_projects import project_env, run_copilot, run_project_tests

FIXTURES = Path(__file__).resolve().parent.parent / "kit" / "adapt" / "fixtures"
EXAMPLES = "skills/answer/examples.txt"


def git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=project, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def project(histories: HistoryBuilder, tmp_path: Path, git_identity: None) -> Path:
    """A rendered qa-rag project with the bakery documents instead of the lamp, committed."""
    root = create_project(
        NewProjectRequest("qa-rag", tmp_path / "bakebot"), histories.history()
    ).destination
    shutil.rmtree(root / "data")
    shutil.copytree(FIXTURES / "bakery", root / "data")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "our documents")
    return root


def test_a_dirty_tree_is_refused_with_one_line_and_nothing_written(project: Path) -> None:
    (project / "data" / "notes.md").write_text("# Notes\n\nProofing baskets need flour.\n")
    before = {
        p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts
    }
    ran = run_copilot(project, "adapt")
    assert ran.returncode == 2
    assert ran.stderr.strip().count("\n") == 0 and "uncommitted changes" in ran.stderr
    after = {p: p.read_bytes() for p in project.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert after == before


def test_documents_that_ask_nothing_are_refused_in_one_line_with_nothing_written(
    project: Path,
) -> None:
    shutil.rmtree(project / "data")
    (project / "data").mkdir()
    (project / "data" / "notes.md").write_text("# Notes\n\nSee the other file for details.\n")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "a document with nothing to ask")
    ran = run_copilot(project, "adapt")
    assert ran.returncode == 2
    assert ran.stderr.strip().count("\n") == 0, ran.stderr
    assert "no question could be derived from the 1 document(s) in data/" in ran.stderr
    assert "Traceback" not in ran.stderr
    assert git(project, "status", "--porcelain") == ""


def test_pretend_writes_nothing(project: Path) -> None:
    ran = run_copilot(project, "adapt", "--pretend")
    assert ran.returncode == 0, ran.stderr
    assert "Would write" in ran.stdout
    assert git(project, "status", "--porcelain") == ""


def test_pretend_names_what_it_derives_nothing_from_and_what_it_cannot_read(
    project: Path,
) -> None:
    (project / "data" / "LICENSE").write_text("Permission is granted to bake these recipes.\n")
    (project / "data" / "old.html").write_text(
        '<html><head><meta http-equiv="refresh" content="0; url=starter.html"></head></html>\n'
    )
    git(project, "add", "-A")
    git(project, "commit", "-qm", "a licence and a moved page")
    ran = run_copilot(project, "adapt", "--pretend")
    assert ran.returncode == 0, ran.stderr
    assert (
        "nothing derived from data/LICENSE: a licence (indexed and answered from all the same)"
        in ran.stderr
    )
    assert "not read: data/old.html: a redirect to starter.html, not a page of its own" in (
        ran.stderr
    )


@pytest.mark.slow
def test_adapt_then_the_projects_own_tests_and_bench_pass_and_edits_survive(
    project: Path,
) -> None:
    ran = run_copilot(project, "adapt")
    assert ran.returncode == 0, ran.stderr
    assert "Sourdough handbook" in (project / "skills/out_of_scope/reply.md").read_text()
    for folder in ("skills", "benchmarks", "tests", "data"):
        for path in (project / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                text = path.read_text(encoding="utf-8").lower()
                assert "lumen" not in text and "lamp" not in text, path
    git(project, "add", "-A")
    git(project, "commit", "-qm", "adapt")
    tests = run_project_tests(project)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert run_copilot(project, "ingest").returncode == 0
    bench = run_copilot(project, "bench", "run", "qa")
    assert bench.returncode == 0, bench.stdout + bench.stderr

    # The team edits a derived example and adds a document; adapt keeps the edit.
    examples = (project / EXAMPLES).read_text().splitlines()
    derived = next(line for line in examples if line and not line.startswith("#"))
    edited = derived.rstrip("?") + " in winter?"
    (project / EXAMPLES).write_text(
        "\n".join(edited if line == derived else line for line in examples) + "\n"
    )
    shutil.copy(FIXTURES / "cli" / "tidyfs-config.txt", project / "data" / "rules.txt")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "edit an example, add a document")
    again = run_copilot(project, "adapt")
    assert again.returncode == 0, again.stderr
    assert "kept your edit" in again.stdout
    text = (project / EXAMPLES).read_text()
    assert edited in text and derived not in text.splitlines()
    assert "# from data/rules.txt" in text
    manifest = json.loads((project / "adapt.lock.json").read_text())
    assert "data/rules.txt" in manifest["documents"]
    # Nothing changed since: a third run writes nothing.
    git(project, "add", "-A")
    git(project, "commit", "-qm", "adapt again")
    third = run_copilot(project, "adapt")
    assert third.returncode == 0 and "Nothing to change" in third.stdout, third.stdout


@pytest.mark.slow
def test_adapt_records_a_baseline_the_generated_ci_smoke_accepts(project: Path) -> None:
    """The CI's benchmark smoke compares `bench run qa --limit 5` with benchmarks/baseline.json:
    after adapting, that baseline must hold the new suite's cases (deleting it failed CI)."""
    ran = run_copilot(project, "adapt")
    assert ran.returncode == 0, ran.stderr
    baseline = json.loads((project / "benchmarks/baseline.json").read_text())
    qa = (project / "benchmarks/qa.jsonl").read_text().splitlines()
    ids = [json.loads(line)["id"] for line in qa if '"id"' in line][:5]
    assert [case["case_id"] for case in baseline["cases"]] == ids
    git(project, "add", "-A")
    git(project, "commit", "-qm", "adapt")
    script, env = ci_smoke_script(project)
    smoke = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=project,
        env=project_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert smoke.returncode == 0, smoke.stdout[-3000:] + smoke.stderr[-2000:]
    assert "5 paired cases" in smoke.stdout


def _questions(*written: tuple[str, str, str]) -> str:
    return json.dumps(
        {"questions": [{"question": q, "answer": a, "key_phrase": k} for q, a, k in written]}
    )


def test_with_a_model_adapt_adds_its_questions_only_where_the_document_says_so(
    project: Path, model_server: FaultServer
) -> None:
    """A model writes questions in users' words. A quote the document does not hold drops its
    question, a key phrase the question already says is picked again by the rules, and the
    questions are recorded in the manifest: later runs on the same documents, with a key or
    without, call nothing and change nothing."""
    model = {"OPENAI_API_KEY": "sk-test-adapt", "OPENAI_BASE_URL": model_server.url}
    model_server.script(
        answer(
            _questions(
                (
                    "How long should my dough rise before I shape it?",
                    "Bulk fermentation takes about five hours at 24 degrees.",
                    "five hours",
                ),
                (
                    "Which flour gives the crispiest crust?",
                    "Use bread flour for the crispiest crust.",  # not in the document
                    "bread flour",
                ),
                (
                    "How hot should my oven be?",
                    "Bake the loaf in a covered Dutch oven at 250 degrees for twenty minutes, "
                    "then uncovered at 230 degrees until the crust is deep brown.",
                    "oven",  # asked already: the rules pick the number instead
                ),
            )
        ),
        answer(
            _questions(
                (
                    "How can I tell that my starter is healthy?",
                    "a healthy  starter doubles in volume within six hours of feeding",
                    "doubles",
                )
            )
        ),
    )
    # As after `new --docs`: the rules' questions first, before the project had a key.
    rules = run_copilot(project, "adapt", "--rules-only", **model)
    assert rules.returncode == 0, rules.stderr
    assert model_server.count == 0 and "Model questions" not in rules.stdout
    git(project, "add", "-A")
    git(project, "commit", "-qm", "adapt by rules")
    before = _groups((project / EXAMPLES).read_text())

    ran = run_copilot(project, "adapt", **model)
    assert ran.returncode == 0, ran.stderr
    assert "Model questions: 3 of 4 written kept (1 dropped" in ran.stdout
    assert model_server.count == 2
    system = model_server.requests[0]["messages"][0]["content"]
    assert system.startswith("You write the questions that users would ask")
    assert (
        "Bulk fermentation takes about five hours"
        in model_server.requests[0]["messages"][1]["content"]
    )
    derived = "\n".join((project / path).read_text() for path in (EXAMPLES, "benchmarks/qa.jsonl"))
    # Each document's first question from the model joins its routing examples; the rules'
    # examples stay as they were (the documents did not change).
    examples = _groups((project / EXAMPLES).read_text())
    assert examples["# from data/baking.md"] == [
        *before["# from data/baking.md"],
        "How long should my dough rise before I shape it?",
    ]
    assert examples["# from data/starter.md"] == [
        *before["# from data/starter.md"],
        "How can I tell that my starter is healthy?",
    ]
    assert "crispiest crust" not in derived

    git(project, "add", "-A")
    git(project, "commit", "-qm", "adapt with a model")
    manifest = json.loads((project / "adapt.lock.json").read_text())
    assert [q["question"] for q in manifest["written"]["data/starter.md"]] == [
        "How can I tell that my starter is healthy?"
    ]
    # The documents are unchanged: the recorded questions stand, with a key (no call) or
    # without one (a teammate's run, CI's), and nothing changes.
    again = run_copilot(project, "adapt", **model)
    assert again.returncode == 0, again.stderr
    assert model_server.count == 2
    assert "Nothing to change" in again.stdout, again.stdout
    keyless = run_copilot(project, "adapt")
    assert keyless.returncode == 0, keyless.stderr
    reused = "Model questions taken from adapt.lock.json (their documents were not asked again)"
    assert f"{reused}: 3" in keyless.stdout
    assert "Nothing to change" in keyless.stdout, keyless.stdout


def test_a_model_that_refuses_the_key_leaves_the_rules_questions(
    project: Path, model_server: FaultServer
) -> None:
    """A key the host refuses stops the model's part after one call, with one warning; the
    rules' questions are derived as without a model."""
    model_server.script(status(401))
    ran = run_copilot(project, "adapt", OPENAI_API_KEY="sk-wrong", OPENAI_BASE_URL=model_server.url)
    assert ran.returncode == 0, ran.stderr
    assert model_server.count == 1
    assert "stopped asking the model (data/baking.md:" in ran.stderr
    assert "Model questions: 0 of 0 written kept" in ran.stdout
    assert "# from data/baking.md" in (project / EXAMPLES).read_text()


def _groups(text: str) -> dict[str, list[str]]:
    """The examples file's lines per `# from <document>` group."""
    found: dict[str, list[str]] = {}
    group = ""
    for line in text.splitlines():
        if line.startswith("# from "):
            group = line
        elif line and not line.startswith("#"):
            found.setdefault(group, []).append(line)
    return found


def _cases_of(text: str, document: str) -> list[str]:
    return [line for line in text.splitlines() if f'"sources": ["{document}"]' in line]


def _pydoc(project: Path, *modules: str) -> None:
    """The `python -m pydoc` pages of standard-library modules, as documents in data/."""
    for module in modules:
        page = subprocess.run(
            [sys.executable, "-m", "pydoc", module], capture_output=True, text=True, check=True
        ).stdout
        (project / "data" / f"{module}.txt").write_text(page, encoding="utf-8")


@pytest.mark.slow
def test_adding_a_document_leaves_the_questions_of_the_others_as_they_were(
    project: Path,
) -> None:
    """A new page changes which words are rare in the collection; the pages that did not
    change keep their routing examples, suite questions and key phrases all the same, and a
    run after that (nothing changed) writes nothing, although the suite's check failed some
    questions, which are therefore in no file."""
    shutil.rmtree(project / "data")
    (project / "data").mkdir()
    _pydoc(project, "queue", "sched", "wave", "netrc")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "our reference pages")
    first = run_copilot(project, "adapt")
    assert first.returncode == 0, first.stderr
    git(project, "add", "-A")
    git(project, "commit", "-qm", "adapt")
    examples = _groups((project / EXAMPLES).read_text())
    qa = (project / "benchmarks/qa.jsonl").read_text()
    _pydoc(project, "shelve")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "a page on shelve")
    ran = run_copilot(project, "adapt")
    assert ran.returncode == 0, ran.stderr
    after = _groups((project / EXAMPLES).read_text())
    assert "# from data/shelve.txt" in after
    old = [group for group in examples if group]
    assert old and all(after[group] == examples[group] for group in old)
    qa_after = (project / "benchmarks/qa.jsonl").read_text()
    for module in ("queue", "sched", "wave", "netrc"):
        cases = _cases_of(qa, f"data/{module}.txt")
        assert _cases_of(qa_after, f"data/{module}.txt") == cases
    checked = re.search(r"Suite questions: (\d+) of (\d+) checked passed", ran.stdout)
    assert checked is not None and checked.group(1) != checked.group(2), ran.stdout
    git(project, "add", "-A")
    git(project, "commit", "-qm", "adapt to the new page")
    again = run_copilot(project, "adapt")
    assert again.returncode == 0 and "Nothing to change" in again.stdout, again.stdout
