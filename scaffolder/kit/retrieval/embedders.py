"""Embedders for the vector store: `local` (offline, default), any model through the LLM
layer, and Chroma's default MiniLM.

An embedder has a name and parameters; the store records both in the collection's
metadata, because vectors from different embedders are not comparable: querying an index
with another embedder must be an error, not silently wrong results.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from scaffolder.kit.json_types import JSONObject, JSONValue
from scaffolder.kit.llm import local_embedding

if TYPE_CHECKING:
    from scaffolder.kit.llm.client import LLM

CHROMA_DEFAULT = "chroma-default"
#: How much hybrid search trusts a semantic model's ranking over BM25's: 0.75, the default
#: vector weight of Weaviate's hybrid search, fixed before measuring (docs/performance.md
#: shows how the evaluation set responds to other weights).
SEMANTIC_DENSE_WEIGHT = 0.75
#: The `local` embedder is lexical too (words and word pieces), so neither view outranks
#: the other.
LEXICAL_DENSE_WEIGHT = 0.5
#: Where chromadb keeps its default model once downloaded (it downloads at first use).
CHROMA_MODEL_DIR = Path("~/.cache/chroma/onnx_models/all-MiniLM-L6-v2").expanduser()


class Embedder(Protocol):
    name: str
    #: The weight of this embedder's ranking in hybrid search (BM25 gets the rest).
    dense_weight: float

    @property
    def params(self) -> Mapping[str, JSONValue]: ...

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def signature(embedder: Embedder) -> str:
    """What identifies an embedder's vector space, as stored in collection metadata."""
    return json.dumps({"name": embedder.name, **embedder.params}, sort_keys=True)


class LocalEmbedder:
    """Hashed word and character n-grams (`scaffolder.kit.llm.local_embedding`): no model,
    no download, deterministic. The default, so a fresh project ingests offline."""

    name = "local"
    dense_weight = LEXICAL_DENSE_WEIGHT

    def __init__(self, dimensions: int = local_embedding.DIMENSIONS) -> None:
        self.dimensions = dimensions
        #: Bumped whenever the features change, so old indexes are detected as different.
        self.version = 2

    @property
    def params(self) -> JSONObject:
        return {"dimensions": self.dimensions, "version": self.version}

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return local_embedding.embed_texts(list(texts), self.dimensions)


class ModelEmbedder:
    """Any embedding model through the LLM layer: batched, retried, cached per text, costed."""

    dense_weight = SEMANTIC_DENSE_WEIGHT

    def __init__(self, llm: LLM, model: str) -> None:
        self.llm = llm
        self.model = model
        self.name = f"{llm.embedder.info.name}:{model}"

    @property
    def params(self) -> JSONObject:
        return {"model": self.model}

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self.llm.embed(texts, model=self.model)


class ChromaDefaultEmbedder:
    """Chroma's bundled all-MiniLM-L6-v2 (ONNX). It downloads the model at first use, so it
    fails offline until the model is cached (`copilot doctor` says whether it is)."""

    name = CHROMA_DEFAULT
    dense_weight = SEMANTIC_DENSE_WEIGHT

    def __init__(self) -> None:
        from chromadb.utils.embedding_functions import DefaultEmbeddingFunction

        self._function = DefaultEmbeddingFunction()

    @property
    def params(self) -> JSONObject:
        return {"model": "all-MiniLM-L6-v2"}

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return [list(map(float, vector)) for vector in self._function(list(texts))]


def chroma_default_cached() -> bool:
    return CHROMA_MODEL_DIR.is_dir() and any(CHROMA_MODEL_DIR.iterdir())


def embedder_for(embedding_model: str, llm: LLM | None = None) -> Embedder:
    """The embedder a project's `embedding_model` setting names."""
    if embedding_model == "local":
        return LocalEmbedder()
    if embedding_model == CHROMA_DEFAULT:
        return ChromaDefaultEmbedder()
    if llm is None:
        raise ValueError(f"embedding model {embedding_model!r} needs an LLM client")
    return ModelEmbedder(llm, embedding_model)
