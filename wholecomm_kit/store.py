"""The response store: append-only CSV files that never lose or mangle an answer.

Every change is appended as a new row (an audit trail). Writers take an
exclusive ``flock`` on the file and write a whole batch in one ``write`` call
followed by ``fsync``, so concurrent participants never interleave and a
killed process leaves either its whole batch or nothing. Should a torn last
row still appear (power loss, full disk), the next reader or writer moves it to
``<file>.damaged`` (so nothing is thrown away), says so with a
:class:`DamagedRowWarning` and carries on.

A last record is torn when it is cut off: it lacks its line break and is not a
whole valid row, or it ends inside an open quoted field (a crash in the middle
of a comment, even right after a line break in it). A whole valid row that
merely lacks its final line break (an editor that strips it) is kept and the
line break added. Nothing else is ever moved: a bad byte or a bad row in the
middle of a file is an error naming its line and column, for a person to fix.

Only a file the kit could have written is ever repaired: UTF-8 text (a torn last row may end in half
a character) beginning with the table's header row. A file in another encoding (UTF-16 from a text
editor or Excel's "Unicode Text"), a stray non-UTF-8 byte anywhere before the torn row, or another
header leaves the file exactly as it is, with an error saying what is wrong and what to do; nothing is
appended to such a file either. Every session has all its files from the start (``new-session``
writes each with its header row), so a missing file, or one without even its header row, is a
:class:`SessionFileError` rather than an empty table: answers may have been lost, and a person has
to put the file back.
"""

from __future__ import annotations

import codecs
import csv
import fcntl
import io
import os
import stat
import warnings
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

from .catalog import Catalog, load_catalog
from .exceptions import InputError, Problem, StoreError
from .records import (
    ACTIONS,
    CHALLENGES,
    RESPONSES,
    TABLES,
    Action,
    ChallengeAnswer,
    Context,
    Record,
    Response,
    RowProblem,
    Table,
    check,
    row_problem,
    table_of,
    to_row,
    utc_now,
)
from .texts import os_reason, reworded, say

if TYPE_CHECKING:
    from .session import Session

__all__ = [
    "TABLES",
    "ActionChanged",
    "DamagedRowWarning",
    "SessionFileError",
    "SessionStore",
    "create_empty_table",
    "decode_csv",
    "detect_delimiter",
    "latest",
    "moved_rows",
    "other_encoding",
    "parse_csv",
    "parse_records",
]

TERMINATOR = "\r\n"
DELIMITERS = (",", ";", "\t")
"""The separators a CSV file to import may use, as spreadsheets in different regions save them."""
T = TypeVar("T")


class SessionFileError(StoreError):
    """A session file the store leaves alone as it is: missing, without its header row, or in another encoding.

    ``problem`` says which file, where (if known) and what to do; the message is that problem.
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(str(problem))


class DamagedRowWarning(UserWarning):
    """Rows of a session file were moved to ``<file>.damaged``; the message says where, for the facilitator.

    Callers that talk to a person (the command line, the report, the facilitator's pages) collect it with
    :func:`moved_rows` and show its message.
    """


@contextmanager
def moved_rows(found: list[str]) -> Iterator[None]:
    """Collect the messages of rows moved to a ``.damaged`` file while the block ran, for a person to read.

    Said with a :class:`DamagedRowWarning`, which nobody would see on a page served by Voilà or in a
    command's output; every other warning is passed on as it came.
    """
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DamagedRowWarning)
            yield
    finally:  # also when reading failed after a row was moved
        for warning in caught:
            if issubclass(warning.category, DamagedRowWarning):
                found.append(str(warning.message))
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


def encode_rows(rows: Iterable[Sequence[str]]) -> bytes:
    """RFC 4180 CSV (CRLF line ends, minimal quoting) in UTF-8."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=TERMINATOR, quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def decode_csv(path: Path, data: bytes, columns: Collection[str] = (), *, reason: str = "store.not_utf8") -> str:
    """UTF-8 text of a CSV file, or an error naming the line (and, knowing ``columns``, the column) of a bad byte.

    ``reason`` is the message key for the bad byte (with the placeholder ``byte``): what to do differs for a
    file to import and for a session's own file.
    """
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        offset = exc.start
        line = _line_at(data, offset)
        column = _column_at(data, line, columns)
        byte = data[offset : offset + 1].hex().upper()
        raise InputError([Problem(path, line, column, say(reason, byte=byte))]) from None


_UNICODE_MARKS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
"""Byte order marks of the Unicode encodings that are not UTF-8 (UTF-32 first: its mark starts like UTF-16's)."""


def other_encoding(data: bytes) -> str | None:
    """``UTF-16`` or ``UTF-32`` for text in one of those (a text editor's "Unicode", Excel's "Unicode Text"), else None.

    Told by the byte order mark or, without one, by the zero bytes that text of mostly Latin letters has in
    every second (UTF-16) or in three of four places (UTF-32). A UTF-8 file of the kit has no zero bytes.
    """
    for mark, name in _UNICODE_MARKS:
        if data.startswith(mark):
            return name
    sample = data[:400]
    for name, width in (("UTF-32", 4), ("UTF-16", 2)):
        usable = sample[: len(sample) - len(sample) % width]
        if len(usable) < 4 * width:
            continue
        lanes = [usable[i::width] for i in range(width)]
        for letters in (0, width - 1):  # little endian: the letter comes first; big endian: last
            others = [lane for i, lane in enumerate(lanes) if i != letters]
            zeros = all(lane.count(0) >= 0.9 * len(lane) for lane in others)
            if zeros and lanes[letters].count(0) <= 0.1 * len(lanes[letters]):
                return name
    return None


def _unusable(path: Path, data: bytes, table: Table) -> Problem | None:
    """What makes a session file unreadable as a whole, if anything: another encoding, or not even a header row."""
    encoding = other_encoding(data)
    if encoding is not None:
        return Problem(path, 1, None, say("store.other_encoding", encoding=encoding))
    body = data.removeprefix(codecs.BOM_UTF8)
    if not body or body.isspace():  # isspace stops at the first other byte: no copy of a large file
        return Problem(path, 1, None, say("store.no_header", header=",".join(table.columns)))
    return None


def _session_text(path: Path, data: bytes, table: Table) -> str:
    """The UTF-8 text of a session file, or an :class:`InputError` naming the line and column of a bad byte."""
    return decode_csv(path, data, table.columns, reason="store.not_utf8_session")


_CSV_REASONS = {
    "unexpected end of data": "store.csv_open_quote",
    "field larger than field limit": "store.csv_field_too_long",
    "line contains NUL": "store.csv_nul",
    "new-line character seen in unquoted field": "store.csv_newline",
}
"""Python's CSV reader's complaints, which are English, in the kit's words (anything else as it is)."""


def detect_delimiter(text: str, columns: Collection[str]) -> str:
    """The separator of a CSV file whose header names some of ``columns``: comma, semicolon or tab.

    Spreadsheets save "CSV" with the list separator of the computer's region: semicolons in German
    or French settings. Column names never hold a separator, so the header tells which one it is.
    """
    # The first line, whichever line break ends it: old Mac spreadsheets end lines with a CR alone.
    first = io.StringIO(text.lstrip("\ufeff"), newline="").readline().rstrip("\r\n")
    known = set(columns)
    best, score = ",", 0
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader([first], delimiter=delimiter), [])
        except csv.Error:  # not a header at all (say, one huge field): the rows will tell what is wrong
            continue
        found = sum(cell.strip() in known for cell in cells)
        if found > score:
            best, score = delimiter, found
    return best


def _line_at(data: bytes, offset: int) -> int:
    """The line number of a byte, counting CRLF, LF and a lone CR as line breaks, as the CSV reader does."""
    before = data[:offset]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


def _column_at(data: bytes, line: int, columns: Collection[str]) -> str | None:
    """Best-effort name of the column holding the unreadable byte (for the error message)."""
    header: list[str] | None = None
    found = None
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
    try:
        for start, cells in parse_csv(Path("-"), text, detect_delimiter(text, columns)):
            if start > line:
                break
            if header is None:  # a bad byte in the header itself: its garbled text names no column
                header = cells
                continue
            # the record holding the line is the last one starting at or before it
            bad = [i for i, cell in enumerate(cells) if "\ufffd" in cell]
            found = header[bad[0]] if bad and bad[0] < len(header) else None
    except InputError:
        pass
    return found


def parse_csv(path: Path, text: str, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, cells) for every record, header included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    line = 1
    try:
        for record in reader:
            yield line, record
            line = reader.line_num + 1
    except csv.Error as exc:
        reason = say("store.csv_broken", error=reworded(str(exc), _CSV_REASONS))
        raise InputError([Problem(path, line, None, reason)]) from None


def create_empty_table(path: Path, table: Table) -> None:
    """A CSV file with just the header, unless the file exists already."""
    with _locked(path, exclusive=True, create=True) as fd:
        if os.fstat(fd).st_size == 0:
            _write_all(fd, path, encode_rows([table.columns]), 0)


@contextmanager
def _locked(path: Path, *, exclusive: bool, create: bool = False) -> Iterator[int]:
    """The open file under a shared or an exclusive lock; a missing file is a :class:`SessionFileError` unless
    ``create`` (only a new session creates its files: one missing later was deleted or moved, with its answers)."""
    # O_NONBLOCK: a named pipe in the file's place must not hang the kit; regular files ignore it.
    flags = (os.O_RDWR | os.O_APPEND if exclusive else os.O_RDONLY) | (os.O_CREAT if create else 0) | os.O_NONBLOCK
    try:
        fd = os.open(path, flags, 0o644)
    except IsADirectoryError:
        raise StoreError(say("store.not_a_file", path=path)) from None
    except FileNotFoundError as exc:
        if not create:
            raise SessionFileError(Problem(path, None, None, say("store.file_missing"))) from None
        raise StoreError(say("store.cannot_open", path=path, reason=os_reason(exc))) from exc  # the folder is gone
    except OSError as exc:
        raise StoreError(say("store.cannot_open", path=path, reason=os_reason(exc))) from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise StoreError(say("store.not_a_file", path=path))
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


def _read_all(fd: int, path: Path) -> bytes:
    try:
        size = os.fstat(fd).st_size
        chunks = []
        offset = 0
        while offset < size:
            chunk = os.pread(fd, size - offset, offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
    except OSError as exc:
        raise StoreError(say("store.cannot_read", path=path, reason=os_reason(exc))) from exc
    return b"".join(chunks)


def _write_all(fd: int, path: Path, payload: bytes, size_before: int) -> None:
    """Write the batch; on any failure cut the file back to its size before, so no half row remains."""
    try:
        view = memoryview(payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except OSError as exc:
        with suppress(OSError):
            os.ftruncate(fd, size_before)
        raise StoreError(say("store.not_saved", path=path, reason=os_reason(exc))) from exc


@dataclass(frozen=True)
class _Tail:
    """What to do about the end of a session file before reading or appending."""

    action: Literal["keep", "terminate", "move", "unclear"]
    """``keep``: it ends with a whole record, or it is not a file the kit could have written (then the readers
    and writers say what is wrong and nothing is changed); ``terminate``: a whole valid row lacks its line break;
    ``move``: the last record is torn; ``unclear``: the file is broken in a way no crash leaves."""
    line: int | None = None
    """Where the last record (or, when unclear, the broken one) starts."""
    offset: int = 0
    """The byte where the last record starts."""


def _is_row(cells: Sequence[str], table: Table, ctx: Context | None) -> bool:
    """Whether the cells are a whole row of the table (checked against the catalogue when ``ctx`` is given)."""
    if len(cells) != len(table.columns):
        return False
    if ctx is None:
        return True
    try:
        table.parse(dict(zip(table.columns, cells, strict=True)), ctx)
    except RowProblem:
        return False
    return True


def _records(text: str) -> tuple[list[str], int | None]:
    """The records of the text as they are written, line breaks included (a quoted field may hold some).

    Also the line where the text stops being CSV at all (a field larger than any the kit writes), if it does.
    """
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(lines)  # not strict: this only finds where records start; reading them is strict
    records = []
    start = 0
    try:
        for _ in reader:
            records.append("".join(lines[start : reader.line_num]))
            start = reader.line_num
    except csv.Error:
        return records, start + 1
    return records, None


def _is_header(record: str, table: Table) -> bool:
    """Whether the record (as written, line break included or not) is the table's header row."""
    cells = next(csv.reader(io.StringIO(record, newline="")), [])
    return [cell.removeprefix("\ufeff") for cell in cells[:1]] + cells[1:] == list(table.columns)


def _utf8_until_cut(data: bytes, offset: int, torn: bool) -> bool:
    """Whether the data is UTF-8 throughout; if ``torn``, the record from ``offset`` on may end in half a character."""
    try:
        data[:offset].decode("utf-8")
        if torn:  # a crash can cut a character in two, so its first bytes may end the torn record
            codecs.getincrementaldecoder("utf-8")().decode(data[offset:], final=False)
        else:
            data[offset:].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _tail(data: bytes, table: Table, ctx: Context | None) -> _Tail:
    """How the file ends: with a whole record, a whole valid row missing its line break, or a torn record.

    ``ctx`` is needed to tell a whole row from one cut in its last value; without it, an unterminated
    last row counts as torn. Only a file the kit could have written is ever changed: UTF-8 text (but for
    half a character ending a torn record) that starts with the table's header row. Any other file is
    kept as it is, for the reader's or writer's checks to report.
    """
    if not data or (data.endswith((b"\n", b"\r")) and data.count(b'"') % 2 == 0):
        return _Tail("keep")  # ends with a line break outside any quoted field: the usual case, decided fast
    # surrogateescape: a stray non-UTF-8 byte is kept as it is (and reported by the reader), never a reason to cut
    text = data.decode("utf-8", "surrogateescape")
    records, broken = _records(text)
    if broken is not None:  # broken by hand, not by a crash
        return _Tail("unclear", broken)
    if not records or not _is_header(records[0], table):
        return _Tail("keep")  # another header (or none, or another encoding): the header checks say so
    last = records[-1]
    line = sum(len(io.StringIO(record, newline="").readlines()) for record in records[:-1]) + 1
    offset = len(data) - len(last.encode("utf-8", "surrogateescape"))
    cells = next(csv.reader(io.StringIO(last, newline="")), [])
    # The record ends inside an open quoted field if a line break and more text after it still belong to it.
    open_quote = len(list(csv.reader(io.StringIO(last + "\nx", newline="")))) == 1
    terminated = not open_quote and last.endswith(("\n", "\r"))
    if len(records) == 1:  # just the header
        action: Literal["keep", "terminate", "move", "unclear"] = "keep" if terminated else "terminate"
    elif open_quote:
        # A crash cuts one row, possibly after a line break inside its comment. A whole row further down
        # means a quotation mark typed by hand opened the field: moving would take good rows away.
        inner = io.StringIO(last, newline="").readlines()[1:]
        if any(_is_row(next(csv.reader([piece.rstrip("\r\n")]), []), table, ctx) for piece in inner):
            return _Tail("unclear", line, offset)
        action = "move"
    elif terminated:
        action = "keep"
    else:
        action = "terminate" if _is_row(cells, table, ctx) else "move"
    if action != "keep" and not _utf8_until_cut(data, offset, torn=action == "move"):
        # Not all UTF-8: a file saved by another program, whose end no crash of the kit's explains.
        # The reader reports the first bad byte with its line and column; nothing is moved or added.
        return _Tail("keep", line, offset)
    return _Tail(action, line, offset)


def _mend_tail(fd: int, path: Path, data: bytes, table: Table, ctx: Context | None) -> _Tail:
    """Under the exclusive lock, with the file's ``data`` as it is now: add a missing last line break, or move
    a torn last record to ``<file>.damaged``."""
    tail = _tail(data, table, ctx)
    if tail.action == "terminate":
        _write_all(fd, path, TERMINATOR.encode(), len(data))
    elif tail.action == "move":
        damaged = Path(f"{path}.damaged")
        torn = data[tail.offset :]
        try:
            with damaged.open("ab") as stream:
                stream.write(torn if torn.endswith(b"\n") else torn + b"\n")
                stream.flush()
                os.fsync(stream.fileno())
            os.ftruncate(fd, tail.offset)
            os.fsync(fd)
        except OSError as exc:
            raise StoreError(say("store.torn_and_unrepairable", path=path, reason=os_reason(exc))) from exc
        message = say("store.rows_moved", path=path, line=tail.line, damaged=damaged)
        warnings.warn(message, DamagedRowWarning, stacklevel=2)
    return tail


def _other_separator(first_line: str, table: Table) -> str | None:
    """The words for the separator of a header row of the table's columns that uses another separator than
    commas (a spreadsheet with German settings saves semicolons), else None."""
    separator = detect_delimiter(first_line, table.columns)
    if separator == ",":
        return None
    return say("store.semicolons") if separator == ";" else say("store.tabs")


def _check_header(data: bytes, path: Path, table: Table) -> None:
    expected = encode_rows([table.columns])
    head = data[: len(expected) + 3].removeprefix(codecs.BOM_UTF8)
    first_line = head.split(b"\n", 1)[0].split(b"\r", 1)[0]  # whichever line break ends it, CR alone too
    if first_line != expected.rstrip(b"\r\n"):
        separator = _other_separator(first_line.decode("utf-8", "replace"), table)
        if separator is not None:
            raise SessionFileError(Problem(path, 1, None, say("store.header_separator", separator=separator)))
        raise SessionFileError(Problem(path, 1, None, say("store.header_exactly", columns=", ".join(table.columns))))


def append_records(
    path: Path,
    table: Table,
    rows: Sequence[Sequence[str]] | Callable[[str], Sequence[Sequence[str]]],
    ctx: Context | None = None,
) -> None:
    """Append whole rows atomically with respect to other writers and crashes.

    ``rows`` may be a function of the file's text as it is under the lock, for rows that depend on what
    is stored (the next free number, the version an edit started from): no other writer can come in
    between the reading and the writing. A torn last record is moved aside first (see the module's
    docstring); give ``ctx`` so that a whole valid last row lacking only its line break is kept.

    Nothing is added to a file the kit cannot read: missing, without its header row, in another encoding,
    with a bad byte or another header. That is a :class:`StoreError` (a :class:`SessionFileError` naming the
    file and the place), and the file stays as it is.
    """
    with _locked(path, exclusive=True) as fd:
        data = _read_all(fd, path)
        unusable = _unusable(path, data, table)
        if unusable is not None:
            raise SessionFileError(unusable)
        tail = _mend_tail(fd, path, data, table, ctx)
        if tail.action in ("terminate", "move"):
            data = _read_all(fd, path)
        try:
            text = _session_text(path, data, table)
        except InputError as exc:  # the file's fault, not the new rows'
            raise SessionFileError(exc.problems[0]) from None
        _check_header(data, path, table)
        if tail.action == "unclear":  # the new rows would vanish into the broken record
            raise StoreError(say("store.end_unclear", path=path, line=tail.line))
        if callable(rows):
            rows = rows(text)
        if not rows:
            return
        _write_all(fd, path, encode_rows(rows), len(data))


def read_table_text(path: Path, table: Table, ctx: Context | None = None) -> str:
    """The file's text, after moving a torn last record (if any) aside; see :func:`append_records` for ``ctx``.

    A file that is missing, has not even its header row or is in another encoding than UTF-8 is a
    :class:`SessionFileError`, and a bad byte an :class:`InputError` with its line and column; such a file is
    left exactly as it is.
    """
    with _locked(path, exclusive=False) as fd:
        data = _read_all(fd, path)
    unusable = _unusable(path, data, table)
    if unusable is not None:
        raise SessionFileError(unusable)
    if _tail(data, table, ctx).action in ("terminate", "move"):
        with ExitStack() as stack:
            try:
                fd = stack.enter_context(_locked(path, exclusive=True))
            except StoreError as exc:  # say, a read-only copy of a session
                raise StoreError(say("store.torn_and_unrepairable", path=path, reason=exc)) from exc
            data = _read_all(fd, path)
            unusable = _unusable(path, data, table)  # changed in between, by another program
            if unusable is not None:
                raise SessionFileError(unusable)
            _mend_tail(fd, path, data, table, ctx)
            data = _read_all(fd, path)
    return _session_text(path, data, table)


def read_records(path: Path, table: Table, ctx: Context) -> list[Record]:
    """Every row of a session CSV as records; any invalid row is an error naming its line and column."""
    return parse_records(path, read_table_text(path, table, ctx), table, ctx)


def parse_records(path: Path, text: str, table: Table, ctx: Context) -> list[Record]:
    """The records in the text of a session CSV; any invalid row is an error naming its line and column.

    For a caller holding the file's lock (``append_records``' callable is given the text): reading the file
    again would wait for that very lock.
    """
    if not text:
        return []
    problems: list[Problem] = []
    records: list[Record] = []
    rows = parse_csv(path, text)
    _, header = next(rows)
    if tuple(header) != table.columns:
        separator = _other_separator(io.StringIO(text, newline="").readline(), table)
        if separator is not None:
            reason = say("store.header_separator", separator=separator)
        else:
            reason = say("store.header_exactly", columns=", ".join(table.columns))
        raise InputError([Problem(path, 1, None, reason)])
    for line, cells in rows:
        if len(cells) != len(table.columns):
            reason = say("store.value_count", count=len(cells), expected=len(table.columns))
            problems.append(Problem(path, line, None, reason))
            continue
        try:
            records.append(table.parse(dict(zip(table.columns, cells, strict=True)), ctx))
        except RowProblem as exc:
            problems.append(Problem(path, line, exc.column, exc.reason))
    if problems:
        raise InputError(problems)
    return records


def latest(records: Iterable[T], key: Callable[[T], Hashable], when: Callable[[T], str]) -> list[T]:
    """The current version per key: the latest ``recorded_at``, and of equal times the later row.

    Keys keep the order in which they first appeared, so a plan or checklist does not reshuffle on every edit.
    """
    current: dict[Hashable, tuple[str, T]] = {}
    for record in records:
        k = key(record)
        stamp = when(record)
        if k not in current or stamp >= current[k][0]:
            current[k] = (stamp, record)
    return [record for _, record in current.values()]


@dataclass
class SessionStore:
    """Reads and appends the answers, challenge ratings and actions of one session."""

    session: Session
    catalog: Catalog

    @classmethod
    def open(cls, session: Session, catalog: Catalog | None = None) -> SessionStore:
        return cls(session, catalog or load_catalog())

    @property
    def context(self) -> Context:
        return Context(self.catalog, self.session.session_id, self.session.fields)

    def path(self, table: Table) -> Path:
        return self.session.path / table.filename

    def append(self, records: Sequence[Record]) -> None:
        """Check and save records of one table in a single atomic write."""
        if not records:
            return
        table = table_of(records[0])
        append_records(self.path(table), table, self._rows(table, records), self.context)

    def append_decided(self, table: Table, decide: Callable[[list[Record]], Sequence[Record]]) -> list[Record]:
        """Append what ``decide`` makes of the table's stored records, both under the file's lock.

        Whatever ``decide`` raises is raised here, and then nothing is written.
        """
        path = self.path(table)
        chosen: list[Record] = []

        def rows(text: str) -> list[list[str]]:
            chosen[:] = decide(parse_records(path, text, table, self.context))
            return self._rows(table, chosen)

        append_records(path, table, rows, self.context)
        return chosen

    def _rows(self, table: Table, records: Sequence[Record]) -> list[list[str]]:
        if any(table_of(r) is not table for r in records):
            raise ValueError("append() takes records of one table at a time")
        try:
            return [to_row(check(r, self.context)) for r in records]
        except RowProblem as exc:
            raise InputError([Problem(self.path(table), None, exc.column, exc.reason)]) from None

    def responses(self) -> list[Response]:
        return [r for r in read_records(self.path(RESPONSES), RESPONSES, self.context) if isinstance(r, Response)]

    def challenge_answers(self) -> list[ChallengeAnswer]:
        rows = read_records(self.path(CHALLENGES), CHALLENGES, self.context)
        return [r for r in rows if isinstance(r, ChallengeAnswer)]

    def actions(self) -> list[Action]:
        return [r for r in read_records(self.path(ACTIONS), ACTIONS, self.context) if isinstance(r, Action)]

    def current_responses(self) -> list[Response]:
        """Each respondent's latest answer per standard."""
        return latest(self.responses(), lambda r: (r.respondent_id, r.standard_id), lambda r: r.recorded_at)

    def current_challenge_answers(self) -> list[ChallengeAnswer]:
        return latest(self.challenge_answers(), lambda r: (r.respondent_id, r.challenge_id), lambda r: r.recorded_at)

    def current_actions(self) -> list[Action]:
        """The action plan as it stands: the latest version of each action, removed ones left out."""
        current = latest(self.actions(), lambda a: a.action_id, lambda a: a.recorded_at)
        return [a for a in current if a.status != "removed"]

    def response_record(
        self,
        *,
        respondent_id: str,
        stakeholder_group: str,
        standard_id: str,
        response: str,
        rating: int | None = None,
        priority: str = "",
        comment: str = "",
        language: str | None = None,
    ) -> Response:
        """One answer as it would be saved now (:meth:`record_response` saves it)."""
        try:
            field_id = self.catalog.standard(standard_id).field_id
        except KeyError:
            unknown = row_problem("standard_id", "store.not_a_standard", standard=repr(standard_id))
            raise InputError([Problem(self.path(RESPONSES), None, unknown.column, unknown.reason)]) from None
        return Response(
            session_id=self.session.session_id,
            respondent_id=respondent_id,
            stakeholder_group=stakeholder_group,
            field_id=field_id,
            standard_id=standard_id,
            rating=rating,
            response=response,
            priority=priority,
            comment=comment,
            recorded_at=utc_now(),
            language=language or self.session.language,
            catalog_version=self.catalog.version,
        )

    def record_response(
        self,
        *,
        respondent_id: str,
        stakeholder_group: str,
        standard_id: str,
        response: str,
        rating: int | None = None,
        priority: str = "",
        comment: str = "",
        language: str | None = None,
    ) -> Response:
        """Save one answer now."""
        record = self.response_record(
            respondent_id=respondent_id,
            stakeholder_group=stakeholder_group,
            standard_id=standard_id,
            response=response,
            rating=rating,
            priority=priority,
            comment=comment,
            language=language,
        )
        self.append([record])
        return record

    def challenge_record(
        self, *, respondent_id: str, stakeholder_group: str, challenge_id: str, applies: str
    ) -> ChallengeAnswer:
        """One answer to a key challenge as it would be saved now (:meth:`record_challenge` saves it)."""
        return ChallengeAnswer(
            self.session.session_id, respondent_id, stakeholder_group, challenge_id, applies, utc_now()
        )

    def record_challenge(
        self, *, respondent_id: str, stakeholder_group: str, challenge_id: str, applies: str
    ) -> ChallengeAnswer:
        record = self.challenge_record(
            respondent_id=respondent_id, stakeholder_group=stakeholder_group, challenge_id=challenge_id, applies=applies
        )
        self.append([record])
        return record

    def save_over_current(
        self,
        table: Table,
        respondent_id: str,
        answered: str,
        merge: Callable[[Response | ChallengeAnswer | None], Response | ChallengeAnswer | None],
    ) -> Response | ChallengeAnswer | None:
        """Save ``merge(current)``: what a person's form makes of their current answer to ``answered`` (a standard
        or challenge id), as it is under the file's lock, so that a save from another device with the same id in
        between is merged, never undone (a participant's checklist saves every change this way).

        ``merge`` gives the current answer itself when there is nothing new, and None when there is nothing to
        save yet; either way nothing is written. A damaged answers file is a :class:`StoreError` (an answer that
        cannot be saved as it is stays an :class:`InputError`).
        """
        path = self.path(table)
        outcome: list[Response | ChallengeAnswer | None] = [None]

        def rows(text: str) -> list[list[str]]:
            try:
                stored = parse_records(path, text, table, self.context)
            except InputError as exc:  # the file's fault, not the answer's
                raise StoreError(str(exc)) from exc
            answers = [r for r in stored if isinstance(r, Response | ChallengeAnswer)]
            mine = [r for r in answers if r.respondent_id == respondent_id and _answered(r) == answered]
            current = next(iter(latest(mine, _answered, lambda r: r.recorded_at)), None)
            outcome[0] = new = merge(current)
            return [] if new is None or new is current else self._rows(table, [new])

        append_records(path, table, rows, self.context)
        return outcome[0]

    def record_action(
        self,
        *,
        field_id: str,
        standard_ids: Sequence[str],
        action: str,
        responsible: str = "",
        due_date: str = "",
        status: str = "planned",
        action_id: str | None = None,
        expected: Action | None = None,
    ) -> Action:
        """Save one version of an action: a new one under the next free number unless ``action_id`` is given.

        ``expected`` is the version an edit or removal started from: if another version of that action is
        current by now (changed or removed in another window), :class:`ActionChanged` is raised and
        nothing is written. The number and the check are decided under the file's lock, so two windows
        saving at the same moment can neither take the same number nor replace each other's version unseen.
        """

        def decide(stored: list[Record]) -> list[Record]:
            actions = [r for r in stored if isinstance(r, Action)]
            if expected is not None:
                current = {a.action_id: a for a in latest(actions, lambda a: a.action_id, lambda a: a.recorded_at)}
                now = current.get(expected.action_id)
                if now != expected:
                    raise ActionChanged(expected.action_id, now)
            number = action_id or _next_action_id(actions)
            return [Action(number, field_id, tuple(standard_ids), action, responsible, due_date, status, utc_now())]

        (record,) = self.append_decided(ACTIONS, decide)
        assert isinstance(record, Action)
        return record

    def next_action_id(self) -> str:
        """The number the next new action would get now (``record_action`` decides it again when saving)."""
        return _next_action_id(self.actions())


def _answered(record: Record) -> str:
    """What an answer answers: its standard or key challenge."""
    if isinstance(record, Response):
        return record.standard_id
    if isinstance(record, ChallengeAnswer):
        return record.challenge_id
    raise TypeError(f"{type(record).__name__} answers nothing")


def _next_action_id(actions: Iterable[Action]) -> str:
    numbers = [int(a.action_id[1:]) for a in actions if a.action_id[:1] == "A" and a.action_id[1:].isdigit()]
    return f"A{max(numbers, default=0) + 1}"


class ActionChanged(StoreError):
    """An action was changed or removed by someone else since the version a change started from."""

    def __init__(self, action_id: str, current: Action | None) -> None:
        self.action_id = action_id
        self.current = current
        """The version current now (its status is ``removed`` if it was removed), or None if there is none."""
        super().__init__(say("store.action_changed", id=action_id))
