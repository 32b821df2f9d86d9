"""`copilot doctor`: everything a new team member's machine needs, checked in one go."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from packaging.version import Version
from pydantic import ValidationError

from scaffolder.errors import CopilotError
from scaffolder.project import find_project
from scaffolder.scaffold._git import git, git_available
from scaffolder.scaffold._history import TemplateHistory, bundle_tags, tag_for, version_of_tag
from scaffolder.scaffold._new import ANSWERS_FILE

if TYPE_CHECKING:
    from scaffolder.kit.settings import CopilotSettings

Status = Literal["ok", "warn", "fail"]
MIN_GIT = Version("2.28")
KEY_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "COPILOT_PROVIDER",
)


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str


def run_checks(start: Path | None = None, history: TemplateHistory | None = None) -> list[Check]:
    history = history or TemplateHistory.installed()
    checks = [_python(), _git(), _copier(), *_history(history)]
    checks.append(_environment())
    project = find_project(start)
    if project is None:
        return checks + _chroma(os.environ.get("CHROMA_URL"))
    from scaffolder.kit.settings import CopilotSettings

    try:
        settings = CopilotSettings.load(project.root)
    except ValidationError as error:
        reason = error.errors()[0]["msg"].removeprefix("Value error, ")
        checks.append(Check("provider", "fail", reason))
    else:
        checks.append(_provider(settings))
        checks += _chroma(settings.chroma_server)  # vector_db decides, as for the store
        if settings.ignored_chroma_url:
            checks.append(Check("chroma", "warn", settings.ignored_chroma_url))
        checks.append(_embedder(settings.embedding_model))
        checks += _sources(project.root, settings.sources)
    checks += _interrupted_update(project.root)
    checks.append(_project_version(project.root, history))
    return checks


def _interrupted_update(root: Path) -> list[Check]:
    """Roll back an update killed midway (its journal in `.git/copilot/`), as the next
    `copilot update` would: the project must not stay half updated until then."""
    from scaffolder.scaffold._update_apply import recover_interrupted_update

    try:
        recovery = recover_interrupted_update(root)
    except CopilotError as error:
        return [Check("update", "fail", str(error))]
    if recovery is None:
        return []
    restored = len(recovery.restored)
    detail = f"an interrupted update was rolled back ({restored} file(s) restored)"
    return [Check("update", "warn", detail)]


def _sources(root: Path, entries: list[str]) -> list[Check]:
    """Each configured source still there as a folder (a repository moved or deleted after it
    was recorded makes ingest and apply stop): one line naming the first bad one."""
    from scaffolder.kit.sources import SourceMap

    if not entries:
        return []
    try:
        found = SourceMap.of(root, entries).sources
    except CopilotError as error:
        return [Check("sources", "fail", str(error))]
    listed = ", ".join(f"{source.name} ({source.configured})" for source in found)
    return [Check("sources", "ok", listed)]


def _python() -> Check:
    current = ".".join(map(str, sys.version_info[:3]))
    ok = sys.version_info >= (3, 11)
    return Check("python", "ok" if ok else "fail", current if ok else f"{current}; needs 3.11+")


def _git() -> Check:
    if not git_available():
        return Check("git", "fail", "not found on PATH; projects and updates need git")
    found = git("--version").split()[-1]
    try:
        recent = Version(".".join(found.split(".")[:3])) >= MIN_GIT
    except ValueError:
        recent = True
    return Check(
        "git", "ok" if recent else "fail", found if recent else f"{found}; needs {MIN_GIT}+"
    )


def _copier() -> Check:
    try:
        return Check("copier", "ok", package_version("copier"))
    except PackageNotFoundError:
        return Check("copier", "fail", "not installed; reinstall copilot")


def _history(history: TemplateHistory) -> list[Check]:
    if not history.bundle.is_file():
        return [
            Check("templates", "fail", f"history {history.bundle} is missing; reinstall copilot")
        ]
    try:
        tags = bundle_tags(history.bundle)
    except CopilotError as error:
        return [Check("templates", "fail", f"history {history.bundle} is damaged: {error}")]
    released = {tag_for(v) for v in history.released}
    missing = sorted(released - tags.keys())
    if missing or history.tag not in tags:
        lacking = ", ".join(missing or [history.tag])
        return [Check("templates", "fail", f"history lacks {lacking}; reinstall copilot")]
    checks = [
        Check("templates", "ok", f"{history.tag} installed; {len(tags)} version(s) in the history")
    ]
    user = history.user_bundle_path()
    if user.is_file():
        try:
            mine = bundle_tags(user)
        except CopilotError as error:
            checks.append(
                Check("template cache", "fail", f"{user} is damaged ({error}); delete it")
            )
        else:
            differing = [t for t, c in tags.items() if t in mine and mine[t] != c]
            if differing:
                detail = f"{user}: {', '.join(differing)} differ from this copilot's; delete it"
                checks.append(Check("template cache", "fail", detail))
    if history.unreleased_edits():
        checks.append(
            Check("templates", "warn", "checkout has unreleased template edits (docs/releasing.md)")
        )
    return checks


def _environment() -> Check:
    present = [name for name in KEY_VARIABLES if os.environ.get(name)]
    listed = ", ".join(present) if present else "none"
    return Check("environment", "ok", f"set: {listed} (values never shown)")


def _provider(settings: CopilotSettings) -> Check:
    if settings.offline_reason and settings.llm_provider not in ("offline", "auto"):
        return Check("provider", "warn", f"offline: {settings.offline_reason}")
    if settings.offline_reason:
        return Check("provider", "ok", f"offline ({settings.offline_reason})")
    return Check("provider", "ok", f"{settings.effective_provider} ({settings.chat_model})")


def _chroma(url: str | None) -> list[Check]:
    if not url:
        return []
    heartbeat = url.rstrip("/") + "/api/v2/heartbeat"
    try:
        with urllib.request.urlopen(heartbeat, timeout=3) as response:
            if response.status == 200:
                return [Check("chroma", "ok", f"server at {url} answers")]
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return [Check("chroma", "fail", f"server at {url} unreachable: {reason}")]
    return [Check("chroma", "fail", f"server at {url} answered {response.status}")]


def _embedder(model: str) -> Check:
    """Chroma's default embedder downloads its model at first use: say whether it can run."""
    from scaffolder.kit.retrieval.embedders import (
        CHROMA_DEFAULT,
        CHROMA_MODEL_DIR,
        chroma_default_cached,
    )

    if model != CHROMA_DEFAULT:
        return Check("embeddings", "ok", model)
    if chroma_default_cached():
        return Check("embeddings", "ok", f"{CHROMA_DEFAULT}, model cached in {CHROMA_MODEL_DIR}")
    return Check(
        "embeddings",
        "warn",
        f"{CHROMA_DEFAULT} downloads its model at the first ingest (not cached in "
        f'{CHROMA_MODEL_DIR}); offline, use embedding_model = "local"',
    )


def _project_version(root: Path, history: TemplateHistory) -> Check:
    answers_path = root / ANSWERS_FILE
    if not answers_path.is_file():
        return Check("project", "warn", f"no {ANSWERS_FILE}: not updatable with copilot update")
    import yaml

    answers = yaml.safe_load(answers_path.read_text(encoding="utf-8")) or {}
    commit = answers.get("_commit")
    made = version_of_tag(str(commit)) if commit else None
    if made is None:
        return Check("project", "warn", "generated from unreleased templates: not updatable")
    installed = Version(history.version)
    if made > installed:
        return Check(
            "project",
            "fail",
            f"made with templates {commit}, newer than {history.tag}; upgrade copilot",
        )
    if made < installed:
        return Check(
            "project", "warn", f"templates {commit}; {history.tag} is available: run copilot update"
        )
    return Check("project", "ok", f"templates {commit}, the installed version")
