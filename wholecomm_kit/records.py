"""The three kinds of event a session records, and what makes a row valid.

Each CSV row is parsed into a frozen dataclass by one function per table; the
same function checks rows that the kit writes, rows read back from disk and
rows imported from a facilitator's spreadsheet, so there is exactly one
definition of a valid answer.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import astuple, dataclass, fields
from typing import ClassVar

from .catalog import LANGUAGES, Catalog

RESPONDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""No 0/O, 1/I/L: an id noted on paper must read back unambiguously."""
ACTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_TEXT = 5000


def new_respondent_id(taken: Iterable[str] = (), *, prefix: str = "R", length: int = 4) -> str:
    """A fresh random id such as ``R-7K3Q`` that is not in ``taken`` (compared case-insensitively)."""
    used = {x.casefold() for x in taken}
    while True:
        candidate = f"{prefix}-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(length))
        if candidate.casefold() not in used:
            return candidate


class RowProblem(Exception):
    """A value in one column of a row is not valid."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def utc_now() -> str:
    return format_timestamp(dt.datetime.now(dt.UTC))


def format_timestamp(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a ``Z``, e.g. ``2025-03-14T09:30:00.000Z``."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Context:
    """What a row is checked against: the catalogue and the session's choices."""

    catalog: Catalog
    session_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Response:
    """One answer of one respondent to one standard (a new row for every change)."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "session_id",
        "respondent_id",
        "stakeholder_group",
        "field_id",
        "standard_id",
        "rating",
        "response",
        "priority",
        "comment",
        "recorded_at",
        "language",
        "catalog_version",
    )
    session_id: str
    respondent_id: str
    stakeholder_group: str
    field_id: str
    standard_id: str
    rating: int | None
    response: str
    priority: str
    comment: str
    recorded_at: str
    language: str
    catalog_version: str


@dataclass(frozen=True)
class ChallengeAnswer:
    """Whether one respondent sees one key challenge in their municipality."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "session_id",
        "respondent_id",
        "stakeholder_group",
        "challenge_id",
        "applies",
        "recorded_at",
    )
    session_id: str
    respondent_id: str
    stakeholder_group: str
    challenge_id: str
    applies: str
    recorded_at: str


@dataclass(frozen=True)
class Action:
    """One version of an action-plan entry; an edit or removal is a new row."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "action_id",
        "field_id",
        "standard_ids",
        "action",
        "responsible",
        "due_date",
        "status",
        "recorded_at",
    )
    action_id: str
    field_id: str
    standard_ids: tuple[str, ...]
    action: str
    responsible: str
    due_date: str
    status: str
    recorded_at: str


Record = Response | ChallengeAnswer | Action


def to_row(record: Record) -> list[str]:
    """The record as CSV cells, in the column order of its table."""
    cells = []
    for value in astuple(record):
        if value is None:
            cells.append("")
        elif isinstance(value, tuple):
            cells.append(" ".join(value))
        else:
            cells.append(str(value))
    assert len(cells) == len(fields(record))
    return cells


# --- checks for single values -------------------------------------------------------------


def _choice(row: Mapping[str, str], column: str, options: tuple[str, ...], *, optional: bool = False) -> str:
    value = row[column]
    if optional and value == "":
        return value
    if value not in options:
        shown = ", ".join(options) + (" or empty" if optional else "")
        what = "is empty" if value == "" else f"{value!r} is not allowed"
        raise RowProblem(column, f"{what}; expected {shown}")
    return value


def _pattern(row: Mapping[str, str], column: str, pattern: re.Pattern[str], example: str) -> str:
    value = row[column]
    if not pattern.fullmatch(value):
        what = "is empty" if value == "" else f"{value!r} is not a valid id"
        raise RowProblem(column, f"{what}; use letters, digits, '-', '_' or '.', e.g. {example}")
    return value


def _text(row: Mapping[str, str], column: str, *, required: bool = False) -> str:
    value = row[column]
    if required and not value.strip():
        raise RowProblem(column, "is empty")
    if len(value) > MAX_TEXT:
        raise RowProblem(column, f"is {len(value)} characters long; at most {MAX_TEXT} are allowed")
    if "\x00" in value:
        raise RowProblem(column, "contains a NUL character")
    return value


def parse_timestamp(value: str, column: str = "recorded_at") -> str:
    """Accept ISO 8601 with a time zone and return it normalised to UTC."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})", value):
        raise RowProblem(
            column,
            f"{value!r} is not an ISO 8601 time with time zone, e.g. 2025-03-14T09:30:00Z" if value else "is empty",
        )
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RowProblem(column, f"{value!r} is not a real date and time") from None
    return format_timestamp(moment)


def _session_id(row: Mapping[str, str], ctx: Context) -> str:
    if row["session_id"] != ctx.session_id:
        raise RowProblem("session_id", f"{row['session_id']!r} is not this session ({ctx.session_id!r})")
    return ctx.session_id


def _field_id(row: Mapping[str, str], ctx: Context) -> str:
    field_id = _choice(row, "field_id", ctx.catalog.field_ids)
    if field_id not in ctx.fields:
        raise RowProblem(
            "field_id", f"{field_id!r} is not assessed in this session (it assesses {', '.join(ctx.fields)})"
        )
    return field_id


# --- one parser per table ---------------------------------------------------------------------


def parse_response(row: Mapping[str, str], ctx: Context) -> Response:
    catalog = ctx.catalog
    field_id = _field_id(row, ctx)
    standard_id = row["standard_id"]
    try:
        standard = catalog.standard(standard_id)
    except KeyError:
        raise RowProblem("standard_id", f"{standard_id!r} is not a standard of the toolbox catalogue") from None
    if standard.field_id != field_id:
        raise RowProblem("standard_id", f"{standard_id} belongs to field {standard.field_id!r}, not {field_id!r}")
    response = _choice(row, "response", catalog.ids("responses"))
    raw_rating = row["rating"]
    rating: int | None = None
    if response == "rated":
        if raw_rating == "":
            raise RowProblem("rating", "is empty, but the response is 'rated'; give 0, 1, 2 or 3")
        if not re.fullmatch(r"[0-9]+", raw_rating.strip()):
            raise RowProblem("rating", f"{raw_rating!r} is not a number; give 0, 1, 2 or 3")
        rating = int(raw_rating)
        if not 0 <= rating <= len(catalog.ratings) - 1:
            raise RowProblem("rating", f"{rating} is out of range; give 0, 1, 2 or 3")
    elif raw_rating != "":
        raise RowProblem("rating", f"must be empty when the response is {response!r} (found {raw_rating!r})")
    version = row["catalog_version"]
    if version != catalog.version:
        raise RowProblem("catalog_version", f"{version!r} is not this kit's catalogue version {catalog.version!r}")
    return Response(
        session_id=_session_id(row, ctx),
        respondent_id=_pattern(row, "respondent_id", RESPONDENT_ID, "R-7K3Q"),
        stakeholder_group=_choice(row, "stakeholder_group", catalog.ids("stakeholder_groups")),
        field_id=field_id,
        standard_id=standard_id,
        rating=rating,
        response=response,
        priority=_choice(row, "priority", catalog.ids("priorities"), optional=True),
        comment=_text(row, "comment"),
        recorded_at=parse_timestamp(row["recorded_at"]),
        language=_choice(row, "language", LANGUAGES),
        catalog_version=version,
    )


def parse_challenge_answer(row: Mapping[str, str], ctx: Context) -> ChallengeAnswer:
    catalog = ctx.catalog
    challenge_id = row["challenge_id"]
    try:
        challenge = catalog.challenge(challenge_id)
    except KeyError:
        raise RowProblem("challenge_id", f"{challenge_id!r} is not a key challenge of the toolbox catalogue") from None
    if challenge.field_id not in ctx.fields:
        raise RowProblem("challenge_id", f"{challenge_id} belongs to field {challenge.field_id!r}, not assessed here")
    return ChallengeAnswer(
        session_id=_session_id(row, ctx),
        respondent_id=_pattern(row, "respondent_id", RESPONDENT_ID, "R-7K3Q"),
        stakeholder_group=_choice(row, "stakeholder_group", catalog.ids("stakeholder_groups")),
        challenge_id=challenge_id,
        applies=_choice(row, "applies", catalog.ids("challenge_answers")),
        recorded_at=parse_timestamp(row["recorded_at"]),
    )


def parse_action(row: Mapping[str, str], ctx: Context) -> Action:
    catalog = ctx.catalog
    field_id = _field_id(row, ctx)
    standard_ids = tuple(row["standard_ids"].split())
    for standard_id in standard_ids:
        try:
            standard = catalog.standard(standard_id)
        except KeyError:
            raise RowProblem("standard_ids", f"{standard_id!r} is not a standard of the toolbox catalogue") from None
        if standard.field_id != field_id:
            raise RowProblem("standard_ids", f"{standard_id} belongs to field {standard.field_id!r}, not {field_id!r}")
    due = row["due_date"]
    if due:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", due):
                raise ValueError
            dt.date.fromisoformat(due)
        except ValueError:
            raise RowProblem("due_date", f"{due!r} is not a date in the form YYYY-MM-DD") from None
    return Action(
        action_id=_pattern(row, "action_id", ACTION_ID, "A1"),
        field_id=field_id,
        standard_ids=standard_ids,
        action=_text(row, "action", required=True),
        responsible=_text(row, "responsible"),
        due_date=due,
        status=_choice(row, "status", catalog.ids("action_statuses")),
        recorded_at=parse_timestamp(row["recorded_at"]),
    )


@dataclass(frozen=True)
class Table:
    """A CSV file of a session: its name, columns and row parser."""

    name: str
    filename: str
    columns: tuple[str, ...]
    parse: Callable[[Mapping[str, str], Context], Record]


RESPONSES = Table("responses", "responses.csv", Response.COLUMNS, parse_response)
CHALLENGES = Table("challenges", "challenges.csv", ChallengeAnswer.COLUMNS, parse_challenge_answer)
ACTIONS = Table("actions", "actions.csv", Action.COLUMNS, parse_action)
TABLES: tuple[Table, ...] = (RESPONSES, CHALLENGES, ACTIONS)


def table_of(record: Record) -> Table:
    return {Response: RESPONSES, ChallengeAnswer: CHALLENGES, Action: ACTIONS}[type(record)]


def check(record: Record, ctx: Context) -> Record:
    """Run a record the kit is about to write through the same parser as any row read back."""
    table = table_of(record)
    parsed = table.parse(dict(zip(table.columns, to_row(record), strict=True)), ctx)
    assert isinstance(parsed, type(record))
    return parsed
