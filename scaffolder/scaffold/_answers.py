"""Answers given on the command line or in a file, checked before anything is rendered."""

from __future__ import annotations

import keyword
import re
import sys
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name

from scaffolder.errors import UsageError
from scaffolder.scaffold._shadowing import KIT_DISTRIBUTION, InstalledName, dependency_names

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
#: Names a project's package may not take whatever it depends on: its own layout uses them.
_LAYOUT_NAMES = frozenset({"tests", "test", "src"})


def package_name_for(project_name: str) -> str:
    return project_name.lower().replace("-", "_")


def validate_project_name(name: str, requirements: tuple[str, ...] = ()) -> None:
    """Refuse names that cannot be a directory, a distribution and a Python package at once.

    `requirements` are what the rendered project's pyproject lists beyond the kit: their
    modules are shadowed too.
    """
    if not name.strip():
        raise UsageError("the project name is empty")
    if "/" in name or "\\" in name or name.startswith("."):
        raise UsageError(
            f"project name {name!r} is a path; give a plain name and put the path in DEST"
        )
    if not _NAME.match(name):
        raise UsageError(
            f"project name {name!r} is invalid: use letters, digits, '-' or '_', start with a "
            "letter, at most 64 characters (no spaces)"
        )
    package = package_name_for(name)
    if keyword.iskeyword(package) or keyword.iskeyword(name):
        raise UsageError(f"project name {name!r} is a Python keyword; it cannot name a package")
    if package in sys.stdlib_module_names or package in _LAYOUT_NAMES:
        raise UsageError(
            f"project name {name!r} would shadow the module {package!r} the project imports; "
            "choose another"
        )
    _refuse_installed_names(name, package, requirements)


def _refuse_installed_names(name: str, package: str, requirements: tuple[str, ...]) -> None:
    """Refuse a package or distribution name that one of the project's dependencies owns."""
    taken = dependency_names((KIT_DISTRIBUTION, *requirements))
    module = taken.modules.get(package)
    if module is not None:
        raise UsageError(
            f"project name {name!r} would shadow the module {package!r} of "
            f"{module.distribution}{_through(module)}, which the project imports; choose another"
        )
    dist = taken.distributions.get(canonicalize_name(name))
    if dist is not None:
        raise UsageError(
            f"project name {name!r} is the distribution {dist.distribution}"
            f"{_through(dist)}: installing the project would replace it; choose another"
        )


def _through(owner: InstalledName) -> str:
    return f" (required by {owner.via[-1]})" if owner.via else ""


def parse_data(items: list[str]) -> dict[str, str]:
    """`KEY=VALUE` pairs from `--data`, later ones winning."""
    answers: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--data {item!r} is not KEY=VALUE")
        answers[_checked_key(key.strip(), f"--data {item!r}")] = value
    return answers


def read_answers_file(path: Path) -> dict[str, Any]:
    """A YAML mapping of answers (the format of `.copier-answers.yml`, `_` keys ignored)."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(f"answers file {path} does not exist") from exc
    except UnicodeDecodeError as error:
        raise UsageError(
            f"answers file {path} is not UTF-8 text (byte {error.object[error.start]:#04x} at "
            f"offset {error.start}); save it as UTF-8"
        ) from error
    except OSError as error:
        raise UsageError(f"cannot read answers file {path}: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise UsageError(f"answers file {path} is not valid YAML{where}") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UsageError(f"answers file {path} must hold a mapping of question: answer")
    answers: dict[str, Any] = {}
    for key, value in loaded.items():
        if isinstance(key, str) and key.startswith("_"):
            continue  # copier's own bookkeeping, as in a copied .copier-answers.yml
        if isinstance(value, dict | list):
            raise UsageError(f"answers file {path}: the answer to {key!r} must be a plain value")
        answers[_checked_key(str(key), f"answers file {path}")] = value
    return answers


def _checked_key(key: str, where: str) -> str:
    if key.startswith("_"):
        raise UsageError(f"{where}: {key!r} is copier's own setting, not a question")
    if not _KEY.match(key):
        raise UsageError(f"{where}: {key!r} is not a question name")
    return key
