"""The templates that ship with copilot, by the names people type."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffolder.errors import UsageError


@dataclass(frozen=True)
class BundledTemplate:
    name: str
    folder: str
    summary: str


BUNDLED_TEMPLATES: dict[str, BundledTemplate] = {
    template.name: template
    for template in (
        BundledTemplate(
            "qa-rag",
            "qa_rag",
            "Q&A over your documents: Chroma retrieval, cited answers, chat server, tests",
        ),
        BundledTemplate(
            "code-assistant",
            "code_assistant",
            "Code copilot: codebase index, skills that propose reviewable patches, tests",
        ),
    )
}

_SOURCE_PREFIXES = ("gh:", "gl:", "git@", "git+", "https://", "http://", "ssh://", "file://")


def bundled_template(name: str) -> BundledTemplate | None:
    """The bundled template called `name` (`qa-rag` or `qa_rag`), if there is one."""
    return BUNDLED_TEMPLATES.get(name.strip().lower().replace("_", "-"))


def third_party_source(name: str) -> str:
    """`name` as a Copier template source, or a clear error when it is neither that nor ours."""
    if name.startswith(_SOURCE_PREFIXES):
        return name
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve())
    known = ", ".join(BUNDLED_TEMPLATES)
    raise UsageError(
        f"unknown template {name!r}: choose {known}, or give a Copier template source "
        "(a git URL, gh:org/repo, or a local git repository)"
    )
