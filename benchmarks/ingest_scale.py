"""Ingest at scale: a generated repository of many small files, outside the project, as a source.

Usage: python benchmarks/ingest_scale.py [--files 100000] [--folder /dev/shm]

Generates `--files` small Python and markdown files (about 10% of them under folders the
repository's `.gitignore` excludes, which must not be read), in `--folder` (tmpfs by default, so
the disk does not dominate), then ingests the repository as a configured source of a fresh
project with the offline `local` embedder into embedded Chroma, twice: the full index, then a
re-ingest with nothing changed. Reports wall time, files per second, the progress line, the
peak of Python allocations (tracemalloc) and the process's peak resident memory
(`resource.getrusage`). Why both: tracemalloc sees what our code holds (it must not grow with
every file kept in memory), the resident peak includes Chroma's native side.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scaffolder.kit.retrieval.embedders import LocalEmbedder
from scaffolder.kit.retrieval.ingest import IngestReport, ingest
from scaffolder.kit.retrieval.store import VectorStore, connect
from scaffolder.kit.sources import SourceMap

PER_FOLDER = 500


def generate(repo: Path, files: int) -> int:
    """`files` files in folders of `PER_FOLDER`; every tenth folder is git-ignored build
    output. Returns how many files are not ignored."""
    (repo / ".gitignore").write_text("build-*/\n*.tmp.py\n")
    kept = 0
    for number in range(files):
        folder_number = number // PER_FOLDER
        ignored = folder_number % 10 == 9
        folder = repo / (f"build-{folder_number}" if ignored else f"pkg{folder_number}")
        if number % PER_FOLDER == 0:
            folder.mkdir()
        if number % 2:
            (folder / f"notes_{number}.md").write_text(
                f"# Module {number}\n\nThe handler {number} parses record {number * 7}.\n"
            )
        else:
            (folder / f"mod_{number}.py").write_text(
                f'def handler_{number}(record):\n    """Parse record {number}."""\n'
                f"    return record * {number % 97}\n"
            )
        kept += not ignored
    return kept


def timed(paths: list[Path], project: Path, store: VectorStore, roots: SourceMap) -> tuple[
    float, IngestReport, int, list[str]
]:  # fmt: skip
    report = IngestReport()
    lines: list[str] = []
    walked = 0

    def progress(_: str) -> None:
        nonlocal walked
        walked += 1
        if walked % 20_000 == 0:
            lines.append(report.progress_line())

    tracemalloc.start()
    start = time.perf_counter()
    ingest(paths, project, store, progress, sources=roots, report=report)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, report, peak, lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--folder", default="/dev/shm" if Path("/dev/shm").is_dir() else None)
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="copilot-scale-", dir=options.folder))
    try:
        repo, project = scratch / "repo", scratch / "bot"
        repo.mkdir()
        project.mkdir()
        start = time.perf_counter()
        expected = generate(repo, options.files)
        generated = time.perf_counter() - start
        roots = SourceMap.of(project, [str(repo)])
        store = VectorStore(connect(None, project / ".copilot" / "chroma"), LocalEmbedder())
        full, report, peak, lines = timed([repo], project, store, roots)
        assert report.files == expected, (report.files, expected)
        again, unchanged, peak_again, _ = timed([repo], project, store, roots)
        assert unchanged.unchanged_files == expected and unchanged.added == 0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"python benchmarks/ingest_scale.py --files {options.files} --folder {options.folder}\n")
    print(f"generated {options.files} files ({expected} not ignored) in {generated:.1f} s")
    for line in lines:
        print(f"progress: {line}")
    print("| measure | result |\n| --- | --- |")
    print(f"| full ingest | {full:.0f} s ({report.files / full:,.0f} files/s, "
          f"{report.added} chunks) |")  # fmt: skip
    rate = unchanged.files / again
    print(f"| re-ingest, nothing changed | {again:.0f} s ({rate:,.0f} files/s) |")
    print(f"| peak Python allocations (tracemalloc), full / unchanged | "
          f"{peak / 2**20:.0f} / {peak_again / 2**20:.0f} MiB |")  # fmt: skip
    print(f"| peak resident memory of the process | {rss:.0f} MiB |")
    print(f"| final line | {unchanged.progress_line()} |")


if __name__ == "__main__":
    main()
