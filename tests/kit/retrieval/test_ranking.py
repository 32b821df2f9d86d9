"""BM25 against hand-computed scores, incremental updates, persistence, fusion, MMR, filters."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from scaffolder.kit.retrieval.ranking import (
    BM25Index,
    matches,
    mmr,
    relative_score_fusion,
    rrf,
)
from scaffolder.kit.retrieval.types import Chunk
from scaffolder.kit.text import stem, tokenize


def approx(expected: object) -> Any:
    """`pytest.approx` typed as Any, so mypy accepts comparing it with floats."""
    return pytest.approx(expected, rel=1e-12)


def chunk(text: str, source: str = "notes.md") -> Chunk:
    return Chunk(text=text, source=source, start_line=1, end_line=1)


# Tokenizer


def test_tokenize_lowercases_drops_stopwords_and_splits_identifiers() -> None:
    assert tokenize("How do I use Path.read_text with the Café?") == [
        "us",
        "path",
        "read",
        "text",
        "café",
    ]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["parse", "parses", "parsed", "parsing"], "pars"),
        (["query", "queries", "queried"], "query"),
        (["stop", "stopped", "stopping"], "stop"),
        (["call", "called", "calls"], "call"),
        (["class", "classes"], "class"),
        (["string"], "string"),
        (["analysis"], "analysis"),
        # An adverb meets its adjective: "and numerically?" asks for sort's "numeric" sort.
        (["numerically", "numerical", "numeric"], "numeric"),
        (["automatically", "automatic"], "automatic"),
        (["recursively", "recursive"], "recursiv"),
        (["silently", "silent"], "silent"),
        (["manually", "manual"], "manual"),
        (["repeatedly", "repeated", "repeat"], "repeat"),
        # A noun in -ation meets its verb: "How do I undo a deprecation?" and `npm deprecate`.
        (["deprecation", "deprecations", "deprecate", "deprecated"], "deprecat"),
        (["operations", "operation", "operate"], "operat"),
    ],
)
def test_stemming_maps_inflections_together(words: list[str], expected: str) -> None:
    assert {stem(word) for word in words} == {expected}


@pytest.mark.parametrize(
    "word", ["apply", "reply", "family", "only", "early", "assembly", "station", "nation"]
)
def test_a_word_that_only_looks_derived_keeps_its_ending(word: str) -> None:
    assert stem(word) == word


# BM25 scores, computed by hand from the formula in the BM25Index docstring.
# Documents: A = "cat dog" (length 2), B = "cat" (1), C = "bird fish" (2); average length 5/3.
IDF_DOG = math.log(1 + (3 - 1 + 0.5) / (1 + 0.5))  # ln(8/3)
IDF_CAT = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))  # ln(1.6)
TF_A = 2.2 / (1 + 1.2 * (0.25 + 0.75 * 2 / (5 / 3)))  # 2.2 / 2.38
TF_B = 2.2 / (1 + 1.2 * (0.25 + 0.75 * 1 / (5 / 3)))  # 2.2 / 1.84


@pytest.fixture
def animals() -> tuple[BM25Index, dict[str, str]]:
    chunks = {
        name: chunk(text) for name, text in {"A": "cat dog", "B": "cat", "C": "bird fish"}.items()
    }
    return BM25Index.build(chunks.values()), {c.id: name for name, c in chunks.items()}


def named(results: list[tuple[str, float]], names: dict[str, str]) -> tuple[list[str], list[float]]:
    """The documents' names in order, and their scores, to compare scores approximately."""
    return [names[chunk_id] for chunk_id, _ in results], [score for _, score in results]


def test_bm25_scores_match_hand_computed_values(
    animals: tuple[BM25Index, dict[str, str]],
) -> None:
    index, names = animals
    assert named(index.search("dog"), names) == (["A"], approx([IDF_DOG * TF_A]))
    # The shorter document wins for the same term: length normalisation.
    assert named(index.search("cats"), names) == (
        ["B", "A"],
        approx([IDF_CAT * TF_B, IDF_CAT * TF_A]),
    )
    # Query terms count once each, and unknown and stop words add nothing.
    assert named(index.search("the dog and cat, cat, unicorn"), names) == (
        ["A", "B"],
        approx([(IDF_DOG + IDF_CAT) * TF_A, IDF_CAT * TF_B]),
    )


def test_bm25_term_frequency_saturates() -> None:
    index = BM25Index()
    index.add_text("once", "fox hen")
    index.add_text("twice", "fox fox")
    index.add_text("other", "owl hen")
    # Both documents have length 2 = the average, so only tf differs: 2 * 2.2 / (2 + 1.2).
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))
    names = {"once": "once", "twice": "twice"}
    assert named(index.search("fox"), names) == (
        ["twice", "once"],
        approx([idf * 2 * 2.2 / 3.2, idf * 2.2 / 2.2]),
    )


def test_bm25_search_edge_cases(animals: tuple[BM25Index, dict[str, str]]) -> None:
    index, _ = animals
    assert index.search("the and of") == []
    assert index.search("cat", k=0) == []
    assert len(index.search("cat", k=1)) == 1
    assert BM25Index().search("cat") == []


def test_bm25_scores_within_some_chunks_are_their_scores_in_the_whole_index(
    animals: tuple[BM25Index, dict[str, str]],
) -> None:
    """Scoring one document's chunks keeps the corpus's idf: the same numbers as scoring all
    and keeping those, whichever of the posting and the chunks is the smaller."""
    index, names = animals
    ids = {name: chunk_id for chunk_id, name in names.items()}
    everything = index.scores("cat dog bird")
    for within in ({ids["A"]}, {ids["A"], ids["C"]}, set(ids.values()), set()):
        expected = {i: score for i, score in everything.items() if i in within}
        assert index.scores("cat dog bird", within=within) == approx(expected)


# Incremental updates and persistence

DOCS = [
    "Install the package with pip and run the tests.",
    "Parsing JSON files from the command line.",
    "The server listens on port 8080 by default.",
    "Configure logging levels per module.",
]
QUERIES = ["parse json", "port", "install tests", "logging module", "nothing matches zebra"]


def test_incremental_add_and_remove_equal_a_fresh_build() -> None:
    chunks = [chunk(text, f"doc{n}.md") for n, text in enumerate(DOCS)]
    extra = chunk("A chunk that is added and later removed again.", "tmp.md")
    index = BM25Index.build(chunks[:2])
    index.add(extra)
    index.add(chunks[2])
    index.add(chunks[3])
    index.add(chunks[0])  # re-adding replaces, it does not count twice
    assert index.remove(extra.id)
    assert not index.remove(extra.id)
    assert index.remove(chunks[1].id)
    index.add(chunks[1])
    fresh = BM25Index.build(chunks)
    assert index.to_dict() == fresh.to_dict()
    assert index.ids() == fresh.ids() == {c.id for c in chunks}
    for query in QUERIES:
        assert index.search(query) == fresh.search(query)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    index = BM25Index.build([chunk(text, f"doc{n}.md") for n, text in enumerate(DOCS)], k1=1.5)
    folder = tmp_path / "store"
    folder.mkdir()
    path = folder / "bm25.json"
    index.save(path)
    loaded = BM25Index.load(path)
    assert loaded.to_dict() == index.to_dict()
    assert loaded.k1 == 1.5
    for query in QUERIES:
        assert loaded.search(query) == index.search(query)
    assert [p.name for p in folder.iterdir()] == ["bm25.json"]


def test_load_refuses_another_format() -> None:
    data = BM25Index.build([chunk("text")]).to_dict()
    with pytest.raises(ValueError, match="rebuild"):
        BM25Index.from_dict({**data, "tokenizer": 0})
    with pytest.raises(ValueError, match="rebuild"):
        BM25Index.from_dict({})


# Reciprocal rank fusion


def test_rrf_sums_reciprocal_ranks() -> None:
    fused = rrf({"dense": ["x", "y", "z"], "bm25": ["y", "w"]})
    assert [item for item, _, _ in fused] == ["y", "x", "w", "z"]
    assert [score for _, score, _ in fused] == approx([1 / 62 + 1 / 61, 1 / 61, 1 / 62, 1 / 63])
    assert fused[0][2] == approx({"dense": 1 / 62, "bm25": 1 / 61})
    assert fused[1][2] == approx({"dense": 1 / 61})


def test_rrf_constant_ties_and_repeats() -> None:
    assert rrf({"a": ["p"]}, k=0)[0][1] == 1.0
    # Equal scores and equal best ranks: the smaller id first, whatever the input order.
    assert [item for item, _, _ in rrf({"a": ["q", "p"], "b": ["p", "q"]})] == ["p", "q"]
    # A repeated id counts at its first rank only.
    [(item, score, parts)] = rrf({"a": ["p", "p"]})
    assert (item, parts) == ("p", approx({"a": 1 / 61}))
    assert score == approx(1 / 61)
    assert rrf({}) == []


# Relative score fusion

WEIGHTS = {"dense": 0.75, "bm25": 0.25}


def test_relative_fusion_normalises_each_ranking_and_weights_it() -> None:
    fused = relative_score_fusion(
        {"dense": [("x", 0.9), ("y", 0.5), ("z", 0.1)], "bm25": [("y", 12.0), ("w", 2.0)]},
        WEIGHTS,
    )
    # dense: x 1, y 0.5, z 0; bm25: y 1, w 0 (scaled by the weights).
    assert [item for item, _, _ in fused] == ["x", "y", "w", "z"]
    assert dict((item, score) for item, score, _ in fused) == approx(
        {"x": 0.75, "y": 0.75 * 0.5 + 0.25, "w": 0.0, "z": 0.0}
    )
    assert fused[1][2] == approx({"dense": 0.375, "bm25": 0.25})


def test_relative_fusion_keeps_a_clear_first_place_that_rank_fusion_loses() -> None:
    """A strong ranking's clear winner beats an item both rankings put second."""
    rankings = {
        "dense": [("answer", 0.9), ("both", 0.4), ("c", 0.38), ("d", 0.35)],
        "bm25": [("e", 9.0), ("both", 8.5), ("f", 8.0), ("answer", 1.0)],
    }
    assert relative_score_fusion(rankings, WEIGHTS)[0][0] == "answer"
    assert rrf({name: [i for i, _ in ranking] for name, ranking in rankings.items()})[0][0] == (
        "both"
    )


def test_relative_fusion_edge_cases() -> None:
    # One candidate, or all equal: every one counts fully.
    assert relative_score_fusion({"dense": [("p", 0.2)]}, WEIGHTS) == [("p", 0.75, {"dense": 0.75})]
    tied = relative_score_fusion({"bm25": [("q", 1.0), ("p", 1.0)]}, WEIGHTS)
    assert [item for item, _, _ in tied] == ["p", "q"]
    assert relative_score_fusion({"dense": [], "bm25": []}, WEIGHTS) == []


# Maximal marginal relevance

QUERY = [1.0, 1.0]
CANDIDATES = [("a", [1.0, 0.0]), ("a2", [1.0, 0.05]), ("b", [0.0, 1.0])]


def test_mmr_skips_a_near_duplicate_for_a_diverse_item() -> None:
    assert mmr(QUERY, CANDIDATES, k=2) == ["a2", "b"]


def test_mmr_with_lambda_one_is_relevance_order() -> None:
    # a and b are equally relevant: the earlier candidate wins the tie.
    assert mmr(QUERY, CANDIDATES, k=3, lambda_=1.0) == ["a2", "a", "b"]


def test_mmr_edge_cases() -> None:
    assert mmr(QUERY, CANDIDATES, k=10) == ["a2", "b", "a"]
    assert mmr(QUERY, [], k=3) == []
    assert mmr([0.0, 0.0], CANDIDATES, k=1) == ["a"]


# Metadata filters

META = {"source": "docs/guides/setup.md", "kind": "markdown", "page": 3}


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({}, True),
        ({"kind": "markdown"}, True),
        ({"kind": "pdf"}, False),
        ({"missing": "x"}, False),
        ({"kind": {"$eq": "markdown"}}, True),
        ({"kind": {"$in": ["pdf", "markdown"]}}, True),
        ({"kind": {"$in": ["pdf", "html"]}}, False),
        ({"missing": {"$in": ["x"]}}, False),
        ({"kind": {"$ne": "pdf"}}, True),
        ({"kind": {"$ne": "markdown"}}, False),
        ({"missing": {"$ne": "x"}}, True),
        ({"source": {"$prefix": "docs/guides/"}}, True),
        ({"source": {"$prefix": "docs/api/"}}, False),
        ({"page": {"$prefix": "3"}}, False),
        ({"kind": "markdown", "source": {"$prefix": "docs/"}, "page": {"$in": [1, 3]}}, True),
        ({"kind": "markdown", "page": 4}, False),
    ],
)
def test_matches(where: dict[str, object], expected: bool) -> None:
    assert matches(META, where) is expected


def test_matches_rejects_unknown_operators() -> None:
    with pytest.raises(ValueError, match=r"\$gt"):
        matches(META, {"page": {"$gt": 1}})


def test_bm25_finds_what_a_question_says_with_a_synonym_and_ranks_the_word_above_it() -> None:
    tr = chunk("-d, --delete: delete characters in the first set", "tr.txt")
    notes = chunk("remove characters you do not want", "notes.txt")
    other = chunk("translate characters from one set to another", "other.txt")
    index = BM25Index.build([tr, notes, other])
    plain = dict(index.search("how do I erase characters", 3))
    expanded = dict(index.search("how do I erase characters", 3, synonyms=True))
    # "erase" is in no chunk: by "characters" alone the shorter chunk ranks first, and only
    # the synonyms ("delete", "remove") put the chunks that say it above it.
    assert plain[tr.id] < plain[other.id]
    assert expanded[tr.id] > expanded[other.id] and expanded[notes.id] > expanded[other.id]
    # The word the question used counts more than its synonym.
    ranked = [i for i, _ in index.search("remove characters", 3, synonyms=True)]
    assert ranked[:2] == [notes.id, tr.id]
