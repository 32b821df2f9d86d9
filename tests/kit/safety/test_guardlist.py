from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.errors import UsageError
from scaffolder.kit.safety.guardlist import GuardList, load_guard_lists

TEAM = GuardList("team", ["darn", "frobnicate", "competitor x", "ass"])


@pytest.mark.parametrize(
    "text",
    [
        "well darn it",
        "DARN",
        "dárn, accents do not hide it",
        "d4rn with l33t",
        "d.a.r.n with dots",
        "d a r n with spaces",
        "d-a_r*n with punctuation",
        "daaarn stretched",
        "darned inflected",
        "Competitor   X is a phrase",
        "competitorX run together",
        "c0mpet1tor x mixed",
        "fr\u200bobnicate with an invisible space",
        "fr\u043ebnicate with a Cyrillic o",
        "\uff46\uff52\uff4f\uff42\uff4e\uff49\uff43\uff41\uff54\uff45 in full width",
        "a$$ with symbols",
    ],
)
def test_blocks_disguised_entries(text: str) -> None:
    findings = TEAM.find(text)
    assert findings, text
    assert findings[0].action == "block"


@pytest.mark.parametrize(
    "text",
    [
        "the class assistant passed the assessment",
        "darnell is a name",
        "a competitor is anyone",
        "he'll see the frob nicely",
        "bass guitar and embassy",
    ],
)
def test_leaves_words_that_merely_contain_an_entry(text: str) -> None:
    assert TEAM.find(text) == []


def test_the_reason_names_the_entry_without_quoting_it() -> None:
    (finding,) = TEAM.find("we beat c.o.m.p.e.t.i.t.o.r x")
    assert finding.reason == "list team entry 3"
    assert "competitor" not in finding.reason
    assert finding.guard == "guard-list:team"


def test_loads_a_list_file_with_comments(tmp_path: Path) -> None:
    path = tmp_path / "brand.txt"
    path.write_text("# words legal asked us to avoid\nguaranteed returns  # finance\n\nrisk free\n")
    (loaded,) = load_guard_lists([Path("brand.txt")], root=tmp_path)
    assert loaded.name == "brand"
    assert loaded.terms == ("guaranteed returns", "risk free")
    assert loaded.find("these are GUARANTEED returns")


def test_an_empty_or_missing_list_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(UsageError, match="has no entries"):
        GuardList.load(tmp_path / "empty.txt")
    with pytest.raises(UsageError, match="cannot read guard list"):
        GuardList.load(tmp_path / "missing.txt")
