"""An `EditProposal` as the agents' approval actions (`EditFile`, `CreateFiles`).

Why an adapter: skills hand their actions to `scaffolder.kit.agents.ApprovalDesk`, which
shows, logs and runs them. Its `EditFile` replaces one exact, unique occurrence of `old`,
so each line-range edit becomes the replaced lines widened by neighbouring lines until that
text occurs once in the file. The desk does not know fingerprints; the uniqueness of `old`
is its (weaker) guard against a changed file, so prefer `apply_proposal` when the proposal
itself is at hand.
"""

from __future__ import annotations

from pathlib import Path

from scaffolder.kit.agents.actions import Action, CreateFiles, EditFile
from scaffolder.kit.code.checks import files_after
from scaffolder.kit.code.proposals import Edit, EditProposal, apply_edits, split_keeping_ends


def to_actions(proposal: EditProposal, root: Path) -> list[Action]:
    """One `CreateFiles` for all new files, and one `EditFile` per edit of an existing file,
    in the order they must run (bottom-up within a file)."""
    created = {
        f: text for f, text in files_after(proposal, root).items() if proposal.base[f] is None
    }
    actions: list[Action] = [CreateFiles(created)] if created else []
    for file, sha in sorted(proposal.base.items()):
        if sha is None:
            continue
        text = (root / file).read_bytes().decode("utf-8")
        mine = [e for e in proposal.edits if e.file == file]
        for edit in sorted(mine, key=lambda e: (e.end_line, e.start_line), reverse=True):
            old, new = _unique_pair(text, edit)
            actions.append(EditFile(file, old, new))
            text = text.replace(old, new, 1)
    return actions


def _unique_pair(text: str, edit: Edit) -> tuple[str, str]:
    """(old, new) for `edit` in `text`, with enough context lines that `old` occurs once."""
    lines = split_keeping_ends(text)
    if edit.mode == "replace_selection":
        first, last = edit.start_line - 1, edit.end_line
    else:  # insert_below: the line above anchors the insertion
        first, last = max(edit.end_line - 1, 0), edit.end_line
    after = apply_edits({edit.file: text}, [edit], {edit.file: "x"})[edit.file]
    grown_lines = split_keeping_ends(after)
    delta = len(grown_lines) - len(lines)
    while True:
        old = "".join(lines[first:last])
        if (old and text.count(old) == 1) or (first == 0 and last == len(lines)):
            return old, "".join(grown_lines[first : last + delta])
        first, last = max(first - 1, 0), min(last + 1, len(lines))
