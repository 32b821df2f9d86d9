"""The package's layers hold: the import contracts in pyproject.toml ([tool.importlinter]),
checked by import-linter on the code as it is, and shown to catch a break.

Why through `lint-imports` in a subprocess: it reads the package from the files, so a copy
of the package with one bad import line can be linted next to the real one.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def lint(where: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """`lint-imports` over the `scaffolder` package in `where`, with its pyproject.toml (only
    the contracts with these ids, when given)."""
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert command is not None, "lint-imports is missing: pip install -e '.[dev]'"
    chosen = [arg for contract in contracts for arg in ("--contract", contract)]
    return subprocess.run(
        [command, "--no-cache", "--no-logo", *chosen, str(where / "pyproject.toml")],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_package_keeps_its_contracts() -> None:
    linted = lint(REPO)
    assert linted.returncode == 0, linted.stdout + linted.stderr
    assert "Contracts: 4 kept, 0 broken." in linted.stdout


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """The package and its contracts in a folder of their own, to break on purpose."""
    shutil.copytree(
        REPO / "scaffolder", tmp_path / "scaffolder", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # A part importing the runtime above it.
        ("kit/settings.py", "import scaffolder.kit.copilot.runtime", "kit-layers"),
        # The kit reaching up to the command.
        ("kit/text.py", "import scaffolder.cli.bench", "package-layers"),
        # The runtime rendering templates.
        ("kit/copilot/runtime.py", "import copier", "only-scaffold-renders"),
        # The symbol index reaching the runtime (which imports it).
        ("kit/symbols/index.py", "import scaffolder.kit.copilot", "kit-layers"),
        # The runtime's bench target reaching the bench runner above it.
        ("kit/copilot/bench_target.py", "import scaffolder.kit.bench.targets", "kit-layers"),
        # Two modules of one package importing each other (no layer between them).
        ("kit/bench/results.py", "import scaffolder.kit.bench.views", "no-cycles"),
    ],
)
def test_one_bad_import_breaks_a_contract(
    package_copy: Path, module: str, line: str, broken: str
) -> None:
    assert lint(package_copy).returncode == 0, "the copy starts out clean"
    target = package_copy / "scaffolder" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    assert lint(package_copy).returncode == 1
    linted = lint(package_copy, broken)
    assert linted.returncode == 1, f"{broken} misses {line} in {module}"
    imported = line.split()[-1].rsplit(".", 1)[-1]
    assert "BROKEN" in linted.stdout and imported in linted.stdout, linted.stdout


def test_the_architecture_page_names_only_what_exists() -> None:
    """Every path and dotted module the page names is in the tree (a move must update it)."""
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    quoted = [q for q in re.findall(r"`([^`\s]+)`", page) if "<" not in q]  # not placeholders
    paths = [
        q.rstrip("/") for q in quoted if re.match(r"(scaffolder|kit|templates|scripts|tests)/", q)
    ]
    missing = [
        p for p in paths if not (REPO / p).exists() and not (REPO / "scaffolder" / p).exists()
    ]
    dotted = [q for q in quoted if re.fullmatch(r"scaffolder(\.\w+)+", q)]
    unresolved = [name for name in dotted if not _resolves(name)]
    assert len(paths) > 30 and dotted, "the page names modules"
    assert missing == [] and unresolved == []


def _resolves(name: str) -> bool:
    """`name` is a module, or an attribute of one, importable from this checkout."""
    module, _, attribute = name.rpartition(".")
    try:
        if importlib.util.find_spec(name) is not None:
            return True
    except ModuleNotFoundError:  # `module` is a module, not a package
        pass
    return hasattr(importlib.import_module(module), attribute)
