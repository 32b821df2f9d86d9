"""Turning a team's spreadsheet (CSV or XLSX) into a suite.

Teams keep their test questions in spreadsheets; importing beats retyping. Columns are
mapped by header name (defaults: id, input, reference, tags, intent, sources). Cells holding
several values (references, tags, sources) are split on `separator` (default `|`; tags also
on commas). Every bad row is reported with its spreadsheet row number (the header is row 1)
and nothing is written unless all rows are good.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaffolder.errors import BenchError
from scaffolder.kit.bench.graders import known_graders
from scaffolder.kit.bench.suite import SUITE_SUFFIX, SUITES_DIR, write_suite

MAX_REPORTED = 5


@dataclass(frozen=True)
class ColumnMap:
    id: str | None = "id"
    input: str = "input"
    reference: str | None = "reference"
    tags: str | None = "tags"
    intent: str | None = "intent"
    sources: str | None = "sources"
    separator: str = "|"


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a .csv or .xlsx (first sheet) file, cells as stripped strings."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                table = list(csv.reader(handle))
        except (OSError, UnicodeDecodeError, csv.Error) as error:
            raise BenchError(f"cannot read {path.name}: {error}") from error
    elif suffix == ".xlsx":
        table = _xlsx_rows(path)
    else:
        raise BenchError(f"{path.name}: import reads .csv or .xlsx files")
    if not table:
        raise BenchError(f"{path.name} is empty")
    header = [cell.strip() for cell in table[0]]
    return header, [[cell.strip() for cell in row] for row in table[1:]]


def _xlsx_rows(path: Path) -> list[list[str]]:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover (a dependency; guards broken installs)
        raise BenchError("reading .xlsx needs openpyxl: pip install openpyxl") from exc
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many unrelated types for a bad file
        raise BenchError(f"cannot read {path.name} as a spreadsheet: {error}") from error
    try:
        sheet = book.worksheets[0]
        return [
            ["" if value is None else _cell_text(value) for value in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def import_rows(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    columns: ColumnMap,
    source: str,
    required: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Cases from spreadsheet rows; raises with every bad row number (the first few shown).

    Default columns may be missing; `required` names the columns the user chose explicitly,
    which must exist.
    """
    index = {name: position for position, name in enumerate(header) if name}
    if columns.input not in index:
        raise BenchError(
            f"{source}: no column {columns.input!r} for the case input "
            f"(columns: {', '.join(header)}); choose one with --input-column"
        )
    for name in required:
        if name not in index:
            raise BenchError(f"{source}: no column {name!r}; columns: {', '.join(header)}")
    cases: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, 2):
        if not any(cell.strip() for cell in row):
            continue
        cell = _reader(index, row)
        text = cell(columns.input)
        case_id = cell(columns.id) or f"row-{number}"
        if not text:
            problems.append(f"row {number}: the {columns.input!r} cell is empty")
            continue
        if case_id in seen:
            problems.append(
                f"row {number}: duplicate id {case_id!r} (first in row {seen[case_id]})"
            )
            continue
        seen[case_id] = number
        case: dict[str, Any] = {"id": case_id, "input": text}
        references = _split(cell(columns.reference), columns.separator)
        if references:
            case["references"] = references
        tags = _split(cell(columns.tags).replace(",", columns.separator), columns.separator)
        if tags:
            case["tags"] = tags
        if cell(columns.intent):
            case["intent"] = cell(columns.intent)
        sources = _split(cell(columns.sources), columns.separator)
        if sources:
            case["sources"] = sources
        cases.append(case)
    if problems:
        shown = "; ".join(problems[:MAX_REPORTED])
        more = f" (and {len(problems) - MAX_REPORTED} more)" if len(problems) > MAX_REPORTED else ""
        raise BenchError(f"{source}: {len(problems)} bad row(s): {shown}{more}")
    if not cases:
        raise BenchError(f"{source}: no cases (every row is empty)")
    return cases


def _reader(index: Mapping[str, int], row: Sequence[str]) -> Any:
    def cell(name: str | None) -> str:
        if name is None or name not in index or index[name] >= len(row):
            return ""
        return row[index[name]].strip()

    return cell


def _split(text: str, separator: str) -> list[str]:
    return [part.strip() for part in text.split(separator) if part.strip()]


def import_suite(
    source: Path,
    destination: Path,
    columns: ColumnMap,
    header: Mapping[str, Any],
    required: Sequence[str] = (),
) -> int:
    """Write the suite for `source` at `destination`; returns the number of cases."""
    names, rows = read_rows(source)
    cases = import_rows(names, rows, columns, source.name, required)
    write_suite(destination, cases, header)
    return len(cases)


@dataclass(frozen=True)
class SpreadsheetImport:
    """One `bench import`: the file, the suite's name, the columns the user chose (None:
    the default), and the suite's default graders and prompt."""

    root: Path
    source: Path
    name: str | None = None
    #: Chosen column names by field (id, input, reference, tags, intent, sources).
    chosen: Mapping[str, str | None] = field(default_factory=dict)
    separator: str = "|"
    graders: tuple[str, ...] = ()
    prompt: str | None = None
    force: bool = False


def import_spreadsheet(request: SpreadsheetImport) -> tuple[Path, int]:
    """Write benchmarks/NAME.jsonl from the spreadsheet; returns where, and how many cases.
    Unknown graders and an existing suite (without `force`) are refused before reading."""
    given = {key: value for key, value in request.chosen.items() if value}
    columns = ColumnMap(**given, separator=request.separator)
    unknown = [g for g in request.graders if g not in known_graders()]
    if unknown:
        raise BenchError(f"unknown grader {unknown[0]!r} (known: {', '.join(known_graders())})")
    root = request.root
    destination = root / SUITES_DIR / f"{request.name or request.source.stem}{SUITE_SUFFIX}"
    if destination.exists() and not request.force:
        raise BenchError(f"{destination.relative_to(root)} exists; pass --force to replace it")
    header: dict[str, Any] = {}
    if request.graders:
        header["graders"] = list(request.graders)
    if request.prompt:
        header["prompt"] = request.prompt
    count = import_suite(request.source, destination, columns, header, tuple(given.values()))
    return destination, count
