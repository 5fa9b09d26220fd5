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
from .texts import say

RESPONDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""No 0/O, 1/I/L: an id noted on paper must read back unambiguously."""
NEW_ID_ALPHABET = "".join(c for c in ID_ALPHABET if c not in "AEU")
"""What new ids are made of: no vowels either, so that no id card spells a word (``P-HERE``).

Ids made before (with vowels) stay ids of the kit's form: :data:`KIT_ID` reads the whole :data:`ID_ALPHABET`.
"""
KIT_ID = re.compile(rf"[A-Za-z]-[{ID_ALPHABET}]{{4}}|[Gg]-[0-9]+", re.IGNORECASE)
"""An id of the kit's own form (``R-7K3Q`` from the app, ``P-…`` from a card, ``G-2`` for a breakout group)."""


def kit_id(typed: str) -> str | None:
    """An id of the kit's own form in capitals, as the kit writes it (``r-7k3q`` → ``R-7K3Q``); else None.

    The app, the importer and the cards must agree, or one person counts as two.
    """
    return typed.upper() if KIT_ID.fullmatch(typed) else None


_SEPARATOR = r"[\s\-\u2010-\u2015\u2212_.]*"
"""What a phone keyboard or a hurried hand puts where a kit id has its dash, if anything: spaces, any dash."""
_LOOSE_KIT_ID = re.compile(rf"([RP]){_SEPARATOR}([{ID_ALPHABET}]{{4}})|(G){_SEPARATOR}([0-9]+)", re.IGNORECASE)
"""An id of the app (``R-``), a card (``P-``) or a breakout group (``G-``) with or without its dash."""


def loose_kit_id(typed: str) -> str | None:
    """A kit id typed without its dash or with another separator (``r7k3q``, ``R 7K3Q``, ``R–7K3Q``); else None.

    For an id nobody has answered with (an id somebody uses is theirs, whatever its form): the app and the importer
    must read it alike, or one person counts as two.
    """
    match = _LOOSE_KIT_ID.fullmatch(typed)
    if match is None:
        return None
    prefix, rest = match.group(1, 2) if match.group(1) else match.group(3, 4)
    return kit_id(f"{prefix}-{rest}")


ACTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_TEXT = 5000


def new_respondent_id(taken: Iterable[str] = (), *, prefix: str = "R", length: int = 4) -> str:
    """A fresh random id such as ``R-7K3Q`` that is not in ``taken`` (compared case-insensitively)."""
    used = {x.casefold() for x in taken}
    while True:
        candidate = f"{prefix}-" + "".join(secrets.choice(NEW_ID_ALPHABET) for _ in range(length))
        if candidate.casefold() not in used:
            return candidate


class RowProblem(Exception):
    """A value in one column of a row is not valid."""

    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def row_problem(column: str | None, key: str, **values: object) -> RowProblem:
    """A :class:`RowProblem` whose reason is the message ``key`` (``messages.<key>``) in the interface language."""
    return RowProblem(column, say(key, **values))


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
        shown = ", ".join(options)
        if value == "":
            raise row_problem(column, "records.empty_choice", options=shown)
        key = "records.not_allowed_or_empty" if optional else "records.not_allowed"
        raise row_problem(column, key, value=repr(value), options=shown)
    return value


def _pattern(row: Mapping[str, str], column: str, pattern: re.Pattern[str], example: str) -> str:
    value = row[column]
    if not pattern.fullmatch(value):
        if value == "":
            raise row_problem(column, "records.empty_id", example=example)
        raise row_problem(column, "records.invalid_id", value=repr(value), example=example)
    return value


def _text(row: Mapping[str, str], column: str, *, required: bool = False) -> str:
    value = row[column]
    if required and not value.strip():
        raise row_problem(column, "records.is_empty")
    if len(value) > MAX_TEXT:
        raise row_problem(column, "records.too_long", length=len(value), limit=MAX_TEXT)
    if "\x00" in value:
        raise row_problem(column, "records.nul_character")
    return value


def parse_timestamp(value: str, column: str = "recorded_at") -> str:
    """Accept ISO 8601 with a time zone and return it normalised to UTC."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})", value):
        if not value:
            raise row_problem(column, "records.is_empty")
        raise row_problem(column, "records.not_a_timestamp", value=repr(value))
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise row_problem(column, "records.not_a_real_time", value=repr(value)) from None
    try:
        return format_timestamp(moment)
    except OverflowError:  # 9999-12-31T23:59-05:00 is in the year 10000 in UTC
        raise row_problem(column, "records.time_out_of_range", value=repr(value)) from None


def _session_id(row: Mapping[str, str], ctx: Context) -> str:
    if row["session_id"] != ctx.session_id:
        raise row_problem(
            "session_id", "records.other_session", value=repr(row["session_id"]), session=repr(ctx.session_id)
        )
    return ctx.session_id


def _field_id(row: Mapping[str, str], ctx: Context) -> str:
    field_id = _choice(row, "field_id", ctx.catalog.field_ids)
    if field_id not in ctx.fields:
        raise row_problem("field_id", "records.field_not_assessed", field=repr(field_id), fields=", ".join(ctx.fields))
    return field_id


def _other_field(column: str, standard_id: str, actual: str, field_id: str) -> RowProblem:
    """A standard that does not fit the field named in its row."""
    return row_problem(
        column, "records.standard_of_another_field", standard=standard_id, actual=repr(actual), field=repr(field_id)
    )


# --- one parser per table ---------------------------------------------------------------------


def parse_response(row: Mapping[str, str], ctx: Context) -> Response:
    catalog = ctx.catalog
    field_id = _field_id(row, ctx)
    standard_id = row["standard_id"]
    try:
        standard = catalog.standard(standard_id)
    except KeyError:
        raise row_problem("standard_id", "records.unknown_standard", standard=repr(standard_id)) from None
    if standard.field_id != field_id:
        raise _other_field("standard_id", standard_id, standard.field_id, field_id)
    response = _choice(row, "response", catalog.ids("responses"))
    raw_rating = row["rating"]
    rating: int | None = None
    if response == "rated":
        if raw_rating == "":
            raise row_problem("rating", "records.rating_missing")
        if not re.fullmatch(r"[0-9]+", raw_rating.strip()):
            raise row_problem("rating", "records.rating_not_a_number", value=repr(raw_rating))
        rating = int(raw_rating)
        if not 0 <= rating <= len(catalog.ratings) - 1:
            raise row_problem("rating", "records.rating_out_of_range", rating=rating)
    elif raw_rating != "":
        raise row_problem("rating", "records.rating_not_empty", response=repr(response), value=repr(raw_rating))
    version = row["catalog_version"]
    if version != catalog.version:
        raise row_problem(
            "catalog_version", "records.catalog_version", version=repr(version), expected=repr(catalog.version)
        )
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
        raise row_problem("challenge_id", "records.unknown_challenge", challenge=repr(challenge_id)) from None
    if challenge.field_id not in ctx.fields:
        raise row_problem(
            "challenge_id", "records.challenge_not_assessed", challenge=challenge_id, field=repr(challenge.field_id)
        )
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
            raise row_problem("standard_ids", "records.unknown_standard", standard=repr(standard_id)) from None
        if standard.field_id != field_id:
            raise _other_field("standard_ids", standard_id, standard.field_id, field_id)
    due = row["due_date"]
    if due:
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", due):
                raise ValueError
            dt.date.fromisoformat(due)
        except ValueError:
            raise row_problem("due_date", "records.not_a_date", value=repr(due)) from None
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
