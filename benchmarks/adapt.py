"""How long `copilot new --docs` takes over 200 documents (about 2 MB), offline.

Usage: python benchmarks/adapt.py [--documents 200] [--megabytes 2]

The documents are built from text on this machine: Debian's /usr/share/doc README and
copyright files and man pages (rendered with `man -P cat`), cut or padded to the target size;
no tuning corpus is shipped. Steps, each timed:

1. render: `copilot new qa-rag bot --defaults` (a subprocess, as a user runs it);
2. copy: `plan_docs` + `copy_docs` (the validation and copy `new --docs` does first);
3. adapt: `plan_adaptation` + `apply_plan` (derivation, verification against a scratch index,
   the journaled write);
4. ingest: `copilot ingest` (the index the lead's `new --docs` builds last).

The sum estimates `new --docs`; the target is under 60 s on 2 cores.
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

from scaffolder.kit.adapt import apply_plan, copy_docs, plan_adaptation, plan_docs

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


def timed(label: str, work: list[tuple[str, float]], start: float) -> float:
    now = time.perf_counter()
    work.append((label, now - start))
    return now


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=200)
    parser.add_argument("--megabytes", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="adapt-bench-") as folder:
        base = Path(folder)
        env = {**os.environ, "HOME": str(base), "COPILOT_PROVIDER": "offline"}
        size = build_documents(base / "docs", args.documents, int(args.megabytes * 1024**2))
        steps: list[tuple[str, float]] = []
        start = time.perf_counter()
        subprocess.run(
            [str(BIN / "copilot"), "new", "qa-rag", "bot", "--defaults"],
            cwd=base,
            env=env,
            check=True,
            capture_output=True,
        )
        start = timed("render (copilot new)", steps, start)
        project = base / "bot"
        docs = plan_docs([base / "docs"], project)
        copy_docs(docs, project)
        start = timed("copy --docs", steps, start)
        plan = plan_adaptation(project)
        apply_plan(plan)
        start = timed("adapt", steps, start)
        subprocess.run(
            [str(BIN / "copilot"), "ingest"],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
        )
        timed("ingest", steps, start)
        derived = plan.derived
        print(f"{args.documents} documents, {size / 1024**2:.2f} MB, topic: {plan.topic}")
        print(
            f"suite questions kept {derived.questions_kept}/{derived.questions_checked}, "
            f"off-topic declined {derived.off_topic_kept}/{derived.off_topic_checked}"
        )
        for label, seconds in steps:
            print(f"{label:<22} {seconds:7.2f} s")
        print(f"{'total':<22} {sum(s for _, s in steps):7.2f} s")


if __name__ == "__main__":
    main()
