"""Importing answers from a CSV file (paper forms typed into a spreadsheet, another tool).

Strict by default: one bad row and nothing is written, with every problem
listed by file, line and column. ``lenient`` imports the good rows and returns
every rejected one, so no row is ever dropped without a word.

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
from .store import SessionStore, append_records, decode_csv, parse_csv

OPTIONAL_COLUMNS = ("session_id", "recorded_at")


@dataclass
class ImportResult:
    imported: int = 0
    rejected: list[Problem] = field(default_factory=list)
    blank_lines: int = 0
    repeated: list[int] = field(default_factory=list)
    """Lines not added because the session already holds that very answer."""


def _check_header(path: Path, header: list[str], first_line: str) -> list[str]:
    names = [h.strip() for h in header]
    if len(names) == 1 and (";" in first_line or "\t" in first_line):
        separator = "semicolons (;)" if ";" in first_line else "tabs"
        raise InputError(
            [
                Problem(
                    path,
                    1,
                    None,
                    f"the columns are separated by {separator}, not commas. This happens when a spreadsheet "
                    "saves 'CSV' in a German or French setting. Save it as 'CSV UTF-8 (comma delimited)' instead.",
                )
            ]
        )
    problems = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            problems.append(Problem(path, 1, name, "this column appears twice"))
        seen.add(name)
    required = [c for c in RESPONSES.columns if c not in OPTIONAL_COLUMNS]
    for name in required:
        if name not in seen:
            problems.append(Problem(path, 1, name, "this column is missing"))
    for name in names:
        if name not in RESPONSES.columns:
            problems.append(
                Problem(path, 1, name, f"unknown column; the allowed columns are {', '.join(RESPONSES.columns)}")
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
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(path, None, None, f"cannot be read: {exc.strerror}")]) from None
    text = decode_csv(path, data)
    if not text.strip():
        raise InputError([Problem(path, None, None, "the file is empty; expected a header line and answers")])
    rows = parse_csv(path, text)
    _, header = next(rows)
    names = _check_header(path, header, text.splitlines()[0])
    now = utc_now()
    result = ImportResult()
    good: list[Response] = []
    lines: list[int] = []
    for line, cells in rows:
        if not cells or all(not c.strip() for c in cells):
            result.blank_lines += 1
            continue
        if len(cells) != len(names):
            result.rejected.append(
                Problem(path, line, None, f"has {len(cells)} values, but the header has {len(names)}")
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
            result.rejected.append(Problem(path, line, exc.column, exc.reason))
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
