"""The data contract: the committed Data Package, and validating session folders against it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wholecomm_kit.catalog import Catalog
from wholecomm_kit.cli import cli
from wholecomm_kit.demo import create_demo
from wholecomm_kit.exceptions import SessionError
from wholecomm_kit.schema import build_datapackage, datapackage_json, schema_path, validate_session
from wholecomm_kit.session import Session

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_demo(tmp_path_factory.mktemp("demo")).path


def test_the_committed_datapackage_is_generated_from_the_catalogue() -> None:
    committed = (REPO / "data" / "schema" / "datapackage.json").read_text(encoding="utf-8")
    assert committed == datapackage_json(), "run 'wholecomm-kit schema --write' and commit the result"
    assert schema_path() == REPO / "data" / "schema" / "datapackage.json"


def test_enums_come_from_the_catalogue(catalog: Catalog) -> None:
    package = build_datapackage(catalog)
    fields = {f["name"]: f for r in package["resources"] for f in r["schema"]["fields"]}
    assert len(fields["standard_id"]["constraints"]["enum"]) == 80
    assert len(fields["challenge_id"]["constraints"]["enum"]) == 30
    assert fields["stakeholder_group"]["constraints"]["enum"] == list(catalog.ids("stakeholder_groups"))
    assert fields["rating"]["constraints"] == {"minimum": 0, "maximum": 3}
    assert [r["path"] for r in package["resources"]] == ["responses.csv", "challenges.csv", "actions.csv"]


def frictionless_validate(demo_dir: Path, tmp_path: Path, *, break_first_row: bool = False) -> dict[str, Any]:
    """Run the real `frictionless validate` on a copy of the demo with the committed datapackage.json beside it."""
    copy = tmp_path / "session"
    shutil.copytree(demo_dir, copy)
    shutil.copy(REPO / "data" / "schema" / "datapackage.json", copy / "datapackage.json")
    if break_first_row:
        responses = copy / "responses.csv"
        lines = responses.read_bytes().split(b"\r\n")
        cells = lines[1].split(b",")
        cells[6] = b"maybe"  # the response column
        lines[1] = b",".join(cells)
        responses.write_bytes(b"\r\n".join(lines))
    result = subprocess.run(
        [str(Path(sys.executable).parent / "frictionless"), "validate", "--json", str(copy / "datapackage.json")],
        capture_output=True,
        text=True,
        check=False,
        cwd=copy,
    )
    report: dict[str, Any] = json.loads(result.stdout)
    return report


@pytest.mark.slow
def test_the_frictionless_validator_accepts_the_demo_session(demo_dir: Path, tmp_path: Path) -> None:
    report = frictionless_validate(demo_dir, tmp_path)
    assert report["valid"] is True, json.dumps(report)[:2000]
    assert {task["name"] for task in report["tasks"]} == {"responses", "challenges", "actions"}
    assert sum(task["stats"]["rows"] for task in report["tasks"]) > 1500


@pytest.mark.slow
def test_the_frictionless_validator_catches_a_broken_row(demo_dir: Path, tmp_path: Path) -> None:
    assert frictionless_validate(demo_dir, tmp_path, break_first_row=True)["valid"] is False


@pytest.mark.slow
def test_validate_accepts_the_demo_and_reports_broken_rows(demo_dir: Path, tmp_path: Path) -> None:
    assert validate_session(demo_dir) == []
    copy = tmp_path / "session"
    shutil.copytree(demo_dir, copy)
    challenges = copy / "challenges.csv"
    lines = challenges.read_bytes().split(b"\r\n")
    cells = lines[3].split(b",")
    cells[4] = b"vielleicht"
    lines[3] = b",".join(cells)
    challenges.write_bytes(b"\r\n".join(lines))
    problems = validate_session(copy)
    assert [(p.file.name, p.line, p.column) for p in problems] == [("challenges.csv", 4, "applies")]


def test_validate_reports_a_missing_file_and_a_damaged_file(session: Session) -> None:
    (session.path / "actions.csv").unlink()
    (session.path / "responses.csv.damaged").write_text("R-1,half a row\n", encoding="utf-8")
    reasons = {(p.file.name, p.reason.split(".")[0]) for p in validate_session(session.path)}
    assert ("actions.csv", "the file is missing") in reasons
    assert any(name == "responses.csv.damaged" for name, _ in reasons)


def test_validate_gives_its_reasons_in_german(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    (session.path / "actions.csv").unlink()
    (session.path / "responses.csv.damaged").write_text("R-1,half a row\n", encoding="utf-8")
    problems = {p.file.name: p for p in validate_session(session.path)}
    assert problems["actions.csv"].reason.startswith("Die Datei fehlt. Jede Sitzung hat sie von Anfang an")
    assert str(problems["actions.csv"]).startswith(f"{session.path / 'actions.csv'}: Die Datei fehlt.")
    assert problems["responses.csv.damaged"].reason.startswith("enthält Zeilen, die bei einem Absturz")


def test_validate_on_a_folder_that_is_not_a_session(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="not a session folder"):
        validate_session(tmp_path)


@pytest.mark.slow
def test_the_validate_command(demo_dir: Path, tmp_path: Path) -> None:
    ok = CliRunner().invoke(cli, ["validate", str(demo_dir)])
    assert ok.exit_code == 0
    assert "valid" in ok.stdout
    bad = CliRunner().invoke(cli, ["validate", str(tmp_path)])
    assert bad.exit_code == 1
    assert "not a session folder" in bad.stderr


def test_the_schema_command_prints_the_package() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["name"] == "wholecomm-session"


def test_validate_reports_an_earlier_session_that_report_could_not_find(tmp_path: Path) -> None:
    from wholecomm_kit.session import create_session

    def new(date: str, previous: Path | None = None) -> Session:
        return create_session(
            municipality="Musterstadt",
            country="DE",
            size="rural",
            date=date,
            fields="health",
            language="en",
            directory=tmp_path / "w",
            previous=previous,
        )

    second = new("2025-06-01", new("2024-06-01").path)
    moved = shutil.copytree(second.path, tmp_path / "usb" / second.session_id)
    [problem] = validate_session(moved)
    assert "names an earlier session to compare with" in problem.reason
    said = str(problem)  # said once, as the message has it: no "column" in a JSON file, no path twice
    assert said.startswith(f"{moved / 'session.json'} names an earlier session")
    assert said.count(str(moved / "session.json")) == 1 + said.count('delete the "previous" entry in')


def test_validate_names_a_folder_in_the_place_of_a_file_once(tmp_path: Path) -> None:
    session = create_demo(tmp_path)
    answers = session.path / "responses.csv"
    answers.unlink()
    answers.mkdir()
    [problem] = [p for p in validate_session(session.path) if p.file == answers]
    assert str(problem).startswith(f"{answers} is a folder")
    assert str(problem).count(str(answers)) == 1


def test_validate_reports_a_session_of_another_catalogue_version(tmp_path: Path) -> None:
    session = create_demo(tmp_path)
    file = session.path / "session.json"
    file.write_text(file.read_text(encoding="utf-8").replace(session.catalog_version, "1999"), encoding="utf-8")
    problems = validate_session(session.path)
    assert any(p.column == "catalog_version" and "'1999'" in p.reason for p in problems)


# --- whole files the kit cannot read, in the kit's words ------------------------------------------------------

ENGLISH_FRICTIONLESS = ("data source", "could not be", "codec", "missing label", "Errno")


def _spoil(session: Session, name: str, how: str) -> Path:
    """Spoil one of the session's files the way a person or another program might; returns the file."""
    file = session.path / name
    if how == "empty":
        file.write_bytes(b"")
    elif how == "utf-16":
        file.write_bytes(file.read_bytes().decode("utf-8").encode("utf-16"))
    elif how == "semicolons":
        file.write_bytes(file.read_bytes().replace(b",", b";"))
    elif how == "missing":
        file.unlink()
    return file


@pytest.mark.parametrize("name", ["responses.csv", "actions.csv"])
def test_validate_says_in_german_which_file_is_empty_and_what_to_do(
    session: Session, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = _spoil(session, name, "empty")
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    [problem] = validate_session(session.path)
    assert (problem.file, problem.line, problem.column) == (file, 1, None)
    assert problem.reason.startswith("Die Datei ist leer: Es fehlt sogar die erste Zeile mit den Spaltennamen")
    assert "Sicherungskopie" in problem.reason
    assert not any(words in problem.reason for words in ENGLISH_FRICTIONLESS)
    assert str(problem).startswith(f"{file}, Zeile 1: Die Datei ist leer")
    result = CliRunner().invoke(cli, ["validate", str(session.path)])
    assert result.exit_code == 1
    assert f"{file}, Zeile 1: Die Datei ist leer" in result.stderr
    assert "data source" not in result.output
    assert file.read_bytes() == b""


@pytest.mark.parametrize(
    ("how", "line", "start"),
    [
        ("empty", 1, "Die Datei ist leer"),
        ("utf-16", 1, "Die Datei ist als UTF-16-Text gespeichert"),
        ("semicolons", 1, "Die Werte sind durch Semikolons statt durch Kommas getrennt"),
        ("missing", None, "Die Datei fehlt"),
    ],
)
def test_frictionless_complaints_about_a_whole_file_are_the_kits_own_findings(
    session: Session, how: str, line: int | None, start: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wholecomm_kit.schema import _frictionless_problems
    from wholecomm_kit.store import SessionStore

    file = _spoil(session, "responses.csv", how)
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    [problem] = _frictionless_problems(SessionStore.open(session))
    assert (problem.file, problem.line, problem.column) == (file, line, None)
    assert problem.reason.startswith(start)
    assert not any(words in problem.reason for words in ENGLISH_FRICTIONLESS)


@pytest.mark.parametrize(
    ("how", "line", "start"),
    [
        ("empty", 1, "Die Datei ist leer"),
        ("utf-16", None, "Die Datei ist kein UTF-8-Text"),
        ("semicolons", 1, "Die Kopfzeile muss genau so lauten"),
        ("missing", None, "Die Datei fehlt"),
    ],
)
def test_frictionless_complaints_about_a_whole_file_the_kit_did_not_share_are_in_the_kits_words(
    session: Session, how: str, line: int | None, start: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Say, the file changed between the kit's reading and Frictionless's."""
    from wholecomm_kit import schema
    from wholecomm_kit.store import SessionStore

    file = _spoil(session, "responses.csv", how)
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    monkeypatch.setattr(schema, "_store_problems", lambda store, table: [])
    [problem] = schema._frictionless_problems(SessionStore.open(session))
    assert (problem.file, problem.line, problem.column) == (file, line, None)
    assert problem.reason.startswith(start)
    assert not any(words in problem.reason for words in ENGLISH_FRICTIONLESS)


def test_validate_leaves_a_file_in_another_encoding_as_it_is(session: Session) -> None:
    file = _spoil(session, "challenges.csv", "utf-16")
    before = file.read_bytes()
    [problem] = validate_session(session.path)
    assert (problem.file, problem.line) == (file, 1)
    assert "saved as UTF-16 text" in problem.reason
    assert file.read_bytes() == before
    assert not (session.path / "challenges.csv.damaged").exists()
