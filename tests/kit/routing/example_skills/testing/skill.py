"""Example skill: running and fixing tests; it proposes actions, which wait for approval."""

from scaffolder.kit.agents import CreateFiles, EditFile, RunCommand
from scaffolder.kit.routing import Skill, SkillReply, SkillRequest


def run_tests(request: SkillRequest) -> SkillReply:
    if "fix" in request.text.lower():
        return SkillReply(
            "I can fix the assertion in test_math.py.",
            actions=(EditFile("test_math.py", "assert add(2, 2) == 5", "assert add(2, 2) == 4"),),
            rationale="2 + 2 is 4",
        )
    if "write" in request.text.lower() or "create" in request.text.lower():
        return SkillReply(
            "I can add a test file.",
            actions=(CreateFiles({"tests/test_new.py": "def test_new():\n    assert True\n"}),),
        )
    return SkillReply("I can run the test suite.", actions=(RunCommand(("pytest", "-q")),))


SKILL = Skill(
    name="testing",
    description="running the test suite with pytest, fixing failing tests, writing new unit tests",
    handler=run_tests,
    actions=frozenset({"edit_file", "create_files", "run_command"}),
)
