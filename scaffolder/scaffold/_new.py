"""`copilot new`: render a template into a fresh directory, all or nothing.

Everything that can be refused (the name, the destination) is checked before copier runs.
Copier then renders into a staging folder, where the answers are re-checked and the first
commit is made; only the finished, committed project is put in place (`_staging`), so a bad
answer, a template error, Ctrl-C or a kill leaves nothing behind and never touches an existing
directory's other contents.

With `--docs` (qa-rag), the team's documents are copied into the staging project's data/,
indexed into its own store and the project adapted to them (`kit.adapt`) before that first
commit, so the documents, the derived files and the commit arrive together or not at all.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from copier import run_copy
from copier.errors import CopierError, UnsafeTemplateError
from jinja2 import TemplateError

from scaffolder.errors import Interrupted, UsageError, first_line
from scaffolder.faults import crash_point
from scaffolder.scaffold._answers import validate_project_name
from scaffolder.scaffold._catalog import bundled_template, third_party_source
from scaffolder.scaffold._copier import UNSAFE_TEMPLATE, quiet_copier
from scaffolder.scaffold._git import git, identity_args
from scaffolder.scaffold._history import TemplateHistory, TemplateSource
from scaffolder.scaffold._staging import build_and_place

if TYPE_CHECKING:
    from scaffolder.kit.adapt import DocsPlan, StagedAdaptation

ANSWERS_FILE = ".copier-answers.yml"
#: The template `--docs` adapts (its skills and suites are derived from documents).
ADAPTABLE = "qa_rag"


@dataclass(frozen=True)
class NewProjectRequest:
    template: str
    destination: Path
    data: Mapping[str, object] = field(default_factory=dict)
    defaults: bool = True
    trust: bool = False
    init_git: bool = True
    #: The team's documents (`plan_docs`, checked before anything is created); qa-rag only.
    docs: DocsPlan | None = None
    #: What the copilot answers questions about (default: derived from `docs`).
    topic: str | None = None


@dataclass(frozen=True)
class NewProjectResult:
    destination: Path
    answers: dict[str, object]
    template: str
    version: str | None
    updatable: bool
    notes: list[str]
    adapted: StagedAdaptation | None = None


def create_project(
    request: NewProjectRequest,
    history: TemplateHistory | None = None,
    notify: Callable[[str], None] = lambda message: None,
) -> NewProjectResult:
    """Render `request.template` into `request.destination`; raise `CopilotError` on bad input.

    `notify` hears one line per leftover of an interrupted earlier run that was cleaned up.
    """
    # abspath folds `.` and `..` (so `.` gets its real name) without resolving symlinks the
    # user chose, which Path.resolve() would.
    destination = Path(os.path.abspath(request.destination.expanduser()))  # noqa: PTH100
    bundled = bundled_template(request.template)
    data = dict(request.data)
    user_defaults: dict[str, object] = {}
    notes: list[str] = []
    if bundled is not None:
        if data.get("template", bundled.folder) != bundled.folder:
            raise UsageError(f"--data template=... contradicts the template {bundled.name!r}")
        data["template"] = bundled.folder
        if "project_name" in data:
            validate_project_name(str(data["project_name"]))
        elif request.defaults:
            _check_default_name(destination.name)
            data["project_name"] = destination.name
        else:
            user_defaults["project_name"] = destination.name
        source = (history or TemplateHistory.installed()).source()
        label = bundled.name
    else:
        source = TemplateSource(third_party_source(request.template), None, None, updatable=True)
        label = request.template
    if request.docs is not None or request.topic is not None:
        require_adaptable(request.template, docs=request.docs is not None)
    adapted: list[StagedAdaptation] = []

    def build(project: Path) -> dict[str, object]:
        _render(source, project, data, user_defaults, request)
        crash_point("new: rendered")
        answers = _read_answers(project)
        if bundled is not None:
            _check_answers(answers, data, _declared_requirements(project))
        if request.docs is not None:
            adapted.append(_adapt(project, request.docs, request.topic, answers))
            crash_point("new: adapted")
        if request.init_git:
            _initial_commit(project, label, answers)
            crash_point("new: committed")
        return answers

    answers = build_and_place(destination, build, notify)
    updatable = source.updatable and "_commit" in answers
    commit = answers.get("_commit")
    if source.note:
        notes.append(source.note)
    elif not updatable:
        notes.append(
            f"{label} is not a git repository with version tags, so copier recorded no template "
            "version: the project cannot be updated later"
        )
    return NewProjectResult(
        destination=destination,
        answers=answers,
        template=label,
        version=source.version or (None if commit is None else str(commit)),
        updatable=updatable,
        notes=notes,
        adapted=adapted[0] if adapted else None,
    )


def _adapt(
    project: Path, docs: DocsPlan, topic: str | None, answers: dict[str, object]
) -> StagedAdaptation:
    """Documents in, index built, project adapted: inside the staging folder, before git.

    The index is built only where generating can build the one the project will use: an
    embedded store and the offline `local` embedder. Another embedding model needs the
    team's key and a Chroma server must be running, so those projects are indexed later by
    `copilot ingest` (adapt's checks then index a scratch copy offline)."""
    from scaffolder.kit.adapt import adapt_new_project

    indexable = (
        answers.get("vector_db", "embedded") == "embedded"
        and answers.get("embedding_model") == "local"
    )
    try:
        return adapt_new_project(project, docs, topic=topic, index=indexable)
    except (KeyboardInterrupt, Interrupted):  # adapt's own says "the project is unchanged"
        raise Interrupted("interrupted; nothing was written") from None


def adaptable(template: str) -> bool:
    """Whether `template` is the one `--docs` adapts (qa-rag: skills and suites from documents)."""
    bundled = bundled_template(template)
    return bundled is not None and bundled.folder == ADAPTABLE


def require_adaptable(template: str, *, docs: bool) -> None:
    """Refuse `--docs`/`--topic` where they cannot apply (checked before anything is made)."""
    if not adaptable(template):
        raise UsageError(
            f"--docs and --topic work with qa-rag only, not {template!r} (for now); "
            "add your files to the project after creating it"
        )
    if not docs:
        raise UsageError("--topic needs --docs (the sample documents keep their own topic)")


def _check_default_name(name: str) -> None:
    try:
        validate_project_name(name)
    except UsageError as error:
        raise UsageError(
            f"{error} (it comes from the destination's name; pass --data project_name=NAME)"
        ) from error


def _render(
    source: TemplateSource,
    target: Path,
    data: dict[str, object],
    user_defaults: dict[str, object],
    request: NewProjectRequest,
) -> None:
    try:
        with quiet_copier():
            run_copy(
                source.src_path,
                target,
                data=data,
                user_defaults=user_defaults,
                vcs_ref=source.vcs_ref,
                defaults=request.defaults,
                unsafe=request.trust,
                quiet=True,
                overwrite=False,
            )
    except KeyboardInterrupt:
        raise Interrupted("interrupted; nothing was written") from None
    except UnsafeTemplateError as exc:
        raise UsageError(f"template {request.template!r} {UNSAFE_TEMPLATE}") from exc
    except (CopierError, TemplateError, ValueError, TypeError) as error:
        raise UsageError(f"cannot render {request.template!r}: {first_line(error)}") from error


def _read_answers(project: Path) -> dict[str, object]:
    answers_path = project / ANSWERS_FILE
    if not answers_path.is_file():
        return {}
    loaded = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def _declared_requirements(project: Path) -> tuple[str, ...]:
    """What the rendered pyproject lists: their modules are taken too (see `_shadowing`)."""
    try:
        document = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return ()
    listed = document.get("project", {}).get("dependencies", [])
    return tuple(item for item in listed if isinstance(item, str))


def _check_answers(
    answers: dict[str, object], data: dict[str, object], requirements: tuple[str, ...]
) -> None:
    """Refuse answers to questions the template does not ask, and re-check the name."""
    known = {key for key in answers if not key.startswith("_")}
    unknown = sorted(set(data) - known)
    if unknown:
        raise UsageError(
            f"the template asks no question {', '.join(map(repr, unknown))}; "
            f"its questions are: {', '.join(sorted(known))}"
        )
    validate_project_name(str(answers.get("project_name", "")), requirements)


def _initial_commit(project: Path, template: str, answers: dict[str, object]) -> None:
    git("init", "--quiet", "--initial-branch=main", cwd=project)
    git("add", "--all", cwd=project)
    crash_point("new: committing")
    version = answers.get("_commit", "unreleased")
    author = str(answers.get("author") or "") or None
    git(
        *identity_args(project, author),
        "commit",
        "--quiet",
        "--no-verify",
        "--no-gpg-sign",
        "-m",
        f"Generate project from copilot template {template} {version}",
        cwd=project,
    )
