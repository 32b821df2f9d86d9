"""`copilot ask` / `chat` with editor context from the terminal, on a repository outside the
project (the standard library's `json`, a configured source): `--file` with `--line`,
`--lines` or `--selection`, code named in the text through the symbol index, a proposal for
the outside file applied with `copilot apply`, follow-ups in chat, and bad input in one line."""

from __future__ import annotations

import json
import py_compile
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest

from scaffolder.kit.retrieval.ingest import ingest
from scaffolder.kit.retrieval.store import open_store
from scaffolder.kit.settings import CopilotSettings
from scaffolder.kit.sources import SourceMap
from tests.cli.conftest import Invoke
from tests.conftest import TEMPLATES, ChangeDir, add_package

STDLIB = Path(sysconfig.get_paths()["stdlib"])
PYPROJECT = """[project]
name = "bot"
version = "0.1.0"

[tool.copilot]
template = "code-assistant"
package = "bot"
app = "bot.app:build"
llm_provider = "offline"
embedding_model = "local"
sources = ["../jsonlib"]
"""


@pytest.fixture
def bot(tmp_path: Path, chdir: ChangeDir, git_identity: None) -> tuple[Path, Path]:
    """(project, repository): a code-assistant project with `json` as its outside source,
    indexed; the repository is a git checkout, so what changed in it can be listed."""
    project, repo = tmp_path / "bot", tmp_path / "jsonlib"
    project.mkdir()
    for folder in ("skills", "prompts"):
        shutil.copytree(TEMPLATES / "code_assistant" / folder, project / folder)
    add_package(project, "code_assistant", "bot")
    (project / "pyproject.toml").write_text(PYPROJECT)
    shutil.copytree(STDLIB / "json", repo, ignore=shutil.ignore_patterns("__pycache__"))
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "team"]):
        subprocess.run(["git", *argv], cwd=repo, check=True, capture_output=True)
    settings = CopilotSettings.load(project, env_file=None)
    ingest(
        [repo],
        project,
        open_store(settings, project),
        sources=SourceMap.of(project, ["../jsonlib"]),
    )
    chdir(project)
    return project, repo


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().split("\n"), 1) if text in line)


def ask(copilot: Invoke, *args: str) -> dict[str, object]:
    result = copilot("ask", "--json", *args)
    assert result.exit_code == 0, result.stderr
    reply: dict[str, object] = json.loads(result.stdout)
    return reply


def test_a_docstring_for_the_function_at_a_line_of_an_outside_file_applies_there_only(
    copilot: Invoke, bot: tuple[Path, Path]
) -> None:
    project, repo = bot
    decoder = repo / "decoder.py"
    line = line_of(decoder, "def JSONArray(") + 2
    reply = ask(copilot, "add a docstring to this function", "--file", str(decoder),
                "--line", str(line))  # fmt: skip
    assert reply["skill"] == "document"
    data = reply["data"]
    assert isinstance(data, dict)
    assert data["target"]["file"] == "jsonlib/decoder.py"
    assert data["target"]["symbol"] == "JSONArray"
    proposal = data["proposal"]["id"]
    applied = copilot("apply", proposal, "--yes", "--root", str(project))
    assert applied.exit_code == 0, applied.output
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, text=True,
                            capture_output=True, check=True).stdout  # fmt: skip
    assert status == " M decoder.py\n"
    py_compile.compile(str(decoder), doraise=True)
    assert '"""TODO' in decoder.read_text() or "Args:" in decoder.read_text()


def test_lines_and_selection_point_at_the_code(copilot: Invoke, bot: tuple[Path, Path]) -> None:
    _, repo = bot
    start = line_of(repo / "decoder.py", "def py_scanstring(")
    by_lines = ask(copilot, "explain this", "--file", "../jsonlib/decoder.py", "--lines",
                   f"{start}-{start + 3}")  # fmt: skip
    assert by_lines["skill"] == "explain"
    assert "jsonlib/decoder.py" in [s["source"] for s in by_lines["sources"]]  # type: ignore[attr-defined]
    selected = ask(copilot, "explain this", "--file", "../jsonlib/decoder.py", "--selection",
                   "class JSONDecoder(object):")  # fmt: skip
    assert "JSONDecoder" in str(selected["text"])


def test_code_named_in_the_text_is_found_through_the_symbol_index(
    copilot: Invoke, bot: tuple[Path, Path]
) -> None:
    where = ask(copilot, "Where is py_scanstring defined?")
    assert where["skill"] == "ask_codebase" and where["declined"] is False
    assert "jsonlib/decoder.py:69" in str(where["text"])
    named = ask(copilot, "explain `JSONDecoder.raw_decode` in decoder.py")
    assert named["declined"] is False
    assert "jsonlib/decoder.py" in [s["source"] for s in named["sources"]]  # type: ignore[attr-defined]
    assert "raw_decode" in str(named["text"])
    callers = ask(copilot, "What calls py_encode_basestring_ascii?")
    assert "jsonlib/encoder.py" in str(callers["text"])


def test_chat_keeps_the_last_target_for_a_follow_up(
    copilot: Invoke, bot: tuple[Path, Path]
) -> None:
    result = copilot("chat", input="explain `JSONObject` in decoder.py\nnow add a test for it\n")
    assert result.exit_code == 0, result.output
    second = result.stdout.split("you> ")[2]
    assert "test_decoder.py" in second and "JSONObject" in second, result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--file", "../jsonlib/decoder.py", "--line", "99999"], "--line 99999 is outside"),
        (["--file", "../jsonlib/missing.py"], "no such file"),
        (["--file", "../elsewhere/x.py"], "outside the project and every source"),
        (["--file", "../jsonlib"], "is not a file"),
        (["--file", "../jsonlib/decoder.py", "--lines", "9-3"], "ends before it starts"),
        (["--file", "../jsonlib/decoder.py", "--selection", "no such text"], "not in"),
        (["--line", "3"], "need --file"),
    ],
)
def test_bad_editor_options_are_one_line_and_exit_2(
    copilot: Invoke, bot: tuple[Path, Path], args: list[str], message: str
) -> None:
    project, _ = bot
    (project.parent / "elsewhere").mkdir(exist_ok=True)
    (project.parent / "elsewhere" / "x.py").write_text("x = 1\n")
    for command in (["ask", "explain this"], ["chat"]):
        result = copilot(*command, *args, input="")
        assert result.exit_code == 2, result.output
        lines = [line for line in result.stderr.splitlines() if not line.startswith("note:")]
        assert len(lines) == 1 and message in lines[0], result.stderr
        assert "Traceback" not in result.output
