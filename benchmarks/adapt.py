"""How long `copilot new qa-rag bot --docs DOCS --defaults` takes over 200 documents (about
2 MB), offline, end to end, as a user runs it.

Usage: python benchmarks/adapt.py [--documents 200] [--megabytes 2]

The documents are built from text on this machine: Debian's /usr/share/doc README and
copyright files and man pages (rendered with `man -P cat`), cut or padded to the target size;
no tuning corpus is shipped. The command renders the project, copies the documents into data/,
indexes them into the project's store, adapts the project (derivation, checks against that
index, the baseline run) and makes the first commit. The target is under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def texts() -> list[tuple[str, str]]:
    """(name, text) of readable documentation on this machine, in a stable order."""
    found: list[tuple[str, str]] = []
    for path in sorted(Path("/usr/share/doc").glob("*/*")):
        if not path.name.startswith(("README", "copyright")) or not path.is_file():
            continue
        try:
            raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError, gzip.BadGzipFile):
            continue
        if len(text) > 500:
            found.append((f"{path.parent.name}-{path.name.removesuffix('.gz')}", text))
    for page in ("ls", "cp", "tar", "grep", "find", "sed", "ps", "sort", "chmod", "du"):
        rendered = subprocess.run(
            ["man", "-P", "cat", page],
            capture_output=True,
            text=True,
            env={**os.environ, "MANWIDTH": "80"},
            check=False,
        ).stdout
        if rendered:
            found.append((f"man-{page}", rendered))
    return found


def build_documents(folder: Path, count: int, total_bytes: int) -> int:
    folder.mkdir(parents=True)
    available = texts()
    if not available:
        raise SystemExit("no documentation text found under /usr/share/doc")
    size = total_bytes // count
    written = 0
    for index in range(count):
        name, text = available[index % len(available)]
        while len(text) < size:
            text += "\n\n" + text
        body = text[:size]
        (folder / f"{index:03d}-{name}.txt").write_text(body, encoding="utf-8")
        written += len(body.encode("utf-8"))
    return written


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--megabytes", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="adapt-bench-") as folder:
        base = Path(folder)
        env = {**os.environ, "HOME": str(base), "COPILOT_PROVIDER": "offline"}
        for key, value in (("user.name", "Bench"), ("user.email", "bench@example.invalid")):
            subprocess.run(["git", "config", "--global", key, value], env=env, check=True)
        size = build_documents(base / "docs", args.documents, int(args.megabytes * 1024**2))
        start = time.perf_counter()
        ran = subprocess.run(
            [str(BIN / "copilot"), "new", "qa-rag", "bot", "--docs", "docs", "--defaults"],
            cwd=base,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        if ran.returncode != 0:
            raise SystemExit(f"copilot new failed ({ran.returncode}): {ran.stderr.strip()}")
        print(f"{args.documents} documents, {size / 1024**2:.2f} MB")
        for line in ran.stdout.splitlines():
            if line.startswith(("Topic", "Derived")):
                print(line)
        print(f"{'copilot new --docs':<22} {seconds:7.2f} s")


if __name__ == "__main__":
    main()
