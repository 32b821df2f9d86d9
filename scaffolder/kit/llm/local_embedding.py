"""Offline text embeddings: hashed word and character n-gram features.

No model, no download, deterministic across processes and machines, and fast enough to embed
a few thousand passages a second in pure Python. Texts that share words and word pieces land
close together, which is what the offline provider and keyword-heavy retrieval need. It is not
a semantic model: synonyms with no shared letters are far apart.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter

from scaffolder.kit.text import STOPWORDS

DIMENSIONS = 1024
MODEL_NAME = "local"
_WORD = re.compile(r"\w+", re.UNICODE)
#: Whole words say more than the 3-letter pieces that make typos and inflections match.
_WORD_WEIGHT = 1.0
_PIECE_WEIGHT = 0.6


def words(text: str) -> list[str]:
    return [match.lower() for match in _WORD.findall(text)]


def _features(text: str) -> Counter[str]:
    features: Counter[str] = Counter()
    for word in words(text):
        if word in STOPWORDS:  # too common to say what a text is about
            continue
        features["w:" + word] += 1
        padded = f"#{word}#"
        for start in range(max(1, len(padded) - 2)):
            features["c:" + padded[start : start + 3]] += 1
    return features


def embed_text(text: str, dimensions: int = DIMENSIONS) -> list[float]:
    """One L2-normalised vector; an empty text gives the zero vector."""
    vector = [0.0] * dimensions
    for feature, count in _features(text).items():
        digest = zlib.crc32(feature.encode("utf-8"))
        index = digest % dimensions
        sign = 1.0 if (digest >> 16) & 1 else -1.0
        weight = _WORD_WEIGHT if feature.startswith("w:") else _PIECE_WEIGHT
        vector[index] += sign * weight * (1.0 + math.log(count))
    norm = math.sqrt(sum(value * value for value in vector))
    return [value / norm for value in vector] if norm else vector


def embed_texts(
    texts: list[str] | tuple[str, ...], dimensions: int = DIMENSIONS
) -> list[list[float]]:
    return [embed_text(text, dimensions) for text in texts]


def cosine(left: list[float], right: list[float]) -> float:
    """Cosine similarity of two normalised vectors."""
    return sum(a * b for a, b in zip(left, right, strict=True))
