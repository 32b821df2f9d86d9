"""Folding text so guards see through accents, look-alike letters and invisible characters.

Folding is length-preserving (one character in, one out), so every offset a guard finds in the
folded text is the same offset in the original: redaction and streaming rely on that.
"""

from __future__ import annotations

import unicodedata

#: Characters that hide inside words to split them for filters but render as nothing.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
#: Cyrillic and Greek letters drawn like Latin ones, used to slip words past filters
#: (written as escapes so this file shows no look-alikes itself), and what they stand for.
_HOMOGLYPHS = dict(
    zip(
        "\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456"
        "\u0458\u0455\u043a\u043c\u043d\u0442\u0432\u0410"
        "\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421"
        "\u0422\u0425\u03bf\u03b1\u03b5\u03b9\u03ba\u03bd"
        "\u03c4\u03c5\u03c1\u039f\u0391\u0395\u0399\u039a"
        "\u03a4",
        "aeopcyxijskmhtbABEKMHOPCTXoaeikvtupOAEIKT",
        strict=True,
    )
)
#: Letters NFKD does not decompose to an ASCII base.
_SPECIAL = dict(
    zip(
        "\u00df\u00e6\u00c6\u00f8\u00d8\u0111\u0110\u0142\u0141\u0153\u0152\u0131\u0130\u00fe",
        "saAoOdDlLoOiIt",
        strict=True,
    )
)


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        base = "".join(c for c in unicodedata.normalize("NFKD", chr(code)) if c.isascii())
        if len(base) == 1 and base.isalpha():
            table[code] = base
    for code in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[code] = chr(code - 0xFEE0)
    for char in _INVISIBLE:
        table[ord(char)] = " "
    for source, target in {**_HOMOGLYPHS, **_SPECIAL}.items():
        table[ord(source)] = target
    return table


_TABLE = _build_table()


def fold(text: str) -> str:
    """`text` lower-cased, accents dropped, look-alikes and full-width letters made ASCII,
    invisible characters made spaces; always exactly as long as `text`."""
    folded = text.translate(_TABLE).lower() if not text.isascii() else text.lower()
    if len(folded) != len(text):  # a rare letter whose lower case is longer: fold one by one
        folded = "".join(char.lower()[0] for char in text.translate(_TABLE))
    return folded
