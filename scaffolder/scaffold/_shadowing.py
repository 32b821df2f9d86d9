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
import re
from collections import deque
from dataclasses import dataclass, field
from importlib.metadata import Distribution, distributions

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
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
    parsed = {_parse_requirement(root) for root in roots}
    wanted = {(name, extras) for name, extras, _ in (p for p in parsed if p is not None)}
    return _closure(tuple(sorted(wanted, key=lambda item: (item[0], sorted(item[1])))))


@functools.cache
def _closure(roots: tuple[tuple[str, frozenset[str]], ...]) -> DependencyNames:
    names = DependencyNames()
    installed = _installed()
    # Breadth first, so each name is reported with its shortest chain of requirements.
    pending: deque[tuple[str, frozenset[str], tuple[str, ...]]] = deque(
        (root, extras, ()) for root, extras in roots
    )
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        key, extras, via = pending.popleft()
        if (key, extras) in seen or key not in installed:
            continue
        seen.add((key, extras))
        dist, meta = installed[key]
        owner = InstalledName(meta.name, via)
        names.distributions.setdefault(key, owner)
        for module in _top_level_names(dist):
            names.modules.setdefault(module, owner)
        if key == KIT_DISTRIBUTION:
            names.modules.setdefault(KIT_PACKAGE, owner)
        for name, wanted_extras in _wanted_requirements(meta.requires, extras):
            pending.append((name, wanted_extras, (*via, meta.name)))
    return names


@functools.cache
def _installed() -> dict[str, tuple[Distribution, _Metadata]]:
    """Every installed distribution by canonical name; the first on sys.path wins, as for
    `importlib.metadata.distribution` (one pass instead of a path search per name)."""
    found: dict[str, tuple[Distribution, _Metadata]] = {}
    for dist in distributions():
        meta = _read_metadata(dist)
        if meta is not None:
            found.setdefault(canonicalize_name(meta.name), (dist, meta))
    return found


def _read_metadata(dist: Distribution) -> _Metadata | None:
    """`Name` and `Requires-Dist` from the METADATA headers (they end at the first blank line)."""
    name = ""
    requires: list[str] = []
    for line in (dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "").splitlines():
        if not line:
            break
        if line.startswith("Name:"):
            name = line.removeprefix("Name:").strip()
        elif line.startswith("Requires-Dist:"):
            requires.append(line.removeprefix("Requires-Dist:").strip())
    return _Metadata(name, tuple(requires)) if name else None


def _wanted_requirements(
    requires: tuple[str, ...], extras: frozenset[str]
) -> list[tuple[str, frozenset[str]]]:
    """The requirements that apply here, for the extras that were asked for."""
    wanted = []
    for text in requires:
        parsed = _parse_requirement(text)
        if parsed is None:
            continue  # a damaged METADATA line cannot be followed; the rest still can
        name, wanted_extras, marker = parsed
        if not marker or any(_marker_holds(marker, extra) for extra in extras | {""}):
            wanted.append((name, wanted_extras))
    return wanted


def _parse_requirement(text: str) -> tuple[str, frozenset[str], str] | None:
    """Canonical name, extras and marker text of a PEP 508 requirement, or None if invalid.

    The common shapes are split with one regular expression; the rest (URLs) go through
    `packaging`, whose full parser costs most of the closure's time when used for all."""
    simple = _SIMPLE_REQUIREMENT.match(text)
    if simple is not None:
        extras = simple.group("extras") or ""
        listed = frozenset(canonicalize_name(e.strip()) for e in extras.split(",") if e.strip())
        return canonicalize_name(simple.group("name")), listed, simple.group("marker") or ""
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return None
    marker = str(requirement.marker) if requirement.marker is not None else ""
    listed = frozenset(canonicalize_name(e) for e in requirement.extras)
    return canonicalize_name(requirement.name), listed, marker


_SIMPLE_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*"
    r"(?:\[(?P<extras>[^\]]*)\])?\s*(?:\(?\s*[<>=!~][^;@\[]*)?(?:;\s*(?P<marker>.*?))?\s*$"
)
_ONLY_EXTRA = re.compile(r"""^extra\s*==\s*['"]([^'"]+)['"]$""")


@functools.cache
def _marker_holds(marker: str, extra: str) -> bool:
    only_extra = _ONLY_EXTRA.match(marker)
    if only_extra is not None:
        return canonicalize_name(only_extra.group(1)) == extra
    try:
        return Marker(marker).evaluate({"extra": extra})
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
        return False


def _top_level_names(dist: Distribution) -> set[str]:
    declared = dist.read_text("top_level.txt")
    if declared is not None:
        candidates = [line.strip().split("/")[0] for line in declared.splitlines()]
    else:
        candidates = _RECORD_TOP_LEVEL.findall(dist.read_text("RECORD") or "")
    return {name for name in candidates if name.isidentifier() and name != "__pycache__"}


#: The import name a RECORD row installs at the top of site-packages: a package folder, or a
#: module file (`x.py`, `x.cpython-311-....so`). dist-info, data and `..` folders are no
#: identifiers, so they fall out.
_RECORD_TOP_LEVEL = re.compile(r'^"?([^/,\n"]+?)(?:/|\.py,|\.[^/,\n]*(?:so|pyd),)', re.MULTILINE)
