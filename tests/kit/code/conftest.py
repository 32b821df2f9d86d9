"""A real small repository for the code-assistant tests: six 1.16.0's sdist, unpacked fresh."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from scaffolder.kit.code.context import EditorContext, Position, Selection, SourceView
from scaffolder.kit.symbols.source import Symbol, file_symbols

SDIST = Path(__file__).parent / "data" / "six-1.16.0.tar.gz"
#: Fails in this environment before any edit (no `dbm.ndbm` module), so it is left out.
SIX_TESTS = [
    sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_six.py",
    "--deselect", "test_six.py::test_move_items[dbm_ndbm]",
]  # fmt: skip


def unpack_six(destination: Path) -> Path:
    """Unpack the sdist into `destination`; returns its top folder. Uses tarfile's `data`
    filter where Python has it (3.11.4+), and otherwise refuses any member that is not a
    plain file or folder inside the destination, which is what that filter guarantees."""
    with tarfile.open(SDIST) as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(destination, filter="data")
        else:
            for member in archive.getmembers():
                inside = (destination / member.name).resolve().is_relative_to(destination.resolve())
                if not (member.isfile() or member.isdir()) or not inside:
                    raise ValueError(f"unsafe member in {SDIST.name}: {member.name}")
            archive.extractall(destination)
    return destination / "six-1.16.0"


@pytest.fixture
def six_repo(tmp_path: Path) -> Path:
    """six's source tree in a fresh folder (top-level `six.py`, `test_six.py`, docs)."""
    return unpack_six(tmp_path)


def symbol(root: Path, name: str, file: str = "six.py") -> Symbol:
    text = (root / file).read_text(encoding="utf-8")
    return next(s for s in file_symbols(file, text) if s.qualname == name)


def cursor_in(root: Path, name: str, *, offset: int = 1, file: str = "six.py") -> SourceView:
    """A view with the cursor `offset` lines into symbol `name`."""
    line = symbol(root, name, file).start_line + offset
    return EditorContext(file, Position(line, 4)).bind(root)


def selecting(root: Path, first: str, last: str, file: str = "six.py") -> SourceView:
    """A view selecting whole lines from symbol `first`'s start to symbol `last`'s end."""
    start, end = symbol(root, first, file).start_line, symbol(root, last, file).end_line
    selection = Selection(Position(start, 0), Position(end + 1, 0))
    return EditorContext(file, Position(end + 1, 0), selection).bind(root)


def imports_six(root: Path, code: str = "import six; print(six.__version__)") -> str:
    """Run `code` in a new interpreter with `root` on the path; its stdout."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()
