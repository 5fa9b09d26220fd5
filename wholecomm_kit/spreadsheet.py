"""Reading a table of answers from an Excel workbook (``.xlsx``), cell by cell as text.

Facilitators type paper forms into a spreadsheet. Saving that as CSV is where things go wrong:
German Excel writes semicolons, plain "CSV" is not UTF-8. Reading the workbook itself avoids both.
Every cell comes back as the text a CSV export would hold, so one parser checks both kinds of file,
and every problem names the sheet, the row and the cell as the spreadsheet shows them.

A ZIP archive without a workbook in it (a Word document or a packed folder named ``.xlsx``) is told apart from a
damaged or incomplete workbook (cut off in copying, a part missing or broken); either is said in plain words, never
with the reading library's own error (``BadZipFile``, ``KeyError: "There is no item named …"``). Warnings the library
gives about features it would drop on saving (the kit only reads values) are not passed on.

A formula without a saved result (a workbook written by a program that does not compute formulas) is a problem of
its row, returned with the sheet's rows, so the importer lists it among every other problem of the file.

Every row is read, whatever size the workbook claims to have: some programs save a ``<dimension>`` that
leaves out rows, and a workbook opened read-only would otherwise end there without a word.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .exceptions import InputError, Problem
from .texts import os_reason, say

ANSWERS_SHEET = "answers"
"""The worksheet of ratings when a workbook has one of that name (the kit's template has); else the first."""
CHALLENGES_SHEET = "challenges"
"""The worksheet of key-challenge answers, read as well when a workbook has one of that name."""
XLSX_SIGNATURE = b"PK\x03\x04"
"""An ``.xlsx`` file is a ZIP archive: how one is recognised even when it is named ``.csv``."""
DAMAGED = (
    zipfile.BadZipFile,  # cut off, a bad checksum
    zlib.error,  # a compressed part broken
    EOFError,  # a compressed part cut off
    KeyError,  # a part missing ("There is no item named 'xl/workbook.xml' in the archive")
    SyntaxError,  # a part that is no well-formed XML (ElementTree's ParseError)
    ValueError,  # an attribute or value the file format does not allow
    TypeError,  # an element or attribute the file format does not know
    AttributeError,
    IndexError,
    NotImplementedError,  # a compression method zipfile lacks
    RuntimeError,  # a part encrypted in the ZIP archive
    OSError,
)
"""What openpyxl and zipfile raise on a damaged workbook, as found by damaging workbooks (tests/test_spreadsheet.py).

Broad, because openpyxl parses lazily and fails in many ways; only what these libraries raise counts, not the same
kinds of error from this module's own code.
"""


@dataclass(frozen=True)
class Sheet:
    """The rows of one worksheet as text: (row number, cells), header first, trailing empty rows left out."""

    name: str
    rows: list[tuple[int, list[str]]]
    problems: dict[int, Problem] = field(default_factory=dict)
    """Rows (by number) whose content is not known, with why: a formula without a saved result (the row's first).

    Such a cell holds the formula's text (``=B2*2``) in ``rows``.
    """


def cell_text(value: object) -> str:
    """What a cell holds, as the text a CSV export would hold (whole numbers without ``.0``).

    A date or time typed into a cell (a spreadsheet turns ``2.1.2025`` or ``10:30`` into one) reads as a person
    writes it: ``2025-01-02`` without a time at midnight, ``10:30`` without seconds when there are none.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return f"{value.date().isoformat()} {_clock(value.time())}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return _clock(value)
    return str(value)


def _clock(moment: dt.time) -> str:
    """``10:30``, or ``10:30:15`` when there are seconds."""
    return moment.isoformat(timespec="seconds" if moment.second or moment.microsecond else "minutes")


def read_xlsx(path: Path, data: bytes | None = None) -> list[Sheet]:
    """The sheets to import: ``answers`` (else the first sheet), then ``challenges`` if the workbook has one.

    A formula counts with the result saved with it; one without a saved result is a problem of its row
    (:attr:`Sheet.problems`), never an empty cell. ``data`` is the file's content when the caller has read it already.
    A file that cannot be read as a workbook at all is an :class:`InputError` saying why in plain words.
    """
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(
                [Problem(path, None, None, say("spreadsheet.unreadable", reason=os_reason(exc)))]
            ) from None
    with warnings.catch_warnings():
        # "Defined names for sheet index 7 cannot be located" and the like: what openpyxl would drop, not the values.
        warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")
        try:
            return _read_sheets(path, data)
        except InputError:
            raise
        except DAMAGED as exc:
            if not _raised_reading(exc):  # a mistake in the kit's own code, not in the file: not to be hidden
                raise
            raise InputError([Problem(path, None, None, _why_unreadable(data))]) from None


def _raised_reading(exc: BaseException) -> bool:
    """Whether ``exc`` was raised inside openpyxl, zipfile or the XML parser, that is by what the file holds."""
    import openpyxl

    trace = exc.__traceback__
    if trace is None:
        return False
    while trace.tb_next is not None:
        trace = trace.tb_next
    where = Path(trace.tb_frame.f_code.co_filename).resolve()
    if where.is_relative_to(Path(__file__).resolve().parent):
        return False
    readers = [Path(openpyxl.__file__).parent, Path(zipfile.__file__).parent]  # the second: Python's own library
    defused = importlib.util.find_spec("defusedxml")  # openpyxl parses with it when it is installed
    if defused is not None and defused.origin:
        readers.append(Path(defused.origin).parent)
    return any(where.is_relative_to(reader.resolve()) for reader in readers)


def _why_unreadable(data: bytes) -> str:
    """Why ``data`` is no workbook the kit can read: no ZIP archive, a ZIP archive of something else, or damaged."""
    if not data.startswith(XLSX_SIGNATURE):
        return say("spreadsheet.not_a_workbook", resave=say("spreadsheet.resave"))
    if _holds_no_workbook(data):
        return say("spreadsheet.zip_not_workbook", resave=say("spreadsheet.resave"))
    return say("spreadsheet.damaged", resave=say("spreadsheet.resave"))


def _read_sheets(path: Path, data: bytes) -> list[Sheet]:
    from openpyxl import load_workbook

    # From memory: openpyxl would refuse a workbook by its file name (a workbook saved as "x.csv").
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        if not book.worksheets:
            reason = say("spreadsheet.no_worksheet", resave=say("spreadsheet.resave"))
            raise InputError([Problem(path, None, None, reason)])
        by_name = {sheet.title: sheet for sheet in book.worksheets}
        chosen = [by_name.get(ANSWERS_SHEET, book.worksheets[0])]
        if CHALLENGES_SHEET in by_name and by_name[CHALLENGES_SHEET] is not chosen[0]:
            chosen.append(by_name[CHALLENGES_SHEET])
        read = [(sheet.title, *_rows(sheet)) for sheet in chosen]
    finally:
        book.close()
    sheets = []
    for name, rows, formulas in read:
        problems: dict[int, Problem] = {}
        if formulas:
            problems = _fill_in_results(path, data, name, rows, formulas)
            rows = [(number, _trimmed(cells)) for number, cells in rows]
        sheets.append(Sheet(name, rows, problems))
    return sheets


def _holds_no_workbook(data: bytes) -> bool:
    """A whole ZIP archive with nothing under ``xl/``: another kind of file (a Word document, a packed folder)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return not any(name.startswith("xl/") for name in archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _rows(sheet: Any) -> tuple[list[tuple[int, list[str]]], list[tuple[int, int, str]]]:
    """The rows with something in them as text, and where the formulas are (position in rows, index, cell)."""
    rows: list[tuple[int, list[str]]] = []
    formulas: list[tuple[int, int, str]] = []
    empty: list[int] = []  # empty rows since the last one with something in it
    sheet.reset_dimensions()  # read every row, not only those within the size the file claims
    number = 0
    for cells in sheet.iter_rows(min_row=1):
        number = next((int(c.row) for c in cells if getattr(c, "row", None)), number + 1)
        texts = _trimmed([cell_text(cell.value) for cell in cells])
        found = [(i, str(c.coordinate)) for i, c in enumerate(cells) if getattr(c, "data_type", None) == "f"]
        if not texts and not found:
            empty.append(number)
            continue
        if rows:  # empty rows between rows with content count as blank lines; those above the header do not
            rows.extend((n, []) for n in empty)
        empty.clear()
        formulas.extend((len(rows), index, reference) for index, reference in found)
        rows.append((number, texts))
    return rows, formulas


def _fill_in_results(
    path: Path, data: bytes, name: str, rows: list[tuple[int, list[str]]], formulas: list[tuple[int, int, str]]
) -> dict[int, Problem]:
    """Replace each formula by the result the spreadsheet program saved with it; the rows of those without one.

    Each such row is named once, by its first formula without a result: saving the workbook again in a spreadsheet
    program puts every result in.
    """
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book[name]
        sheet.reset_dimensions()
        results = {
            cell.coordinate: cell.value for line in sheet.iter_rows() for cell in line if hasattr(cell, "coordinate")
        }
    finally:
        book.close()
    problems: dict[int, Problem] = {}
    for position, index, reference in formulas:
        number, cells = rows[position]
        value = results.get(reference)
        if value is None:
            reason = say("spreadsheet.formula_without_result", resave=say("spreadsheet.resave"))
            problems.setdefault(number, Problem(path, number, None, reason, sheet=name, cell=reference))
        else:
            cells.extend([""] * (index + 1 - len(cells)))
            cells[index] = cell_text(value)
    return problems


def _trimmed(cells: list[str]) -> list[str]:
    """The row without the empty cells at its end (a spreadsheet keeps formatted but empty cells)."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]
