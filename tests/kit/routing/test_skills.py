"""Skills load from one folder each, with examples and prompts from files or code."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.errors import SkillError
from scaffolder.kit.agents import EditFile, RunCommand
from scaffolder.kit.routing import Skill, SkillReply, SkillRequest, SkillSet, load_skills


def reply(request: SkillRequest) -> SkillReply:
    return SkillReply(request.text)


def write_skill(folder: Path, name: str, body: str) -> Path:
    skill = folder / name
    skill.mkdir(parents=True)
    (skill / "skill.py").write_text(body, encoding="utf-8")
    return skill


SIMPLE = """
from scaffolder.kit.routing import Skill, SkillReply
SKILL = Skill(name={name!r}, description="d", handler=lambda r: SkillReply("ok"),
              examples=("in code",))
"""


def test_the_example_folder_loads_every_skill_with_files_merged(skills: SkillSet) -> None:
    assert skills.names == ("install", "rewrite", "tables", "testing")
    install = skills["install"]
    # The example given in code is also in examples.txt: kept once, comments skipped.
    assert install.examples.count("how do I install the tool on Windows?") == 1
    assert len(install.examples) == 8
    assert skills["tables"].prompt.startswith("You format data as tables.")
    assert skills["rewrite"].prompt.startswith("You rewrite")  # from code, no prompt.md
    assert skills["testing"].actions == {"edit_file", "create_files", "run_command"}


def test_adding_a_skill_is_adding_a_folder(tmp_path: Path) -> None:
    write_skill(tmp_path, "alpha", SIMPLE.format(name="alpha"))
    beta = write_skill(tmp_path, "beta", SIMPLE.format(name="beta"))
    (beta / "examples.txt").write_text("# comment\n\nfrom a file\n", encoding="utf-8")
    (tmp_path / "_shared").mkdir()  # helpers beside skills are not skills
    skills = load_skills(tmp_path)
    assert skills.names == ("alpha", "beta")
    assert skills["beta"].examples == ("in code", "from a file")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("X = 1\n", "must define SKILL"),
        (SIMPLE.format(name="other"), "name it after its folder"),
        ("raise RuntimeError('boom')\n", "failed to import: RuntimeError: boom"),
    ],
)
def test_broken_skill_folders_are_reported(tmp_path: Path, body: str, message: str) -> None:
    write_skill(tmp_path, "broken", body)
    with pytest.raises(SkillError, match=message):
        load_skills(tmp_path)


def test_an_empty_or_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SkillError, match="no skills folder"):
        load_skills(tmp_path / "missing")
    with pytest.raises(SkillError, match="no skills in"):
        load_skills(tmp_path)


def test_skill_definitions_are_validated() -> None:
    with pytest.raises(SkillError, match="skill name"):
        Skill("out_of_scope", "d", reply, ("x",))
    with pytest.raises(SkillError, match="skill name"):
        Skill("Has Spaces", "d", reply, ("x",))
    with pytest.raises(SkillError, match="unknown action kinds"):
        Skill("a", "d", reply, ("x",), actions=frozenset({"delete_repo"}))  # type: ignore[arg-type]
    with pytest.raises(SkillError, match="duplicate skill names: a"):
        SkillSet([Skill("a", "d", reply, ("x",)), Skill("a", "d", reply, ("y",))])
    with pytest.raises(SkillError, match="without example utterances: a"):
        SkillSet([Skill("a", "d", reply)])


def test_a_skill_may_only_propose_the_actions_it_declares() -> None:
    skill = Skill("a", "d", reply, ("x",), actions=frozenset({"edit_file"}))
    skill.check_actions([EditFile("f", "a", "b")])
    with pytest.raises(SkillError, match="proposed run_command, which it does not declare"):
        skill.check_actions([RunCommand(("rm", "-rf", "/"))])
