"""Scaffolding: template history, `new`, `update`, `doctor`. The only code that imports copier.

The public surface is what this module exports; everything in the `_` modules may change.
"""

from scaffolder.scaffold._answers import (
    parse_data,
    read_answers_file,
    validate_project_name,
)
from scaffolder.scaffold._catalog import BUNDLED_TEMPLATES, BundledTemplate, bundled_template
from scaffolder.scaffold._doctor import Check, run_checks
from scaffolder.scaffold._history import USER_BUNDLE, TemplateHistory, TemplateSource
from scaffolder.scaffold._new import (
    NewProjectRequest,
    NewProjectResult,
    adaptable,
    create_project,
    require_adaptable,
)
from scaffolder.scaffold._release import Release, release_templates
from scaffolder.scaffold._setup import setup_environment
from scaffolder.scaffold._update import (
    FileChange,
    UpdateRequest,
    UpdateResult,
    find_generated_project,
    read_project_answers,
    update_project,
)

__all__ = [
    "BUNDLED_TEMPLATES",
    "USER_BUNDLE",
    "BundledTemplate",
    "Check",
    "FileChange",
    "NewProjectRequest",
    "NewProjectResult",
    "Release",
    "TemplateHistory",
    "TemplateSource",
    "UpdateRequest",
    "UpdateResult",
    "adaptable",
    "bundled_template",
    "create_project",
    "find_generated_project",
    "parse_data",
    "read_answers_file",
    "read_project_answers",
    "release_templates",
    "require_adaptable",
    "run_checks",
    "setup_environment",
    "update_project",
    "validate_project_name",
]
