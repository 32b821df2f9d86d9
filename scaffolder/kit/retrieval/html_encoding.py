"""The encoding an HTML page is read in: the one a browser would show it in.

Text and Markdown files must be UTF-8 (`loaders.check_file` refuses anything else, as guessing
would index mojibake unnoticed), but a web page says what it is written in, and when it says
nothing the HTML standard still decides: older generated docs are Latin-1 with no declaration
(libxslt's manual: "Jan Pokorn\\xfd" in its list of fixes), and refusing such a page lost it
from the index although every browser shows it correctly. The order follows the standard's
sniffing: a UTF-8 byte order mark, then a charset declared by a `<meta>` tag in the first
1024 bytes, then (no declaration) UTF-8 when the whole page is valid UTF-8, else Windows-1252,
the standard's fallback for pages in English and most western languages.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

#: How far into a page a `<meta>` charset declaration counts (the HTML standard's prescan).
PRESCAN_BYTES = 1024
#: Windows-1252 (Python's `cp1252`), which the HTML standard reads Latin-1 and ASCII labels as.
FALLBACK = "cp1252"
_UTF8 = "utf-8-sig"  # also drops a byte order mark
_READ_SIZE = 1024 * 1024

#: `<meta charset="x">` and `<meta http-equiv="Content-Type" content="text/html; charset=x">`.
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.I)
#: Labels the HTML standard maps to another encoding than their name says.
_STANDARD_NAMES = {
    "iso8859-1": FALLBACK,
    "ascii": FALLBACK,
    "utf-16-le": _UTF8,  # a page that got this far without NUL bytes is not UTF-16
    "utf-16-be": _UTF8,
    "utf-16": _UTF8,
    "utf-8": _UTF8,
}


def page_encoding(path: Path) -> str:
    """The Python codec name to read the page at `path` with (decoding errors replaced, as a
    browser replaces them); reads the whole file only when the page declares nothing."""
    with path.open("rb") as stream:
        prefix = stream.read(PRESCAN_BYTES)
    if prefix.startswith(codecs.BOM_UTF8):
        return _UTF8
    declared = declared_encoding(prefix)
    if declared is not None:
        return declared
    return _UTF8 if _is_utf8(path) else FALLBACK


def declared_encoding(prefix: bytes) -> str | None:
    """The codec a `<meta>` tag in `prefix` declares, or None when none does or Python knows
    no codec by that label."""
    found = _META_CHARSET.search(prefix)
    if found is None:
        return None
    try:
        name = codecs.lookup(found.group(1).decode("ascii")).name
        b"x".decode(name, "replace")  # a bytes-to-bytes codec (base64, hex) raises here
    except LookupError:
        return None
    return _STANDARD_NAMES.get(name, name)


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as stream:
        while True:
            block = stream.read(_READ_SIZE)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError:
                return False
            if not block:
                return True
