"""Importing answers from a CSV file or an Excel workbook (paper forms typed into a spreadsheet, another tool).

Ratings of standards (the columns of responses.csv) and answers to key challenges (the
columns of challenges.csv) can both be imported; the header tells which a table holds. A
workbook may hold both: its sheet ``answers`` (else its first sheet) and its sheet
``challenges``, as in the template ``paper-forms`` writes.

Strict by default: one bad row anywhere and nothing is written, with every problem
listed by file, line (or sheet, row and cell) and column. ``lenient`` imports the good
rows and returns every rejected one, so no row is ever dropped without a word. Two rows
of one table giving one respondent different answers to the same standard or challenge
are both bad: which one is meant cannot be told. A row giving the same answer as a row
above it (the time aside) is bad too, and names that row: adding it would count one
paper form twice, and a form typed twice often means that another form was not typed
at all. With ``lenient`` the first of them is imported and the repeats are listed.

CSV files may be separated by commas, semicolons or tabs (as spreadsheets save them in
different regions; a first line such as ``sep=;``, which Excel writes, names the separator
and counts as line 1) and must be UTF-8. A UTF-16 or UTF-32 file (Excel's "Unicode text")
is refused with how to save it instead. A header that names none of the kit's columns is
one problem, not one per missing column: when another character (``|``) separates the
kit's column names, the message names it; else it says that this is no header of answers.
Workbooks (``.xlsx``) are read cell by cell.
Columns without a name in the header are left out when nothing is in them (spreadsheets
add such empty columns at the end).

What a file is, its content tells, not its name: a workbook named ``.csv`` is read as a
workbook, an old Excel workbook (``.xls``) or an OpenDocument spreadsheet (``.ods``) is
refused by its content with how to save it. A file named like a spreadsheet (``.xlsx``,
``.xls``, ``.ods``) that holds text is refused as well, not read as CSV: the spreadsheet
program would not open it either. If the text looks like CSV, the message says to rename it.

What the kit knows itself may be left empty or out: the session (``session_id``), the time
(``recorded_at``, the moment of the import), the language (``language``, the session's) and
the catalogue version (``catalog_version``, the session's). A row holding nothing else is an
empty row, so a template with these filled in down the sheet imports without a word about
the rows not used. A cell of nothing but spaces counts as empty. Respondent ids of the kit's
own form (``r-7k3q``, ``p-x9cv``, ``g-2``) are stored in capitals, as the kit writes them;
other ids take the spelling the session already holds, if any (the participant app reads
ids in any case as well).

A cell is read as the facilitator sees it: spaces at either end of a value (invisible in a spreadsheet, or
copied along with an id) are no part of it, except in a comment, which is stored as typed. A value typed in
another case than the catalogue's (``Rated``, ``gov-1-1``) is the catalogue's: the template's dropdowns accept it,
as spreadsheets compare a list's values regardless of case. A value written as the paper form says it
(``Verwaltung``, ``weiß nicht``, ``WN``) is a problem naming the value to type instead.

Where cards were printed for the session (``paper/issued-ids.txt``), a card id (``P-7K3Q``) on no printed card
and without answers in the session is a problem of its row: most likely mistyped, and once imported it would
count as another person for good, since the session's files are never rewritten. A genuine card the kit did not
print is added to that list by hand.

Cells merged across rows show their value in every row but keep it in the first: each row below is a problem
naming the merged cells, never read as empty. A column right of the header's last name holding something is a
column without a name, named by its cell like one within the header.

One person belongs to one stakeholder group, as in the participant app, which continues a
returning id under the group of its earlier answers. A row giving an id another group than
the one it has is bad, naming that group: the group the app would continue it under (that of
its latest answer) for an id with answers in the session, else the group of its first row in
the file (a paper card typed for the first time may have any group, but one).

A workbook's formula without a saved result (a file written by a program that computes no
formulas) makes its row bad, listed with every other problem of the file.

A row that repeats the respondent's current answer (same respondent, same standard or
challenge, same answer; the time aside) is not added again, and its line is reported. A
row that repeats an earlier answer, changed since, is not added either: importing an old
file must not bring back answers changed after it. Such a row is reported with the answer
that stands now. ``again`` adds both kinds all the same (to change an answer back on purpose).
Both kinds were good rows: with ``lenient``, a file is a failure only when not one row was good
(:attr:`ImportResult.good`), not when its good rows were all imported before.
"""

from __future__ import annotations

import contextlib
import io
import re
import warnings
import zipfile
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from .catalog import LANGUAGES
from .exceptions import InputError, Problem
from .paperform import CARD_PREFIX, ISSUED_IDS, PAPER_DIR, issued_ids
from .records import (
    CHALLENGES,
    RESPONSES,
    ChallengeAnswer,
    Context,
    Record,
    Response,
    RowProblem,
    Table,
    kit_id,
    loose_kit_id,
    to_row,
    utc_now,
)
from .session import Session
from .spreadsheet import DAMAGED, XLSX_SIGNATURE, read_xlsx
from .store import (
    DELIMITERS,
    SessionStore,
    append_records,
    decode_csv,
    detect_delimiter,
    latest,
    other_encoding,
    parse_csv,
    parse_records,
)
from .texts import os_reason, say, t

CARDS_FILE = Path(PAPER_DIR) / ISSUED_IDS
"""Every id printed on a card for the session (written by ``paper-forms``), relative to the session's folder."""
OPTIONAL_COLUMNS = ("session_id", "recorded_at")
"""Where and when: not part of what an answer says (two rows differing only here give the same answer)."""
DEFAULTED_COLUMNS = ("session_id", "recorded_at", "language", "catalog_version")
"""Columns the kit fills in when a row leaves them empty or the header leaves them out."""
OLD_EXCEL_SIGNATURE = b"\xd0\xcf\x11\xe0"
"""Old Excel workbooks (``.xls``) and password-protected ones start so."""
UNREADABLE_FORMATS = {".numbers": "format_numbers"}
"""File endings the kit cannot read whatever they hold, with the message (``importer.<key>``) naming the kind of file.

A Numbers document may be a folder or a ZIP archive; ``.xls`` and ``.ods`` files are told by their content.
"""
SPREADSHEET_SUFFIXES = {
    ".xlsx": "like_xlsx",
    ".xlsm": "like_xlsx",
    ".xltx": "like_xlsx",
    ".xltm": "like_xlsx",
    ".xls": "like_xls",
    ".ods": "like_ods",
}
"""Names of spreadsheet files, with the message (``importer.<key>``) naming the kind: such a file holding text is
refused (its spreadsheet program would not open it either), not read as CSV."""
OPENDOCUMENT_SPREADSHEET = b"application/vnd.oasis.opendocument.spreadsheet"
"""The ``mimetype`` entry an OpenDocument spreadsheet (``.ods``) begins with; it is a ZIP archive like ``.xlsx``."""
SEPARATOR_LINE = re.compile(rb"(?:\xef\xbb\xbf)?sep=([^\r\n\"])[ \t]*(\r\n|\n|\r|$)", re.IGNORECASE)
"""Excel's first line naming the separator, such as ``sep=;``."""
ALL_COLUMNS = frozenset((*RESPONSES.columns, *CHALLENGES.columns))
"""Every column a table to import may have."""
KEY_COLUMNS = {RESPONSES.name: "standard_id", CHALLENGES.name: "challenge_id"}
"""What a respondent answers in each table; with the respondent, the key of an answer."""


@dataclass
class ImportResult:
    """What became of one table of the file: the ratings, or the key-challenge answers."""

    table: str = RESPONSES.name
    """``responses`` or ``challenges``."""
    imported: int = 0
    rejected: list[Problem] = field(default_factory=list)
    blank_lines: int = 0
    repeated: list[int] = field(default_factory=list)
    """Lines (rows of a workbook) not added because they are the respondent's current answer already."""
    outdated: list[Problem] = field(default_factory=list)
    """Rows not added because they repeat an earlier answer of the respondent that has been changed since.

    Each names its line (sheet, row and cell) and says what the answer is now and that ``--again`` changes it back.
    """
    sheet: str | None = None
    """The worksheet read, for a workbook."""

    @property
    def good(self) -> int:
        """Rows that were good: those imported, and those not added because the session holds their answer already.

        With ``lenient``, a file of which not one row was good is a failure; a file imported before and now with
        some bad rows is not: its earlier rows were good, and are in the session.
        """
        return self.imported + len(self.repeated) + len(self.outdated)


@dataclass(frozen=True)
class _Part:
    """The records of one table in the file, header first, and where to point a facilitator in it."""

    path: Path
    rows: list[tuple[int, list[str]]]
    sheet: str | None = None
    unreadable: Mapping[int, Problem] = field(default_factory=dict)
    """Rows (by number) whose content is not known, with why (a formula without a saved result, in a workbook)."""

    def problem(self, line: int | None, column: str | None, reason: str, index: int | None = None) -> Problem:
        """A problem at a line and column; in a workbook with the cell of column ``index`` (from 0) as well."""
        if self.sheet is None:
            return Problem(self.path, line, column, reason)
        cell = None
        if line is not None and index is not None:
            from openpyxl.utils import get_column_letter

            cell = f"{get_column_letter(index + 1)}{line}"
        return Problem(self.path, line, column, reason, sheet=self.sheet, cell=cell)


@dataclass(frozen=True)
class _Header:
    """The named columns of a table and where each stands in the file (from 0)."""

    line: int
    names: list[str]
    positions: list[int]

    @property
    def width(self) -> int:
        """Cells a row needs: up to the last named column."""
        return max(self.positions, default=-1) + 1

    def position(self, column: str | None) -> int | None:
        return self.positions[self.names.index(column)] if column in self.names else None


def _unreadable_format(path: Path, key: str) -> InputError:
    """The file is of a kind the kit cannot read (``importer.<key>`` names it), with how to save it instead."""
    reason = say("importer.unreadable_format", format=say(f"importer.{key}"), save_as=say("importer.save_as"))
    return InputError([Problem(path, None, None, reason)])


def _read(path: Path) -> list[_Part]:
    """The file's tables: a workbook by its content (whatever its name), else CSV with its own separator."""
    suffix = path.suffix.lower()
    if suffix in UNREADABLE_FORMATS:
        raise _unreadable_format(path, UNREADABLE_FORMATS[suffix])
    try:
        if path.exists() and not path.is_dir() and not path.is_file():  # a pipe or a device would never end
            raise InputError([Problem(path, None, None, say("importer.not_a_file"))])
        data = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(path, None, None, say("importer.unreadable", reason=os_reason(exc)))]) from None
    if data.startswith(XLSX_SIGNATURE):
        if _is_opendocument(data):
            raise _unreadable_format(path, "format_ods")
        parts = []
        sheets = read_xlsx(path, data)
        merges = _merged_cells(path, data, [sheet.name for sheet in sheets])
        for sheet in sheets:
            rows = _from_header(sheet.rows)
            below = rows[0][0] if rows else 0  # merged cells in the header or above it change no answer
            merged = {n: p for n, p in merges.get(sheet.name, {}).items() if n > below}
            parts.append(_Part(path, rows, sheet.name, {**merged, **sheet.problems}))
        return parts
    if data.startswith(OLD_EXCEL_SIGNATURE):
        if suffix == ".xls":
            raise _unreadable_format(path, "format_xls")
        reason = say("importer.old_excel", save_as=say("importer.save_as"))
        raise InputError([Problem(path, None, None, reason)])
    if suffix in SPREADSHEET_SUFFIXES:  # text (or anything else) in a file named like a spreadsheet
        raise InputError([_misnamed(path, data, suffix)])
    encoding = other_encoding(data)  # the same test as for the session's own files
    if encoding is not None:
        reason = say("importer.unicode_text", encoding=encoding, save_as=say("importer.save_as"))
        raise InputError([Problem(path, None, None, reason)])
    columns = (*RESPONSES.columns, *CHALLENGES.columns)
    delimiter, skipped = None, 0
    separator = SEPARATOR_LINE.match(data)
    if separator is not None:  # Excel's hint line: use its separator, and count it as line 1
        delimiter, skipped = separator.group(1).decode("latin-1"), 1
        data = data[separator.end() :]
    try:
        text = decode_csv(path, data, columns)
    except InputError as exc:
        raise InputError([_moved(p, skipped) for p in exc.problems]) from None
    if not text.strip():
        return [_Part(path, [])]
    try:
        rows = list(parse_csv(path, text, delimiter or detect_delimiter(text.lstrip("\ufeff\r\n"), columns)))
    except InputError as exc:
        # Read with the wrong separator, a file often breaks the CSV reader ('"R-7K3Q"|…'): name the cause instead.
        cause = None if delimiter else _separator_problem(path, text)
        raise InputError([_moved(p, skipped) for p in ([cause] if cause else exc.problems)]) from None
    return [_Part(path, _from_header([(line + skipped, cells) for line, cells in rows]))]


def _merged_cells(path: Path, data: bytes, names: list[str]) -> dict[str, dict[int, Problem]]:
    """Per sheet of ``names``: the rows below the top of cells merged across rows, each with its first such cell.

    A spreadsheet shows the value of merged cells (``A2:A4``) in every row they span, but keeps it in the first
    cell only: read as it is saved, the rows below would lack it. Merged cells without a value change nothing.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # read as a workbook already: whole
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        if not any(b"<mergeCell " in archive.read(n) for n in sheets):
            return {}  # the usual case: no need to read the workbook a second time, in full
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
        try:
            book = load_workbook(io.BytesIO(data))
            found = {
                name: [(r, book[name].cell(r.min_row, r.min_col).value) for r in book[name].merged_cells.ranges]
                for name in names
            }
        except DAMAGED:  # read in read-only mode before, so not expected: the merged cells are then not known
            return {}
    problems: dict[str, dict[int, Problem]] = {}
    for name, ranges in found.items():
        mine = problems.setdefault(name, {})
        for merged, value in sorted(ranges, key=lambda rv: (rv[0].min_row, rv[0].min_col)):
            if merged.max_row == merged.min_row or value in (None, ""):
                continue
            column = get_column_letter(merged.min_col)
            anchor = f"{column}{merged.min_row}"
            for number in range(merged.min_row + 1, merged.max_row + 1):
                cell = f"{column}{number}"
                reason = say("importer.merged_cells", cell=cell, anchor=anchor, cells=merged.coord)
                mine.setdefault(number, Problem(path, number, None, reason, sheet=name, cell=cell))
    return problems


def _separator_problem(path: Path, text: str) -> Problem | None:
    """The problem "separated by '|'" when the first line with something in it is a header the kit cannot split."""
    for number, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if line.strip():
            if any(cell.strip() in ALL_COLUMNS for d in DELIMITERS for cell in line.split(d)):
                return None
            separator = _foreign_separator(line)
            return (
                Problem(path, number, None, say("importer.separator_unknown", separator=separator))
                if separator
                else None
            )
    return None


def _is_opendocument(data: bytes) -> bool:
    """Whether a ZIP archive is an OpenDocument spreadsheet (LibreOffice's ``.ods``, whatever its name)."""
    if data[30:38] == b"mimetype" and data[38:].startswith(OPENDOCUMENT_SPREADSHEET):  # the entry stored first
        return True
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.read("mimetype").startswith(OPENDOCUMENT_SPREADSHEET)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError, NotImplementedError):
        return False


def _misnamed(path: Path, data: bytes, suffix: str) -> Problem:
    """A file named like a spreadsheet that is none: if its first line names the kit's columns, say to rename it."""
    kind = say(f"importer.{SPREADSHEET_SUFFIXES[suffix]}")
    text = data[:65536].decode("utf-8", errors="replace")
    first = next((line for line in text.lstrip("\ufeff").splitlines() if line.strip()), "")
    if "\x00" not in text and any(re.search(rf"\b{name}\b", first) for name in ALL_COLUMNS):
        return Problem(path, None, None, say("importer.misnamed_csv", kind=kind, suffix=suffix))
    return Problem(
        path, None, None, say("importer.misnamed", kind=kind, suffix=suffix, save_as=say("importer.save_as"))
    )


def _moved(problem: Problem, lines: int) -> Problem:
    """The problem with its line counted ``lines`` further on."""
    return replace(problem, line=problem.line + lines) if problem.line is not None and lines else problem


def _from_header(rows: list[tuple[int, list[str]]]) -> list[tuple[int, list[str]]]:
    """The rows from the first with something in it on: empty lines above the header are no rows of the table."""
    for start, (_, cells) in enumerate(rows):
        if any(c.strip() for c in cells):
            return rows[start:]
    return []


def _table_for(header: list[str]) -> Table:
    """Key-challenge answers when the header names a challenge, else ratings."""
    return CHALLENGES if "challenge_id" in (h.strip() for h in header) else RESPONSES


def _cell_index(cell: str) -> int:
    """The column of a cell such as ``E4``, from 0."""
    from openpyxl.utils.cell import column_index_from_string

    return column_index_from_string(cell.rstrip("0123456789")) - 1


def _in_column(problem: Problem, columns: Mapping[int, str]) -> Problem:
    """The problem of a workbook cell, naming the cell's column (``columns``: position → name) if the header does."""
    if problem.cell is None:
        return problem
    return replace(problem, column=columns.get(_cell_index(problem.cell)))


def _check_header(part: _Part, table: Table) -> _Header:
    """The named columns; every problem with the header (in a workbook: with its cell), all at once."""
    line, header = part.rows[0]
    names = [h.strip() for h in header]
    if part.sheet is not None:  # a column right of the header's last name is a column without a name as well
        names += [""] * (max(len(cells) for _, cells in part.rows) - len(names))
    unknown = part.unreadable.get(line)  # a formula without a result: the name of its column is not known
    hidden = _cell_index(unknown.cell) if unknown is not None and unknown.cell else None
    if unknown is None and not ALL_COLUMNS.intersection(names):  # none of the kit's columns: say so once
        raise InputError([_no_header(part, line, header, table)])
    problems = [] if unknown is None else [unknown]
    kept: list[int] = []
    seen: set[str] = set()
    unnamed_key = "importer.unnamed_column" if part.sheet is None else "importer.unnamed_column_sheet"
    for index, name in enumerate(names):
        if index == hidden:
            continue
        if not name:
            used = [n for n, cells in part.rows[1:] if index < len(cells) and cells[index].strip()]
            if used:  # a column without a name is left out only when nothing is in it
                reason = say(unnamed_key, number=index + 1, lines=", ".join(map(str, used)))
                problems.append(part.problem(line, None, reason, index))
            continue
        kept.append(index)
        if name in seen:
            problems.append(part.problem(line, name, say("importer.column_twice"), index))
        elif name not in table.columns:
            reason = say("importer.unknown_column", columns=", ".join(table.columns))
            problems.append(part.problem(line, name, reason, index))
        seen.add(name)
    for name in table.columns:
        if name not in DEFAULTED_COLUMNS and name not in seen and unknown is None:
            problems.append(part.problem(line, name, say("importer.column_missing")))
    if problems:
        raise InputError(problems)
    return _Header(line, [names[i] for i in kept], kept)


def _no_header(part: _Part, line: int, header: list[str], table: Table) -> Problem:
    """Why a first line naming none of the kit's columns is no header: another separator, or no header at all."""
    if part.sheet is None:
        for cell in header:
            separator = _foreign_separator(cell)
            if separator is not None:
                return part.problem(line, None, say("importer.separator_unknown", separator=separator))
    expected = ", ".join(c for c in table.columns if c not in DEFAULTED_COLUMNS)
    key = "importer.no_header" if part.sheet is None else "importer.no_header_sheet"
    return part.problem(line, None, say(key, columns=expected))


def _foreign_separator(text: str) -> str | None:
    """The character that separates at least two of the kit's column names in ``text``, if it is none the kit reads.

    ``respondent_id|stakeholder_group|…`` is one cell to the kit, which knows commas, semicolons and tabs.
    """
    best, score = None, 1
    candidates = {c for c in text if not (c.isalnum() or c == "_" or c.isspace() or c in "\"'")}
    for candidate in sorted(candidates - set(DELIMITERS)):
        found = sum(cell.strip().strip("\"'") in ALL_COLUMNS for cell in text.split(candidate))
        if found > score:
            best, score = candidate, found
    return best


def _answer(record: Record) -> tuple[object, ...]:
    """What a row says, without when it was recorded."""
    return tuple(getattr(record, c) for c in type(record).COLUMNS if c not in OPTIONAL_COLUMNS)


def _respondent(record: Record) -> str:
    if isinstance(record, Response | ChallengeAnswer):
        return record.respondent_id
    raise TypeError(type(record).__name__)  # an action-plan entry is no one's answer


def _group(record: Record) -> str:
    if isinstance(record, Response | ChallengeAnswer):
        return record.stakeholder_group
    raise TypeError(type(record).__name__)  # an action-plan entry is no one's answer


def _key(record: Record) -> Hashable:
    """Whose answer to what: the respondent and the standard or challenge."""
    if isinstance(record, Response):
        return (record.respondent_id, record.standard_id)
    if isinstance(record, ChallengeAnswer):
        return (record.respondent_id, record.challenge_id)
    raise TypeError(type(record).__name__)  # an action-plan entry is no one's answer


def _differences(record: Record, other: Record) -> list[tuple[str, str]]:
    """The columns (and ``other``'s values) in which two answers differ."""
    columns = [c for c in type(record).COLUMNS if c not in OPTIONAL_COLUMNS]
    return [
        (column, cell)
        for column, mine, cell in zip(type(record).COLUMNS, to_row(record), to_row(other), strict=True)
        if column in columns and mine != cell
    ]


@dataclass
class _Checked:
    """The good records of one table, with their lines, before anything is written."""

    result: ImportResult
    table: Table
    part: _Part
    header: _Header
    good: list[Record] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    def problem(self, line: int, column: str | None, reason: str) -> Problem:
        return self.part.problem(line, column, reason, self.header.position(column))


def _canonical_id(typed: str, known: Mapping[str, str]) -> str:
    """A kit id in capitals; another id as spelt before (``known``: casefolded → first spelling), else as typed.

    A kit id typed without its dash (``p7k3q``, ``P 7K3Q``) that nobody has used is that kit id, as in the app.
    """
    return kit_id(typed) or known.get(typed.casefold()) or loose_kit_id(typed) or typed


def _tidy(column: str, value: str) -> str:
    """A cell as the facilitator sees it: without spaces at either end (invisible in a spreadsheet; a comment's kept).

    A cell of nothing but spaces is empty, a comment too.
    """
    if not value.strip():
        return ""
    return value if column == "comment" else value.strip()


VOCABULARIES = {
    "stakeholder_group": "stakeholder_groups",
    "response": "responses",
    "priority": "priorities",
    "applies": "challenge_answers",
}
"""The columns holding a value of one of the catalogue's vocabularies, with the vocabulary."""


def _choices(column: str, ctx: Context) -> tuple[str, ...]:
    """The values a column of a row to import offers to choose from (the template's dropdown), if it is such a one."""
    if column in VOCABULARIES:
        return ctx.catalog.ids(VOCABULARIES[column])
    if column == "field_id":
        return ctx.catalog.field_ids
    if column == "language":
        return LANGUAGES
    return ()


def _match_case(row: dict[str, str], ctx: Context) -> None:
    """Values typed in another case than the catalogue's taken as the catalogue's (``Rated`` → ``rated``).

    The template's dropdowns accept them: Excel and LibreOffice compare a list's values regardless of case. A
    standard's or challenge's id is in capitals (``gov-1-1`` → ``GOV-1-1``).
    """
    for column, value in row.items():
        if not value:
            continue
        if column in ("standard_id", "challenge_id"):
            lookup = ctx.catalog.standard if column == "standard_id" else ctx.catalog.challenge
            with contextlib.suppress(KeyError):  # else no standard (or challenge) in any case: said when parsed
                row[column] = lookup(value.upper()).id
            continue
        matches = [choice for choice in _choices(column, ctx) if choice.casefold() == value.casefold()]
        if len(matches) == 1:
            row[column] = matches[0]


def _paper_words(column: str, ctx: Context) -> dict[str, str]:
    """What the paper form (or the app) calls each value of a column, in either language, casefolded → the value.

    The labels (``Verwaltung``, ``Weiß nicht``, ``Trifft zu``, a field's title) and the form's abbreviations
    (``WN``, ``NZ``, ``H`` …); a word meaning two values is left out.
    """
    catalog = ctx.catalog
    words: dict[str, set[str]] = {}

    def add(word: str, value: str) -> None:
        for part in {word, *re.split(r" / | \(", word)[:1]}:  # "Nicht zutreffend / nicht in …" → "Nicht zutreffend"
            words.setdefault(part.strip().casefold(), set()).add(value)

    for language in LANGUAGES:
        if column in VOCABULARIES:
            for value in catalog.ids(VOCABULARIES[column]):
                add(catalog.label(VOCABULARIES[column], value, language), value)
                if column in ("response", "priority") and value != "rated":
                    add(t(f"paper.abbr_{value}", language), value)
        elif column == "field_id":
            for value in ctx.fields:
                add(catalog.field(value).title.get(language), value)
    return {word: next(iter(values)) for word, values in words.items() if len(values) == 1}


def _is_card_id(respondent: str) -> bool:
    """Whether an id is of the form the kit prints on cards (``P-7K3Q``)."""
    return kit_id(respondent) == respondent and respondent.startswith(f"{CARD_PREFIX}-")


def _cards_of(session: Session, in_session: set[str]) -> frozenset[str] | None:
    """The card ids a row may give: printed for the session (:data:`CARDS_FILE`) or answering in it already.

    None when no cards were printed for the session: then any id goes.
    """
    printed = issued_ids(session)
    return frozenset(printed) | in_session if printed else None


def _plain_rating(value: str) -> str:
    """A whole number typed with a zero fraction (``2.0``, ``3,00``) as the number; anything else as it is."""
    match = re.fullmatch(r"\s*([0-9]+)[.,]0*\s*", value)
    return match.group(1) if match else value


def _explained(exc: RowProblem, row: Mapping[str, str], ctx: Context) -> str:
    """The reason for a bad value, said for what the facilitator can put there in this session.

    A value written as the paper form says it (``Verwaltung``, ``weiß nicht``, ``WN``) is named with the value the
    table needs; so is an empty answer whose rating cell holds what the form says for "don't know" or "not applicable".
    """
    value = row.get(exc.column or "", "")
    column = exc.column or ""
    meant = _paper_words(column, ctx).get(value.casefold()) if value else None
    if meant is not None:
        key = "importer.paper_word_or_empty" if column == "priority" else "importer.paper_word"  # may be left empty
        return say(key, value=repr(value), meant=meant, options=", ".join(_choices(column, ctx)))
    if column == "response" and not value and row.get("rating"):
        meant = _paper_words("response", ctx).get(row["rating"].casefold())
        if meant is not None:
            return say("importer.response_in_rating", value=repr(row["rating"]), meant=meant)
    if exc.column == "field_id" and value not in ctx.catalog.field_ids:
        fields = ", ".join(ctx.fields)
        if value == "":
            return say("records.empty_choice", options=fields)
        return say("records.not_allowed", value=repr(value), options=fields)
    number = re.fullmatch(r"\s*[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)\s*", value)
    if exc.column == "rating" and number and not value.strip().isdigit():  # not "4": that one is out of range
        return say("importer.rating_not_whole", value=repr(value))
    return exc.reason


def _check(
    part: _Part,
    session: Session,
    store: SessionStore,
    now: str,
    known: dict[str, str],
    cards: frozenset[str] | None = None,
) -> _Checked:
    """Parse every row of one table with the same rules the session's own files obey.

    ``cards``: the card ids (``P-…``) a row may give, those printed for the session and those with answers in it;
    None when no cards were printed for it (:func:`_cards_of`).
    """
    cards_file = session.path / CARDS_FILE
    table = _table_for(part.rows[0][1])
    header = _check_header(part, table)
    names = header.names
    checked = _Checked(ImportResult(table=table.name, sheet=part.sheet), table, part, header)
    result = checked.result
    defaults = {
        "session_id": session.session_id,
        "recorded_at": now,
        "language": session.language,
        "catalog_version": session.catalog_version,
    }
    columns = dict(zip(header.positions, names, strict=True))
    for line, cells in part.rows[1:]:
        unknown = part.unreadable.get(line)
        if unknown is not None:  # a formula without a saved result: what the row says is not known
            result.rejected.append(_in_column(unknown, columns))
            continue
        if not cells or all(not c.strip() for c in cells):
            result.blank_lines += 1
            continue
        width = header.width
        if any(c.strip() for c in cells[width:]) or (part.sheet is None and len(cells) < width):
            what = "importer.cell_count" if part.sheet is not None else "importer.value_count"
            count = len(cells)
            result.rejected.append(part.problem(line, None, say(what, count=count, expected=width)))
            continue
        cells = cells + [""] * (width - len(cells))  # a workbook leaves out empty cells at a row's end
        row = {name: _tidy(name, cells[i]) for name, i in zip(names, header.positions, strict=True)}
        if all(not value or name in DEFAULTED_COLUMNS for name, value in row.items()):
            result.blank_lines += 1  # only what the kit fills in itself: a row the facilitator did not use
            continue
        for name, value in defaults.items():
            if name in table.columns and not row.get(name):
                row[name] = value
        if row.get("respondent_id"):
            row["respondent_id"] = respondent = _canonical_id(row["respondent_id"], known)
            known.setdefault(respondent.casefold(), respondent)  # the first spelling in the file, for the rows below
        if "rating" in row:
            row["rating"] = _plain_rating(row["rating"])
        _match_case(row, store.context)
        try:
            record = table.parse(row, store.context)
        except RowProblem as exc:
            result.rejected.append(checked.problem(line, exc.column, _explained(exc, row, store.context)))
            continue
        if cards is not None and _is_card_id(row["respondent_id"]) and row["respondent_id"] not in cards:
            reason = say("importer.card_not_issued", respondent=row["respondent_id"], issued=cards_file)
            result.rejected.append(checked.problem(line, "respondent_id", reason))
            continue
        checked.good.append(record)
        checked.lines.append(line)
    _refuse_conflicts(checked)
    _refuse_repeats(checked)
    result.rejected.sort(key=lambda p: p.line or 0)
    return checked


def _refuse_repeats(checked: _Checked) -> None:
    """Reject every row giving the same answer as a row above it (the time aside), naming that row.

    Added, it would count one paper form twice; and a form typed twice may stand where another form was meant.
    The first of them stays good, so ``lenient`` imports it once.
    """
    first: dict[Hashable, int] = {}
    key_column = KEY_COLUMNS[checked.table.name]
    reason_key = "importer.same_as_line" if checked.part.sheet is None else "importer.same_as_row"
    kept_lines, kept = [], []
    for line, record in zip(checked.lines, checked.good, strict=True):
        key = _key(record)  # no two rows of one key differ any more: _refuse_conflicts took those out
        if key in first:
            item = getattr(record, key_column)
            reason = say(reason_key, line=first[key], respondent=_respondent(record), item=item)
            checked.result.rejected.append(checked.problem(line, None, reason))
            continue
        first[key] = line
        kept_lines.append(line)
        kept.append(record)
    checked.lines, checked.good = kept_lines, kept


def _refuse_conflicts(checked: _Checked) -> None:
    """Reject every row that gives a respondent another answer than another row of the table to the same item."""
    answers: dict[Hashable, set[tuple[object, ...]]] = {}
    for record in checked.good:
        answers.setdefault(_key(record), set()).add(_answer(record))
    torn = {key for key, given in answers.items() if len(given) > 1}
    if not torn:
        return
    key_column = KEY_COLUMNS[checked.table.name]
    reason_key = "importer.conflicting_lines" if checked.part.sheet is None else "importer.conflicting_rows"
    group = [(line, r) for line, r in zip(checked.lines, checked.good, strict=True) if _key(r) in torn]
    for line, record in group:
        others = [(n, r) for n, r in group if _key(r) == _key(record) and n != line]
        differing = [r for _, r in others if _answer(r) != _answer(record)]
        column = _differences(record, differing[0])[0][0]
        reason = say(
            reason_key,
            respondent=_respondent(record),
            item=getattr(record, key_column),
            lines=", ".join(str(n) for n, _ in others),
        )
        checked.result.rejected.append(checked.problem(line, column, reason))
    kept = [(line, r) for line, r in zip(checked.lines, checked.good, strict=True) if _key(r) not in torn]
    checked.lines = [line for line, _ in kept]
    checked.good = [r for _, r in kept]


def _leave_out_repeats(checked: _Checked, earlier: list[Record]) -> None:
    """Keep out rows that are the current answer already, or an earlier one changed since (named with the current)."""
    current = {_key(r): r for r in latest(earlier, _key, lambda r: r.recorded_at)}
    given: dict[Hashable, set[tuple[object, ...]]] = {}
    for record in earlier:
        given.setdefault(_key(record), set()).add(_answer(record))
    key_column = KEY_COLUMNS[checked.table.name]
    kept_lines, kept = [], []
    for line, record in zip(checked.lines, checked.good, strict=True):
        key = _key(record)
        now = current.get(key)
        if now is not None and _answer(now) == _answer(record):
            checked.result.repeated.append(line)
        elif now is not None and _answer(record) in given.get(key, set()):
            differences = _differences(record, now)
            reason = say(
                "importer.changed_since",
                respondent=_respondent(record),
                item=getattr(record, key_column),
                current=", ".join(f"{column} {value!r}" for column, value in differences),
            )
            checked.result.outdated.append(checked.problem(line, differences[0][0], reason))
        else:
            kept_lines.append(line)
            kept.append(record)
    checked.lines, checked.good = kept_lines, kept


def _groups_in_session(existing: Mapping[str, list[Record]]) -> dict[str, str]:
    """Each respondent's stakeholder group as the participant app continues it: that of their latest current answer.

    As ``checklist`` does on "Continue": the latest (by ``recorded_at``) of the respondent's current ratings and
    key-challenge answers, ratings first among equal times.
    """
    current = [latest(existing[table.name], _key, lambda r: r.recorded_at) for table in (RESPONSES, CHALLENGES)]
    groups: dict[str, str] = {}
    for record in sorted((r for records in current for r in records), key=lambda r: r.recorded_at):
        groups[_respondent(record)] = _group(record)
    return groups


def _refuse_other_groups(checked: list[_Checked], existing: Mapping[str, list[Record]], *, regroup: bool) -> None:
    """Reject every row that puts a respondent in another stakeholder group than the one they are in.

    One person belongs to one group, as in the participant app, which continues a returning id under the group of
    its earlier answers whatever is chosen. An id with answers in the session is in the group the app would continue
    it under; an id new to the session (a paper card typed for the first time) is in the group of its first row in
    the file (the ratings before a workbook's key-challenge answers). Rows left out as already in the session add
    nothing and are not looked at. With ``regroup`` the file's group wins over the session's (a group typed wrong
    in an earlier import): the new rows are the person's latest answers, so the person counts in that group.
    """
    in_session = {} if regroup else _groups_in_session(existing)
    first: dict[str, tuple[str, int, str | None]] = {}  # respondent → group, line and sheet of their first row
    for item in checked:
        kept_lines, kept = [], []
        for line, record in zip(item.lines, item.good, strict=True):
            respondent, group = _respondent(record), _group(record)
            if respondent in in_session:
                if group != in_session[respondent]:
                    reason = say("importer.group_in_session", respondent=respondent, group=repr(in_session[respondent]))
                    item.result.rejected.append(item.problem(line, "stakeholder_group", reason))
                    continue
            elif respondent in first:
                given, at, sheet = first[respondent]
                if group != given:
                    key = "importer.group_in_file_line" if sheet is None else "importer.group_in_file_row"
                    reason = say(key, respondent=respondent, group=repr(given), line=at, sheet=repr(sheet))
                    item.result.rejected.append(item.problem(line, "stakeholder_group", reason))
                    continue
            else:
                first[respondent] = (group, line, item.part.sheet)
            kept_lines.append(line)
            kept.append(record)
        item.lines, item.good = kept_lines, kept
        item.result.rejected.sort(key=lambda p: p.line or 0)


def import_file(
    session: Session, path: Path, *, lenient: bool = False, again: bool = False, regroup: bool = False
) -> list[ImportResult]:
    """Check every row of every table in ``path``, then append the good ones to the session.

    One result per table read: the ratings first, then a workbook's key-challenge answers (a sheet
    with nothing below its header is left out unless it is the only one).

    Everything is decided and written under the exclusive lock of ``responses.csv`` (and the key-challenge
    answers' under theirs as well), so an app saving or another import at the same moment cannot slip in
    between the checks (one group per person, answers already there) and the writing.
    """
    store = SessionStore.open(session)
    parts = [part for part in _read(path) if part.rows]
    if not parts:
        raise InputError([Problem(path, None, None, say("importer.empty_file"))])
    results: list[ImportResult] = []

    def decide(responses: list[Record]) -> list[Record]:
        existing = {RESPONSES.name: responses, CHALLENGES.name: []}
        challenges_path = store.path(CHALLENGES)

        def with_challenges(text: str) -> list[list[str]]:  # under the second lock, taken always after the first
            existing[CHALLENGES.name] = parse_records(challenges_path, text, CHALLENGES, store.context)
            checked = _checked_parts(parts, session, store, existing, lenient=lenient, again=again, regroup=regroup)
            results.extend(item.result for item in checked)
            for item in checked:
                item.result.imported = len(item.good)
            written.extend(r for item in checked if item.table is RESPONSES for r in item.good)
            return [to_row(r) for item in checked if item.table is CHALLENGES for r in item.good]

        written: list[Record] = []
        append_records(challenges_path, CHALLENGES, with_challenges, store.context)
        return written

    store.append_decided(RESPONSES, decide)
    return results


def _checked_parts(
    parts: list[_Part],
    session: Session,
    store: SessionStore,
    existing: Mapping[str, list[Record]],
    *,
    lenient: bool,
    again: bool,
    regroup: bool,
) -> list[_Checked]:
    """Every table of the file checked against the session's answers; an :class:`InputError` unless all is well."""
    with_rows = [part for part in parts if len(part.rows) > 1]
    now = utc_now()
    known: dict[str, str] = {}
    for records in existing.values():
        for record in records:
            known.setdefault(_respondent(record).casefold(), _respondent(record))
    cards = _cards_of(session, set(known.values()))
    outcomes: list[_Checked | InputError] = []  # a bad header stops its table, not the listing of the others
    for part in with_rows or parts[:1]:
        try:
            outcomes.append(_check(part, session, store, now, known, cards))
        except InputError as exc:
            outcomes.append(exc)
    checked = [outcome for outcome in outcomes if isinstance(outcome, _Checked)]
    if not again:
        for item in checked:
            _leave_out_repeats(item, existing[item.table.name])
    _refuse_other_groups(checked, existing, regroup=regroup)
    problems = [p for o in outcomes for p in (o.problems if isinstance(o, InputError) else o.result.rejected)]
    if len(checked) < len(outcomes) or (problems and not lenient):
        raise InputError(problems)
    return checked
