"""Questions `adapt` draws from API references in plain text (pydoc's layout), and what it
leaves out: examples that start with a call, private names, class trees, shared boilerplate."""

from __future__ import annotations

from pathlib import Path

from scaffolder.kit.adapt.corpus import read_corpus
from scaffolder.kit.adapt.questions import candidates
from tests.kit.adapt.test_derivation import write_data

INHERITED = (
    "     |  with_traceback(...)\n"
    "     |      Exception.with_traceback(tb) -- set self.__traceback__ to tb and return self.\n"
)

WIDGETS = f"""Help on module widgets:

NAME
    widgets - Small parts for building gadgets.

CLASSES
    builtins.Exception(builtins.BaseException)
        WidgetError

    class Spinner(builtins.object)
     |  Spinner(speed)
     |
     |  Methods defined here:
     |
     |  spin_up(self, rpm=1200)
     |      Raise the spinner's speed gradually until it reaches the given rpm.
     |
     |  __init__(self, speed)
     |      Initialize self.  See help(type(self)) for accurate signature.
     |
     |  _calibrate(self)
     |      Measure the bearing friction before the first spin.
     |

    class WidgetError(builtins.Exception)
     |  Methods inherited from builtins.BaseException:
     |
{INHERITED}
FUNCTIONS
    assemble_gadget(parts, *, glue='epoxy')
        Join the parts into one gadget, curing the glue overnight.
"""

GIZMOS = f"""Help on module gizmos:

NAME
    gizmos - Moving parts for gadgets.

CLASSES
    class GizmoError(builtins.Exception)
     |  Methods inherited from builtins.BaseException:
     |
{INHERITED}
FUNCTIONS
    wind_spring(turns)
        Tension the mainspring by the given number of turns.
"""

README = """# gadgets

Examples:

assemble('bolt') starts the assembly of a bolt with default glue.

Set max_depth to limit how deep assembly_plan recurses into sub-assemblies.
"""


def _found(tmp_path: Path) -> dict[str, str]:
    root = write_data(tmp_path, {"widgets.txt": WIDGETS, "gizmos.txt": GIZMOS, "README.md": README})
    return {c.question: c.key_phrase for c in candidates(read_corpus(root))}


def test_an_api_entry_asks_what_its_call_does_in_its_document(tmp_path: Path) -> None:
    """pydoc lists a call's signature on a line of its own, its description below; a class's
    members sit behind a gutter bar. The name keeps its underscores."""
    found = _found(tmp_path)
    assert "What does spin_up() do in widgets?" in found
    assert "What does assemble_gadget() do in widgets?" in found
    assert "What does wind_spring() do in gizmos?" in found
    assert found["What does wind_spring() do in gizmos?"] in "Tension the mainspring"
    assert "|" not in " ".join(found)


def test_private_names_class_trees_and_shared_boilerplate_ask_nothing(tmp_path: Path) -> None:
    """`__init__` and `_calibrate` are no questions a user asks; the class tree's first line is
    no call; every exception's inherited `with_traceback` is the same text on both pages."""
    asked = " ".join(_found(tmp_path))
    for absent in ("init", "calibrate", "builtins.Exception", "with_traceback"):
        assert absent not in asked, absent


def test_a_sentence_that_starts_with_a_call_in_markdown_is_an_example(tmp_path: Path) -> None:
    """In a README a call opens an example, not an entry; an underscore inside a word is part
    of it (`max_depth`), not emphasis."""
    found = _found(tmp_path)
    assert not any("assemble()" in question for question in found)
    corpus = read_corpus(write_data(tmp_path / "again", {"README.md": README}))
    sentences = [s for d in corpus.documents for section in d.sections for s in section.sentences]
    assert any("max_depth" in sentence for sentence in sentences)
