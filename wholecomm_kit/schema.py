"""The data contract: a Frictionless Data Package describing a session's CSV files.

The package is generated from the catalogue (its enums are the catalogue's
ids) and committed as ``data/schema/datapackage.json`` so that researchers can
validate sessions with any Frictionless tool; a test keeps the two in step.

:func:`validate_session` reads every file through the store first (so a problem is said in the kit's
words, with file, line and column) and only then asks the Frictionless validator. Should Frictionless
still find a whole file unreadable (empty, another encoding, another separator, a missing file), the
kit's own reading of that file says why; only its notes on single values stay in English.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .catalog import LANGUAGES, Catalog, load_catalog
from .exceptions import InputError, KitError, Problem
from .records import ACTIONS, CHALLENGES, RESPONSES, TABLES, Table
from .resources import data_dir
from .session import SESSION_FILE, load_previous, load_session
from .store import SessionFileError, SessionStore, read_records
from .texts import say

ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"


def schema_path() -> Path:
    return data_dir() / "schema" / "datapackage.json"


def _string(name: str, description: str, *, required: bool = False, **constraints: Any) -> dict[str, Any]:
    field: dict[str, Any] = {"name": name, "type": "string", "description": description}
    if required:
        constraints["required"] = True
    if constraints:
        field["constraints"] = constraints
    return field


def _table_schema(table: Table, catalog: Catalog) -> dict[str, Any]:
    fields_by_name: dict[str, dict[str, Any]] = {
        "session_id": _string(
            "session_id", "Id of the session (its folder name).", required=True, pattern="[a-z0-9][a-z0-9-]*"
        ),
        "respondent_id": _string(
            "respondent_id",
            "Pseudonymous respondent (or breakout group) id; never a name.",
            required=True,
            pattern=ID_PATTERN,
        ),
        "stakeholder_group": _string(
            "stakeholder_group",
            "Stakeholder group of the respondent.",
            required=True,
            enum=list(catalog.ids("stakeholder_groups")),
        ),
        "field_id": _string("field_id", "Field of action.", required=True, enum=list(catalog.field_ids)),
        "standard_id": _string(
            "standard_id", "Standard of the toolbox catalogue.", required=True, enum=[s.id for s in catalog.standards]
        ),
        "rating": {
            "name": "rating",
            "type": "integer",
            "description": (
                "0 not in place, 1 first steps, 2 partly in place, 3 fully in place; empty unless response is 'rated'."
            ),
            "constraints": {"minimum": 0, "maximum": len(catalog.ratings) - 1},
        },
        "response": _string(
            "response", "rated, dont_know or not_applicable.", required=True, enum=list(catalog.ids("responses"))
        ),
        "priority": _string(
            "priority", "Priority the respondent gives the standard, or empty.", enum=list(catalog.ids("priorities"))
        ),
        "comment": _string(
            "comment", "Free-text comment (may contain commas, quotes and line breaks).", maxLength=5000
        ),
        "recorded_at": {
            "name": "recorded_at",
            "type": "datetime",
            "description": "When the event was recorded, ISO 8601 in UTC. The latest event per key is the current one.",
            "constraints": {"required": True},
        },
        "language": _string("language", "Language the respondent answered in.", required=True, enum=list(LANGUAGES)),
        "catalog_version": _string(
            "catalog_version", "Version of the catalogue the answer refers to.", required=True, enum=[catalog.version]
        ),
        "challenge_id": _string(
            "challenge_id",
            "Key challenge of the toolbox catalogue.",
            required=True,
            enum=[c.id for c in catalog.challenges],
        ),
        "applies": _string(
            "applies", "Whether the challenge applies here.", required=True, enum=list(catalog.ids("challenge_answers"))
        ),
        "action_id": _string(
            "action_id",
            "Id of the action; every edit is a new row with the same id.",
            required=True,
            pattern=ID_PATTERN,
        ),
        "standard_ids": _string(
            "standard_ids",
            "Standards the action addresses, separated by spaces.",
            pattern=r"([A-Z]{3}-\d+-\d+( [A-Z]{3}-\d+-\d+)*)?",
        ),
        "action": _string("action", "What the group agreed to do.", required=True, maxLength=5000),
        "responsible": _string("responsible", "Who is responsible (a role or organisation).", maxLength=5000),
        "due_date": {"name": "due_date", "type": "date", "description": "Due date, YYYY-MM-DD, or empty."},
        "status": _string(
            "status",
            "Status; 'removed' takes the action off the plan.",
            required=True,
            enum=list(catalog.ids("action_statuses")),
        ),
    }
    return {"fields": [fields_by_name[c] for c in table.columns], "missingValues": [""]}


_DESCRIPTIONS = {
    "responses": (
        "One row per answer event of a respondent to a standard. A respondent's current answer is their latest row."
    ),
    "challenges": "One row per answer event on whether a key challenge applies in the municipality.",
    "actions": "The action plan as an event log: each edit or removal of an action is a new row.",
}


def build_datapackage(catalog: Catalog | None = None) -> dict[str, Any]:
    catalog = catalog or load_catalog()
    return {
        "profile": "tabular-data-package",
        "name": "wholecomm-session",
        "title": "Whole-COMM workshop session",
        "description": (
            "The answers of one Whole-COMM workshop session. session.json beside the CSV files names the "
            "municipality, date, assessed fields and catalogue version."
        ),
        "version": catalog.version,
        "licenses": [{"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0"}],
        "resources": [
            {
                "name": table.name,
                "path": table.filename,
                "profile": "tabular-data-resource",
                "format": "csv",
                "encoding": "utf-8",
                "mediatype": "text/csv",
                "description": _DESCRIPTIONS[table.name],
                "dialect": {
                    "delimiter": ",",
                    "lineTerminator": "\r\n",
                    "quoteChar": '"',
                    "doubleQuote": True,
                    "header": True,
                },
                "schema": _table_schema(table, catalog),
            }
            for table in (RESPONSES, CHALLENGES, ACTIONS)
        ],
    }


def datapackage_json(catalog: Catalog | None = None) -> str:
    return json.dumps(build_datapackage(catalog), ensure_ascii=False, indent=2) + "\n"


def validate_session(path: Path) -> list[Problem]:
    """Every problem in the CSV files of a session, against the catalogue and the data contract.

    A folder that is not a readable session at all raises :class:`SessionError` instead.
    """
    session = load_session(path)
    store = SessionStore.open(session)
    problems: list[Problem] = []
    for table in TABLES:
        file = store.path(table)
        problems.extend(_store_problems(store, table))
        damaged = Path(f"{file}.damaged")
        if damaged.exists():
            problems.append(Problem(damaged, None, None, say("schema.damaged")))
    if session.catalog_version != store.catalog.version:
        reason = say("schema.other_catalogue", version=repr(session.catalog_version), kit=repr(store.catalog.version))
        problems.append(Problem(session.path / SESSION_FILE, None, "catalog_version", reason))
    try:
        load_previous(session)
    except KitError as exc:  # report would refuse it: say so now, not at the end of the workshop
        problems.append(Problem(session.path / SESSION_FILE, None, None, str(exc), placed=True))
    if not problems:
        problems.extend(_frictionless_problems(store))
    return problems


def _store_problems(store: SessionStore, table: Table) -> list[Problem]:
    """What the kit's own reading of one of the session's files finds wrong with it (a torn last row is moved)."""
    file = store.path(table)
    try:
        read_records(file, table, store.context)
    except SessionFileError as exc:
        return [exc.problem]
    except InputError as exc:
        return list(exc.problems)
    except KitError as exc:  # its message names the file already
        return [Problem(file, None, None, str(exc), placed=True)]
    return []


def _frictionless_problems(store: SessionStore) -> list[Problem]:
    from frictionless import Package  # imported here: it adds a second to start-up

    folder = store.session.path
    tables = {table.name: table for table in TABLES}
    report = Package(build_datapackage(store.catalog), basepath=str(folder)).validate()
    problems = []
    for task in report.tasks:
        table = tables.get(str(task.name))
        file = store.path(table) if table is not None else folder
        whole_file_said = False
        for error in task.errors:
            row = getattr(error, "row_number", None)
            if row is None and table is not None:
                # The file as a whole (empty, encoding, separator, header): the kit's words, said once.
                if not whole_file_said:
                    problems.extend(_store_problems(store, table) or [_whole_file_problem(error, file, table)])
                    whole_file_said = True
                continue
            # Frictionless's own note on a value stays in English; the kit's framing follows the interface language.
            reason = say("schema.row", row=row, message=error.message) if row else str(error.message)
            problems.append(Problem(file, None, getattr(error, "field_name", None), reason))
    problems.extend(Problem(folder, None, None, str(error.message)) for error in report.errors)
    return problems


def _whole_file_problem(error: Any, file: Path, table: Table) -> Problem:
    """A Frictionless complaint about a whole file that the kit's own reading did not share (the file changed in
    between, say), in the kit's words: Frictionless's own are English and name no place."""
    kind = str(getattr(error, "type", ""))
    note = str(getattr(error, "note", "") or getattr(error, "message", ""))
    if kind == "scheme-error" and not file.exists():
        return Problem(file, None, None, say("store.file_missing"))
    if kind == "source-error" and "empty" in note:
        return Problem(file, 1, None, say("store.no_header", header=",".join(table.columns)))
    if kind == "encoding-error":
        return Problem(file, None, None, say("schema.not_utf8"))
    if kind.endswith(("-label", "-header")):
        return Problem(file, 1, None, say("store.header_exactly", columns=", ".join(table.columns)))
    return Problem(file, None, None, say("schema.unreadable", note=note))
