"""`printable` and `TerminalStream`: document and model text with escape sequences removed."""

from __future__ import annotations

import json

import pytest

from scaffolder.kit.text import TerminalStream, json_for_terminal, printable

OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"  # writes "rm -rf ~" to the clipboard

HOSTILE = [
    ("copy " + OSC52 + "this", "copy this"),
    ("title \x1b]0;pwned\x1b\\ done", "title  done"),
    ("\x1b[31mred\x1b[0m and \x1b[2J\x1b[1;1Hcleared", "red and cleared"),
    ("c1 \x9b31mcsi\x9b0m and \x9d0;t\x9c osc", "c1 csi and  osc"),
    ("dcs \x1bPq#0;2;0;0;0\x1b\\ end", "dcs  end"),
    ("apc \x1b_payload\x1b\\ pm \x1b^x\x07 sos \x1bXy\x07.", "apc  pm  sos ."),
    ("charset \x1b(0line\x1b(B reset \x1bc", "charset line reset "),
    ("back\x08space, cr\rline, bell\x07, lone \x1b", "backspace, crline, bell, lone "),
    ("unfinished \x1b]52;c;QUJD", "unfinished ]52;c;QUJD"),
    ("del\x7f and nul\x00", "del and nul"),
]


@pytest.mark.parametrize(("text", "expected"), HOSTILE)
def test_printable_removes_sequences_and_controls(text: str, expected: str) -> None:
    assert printable(text) == expected


def test_printable_keeps_text_newlines_tabs_and_unicode() -> None:
    text = "Café — naïve 日本語 🙂\n\tindented [1] ~/path\\with\\backslashes"
    assert printable(text) == text


@pytest.mark.parametrize(("text", "expected"), HOSTILE)
def test_a_stream_cut_anywhere_prints_what_the_whole_text_prints(text: str, expected: str) -> None:
    for size in (1, 2, 3, 5):
        stream = TerminalStream()
        pieces = [text[i : i + size] for i in range(0, len(text), size)]
        shown = "".join(stream.feed(piece) for piece in pieces) + stream.flush()
        assert shown == expected, (size, pieces)


def test_a_stream_never_emits_an_escape_even_for_an_unfinished_sequence() -> None:
    stream = TerminalStream()
    shown = stream.feed("answer \x1b]52;c;") + stream.feed("QUJD") + stream.flush()
    assert "\x1b" not in shown and shown.startswith("answer ")


def test_json_for_terminal_escapes_c1_and_keeps_the_value() -> None:
    value = {"text": "csi \x9b31m and del \x7f, ünïcode"}
    encoded = json_for_terminal(json.dumps(value, ensure_ascii=False))
    assert "\x9b" not in encoded and "\x7f" not in encoded and "ünïcode" in encoded
    assert json.loads(encoded) == value
