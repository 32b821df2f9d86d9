"""Example utterances as a normalised matrix, scored against a query in one pass.

Why column-wise: routing embeds every example once, at start-up, and then scores each turn
against all of them. The local embedder's vectors are sparse (a short utterance sets a few
dozen of its 1024 dimensions), so the matrix is kept by column with only its non-zero
entries, and a query walks just the columns where it is non-zero: a few thousand
multiply-adds for 200 examples instead of 200 full dot products, with no numpy. Dense
vectors from a hosted embedder work the same way, only slower.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

#: Texts in, one vector per text out (e.g. `LLM.embed`, or `local_embedder`).
Embedder = Callable[[Sequence[str]], list[list[float]]]


def local_embedder(texts: Sequence[str]) -> list[list[float]]:
    """The offline hashed-feature embedder, called directly (no cache round trip)."""
    from scaffolder.kit.llm.local_embedding import embed_texts

    return embed_texts(list(texts))


def normalized(vector: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(value * value for value in vector))
    return [value / norm for value in vector] if norm else list(vector)


class ExampleIndex:
    """Labelled example vectors; `best_by_label` gives each label its nearest example's score."""

    def __init__(self, labels: Sequence[str], vectors: Sequence[Sequence[float]]) -> None:
        if len(labels) != len(vectors):
            raise ValueError("one label per example vector")
        self.labels = tuple(dict.fromkeys(labels))
        position = {label: index for index, label in enumerate(self.labels)}
        self._row_label = [position[label] for label in labels]
        dimensions = len(vectors[0]) if vectors else 0
        self._rows: list[list[int]] = [[] for _ in range(dimensions)]
        self._values: list[list[float]] = [[] for _ in range(dimensions)]
        for row, vector in enumerate(vectors):
            for column, value in enumerate(normalized(vector)):
                if value:
                    self._rows[column].append(row)
                    self._values[column].append(value)
        self.size = len(vectors)

    def best_by_label(self, query: Sequence[float]) -> dict[str, float]:
        """For each label, the cosine similarity of its nearest example to `query`."""
        scores = [0.0] * self.size
        for column, weight in enumerate(normalized(query)):
            if weight:
                values = self._values[column]
                for offset, row in enumerate(self._rows[column]):
                    scores[row] += weight * values[offset]
        best = [-1.0] * len(self.labels)
        for row, score in enumerate(scores):
            label = self._row_label[row]
            if score > best[label]:
                best[label] = score
        return dict(zip(self.labels, best, strict=True))
