"""Workshop sessions: creating, loading, refusing bad input without writing anything, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from wholecomm_kit.catalog import Catalog, load_catalog
from wholecomm_kit.cli import cli
from wholecomm_kit.exceptions import KitError, SessionError
from wholecomm_kit.records import TABLES
from wholecomm_kit.session import Session, check_municipality, create_session, load_previous, load_session

NOW = dt.datetime(2025, 3, 14, 9, 30, 15, 123456, tzinfo=dt.UTC)
RESPONSES_HEADER = (
    "session_id,respondent_id,stakeholder_group,field_id,standard_id,rating,response,priority,comment,"
    "recorded_at,language,catalog_version\r\n"
)
GOOD: dict[str, Any] = {
    "municipality": "Groß Köris",
    "country": "de",
    "size": "rural",
    "date": "2025-03-14",
    "fields": "housing,governance",
    "language": "de",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def workshops(tmp_path: Path) -> Path:
    """The folder that holds the sessions; not created yet."""
    return tmp_path / "workshops"


def _new(directory: Path, **overrides: Any) -> Session:
    return create_session(**{**GOOD, "directory": directory, "now": NOW, **overrides})


# --------------------------------------------------------------------------- create and load


def test_create_session_writes_the_folder(workshops: Path) -> None:
    session = _new(workshops)
    folder = workshops.resolve() / "de-gross-koeris-2025-03-14"
    assert session.path == folder
    assert session.session_id == "de-gross-koeris-2025-03-14"
    expected = ["actions.csv", "challenges.csv", "responses.csv", "session.json"]
    assert sorted(p.name for p in folder.iterdir()) == expected
    assert [p.name for p in workshops.iterdir()] == [folder.name]


def test_the_csv_files_hold_only_their_header(workshops: Path) -> None:
    session = _new(workshops)
    assert (session.path / "responses.csv").read_bytes().decode("utf-8") == RESPONSES_HEADER
    for table in TABLES:
        data = (session.path / table.filename).read_bytes()
        assert data == (",".join(table.columns) + "\r\n").encode("utf-8")
    assert {t.filename for t in TABLES} == {"responses.csv", "challenges.csv", "actions.csv"}


def test_session_fields_are_normalised(workshops: Path, catalog: Catalog) -> None:
    session = _new(workshops, municipality="  Groß Köris  ")
    assert session == Session(
        path=workshops.resolve() / "de-gross-koeris-2025-03-14",
        session_id="de-gross-koeris-2025-03-14",
        municipality="Groß Köris",
        country="DE",
        size="rural",
        date=dt.date(2025, 3, 14),
        fields=("governance", "housing"),  # catalogue order, not the order given
        language="de",
        catalog_version=catalog.version,
        created_at="2025-03-14T09:30:15Z",
        previous=None,
        demo=False,
    )


def test_session_json_contents(workshops: Path) -> None:
    session = _new(workshops)
    data = json.loads((session.path / "session.json").read_text(encoding="utf-8"))
    assert data == {
        "format_version": 1,
        "session_id": "de-gross-koeris-2025-03-14",
        "municipality": "Groß Köris",
        "country": "DE",
        "size": "rural",
        "date": "2025-03-14",
        "fields": ["governance", "housing"],
        "language": "de",
        "catalog_version": "2024.1-kit.1",
        "created_at": "2025-03-14T09:30:15Z",
        "previous": None,
        "demo": False,
    }
    assert "Groß Köris" in (session.path / "session.json").read_text(encoding="utf-8")
    assert not [p for p in session.path.iterdir() if p.name.endswith(".tmp")]


def test_all_fields_and_other_options(workshops: Path, catalog: Catalog) -> None:
    session = _new(
        workshops,
        municipality="St. Pölten",
        country="AT",
        size="medium_town",
        date=dt.date(2024, 2, 29),
        fields="all",
        language="en",
        demo=True,
    )
    assert session.session_id == "at-st-poelten-2024-02-29"
    assert session.fields == catalog.field_ids
    assert session.language == "en"
    assert session.demo is True
    assert load_session(session.path) == session


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"fields": "all", "language": "en", "size": "medium_town"},
        {"fields": ["health", "employment"], "demo": True, "country": " se "},
        {"municipality": "東京", "country": "JP"},
    ],
)
def test_load_session_round_trips_every_field(workshops: Path, overrides: dict[str, Any]) -> None:
    session = _new(workshops, **overrides)
    loaded = load_session(session.path)
    assert loaded == session
    for name in Session.__dataclass_fields__:
        assert getattr(loaded, name) == getattr(session, name), name
    assert loaded.to_json() == session.to_json()


def test_load_session_accepts_a_string_and_a_relative_path(workshops: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = _new(workshops)
    assert load_session(str(session.path)) == session
    monkeypatch.chdir(workshops)
    assert load_session(Path(session.session_id)) == session


def test_a_name_without_letters_gets_a_generic_folder(workshops: Path) -> None:
    session = _new(workshops, municipality="東京", country="jp")
    assert session.session_id == "jp-session-2025-03-14"
    assert session.municipality == "東京"


def test_same_name_and_date_gets_a_numbered_folder(workshops: Path) -> None:
    first = _new(workshops)
    second = _new(workshops, municipality="GROSS KÖRIS")
    third = _new(workshops)
    assert first.session_id == "de-gross-koeris-2025-03-14"
    assert second.session_id == "de-gross-koeris-2025-03-14-2"
    assert third.session_id == "de-gross-koeris-2025-03-14-3"
    assert second.path == workshops.resolve() / "de-gross-koeris-2025-03-14-2"
    assert load_session(second.path).session_id == second.session_id
    # the first session is untouched
    assert load_session(first.path) == first


def test_another_date_gets_its_own_folder(workshops: Path) -> None:
    first = _new(workshops)
    later = _new(workshops, date="2025-09-01")
    assert later.session_id == "de-gross-koeris-2025-09-01"
    assert first.path != later.path


# --------------------------------------------------------------------------- previous sessions


def test_previous_is_stored_as_a_relative_link(workshops: Path) -> None:
    first = _new(workshops)
    second = _new(workshops, date="2025-09-01", previous=first.path)
    assert second.previous == first.path
    data = json.loads((second.path / "session.json").read_text(encoding="utf-8"))
    assert data["previous"] == "../de-gross-koeris-2025-03-14"
    loaded = load_session(second.path)
    assert loaded.previous == first.path
    assert load_session(loaded.previous) == first


def test_the_link_survives_moving_the_workshops_folder(workshops: Path, tmp_path: Path) -> None:
    first = _new(workshops)
    second = _new(workshops, date="2025-09-01", previous=first.path)
    moved = tmp_path / "archive" / "2025"
    shutil.move(workshops, moved)
    loaded = load_session(moved / second.session_id)
    assert loaded.previous == (moved / first.session_id).resolve()
    assert load_session(loaded.previous).session_id == first.session_id


def test_previous_in_another_folder(tmp_path: Path) -> None:
    first = _new(tmp_path / "2024")
    second = _new(tmp_path / "2025", date="2025-09-01", previous=first.path)
    data = json.loads((second.path / "session.json").read_text(encoding="utf-8"))
    assert data["previous"] == "../../2024/de-gross-koeris-2025-03-14"
    assert load_session(second.path).previous == first.path


def test_previous_of_the_same_municipality_in_other_case(workshops: Path) -> None:
    first = _new(workshops, municipality="Musterstadt")
    second = _new(workshops, municipality="MUSTERSTADT", date="2025-09-01", previous=first.path)
    assert second.previous == first.path


def test_a_workshop_date_up_to_three_years_ahead_is_fine(workshops: Path) -> None:
    assert _new(workshops, date="2028-03-14").date == dt.date(2028, 3, 14)  # NOW is 2025-03-14
    late = dt.datetime(2024, 5, 30, tzinfo=dt.UTC)
    assert _new(workshops, date="2027-05-30", now=late).date == dt.date(2027, 5, 30)  # not cut at day 28
    leap = dt.datetime(2024, 2, 29, tzinfo=dt.UTC)
    assert _new(workshops, date="2027-02-28", now=leap).date == dt.date(2027, 2, 28)
    with pytest.raises(SessionError, match="looks like a typing mistake"):
        _new(workshops, date="2028-03-15")


@pytest.mark.parametrize("date", ["0025-05-20", "1999-12-31", "2205-05-20"])
def test_an_implausible_workshop_date_is_a_typing_mistake(workshops: Path, date: str) -> None:
    with pytest.raises(SessionError, match=f"The date {date} looks like a typing mistake"):
        _new(workshops, date=date)
    assert not workshops.exists() or not any(workshops.iterdir())


def test_previous_of_the_same_name_in_another_country_is_refused(workshops: Path, tmp_path: Path) -> None:
    first = _new(workshops, municipality="Neustadt", country="AT")
    with pytest.raises(SessionError) as info:
        _new(tmp_path / "other", municipality="Neustadt", country="DE", previous=first.path)
    assert "'Neustadt (AT)'" in str(info.value)
    assert "'Neustadt (DE)'" in str(info.value)
    assert not (tmp_path / "other").exists()


def test_previous_with_other_spacing_in_its_name_is_the_same_municipality(workshops: Path) -> None:
    first = _new(workshops, municipality="Groß Köris")
    data = json.loads((first.path / "session.json").read_text(encoding="utf-8"))
    data["municipality"] = " groß   KÖRIS "  # edited by hand
    (first.path / "session.json").write_text(json.dumps(data), encoding="utf-8")
    second = _new(workshops, municipality="Groß Köris", date="2025-09-01", previous=first.path)
    assert load_previous(second) is not None


def test_previous_of_another_municipality_is_refused(workshops: Path, tmp_path: Path) -> None:
    first = _new(workshops, municipality="Musterstadt")
    before = sorted(p.name for p in workshops.iterdir())
    target = tmp_path / "other"
    with pytest.raises(SessionError) as info:
        _new(target, municipality="Beispieldorf", previous=first.path)
    message = str(info.value)
    assert "Musterstadt" in message
    assert "Beispieldorf" in message
    assert "same municipality" in message
    assert not target.exists()
    with pytest.raises(SessionError):
        _new(workshops, municipality="Beispieldorf", previous=first.path)
    assert sorted(p.name for p in workshops.iterdir()) == before


def test_previous_that_is_not_a_session_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "workshops"
    with pytest.raises(SessionError, match="no such session folder"):
        _new(target, previous=tmp_path / "nowhere")
    assert not target.exists()


def test_previous_must_be_an_earlier_assessment(workshops: Path) -> None:
    later = _new(workshops, date="2025-09-01")
    with pytest.raises(SessionError, match=r"dated 2025-09-01, not before this session \(2025-03-14\)"):
        _new(workshops, previous=later.path)


def test_a_session_is_not_its_own_previous(workshops: Path) -> None:
    first = _new(workshops)
    with pytest.raises(SessionError, match="is this session itself"):
        load_previous(first, first.path)


def test_a_session_copied_without_its_previous_names_the_missing_folder_and_the_way_out(
    workshops: Path, tmp_path: Path
) -> None:
    first = _new(workshops)
    second = _new(workshops, date="2025-09-01", previous=first.path)
    stick = tmp_path / "usb"
    shutil.copytree(second.path, stick / second.session_id)
    copied = load_session(stick / second.session_id)
    with pytest.raises(SessionError) as info:
        load_previous(copied)
    message = str(info.value)
    assert str(stick / first.session_id) in message
    assert "--previous FOLDER" in message
    assert load_previous(copied, first.path) == first  # named explicitly, it is found


# --------------------------------------------------------------------------- bad arguments write nothing


BAD_ARGUMENTS = [
    pytest.param({"fields": "governance,transport"}, "transport", id="unknown-field"),
    pytest.param({"fields": ""}, "No field of action", id="no-field"),
    pytest.param({"fields": " , "}, "No field of action", id="blank-fields"),
    pytest.param({"fields": "all,housing"}, "Unknown field", id="all-and-more"),
    pytest.param({"size": "metropolis"}, "metropolis", id="unknown-size"),
    pytest.param({"size": "Rural"}, "Rural", id="size-wrong-case"),
    pytest.param({"language": "fr"}, "fr", id="unknown-language"),
    pytest.param({"language": "DE"}, "DE", id="language-wrong-case"),
    pytest.param({"date": "2025-02-30"}, "does not exist", id="impossible-date"),
    pytest.param({"date": "2025-13-01"}, "does not exist", id="impossible-month"),
    pytest.param({"date": "14.03.2025"}, "YYYY-MM-DD", id="german-date"),
    pytest.param({"date": "2025-3-14"}, "YYYY-MM-DD", id="short-date"),
    pytest.param({"date": "2025-03-14T10:00"}, "YYYY-MM-DD", id="datetime"),
    pytest.param({"date": ""}, "YYYY-MM-DD", id="empty-date"),
    pytest.param({"municipality": ""}, "empty", id="empty-municipality"),
    pytest.param({"municipality": "   "}, "empty", id="blank-municipality"),
    pytest.param({"municipality": ".."}, "..", id="dotdot"),
    pytest.param({"municipality": "../evil"}, "..", id="dotdot-slash"),
    pytest.param({"municipality": "Foo..Bar"}, "..", id="dotdot-inside"),
    pytest.param({"municipality": "Foo\\Bar"}, "\\", id="backslash"),
    pytest.param({"municipality": "Foo\nBar"}, "invisible formatting characters", id="newline"),
    pytest.param({"municipality": "Foo\x00"}, "invisible formatting characters", id="nul"),
    pytest.param({"municipality": "Foo\tBar"}, "invisible formatting characters", id="tab"),
    pytest.param({"municipality": "Foo\u2028Bar"}, "invisible formatting characters", id="line-separator"),
    pytest.param({"municipality": "Foo\u200bBar"}, "invisible formatting characters", id="zero-width-space"),
    pytest.param({"municipality": "x" * 121}, "120", id="too-long"),
    pytest.param({"country": "DEU"}, "DEU", id="three-letter-country"),
    pytest.param({"country": "D"}, "two-letter", id="one-letter-country"),
    pytest.param({"country": ""}, "two-letter", id="empty-country"),
    pytest.param({"country": "D1"}, "D1", id="digit-in-country"),
    pytest.param({"country": "Ö"}, "two-letter", id="non-ascii-country"),
]


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("Bolzano/Bozen", "it-bolzano-bozen-2025-03-14"),
        ("/etc", "it-etc-2025-03-14"),
        ("Regenbogen\U0001f3f3\ufe0f\u200d\U0001f308dorf", "it-regenbogendorf-2025-03-14"),
        ("\u0645\u06cc\u200c\u0634\u0648\u062f", "it-session-2025-03-14"),  # Persian with a zero-width non-joiner
    ],
)
def test_real_names_with_a_slash_or_joiners_are_taken_and_stay_inside_the_folder(
    workshops: Path, name: str, folder: str
) -> None:
    session = _new(workshops, municipality=name, country="IT")
    assert session.municipality == name
    assert session.path == (workshops / folder).resolve()


@pytest.mark.parametrize(("overrides", "expected"), BAD_ARGUMENTS)
def test_bad_arguments_raise_and_write_nothing(workshops: Path, overrides: dict[str, Any], expected: str) -> None:
    with pytest.raises(SessionError) as info:
        _new(workshops, **overrides)
    assert expected in str(info.value)
    assert isinstance(info.value, KitError)
    assert not workshops.exists()


def test_a_bad_argument_leaves_an_existing_folder_untouched(workshops: Path) -> None:
    existing = _new(workshops)
    before = {p.relative_to(workshops): p.read_bytes() for p in workshops.rglob("*") if p.is_file()}
    for overrides, _ in (p.values for p in BAD_ARGUMENTS):
        assert isinstance(overrides, dict)
        with pytest.raises(SessionError):
            _new(workshops, **overrides)
    after = {p.relative_to(workshops): p.read_bytes() for p in workshops.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in workshops.iterdir()] == [existing.session_id]


def test_a_file_in_place_of_the_workshops_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "workshops"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(SessionError, match="not a folder"):
        _new(blocker)
    assert blocker.read_text(encoding="utf-8") == "not a folder"


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=40))
def test_any_municipality_name_is_refused_or_stays_inside_the_folder(name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "workshops"
        try:
            session = _new(directory, municipality=name)
        except SessionError:
            assert not directory.exists()
            return
        assert session.path.parent == directory.resolve()
        assert session.municipality == name.strip()
        assert load_session(session.path) == session


def _acceptable(name: str) -> bool:
    cleaned = name.strip()
    return (
        bool(cleaned)
        and len(cleaned) <= 120
        and not any(bad in cleaned for bad in ("\\", ".."))
        and not any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch not in "\u200c\u200d" for ch in cleaned)
    )


@given(st.one_of(st.text(), st.sampled_from(["Foo/Bar", "a\\b", "..", " x\ny ", " Musterstadt ", "x" * 121])))
def test_check_municipality_refuses_exactly_the_unsafe_names(name: str) -> None:
    if _acceptable(name):
        assert check_municipality(name) == name.strip()
    else:
        with pytest.raises(SessionError):
            check_municipality(name)


# --------------------------------------------------------------------------- load_session errors


@pytest.fixture
def saved(workshops: Path) -> Session:
    return _new(workshops)


def _rewrite(session: Session, **changes: Any) -> None:
    file = session.path / "session.json"
    data = json.loads(file.read_text(encoding="utf-8"))
    data.update(changes)
    file.write_text(json.dumps(data), encoding="utf-8")


def _load_error(path: Path) -> str:
    with pytest.raises(SessionError) as info:
        load_session(path)
    return str(info.value)


def test_load_missing_folder(tmp_path: Path) -> None:
    message = _load_error(tmp_path / "nowhere")
    assert str(tmp_path / "nowhere") in message
    assert "no such session folder" in message
    assert not (tmp_path / "nowhere").exists()


def test_load_a_file_instead_of_a_folder(saved: Session) -> None:
    message = _load_error(saved.path / "session.json")
    assert "is a file, not a session folder" in message


def test_load_a_folder_without_session_json(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    message = _load_error(tmp_path / "empty")
    assert "no session.json" in message
    assert "new-session" in message


def test_load_broken_json_names_line_and_column(saved: Session) -> None:
    file = saved.path / "session.json"
    file.write_text('{\n  "format_version": 1,\n  oops\n}\n', encoding="utf-8")
    message = _load_error(saved.path)
    assert str(file) in message
    assert "line 3, column 3" in message
    assert "broken JSON" in message


def test_a_json_mistake_is_explained_in_the_interface_language(saved: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    (saved.path / "session.json").write_text('{"format_version": 1,}', encoding="utf-8")
    assert "is there an extra comma before this point?" in _load_error(saved.path)
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    assert "überzähliges Komma" in _load_error(saved.path)


def test_a_byte_order_mark_from_notepad_is_fine(saved: Session) -> None:
    file = saved.path / "session.json"
    file.write_bytes(b"\xef\xbb\xbf" + file.read_bytes())
    assert load_session(saved.path) == saved


def test_an_entry_written_twice_is_refused_not_silently_resolved(saved: Session) -> None:
    file = saved.path / "session.json"
    file.write_text(file.read_text(encoding="utf-8").replace("{", '{"language": "en",', 1), encoding="utf-8")
    assert "'language' is there twice" in _load_error(saved.path)


@pytest.mark.parametrize("content", ["[" * 100_000, '{"format_version": 1' + "0" * 5000 + "}"])
def test_absurd_json_is_a_clear_error(saved: Session, content: str) -> None:
    (saved.path / "session.json").write_text(content, encoding="utf-8")
    assert "not a readable session description" in _load_error(saved.path)


def test_a_creation_time_that_is_no_time_is_refused(saved: Session) -> None:
    file = saved.path / "session.json"
    data = json.loads(file.read_text(encoding="utf-8"))
    file.write_text(json.dumps({**data, "created_at": "garbage"}), encoding="utf-8")
    assert "'garbage' is not a time" in _load_error(saved.path)


def test_load_truncated_json(saved: Session) -> None:
    file = saved.path / "session.json"
    text = file.read_text(encoding="utf-8")
    file.write_text(text[: len(text) // 2], encoding="utf-8")
    message = _load_error(saved.path)
    assert "broken JSON" in message
    assert "line " in message
    assert "column " in message


def test_load_json_that_is_not_utf8(saved: Session) -> None:
    (saved.path / "session.json").write_bytes(b'{"municipality": "Gro\xdf K\xf6ris"}')
    assert "not UTF-8" in _load_error(saved.path)


@pytest.mark.parametrize("content", ["[]", "null", '"session"', "42"])
def test_load_json_that_is_not_an_object(saved: Session, content: str) -> None:
    (saved.path / "session.json").write_text(content, encoding="utf-8")
    assert "expected a JSON object" in _load_error(saved.path)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("format_version", "1", "expected a whole number, found a text in quotes"),
        ("format_version", 1.0, "expected a whole number, found a decimal number"),
        ("format_version", 2, "not supported"),
        ("session_id", 7, "expected a text in quotes, found a whole number"),
        ("session_id", "../x", "session_id"),
        ("session_id", "DE-Foo", "session_id"),
        ("municipality", 5, "wrong kind of value"),
        ("municipality", None, "found null"),
        ("municipality", "a\\\\b", "municipality"),
        ("municipality", "", "empty"),
        ("country", ["DE"], "found a list in [ ]"),
        ("country", "de", "two-letter"),
        ("size", 1, "wrong kind of value"),
        ("size", "metropolis", "metropolis"),
        ("date", 20250314, "wrong kind of value"),
        ("date", "2025-02-30", "does not exist"),
        ("date", "14.03.2025", "YYYY-MM-DD"),
        ("fields", "governance", "expected a list in [ ], found a text in quotes"),
        ("fields", [], "No field"),
        ("fields", ["transport"], "transport"),
        ("language", "fr", "fr"),
        ("language", False, "found true or false"),
        ("catalog_version", None, "found null"),
        ("created_at", 5, "wrong kind of value"),
        ("previous", 5, "expected a text in quotes / null, found a whole number"),
        ("previous", ["../x"], "wrong kind of value"),
        pytest.param(
            "fields",
            [1],
            "list of field ids",
            id="fields-non-text-entry",
        ),
        pytest.param(
            "demo",
            "false",
            "expected true or false, found a text in quotes",
            id="demo-as-text",
        ),
        pytest.param(
            "format_version",
            True,
            "expected a whole number, found true or false",
            id="format-version-bool",
        ),
    ],
)
def test_load_wrong_types_and_values(saved: Session, key: str, value: Any, expected: str) -> None:
    _rewrite(saved, **{key: value})
    message = _load_error(saved.path)
    assert str(saved.path / "session.json") in message
    assert expected in message


@pytest.mark.parametrize("key", ["format_version", "session_id", "municipality", "fields", "date"])
def test_load_missing_key(saved: Session, key: str) -> None:
    file = saved.path / "session.json"
    data = json.loads(file.read_text(encoding="utf-8"))
    del data[key]
    file.write_text(json.dumps(data), encoding="utf-8")
    message = _load_error(saved.path)
    assert f"the key {key!r} is missing" in message


def test_without_a_previous_entry_there_is_no_previous_session(saved: Session) -> None:
    """The advice for a session moved without its predecessor is to delete the entry: that must work."""
    file = saved.path / "session.json"
    data = json.loads(file.read_text(encoding="utf-8"))
    del data["previous"]
    file.write_text(json.dumps(data), encoding="utf-8")
    assert load_session(saved.path).previous is None


def test_load_without_demo_key_means_not_a_demo(saved: Session) -> None:
    file = saved.path / "session.json"
    data = json.loads(file.read_text(encoding="utf-8"))
    del data["demo"]
    file.write_text(json.dumps(data), encoding="utf-8")
    assert load_session(saved.path).demo is False


# --------------------------------------------------------------------------- the CLI


def _cli_args(directory: Path, **overrides: str) -> list[str]:
    options = {
        "--municipality": "Groß Köris",
        "--country": "DE",
        "--size": "rural",
        "--date": "2025-03-14",
        "--fields": "governance,housing",
        "--dir": str(directory),
        **overrides,
    }
    return ["new-session", *(x for pair in options.items() for x in pair)]


def test_cli_new_session(workshops: Path) -> None:
    result = CliRunner().invoke(cli, _cli_args(workshops, **{"--lang": "en"}))
    assert result.exit_code == 0, result.output
    folder = workshops.resolve() / "de-gross-koeris-2025-03-14"
    assert result.stdout == f"{folder}\n"
    assert result.stderr == ""
    session = load_session(folder)
    assert session.fields == ("governance", "housing")
    assert session.language == "en"
    assert session.municipality == "Groß Köris"


def test_cli_new_session_default_language_and_previous(workshops: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(cli, _cli_args(workshops))
    assert first.exit_code == 0, first.output
    second = runner.invoke(cli, _cli_args(workshops, **{"--date": "2025-09-01", "--previous": first.stdout.strip()}))
    assert second.exit_code == 0, second.output
    session = load_session(Path(second.stdout.strip()))
    assert session.language == "de"
    assert session.previous == Path(first.stdout.strip())


@pytest.mark.parametrize(
    ("overrides", "expected", "code"),
    [
        ({"--date": "2025-02-30"}, "does not exist", 1),
        ({"--date": "14.03.2025"}, "YYYY-MM-DD", 1),
        ({"--fields": "transport"}, "transport", 1),
        ({"--municipality": "../evil"}, "..", 1),
        ({"--municipality": "Foo\nBar"}, "invisible formatting characters", 1),
        ({"--municipality": ""}, "empty", 1),
        ({"--country": "DEU"}, "DEU", 1),
        ({"--previous": "/nonexistent/session"}, "no such session folder", 1),
        ({"--size": "metropolis"}, "metropolis", 2),
        ({"--lang": "fr"}, "fr", 2),
    ],
)
def test_cli_new_session_bad_input(workshops: Path, overrides: dict[str, str], expected: str, code: int) -> None:
    result = CliRunner().invoke(cli, _cli_args(workshops, **overrides))
    assert result.exit_code == code
    assert result.stdout == ""
    assert result.stderr.startswith("Error") or "\nError: " in result.stderr
    assert "Error:" in result.stderr
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert isinstance(result.exception, SystemExit)
    assert not workshops.exists()


def test_cli_new_session_missing_option(workshops: Path) -> None:
    args = _cli_args(workshops)
    del args[args.index("--fields") : args.index("--fields") + 2]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "Error: Missing option '--fields'" in result.stderr
    assert not workshops.exists()


# --------------------------------------------------------------------------- in German


def test_a_missing_session_folder_is_explained_in_german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    assert _load_error(tmp_path / "nirgends") == f"{tmp_path / 'nirgends'}: Diesen Sitzungsordner gibt es nicht."
    (tmp_path / "leer").mkdir()
    assert _load_error(tmp_path / "leer") == (
        f"{tmp_path / 'leer'}: Das ist kein Sitzungsordner (es gibt darin keine session.json). "
        "Legen Sie einen mit 'wholecomm-kit new-session' an."
    )


def test_bad_arguments_are_explained_in_german(workshops: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    with pytest.raises(SessionError) as info:
        _new(workshops, date="12.06.2025")
    assert str(info.value) == (
        "Das Datum '12.06.2025' hat nicht die Form Jahr-Monat-Tag (JJJJ-MM-TT), z. B. 2025-03-14."
    )
    with pytest.raises(SessionError, match=r"^Unbekannte\(s\) Handlungsfeld\(er\): wohnen\. Nehmen Sie"):
        _new(workshops, fields="wohnen")
    assert not workshops.exists()


def test_a_broken_session_file_is_explained_in_german(saved: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    file = saved.path / "session.json"
    file.write_text('{\n  "format_version": 1,\n  oops\n}\n', encoding="utf-8")
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    assert _load_error(saved.path).startswith(f"{file}, Zeile 3, Spalte 3: fehlerhaftes JSON: ")
