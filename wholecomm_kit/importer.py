"""Importing answers from a CSV file or an Excel workbook (paper forms typed into a spreadsheet, another tool).

Strict by default: one bad row and nothing is written, with every problem
listed by file, line (or sheet and row) and column. ``lenient`` imports the good
rows and returns every rejected one, so no row is ever dropped without a word.

CSV files may be separated by commas, semicolons or tabs (as spreadsheets save them in
different regions) and must be UTF-8; workbooks (``.xlsx``) are read cell by cell.

A row that repeats an answer already in the session (same respondent, standard and
answer; the time aside) is not added again, and its line is reported: importing a file
twice would otherwise bring back answers that were changed after the first import.
``again`` adds such rows all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import InputError, Problem
from .records import RESPONSES, Response, RowProblem, to_row, utc_now
from .session import Session
from .spreadsheet import XLSX_SIGNATURE, read_xlsx
from .store import SessionStore, append_records, decode_csv, detect_delimiter, parse_csv

OPTIONAL_COLUMNS = ("session_id", "recorded_at")
OLD_EXCEL_SIGNATURE = b"\xd0\xcf\x11\xe0"
"""Old Excel workbooks (``.xls``) and password-protected ones start so."""
UNREADABLE_FORMATS = {
    ".xls": "an old Excel workbook (.xls)",
    ".ods": "an OpenDocument spreadsheet (.ods)",
    ".numbers": "a Numbers document",
}
SAVE_AS = "Save it as 'Excel Workbook (.xlsx)' or as 'CSV UTF-8' and import that file."


@dataclass
class ImportResult:
    imported: int = 0
    rejected: list[Problem] = field(default_factory=list)
    blank_lines: int = 0
    repeated: list[int] = field(default_factory=list)
    """Lines (rows of a workbook) not added because the session already holds that very answer."""
    sheet: str | None = None
    """The worksheet read, for a workbook."""


@dataclass(frozen=True)
class _Table:
    """The records of a file to import, header first, and where to point a facilitator in it."""

    path: Path
    rows: list[tuple[int, list[str]]]
    sheet: str | None = None

    def problem(self, line: int | None, column: str | None, reason: str, header: list[str] | None = None) -> Problem:
        """A problem at a line and column; in a workbook with the sheet and the cell, as the spreadsheet names them."""
        if self.sheet is None:
            return Problem(self.path, line, column, reason)
        cell = None
        if line is not None and column is not None and header is not None and column in header:
            from openpyxl.utils import get_column_letter

            cell = f"{get_column_letter(header.index(column) + 1)}{line}"
        return Problem(self.path, line, column, reason, sheet=self.sheet, cell=cell)


def _read(path: Path) -> _Table:
    """The file's records: a workbook by its content (whatever its name), else CSV with its own separator."""
    suffix = path.suffix.lower()
    if suffix in UNREADABLE_FORMATS:
        raise InputError(
            [Problem(path, None, None, f"is {UNREADABLE_FORMATS[suffix]}, which the kit cannot read. {SAVE_AS}")]
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(path, None, None, f"cannot be read: {exc.strerror}")]) from None
    if data.startswith(XLSX_SIGNATURE):
        sheet = read_xlsx(path)
        return _Table(path, sheet.rows, sheet.name)
    if data.startswith(OLD_EXCEL_SIGNATURE):
        reason = f"is an old or password-protected Excel workbook, which the kit cannot read. {SAVE_AS}"
        raise InputError([Problem(path, None, None, reason)])
    text = decode_csv(path, data, RESPONSES.columns)
    if not text.strip():
        return _Table(path, [])
    return _Table(path, list(parse_csv(path, text, detect_delimiter(text, RESPONSES.columns))))


def _check_header(table: _Table, header: list[str], line: int) -> list[str]:
    names = [h.strip() for h in header]
    problems = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(table.problem(line, name, "this column appears twice"))
        seen.add(name)
    required = [c for c in RESPONSES.columns if c not in OPTIONAL_COLUMNS]
    for name in required:
        if name not in seen:
            problems.append(table.problem(line, name, "this column is missing"))
    for name in names:
        if name not in RESPONSES.columns:
            problems.append(
                table.problem(line, name, f"unknown column; the allowed columns are {', '.join(RESPONSES.columns)}")
            )
    if problems:
        raise InputError(problems)
    return names


def _answer(response: Response) -> tuple[object, ...]:
    """What a row says, without when it was recorded."""
    return tuple(getattr(response, c) for c in Response.COLUMNS if c not in OPTIONAL_COLUMNS)


def import_responses(session: Session, path: Path, *, lenient: bool = False, again: bool = False) -> ImportResult:
    """Check every row of ``path``, then append the good ones to the session in one atomic write."""
    store = SessionStore.open(session)
    table = _read(path)
    if not table.rows:
        raise InputError([Problem(path, None, None, "the file is empty; expected a header line and answers")])
    header_line, header = table.rows[0]
    names = _check_header(table, header, header_line)
    now = utc_now()
    result = ImportResult(sheet=table.sheet)
    good: list[Response] = []
    lines: list[int] = []
    for line, cells in table.rows[1:]:
        if not cells or all(not c.strip() for c in cells):
            result.blank_lines += 1
            continue
        if table.sheet is not None and len(cells) < len(names):
            cells = cells + [""] * (len(names) - len(cells))  # a workbook leaves out empty cells at a row's end
        if len(cells) != len(names):
            what = "cells" if table.sheet is not None else "values"
            result.rejected.append(
                table.problem(line, None, f"has {len(cells)} {what}, but the header has {len(names)}")
            )
            continue
        row = dict(zip(names, cells, strict=True))
        if not row.get("session_id"):
            row["session_id"] = session.session_id
        if not row.get("recorded_at"):
            row["recorded_at"] = now
        try:
            record = RESPONSES.parse(row, store.context)
        except RowProblem as exc:
            result.rejected.append(table.problem(line, exc.column, exc.reason, names))
            continue
        assert isinstance(record, Response)
        good.append(record)
        lines.append(line)
    if result.rejected and not lenient:
        raise InputError(result.rejected)
    if not again and good:
        known = {_answer(r) for r in store.responses()}
        new = []
        for line, record in zip(lines, good, strict=True):
            if _answer(record) in known:
                result.repeated.append(line)
            else:
                new.append(record)
        good = new
    if good:
        append_records(store.path(RESPONSES), RESPONSES, [to_row(r) for r in good])
    result.imported = len(good)
    return result
