"""Scaffolding: template history, `new`, `update`, `doctor`. The only code that imports copier.

The public surface is what this module exports; everything in the `_` modules may change.
"""

from scaffolder.scaffold._answers import (
    parse_data,
    read_answers_file,
    validate_project_name,
)
from scaffolder.scaffold._catalog import BUNDLED_TEMPLATES, BundledTemplate, bundled_template
from scaffolder.scaffold._history import USER_BUNDLE, TemplateHistory, TemplateSource
from scaffolder.scaffold._new import NewProjectRequest, NewProjectResult, create_project
from scaffolder.scaffold._release import Release, release_templates

__all__ = [
    "BUNDLED_TEMPLATES",
    "USER_BUNDLE",
    "BundledTemplate",
    "NewProjectRequest",
    "NewProjectResult",
    "Release",
    "TemplateHistory",
    "TemplateSource",
    "bundled_template",
    "create_project",
    "parse_data",
    "read_answers_file",
    "release_templates",
    "validate_project_name",
]
