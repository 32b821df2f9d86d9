"""`copilot new --docs`: the team's documents copied into a new project's data/.

Why every check comes before the first copy: a bad path must leave nothing behind (no half
project, no half data/ folder), so sources are validated and the whole list of files is made
first; only then is anything written. Files `copilot ingest` cannot read (unsupported types,
binary, not UTF-8, empty) are skipped with a note, the same checks ingest makes, and so are the
scripts and stylesheets of a folder of HTML pages (`_ASSETS`), a page whose Markdown or text
source sits beside it (`_rendering`) and an HTML template (`_template`).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from scaffolder.errors import UsageError
from scaffolder.kit.adapt.corpus import DATA_DIR
from scaffolder.kit.adapt.plan import Plan, plan_adaptation
from scaffolder.kit.retrieval.loaders import ALWAYS_SKIPPED, check_file

#: What a built site's pages are; the rules below are about them and what sits beside them.
_PAGES = frozenset({".html", ".htm"})
#: Scripts and stylesheets. In a folder of HTML pages (a built docs site) they are the site's
#: machinery (its theme, its search index: 900 KB of JavaScript in an mdBook), not documents
#: anyone asks about; elsewhere they may be the examples a guide is about, and are kept.
_ASSETS = frozenset({".js", ".mjs", ".cjs", ".css", ".scss", ".sass", ".less", ".map"})
_SITE_ASSET = "a script or stylesheet of the HTML pages beside it, not a document"


#: The sources a generator renders pages from, in the order a page's twin is looked for.
_SOURCES = (".md", ".markdown", ".rst", ".txt")


def _rendering(file: Path, files: set[Path]) -> str | None:
    """Why an HTML page is left out when its source sits beside it (`fs.md` and `fs.html`,
    as Node's API docs ship), or None: the two would be one document twice, and a question
    two documents answer is ambiguous to adapt and split between both in the answers."""
    if file.suffix.lower() not in _PAGES:
        return None
    for suffix in _SOURCES:
        twin = file.with_suffix(suffix)
        if twin in files:
            return f"the HTML rendering of {twin.name} beside it"
    return None


_EXAMPLES = re.compile(r"<(pre|code|script)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
#: How much of an HTML file is read to tell a template from a page.
_SNIFF_CHARS = 64 * 1024
#: A Jinja or Django tag or variable: `{% block body %}`, `{{ pathto(master_doc) }}`.
_TEMPLATE_TAG = re.compile(r"\{%-?\s*[a-z]\w*|\{\{-?\s*[A-Za-z_][\w.]*")


def _template(file: Path) -> str | None:
    """Why an HTML file is left out when it is a template (a Sphinx project's `_templates/`,
    a site's layouts), or None: its text is the site's chrome around placeholders; Requests'
    sidebar templates were listed among what the copilot answers about."""
    if file.suffix.lower() not in _PAGES:
        return None
    try:
        with file.open(encoding="utf-8", errors="replace") as stream:
            head = stream.read(_SNIFF_CHARS)
    except OSError:
        return None  # check_file says why it cannot be read
    markup = _EXAMPLES.sub("", head)  # a page about templates shows tags in its examples
    return "a template (Jinja or Django tags), not a page" if _TEMPLATE_TAG.search(markup) else None


#: Past this many files left out for one reason, a note names this many and counts the rest.
NAMED_PER_REASON = 3
#: Where a reason names the page a redirect leads to: one reason for all redirects.
_REDIRECT_TARGET = re.compile(r"^a redirect to .+?, not a page of its own$")


@dataclass
class DocsPlan:
    """Source file -> path under data/, and the files left out with why."""

    copies: list[tuple[Path, Path]] = field(default_factory=list)
    left_out: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def skipped(self) -> list[str]:
        """Each file left out, as "path: why"."""
        return [f"{path}: {reason}" for path, reason in self.left_out]

    def notes(self) -> list[str]:
        """What was left out, a line per file, or per reason where many files share one: a
        built manual's images made 40 lines of "unsupported file type '.gif'" before the
        line that said a link was not followed out of the folder."""
        by_reason: dict[str, list[tuple[Path, str]]] = {}
        for path, reason in self.left_out:
            shared = _REDIRECT_TARGET.sub(
                "a redirect to another page, not a page of its own", reason
            )
            by_reason.setdefault(shared, []).append((path, reason))
        notes: list[str] = []
        for reason, left in by_reason.items():
            if len(left) <= NAMED_PER_REASON:
                notes.extend(f"{path}: {own}" for path, own in left)
                continue
            paths = [path for path, _ in left]
            folder = Path(os.path.commonpath([path.parent for path in paths]))
            named = ", ".join(
                path.relative_to(folder).as_posix() for path in paths[:NAMED_PER_REASON]
            )
            notes.append(
                f"{len(paths)} files in {folder}, {reason}: {named} and "
                f"{len(paths) - NAMED_PER_REASON} more"
            )
        return notes


def plan_docs(sources: list[Path], destination: Path) -> DocsPlan:
    """Check `--docs` sources and list what would be copied; raises `UsageError` (one line)
    for a missing path, an empty folder, nothing readable, or a source inside the
    destination. A folder's files keep their layout under data/<folder name>/ when several
    sources are given, directly under data/ when it is the only one."""
    if not sources:
        raise UsageError("--docs needs a file or folder")
    target = Path(os.path.abspath(destination))  # noqa: PTH100
    plan = DocsPlan()
    reasons: Counter[str] = Counter()
    taken: set[Path] = set()
    for source in sources:
        path = Path(os.path.abspath(source.expanduser()))  # noqa: PTH100
        if path == target or path.is_relative_to(target) or target.is_relative_to(path):
            raise UsageError(f"--docs {source} overlaps the new project {destination}")
        if not path.exists():
            raise UsageError(f"--docs {source}: no such file or folder")
        files = sorted(_files(path)) if path.is_dir() else [path]
        if not files:
            raise UsageError(f"--docs {source}: the folder is empty")
        base = path if path.is_dir() else path.parent
        prefix = Path(path.name) if path.is_dir() and len(sources) > 1 else Path()
        site = path.is_dir() and any(file.suffix.lower() in _PAGES for file in files)
        present = set(files)
        links = _Links(path, files) if path.is_dir() else None
        for file in files:
            reason = links.refusal(file) if links is not None else None
            reason = reason or (_SITE_ASSET if site and file.suffix.lower() in _ASSETS else None)
            reason = reason or _rendering(file, present) or _template(file) or check_file(file)
            relative = prefix / file.relative_to(base)
            if reason is not None:
                plan.left_out.append((file, reason))
                reasons[reason] += 1
                continue
            if relative in taken:
                raise UsageError(f"--docs: two sources would both be copied to data/{relative}")
            taken.add(relative)
            plan.copies.append((file, relative))
    if not plan.copies:
        # The commonest reason, so that a folder of pages that all say "noindex" (a staging
        # build) or of redirects does not read as a folder of the wrong file types.
        reason, count = reasons.most_common(1)[0]
        raise UsageError(
            f"--docs: none of the {len(plan.left_out)} file(s) given is a document copilot "
            f"can read (markdown, text, HTML, PDF or source code); {count} skipped as: {reason}"
        )
    return plan


class _Links:
    """The symbolic links of one `--docs` folder, judged as `copilot ingest` judges them.

    A link is copied only when its target stays inside the folder, and each file once: a
    link that leaves the folder would copy what it points at (`../.env`, `~/.ssh/id_rsa`)
    into data/, the index and the project's first commit; and a link to a page copied
    already made two identical documents (Debian's Python policy ships `index.html` as a
    link to `python-policy.html`), every question of which two documents asked, so adapt
    dropped them all and derived nothing."""

    def __init__(self, folder: Path, files: list[Path]) -> None:
        self.folder = folder
        self.real_folder = folder.resolve()
        #: The real paths of the folder's own files, each judged under its own name.
        self.own = {file.resolve() for file in files if not file.is_symlink()}
        #: The real paths of the files copied under a link's name (the first link to each).
        self.linked: set[Path] = set()

    def refusal(self, file: Path) -> str | None:
        """Why the link `file` is not copied, or None (and its target counts as copied)."""
        if not file.is_symlink():
            return None
        try:
            real = file.resolve(strict=True)
        except (OSError, RuntimeError):  # RuntimeError: a loop, before Python 3.13
            return "broken symbolic link (its target is missing or a loop)"
        if not real.is_relative_to(self.real_folder):
            return f"symbolic link to {file.readlink()}, outside {self.folder}: not copied"
        target = real.relative_to(self.real_folder)
        if real in self.own:
            return f"a link to {target}, which is taken under its own name"
        if real in self.linked:
            return f"another link to {target}, copied once already"
        self.linked.add(real)
        return None


def _files(folder: Path) -> list[Path]:
    found: list[Path] = []
    for directory, subfolders, names in os.walk(folder):
        subfolders[:] = sorted(
            name for name in subfolders if name not in ALWAYS_SKIPPED and not name.startswith(".")
        )
        found.extend(Path(directory) / name for name in names if not name.startswith("."))
    return found


def copy_docs(plan: DocsPlan, project: Path) -> int:
    """Replace `project/data/` (the sample) with the planned documents; returns how many."""
    data = project / DATA_DIR
    if data.exists():
        shutil.rmtree(data)
    for source, relative in plan.copies:
        target = data / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return len(plan.copies)


@dataclass(frozen=True)
class StagedAdaptation:
    skipped: list[str]
    plan: Plan
    #: Whether data/ was indexed into the project's own store.
    indexed: bool


def adapt_new_project(
    project: Path, docs: DocsPlan, *, topic: str | None = None, index: bool = True
) -> StagedAdaptation:
    """For `copilot new --docs`: copy the documents into a freshly rendered project (a staging
    folder, no git needed), index them into its own store, and adapt it. Call `plan_docs`
    first, before anything is created.

    Indexing comes first so that adapt's checks read that index instead of building one of
    their own. `index=False` (an embedding model that needs a key, a Chroma server) leaves
    the project's store alone; the checks then index a scratch copy offline."""
    from scaffolder.kit.adapt.plan import apply_plan
    from scaffolder.kit.adapt.verify import offline_overrides
    from scaffolder.kit.retrieval.ingest import ingest
    from scaffolder.kit.retrieval.store import open_store
    from scaffolder.kit.settings import CopilotSettings

    copy_docs(docs, project)
    store: Path | None = None
    if index:
        store = project / ".copilot" / "chroma"
        settings = CopilotSettings.load(project, **offline_overrides(store))
        ingest([project / DATA_DIR], project, open_store(settings, project))
    plan = plan_adaptation(project, topic=topic, index=store)
    apply_plan(plan)
    return StagedAdaptation(docs.skipped, plan, indexed=index)


def suggested_topic(project: Path) -> str:
    """The topic `adapt` would derive from a project's data/ (the wizard's default)."""
    from scaffolder.kit.adapt.corpus import read_corpus
    from scaffolder.kit.adapt.topic import derive_topic

    return derive_topic(read_corpus(project)).name


def suggested_topic_of(docs: DocsPlan) -> str:
    """The topic `adapt` would derive from the planned documents, before any project exists
    (the wizard asks before rendering): read from a temporary copy laid out as data/."""
    with tempfile.TemporaryDirectory(prefix="copilot-topic-") as folder:
        copy_docs(docs, Path(folder))
        return suggested_topic(Path(folder))
