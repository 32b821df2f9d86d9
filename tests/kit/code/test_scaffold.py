from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.code.apply import apply_proposal
from scaffolder.kit.code.checks import proposed_code
from scaffolder.kit.code.scaffold import scaffold_files

ANSWER = """Here is a layout for the plugin:

```
plugin/
├── __init__.py
├── core.py
└── tests/
    └── test_core.py
```

`plugin/core.py`:

```python
def shout(text: str) -> str:
    return text.upper()
```

```python
# plugin/tests/test_core.py
from plugin.core import shout


def test_shout() -> None:
    assert shout("a") == "A"
```
"""


def test_tree_and_code_blocks_become_one_create_proposal(six_repo: Path) -> None:
    result = scaffold_files(ANSWER, six_repo)
    proposal = result.proposal
    assert proposal is not None
    assert proposal.files == ["plugin/__init__.py", "plugin/core.py", "plugin/tests/test_core.py"]
    assert {edit.mode for edit in proposal.edits} == {"create_file"}
    assert "2 with code from the answer" in proposal.rationale
    assert all(check.ok for check in proposed_code(proposal, six_repo))
    apply_proposal(proposal, six_repo, approved=True)
    assert (six_repo / "plugin/core.py").read_text().startswith("def shout(text: str)")
    assert (six_repo / "plugin/tests/test_core.py").read_text().startswith("from plugin.core")
    assert (six_repo / "plugin/__init__.py").read_text() == ""
    with pytest.raises(UsageError, match=r"cannot create plugin/__init__\.py: it already exists"):
        scaffold_files(ANSWER, six_repo)


@pytest.mark.parametrize("bad", ["../outside.py", "/etc/evil.py"])
def test_paths_escaping_the_root_are_refused(six_repo: Path, bad: str) -> None:
    answer = f"```\n.\n├── ok.py\n└── {bad}\n```\n"
    with pytest.raises(UsageError, match="points outside the project root"):
        scaffold_files(answer, six_repo)
    assert not (six_repo / "ok.py").exists()


def test_an_answer_without_a_tree_is_a_usage_error(six_repo: Path) -> None:
    with pytest.raises(UsageError, match="no file tree to scaffold"):
        scaffold_files("", six_repo)
