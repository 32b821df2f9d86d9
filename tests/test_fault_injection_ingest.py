"""Fault injection for `copilot ingest`: killed at seeded crash points (SIGKILL, SIGTERM,
SIGHUP), a query afterwards answers from exactly the old documents or exactly the new ones,
and the next ingest finishes the job.

The kills run `copilot ingest` as a subprocess rather than a fork (`tests/faults_harness.py`):
chromadb starts native threads, and a fork of a process that has them (this pytest process, as
soon as any test opened a store) may deadlock. The count is kept modest (about 1.5 s a run).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scaffolder import faults
from scaffolder.kit.retrieval.embedders import LocalEmbedder
from scaffolder.kit.retrieval.ingest import ingest
from scaffolder.kit.retrieval.retriever import Retriever
from scaffolder.kit.retrieval.store import VectorStore, connect
from tests.faults_harness import choose_cases

pytestmark = pytest.mark.slow

SEED = 15
OLD = {
    "a.md": "# Alpha\n\nThe alpha lamp glows amber.\n\n# Beta\n\nBeta dims at night.\n",
    "b.md": "# Bravo\n\nBravo pairs over Bluetooth.\n",
    "c.md": "# Charlie\n\nCharlie never changes.\n",
    "d.txt": "Delta draws 9 W.\n\nDelta has a USB-C port.\n",
    "f.md": "# Foxtrot\n\nFoxtrot resets in twenty seconds.\n",
    "g.md": "# Golf\n\nGolf works on 2.4 GHz Wi-Fi.\n",
}
NEW = {
    "a.md": "# Intro\n\nA new first section.\n\n"
    + OLD["a.md"].replace("amber", "crimson"),  # one edit, one moved section
    "c.md": OLD["c.md"],
    "d.txt": "Delta draws 12 W.\n\nDelta has a USB-C port.\n",
    "e.md": "# Echo\n\nEcho is a new document about zigbee.\n",
    "f.md": "# Foxtrot\n\nFoxtrot resets in thirty seconds.\n",
    "g.md": "Preface line.\n\n" + OLD["g.md"],
}
Rows = frozenset[tuple[str, str, int, int]]


def write_corpus(root: Path, documents: dict[str, str]) -> None:
    data = root / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    for name, text in documents.items():
        (data / name).write_text(text)


def store_of(root: Path) -> VectorStore:
    return VectorStore(connect(None, root / ".copilot" / "chroma"), LocalEmbedder())


def rows(store: VectorStore) -> Rows:
    return frozenset((c.source, c.text, c.start_line, c.end_line) for c in store.chunks())


def run_ingest(root: Path, *args: str, env: dict[str, str] | None = None) -> int:
    environment = {**os.environ, **(env or {})}
    for name in (faults.CRASH_AT_VARIABLE, faults.CRASH_TRACE_VARIABLE):
        if name not in (env or {}):
            environment.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "scaffolder", "ingest", *args],
        cwd=root, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with the OLD documents ingested (its store is copied for every case)."""
    root = tmp_path_factory.mktemp("ingest-faults") / "template"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.copilot]\ntemplate = "qa-rag"\n')
    write_corpus(root, OLD)
    assert run_ingest(root) == 0
    return root


def prepare(template: Path, destination: Path) -> Path:
    shutil.copytree(template, destination, symlinks=True)
    write_corpus(destination, NEW)
    return destination


def points_of(root: Path, *args: str) -> list[str]:
    trace = root.parent / f"{root.name}.trace"
    assert run_ingest(root, *args, env={faults.CRASH_TRACE_VARIABLE: str(trace)}) == 0
    return [line.split("\t", 1)[1] for line in trace.read_text().splitlines()]


@pytest.mark.parametrize(("args", "count"), [((), 14), (("--reindex",), 6)])
def test_a_killed_ingest_leaves_the_old_index_or_the_new_one(
    template: Path, tmp_path: Path, args: tuple[str, ...], count: int
) -> None:
    old = rows(store_of(template))
    assert {source for source, *_ in old} == {f"data/{name}" for name in OLD}
    reference = prepare(template, tmp_path / "reference")
    labels = points_of(reference, *args)
    new = rows(store_of(reference))
    assert new != old and {source for source, *_ in new} == {f"data/{name}" for name in NEW}
    assert "ingest: published" in labels and len(labels) >= 5, labels

    seen = {"old": 0, "new": 0}
    cases = choose_cases(len(labels), count, SEED, ("KILL", "TERM", "HUP"))
    for number, (point, signal_name) in enumerate(cases):
        root = prepare(template, tmp_path / f"case-{number}")
        code = run_ingest(root, *args, env={faults.CRASH_AT_VARIABLE: f"{point}:{signal_name}"})
        assert code != 0, f"point {point} ({labels[point - 1]}) was not reached"
        store = store_of(root)
        now = rows(store)
        context = f"killed at {point} ({labels[point - 1]}) by SIG{signal_name}"
        assert now in (old, new), f"{context}: a mixed index"
        state = "old" if now == old else "new"
        seen[state] += 1
        # A query answers from the same documents, and counts them right.
        assert store.count() == len(now), context
        top = Retriever(store).search("what colour does the alpha lamp glow", k=1)[0].chunk
        assert ("crimson" if state == "new" else "amber") in top.text, context
        # The next ingest clears what the killed one left and lands exactly on NEW.
        ingest([root / "data"], root, store)
        assert rows(store) == new, f"{context}: the next ingest did not converge"
        assert store.count() == len(new), context
    assert seen["old"] > 0 and seen["new"] > 0, seen
