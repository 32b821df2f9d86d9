"""Which names a generated project may not take: the modules and distributions it installs.

A project's package sits on its own import path (`pythonpath = ["src"]` in its pytest
settings), so a project named `httpx` makes every `import httpx` in its dependencies load the
project instead, and its tests fail far from the cause. A fixed list of names goes stale with
every new dependency, so the set is computed from what is installed: the dependency closure of
the distributions the generated project requires (copilot-scaffolder, plus whatever its
pyproject lists), each distribution's top-level import names read from `top_level.txt` or its
RECORD. A distribution that is not installed here cannot be checked and is skipped.

The closure is computed once per process and per set of roots, by reading the few metadata
headers it needs as text (the email parser behind `Distribution.metadata` is several times
slower), so the wizard can re-check the name on every keystroke.
"""

from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass, field
from importlib.metadata import Distribution, PackageNotFoundError, distribution

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

import scaffolder

#: The distribution every generated project depends on (its `pyproject.toml` says so).
KIT_DISTRIBUTION = "copilot-scaffolder"
#: An editable install of the kit lists only a `.pth` file in its RECORD: name its package here.
KIT_PACKAGE = scaffolder.__name__


@dataclass(frozen=True)
class InstalledName:
    """An import name or distribution name, and the distribution that owns it."""

    distribution: str
    #: The chain of requirements that brings `distribution` in, root first.
    via: tuple[str, ...]


@dataclass
class DependencyNames:
    """Top-level import names and distribution names of a dependency closure."""

    modules: dict[str, InstalledName] = field(default_factory=dict)
    distributions: dict[str, InstalledName] = field(default_factory=dict)


@dataclass(frozen=True)
class _Metadata:
    name: str
    requires: tuple[str, ...]


def dependency_names(roots: tuple[str, ...] = (KIT_DISTRIBUTION,)) -> DependencyNames:
    """The names taken by `roots` (requirement strings, as a pyproject lists them) and
    everything they require, recursively. Cached per process and set of roots."""
    parsed: set[tuple[str, frozenset[str]]] = set()
    for root in roots:
        try:
            requirement = Requirement(root)
        except InvalidRequirement:
            continue  # the template's own problem; its render reports it, not the name check
        parsed.add((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return _closure(tuple(sorted(parsed, key=lambda item: (item[0], sorted(item[1])))))


@functools.cache
def _closure(roots: tuple[tuple[str, frozenset[str]], ...]) -> DependencyNames:
    names = DependencyNames()
    # Breadth first, so each name is reported with its shortest chain of requirements.
    pending: deque[tuple[str, frozenset[str], tuple[str, ...]]] = deque(
        (root, extras, ()) for root, extras in roots
    )
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        name, extras, via = pending.popleft()
        key = canonicalize_name(name)
        if (key, extras) in seen:
            continue
        seen.add((key, extras))
        found = _installed(key)
        if found is None:
            continue
        dist, meta = found
        owner = InstalledName(meta.name, via)
        names.distributions.setdefault(key, owner)
        for module in _top_level_names(dist):
            names.modules.setdefault(module, owner)
        if key == KIT_DISTRIBUTION:
            names.modules.setdefault(KIT_PACKAGE, owner)
        for requirement in _wanted_requirements(meta.requires, extras):
            pending.append((requirement.name, frozenset(requirement.extras), (*via, meta.name)))
    return names


@functools.cache
def _installed(key: str) -> tuple[Distribution, _Metadata] | None:
    try:
        dist = distribution(key)
    except PackageNotFoundError:
        return None
    return dist, _read_metadata(dist, key)


def _read_metadata(dist: Distribution, fallback_name: str) -> _Metadata:
    """`Name` and `Requires-Dist` from the METADATA headers (they end at the first blank line)."""
    name = fallback_name
    requires: list[str] = []
    for line in (dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "").splitlines():
        if not line:
            break
        if line.startswith("Name:"):
            name = line.removeprefix("Name:").strip() or fallback_name
        elif line.startswith("Requires-Dist:"):
            requires.append(line.removeprefix("Requires-Dist:").strip())
    return _Metadata(name, tuple(requires))


def _wanted_requirements(requires: tuple[str, ...], extras: frozenset[str]) -> list[Requirement]:
    """The requirements that apply here, for the extras that were asked for."""
    wanted = []
    for text in requires:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue  # a damaged METADATA line cannot be followed; the rest still can
        marker = requirement.marker
        if marker is None or any(marker.evaluate({"extra": extra}) for extra in extras | {""}):
            wanted.append(requirement)
    return wanted


def _top_level_names(dist: Distribution) -> set[str]:
    declared = dist.read_text("top_level.txt")
    if declared is not None:
        candidates = [line.strip().split("/")[0] for line in declared.splitlines()]
    else:
        record = dist.read_text("RECORD") or ""
        candidates = [_record_top_level(line) for line in record.splitlines()]
    return {name for name in candidates if name.isidentifier() and name != "__pycache__"}


def _record_top_level(line: str) -> str:
    """The import name a RECORD row installs at the top of site-packages, or ''."""
    path = line.rsplit(",", 2)[0].strip('"')
    first, sep, _ = path.partition("/")
    if sep:
        return first  # a package folder (dist-info, data and `..` folders are no identifiers)
    stem, dot, suffix = first.partition(".")
    return stem if dot and (suffix == "py" or suffix.endswith(("so", "pyd"))) else ""
