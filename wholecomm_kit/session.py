"""Workshop sessions: one folder per workshop, described by ``session.json``.

A session fixes what a workshop assesses (municipality, fields, language,
catalogue version) so that every answer recorded later can be checked against
it. Creating a session validates everything first and writes nothing on error.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalog import LANGUAGES, Catalog, load_catalog
from .exceptions import SessionError
from .records import TABLES
from .store import create_empty_table
from .texts import os_reason, reworded, say

SESSION_FILE = "session.json"
FORMAT_VERSION = 1
MAX_MUNICIPALITY = 120
MAX_SAME_NAME = 999
"""Sessions of one municipality and date in one workshops folder: ``base``, ``base-2`` … ``base-999``."""
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


@dataclass(frozen=True)
class Session:
    """A workshop as stored in its folder."""

    path: Path
    session_id: str
    municipality: str
    country: str
    size: str
    date: dt.date
    fields: tuple[str, ...]
    language: str
    catalog_version: str
    created_at: str
    previous: Path | None = None
    demo: bool = False

    def to_json(self) -> dict[str, Any]:
        previous = None
        if self.previous is not None:
            previous = os.path.relpath(self.previous, self.path)
        return {
            "format_version": FORMAT_VERSION,
            "session_id": self.session_id,
            "municipality": self.municipality,
            "country": self.country,
            "size": self.size,
            "date": self.date.isoformat(),
            "fields": list(self.fields),
            "language": self.language,
            "catalog_version": self.catalog_version,
            "created_at": self.created_at,
            "previous": previous,
            "demo": self.demo,
        }


def slugify(text: str) -> str:
    """A lowercase ASCII name for folders: ``Groß Köris`` becomes ``gross-koeris``."""
    composed = unicodedata.normalize("NFC", text)  # text pasted on macOS may hold "o" + combining diaeresis
    ascii_text = unicodedata.normalize("NFKD", composed.translate(_UMLAUTS)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def check_municipality(name: str) -> str:
    """The municipality name, trimmed; refuses names that are empty or could act as paths."""
    cleaned = name.strip()
    if not cleaned:
        raise SessionError(say("session.municipality_empty"))
    # Zero-width (non-)joiners belong to Persian, Indic and emoji spelling; other invisible characters do not.
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch not in "\u200c\u200d" for ch in cleaned):
        raise SessionError(say("session.municipality_control_characters"))
    # The folder name is made from the name's letters and digits only; "Bolzano/Bozen" is a real town.
    if "\\" in cleaned or ".." in cleaned:
        raise SessionError(say("session.municipality_path", name=f"'{cleaned}'"))  # repr() would double "\\"
    if len(cleaned) > MAX_MUNICIPALITY:
        raise SessionError(say("session.municipality_too_long", limit=MAX_MUNICIPALITY))
    return cleaned


EARLIEST_DATE = dt.date(2000, 1, 1)
FUTURE_YEARS = 3
"""A session may be created up to this many years ahead of its workshop."""


def parse_date(text: str) -> dt.date:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
        raise SessionError(say("session.date_form", date=repr(text)))
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise SessionError(say("session.date_not_in_calendar", date=repr(text))) from None


def parse_fields(text: str | list[str] | tuple[str, ...], catalog: Catalog) -> tuple[str, ...]:
    """Field ids in catalogue order; ``all`` means every field."""
    items = [p.strip() for p in text.split(",")] if isinstance(text, str) else [p.strip() for p in text]
    items = [p for p in items if p]
    if items == ["all"]:
        return catalog.field_ids
    if not items:
        raise SessionError(say("session.no_fields", choices=", ".join(catalog.field_ids)))
    unknown = [p for p in items if p not in catalog.field_ids]
    if unknown:
        raise SessionError(
            say("session.unknown_fields", unknown=", ".join(unknown), choices=", ".join(catalog.field_ids))
        )
    return tuple(f for f in catalog.field_ids if f in items)


def create_session(
    *,
    municipality: str,
    country: str,
    size: str,
    date: str | dt.date,
    fields: str | list[str] | tuple[str, ...],
    language: str,
    directory: Path | str = "workshops",
    previous: Path | str | None = None,
    demo: bool = False,
    catalog: Catalog | None = None,
    now: dt.datetime | None = None,
) -> Session:
    """Validate the arguments, then create the session folder with empty CSV files."""
    catalog = catalog or load_catalog()
    municipality = check_municipality(municipality)
    country_code = country.strip().upper()
    if not re.fullmatch(r"[A-Za-z]{2}", country.strip()):
        raise SessionError(say("session.country", country=repr(country)))
    if size not in catalog.ids("sizes"):
        raise SessionError(say("session.unknown_size", size=repr(size), choices=", ".join(catalog.ids("sizes"))))
    if language not in LANGUAGES:
        raise SessionError(say("session.unknown_language", chosen=repr(language), choices=", ".join(LANGUAGES)))
    day = date if isinstance(date, dt.date) else parse_date(date)
    today = (now or dt.datetime.now(dt.UTC)).date()
    latest = (
        dt.date(today.year + FUTURE_YEARS, 3, 1) - dt.timedelta(days=1) if (today.month, today.day) == (2, 29) else None
    )
    if not EARLIEST_DATE <= day <= (latest or today.replace(year=today.year + FUTURE_YEARS)):
        # a typo such as 0025-05-20 or 2205-05-20 would file the workshop far from its neighbours
        raise SessionError(say("session.date_implausible", date=day.isoformat(), years=FUTURE_YEARS))
    chosen = parse_fields(fields, catalog)
    previous_session = load_session(Path(previous)) if previous is not None else None
    if previous_session is not None:
        check_previous(municipality, country_code, day, None, previous_session)

    parent = Path(directory)
    if parent.exists() and not parent.is_dir():
        raise SessionError(say("session.not_a_folder", path=parent))
    base = "-".join(p for p in (country_code.lower(), slugify(municipality) or "session", day.isoformat()) if p)
    created = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        folder, session_id = _claim_folder(parent, base)
    except OSError as exc:
        raise SessionError(say("session.cannot_create", path=parent, reason=os_reason(exc))) from exc

    session = Session(
        path=folder.resolve(),
        session_id=session_id,
        municipality=municipality,
        country=country_code,
        size=size,
        date=day,
        fields=chosen,
        language=language,
        catalog_version=catalog.version,
        created_at=created.isoformat(timespec="seconds").replace("+00:00", "Z"),
        previous=previous_session.path if previous_session else None,
        demo=demo,
    )
    for table in TABLES:
        create_empty_table(session.path / table.filename, table)
    write_json_atomically(session.path / SESSION_FILE, session.to_json())
    return session


def check_previous(municipality: str, country: str, day: dt.date, path: Path | None, previous: Session) -> None:
    """Refuse a session to compare with that is not an earlier session of the same municipality.

    Names are compared without regard to case or spacing ("Neustadt " is "neustadt"); the country must
    match too, since many names (Neustadt, Frankfurt) exist in more than one country.
    """
    if path is not None and previous.path.resolve() == path.resolve():
        raise SessionError(say("session.previous_is_itself", path=previous.path))
    if _same_name(previous.municipality) != _same_name(municipality) or previous.country != country.upper():
        raise SessionError(
            say(
                "session.previous_of_another_municipality",
                path=previous.path,
                previous=repr(f"{previous.municipality} ({previous.country})"),
                municipality=repr(f"{municipality} ({country.upper()})"),
            )
        )
    if previous.date >= day:
        raise SessionError(
            say("session.previous_not_earlier", path=previous.path, previous=previous.date, date=day.isoformat())
        )


def _same_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def load_previous(session: Session, named: Path | str | None = None) -> Session | None:
    """The session to compare with: ``named`` (``--previous``), else the one in ``session.json``; checked."""
    if named is not None:
        previous = load_session(Path(named).resolve())
    elif session.previous is None:
        return None
    elif not session.previous.is_dir():  # moved or copied without it: say where it is looked for and why
        raise SessionError(say("session.previous_gone", file=session.path / SESSION_FILE, path=session.previous))
    else:
        previous = load_session(session.previous)
    check_previous(session.municipality, session.country, session.date, session.path, previous)
    return previous


def _claim_folder(parent: Path, base: str) -> tuple[Path, str]:
    """Create a fresh folder ``base``, ``base-2`` …; mkdir is atomic, so two facilitators never share one."""
    for n in range(1, MAX_SAME_NAME + 1):
        name = base if n == 1 else f"{base}-{n}"
        try:
            (parent / name).mkdir()
        except FileExistsError:
            continue
        return parent / name, name
    raise SessionError(say("session.too_many", count=MAX_SAME_NAME, base=base, path=parent))


def write_json_atomically(path: Path, data: dict[str, Any]) -> None:
    """Write to a temporary file and rename it, so a crash never leaves half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            json.dump(data, stream, ensure_ascii=False, indent=2)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, 0o644)  # like the CSV files beside it (mkstemp makes it private)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _unique_keys(file: Path) -> Callable[[list[tuple[str, Any]]], dict[str, Any]]:
    """A JSON object hook that refuses a key written twice (json would silently keep the last one)."""

    def pairs_to_dict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise SessionError(say("session.key_twice", file=file, name=repr(key)))
            result[key] = value
        return result

    return pairs_to_dict


_JSON_REASONS = {
    "Expecting value": "session.json_value",
    "Expecting property name enclosed in double quotes": "session.json_name",
    "Expecting ',' delimiter": "session.json_comma",
    "Expecting ':' delimiter": "session.json_colon",
    "Unterminated string starting at": "session.json_unterminated",
    "Invalid control character at": "session.json_control",
    "Extra data": "session.json_extra",
    "Invalid \\escape": "session.json_escape",
}
"""Python's JSON errors, which are English, to the kit's words (anything else is quoted as it is)."""


_JSON_KINDS = {str: "text", int: "whole_number", float: "decimal", bool: "true_false", list: "list", dict: "object"}


def _json_kind(kind: type) -> str:
    """What a JSON value of this Python type looks like, in the facilitator's words."""
    return say(f"session.json_kind_{_JSON_KINDS.get(kind, 'null')}")


def _timestamp(text: str) -> str:
    try:
        dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SessionError(say("session.not_a_timestamp", value=repr(text))) from None
    return text


def load_session(path: Path | str, catalog: Catalog | None = None) -> Session:
    """Read a session folder, with errors that say what is wrong where."""
    catalog = catalog or load_catalog()
    folder = Path(path)
    if not folder.exists():
        raise SessionError(say("session.missing", path=folder))
    if not folder.is_dir():
        raise SessionError(say("session.is_a_file", path=folder))
    file = folder / SESSION_FILE
    if not file.exists():
        raise SessionError(say("session.no_session_file", path=folder, file=SESSION_FILE))
    try:
        # utf-8-sig: Windows Notepad starts the file with a byte-order mark
        data = json.loads(file.read_text(encoding="utf-8-sig"), object_pairs_hook=_unique_keys(file))
    except UnicodeDecodeError as exc:
        raise SessionError(say("session.not_utf8", file=file, byte=exc.start + 1)) from exc
    except json.JSONDecodeError as exc:
        reason = reworded(exc.msg, _JSON_REASONS)
        raise SessionError(
            say("session.broken_json", file=file, line=exc.lineno, column=exc.colno, reason=reason)
        ) from exc
    except (RecursionError, ValueError) as exc:  # nested thousands deep, or a number of thousands of digits
        raise SessionError(say("session.not_a_session_file", file=file)) from exc
    except OSError as exc:
        raise SessionError(say("session.unreadable", file=file, reason=os_reason(exc))) from exc
    if not isinstance(data, dict):
        raise SessionError(say("session.not_an_object", file=file))

    def need(key: str, kind: type | tuple[type, ...]) -> Any:
        if key not in data:
            raise SessionError(say("session.key_missing", file=file, name=repr(key)))
        if (isinstance(data[key], bool) and kind is not bool) or not isinstance(data[key], kind):
            expected = " / ".join(_json_kind(k) for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise SessionError(
                say(
                    "session.key_wrong_type",
                    file=file,
                    name=repr(key),
                    expected=expected,
                    found=_json_kind(type(data[key])),
                )
            )
        return data[key]

    def check(key: str, value: Any) -> Any:
        try:
            return value()
        except SessionError as exc:
            raise SessionError(f"{file}: {key}: {exc}") from None

    if need("format_version", int) != FORMAT_VERSION:
        raise SessionError(say("session.format_version", file=file, version=data["format_version"]))
    session_id = need("session_id", str)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,200}", session_id):
        raise SessionError(say("session.session_id", file=file, value=repr(session_id)))
    name = need("municipality", str)
    municipality = check("municipality", lambda: check_municipality(name))
    size = need("size", str)
    if size not in catalog.ids("sizes"):
        raise SessionError(
            say("session.size_in_file", file=file, size=repr(size), choices=", ".join(catalog.ids("sizes")))
        )
    language = need("language", str)
    if language not in LANGUAGES:
        raise SessionError(
            say("session.language_in_file", file=file, chosen=repr(language), choices=", ".join(LANGUAGES))
        )
    field_list = need("fields", list)
    if not all(isinstance(f, str) for f in field_list):
        raise SessionError(say("session.fields_not_texts", file=file))
    fields = check("fields", lambda: parse_fields(field_list, catalog))
    country = need("country", str)
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise SessionError(say("session.country_in_file", file=file, country=repr(country)))
    previous_text = need("previous", (str, type(None))) if "previous" in data else None  # deleting it is fine
    day_text = need("date", str)
    demo = need("demo", bool) if "demo" in data else False
    return Session(
        path=folder.resolve(),
        session_id=session_id,
        municipality=municipality,
        country=country,
        size=size,
        date=check("date", lambda: parse_date(day_text)),
        fields=fields,
        language=language,
        catalog_version=need("catalog_version", str),
        created_at=check("created_at", lambda: _timestamp(need("created_at", str))),
        previous=(folder / previous_text).resolve() if previous_text else None,
        demo=demo,
    )
