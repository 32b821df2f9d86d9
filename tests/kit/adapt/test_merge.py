"""The manifest's rules: adapt's own lines are updated and retired, the team's never touched."""

from __future__ import annotations

from scaffolder.kit.adapt.manifest import Entry, text_hash
from scaffolder.kit.adapt.merge import Item, merge_file, merge_lines


def entries(*pairs: tuple[str, str]) -> list[Entry]:
    return [Entry(key, text_hash(text)) for key, text in pairs]


def test_derived_lines_are_updated_and_retired_and_team_lines_kept() -> None:
    current = "# header\nold question?\nmy own question?\ngone question?\n"
    old = entries(("a", "old question?"), ("b", "gone question?"))
    merged = merge_lines("x", current, old, [Item("a", "new question?"), Item("c", "added?")])
    assert merged.text == "# header\nmy own question?\nnew question?\nadded?\n"
    change = merged.change
    assert (change.added, change.updated, change.retired, change.team_lines) == (1, 1, 1, 1)
    assert {entry.key for entry in merged.entries} == {"a", "c"}


def test_an_edited_derived_line_survives_and_is_not_written_again() -> None:
    current = "what about the starter, really?\n"
    old = entries(("a", "what about the starter?"))
    merged = merge_lines("x", current, old, [Item("a", "what about the starter?")])
    assert merged.text == "what about the starter, really?\n"
    assert merged.change.kept_edits == ["'what about the starter?'"]
    # Still recorded with its old hash, so the next run keeps respecting the edit.
    assert merged.entries == old


def test_a_case_whose_id_the_team_reused_is_not_added_twice() -> None:
    team = '{"id": "q1", "input": "edited"}'
    merged = merge_lines("x", team + "\n", [], [Item("case:q1", '{"id": "q1", "input": "x"}')])
    assert merged.text == team + "\n"
    assert merged.change.kept_edits == ["case q1"]


def test_a_whole_file_is_replaced_only_while_untouched() -> None:
    old = entries(("reply.md", "Sorry, lamps only.\n"))
    new = Item("reply.md", "Sorry, bread only.\n")
    assert merge_file("reply.md", "Sorry, lamps only.\n", old, new).text == new.text
    edited = merge_file("reply.md", "Ask me about loaves.\n", old, new)
    assert edited.text == "Ask me about loaves.\n"
    assert edited.change.kept_edits == ["reply.md"]
    assert merge_file("b.json", "{}", entries(("b.json", "{}")), None).text is None


def test_the_template_ships_the_manifest_of_its_sample() -> None:
    """Regenerate with `python -m scaffolder.kit.adapt.sample` after editing the sample."""
    from pathlib import Path

    from scaffolder.kit.adapt.manifest import MANIFEST
    from scaffolder.kit.adapt.sample import sample_manifest

    template = Path(__file__).resolve().parents[3] / "templates" / "qa_rag"
    assert (template / MANIFEST).read_text() == sample_manifest(template).to_text()


def test_merging_its_own_output_again_changes_nothing() -> None:
    """The first group's `# from <document>` heading sits right under the file's own comments:
    it must be read as adapt's marker (regenerated), not as the team's header (kept), or every
    re-run adds the heading once more; and each document gets one heading."""
    derived = [
        Item("a", "how do I bake rye?", "data/rye.md"),
        Item("b", "what is a starter?", "data/starter.md"),
        Item("c", "how long does rye proof?", "data/rye.md"),
    ]
    first = merge_lines("x", "# examples\n", [], derived, group_comment=_from)
    # One heading per document, even when the derived items come interleaved.
    assert first.text == (
        "# examples\n# from data/rye.md\nhow do I bake rye?\nhow long does rye proof?\n"
        "# from data/starter.md\nwhat is a starter?\n"
    )
    again = merge_lines("x", first.text, first.entries, derived, group_comment=_from)
    assert again.text == first.text
    assert (again.change.added, again.change.updated, again.change.retired) == (0, 0, 0)
    assert again.change.team_lines == 0


def _from(item: Item) -> str | None:
    return f"# from {item.document}" if item.document else None


def test_a_team_line_stays_in_the_group_of_the_document_it_stands_under() -> None:
    """An example the team reworded stays with its document; one under a group that is gone
    (its document was removed) leads the derived lines, as a line under none does."""
    current = (
        "# header\nmine, on top?\n# from a.md\nderived a?\nreworded a?\n"
        "# from b.md\nderived b?\n# from gone.md\nabout gone?\n"
    )
    old = [
        Entry("a1", text_hash("derived a?"), "a.md"),
        Entry("b1", text_hash("derived b?"), "b.md"),
    ]
    new = [Item("a1", "derived a?", "a.md"), Item("b1", "derived b?", "b.md")]
    merged = merge_lines(
        "x", current, old, new, group_comment=lambda item: f"# from {item.document}"
    )
    assert merged.text == (
        "# header\nmine, on top?\nabout gone?\n# from a.md\nderived a?\nreworded a?\n"
        "# from b.md\nderived b?\n"
    )
    assert merged.change.team_lines == 3
