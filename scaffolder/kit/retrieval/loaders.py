"""Turning files into chunks for `copilot ingest`: which files to read, and how to cut each one.

`iter_files` walks the paths given on the command line the way git sees the tree (honouring
`.gitignore`, never entering `.git`, virtualenvs, `node_modules`, caches or copilot's own
`.copilot` folder) and reports every file it will not read, with the reason, rather than
silently dropping it. A symbolic link is followed only when its target stays inside the folder
being ingested (a link must not pull `~/.ssh/id_rsa` or `../.env` into an index that answers
questions about `data/`); a link that leaves it, dangles or loops is skipped with that reason,
and each file is read once, under its real path, however many links lead to it. `iter_chunks`
cuts one file according to its format:

* markdown (`.md`, `.markdown`): sections at `#` headings, `section` is the heading path,
  under the page's title when YAML front matter gives one (the block itself is not indexed);
* text (`.txt`, `.rst`, README-like names): paragraphs merged up to `max_chars`;
* a Python package's metadata (`METADATA`, `PKG-INFO`, or text that starts like one): headers
  in passages of their own, then the description, under "name: summary";
* HTML (`.html`, `.htm`): visible text by paragraph (of the main element, when the page marks
  one), `section` from h1-h6; a redirect stub or a page marked `noindex` is skipped;
* PDF (`.pdf`): page by page, `page` set, lines counted within the page's extracted text;
* Python: one chunk per top-level definition, methods of big classes on their own;
* other source code: blank-line-separated blocks merged up to `max_chars`.

For text, markdown and code the chunk text is exactly the file's lines `start_line..end_line`
(universal newlines, so `Path.read_text().split("\\n")` numbers them the same way), which lets
anyone check a citation against the file; a line is cut only when it alone exceeds `max_chars`.
Text-like files are streamed, so memory stays bounded whatever their size, and the same file
always gives the same chunks in the same order.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from scaffolder.errors import FAILURE_EXIT_CODE, CopilotError, UsageError, first_line
from scaffolder.kit.retrieval.chunking import Piece, pack, pack_markdown, read_units, split_line
from scaffolder.kit.retrieval.code_chunks import PYTHON_AST_MAX_BYTES, pack_python
from scaffolder.kit.retrieval.front_matter import split_front_matter
from scaffolder.kit.retrieval.gitignore import IgnoreRules
from scaffolder.kit.retrieval.html_chunks import pack_html
from scaffolder.kit.retrieval.html_encoding import page_encoding
from scaffolder.kit.retrieval.html_head import read_head
from scaffolder.kit.retrieval.package_metadata import pack_package, split_package_headers
from scaffolder.kit.retrieval.types import Chunk, ChunkKind
from scaffolder.kit.sources import SourceMap

Format = Literal["markdown", "text", "html", "pdf", "python", "code"]

_CODE_EXTENSIONS = (
    ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".go", ".rs", ".java", ".kt", ".kts", ".scala",
    ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".cs", ".rb", ".php", ".swift", ".m", ".mm",
    ".lua", ".pl", ".pm", ".r", ".jl", ".dart", ".ex", ".exs", ".erl", ".hs", ".ml", ".clj",
    ".sh", ".bash", ".zsh", ".fish", ".ps1", ".sql", ".css", ".scss", ".sass", ".less", ".vue",
    ".svelte", ".toml", ".yaml", ".yml", ".ini", ".cfg", ".proto", ".tf",
)  # fmt: skip

#: Formats by lower-case file extension. JSON, CSV and the like are data, not prose or code,
#: and are deliberately left out: a data dump would drown the documents it sits next to.
EXTENSIONS: dict[str, Format] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".rst": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".py": "python",
    ".pyi": "python",
    **dict.fromkeys(_CODE_EXTENSIONS, "code"),
}
#: Formats of well-known files that have no extension.
NAMES: dict[str, Format] = {
    "Makefile": "code",
    "Dockerfile": "code",
    "Justfile": "code",
    # METADATA and PKG-INFO: a Python package's core metadata (`package_metadata`).
    **dict.fromkeys(
        "README LICENSE NOTICE CHANGELOG AUTHORS CONTRIBUTING METADATA PKG-INFO".split(),  # noqa: SIM905
        "text",
    ),
}
#: Folders never walked into, whatever `.gitignore` says.
ALWAYS_SKIPPED = frozenset({".git", ".venv", "node_modules", "__pycache__", ".copilot"})

_KINDS: dict[Format, ChunkKind] = {
    "markdown": "markdown",
    "text": "text",
    "html": "html",
    "pdf": "pdf",
    "python": "code",
    "code": "code",
}
#: How much of a file is looked at for NUL bytes before it is called binary.
SNIFF_BYTES = 8 * 1024
_READ_SIZE = 1024 * 1024
#: How text other than HTML is read: UTF-8 only (a byte order mark dropped), nothing guessed.
_STRICT = ("utf-8-sig", "strict")


@dataclass(frozen=True)
class Skipped:
    """A file `iter_files` will not hand to `iter_chunks`, and why (shown to the user)."""

    path: Path
    reason: str
    #: A file copilot reads but could not read this time (permissions, vanished, a broken
    #: parse): unlike a refused one, its chunks from an earlier ingest are kept, not deleted.
    failed: bool = False


class UnreadableFileError(CopilotError):
    """A file failed while being chunked (changed since it was checked, a broken PDF...)."""

    exit_code = FAILURE_EXIT_CODE


def format_of(path: Path) -> Format | None:
    """The format `iter_chunks` reads `path` as, or None when it does not read it."""
    return EXTENSIONS.get(path.suffix.lower()) or NAMES.get(path.name)


def kind_of(path: Path) -> ChunkKind | None:
    """The kind of the chunks `iter_chunks` makes of `path` ("code" for any source file), or
    None when it does not read it."""
    fmt = format_of(path)
    return None if fmt is None else _KINDS[fmt]


def check_file(path: Path) -> str | None:
    """Why `path` cannot be ingested, or None if it can.

    Text files are read through once to make sure they are entirely UTF-8 (with or without a
    BOM): guessing another encoding would index mojibake without anyone noticing. A web page
    is the exception: it is read in the encoding a browser would show it in (`page_encoding`),
    which the page declares or the HTML standard decides.
    """
    checked = _checked(path)
    return checked.reason if isinstance(checked, Skipped) else None


def _checked(path: Path) -> Path | Skipped:
    try:
        reason = _refusal(path)
    except OSError as error:
        return Skipped(path, f"cannot be read: {error.strerror or error}", failed=True)
    return path if reason is None else Skipped(path, reason)


def _refusal(path: Path) -> str | None:
    fmt = format_of(path)
    if fmt is None:
        return f"unsupported file type '{path.suffix}'" if path.suffix else "unsupported file"
    if path.stat().st_size == 0:
        return "empty file"
    if fmt == "pdf":
        with path.open("rb") as stream:
            return None if stream.read(5) == b"%PDF-" else "not a PDF (no %PDF- header)"
    if fmt != "html":
        return _check_text(path)
    with path.open(encoding=page_encoding(path), errors="replace") as stream:
        reason = _check_page_text(stream)
        if reason is None:
            stream.seek(0)
            return read_head(stream).refusal
    return reason


def _check_page_text(stream: TextIO) -> str | None:
    """Why a page, decoded as a browser would (`page_encoding`), is no text, or None."""
    first = stream.read(SNIFF_BYTES)
    if "\0" in first:
        return "binary file (NUL bytes in the first 8 KiB)"
    block = first
    while block:
        if not block.isspace():
            return None
        block = stream.read(_READ_SIZE)
    return "empty file (whitespace only)"


def _check_text(path: Path) -> str | None:
    offset = 0  # of `data[0]` in the file
    carry = b""  # the start of a character cut in two by the end of the last block
    has_text = False
    with path.open("rb") as stream:
        while True:
            block = stream.read(_READ_SIZE)
            if offset == 0 and b"\0" in block[:SNIFF_BYTES]:
                return "binary file (NUL bytes in the first 8 KiB)"
            data = carry + block
            try:
                text = data.decode("utf-8")
                carry = b""
            except UnicodeDecodeError as error:
                if not block or error.reason != "unexpected end of data":
                    return f"not UTF-8 text (invalid byte at offset {offset + error.start})"
                text = data[: error.start].decode("utf-8")
                carry = data[error.start :]
            if offset == 0:
                text = text.removeprefix("\ufeff")
            has_text = has_text or bool(text.strip())
            offset += len(data) - len(carry)
            if not block:
                break
    return None if has_text else "empty file (whitespace only)"


def iter_files(
    paths: list[Path], root: Path, *, sources: SourceMap | None = None
) -> Iterator[Path | Skipped]:
    """The files under `paths` to ingest, in a stable order, and a `Skipped` for each refused.

    Folders are walked in name order, skipping what `.gitignore` files ignore (those of the
    root that holds the folder, `root` or one of `sources`, from that root down) and the
    `ALWAYS_SKIPPED` folders; ignored files are left out silently, as git does. A file named
    explicitly is never ignored, only checked. Every yielded path is the real (symlink-free)
    absolute path of the file. A path that does not exist or lies outside `root` and every
    source is a `UsageError`, raised before anything is yielded.
    """
    roots = sources or SourceMap(root.resolve())
    targets = []
    for path in paths:
        given = _absolute(path)
        if not given.exists():
            raise UsageError(f"{given}: no such file or folder")
        real = given.resolve()
        base = roots.root_for(real)
        if base is None:
            raise UsageError(
                f"{given} is outside the ingest root {roots.project} and every configured "
                "source ([tool.copilot] sources)"
            )
        targets.append((base, real))
    seen: set[Path] = set()
    for base, target in targets:
        found = _Walk(base, target).files() if target.is_dir() else iter([_checked(target)])
        for item in found:
            path = item.path if isinstance(item, Skipped) else item
            if path not in seen:
                seen.add(path)
                yield item


def _absolute(path: Path) -> Path:
    """`path` made absolute and normalised without resolving symlinks (which may leave root)."""
    # Path.resolve() would follow symlinks and Path.absolute() would keep "..".
    return Path(os.path.abspath(path))  # noqa: PTH100


class _Walk:
    """One folder given to `iter_files`, walked: its `scope`, which links may not leave."""

    def __init__(self, base: Path, scope: Path) -> None:
        self.base = base
        self.scope = scope
        self.visited: set[Path] = set()

    def files(self) -> Iterator[Path | Skipped]:
        return self._walk(self.scope, self._rules_above(self.scope))

    def _rules_above(self, folder: Path) -> IgnoreRules:
        """The `.gitignore` rules of `folder`'s ancestors from the root down (not its own)."""
        rules = IgnoreRules()
        for ancestor in reversed(folder.parents):
            if ancestor.is_relative_to(self.base):
                rules = rules.descend(ancestor)
        return rules

    def _walk(self, folder: Path, rules: IgnoreRules) -> Iterator[Path | Skipped]:
        if folder in self.visited:  # reached again through a link: walked once already
            return
        self.visited.add(folder)
        rules = rules.descend(folder)
        try:
            with os.scandir(folder) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError as error:
            yield Skipped(folder, f"cannot be read: {error.strerror or error}", failed=True)
            return
        for entry in entries:
            path = Path(entry.path)
            link = entry.is_symlink()
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                regular = entry.is_file(follow_symlinks=False)
            except OSError as error:  # a link loop, or a file that vanished meanwhile
                if link:
                    yield from self._follow(path)
                else:
                    yield Skipped(path, f"cannot be read: {error.strerror or error}", failed=True)
                continue
            if is_dir and entry.name in ALWAYS_SKIPPED:
                continue
            if rules.ignored(path, is_dir=is_dir):
                continue
            if link:
                yield from self._follow(path)
            elif is_dir:
                yield from self._walk(path, rules)
            elif regular:
                yield _checked(path)
            else:
                yield Skipped(path, "not a regular file (a pipe, socket or device)")

    def _follow(self, link: Path) -> Iterator[Path | Skipped]:
        """The file or folder a symbolic link leads to, if it stays inside the scope."""
        try:
            real = link.resolve(strict=True)
        except FileNotFoundError:
            yield Skipped(link, "broken symbolic link (its target does not exist)")
            return
        except (RuntimeError, OSError) as error:  # a loop: RuntimeError before Python 3.13
            loop = isinstance(error, RuntimeError) or getattr(error, "errno", 0) == errno.ELOOP
            reason = "symbolic link loop" if loop else f"cannot be read: {error}"
            yield Skipped(link, reason)
            return
        if not real.is_relative_to(self.scope):
            where = self.scope.relative_to(self.base).as_posix()
            target = link.readlink()
            yield Skipped(link, f"symbolic link to {target}, outside {where}/: not followed")
            return
        inside = real.relative_to(self.scope).parts
        rules = self._rules_above(real)
        if set(inside) & ALWAYS_SKIPPED or rules.ignored(real, is_dir=real.is_dir()):
            yield Skipped(link, "symbolic link into an ignored folder: not followed")
        elif real.is_dir():
            yield from self._walk(real, rules)
        elif real.is_file():
            yield _checked(real)
        else:
            yield Skipped(link, "symbolic link to something that is not a regular file")


def iter_chunks(
    path: Path, root: Path, *, max_chars: int = 1500, sources: SourceMap | None = None
) -> Iterator[Chunk]:
    """The chunks of one file, in file order; `source` is its real path relative to `root`,
    or `<source name>/<path in the source>` for a file of one of `sources` (`origin` is then
    that name).

    Raises `UnreadableFileError` when the file cannot be read as its format (run it through
    `check_file` or `iter_files` first to get a reason instead), and `UsageError` when `path`
    is not under `root` or a source.
    """
    fmt = format_of(path)
    absolute = path.resolve()
    roots = sources or SourceMap(root.resolve())
    found = roots.locate(absolute)
    if found is None:
        raise UsageError(f"{absolute} is outside the ingest root {roots.project}")
    origin = found[0].name if found[0] is not None else None
    source = found[1] if origin is None else f"{origin}/{found[1]}"
    if fmt is None:
        raise UnreadableFileError(f"{source}: unsupported file type")
    kind = _KINDS[fmt]
    try:
        if fmt == "pdf":
            for ordinal, (page, piece) in enumerate(_pdf_pieces(absolute, source, max_chars)):
                yield _chunk(piece, source, kind, page, origin, ordinal)
            return
        encoding, errors = (page_encoding(absolute), "replace") if fmt == "html" else _STRICT
        with absolute.open(encoding=encoding, errors=errors, newline=None) as stream:
            for ordinal, piece in enumerate(_text_pieces(fmt, stream, absolute, max_chars)):
                yield _chunk(piece, source, kind, None, origin, ordinal)
    except UnicodeDecodeError as error:
        raise UnreadableFileError(f"{source}: not UTF-8 text ({error.reason})") from error
    except OSError as error:
        raise UnreadableFileError(f"{source}: cannot be read: {error.strerror or error}") from error


def _chunk(
    piece: Piece, source: str, kind: ChunkKind, page: int | None, origin: str | None, ordinal: int
) -> Chunk:
    return Chunk(
        text=piece.text,
        source=source,
        start_line=piece.start,
        end_line=piece.end,
        kind=kind,
        section=piece.section,
        page=page,
        origin=origin,
        ordinal=ordinal,
    )


def _text_pieces(fmt: Format, stream: TextIO, path: Path, max_chars: int) -> Iterator[Piece]:
    if fmt in ("markdown", "text"):
        headers, units = split_package_headers(read_units(stream, max_chars))
        if headers is not None:
            return pack_package(headers, units, max_chars, markdown=fmt == "markdown")
        if fmt == "markdown":
            front, units = split_front_matter(units)
            return pack_markdown(units, max_chars, front.title if front else None)
        return pack(units, max_chars)
    if fmt == "html":
        return pack_html(stream, max_chars)
    if fmt == "python" and path.stat().st_size <= PYTHON_AST_MAX_BYTES:
        return pack_python(stream.read(), max_chars)
    return pack(read_units(stream, max_chars), max_chars)


def _pdf_pieces(path: Path, source: str, max_chars: int) -> Iterator[tuple[int, Piece]]:
    """(page number, piece) for each page's extracted text, reading one page at a time.

    The reader gets an open file rather than the path: given a path, pypdf reads the whole
    file into memory first.
    """
    from pypdf import PdfReader

    with path.open("rb") as stream:
        try:
            reader = PdfReader(stream)
            if reader.is_encrypted and not reader.decrypt(""):
                raise UnreadableFileError(f"{source}: the PDF is encrypted")
            for number, page in enumerate(reader.pages, start=1):
                lines = page.extract_text().replace("\r\n", "\n").replace("\r", "\n").split("\n")
                units = (
                    unit
                    for line_number, line in enumerate(lines, start=1)
                    for unit in split_line(line_number, line, max_chars)
                )
                for piece in pack(units, max_chars):
                    yield number, piece
        except UnreadableFileError:
            raise
        except Exception as error:  # pypdf on hostile input raises far more than PyPdfError
            raise UnreadableFileError(f"{source}: broken PDF ({first_line(error)})") from error
