"""Retrieval quality on documentation we did not write: dense, BM25 and their fusion.

The corpus is one chunk per documented standard-library object (`eval/stdlib_docs.json`,
produced by `eval/extract.py`); the questions (`eval/questions.json`) are of two kinds: most
paraphrased the way a user would ask, the rest typed the way developers search, with the
names and parameters they already know. Each names the chunks that answer it.

Dense ranking is measured with two embedders: the offline `local` one and all-MiniLM-L6-v2, a
real semantic model (Chroma's default), whose vectors `eval/embed_minilm.py` computed once.
BM25 counts synonyms (`kit.synonyms`) and fusion uses each embedder's own `dense_weight`, as the
retriever does; `bm25-plain` is BM25 without synonyms, for comparison. Hybrid retrieval exists
because each ranking misses what the other finds, so it must beat either alone by a real
margin: at least one more question answered in the top 5, and an MRR gain of at least one
question moving from second to first place (0.5 / questions). One pair is held to less, and
says so: with the offline `local` embedder, which is lexical too, fusion does not improve
BM25's first places (its MRR is 0.004 lower), so there MRR is only a non-regression check,
within that same one-place tolerance. `evaluation_table` is importable so a benchmark script
can print the same numbers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from scaffolder.kit.llm.local_embedding import cosine, embed_text, embed_texts
from scaffolder.kit.retrieval.embedders import LEXICAL_DENSE_WEIGHT, SEMANTIC_DENSE_WEIGHT
from scaffolder.kit.retrieval.ranking import BM25Index, relative_score_fusion, rrf

EVAL = Path(__file__).with_name("eval")
#: Candidates each ranking contributes, as the retriever takes k * 4 for k = 5.
DEPTH = 20
HIT_AT = 5
KINDS = ("paraphrase", "keyword")

Scored = list[tuple[str, float]]
Ranker = Callable[[str], list[str]]


@dataclass(frozen=True)
class Question:
    text: str
    answers: frozenset[str]
    kind: str


@dataclass(frozen=True)
class Score:
    method: str
    hit_at_5: float
    mrr: float


@cache
def corpus() -> dict[str, str]:
    data = json.loads((EVAL / "stdlib_docs.json").read_text("utf-8"))
    return {chunk["id"]: chunk["text"] for chunk in data["chunks"]}


@cache
def questions() -> tuple[Question, ...]:
    data = json.loads((EVAL / "questions.json").read_text("utf-8"))
    return tuple(
        Question(entry["q"], frozenset(entry["a"]), entry.get("kind", "paraphrase"))
        for entry in data
    )


def local_dense() -> Callable[[str], Scored]:
    texts = corpus()
    vectors = dict(zip(texts, embed_texts(list(texts.values())), strict=True))

    def rank(query: str) -> Scored:
        query_vector = embed_text(query)
        scored = [(chunk_id, cosine(query_vector, vector)) for chunk_id, vector in vectors.items()]
        return sorted(scored, key=lambda entry: -entry[1])[:DEPTH]

    return rank


def minilm_dense() -> Callable[[str], Scored]:
    """Rankings by the stored MiniLM vectors; only the evaluation questions can be asked."""
    stored = np.load(EVAL / "minilm.npz")
    ids = [str(chunk_id) for chunk_id in stored["chunk_ids"]]
    chunk_vectors = stored["chunk_vectors"].astype(np.float32)
    by_question = dict(
        zip(
            map(str, stored["questions"]),
            stored["question_vectors"].astype(np.float32),
            strict=True,
        )
    )

    def rank(query: str) -> Scored:
        similarities = chunk_vectors @ by_question[query]
        best = np.argsort(-similarities, kind="stable")[:DEPTH]
        return [(ids[i], float(similarities[i])) for i in best]

    return rank


def rankers() -> dict[str, Ranker]:
    """Each method as a function from question to chunk ids, best first, `DEPTH` long."""
    index = BM25Index()
    for chunk_id, text in corpus().items():
        index.add_text(chunk_id, text)

    def bm25(query: str) -> Scored:
        return index.search(query, DEPTH, synonyms=True)

    def bm25_plain(query: str) -> Scored:
        return index.search(query, DEPTH)

    def ids(rank: Callable[[str], Scored]) -> Ranker:
        return lambda query: [chunk_id for chunk_id, _ in rank(query)]

    def hybrid(dense: Callable[[str], Scored], weight: float) -> Ranker:
        def rank(query: str) -> list[str]:
            fused = relative_score_fusion(
                {"dense": dense(query), "bm25": bm25(query)}, {"dense": weight, "bm25": 1 - weight}
            )
            return [chunk_id for chunk_id, _, _ in fused[:DEPTH]]

        return rank

    def rank_fusion(dense: Callable[[str], Scored]) -> Ranker:
        def rank(query: str) -> list[str]:
            fused = rrf({"dense": ids(dense)(query), "bm25": ids(bm25)(query)})
            return [chunk_id for chunk_id, _, _ in fused[:DEPTH]]

        return rank

    local, minilm = local_dense(), minilm_dense()
    return {
        "bm25-plain": ids(bm25_plain),
        "bm25": ids(bm25),
        "dense-local": ids(local),
        "hybrid-local": hybrid(local, LEXICAL_DENSE_WEIGHT),
        "rrf-local": rank_fusion(local),
        "dense-minilm": ids(minilm),
        "hybrid-minilm": hybrid(minilm, SEMANTIC_DENSE_WEIGHT),
        "rrf-minilm": rank_fusion(minilm),
    }


def score(method: str, ranker: Ranker, kind: str | None = None) -> Score:
    """hit@5 and MRR (over the top `DEPTH`) on the questions of `kind`, or on all of them."""
    asked = [question for question in questions() if kind in (None, question.kind)]
    hits = 0
    reciprocal_ranks = 0.0
    for question in asked:
        ranking = ranker(question.text)
        first = next((rank for rank, i in enumerate(ranking, 1) if i in question.answers), None)
        if first is not None:
            hits += first <= HIT_AT
            reciprocal_ranks += 1.0 / first
    return Score(method, hits / len(asked), reciprocal_ranks / len(asked))


def evaluation_table(kind: str | None = None) -> list[Score]:
    """Every method's score on the questions of `kind` (all questions by default)."""
    return [score(method, ranker, kind) for method, ranker in rankers().items()]


def format_table(scores: list[Score]) -> str:
    lines = [f"{'method':<14} {'hit@5':>6} {'MRR':>6}"]
    lines += [f"{s.method:<14} {s.hit_at_5:>6.3f} {s.mrr:>6.3f}" for s in scores]
    return "\n".join(lines)


def test_the_evaluation_set_is_large_and_every_answer_exists() -> None:
    assert len(questions()) >= 50
    assert sum(question.kind == "paraphrase" for question in questions()) >= 50
    assert len(corpus()) >= 100
    for question in questions():
        assert question.answers <= corpus().keys(), question.text


def test_every_question_has_stored_minilm_vectors() -> None:
    """`eval/embed_minilm.py` must be re-run whenever the questions change."""
    stored = {str(text) for text in np.load(EVAL / "minilm.npz")["questions"]}
    assert {question.text for question in questions()} <= stored


@cache
def table() -> dict[str, Score]:
    return {entry.method: entry for entry in evaluation_table()}


#: (embedder, ranking) pairs where hybrid's MRR need only hold its ground (see the docstring).
MRR_NON_REGRESSION = {("local", "bm25")}


def one_place() -> float:
    """What one question moving between first and second place changes MRR by."""
    return 0.5 / len(questions())


@pytest.mark.parametrize("embedder", ["local", "minilm"])
@pytest.mark.parametrize("alone", ["dense", "bm25"])
def test_hybrid_beats_each_ranking_alone(embedder: str, alone: str) -> None:
    hybrid = table()[f"hybrid-{embedder}"]
    single = table()[alone if alone == "bm25" else f"dense-{embedder}"]
    shown = format_table(list(table().values()))
    asked = len(questions())
    assert round(hybrid.hit_at_5 * asked) >= round(single.hit_at_5 * asked) + 1, shown
    if (embedder, alone) in MRR_NON_REGRESSION:
        assert hybrid.mrr >= single.mrr - one_place(), shown
    else:
        assert hybrid.mrr >= single.mrr + one_place(), shown


def test_the_non_regression_pair_is_still_no_real_gain() -> None:
    """If fusion ever gains a real MRR margin over BM25 with `local`, the exception goes: this
    fails so the stricter check is restored (and docs/performance.md updated)."""
    for embedder, alone in MRR_NON_REGRESSION:
        gain = table()[f"hybrid-{embedder}"].mrr - table()[alone].mrr
        assert gain < one_place(), f"hybrid-{embedder} now beats {alone} by {gain:.4f}"


def test_synonyms_rank_paraphrased_questions_higher_and_keyword_ones_no_lower() -> None:
    """The thesaurus is for questions that say a thing with other words than the documents:
    on those BM25 must gain at least one first place, and on questions typed with the
    documents' own names lose none."""
    methods = rankers()
    plain = {kind: score("bm25-plain", methods["bm25-plain"], kind) for kind in KINDS}
    expanded = {kind: score("bm25", methods["bm25"], kind) for kind in KINDS}
    paraphrased = sum(question.kind == "paraphrase" for question in questions())
    assert expanded["paraphrase"].mrr >= plain["paraphrase"].mrr + 0.5 / paraphrased
    assert expanded["keyword"].mrr >= plain["keyword"].mrr
    assert expanded["keyword"].hit_at_5 >= plain["keyword"].hit_at_5


@pytest.mark.parametrize("embedder", ["local", "minilm"])
def test_each_ranking_alone_misses_questions_the_other_answers(embedder: str) -> None:
    """The set is only a test of fusion if neither ranking dominates question by question."""
    methods = rankers()
    top = {
        name: {q.text for q in questions() if q.answers & set(methods[name](q.text)[:HIT_AT])}
        for name in (f"dense-{embedder}", "bm25")
    }
    assert top[f"dense-{embedder}"] - top["bm25"]
    assert top["bm25"] - top[f"dense-{embedder}"]
