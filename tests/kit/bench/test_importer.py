"""Spreadsheets to suites: CSV and XLSX, column mapping, bad rows by row number."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from scaffolder.errors import BenchError
from scaffolder.kit.bench.graders import known_graders
from scaffolder.kit.bench.importer import ColumnMap, import_suite
from scaffolder.kit.bench.suite import load_suite


def test_csv_with_mapped_columns(tmp_path: Path) -> None:
    source = tmp_path / "team.csv"
    source.write_text(
        "Question,Expected,Area\nHow do refunds work?,30 days|refund,billing\nReset password?,link,"
        "account, security\n",
        encoding="utf-8",
    )
    target = tmp_path / "benchmarks" / "team.jsonl"
    columns = ColumnMap(input="Question", reference="Expected", tags="Area")
    count = import_suite(source, target, columns, {"graders": ["contains"]}, ("Question",))
    suite = load_suite(target, known_graders())
    assert count == 2 and [case.id for case in suite.cases] == ["row-2", "row-3"]
    assert suite.cases[0].references == ("30 days", "refund")
    assert suite.cases[0].tags == ("billing",)
    assert [g.name for g in suite.graders] == ["contains"]


def test_xlsx(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["id", "input", "reference"])
    sheet.append(["a", "Two plus two?", 4])
    sheet.append([None, None, None])
    sheet.append(["b", "Capital of France?", "Paris"])
    source = tmp_path / "cases.xlsx"
    book.save(source)
    target = tmp_path / "out.jsonl"
    assert import_suite(source, target, ColumnMap(), {}) == 2
    suite = load_suite(target)
    assert suite.cases[0].references == ("4",)


def test_bad_rows_are_named_by_row_number(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("id,input\na,hello\nb,\na,again\n", encoding="utf-8")
    with pytest.raises(BenchError) as caught:
        import_suite(source, tmp_path / "out.jsonl", ColumnMap(), {})
    assert str(caught.value) == (
        "bad.csv: 2 bad row(s): row 3: the 'input' cell is empty; "
        "row 4: duplicate id 'a' (first in row 2)"
    )
    assert not (tmp_path / "out.jsonl").exists()


def test_missing_chosen_column(tmp_path: Path) -> None:
    source = tmp_path / "c.csv"
    source.write_text("input\nhi\n", encoding="utf-8")
    with pytest.raises(BenchError, match="no column 'Answer'"):
        import_suite(source, tmp_path / "o.jsonl", ColumnMap(reference="Answer"), {}, ("Answer",))
    with pytest.raises(BenchError, match="no column 'Q' for the case input"):
        import_suite(source, tmp_path / "o.jsonl", ColumnMap(input="Q"), {})
