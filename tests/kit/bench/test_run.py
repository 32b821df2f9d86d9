"""The `bench run` use case without the command: suite choice, flag validity, saving, cost
alerts and the verdict, against a real OpenAI-compatible server on loopback."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from scaffolder.errors import BenchError
from scaffolder.kit.app import CopilotApp
from scaffolder.kit.bench.run import RunRequest, bench_app, run_bench
from scaffolder.kit.bench.views import run_json, run_lines, run_notes
from scaffolder.project import read_copilot_table
from tests.kit.bench.conftest import echo_cases, write_cases
from tests.kit.llm.fault_server import FaultServer, status
from tests.kit.routing.conftest import ROUTING_SUITE


class Watching:
    """A watcher that remembers what a person would have seen."""

    def __init__(self) -> None:
        self.notices: list[str] = []
        self.bars: list[tuple[str, int]] = []
        self.ticks = 0

    def notice(self, message: str) -> None:
        self.notices.append(message)

    @contextmanager
    def progress(self, label: str, total: int) -> Iterator[Callable[[], None]]:
        self.bars.append((label, total))

        def tick() -> None:
            self.ticks += 1

        yield tick


@pytest.fixture
def project(tmp_path: Path, model_server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[tool.copilot]\ntemplate = "qa-rag"\nchat_model = "gpt-4o-mini"\n'
        "[tool.copilot.bench]\nconcurrency = 2\n",
        encoding="utf-8",
    )
    write_cases(root / "benchmarks" / "echo.jsonl", echo_cases(3))
    monkeypatch.setenv("OPENAI_BASE_URL", model_server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.delenv("COPILOT_BENCH_WEBHOOK", raising=False)
    return root


def request(root: Path, **flags: Any) -> RunRequest:
    return RunRequest(root, read_copilot_table(root / "pyproject.toml") or {}, **flags)


def saved_runs(root: Path) -> list[Path]:
    return sorted((root / "benchmarks" / "results").glob("*.json"))


def test_a_run_is_saved_and_passes(project: Path, model_server: FaultServer) -> None:
    watcher = Watching()
    outcome = run_bench(request(project, samples=2), watcher)
    assert not outcome.failed and outcome.failures == () and outcome.errors == ()
    assert saved_runs(project) == [outcome.saved]
    assert json.loads(outcome.saved.read_text())["samples"] == 2
    assert watcher.bars == [("bench echo", 6)] and watcher.ticks == 6
    assert model_server.count == 6
    assert outcome.report is None and "100.0% (6/6)" in "\n".join(run_lines(outcome))
    assert run_json(outcome)["results"] == str(outcome.saved)
    assert "evaluation" not in run_json(outcome)


def test_the_only_suite_is_picked_and_two_must_be_named(project: Path) -> None:
    assert run_bench(request(project)).result.suite == "echo"
    write_cases(project / "benchmarks" / "other.jsonl", echo_cases(1))
    with pytest.raises(BenchError, match=r"name the suite to run \(.*echo, other\)"):
        run_bench(request(project))


def test_nothing_running_fails_without_a_reason_line(
    project: Path, model_server: FaultServer
) -> None:
    model_server.script(*[status(400)] * 3)
    outcome = run_bench(request(project))
    assert outcome.failed and outcome.failures == ()
    assert len(outcome.errors) == 3
    assert run_notes(outcome)[0].startswith("3 case(s) failed to run; first: c")


def test_a_cost_rise_alerts_and_posts_to_the_webhook(
    project: Path, model_server: FaultServer
) -> None:
    first = run_bench(request(project))
    data = json.loads(first.saved.read_text())
    for case in data["cases"]:
        case["list_cost_usd"] = 1e-9
    first.saved.write_text(json.dumps(data), encoding="utf-8")
    pyproject = project / "pyproject.toml"
    hook = f"{model_server.root}/hook"
    pyproject.write_text(pyproject.read_text() + f'webhook_url = "{hook}"\n', encoding="utf-8")

    second = run_bench(request(project))
    assert not second.failed, "a cost alert warns; it does not fail the run"
    assert [alert.previous_run for alert in second.alerts] == [first.saved.name]
    assert second.webhook_problem is None and "/hook" in model_server.paths
    assert any(note.startswith("cost alert: bench echo") for note in run_notes(second))


def test_whole_suite_kinds_refuse_case_flags_before_running(
    project: Path, model_server: FaultServer
) -> None:
    shutil.copy(ROUTING_SUITE, project / "benchmarks" / "routes.jsonl")
    for flags, named in (
        ({"models": ("gpt-x",)}, "--model"),
        ({"samples": 3, "concurrency": 2}, "--samples, --concurrency"),
    ):
        with pytest.raises(BenchError, match=f"routing suites .*: {named} do"):
            run_bench(request(project, suite="routes", **flags))
    assert saved_runs(project) == [] and model_server.count == 0


def test_the_app_is_built_only_for_a_project_that_has_one(project: Path) -> None:
    def build() -> CopilotApp:
        raise AssertionError("a project without skills/ or an app key builds no app")

    assert bench_app(project, {}, build) is None
    assert bench_app(project, {"app": "pkg:make"}, None) is None
