"""Web pages are read in the encoding a browser would show them in; other text stays UTF-8."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.kit.adapt.corpus import read_document
from scaffolder.kit.retrieval.html_encoding import page_encoding
from scaffolder.kit.retrieval.loaders import Skipped, iter_chunks, iter_files

#: libxslt's manual as Debian ships it: no charset declared, one Latin-1 byte in a name.
UNDECLARED_LATIN1 = (
    b'<html><head><meta http-equiv="Content-Type" content="text/html">'
    b"<title>The XSLT C library</title></head>\n"
    b"<body><h1>Changes</h1><p>Fix typos (Jan Pokorn\xfd).</p></body></html>\n"
)


def page(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def text_of(path: Path, root: Path) -> str:
    return "\n".join(chunk.text for chunk in iter_chunks(path, root))


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"\xef\xbb\xbf<html><p>caf\xc3\xa9</p>", "utf-8-sig"),
        (b'<html><head><meta charset="koi8-r"></head>', "koi8-r"),
        (b"<meta http-equiv=Content-Type content='text/html; charset=Shift_JIS'>", "shift_jis"),
        # The HTML standard reads Latin-1 and ASCII labels as Windows-1252, a superset.
        (b'<meta charset="ISO-8859-1"><p>caf\xe9</p>', "cp1252"),
        (b'<meta charset="us-ascii"><p>caf\xe9</p>', "cp1252"),
        (b"<p>caf\xc3\xa9</p>", "utf-8-sig"),  # nothing declared, valid UTF-8
        (UNDECLARED_LATIN1, "cp1252"),  # nothing declared, not UTF-8
        (b'<meta charset="no-such-charset"><p>caf\xe9</p>', "cp1252"),  # a label Python lacks
        (b'<meta charset="base64"><p>caf\xc3\xa9</p>', "utf-8-sig"),  # a codec, not an encoding
        (b"<!--" + b" " * 1024 + b'--><meta charset="koi8-r">', "utf-8-sig"),  # past the prescan
    ],
)
def test_a_page_is_read_in_the_encoding_it_declares_or_the_standard_decides(
    tmp_path: Path, data: bytes, encoding: str
) -> None:
    assert page_encoding(page(tmp_path, "page.html", data)) == encoding


def test_a_latin1_page_is_indexed_and_a_latin1_text_file_still_refused(tmp_path: Path) -> None:
    page(tmp_path, "manual.html", UNDECLARED_LATIN1)
    page(tmp_path, "notes.txt", b"Fix typos (Jan Pokorn\xfd).\n")
    found = {
        (item.path if isinstance(item, Skipped) else item).name: item
        for item in iter_files([tmp_path], tmp_path)
    }
    assert found["manual.html"] == tmp_path / "manual.html"
    notes = found["notes.txt"]
    assert isinstance(notes, Skipped)
    assert notes.reason == "not UTF-8 text (invalid byte at offset 21)"
    assert "Fix typos (Jan Pokorný)." in text_of(tmp_path / "manual.html", tmp_path)


def test_a_page_declaring_another_script_reads_as_that_script(tmp_path: Path) -> None:
    russian = "Руководство по установке"
    data = f'<html><head><meta charset="windows-1251"><title>{russian}</title></head>'
    data += f"<body><h1>{russian}</h1><p>Установите пакет командой apt.</p></body></html>"
    path = page(tmp_path, "guide.html", data.encode("cp1251"))
    assert "Установите пакет командой apt." in text_of(path, tmp_path)
    assert read_document(path, tmp_path).page_title == russian


def test_bytes_a_declared_encoding_lacks_are_replaced_not_fatal(tmp_path: Path) -> None:
    path = page(tmp_path, "odd.html", b'<meta charset="utf-8"><p>broken \xff byte here</p>')
    assert next(iter(iter_files([path], tmp_path))) == path
    assert "broken \ufffd byte here" in text_of(path, tmp_path)


def test_a_page_of_nul_bytes_or_only_spaces_is_still_refused(tmp_path: Path) -> None:
    binary = page(tmp_path, "binary.html", b"<p>a\0b</p>")
    blank = page(tmp_path, "blank.html", b" \n\t\xa0\n")  # cp1252's no-break space is a space
    reasons = [
        item.reason if isinstance(item, Skipped) else "indexed"
        for item in iter_files([binary, blank], tmp_path)
    ]
    assert reasons == [
        "binary file (NUL bytes in the first 8 KiB)",
        "empty file (whitespace only)",
    ]
