"""Answerability: the index's evidence for a question, calibrated per corpus and cached per
index generation (real Chroma, real BM25, the local embedder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffolder.kit.retrieval import evidence as evidence_module
from scaffolder.kit.retrieval.evidence import Answerability, Evidence, quantile, support
from scaffolder.kit.retrieval.ingest import ingest
from scaffolder.kit.retrieval.ranking import BM25Index
from scaffolder.kit.retrieval.retriever import Retriever
from scaffolder.kit.retrieval.store import open_store
from scaffolder.kit.retrieval.types import Chunk
from scaffolder.kit.settings import CopilotSettings
from tests.conftest import QA_PYPROJECT

BEEKEEPING = {
    "inspection.md": "# Hive inspections\n\nInspect the brood frames every seven to ten days "
    "in spring. Look for eggs, larvae and capped brood to confirm the queen is laying.\n\n"
    "## Smoke\n\nA few puffs of cool smoke at the entrance calm the colony before you open it.",
    "swarming.md": "# Swarm control\n\nQueen cells along the bottom bars of the frames mean the "
    "colony is preparing to swarm. Split the colony or give it more space in a new super.",
    "varroa.md": "# Varroa mites\n\nCount mites with a sugar roll on three hundred bees. Treat "
    "with oxalic acid in winter when the colony has no brood.",
    "harvest.md": "# Harvesting honey\n\nTake only frames that are at least eighty percent "
    "capped. Extract the honey with a spinning extractor and strain it through a fine mesh.",
    "winter.md": "# Winter feeding\n\nGive the colony fondant when its stores run low in late "
    "winter. Heft the hive from behind to judge how heavy the stores still are.",
    "queens.md": "# Rearing queens\n\nGraft day-old larvae into queen cups and place them in a "
    "queenless starter colony with plenty of nurse bees.",
}
TIDEWATER = {
    "install.md": "# Installing tidewater\n\nDownload the tidewater binary for your platform "
    "and put it on your PATH. Run `tidewater version` to check the installation.",
    "config.md": "# Configuration file\n\nTidewater reads `tidewater.toml` from the project "
    "root. The `interval` key sets how many seconds pass between two synchronisations.",
    "sync.md": "# The sync command\n\n`tidewater sync` copies changed files to the remote "
    "bucket. Use `--dry-run` to list what would be uploaded without uploading it.",
    "exit-codes.md": "# Exit codes\n\nTidewater exits with 0 on success, 3 when the remote "
    "bucket is unreachable and 4 when the configuration file is invalid.",
    "proxy.md": "# Proxies\n\nSet HTTPS_PROXY to send uploads through a corporate proxy. "
    "Tidewater honours NO_PROXY for hosts that must be reached directly.",
    "logging.md": "# Logging\n\nPass `--verbose` to log every file that is compared. Logs go "
    "to standard error unless `log_file` is set in the configuration.",
}
CORPORA = {
    "beekeeping": (
        BEEKEEPING,
        [
            "How often should I inspect the brood frames?",
            "How do I count varroa mites?",
            "When does the colony need fondant?",
            "What do queen cells on the bottom bars mean?",
        ],
    ),
    "tidewater": (
        TIDEWATER,
        [
            "Which exit code means the bucket is unreachable?",
            "How do I send uploads through a proxy?",
            "How do I see what sync would upload without uploading?",
            "Which key sets the interval between synchronisations?",
        ],
    ),
}
OFF_TOPIC = [
    "What is the capital of Peru?",
    "Who composed the Four Seasons?",
    "How do I make a lasagne?",
]


def make_index(root: Path, documents: dict[str, str]) -> Retriever:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(QA_PYPROJECT)
    data = root / "data"
    data.mkdir(exist_ok=True)
    for name, text in documents.items():
        (data / name).write_text(text + "\n")
    store = open_store(CopilotSettings.load(root, env_file=None), root)
    if documents:
        ingest([data], root, store)
    return Retriever(store)


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_each_corpus_calibrates_a_threshold_that_separates_its_questions(
    tmp_path: Path, corpus: str
) -> None:
    documents, questions = CORPORA[corpus]
    other = next(name for name in CORPORA if name != corpus)
    meter = Answerability(make_index(tmp_path / corpus, documents))
    calibration = meter.calibration()
    assert calibration.source == "corpus"
    assert calibration.probes == meter.retriever.store.count()  # one probe per passage
    assert calibration.off_topic < calibration.threshold <= calibration.in_domain
    # Most off-topic probes share no word with a corpus this small: their median is 0, so
    # the floor is half the threshold instead.
    assert calibration.floor == pytest.approx(calibration.threshold / 2, abs=1e-4)
    for question in questions:
        evidence = meter.assess(question)
        assert evidence is not None and evidence.strong, (question, evidence)
        assert evidence.decisive_from == calibration.in_domain
        assert evidence.source is None  # looked up only when asked: a store read
        cited = meter.cite(evidence)
        assert cited.source is not None and cited.source.startswith("data/"), cited
        assert meter.cite(evidence, {str(evidence.chunk): "known"}).source == "known"
    # Off-topic questions, and the other corpus's questions, find no strong evidence here.
    for question in OFF_TOPIC + CORPORA[other][1]:
        evidence = meter.assess(question)
        assert evidence is not None and not evidence.strong, (question, evidence)
    absent = meter.assess("What is the capital of Peru?")
    assert absent is not None and absent.absent and absent.describe().startswith("no evidence")


def test_the_calibration_is_cached_per_index_generation_and_redone_when_the_index_changes(
    tmp_path: Path,
) -> None:
    root = tmp_path / "tide"
    retriever = make_index(root, TIDEWATER)
    cache = root / ".copilot" / "evidence"
    first = Answerability(retriever, cache).calibration()
    saved = cache / f"calibration-copilot-{first.generation}.json"
    assert [path.name for path in cache.iterdir()] == [saved.name]
    # A new process reads the saved calibration instead of computing it: prove it by
    # changing the saved threshold.
    data = json.loads(saved.read_text())
    saved.write_text(json.dumps({**data, "threshold": 0.99}))
    evidence = Answerability(retriever, cache).assess("How do I send uploads through a proxy?")
    assert evidence is not None and evidence.threshold == 0.99 and not evidence.strong
    # A changed index has another generation: calibrated again, the old file dropped.
    (root / "data" / "tags.md").write_text("# Tags\n\nTag a release with `tidewater tag`.\n")
    ingest([root / "data"], root, retriever.store)
    second = Answerability(retriever, cache).calibration()
    assert second.generation != first.generation
    assert second.threshold == pytest.approx(first.threshold, abs=0.2)
    assert second.threshold != 0.99
    assert [path.name for path in cache.iterdir()] == [
        f"calibration-copilot-{second.generation}.json"
    ]


def test_a_damaged_cache_file_is_computed_again(tmp_path: Path) -> None:
    retriever = make_index(tmp_path / "bees", BEEKEEPING)
    cache = tmp_path / "cache"
    calibration = Answerability(retriever, cache).calibration()
    saved = cache / f"calibration-copilot-{calibration.generation}.json"
    saved.write_text("{not json")
    assert Answerability(retriever, cache).calibration() == calibration


def test_a_settings_threshold_replaces_the_calibration(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    meter = Answerability(make_index(tmp_path / "bees", BEEKEEPING), cache, threshold=0.9)
    evidence = meter.assess("How do I count varroa mites?")
    assert evidence is not None
    assert (evidence.threshold, evidence.calibration, evidence.strong) == (0.9, "settings", False)
    assert not evidence.absent  # the floor is still the corpus's own
    assert evidence.floor < 0.9


def test_an_empty_index_gives_no_evidence(tmp_path: Path) -> None:
    assert Answerability(make_index(tmp_path / "empty", {})).assess("anything at all?") is None


def test_support_is_the_best_chunk_s_share_of_the_question_s_ceiling() -> None:
    index = BM25Index.build(
        Chunk(text, f"{name}.md", 1, 1)
        for name, text in [
            ("a", "the sync command copies changed files to the bucket"),
            ("b", "proxies and uploads through a corporate proxy"),
            ("c", "exit codes of the tool"),
        ]
    )
    covered, chunk = support(index, "sync changed files bucket")
    half, _ = support(index, "sync changed volcano octopus")
    none, nothing = support(index, "volcano octopus")
    assert chunk == Chunk("the sync command copies changed files to the bucket", "a.md", 1, 1).id
    assert 0.3 < covered < 1.0
    assert half < covered * 0.75
    assert (none, nothing) == (0.0, None)
    assert support(index, "the of and")[0] == 0.0  # only stopwords: nothing to judge


def test_evidence_round_trips_and_says_what_it_found() -> None:
    evidence = Evidence(0.41, 0.25, "data/sync.md, lines 1-3")
    assert Evidence.from_dict(evidence.to_dict()) == evidence
    assert evidence.describe() == "strong evidence 0.41 in data/sync.md, lines 1-3 (threshold 0.25)"
    assert Evidence(0.1, 0.25, None).describe() == "weak evidence 0.10 (threshold 0.25)"


def test_quantile_interpolates() -> None:
    assert quantile([0.0, 1.0], 0.25) == 0.25
    assert quantile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert quantile([], 0.9) == 0.0


def test_one_meter_follows_the_index_once_its_recheck_interval_has_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "tide"
    retriever = make_index(root, TIDEWATER)
    meter = Answerability(retriever)
    question = "How do I tag a release?"
    before = meter.assess(question)
    (root / "data" / "tags.md").write_text("# Tags\n\nTag a release with `tidewater tag`.\n")
    ingest([root / "data"], root, retriever.store)
    monkeypatch.setattr(evidence_module, "RECHECK_SECONDS", 0.0)
    after = meter.assess(question)
    assert before is not None and after is not None
    assert not before.strong and after.strong
    assert meter.cite(after).source == "data/tags.md, Tags, lines 1-3"
