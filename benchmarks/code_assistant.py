"""Code assistant: indexing a real code base, re-indexing after one edit, offline proposals.

Usage: python benchmarks/code_assistant.py [--package pydantic] [--files 40]

- Indexing throughput of `copilot ingest`'s engine (code-aware chunking, `local` embedder,
  embedded Chroma) on a copy of an installed library's source (default: pydantic, ~47k lines).
- Incremental re-index after editing one file: only that file is re-chunked and its changed
  chunks embedded; the rest is recognised by its hash (median of 5 edits). Measured twice:
  the code inside the project, and the same code as a configured source outside it
  (`[tool.copilot] sources`, cited as `<source>/<path>`).
- Offline proposal latency: `document` (cursor in a function) and `add_test` on the largest
  Python files of the library, proposal built (diff, fingerprint), median and p95.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scaffolder.kit.code.context import EditorContext, Position
from scaffolder.kit.code.offline_skills import add_test, document
from scaffolder.kit.retrieval.embedders import LocalEmbedder
from scaffolder.kit.retrieval.ingest import ingest
from scaffolder.kit.retrieval.store import VectorStore, connect
from scaffolder.kit.sources import SourceMap
from scaffolder.kit.symbols.source import file_symbols


def package_source(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{name} is not an installed package")
    return Path(next(iter(spec.submodule_search_locations)))


def count_lines(root: Path) -> int:
    return sum(len(p.read_bytes().splitlines()) for p in root.rglob("*.py"))


def proposal_latency(root: Path, files: int) -> dict[str, list[float]]:
    """Seconds per `document` and `add_test` call on the `files` largest modules."""
    modules = sorted(root.rglob("*.py"), key=lambda p: p.stat().st_size, reverse=True)[:files]
    samples: dict[str, list[float]] = {"document": [], "add_test": []}
    for path in modules:
        relative = path.relative_to(root).as_posix()
        functions = [
            s for s in file_symbols(relative, path.read_text()) if s.kind in ("function", "method")
        ]
        if not functions:
            continue
        line = functions[len(functions) // 2].start_line + 1
        for skill in (document, add_test):
            start = time.perf_counter()
            view = EditorContext(relative, Position(line)).bind(root)
            skill(view)
            samples[skill.__name__].append(time.perf_counter() - start)
    return samples


def reindex_after_edits(
    paths: list[Path], project: Path, store: VectorStore, edited: Path, sources: SourceMap
) -> tuple[float, int, list[float]]:
    """(full index seconds, files, five re-index seconds after appending to `edited`)."""
    start = time.perf_counter()
    report = ingest(paths, project, store, sources=sources)
    full = time.perf_counter() - start
    again: list[float] = []
    for round_ in range(5):
        with edited.open("a") as handle:
            handle.write(
                f"\n\ndef _copilot_bench_{round_}_{project.name}() -> int:\n    return 1\n"
            )
        start = time.perf_counter()
        incremental = ingest(paths, project, store, sources=sources)
        again.append(time.perf_counter() - start)
        assert incremental.added >= 1 and incremental.unchanged_files == report.files - 1
    return full, report.files, again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="pydantic")
    parser.add_argument("--files", type=int, default=40)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch, "repo")
        shutil.copytree(package_source(options.package), root / options.package,
                        ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        lines = count_lines(root)
        store = VectorStore(connect(None, Path(scratch, "db")), LocalEmbedder())
        start = time.perf_counter()
        report = ingest([root], root, store)
        full = time.perf_counter() - start
        edited = max((root / options.package).rglob("*.py"), key=lambda p: p.stat().st_size)
        again: list[float] = []
        for round_ in range(5):
            with edited.open("a") as handle:
                handle.write(f"\n\ndef _copilot_bench_{round_}() -> int:\n    return {round_}\n")
            start = time.perf_counter()
            incremental = ingest([root], root, store)
            again.append(time.perf_counter() - start)
            assert incremental.added >= 1 and incremental.unchanged_files == report.files - 1
        samples = proposal_latency(root, options.files)
        project = Path(scratch, "bot")
        project.mkdir()
        outside = SourceMap.of(project, [str(root)])
        source_store = VectorStore(connect(None, Path(scratch, "db2")), LocalEmbedder())
        _, _, outside_again = reindex_after_edits([root], project, source_store, edited, outside)
    print(
        f"python benchmarks/code_assistant.py --package {options.package} --files {options.files}\n"
    )
    print(f"corpus: {options.package} source, {report.files} files, {lines} lines, "
          f"{report.added} chunks")  # fmt: skip
    print("| measure | result | target |\n| --- | --- | --- |")
    print(f"| full index | {full:.1f} s ({lines / full:,.0f} lines/s, "
          f"{report.added / full:,.0f} chunks/s) | |")  # fmt: skip
    print(f"| re-index after editing {edited.name} (median of 5) | "
          f"{statistics.median(again) * 1000:.0f} ms | < 1 s |")  # fmt: skip
    print(f"| re-index of the same code as a source outside the project (median of 5) | "
          f"{statistics.median(outside_again) * 1000:.0f} ms | < 1 s |")  # fmt: skip
    for name, values in samples.items():
        values.sort()
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        print(f"| offline `{name}` proposal, {len(values)} files (median / p95) | "
              f"{statistics.median(values) * 1000:.1f} / {p95 * 1000:.1f} ms | |")  # fmt: skip


if __name__ == "__main__":
    main()
