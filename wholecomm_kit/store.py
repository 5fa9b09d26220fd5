"""The response store: append-only CSV files that never lose or mangle an answer.

Every change is appended as a new row (an audit trail). Writers take an
exclusive ``flock`` on the file and write a whole batch in one ``write`` call
followed by ``fsync``, so concurrent participants never interleave and a
killed process leaves either its whole batch or nothing. Should a torn last
row still appear (power loss, full disk), the next reader or writer moves it to
``<file>.damaged`` (so nothing is thrown away) and carries on.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

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
from .texts import say

if TYPE_CHECKING:
    from .session import Session

__all__ = ["TABLES", "SessionStore", "create_empty_table", "decode_csv", "detect_delimiter", "latest", "parse_csv"]

TERMINATOR = "\r\n"
DELIMITERS = (",", ";", "\t")
"""The separators a CSV file to import may use, as spreadsheets in different regions save them."""
T = TypeVar("T")


def encode_rows(rows: Iterable[Sequence[str]]) -> bytes:
    """RFC 4180 CSV (CRLF line ends, minimal quoting) in UTF-8."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=TERMINATOR, quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def decode_csv(path: Path, data: bytes, columns: Collection[str] = ()) -> str:
    """UTF-8 text of a CSV file, or an error naming the line (and, knowing ``columns``, the column) of a bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        offset = exc.start
        line = data.count(b"\n", 0, offset) + 1
        column = _column_at(data, line, columns)
        byte = data[offset : offset + 1].hex().upper()
        raise InputError([Problem(path, line, column, say("store.not_utf8", byte=byte))]) from None


def detect_delimiter(text: str, columns: Collection[str]) -> str:
    """The separator of a CSV file whose header names some of ``columns``: comma, semicolon or tab.

    Spreadsheets save "CSV" with the list separator of the computer's region: semicolons in German
    or French settings. Column names never hold a separator, so the header tells which one it is.
    """
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    known = set(columns)
    best, score = ",", 0
    for delimiter in DELIMITERS:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        found = sum(cell.strip() in known for cell in cells)
        if found > score:
            best, score = delimiter, found
    return best


def _column_at(data: bytes, line: int, columns: Collection[str]) -> str | None:
    """Best-effort name of the column holding the unreadable byte (for the error message)."""
    header: list[str] | None = None
    found = None
    text = data.decode("utf-8", errors="replace")
    try:
        for start, cells in parse_csv(Path("-"), text, detect_delimiter(text, columns)):
            if header is None:
                header = cells
            if start > line:
                break
            bad = [i for i, cell in enumerate(cells) if "\ufffd" in cell]
            if bad:
                found = header[bad[0]] if bad[0] < len(header) else None
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
        raise InputError([Problem(path, line, None, say("store.csv_broken", error=exc))]) from None


def create_empty_table(path: Path, table: Table) -> None:
    """A CSV file with just the header, unless the file exists already."""
    with _locked(path, exclusive=True) as fd:
        if os.fstat(fd).st_size == 0:
            _write_all(fd, path, encode_rows([table.columns]), 0)


@contextmanager
def _locked(path: Path, *, exclusive: bool) -> Iterator[int]:
    flags = os.O_RDWR | os.O_CREAT | os.O_APPEND if exclusive else os.O_RDONLY
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise StoreError(say("store.cannot_open", path=path, reason=exc.strerror)) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


def _read_all(fd: int) -> bytes:
    size = os.fstat(fd).st_size
    chunks = []
    offset = 0
    while offset < size:
        chunk = os.pread(fd, size - offset, offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
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
        raise StoreError(say("store.not_saved", path=path, reason=exc.strerror)) from exc


def _is_torn(fd: int) -> bool:
    """A whole record always ends with a line break; hand-edited files may use LF instead of CRLF."""
    size = os.fstat(fd).st_size
    return size > 0 and os.pread(fd, 1, size - 1) != b"\n"


def _cut_torn_tail(fd: int, path: Path, columns: int) -> None:
    """Move an incomplete last record to ``<file>.damaged`` and shorten the file to the last whole record."""
    data = _read_all(fd)
    boundary = 0
    end = len(data)
    while (end := data.rfind(b"\n", 0, end)) >= 0:
        try:
            records = list(csv.reader(io.StringIO(data[: end + 1].decode("utf-8"), newline=""), strict=True))
        except (csv.Error, UnicodeDecodeError):
            continue
        if records and len(records[-1]) == columns:
            boundary = end + 1
            break
    with open(f"{path}.damaged", "ab") as damaged:
        damaged.write(data[boundary:] + b"\n")
        damaged.flush()
        os.fsync(damaged.fileno())
    os.ftruncate(fd, boundary)
    os.fsync(fd)


def _check_header(fd: int, path: Path, table: Table) -> None:
    expected = encode_rows([table.columns])
    first_line = os.pread(fd, len(expected) + 3, 0).removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    if first_line.rstrip(b"\r") != expected.rstrip(b"\r\n"):
        raise StoreError(say("store.header_changed", path=path, columns=", ".join(table.columns)))


def append_records(path: Path, table: Table, rows: Sequence[Sequence[str]]) -> None:
    """Append whole rows atomically with respect to other writers and crashes."""
    with _locked(path, exclusive=True) as fd:
        size = os.fstat(fd).st_size
        payload = encode_rows(rows)
        if size == 0:
            payload = encode_rows([table.columns]) + payload
        else:
            if _is_torn(fd):
                _cut_torn_tail(fd, path, len(table.columns))
                size = os.fstat(fd).st_size
            if size == 0:
                payload = encode_rows([table.columns]) + payload
            else:
                _check_header(fd, path, table)
        _write_all(fd, path, payload, size)


def read_table_text(path: Path, table: Table) -> str:
    """The file's text, after moving a torn last record (if any) aside."""
    if not path.exists():
        return ""
    with _locked(path, exclusive=False) as fd:
        data = _read_all(fd)
    if data and not data.endswith(b"\n"):
        try:
            with _locked(path, exclusive=True) as fd:
                if _is_torn(fd):
                    _cut_torn_tail(fd, path, len(table.columns))
                data = _read_all(fd)
        except StoreError as exc:
            raise StoreError(say("store.torn_and_unrepairable", path=path, reason=exc)) from exc
    return decode_csv(path, data)


def read_records(path: Path, table: Table, ctx: Context) -> list[Record]:
    """Every row of a session CSV as records; any invalid row is an error naming its line and column."""
    text = read_table_text(path, table)
    if not text:
        return []
    problems: list[Problem] = []
    records: list[Record] = []
    rows = parse_csv(path, text)
    _, header = next(rows)
    if tuple(header) != table.columns:
        raise InputError([Problem(path, 1, None, say("store.header_exactly", columns=", ".join(table.columns)))])
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
        if any(table_of(r) is not table for r in records):
            raise ValueError("append() takes records of one table at a time")
        try:
            rows = [to_row(check(r, self.context)) for r in records]
        except RowProblem as exc:
            raise InputError([Problem(self.path(table), None, exc.column, exc.reason)]) from None
        append_records(self.path(table), table, rows)

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
        """Save one answer now, as a participant's checklist does on every change."""
        try:
            field_id = self.catalog.standard(standard_id).field_id
        except KeyError:
            unknown = row_problem("standard_id", "store.not_a_standard", standard=repr(standard_id))
            raise InputError([Problem(self.path(RESPONSES), None, unknown.column, unknown.reason)]) from None
        record = Response(
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
        self.append([record])
        return record

    def record_challenge(
        self, *, respondent_id: str, stakeholder_group: str, challenge_id: str, applies: str
    ) -> ChallengeAnswer:
        record = ChallengeAnswer(
            self.session.session_id, respondent_id, stakeholder_group, challenge_id, applies, utc_now()
        )
        self.append([record])
        return record

    def record_action(
        self,
        *,
        action_id: str,
        field_id: str,
        standard_ids: Sequence[str],
        action: str,
        responsible: str = "",
        due_date: str = "",
        status: str = "planned",
    ) -> Action:
        record = Action(action_id, field_id, tuple(standard_ids), action, responsible, due_date, status, utc_now())
        self.append([record])
        return record

    def next_action_id(self) -> str:
        numbers = [int(a.action_id[1:]) for a in self.actions() if a.action_id[:1] == "A" and a.action_id[1:].isdigit()]
        return f"A{max(numbers, default=0) + 1}"
