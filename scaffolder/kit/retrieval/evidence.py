"""Answerability: how strongly the index supports a question, on a scale set by the corpus.

Why not the retrieval score itself: raw BM25 scores are unbounded and grow with the corpus and
the question's length, and fused (RRF or min-max) scores keep only ranks, so none of them says
"this index can answer that". The score here is the best chunk's BM25 score divided by what
any chunk could score for that question, `(k1 + 1) * sum(idf)` over its terms
(`BM25Index.ceiling`): the share of the question's information one passage holds, in [0, 1).
A question whose words the corpus lacks scores near 0; one a passage covers scores high.

Where "high" starts differs per corpus (short option lists score higher than long prose), so
the threshold is calibrated from the corpus itself: in-domain probes (a few words of its own
passages plus one word from elsewhere in it, like a user who half knows the vocabulary) and
the kit's fixed off-topic probes (`evidence_probes`). The threshold sits between the high end
of the second and the low end of the first, a quarter of the way up from the off-topic side,
and at the low end of the in-domain probes when they overlap: declining an answerable question
is the worse mistake (the user is left with nothing), while an off-topic question that gets
through still meets an answer prompt that says "I don't know" when its passages do not answer.
It is computed on first use after the index changed and cached under the store's generation
token, like the retriever's BM25 side (`Retriever.view`), so ingest needs no change and a new
process just reads it. A
project may fix the threshold instead (`answerability_threshold` in its settings).

Below the threshold there is a floor, the off-topic probes' median and never under half the
threshold (in a small corpus most off-topic probes share no word with it, and a median of 0
says nothing): a question scoring under it matches this corpus no better than a typical
off-topic one, so the index holds *no* evidence for it. Between floor and threshold the
evidence is weak: too little to take a request on its own, too much to overrule the examples
or a model that placed it (questions worded unlike the documents land there). Above the
threshold, evidence as strong as the in-domain probes' low end is *decisive*: enough to
overrule even a near out-of-scope example.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from scaffolder.kit.retrieval.evidence_probes import OFF_TOPIC_PROBES
from scaffolder.kit.text import STOPWORDS

if TYPE_CHECKING:
    from scaffolder.kit.retrieval.index_view import IndexView
    from scaffolder.kit.retrieval.ranking import BM25Index
    from scaffolder.kit.retrieval.retriever import Retriever
    from scaffolder.kit.retrieval.types import Chunk

#: Bumped when probes, the rule or the BM25 side's text change, so cached calibrations of older
#: versions are redone (4: BM25 no longer reads heading paths; 5: adverbs stem to their
#: adjectives; 6: -ation nouns to -ate verbs).
CALIBRATION_VERSION = 6
#: The seed of the in-domain probes' sampling: fixed apart from the version, so a version
#: bump redoes old calibrations without drawing other probes.
PROBE_SEED = 3
#: How long an assessment may use the index as last read instead of checking the store's
#: generation again (one read of the pointer; a search checks it too, and each check counts):
#: a scope decision a second behind an ingest is harmless, and retrieval itself always reads
#: the current index.
RECHECK_SECONDS = 1.0
#: In-domain probes per calibration (passages sampled evenly across the index).
IN_DOMAIN_PROBES = 120
#: Words a probe takes from its own passage; one more comes from another passage.
PROBE_WORDS = 3
#: The in-domain probes' low end and the off-topic probes' high end (quantiles).
IN_DOMAIN_QUANTILE = 0.1
OFF_TOPIC_QUANTILE = 0.9
#: The off-topic probes' quantile under which a question has no evidence at all.
FLOOR_QUANTILE = 0.5
#: Where between those two ends the threshold sits (0: at the off-topic end).
LEAN = 0.25
_WORD = re.compile(r"[^\W\d_][^\W_]*", re.UNICODE)

#: "symbols": the question names a function, class or file the index holds (the code
#: assistant's symbol index, `kit.symbols.index`), which is evidence by itself.
CalibrationSource = Literal["corpus", "settings", "symbols"]


@dataclass(frozen=True)
class Calibration:
    """Where strong evidence starts for one version of one index, and why."""

    threshold: float
    #: Under this a question matches no better than a typical off-topic one.
    floor: float
    #: The off-topic probes' high quantile and the in-domain probes' low quantile.
    off_topic: float
    in_domain: float
    probes: int
    generation: str
    source: CalibrationSource = "corpus"
    version: int = CALIBRATION_VERSION


@dataclass(frozen=True)
class Evidence:
    """What the index holds for one question: the score, the bar, and the best passage."""

    score: float
    threshold: float
    #: The citation of the passage that scored best (None when nothing matched at all, or
    #: not looked up yet: see `Answerability.cite`).
    source: str | None
    calibration: CalibrationSource = "corpus"
    #: The id of the chunk that scored best.
    chunk: str | None = None
    #: Under this score the index holds no evidence at all (see the module docstring).
    floor: float = 0.0
    #: From this score on the evidence is as strong as the corpus's own passages match.
    decisive_from: float = 1.0

    @property
    def strong(self) -> bool:
        return self.score >= self.threshold

    @property
    def decisive(self) -> bool:
        return self.score >= max(self.decisive_from, self.threshold)

    @property
    def absent(self) -> bool:
        """No better than a typical off-topic request (and nothing matched is never better)."""
        return self.score <= self.floor

    def describe(self) -> str:
        where = f" in {self.source}" if self.source else ""
        verdict = "strong" if self.strong else "no" if self.absent else "weak"
        return f"{verdict} evidence {self.score:.2f}{where} (threshold {self.threshold:.2f})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "threshold": round(self.threshold, 4),
            "strong": self.strong,
            "floor": round(self.floor, 4),
            "decisive_from": round(self.decisive_from, 4),
            "source": self.source,
            "calibration": self.calibration,
            "chunk": self.chunk,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Evidence:
        calibration = data.get("calibration", "corpus")
        return cls(
            score=float(data["score"]),
            threshold=float(data["threshold"]),
            source=data.get("source"),
            calibration=calibration if calibration in ("settings", "symbols") else "corpus",
            chunk=data.get("chunk"),
            floor=float(data.get("floor", 0.0)),
            decisive_from=float(data.get("decisive_from", 1.0)),
        )


def support(index: BM25Index, question: str) -> tuple[float, str | None]:
    """The best chunk's share of the question's score ceiling, and that chunk's id."""
    ceiling = index.ceiling(question)
    best = index.search(question, 1)
    if not best or ceiling <= 0:
        return 0.0, None
    chunk_id, score = best[0]
    return score / ceiling, chunk_id


class Answerability:
    """Scores questions against a retriever's index with a per-corpus calibration.

    `cache_dir` keeps calibrations between processes (one file per index generation);
    `threshold` fixes the bar instead of calibrating it.
    """

    def __init__(
        self,
        retriever: Retriever,
        cache_dir: Path | None = None,
        *,
        threshold: float | None = None,
    ) -> None:
        self.retriever = retriever
        self.cache_dir = cache_dir
        self.threshold = threshold
        self._calibration: Calibration | None = None

    def assess(self, question: str) -> Evidence | None:
        """The evidence for `question`; None when the index is empty (nothing to judge by).

        The best passage is named by chunk id only: looking its citation up is a store read,
        which a turn that goes on to retrieve gets for free (`cite`)."""
        view = self._view()
        if len(view.bm25) == 0:
            return None
        calibration = self._calibrated(view)
        score, chunk_id = support(view.bm25, question)
        return Evidence(
            score,
            calibration.threshold,
            None,
            calibration.source,
            chunk_id,
            calibration.floor,
            calibration.in_domain,
        )

    def cite(self, evidence: Evidence, known: Mapping[str, str] | None = None) -> Evidence:
        """`evidence` with its best passage's citation: from `known` (chunk id -> citation,
        e.g. the passages a skill retrieved) or else looked up through the retriever (by row,
        and kept for the generation)."""
        if evidence.source is not None or evidence.chunk is None:
            return evidence
        citation = (known or {}).get(evidence.chunk)
        if citation is None:
            chunk = self.retriever.chunks([evidence.chunk], self._view()).get(evidence.chunk)
            citation = chunk.citation() if chunk else None
        return replace(evidence, source=citation)

    def calibration(self) -> Calibration:
        """The calibration of the index as it is now: kept, read from the cache, or computed."""
        return self._calibrated(self._view())

    def _calibrated(self, view: IndexView) -> Calibration:
        generation = view.token
        calibration = self._calibration
        if calibration is None or calibration.generation != generation:
            calibration = self._read(generation)
            if calibration is None:
                sample = _sampled(sorted(view.bm25.ids()), IN_DOMAIN_PROBES)
                rows = [view.rows[chunk_id] for chunk_id in sample]
                chunks = self.retriever.store.chunks_at(rows, view.snapshot)
                calibration = calibrate(view.bm25, chunks, generation)
                self._write(calibration)
            self._calibration = calibration
        if self.threshold is not None:  # the project's own bar; the floor stays the corpus's
            floor = min(calibration.floor, self.threshold)
            return replace(calibration, threshold=self.threshold, floor=floor, source="settings")
        return calibration

    def _view(self) -> IndexView:
        # The retriever's view (the BM25 side retrieval ranks with, so the two never disagree
        # for long), checked against the store's generation at most every RECHECK_SECONDS.
        return self.retriever.view(max_age=RECHECK_SECONDS)

    def _path(self, generation: str) -> Path | None:
        if self.cache_dir is None:
            return None
        name = self.retriever.store.name
        return self.cache_dir / f"calibration-{name}-{generation or 'empty'}.json"

    def _read(self, generation: str) -> Calibration | None:
        path = self._path(generation)
        if path is None or not path.is_file():
            return None
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            data = json.loads(path.read_text("utf-8"))
            calibration = Calibration(**data)
            if (
                calibration.version == CALIBRATION_VERSION
                and calibration.generation == generation
                and 0.0 <= calibration.threshold <= 1.0
            ):
                return calibration
        return None  # unreadable, older or foreign: computed again

    def _write(self, calibration: Calibration) -> None:
        """Save atomically and drop other generations' files. A cache only: failing to write
        (read-only checkout, full disk) costs a recomputation, never correctness."""
        path = self._path(calibration.generation)
        if path is None:
            return
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(asdict(calibration)), "utf-8")
            temporary.replace(path)
            for old in path.parent.glob(f"calibration-{self.retriever.store.name}-*.json"):
                if old != path:
                    old.unlink(missing_ok=True)


def calibrate(index: BM25Index, chunks: Sequence[Chunk], generation: str = "") -> Calibration:
    """The threshold for `index` from its own passages (`chunks`, a sample) and the
    off-topic probes; see the module docstring for the rule."""
    inside = [support(index, probe)[0] for probe in in_domain_probes(chunks)]
    outside = [support(index, probe)[0] for probe in OFF_TOPIC_PROBES]
    high_outside = quantile(outside, OFF_TOPIC_QUANTILE)
    low_inside = quantile(inside, IN_DOMAIN_QUANTILE) if inside else 1.0
    if low_inside > high_outside:
        threshold = high_outside + LEAN * (low_inside - high_outside)
    else:
        threshold = low_inside
    return Calibration(
        threshold=round(threshold, 4),
        floor=round(min(max(quantile(outside, FLOOR_QUANTILE), threshold / 2), threshold), 4),
        off_topic=round(high_outside, 4),
        in_domain=round(low_inside, 4),
        probes=len(inside),
        generation=generation,
    )


def in_domain_probes(chunks: Sequence[Chunk]) -> list[str]:
    """Short queries a reader of these passages might type: `PROBE_WORDS` neighbouring
    content words of one passage and one word of another passage that this one lacks.

    Deterministic for the same chunks (a fixed seed), so a calibration is reproducible."""
    words = [_content_words(chunk.text) for chunk in chunks]
    pool = sorted({word for found in words for word in found})
    rng = random.Random(PROBE_SEED)
    probes = []
    for found in words:
        distinct = list(dict.fromkeys(found))
        if len(distinct) <= PROBE_WORDS or not pool:
            continue
        start = rng.randrange(len(distinct) - PROBE_WORDS)
        picked = distinct[start : start + PROBE_WORDS]
        own = set(distinct)
        foreign = next(
            (word for word in rng.sample(pool, min(len(pool), 20)) if word not in own), None
        )
        probes.append(" ".join(picked + ([foreign] if foreign else [])))
    return probes


def quantile(values: Sequence[float], q: float) -> float:
    """The `q` quantile by linear interpolation between order statistics (0 when empty)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _content_words(text: str) -> list[str]:
    return [
        word
        for word in (match.lower() for match in _WORD.findall(text))
        if len(word) > 2 and word not in STOPWORDS
    ]


def _sampled(ids: Sequence[str], count: int) -> list[str]:
    """`count` ids spread evenly over `ids` (all of them when there are fewer)."""
    if len(ids) <= count:
        return list(ids)
    step = len(ids) / count
    return [ids[int(i * step)] for i in range(count)]
