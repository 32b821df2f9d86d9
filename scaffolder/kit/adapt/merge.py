"""Merging newly derived items into a file the team may have edited, by the manifest's rules
(`manifest` module docstring): add, update and retire what `adapt` owns, keep the rest."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from scaffolder.kit.adapt.manifest import Entry, text_hash


@dataclass(frozen=True)
class Item:
    """One derived line (or a whole file's text) and where it came from."""

    key: str
    text: str
    document: str | None = None


@dataclass
class FileChange:
    path: str
    added: int = 0
    updated: int = 0
    retired: int = 0
    #: Derived items the team edited or removed: left as the team has them.
    kept_edits: list[str] = field(default_factory=list)
    #: Lines not derived by adapt, left in place.
    team_lines: int = 0


@dataclass(frozen=True)
class Merged:
    text: str | None  # None: delete the file
    entries: list[Entry]
    change: FileChange


Grouper = Callable[[Item], str | None]


def merge_lines(
    path: str,
    current: str | None,
    old: Sequence[Entry],
    new: Sequence[Item],
    *,
    group_comment: Grouper | None = None,
) -> Merged:
    """The file's new text: its leading comments, the team's lines in their order, then the
    derived items (under `# from <document>` comments when `group_comment` names groups). A
    team line under a group's comment stays in that group, after its derived items: an
    example the team reworded stays with the document it is about."""
    change = FileChange(path)
    lines = (current or "").splitlines()
    header: list[str] = []
    # A group marker is adapt's own line (regenerated below), even right under the header.
    while lines and lines[0].lstrip().startswith("#") and not _group_marker(lines[0]):
        header.append(lines.pop(0))
    old_by_key = {entry.key: entry for entry in old}
    ours = {entry.hash for entry in old}
    present = {text_hash(line) for line in lines}
    #: The team's lines by the group comment each stands under (None: above the first).
    team_groups: dict[str | None, list[str]] = {}
    group: str | None = None
    for line in lines:
        if _group_marker(line):
            group = line
        elif line.strip() and text_hash(line) not in ours:
            team_groups.setdefault(group, []).append(line)
    team = [line for own in team_groups.values() for line in own]
    change.team_lines = sum(1 for line in team if not line.lstrip().startswith("#"))
    team_ids = {_case_id(line) for line in team} - {None}
    entries: list[Entry] = []
    written: list[Item] = []
    new_keys = {item.key for item in new}
    for item in new:
        before = old_by_key.get(item.key)
        if before is not None and before.hash not in present:
            change.kept_edits.append(_label(item))
            entries.append(before)
            continue
        if _case_id(item.text) in team_ids:
            change.kept_edits.append(_label(item))
            continue
        if before is None:
            change.added += 1
        elif before.hash != text_hash(item.text):
            change.updated += 1
        written.append(item)
        entries.append(Entry(item.key, text_hash(item.text), item.document))
    for entry in old:
        if entry.key in new_keys:
            continue
        if entry.hash in present:
            change.retired += 1
        else:  # the team's edit of an item no longer derived: still theirs, still recorded
            entries.append(entry)
    groups = _grouped(written, group_comment)
    # Team lines whose group is gone (or that stand in none) lead, as any team line did.
    leading = [
        line
        for marker, own in team_groups.items()
        if marker is None or marker not in groups
        for line in own
    ]
    body = header + leading
    for marker, items in groups.items():
        if marker is not None:
            body.append(marker)
        body.extend(item.text for item in items)
        if marker is not None:
            body.extend(team_groups.get(marker, []))
    return Merged("\n".join(body) + "\n" if body else "", entries, change)


def merge_file(path: str, current: str | None, old: Sequence[Entry], new: Item | None) -> Merged:
    """A whole derived file: replaced (or deleted when `new` is None) only while it is
    exactly what `adapt` last wrote, or absent."""
    change = FileChange(path)
    before = old[0] if old else None
    untouched = current is None or (before is not None and before.hash == text_hash(current))
    if not untouched:
        change.kept_edits.append(path)
        return Merged(current, list(old) if before is not None else [], change)
    if new is None:
        if current is not None:
            change.retired += 1
        return Merged(None, [], change)
    if current != new.text:
        if current is None:
            change.added += 1
        else:
            change.updated += 1
    return Merged(new.text, [Entry(new.key, text_hash(new.text), new.document)], change)


def _grouped(items: Sequence[Item], group_comment: Grouper | None) -> dict[str | None, list[Item]]:
    """Items under one heading per group, groups in order of first appearance: derived items
    come interleaved across documents, and a heading per run would repeat a document's."""
    groups: dict[str | None, list[Item]] = {}
    for item in items:
        groups.setdefault(group_comment(item) if group_comment else None, []).append(item)
    return groups


def _group_marker(line: str) -> bool:
    return line.startswith("# from ")


def _case_id(line: str) -> str | None:
    if not line.lstrip().startswith("{"):
        return None
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return str(value) if value is not None else None


def _label(item: Item) -> str:
    case = _case_id(item.text)
    return f"case {case}" if case else repr(item.text[:60])
