"""The offline answer reads a passage under the heading it sits in, though its text may not
repeat it: an HTML page's piece opens with it as a plain line, and a piece cut from the middle
of a section does not say it at all."""

from __future__ import annotations

from dataclasses import replace

from scaffolder.kit.llm.providers.offline_tasks import answer
from scaffolder.kit.llm.types import AnswerTask, Passage

#: A function's entry in an API reference, as an HTML page's piece reads (heading, signature,
#: what it does, its parameter), and another page's prose that shares the word "function".
ENTRY = Passage(
    "1",
    "Function: xsltFreeAttributeSetsHashes\n\n````\n"
    "void\txsltFreeAttributeSetsHashes\t(xsltStylesheetPtr style)\n````\n\n"
    "Free up the memory used by attribute sets\n\nstyle: an XSLT stylesheet",
    "data/html/libxslt-attributes.html, Description > Function: xsltFreeAttributeSetsHashes",
    heading="Function: xsltFreeAttributeSetsHashes",
)
ELSEWHERE = Passage(
    "2",
    "Import libraries contain function stubs that, for each DLL function we want to call, "
    "know where to look for it in the DLL.",
    "data/pipes.html, MS-Windows Compiling and Linking",
    heading="MS-Windows Compiling and Linking",
)
QUESTION = "What should I know about function: xsltFreeAttributeSetsHashes?"


def under(heading: str, text: str, label: str = "1") -> Passage:
    """A passage of `text` from a section headed `heading`, which the text does not repeat."""
    return Passage(label, text, f"data/doc.md, {heading}", heading=heading)


def test_sentences_under_the_heading_a_question_names_answer_it() -> None:
    reply = answer(AnswerTask(QUESTION, (ENTRY, ELSEWHERE)))
    assert reply.startswith("```\nvoid\txsltFreeAttributeSetsHashes")
    assert "Free up the memory used by attribute sets [1]" in reply
    if "[2]" in reply:
        assert reply.index("[1]") < reply.index("[2]")


def test_without_its_heading_the_entry_s_description_shares_nothing_with_the_question() -> None:
    """What the heading changes: the same passages with no heading given."""
    bare = (replace(ENTRY, heading=""), replace(ELSEWHERE, heading=""))
    assert "Free up the memory" not in answer(AnswerTask(QUESTION, bare))


def test_the_heading_line_a_piece_opens_with_is_no_sentence_of_the_answer() -> None:
    section = Passage(
        "1",
        "Preparing to Parse Input Files\n\nBefore you can begin parsing input files, set up "
        "entity handling. Pass 1 to xmlSubstituteEntitiesDefault.",
        "data/tutorial.html, Tutorial > Preparing to Parse Input Files",
        opening=True,
        heading="Preparing to Parse Input Files",
    )
    reply = answer(AnswerTask("What is the tutorial?", (section,)))
    assert reply.startswith("Before you can begin parsing input files, set up entity handling.")
    # A line that only happens to open the piece is read as it always was.
    other = replace(section, heading="Tutorial")
    assert answer(AnswerTask("What is the tutorial?", (other,))).startswith(
        "Preparing to Parse Input Files"
    )


def test_a_piece_from_the_middle_of_a_section_is_read_under_its_heading() -> None:
    middle = under(
        "Resetting to factory settings",
        "Hold the button for twenty seconds. The light flashes twice when it is done.",
    )
    warranty = under(
        "Warranty", "Factory defects are covered for two years. Keep the receipt.", "2"
    )
    reply = answer(AnswerTask("How do I go back to factory settings?", (middle, warranty)))
    assert reply.startswith("Hold the button for twenty seconds. [1]")


def test_the_words_a_question_asks_with_do_not_outweigh_its_subject() -> None:
    """ "should", "know" and "about" are in none of these passages, which made them weigh as
    much as the rarest word: a sentence sharing "should" beat the ones about the subject."""
    members = under("2.3.2 Structures", "This is set by libffi; you should initialize it to zero.")
    layout = under(
        "2.3.3 Size and Alignment",
        "libffi will set the size and alignment fields of an ffi_type object for you.",
        "2",
    )
    reply = answer(AnswerTask("What should I know about size and alignment?", (members, layout)))
    assert reply.startswith("libffi will set the size and alignment fields")
    assert "initialize it to zero" not in reply


def test_the_headings_above_a_pages_first_section_are_no_sentences_either() -> None:
    """A page's title with nothing under it opens its first section's piece (HTML's headings
    are plain lines there): the opening answer is the section's text, not the two titles."""
    faq = Passage(
        "1",
        "Frequently Asked Questions\n\nIs the plan to use GitHub as a package repository?\n\n"
        "No, Cargo downloads packages from crates.io, its registry.",
        "data/faq.html, Frequently Asked Questions > Is the plan to use GitHub as a package "
        "repository?",
        opening=True,
        heading="Is the plan to use GitHub as a package repository?",
    )
    reply = answer(AnswerTask("What is faq?", (faq,)))
    assert reply == "No, Cargo downloads packages from crates.io, its registry. [1]"
