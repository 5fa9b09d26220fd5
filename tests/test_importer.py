"""Importing answers from CSV files: good files land whole, bad files are explained and change nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wholecomm_kit.cli import cli
from wholecomm_kit.exceptions import InputError
from wholecomm_kit.importer import import_responses
from wholecomm_kit.records import RESPONSES
from wholecomm_kit.session import Session
from wholecomm_kit.store import SessionStore

COLUMNS = [c for c in RESPONSES.columns if c not in ("session_id", "recorded_at")]
GOOD = {
    "respondent_id": "R-PAP1",
    "stakeholder_group": "civil_society",
    "field_id": "governance",
    "standard_id": "GOV-1-1",
    "rating": "2",
    "response": "rated",
    "priority": "high",
    "comment": "Papierbogen, Seite 1",
    "language": "de",
    "catalog_version": "2024.1-kit.1",
}


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns or COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def row(**changes: str) -> dict[str, str]:
    return {**GOOD, **changes}


def test_a_good_file_is_imported_with_session_and_time_filled_in(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "paper.csv", [row(), row(standard_id="GOV-1-2", rating="", response="dont_know")])
    result = import_responses(session, file)
    assert result.imported == 2
    assert result.rejected == []
    answers = SessionStore.open(session).responses()
    assert [a.standard_id for a in answers] == ["GOV-1-1", "GOV-1-2"]
    assert all(a.session_id == session.session_id for a in answers)
    assert answers[0].comment == "Papierbogen, Seite 1"
    assert answers[1].rating is None


def test_full_columns_in_any_order_are_accepted(session: Session, tmp_path: Path) -> None:
    columns = list(reversed(RESPONSES.columns))
    full = row(session_id=session.session_id, recorded_at="2025-06-12T10:15:00+02:00")
    file = write_csv(tmp_path / "full.csv", [full], columns)
    import_responses(session, file)
    [answer] = SessionStore.open(session).responses()
    assert answer.recorded_at == "2025-06-12T08:15:00.000Z"


BAD_ROWS = [
    (row(standard_id="GOV-9-9"), "standard_id", "not a standard"),
    (row(stakeholder_group="mayor"), "stakeholder_group", "'mayor' is not allowed"),
    (row(rating="4"), "rating", "out of range"),
    (row(rating="gut"), "rating", "not a number"),
    (row(rating="2", response="dont_know"), "rating", "must be empty"),
    (row(rating="", response="rated"), "rating", "is empty"),
    (row(field_id="education", standard_id="EDU-1-1"), "field_id", "not assessed in this session"),
    (row(field_id="housing"), "standard_id", "belongs to field 'governance'"),
    (row(priority="urgent"), "priority", "'urgent' is not allowed"),
    (row(language="fr"), "language", "'fr' is not allowed"),
    (row(respondent_id="Anna Müller"), "respondent_id", "not a valid id"),
]


@pytest.mark.parametrize(("bad", "column", "reason"), BAD_ROWS)
def test_a_bad_row_names_file_line_column_and_reason_and_nothing_is_written(
    session: Session, tmp_path: Path, bad: dict[str, str], column: str, reason: str
) -> None:
    file = write_csv(tmp_path / "bad.csv", [row(), row(comment="zwei\nZeilen"), bad])
    target = SessionStore.open(session).path(RESPONSES)
    before = target.read_bytes()
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert problem.file == file
    assert problem.line == 5  # header, row, a row over two lines, then the bad one
    assert problem.column == column
    assert reason in problem.reason
    assert target.read_bytes() == before


def test_a_bad_timestamp_is_refused(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "t.csv", [row(recorded_at="gestern 10 Uhr")], [*COLUMNS, "recorded_at"])
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert caught.value.problems[0].column == "recorded_at"
    assert caught.value.problems[0].line == 2


def test_missing_and_extra_columns_are_named(session: Session, tmp_path: Path) -> None:
    columns = [c for c in COLUMNS if c != "priority"] + ["name"]
    file = write_csv(tmp_path / "cols.csv", [{k: v for k, v in row(name="Anna").items() if k in columns}], columns)
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    found = {(p.line, p.column, p.reason.split(";")[0]) for p in caught.value.problems}
    assert found == {(1, "priority", "this column is missing"), (1, "name", "unknown column")}


def test_a_semicolon_spreadsheet_export_gets_its_own_explanation(session: Session, tmp_path: Path) -> None:
    file = tmp_path / "excel.csv"
    file.write_bytes((";".join(COLUMNS) + "\r\n" + ";".join(GOOD.values()) + "\r\n").encode("utf-8"))
    with pytest.raises(InputError, match=r"separated by semicolons.*CSV UTF-8") as caught:
        import_responses(session, file)
    assert caught.value.problems[0].line == 1


def test_a_file_that_is_not_utf8_names_the_line_and_column(session: Session, tmp_path: Path) -> None:
    file = tmp_path / "latin1.csv"
    text = ",".join(COLUMNS) + "\r\n" + ",".join(row(comment="Grüße").values()) + "\r\n"
    file.write_bytes(text.encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8") as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (2, "comment")


@pytest.mark.parametrize("content", [b"", b"\r\n", b"\xef\xbb\xbf", b"  \n\n"])
def test_an_empty_file_is_refused(session: Session, tmp_path: Path, content: bytes) -> None:
    file = tmp_path / "empty.csv"
    file.write_bytes(content)
    with pytest.raises(InputError, match="empty"):
        import_responses(session, file)


def test_a_missing_file_is_a_clear_error(session: Session, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be read"):
        import_responses(session, tmp_path / "nope.csv")


def test_a_row_with_too_many_values_is_reported(session: Session, tmp_path: Path) -> None:
    file = tmp_path / "ragged.csv"
    # the comment "Papierbogen, Seite 1" is not quoted here, so it splits into two values
    file.write_bytes((",".join(COLUMNS) + "\r\n" + ",".join(GOOD.values()) + ",extra\r\n").encode())
    with pytest.raises(InputError, match="has 12 values, but the header has 10"):
        import_responses(session, file)


def test_lenient_imports_the_good_rows_and_lists_every_rejected_one(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "mixed.csv", [row(), row(rating="7"), row(standard_id="GOV-1-2"), row(priority="x")])
    result = import_responses(session, file, lenient=True)
    assert result.imported == 2
    assert [(p.line, p.column) for p in result.rejected] == [(3, "rating"), (5, "priority")]
    assert len(SessionStore.open(session).responses()) == 2


def test_blank_lines_are_counted_not_hidden(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "blank.csv", [row()])
    file.write_bytes(file.read_bytes() + b"\r\n,,,,,,,,,\r\n")
    result = import_responses(session, file)
    assert (result.imported, result.blank_lines) == (1, 2)


def test_the_cli_prints_every_problem_and_exits_nonzero(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "bad.csv", [row(rating="9"), row(stakeholder_group="")])
    result = CliRunner().invoke(cli, ["import", str(session.path), str(file)])
    assert result.exit_code == 1
    assert "Nothing was imported." in result.stderr
    assert "2 problem(s) found" in result.stderr
    assert f"{file}, line 2, column 'rating': 9 is out of range" in result.stderr
    assert f"{file}, line 3, column 'stakeholder_group': is empty" in result.stderr
    assert "Traceback" not in result.output


def test_the_cli_lenient_mode_reports_rejections(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "bad.csv", [row(), row(rating="9")])
    result = CliRunner().invoke(cli, ["import", str(session.path), str(file), "--lenient"])
    assert result.exit_code == 0
    assert "Imported 1 answer(s)" in result.stdout
    assert "Rejected 1 row(s)" in result.stderr


answer_rows = st.lists(
    st.fixed_dictionaries(
        {
            "standard_id": st.sampled_from(["GOV-1-1", "GOV-2-3", "GOV-6-1"]),
            "rating": st.integers(0, 3).map(str),
            "priority": st.sampled_from(["", "low", "medium", "high"]),
            "comment": st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=80),
        }
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(rows=answer_rows)
def test_imported_rows_read_back_exactly(session: Session, tmp_path: Path, rows: list[dict[str, str]]) -> None:
    store = SessionStore.open(session)
    already = len(store.responses())
    respondent = f"R-H{already:05d}"  # a new respondent per example: nothing repeats an earlier example's answer
    file = write_csv(tmp_path / "h.csv", [row(**r, respondent_id=respondent) for r in rows])
    import_responses(session, file)
    back = store.responses()[already:]
    assert [(a.standard_id, str(a.rating), a.priority, a.comment) for a in back] == [
        (r["standard_id"], r["rating"], r["priority"], r["comment"]) for r in rows
    ]


def test_importing_the_same_file_again_adds_nothing_and_says_so(session: Session, tmp_path: Path) -> None:
    """Paper forms typed in once: a second import must not bring back answers changed in between."""
    file = write_csv(tmp_path / "paper.csv", [row(), row(standard_id="GOV-1-2", rating="1")])
    assert import_responses(session, file).imported == 2
    store = SessionStore.open(session)
    store.record_response(
        respondent_id="R-PAP1", stakeholder_group="civil_society", standard_id="GOV-1-1", response="rated", rating=3
    )
    second = import_responses(session, file)
    assert second.imported == 0
    assert second.repeated == [2, 3]
    current = {a.standard_id: a.rating for a in store.current_responses()}
    assert current["GOV-1-1"] == 3  # the later change stands
    assert len(store.responses()) == 3


def test_a_file_with_new_and_repeated_rows_adds_only_the_new_ones(session: Session, tmp_path: Path) -> None:
    import_responses(session, write_csv(tmp_path / "first.csv", [row()]))
    result = import_responses(session, write_csv(tmp_path / "second.csv", [row(), row(standard_id="GOV-1-2")]))
    assert (result.imported, result.repeated) == (1, [2])


def test_again_adds_repeated_rows_on_purpose(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "paper.csv", [row()])
    import_responses(session, file)
    result = import_responses(session, file, again=True)
    assert (result.imported, result.repeated) == (1, [])
    assert len(SessionStore.open(session).responses()) == 2


def test_the_cli_names_the_repeated_lines_and_the_way_round(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "paper.csv", [row()])
    runner = CliRunner()
    assert runner.invoke(cli, ["import", str(session.path), str(file)]).exit_code == 0
    second = runner.invoke(cli, ["import", str(session.path), str(file)])
    assert second.exit_code == 0
    assert "Imported 0 answer(s)" in second.output
    assert "line(s) 2 of" in second.output
    assert "--again" in second.output
    third = runner.invoke(cli, ["import", str(session.path), str(file), "--again"])
    assert "Imported 1 answer(s)" in third.output
