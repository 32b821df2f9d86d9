"""Suite kinds recognised from files, routing suites with a settings line, safety suites with
a bench header, and the ordering of runs saved within one second."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffolder.errors import BenchError
from scaffolder.kit.bench.kinds import detect_kind, load_routing_cases
from scaffolder.kit.bench.results import stored_runs
from scaffolder.kit.bench.targets import suite_kind
from scaffolder.kit.safety.suite import EXAMPLE_SUITE, load_suite
from tests.kit.routing.conftest import ROUTING_SUITE


def write(path: Path, *rows: object) -> Path:
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("rows", "kind"),
    [
        ([{"suite": {"kind": "routing"}}, {"id": "a", "input": "x"}], "routing"),
        ([{"suite": {"prompt": "answer"}}, {"id": "a", "input": "x"}], "answer"),
        ([{"id": "a", "turns": [{"text": "hi", "intent": "x"}]}], "routing"),
        ([{"id": "a", "category": "pii", "stage": "output", "expect": "redact"}], "safety"),
        ([{"meta": {"suite": "safety"}}, {"id": "a", "input": "x"}], "safety"),
        ([{"id": "a", "input": "x"}], "answer"),
    ],
)
def test_the_kind_comes_from_the_header_the_meta_line_or_the_shape(
    tmp_path: Path, rows: list[object], kind: str
) -> None:
    assert detect_kind(write(tmp_path / "s.jsonl", *rows)) == kind


def test_the_kit_files_are_recognised_as_they_are() -> None:
    assert detect_kind(ROUTING_SUITE) == "routing"
    assert detect_kind(EXAMPLE_SUITE) == "safety"
    assert suite_kind("routing").evaluate is not None


def test_an_unreadable_file_is_left_to_the_answer_loader(tmp_path: Path) -> None:
    broken = tmp_path / "s.jsonl"
    broken.write_text("{oops\n", encoding="utf-8")
    assert detect_kind(broken) == "answer"


def test_routing_cases_take_a_settings_line_and_refuse_problems(tmp_path: Path) -> None:
    turn = {"text": "hi", "intent": "x"}
    header = {"suite": {"kind": "routing", "min_accuracy": 0.8}}
    case = {"id": "a", "turns": [turn, turn]}
    settings, cases = load_routing_cases(write(tmp_path / "r.jsonl", header, case))
    assert settings["min_accuracy"] == 0.8 and [len(c.turns) for c in cases] == [2]
    with pytest.raises(BenchError, match=r"r\.jsonl:1: unknown suite setting\(s\) \['prompt'\]"):
        load_routing_cases(write(tmp_path / "r.jsonl", {"suite": {"prompt": "x"}}))
    with pytest.raises(BenchError, match=r"r\.jsonl:2: duplicate id 'a'"):
        load_routing_cases(
            write(tmp_path / "r.jsonl", {"id": "a", "turns": [turn]}, {"id": "a", "turns": [turn]})
        )
    with pytest.raises(BenchError, match=r"r\.jsonl:1: not a routing case"):
        load_routing_cases(write(tmp_path / "r.jsonl", {"id": "a", "turns": [{"text": "hi"}]}))


def test_the_safety_loader_skips_a_bench_header(tmp_path: Path) -> None:
    copy = tmp_path / "safety.jsonl"
    header = json.dumps({"suite": {"kind": "safety"}})
    copy.write_text(header + "\n" + EXAMPLE_SUITE.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_suite(copy) == load_suite(EXAMPLE_SUITE)


def test_runs_saved_in_the_same_second_stay_in_order(tmp_path: Path) -> None:
    folder = tmp_path / "benchmarks" / "results"
    folder.mkdir(parents=True)
    names = ["20261127T080128-abc.json", "20261127T080128-abc-2.json",
             "20261127T080128-abc-10.json", "20261127T080129-abc.json"]  # fmt: skip
    for name in names:
        (folder / name).write_text("{}", encoding="utf-8")
    assert [path.name for path in stored_runs(tmp_path)] == names
