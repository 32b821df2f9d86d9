"""The template history: every released version of the bundled templates, kept in git.

Copier re-renders a project's *old* template version during an update, and it always reads
that version from the answers file's `_src_path` at `_commit`. A pip-installed package that
holds only plain template folders has no history, so copilot ships one: a git bundle with a
tag `v<version>` per release (every old tag kept) plus a lock file of the tree each tag holds.

Before `new` and `update` the bundle is synced to one per-user path that is recorded in the
answers file with a literal `~`, so the answers file means the same on every machine. Several
installed copilot versions may share that path: syncing only ever adds tags.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from packaging.version import InvalidVersion, Version

import scaffolder
from scaffolder.errors import TemplateHistoryError
from scaffolder.scaffold._assembly import assemble, tree_hash
from scaffolder.scaffold._git import git

PACKAGE_DIR = Path(scaffolder.__file__).resolve().parent
PACKAGED_BUNDLE = PACKAGE_DIR / "_data" / "templates.bundle"
PACKAGED_LOCK = PACKAGE_DIR / "_data" / "templates.lock.json"
CHECKOUT_TEMPLATES = PACKAGE_DIR.parent / "templates"
#: Where every machine keeps its copy of the history; recorded in answers files as written.
USER_BUNDLE = "~/.local/share/copilot/templates.bundle"
#: Where a checkout's unreleased templates are assembled to be rendered, one folder per tree.
WORKING_TREES = "~/.cache/copilot/assembled"


def tag_for(version: str) -> str:
    return f"v{version}"


def version_of_tag(tag: str) -> Version | None:
    """The version a `v1.2.3` tag names, or None for tags that are not versions."""
    try:
        return Version(tag.removeprefix("v"))
    except InvalidVersion:
        return None


def bundle_tags(bundle: Path) -> dict[str, str]:
    """Tag name -> commit id for every tag a bundle holds."""
    listing = git("bundle", "list-heads", str(bundle))
    tags: dict[str, str] = {}
    for line in listing.splitlines():
        commit, _, ref = line.partition(" ")
        if ref.startswith("refs/tags/"):
            tags[ref.removeprefix("refs/tags/")] = commit
    return tags


@dataclass(frozen=True)
class TemplateSource:
    """Where copier reads a template from, and whether projects made from it can update."""

    src_path: str
    vcs_ref: str | None
    version: str | None
    updatable: bool
    note: str | None = None


@dataclass(frozen=True)
class TemplateHistory:
    """The released template versions that ship with one installed copilot."""

    bundle: Path
    lock: Path
    version: str
    user_bundle: str = USER_BUNDLE
    checkout: Path | None = None

    @classmethod
    def installed(cls) -> TemplateHistory:
        """The history of the running copilot; a checkout's `templates/` when there is one."""
        checkout = CHECKOUT_TEMPLATES if (CHECKOUT_TEMPLATES / "copier.yml").is_file() else None
        return cls(
            bundle=PACKAGED_BUNDLE,
            lock=PACKAGED_LOCK,
            version=scaffolder.__version__,
            checkout=checkout,
        )

    @property
    def tag(self) -> str:
        return tag_for(self.version)

    @cached_property
    def released(self) -> dict[str, str]:
        """Released version -> tree id, from the lock file."""
        try:
            data = json.loads(self.lock.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            raise TemplateHistoryError(
                f"template lock file {self.lock} is unreadable: {error}"
            ) from error
        return {version: entry["tree"] for version, entry in data.get("versions", {}).items()}

    def released_versions(self) -> list[str]:
        return sorted(self.released, key=Version)

    def unreleased_edits(self) -> bool:
        """Whether the checkout's templates differ from the release of the installed version."""
        if self.checkout is None:
            return False
        try:
            tree = assemble(self.checkout).tree
        except TemplateHistoryError:  # a layout no release can have; `source` says what is wrong
            return True
        return self.released.get(self.version) != tree

    def user_bundle_path(self) -> Path:
        return Path(self.user_bundle).expanduser()

    def sync(self) -> Path:
        """Make the per-user bundle hold every tag of the packaged one; return its path."""
        if not self.bundle.is_file():
            raise TemplateHistoryError(
                f"the template history {self.bundle} is missing; reinstall copilot"
            )
        target = self.user_bundle_path()
        packaged = bundle_tags(self.bundle)
        if target.is_file():
            existing = bundle_tags(target)
            for tag, commit in packaged.items():
                if tag in existing and existing[tag] != commit:
                    raise TemplateHistoryError(
                        f"template tag {tag} differs between {self.bundle} and {target}; "
                        "a template version was released twice with different content"
                    )
            if packaged.keys() <= existing.keys():
                return target
            if existing.keys() <= packaged.keys():
                _copy_atomically(self.bundle, target)
            else:
                _merge_bundles(self.bundle, target)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_atomically(self.bundle, target)
        return target

    def source(self) -> TemplateSource:
        """The template source `copilot new` renders from.

        A release of the installed version is read from the synced bundle at its tag, so the
        project can later be updated. A checkout with unreleased template edits renders its
        working folder instead, and says the result cannot be updated.
        """
        if self.checkout is not None and self.unreleased_edits():
            return TemplateSource(
                src_path=str(_assembled_checkout(self.checkout)),
                vcs_ref=None,
                version=None,
                updatable=False,
                note=(
                    f"templates/ has edits not released as {self.tag}: the project is rendered "
                    "from the working folder and cannot be updated later "
                    "(release with `python scripts/release_templates.py`)"
                ),
            )
        self.sync()
        if self.version not in self.released:
            raise TemplateHistoryError(
                f"copilot {self.version} ships no template release {self.tag}; reinstall copilot"
            )
        return TemplateSource(
            src_path=self.user_bundle, vcs_ref=self.tag, version=self.version, updatable=True
        )


def _assembled_checkout(checkout: Path) -> Path:
    """The checkout's templates assembled (see `_assembly`) in a per-user folder named by the
    tree, so copier renders a complete tree. A folder of that name is reused only when its
    files still hash to its name (a name claims nothing); a new one appears whole (written
    beside it, then renamed) or not at all."""
    assembly = assemble(checkout)
    target = Path(WORKING_TREES).expanduser() / assembly.tree
    if target.is_dir():
        if tree_hash(target) == assembly.tree:
            return target
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=target.parent, prefix=".assembling-"))
    try:
        assembly.write(scratch / "tree")
        try:
            (scratch / "tree").rename(target)
        except OSError:
            if not target.is_dir():  # another process put the same tree there first: fine
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def _copy_atomically(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".tmp") as handle:
        temporary = Path(handle.name)
    try:
        shutil.copyfile(source, temporary)
        temporary.chmod(0o644)
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


def _merge_bundles(packaged: Path, target: Path) -> None:
    """Write to `target` a bundle holding the tags of both (two copilot versions side by side)."""
    with tempfile.TemporaryDirectory(prefix="copilot-history-") as scratch:
        repo = Path(scratch, "repo")
        git("init", "--quiet", "--bare", str(repo))
        for bundle in (target, packaged):
            git("fetch", "--quiet", str(bundle), "refs/tags/*:refs/tags/*", cwd=repo)
        merged = Path(scratch, "merged.bundle")
        git("bundle", "create", "--quiet", str(merged), "--tags", cwd=repo)
        _copy_atomically(merged, target)
