"""`copilot list`: the bundled templates and their released versions."""

from __future__ import annotations

from scaffolder.cli._common import reports_errors, say


@reports_errors
def list_templates() -> None:
    """List the bundled templates, their versions and what they are for."""
    from scaffolder.scaffold import BUNDLED_TEMPLATES, TemplateHistory

    history = TemplateHistory.installed()
    released = history.released_versions()
    width = max(len(name) for name in BUNDLED_TEMPLATES)
    for template in BUNDLED_TEMPLATES.values():
        say(f"{template.name:<{width}}  {history.tag}  {template.summary}")
    say(f"\nReleased template versions: {', '.join('v' + v for v in released) or 'none'}")
    if history.unreleased_edits():
        say("This checkout has unreleased template edits (see docs/releasing.md).")
    say("Any Copier template works too: copilot new gh:org/repo DEST")
