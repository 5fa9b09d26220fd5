"""Importing answers from a CSV file or an Excel workbook (paper forms typed into a spreadsheet, another tool).

Ratings of standards (the columns of responses.csv) and answers to key challenges (the
columns of challenges.csv) can both be imported; the header tells which a table holds. A
workbook may hold both: its sheet ``answers`` (else its first sheet) and its sheet
``challenges``, as in the template ``paper-forms`` writes.

Strict by default: one bad row anywhere and nothing is written, with every problem
listed by file, line (or sheet, row and cell) and column. ``lenient`` imports the good
rows and returns every rejected one, so no row is ever dropped without a word.

CSV files may be separated by commas, semicolons or tabs (as spreadsheets save them in
different regions) and must be UTF-8; workbooks (``.xlsx``) are read cell by cell.

A row that repeats an answer already in the session (same respondent, same standard or
challenge, same answer; the time aside) is not added again, and its line is reported:
importing a file twice would otherwise bring back answers that were changed after the
first import. ``again`` adds such rows all the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import InputError, Problem
from .records import CHALLENGES, RESPONSES, Record, RowProblem, Table, to_row, utc_now
from .session import Session
from .spreadsheet import XLSX_SIGNATURE, read_xlsx
from .store import SessionStore, append_records, decode_csv, detect_delimiter, parse_csv, read_records
from .texts import say

OPTIONAL_COLUMNS = ("session_id", "recorded_at")
OLD_EXCEL_SIGNATURE = b"\xd0\xcf\x11\xe0"
"""Old Excel workbooks (``.xls``) and password-protected ones start so."""
UNREADABLE_FORMATS = {".xls": "format_xls", ".ods": "format_ods", ".numbers": "format_numbers"}
"""File endings the kit cannot read, with the message (``importer.<key>``) naming the kind of file."""


@dataclass
class ImportResult:
    """What became of one table of the file: the ratings, or the key-challenge answers."""

    table: str = RESPONSES.name
    """``responses`` or ``challenges``."""
    imported: int = 0
    rejected: list[Problem] = field(default_factory=list)
    blank_lines: int = 0
    repeated: list[int] = field(default_factory=list)
    """Lines (rows of a workbook) not added because the session already holds that very answer."""
    sheet: str | None = None
    """The worksheet read, for a workbook."""


@dataclass(frozen=True)
class _Part:
    """The records of one table in the file, header first, and where to point a facilitator in it."""

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


def _read(path: Path) -> list[_Part]:
    """The file's tables: a workbook by its content (whatever its name), else CSV with its own separator."""
    suffix = path.suffix.lower()
    if suffix in UNREADABLE_FORMATS:
        kind = say(f"importer.{UNREADABLE_FORMATS[suffix]}")
        reason = say("importer.unreadable_format", format=kind, save_as=say("importer.save_as"))
        raise InputError([Problem(path, None, None, reason)])
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(path, None, None, say("importer.unreadable", reason=exc.strerror))]) from None
    if data.startswith(XLSX_SIGNATURE):
        return [_Part(path, sheet.rows, sheet.name) for sheet in read_xlsx(path, data)]
    if data.startswith(OLD_EXCEL_SIGNATURE):
        reason = say("importer.old_excel", save_as=say("importer.save_as"))
        raise InputError([Problem(path, None, None, reason)])
    columns = (*RESPONSES.columns, *CHALLENGES.columns)
    text = decode_csv(path, data, columns)
    if not text.strip():
        return [_Part(path, [])]
    return [_Part(path, list(parse_csv(path, text, detect_delimiter(text, columns))))]


def _table_for(header: list[str]) -> Table:
    """Key-challenge answers when the header names a challenge, else ratings."""
    return CHALLENGES if "challenge_id" in (h.strip() for h in header) else RESPONSES


def _check_header(part: _Part, table: Table, header: list[str], line: int) -> list[str]:
    names = [h.strip() for h in header]
    problems = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(part.problem(line, name, say("importer.column_twice")))
        seen.add(name)
    for name in table.columns:
        if name not in OPTIONAL_COLUMNS and name not in seen:
            problems.append(part.problem(line, name, say("importer.column_missing")))
    for name in names:
        if name not in table.columns:
            reason = say("importer.unknown_column", columns=", ".join(table.columns))
            problems.append(part.problem(line, name, reason))
    if problems:
        raise InputError(problems)
    return names


def _answer(record: Record) -> tuple[object, ...]:
    """What a row says, without when it was recorded."""
    return tuple(getattr(record, c) for c in type(record).COLUMNS if c not in OPTIONAL_COLUMNS)


@dataclass
class _Checked:
    """The good records of one table, with their lines, before anything is written."""

    result: ImportResult
    table: Table
    good: list[Record] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)


def _check(part: _Part, session: Session, store: SessionStore, now: str) -> _Checked:
    """Parse every row of one table with the same rules the session's own files obey."""
    header_line, header = part.rows[0]
    table = _table_for(header)
    names = _check_header(part, table, header, header_line)
    checked = _Checked(ImportResult(table=table.name, sheet=part.sheet), table)
    result = checked.result
    for line, cells in part.rows[1:]:
        if not cells or all(not c.strip() for c in cells):
            result.blank_lines += 1
            continue
        if part.sheet is not None and len(cells) < len(names):
            cells = cells + [""] * (len(names) - len(cells))  # a workbook leaves out empty cells at a row's end
        if len(cells) != len(names):
            what = "importer.cell_count" if part.sheet is not None else "importer.value_count"
            result.rejected.append(part.problem(line, None, say(what, count=len(cells), expected=len(names))))
            continue
        row = dict(zip(names, cells, strict=True))
        if not row.get("session_id"):
            row["session_id"] = session.session_id
        if not row.get("recorded_at"):
            row["recorded_at"] = now
        try:
            record = table.parse(row, store.context)
        except RowProblem as exc:
            result.rejected.append(part.problem(line, exc.column, exc.reason, names))
            continue
        checked.good.append(record)
        checked.lines.append(line)
    return checked


def import_file(session: Session, path: Path, *, lenient: bool = False, again: bool = False) -> list[ImportResult]:
    """Check every row of every table in ``path``, then append the good ones to the session.

    One result per table read: the ratings first, then a workbook's key-challenge answers (a sheet
    with nothing below its header is left out unless it is the only one).
    """
    store = SessionStore.open(session)
    parts = [part for part in _read(path) if part.rows]
    if not parts:
        raise InputError([Problem(path, None, None, say("importer.empty_file"))])
    with_rows = [part for part in parts if len(part.rows) > 1]
    now = utc_now()
    checked = [_check(part, session, store, now) for part in (with_rows or parts[:1])]
    rejected = [problem for c in checked for problem in c.result.rejected]
    if rejected and not lenient:
        raise InputError(rejected)
    for item in checked:
        if not again and item.good:
            known = {_answer(r) for r in read_records(store.path(item.table), item.table, store.context)}
            kept = []
            for line, record in zip(item.lines, item.good, strict=True):
                if _answer(record) in known:
                    item.result.repeated.append(line)
                else:
                    kept.append(record)
            item.good = kept
    for item in checked:  # only now, once every table is known to be good
        if item.good:
            append_records(store.path(item.table), item.table, [to_row(r) for r in item.good])
        item.result.imported = len(item.good)
    return [item.result for item in checked]
