"""The code assistant's machinery: editor context, edit proposals, offline skills, checks.

See docs/code-assistant-kit.md. Nothing here writes a file except `apply_proposal`, and it
only with `approved=True`.
"""

from scaffolder.kit.code.apply import Applied, apply_proposal
from scaffolder.kit.code.checks import (
    Check,
    diff_applies,
    not_truncated,
    parses,
    proposed_code,
    suite_passes_after,
)
from scaffolder.kit.code.context import EditorContext, Position, Selection, SourceView
from scaffolder.kit.code.offline_skills import SkillResult, add_test, document, explain, refactor
from scaffolder.kit.code.proposals import Edit, EditProposal, load_proposal, propose, save_proposal
from scaffolder.kit.code.references import Reference, resolve_reference
from scaffolder.kit.code.scaffold import scaffold_files
from scaffolder.kit.symbols.source import Symbol
from scaffolder.kit.turn import Target

__all__ = [
    "Applied",
    "Check",
    "Edit",
    "EditProposal",
    "EditorContext",
    "Position",
    "Reference",
    "Selection",
    "SkillResult",
    "SourceView",
    "Symbol",
    "Target",
    "add_test",
    "apply_proposal",
    "diff_applies",
    "document",
    "explain",
    "load_proposal",
    "not_truncated",
    "parses",
    "propose",
    "proposed_code",
    "refactor",
    "resolve_reference",
    "save_proposal",
    "scaffold_files",
    "suite_passes_after",
]
