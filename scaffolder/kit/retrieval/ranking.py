"""Rankings that complement the vector store: BM25, rank fusion, diversity and filters.

The vector store ranks by meaning-ish similarity, which misses exact names, numbers and rare
words; BM25 ranks by those. `relative_score_fusion` (the retriever's default) and `rrf` fuse
the two, `mmr` trims near-duplicates from a candidate list, and `matches` applies the
small metadata filter language the retriever accepts.

The tokenizer is `scaffolder.kit.text.tokenize`, shared with the offline provider.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from scaffolder.kit.retrieval.types import Chunk
from scaffolder.kit.synonyms import SYNONYM_WEIGHT, related
from scaffolder.kit.text import tokenize

#: Changing the tokenizer changes the terms, so saved indexes from another version are refused.
TOKENIZER_VERSION = 3
_FORMAT = "scaffolder-bm25"


class BM25Index:
    """An Okapi BM25 index over chunks that can grow and shrink as ingest does.

    Score of a document for a query is the sum over the query's distinct terms of
    `idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average_length))` with
    `idf = ln(1 + (N - df + 0.5) / (df + 0.5))`, the variant that never goes negative, so a
    term found in most chunks still counts a little instead of pushing a match down.
    Only per-document term counts are stored; idf and the average length are derived from
    them when searching, so `add` and `remove` leave exactly the state a fresh build would.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._terms: dict[str, Counter[str]] = {}
        self._postings: dict[str, dict[str, int]] = {}
        self._lengths: dict[str, int] = {}
        self._total_length = 0

    @classmethod
    def build(cls, chunks: Iterable[Chunk], k1: float = 1.2, b: float = 0.75) -> BM25Index:
        index = cls(k1, b)
        for chunk in chunks:
            index.add(chunk)
        return index

    def __len__(self) -> int:
        return len(self._terms)

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._terms

    def ids(self) -> set[str]:
        return set(self._terms)

    def add(self, chunk: Chunk) -> None:
        """Index a chunk; a chunk already indexed under the same id is replaced."""
        self.add_text(chunk.id, chunk.text)

    def add_text(self, chunk_id: str, text: str) -> None:
        """Index a text under an id of the caller's choosing (the id of a `Chunk` usually)."""
        self.remove(chunk_id)
        self._insert(chunk_id, Counter(tokenize(text)))

    def remove(self, chunk_id: str) -> bool:
        """Forget a chunk; False when it was not indexed (removing twice is harmless)."""
        counts = self._terms.pop(chunk_id, None)
        if counts is None:
            return False
        for term in counts:
            posting = self._postings[term]
            del posting[chunk_id]
            if not posting:
                del self._postings[term]
        self._total_length -= self._lengths.pop(chunk_id)
        return True

    def search(self, query: str, k: int = 10, *, synonyms: bool = False) -> list[tuple[str, float]]:
        """The `k` best `(chunk_id, score)` pairs, best first (`best` of `scores`)."""
        return best(self.scores(query, synonyms=synonyms), k)

    def scores(
        self, query: str, *, synonyms: bool = False, within: Collection[str] | None = None
    ) -> dict[str, float]:
        """Every chunk's score for `query`; chunks sharing no term are left out.

        With `synonyms`, a term's synonyms (`kit.synonyms`) the query does not use count too,
        at `SYNONYM_WEIGHT`: "remove" finds "delete", a little less surely than "delete".
        With `within`, only those chunks are scored (one document's few chunks cost a few
        lookups, not a walk over every posting), with the corpus's idf all the same."""
        if not self._terms:
            return {}
        count = len(self._terms)
        average = self._total_length / count or 1.0
        terms = dict.fromkeys(tokenize(query), 1.0)
        if synonyms:
            for term in list(terms):
                for other in related(term):
                    terms.setdefault(other, SYNONYM_WEIGHT)
        scores: dict[str, float] = {}
        for term, factor in terms.items():
            posting = self._postings.get(term)
            if not posting:
                continue
            idf = math.log(1.0 + (count - len(posting) + 0.5) / (len(posting) + 0.5))
            hits = posting.items() if within is None else _hits_within(posting, within)
            for chunk_id, tf in hits:
                norm = self.k1 * (1.0 - self.b + self.b * self._lengths[chunk_id] / average)
                scores[chunk_id] = scores.get(chunk_id, 0.0) + factor * idf * tf * (self.k1 + 1) / (
                    tf + norm
                )
        return scores

    def ceiling(self, query: str) -> float:
        """An upper bound of any chunk's score for `query`: `(k1 + 1) * sum(idf)` over its
        distinct terms (each term's tf factor stays below `k1 + 1`).

        Why: raw scores grow with the query's length and the corpus, so they compare across
        neither; a score divided by this bound does (answerability, `retrieval.evidence`).
        A term no chunk has counts at the highest idf, so a query half made of unknown words
        can reach at most about half of its bound."""
        count = len(self._terms)
        total = 0.0
        for term in set(tokenize(query)):
            df = len(self._postings.get(term, ()))
            total += math.log(1.0 + (count - df + 0.5) / (df + 0.5))
        return (self.k1 + 1) * total

    def to_dict(self) -> dict[str, Any]:
        """The whole state as JSON-ready data: parameters and each chunk's term counts."""
        return {
            "format": _FORMAT,
            "tokenizer": TOKENIZER_VERSION,
            "k1": self.k1,
            "b": self.b,
            "documents": {
                chunk_id: dict(sorted(counts.items()))
                for chunk_id, counts in sorted(self._terms.items())
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BM25Index:
        """Inverse of `to_dict`; ValueError for another format or tokenizer version, which
        means the caller should rebuild from its chunks."""
        if data.get("format") != _FORMAT or data.get("tokenizer") != TOKENIZER_VERSION:
            raise ValueError("not a BM25 index of this tokenizer version; rebuild it")
        index = cls(float(data["k1"]), float(data["b"]))
        for chunk_id, counts in data["documents"].items():
            index._insert(str(chunk_id), Counter({str(t): int(n) for t, n in counts.items()}))
        return index

    def save(self, path: Path) -> None:
        """Write the index as compact JSON, atomically: a crash leaves the old file intact."""
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(self.to_dict(), separators=(",", ":")), "utf-8")
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> BM25Index:
        return cls.from_dict(json.loads(path.read_text("utf-8")))

    def _insert(self, chunk_id: str, counts: Counter[str]) -> None:
        self._terms[chunk_id] = counts
        for term, tf in counts.items():
            self._postings.setdefault(term, {})[chunk_id] = tf
        self._lengths[chunk_id] = sum(counts.values())
        self._total_length += self._lengths[chunk_id]


def _hits_within(posting: Mapping[str, int], within: Collection[str]) -> list[tuple[str, int]]:
    """The `(chunk_id, tf)` pairs of `posting` for chunks in `within`, walking the smaller."""
    if len(within) < len(posting):
        return [(chunk_id, posting[chunk_id]) for chunk_id in within if chunk_id in posting]
    return [(chunk_id, tf) for chunk_id, tf in posting.items() if chunk_id in within]


def best(scores: Mapping[str, float], k: int) -> list[tuple[str, float]]:
    """The `k` highest `(id, score)` pairs, best first; ties are broken by id so the order does
    not depend on insertion history."""
    if k <= 0:
        return []
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]


#: `(id, fused score, {ranking name: its contribution})`, best first.
Fused = list[tuple[str, float, dict[str, float]]]


def rrf(rankings: Mapping[str, Sequence[str]], k: int = 60) -> Fused:
    """Reciprocal rank fusion: each ranking gives the item at 1-based rank r `1 / (k + r)`.

    Returns `(id, fused_score, {ranking_name: its contribution})`, best first. Only ranks
    count, so rankings whose scores live on different scales (cosine, BM25) fuse without
    calibration; the constant `k` (60 in the original paper) keeps one first place from
    outweighing agreement between rankings. A repeated id counts at its first rank only. Ties
    go to the item with the better best rank, then to the smaller id, for a stable order.
    """
    contributions: dict[str, dict[str, float]] = {}
    best_rank: dict[str, int] = {}
    for name, ranking in rankings.items():
        for rank, item in enumerate(ranking, start=1):
            per_ranking = contributions.setdefault(item, {})
            if name in per_ranking:
                continue
            per_ranking[name] = 1.0 / (k + rank)
            best_rank[item] = min(best_rank.get(item, rank), rank)
    fused = [(item, sum(parts.values()), parts) for item, parts in contributions.items()]
    fused.sort(key=lambda entry: (-entry[1], best_rank[entry[0]], entry[0]))
    return fused


def relative_score_fusion(
    rankings: Mapping[str, Sequence[tuple[str, float]]], weights: Mapping[str, float]
) -> Fused:
    """Fuse scored rankings by their min-max normalised scores, weighted per ranking.

    Each ranking's scores are rescaled to [0, 1] over its own candidates (best 1, worst 0),
    so cosine and BM25 scales stop mattering while the gaps between candidates still do: a
    clear first place stays ahead of a crowd of middling agreements, which is where rank-only
    fusion loses precision when one ranking is much stronger. A candidate a ranking did not
    return gets 0 from it. Returns `(id, fused_score, {ranking_name: its contribution})`, best
    first, ties to the smaller id; the shape `rrf` returns.
    """
    contributions: dict[str, dict[str, float]] = {}
    for name, ranking in rankings.items():
        if not ranking:
            continue
        scores = [score for _, score in ranking]
        high, low = max(scores), min(scores)
        for item, score in ranking:
            normalised = (score - low) / (high - low) if high > low else 1.0
            contributions.setdefault(item, {}).setdefault(name, weights[name] * normalised)
    fused = [(item, sum(parts.values()), parts) for item, parts in contributions.items()]
    fused.sort(key=lambda entry: (-entry[1], entry[0]))
    return fused


def _cosine(left: Sequence[float], right: Sequence[float]) -> float:
    """Cosine of two vectors of any length scale; 0 when either is the zero vector."""
    dot = sum(a * b for a, b in zip(left, right, strict=True))
    norms = math.sqrt(sum(a * a for a in left)) * math.sqrt(sum(b * b for b in right))
    return dot / norms if norms else 0.0


def mmr(
    query_vector: Sequence[float],
    candidates: Sequence[tuple[str, Sequence[float]]],
    k: int,
    lambda_: float = 0.5,
) -> list[str]:
    """Maximal marginal relevance: pick `k` ids that are relevant but unlike each other.

    Each step takes the candidate maximising `lambda_ * sim(query, c) - (1 - lambda_) *
    max(sim(c, s) for s already picked)`, so a near-copy of a picked chunk loses to a less
    similar but new one. `lambda_=1` is plain relevance order, `0` pure diversity. Ties go to
    the earlier candidate, so a caller's order (for example fused rank) breaks them.
    """
    relevance = [_cosine(query_vector, vector) for _, vector in candidates]
    redundancy = [-math.inf] * len(candidates)
    remaining = list(range(len(candidates)))
    picked: list[str] = []
    while remaining and len(picked) < k:

        def gain(index: int) -> float:
            penalty = max(redundancy[index], 0.0) if picked else 0.0
            return lambda_ * relevance[index] - (1.0 - lambda_) * penalty

        best = max(remaining, key=lambda index: (gain(index), -index))
        remaining.remove(best)
        picked.append(candidates[best][0])
        for index in remaining:
            similarity = _cosine(candidates[index][1], candidates[best][1])
            redundancy[index] = max(redundancy[index], similarity)
    return picked


def matches(metadata: Mapping[str, Any], where: Mapping[str, Any]) -> bool:
    """Whether chunk metadata satisfies a filter; all conditions must hold.

    Each condition is `field: value` (equality; a missing field never equals) or
    `field: {operator: operand}` with operators `$eq`, `$ne` (true when the field is missing
    too), `$in` (a list of allowed values) and `$prefix` (the field is a string starting with
    the operand, for example `{"source": {"$prefix": "docs/guides/"}}` for a folder). Any other
    operator raises ValueError, so a typo cannot silently match everything.
    """
    for field_name, condition in where.items():
        if not isinstance(condition, Mapping):
            condition = {"$eq": condition}
        present = field_name in metadata
        value = metadata.get(field_name)
        for operator, operand in condition.items():
            if operator == "$eq":
                ok = present and value == operand
            elif operator == "$ne":
                ok = not present or value != operand
            elif operator == "$in":
                ok = present and value in operand
            elif operator == "$prefix":
                ok = isinstance(value, str) and value.startswith(operand)
            else:
                raise ValueError(f"unknown filter operator {operator!r} for {field_name!r}")
            if not ok:
                return False
    return True
