"""Regenerate `stdlib_docs.json` from the docstrings of the running Python's standard library.

The evaluation corpus is documentation we did not write: one chunk per public, documented
function, class or method of a fixed list of modules, in the order `inspect` lists them. It is
saved rather than extracted at test time because docstrings change between Python versions
and the questions name the chunks that answer them.

    python tests/kit/retrieval/eval/extract.py
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import functools
import glob
import heapq
import inspect
import json
import json as json_module
import pathlib
import platform
import shutil
import statistics
import tempfile
import textwrap
from pathlib import Path
from types import ModuleType

MODULES: tuple[ModuleType, ...] = (
    argparse,
    csv,
    fnmatch,
    functools,
    glob,
    heapq,
    json_module,
    pathlib,
    shutil,
    statistics,
    tempfile,
    textwrap,
)
#: Classes whose public methods are chunks of their own, not only the class docstring.
EXPAND = ("pathlib.Path", "pathlib.PurePath", "argparse.ArgumentParser", "textwrap.TextWrapper")
#: Docstrings shorter than this are signatures or one-word stubs, not documentation.
MIN_CHARS = 40
OUTPUT = Path(__file__).with_name("stdlib_docs.json")


def _documented(qualname: str, obj: object) -> dict[str, str] | None:
    doc = inspect.getdoc(obj)
    if not doc or len(doc) < MIN_CHARS:
        return None
    return {"id": qualname, "text": f"{qualname}\n\n{doc}"}


def extract() -> list[dict[str, str]]:
    chunks: list[dict[str, str]] = []
    for module in MODULES:
        names = getattr(module, "__all__", None) or [
            n for n in dir(module) if not n.startswith("_")
        ]
        for name in sorted(names):
            obj = getattr(module, name, None)
            if not (inspect.isfunction(obj) or inspect.isclass(obj) or inspect.isbuiltin(obj)):
                continue
            if getattr(obj, "__module__", "").split(".")[0] not in (
                module.__name__,
                "_" + module.__name__,
            ):
                continue
            qualname = f"{module.__name__}.{name}"
            entry = _documented(qualname, obj)
            if entry:
                chunks.append(entry)
            if qualname in EXPAND and inspect.isclass(obj):
                for member_name, member in sorted(vars(obj).items()):
                    if member_name.startswith("_") or not callable(member):
                        continue
                    entry = _documented(f"{qualname}.{member_name}", member)
                    if entry:
                        chunks.append(entry)
    return chunks


def main() -> None:
    data = {
        "origin": (
            "Docstrings of the Python standard library (Python Software Foundation License), "
            f"extracted with inspect.getdoc from CPython {platform.python_version()} by extract.py"
        ),
        "chunks": extract(),
    }
    OUTPUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")


if __name__ == "__main__":
    main()
