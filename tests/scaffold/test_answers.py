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


@pytest.mark.parametrize(
    ("name", "module", "owner"),
    [
        ("httpx", "httpx", "httpx"),
        ("fastapi", "fastapi", "fastapi"),
        ("starlette", "starlette", "starlette"),
        ("pydantic", "pydantic", "pydantic"),
        ("chromadb", "chromadb", "chromadb"),
        ("numpy", "numpy", "numpy"),
        ("yaml", "yaml", "PyYAML"),
        ("typing-extensions", "typing_extensions", "typing_extensions"),
        ("scaffolder", "scaffolder", "copilot-scaffolder"),
    ],
)
def test_names_of_the_projects_installed_dependencies_are_refused(
    name: str, module: str, owner: str
) -> None:
    with pytest.raises(UsageError, match=f"shadow the module '{module}' of {owner}"):
        validate_project_name(name)


@pytest.mark.parametrize("name", ["PyYAML", "copilot-scaffolder", "python-dotenv"])
def test_distribution_names_of_dependencies_are_refused(name: str) -> None:
    with pytest.raises(UsageError, match="installing the project would replace it"):
        validate_project_name(name)


def test_what_the_template_pyproject_lists_is_refused_too() -> None:
    validate_project_name("mypy")  # installed here, but no dependency of a generated project
    with pytest.raises(UsageError, match="shadow the module 'mypy' of mypy"):
        validate_project_name("mypy", ("mypy>=1.10",))


def test_stdlib_names_stay_refused() -> None:
    with pytest.raises(UsageError, match="shadow the module 'asyncio'"):
        validate_project_name("asyncio")


def test_top_level_names_come_from_record_when_top_level_txt_is_missing(tmp_path: Path) -> None:
    from importlib.metadata import PathDistribution

    from scaffolder.scaffold._shadowing import _top_level_names

    info = tmp_path / "demo-1.0.dist-info"
    info.mkdir()
    (info / "RECORD").write_text(
        "demo_pkg/__init__.py,sha256=x,1\n"
        "demo_pkg/sub/mod.py,sha256=x,1\n"
        "single_module.py,sha256=x,1\n"
        "_speedups.cpython-311-x86_64-linux-gnu.so,sha256=x,1\n"
        "demo_editable.pth,sha256=x,1\n"
        "__pycache__/single_module.cpython-311.pyc,,\n"
        "demo-1.0.dist-info/RECORD,,\n"
        "../../../bin/demo,sha256=x,1\n"
        '"odd,name/__init__.py",sha256=x,1\n'
    )
    names = _top_level_names(PathDistribution(info))
    assert names == {"demo_pkg", "single_module", "_speedups"}
    (info / "top_level.txt").write_text("declared\n")
    assert _top_level_names(PathDistribution(info)) == {"declared"}


def test_an_answers_file_that_is_not_utf8_says_so_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "answers.yml"
    path.write_bytes(b"author: Jos\xe9\n")
    with pytest.raises(UsageError, match=r"is not UTF-8 text \(byte 0xe9 at offset 11\)"):
        read_answers_file(path)


@pytest.mark.parametrize("name", ["ruff", "hypothesis", "pexpect"])
def test_tools_of_the_kits_own_extras_stay_free(name: str) -> None:
    """copilot-scaffolder's `dev` extra is not installed with a generated project."""
    validate_project_name(name)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("Foo_Bar[x, y]>=1; extra == 'dev'", ("foo-bar", {"x", "y"}, "extra == 'dev'")),
        ("uvicorn[standard]>=0.30", ("uvicorn", {"standard"}, "")),
        ("b (>=1.0) ; sys_platform == 'win32'", ("b", set(), "sys_platform == 'win32'")),
        ("a @ https://example.org/a.whl ; python_version > '3'", ("a", set(), None)),
        ("not a requirement !!", None),
    ],
)
def test_requirement_lines_are_split_like_pep_508(
    text: str, parsed: tuple[str, set[str], str | None] | None
) -> None:
    from scaffolder.scaffold._shadowing import _parse_requirement

    found = _parse_requirement(text)
    if parsed is None:
        assert found is None
        return
    assert found is not None
    name, extras, marker = parsed
    assert found[0] == name and found[1] == extras
    assert marker is None or found[2] == marker
