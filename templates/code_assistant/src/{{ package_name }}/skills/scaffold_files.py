"""New files: a module, a package layout, a CLI entry point, with their code.

With a model the `scaffold_files` prompt designs the tree; without one, paste a tree in a
fenced block. Either way every file is proposed at once and never overwrites an existing one.
"""

from scaffolder.kit.code.copilot_skills import scaffold_skill
from scaffolder.kit.routing import Skill, SkillReply, SkillRequest


def handle(request: SkillRequest) -> SkillReply:
    return scaffold_skill(request)


SKILL = Skill(
    name="scaffold_files",
    description="Create new files or a folder layout (modules, packages, configs) from scratch.",
    handler=handle,
)
