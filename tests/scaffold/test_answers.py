"""Answers from --data and answer files, and project-name rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.errors import UsageError
from scaffolder.scaffold import parse_data, read_answers_file, validate_project_name


@pytest.mark.parametrize("name", ["mybot", "my-bot", "my_bot", "Bot2", "a"])
def test_valid_project_names(name: str) -> None:
    validate_project_name(name)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("my bot", "invalid"),
        ("2bot", "invalid"),
        ("-bot", "invalid"),
        ("bot!", "invalid"),
        ("../x", "is a path"),
        ("/abs/path", "is a path"),
        (".hidden", "is a path"),
        ("class", "keyword"),
        ("None", "keyword"),
        ("json", "shadow"),
        ("openai", "shadow"),
        ("scaffolder", "shadow"),
        ("x" * 65, "invalid"),
    ],
)
def test_invalid_project_names(name: str, reason: str) -> None:
    with pytest.raises(UsageError, match=reason):
        validate_project_name(name)


def test_parse_data_takes_the_last_value_and_keeps_equals_signs() -> None:
    assert parse_data(["a=1", "b=x=y", "a=2"]) == {"a": "2", "b": "x=y"}


@pytest.mark.parametrize(
    ("item", "reason"),
    [("novalue", "KEY=VALUE"), ("_src_path=/x", "copier's own"), ("a b=1", "not a question")],
)
def test_parse_data_refuses(item: str, reason: str) -> None:
    with pytest.raises(UsageError, match=reason):
        parse_data([item])


def test_answers_file_skips_copier_bookkeeping(tmp_path: Path) -> None:
    path = tmp_path / "answers.yml"
    path.write_text("_commit: v1\n_src_path: x\nproject_name: bot\nci: none\n")
    assert read_answers_file(path) == {"project_name": "bot", "ci": "none"}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("project_name: [1, 2\n", "not valid YAML"),
        ("- a\n- b\n", "mapping"),
        ("project_name: {a: 1}\n", "plain value"),
    ],
)
def test_bad_answers_files(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "answers.yml"
    path.write_text(content)
    with pytest.raises(UsageError, match=reason):
        read_answers_file(path)


def test_missing_and_unreadable_answers_files(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        read_answers_file(tmp_path / "nope.yml")
    directory = tmp_path / "dir.yml"
    directory.mkdir()
    with pytest.raises(UsageError, match="cannot read"):
        read_answers_file(directory)
