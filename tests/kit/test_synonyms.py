"""The thesaurus that bridges a question's words and the documents' ones, offline."""

from __future__ import annotations

from collections import Counter

from scaffolder.kit.synonyms import GROUPS, RELATED, related
from scaffolder.kit.text import stem, tokenize


def test_no_word_belongs_to_two_meanings() -> None:
    """A stem in two groups would join them ("remove" in "delete" and in "uninstall" would
    make uninstalling a way of deleting)."""
    stems = Counter(stem(word) for group in GROUPS for word in set(map(stem, group)))
    assert [term for term, times in stems.items() if times > 1] == []


def test_synonyms_are_mutual_and_never_the_word_itself() -> None:
    for term, others in RELATED.items():
        assert term not in others
        assert all(term in RELATED[other] for other in others)


def test_words_are_compared_by_their_stems_as_the_index_stores_them() -> None:
    (folders,) = tokenize("folders")
    assert stem("directory") in related(folders)
    (removing,) = tokenize("removing")
    assert {stem("delete"), stem("erase")} <= related(removing)
    assert related(stem("lamp")) == frozenset()


def test_words_wider_than_their_technical_sense_are_left_out() -> None:
    for word in ("make", "get", "set", "list", "end", "text"):
        assert related(stem(word)) == frozenset()
