"""Importing answers from CSV files: good files land whole, bad files are explained and change nothing."""

from __future__ import annotations

import csv
import io
import string
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from wholecomm_kit.cli import cli
from wholecomm_kit.exceptions import InputError
from wholecomm_kit.importer import ImportResult, import_file
from wholecomm_kit.paperform import PaperFormError
from wholecomm_kit.records import CHALLENGES, RESPONSES, ChallengeAnswer, Response
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


def write_csv(
    path: Path, rows: list[dict[str, str]], columns: list[str] | None = None, *, delimiter: str = ","
) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=columns or COLUMNS, lineterminator="\r\n", delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def import_responses(session: Session, path: Path, **options: bool) -> ImportResult:
    """Import a file of ratings; its one result."""
    [result] = import_file(session, path, **options)
    assert result.table == "responses"
    return result


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
    (row(rating="2.5"), "rating", "'2.5' is not a whole number from 0 to 3"),
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
    file = write_csv(tmp_path / "bad.csv", [row(), row(standard_id="GOV-1-2", comment="zwei\nZeilen"), bad])
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


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolons_and_tabs_as_spreadsheets_save_them_are_read_too(
    session: Session, tmp_path: Path, delimiter: str
) -> None:
    """German Excel saves even "CSV UTF-8" with semicolons; comments may hold either separator."""
    file = write_csv(
        tmp_path / "excel.csv",
        [row(comment="Gut; aber, teuer"), row(standard_id="GOV-1-2", comment="tab\there")],
        delimiter=delimiter,
    )
    assert import_responses(session, file).imported == 2
    assert [a.comment for a in SessionStore.open(session).responses()] == ["Gut; aber, teuer", "tab\there"]


def test_a_bad_value_in_a_semicolon_file_names_its_column(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "excel.csv", [row(), row(rating="5")], delimiter=";")
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (3, "rating")


def test_a_file_that_is_not_utf8_names_the_line_and_column(session: Session, tmp_path: Path) -> None:
    file = tmp_path / "latin1.csv"
    text = ",".join(COLUMNS) + "\r\n" + ",".join(row(comment="Grüße").values()) + "\r\n"
    file.write_bytes(text.encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8") as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (2, "comment")


def test_a_semicolon_file_that_is_not_utf8_names_the_column_and_the_german_menu(
    session: Session, tmp_path: Path
) -> None:
    file = tmp_path / "excel.csv"
    text = ";".join(COLUMNS) + "\r\n" + ";".join(row(comment="Grüße").values()) + "\r\n"
    file.write_bytes(text.encode("cp1252"))
    with pytest.raises(InputError, match="durch Trennzeichen getrennt") as caught:
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


def test_lenient_with_not_one_good_row_is_a_failure(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "bad.csv", [row(rating="9"), row(stakeholder_group="")])
    result = CliRunner().invoke(cli, ["import", str(session.path), str(file), "--lenient"])
    assert result.exit_code == 1
    assert "Warning: Rejected 2 row(s)" in result.stderr
    assert "not one row was good" in result.stderr


def test_the_cli_names_an_answer_changed_since_and_how_to_change_it_back(session: Session, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "first.csv", [row(rating="1")])
    CliRunner().invoke(cli, ["import", str(session.path), str(first)])
    CliRunner().invoke(cli, ["import", str(session.path), str(write_csv(tmp_path / "fix.csv", [row(rating="2")]))])
    result = CliRunner().invoke(cli, ["import", str(session.path), str(first)])
    assert result.exit_code == 0
    assert "Warning: Not added: 1 line(s)" in result.stderr
    assert "--again" in result.stderr


def test_the_cli_lenient_mode_reports_rejections(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "bad.csv", [row(), row(rating="9")])
    result = CliRunner().invoke(cli, ["import", str(session.path), str(file), "--lenient"])
    assert result.exit_code == 0
    assert "Imported 1 answer(s)" in result.stdout
    assert "Rejected 1 row(s)" in result.stderr


answer_rows = st.lists(
    st.fixed_dictionaries(
        {
            "standard_id": st.sampled_from(
                ["GOV-1-1", "GOV-1-2", "GOV-2-1", "GOV-2-3", "GOV-4-2", "GOV-5-5", "GOV-6-1"]
            ),
            "rating": st.integers(0, 3).map(str),
            "priority": st.sampled_from(["", "low", "medium", "high"]),
            "comment": st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=80),
        }
    ),
    min_size=1,
    max_size=7,
    unique_by=lambda r: r["standard_id"],  # two different answers to one standard in one file are refused
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
        (r["standard_id"], r["rating"], r["priority"], r["comment"] if r["comment"].strip() else "") for r in rows
    ]  # a comment of nothing but spaces is stored as empty


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
    assert second.repeated == [3]  # still the current answer
    assert [p.line for p in second.outdated] == [2]  # an answer changed since: named, not brought back
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


# --- Excel workbooks -----------------------------------------------------------------------------------


def write_xlsx(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    """A workbook as a facilitator types it: header in row 1, ratings typed as numbers."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "answers"
    names = columns or COLUMNS
    sheet.append(names)
    for record in rows:
        sheet.append([int(v) if k == "rating" and isinstance(v, str) and v.isdigit() else v for k, v in record.items()])
    book.save(path)
    return path


def test_a_workbook_is_imported_with_ratings_typed_as_numbers(session: Session, tmp_path: Path) -> None:
    file = write_xlsx(
        tmp_path / "paper.xlsx",
        [row(comment="zwei\nZeilen"), row(standard_id="GOV-1-2", rating="", response="dont_know", comment="")],
    )
    result = import_responses(session, file)
    assert (result.imported, result.sheet) == (2, "answers")
    answers = SessionStore.open(session).responses()
    assert [(a.standard_id, a.rating, a.comment) for a in answers] == [
        ("GOV-1-1", 2, "zwei\nZeilen"),
        ("GOV-1-2", None, ""),
    ]


def test_a_bad_cell_in_a_workbook_is_named_by_sheet_row_and_cell(session: Session, tmp_path: Path) -> None:
    file = write_xlsx(tmp_path / "paper.xlsx", [row(), row(rating="5")])
    result = CliRunner().invoke(cli, ["import", str(session.path), str(file)])
    assert result.exit_code == 1
    rating = f"{chr(ord('A') + COLUMNS.index('rating'))}3"
    assert f"{file}, sheet 'answers', row 3, column 'rating' (cell {rating}): 5 is out of range" in result.stderr
    assert SessionStore.open(session).responses() == []


def test_a_workbook_saved_with_a_csv_name_is_still_read_as_a_workbook(session: Session, tmp_path: Path) -> None:
    file = write_xlsx(tmp_path / "paper.csv", [row()])
    assert import_responses(session, file).imported == 1


@pytest.mark.parametrize(
    ("name", "content"), [("old.xls", b"\xd0\xcf\x11\xe0rest"), ("locked.xlsx", b"\xd0\xcf\x11\xe0rest")]
)
def test_old_or_locked_workbooks_say_how_to_save_them(
    session: Session, tmp_path: Path, name: str, content: bytes
) -> None:
    file = tmp_path / name
    file.write_bytes(content)
    with pytest.raises(InputError, match=r"cannot read\. Save it as 'Excel Workbook \(\.xlsx\)' or as 'CSV UTF-8'"):
        import_responses(session, file)


def test_the_cli_reports_a_workbook_import_by_sheet_and_rows(session: Session, tmp_path: Path) -> None:
    file = write_xlsx(tmp_path / "paper.xlsx", [row()])
    runner = CliRunner()
    first = runner.invoke(cli, ["import", str(session.path), str(file)])
    assert first.exit_code == 0, first.output
    assert f"Imported 1 answer(s) from sheet 'answers' of {file}" in first.stdout
    second = runner.invoke(cli, ["import", str(session.path), str(file)])
    assert f"(row(s) 2 of sheet 'answers' of {file})" in second.stderr


workbook_comments = st.text(
    st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from("\n\t"), max_size=60
).filter(lambda text: not text.startswith("="))  # a spreadsheet takes "=…" for a formula


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(rows=answer_rows, comments=st.lists(workbook_comments, min_size=8, max_size=8))
def test_workbook_rows_read_back_exactly(
    session: Session, tmp_path: Path, rows: list[dict[str, str]], comments: list[str]
) -> None:
    store = SessionStore.open(session)
    already = len(store.responses())
    respondent = f"R-X{already:05d}"
    rows = [{**r, "comment": comment} for r, comment in zip(rows, comments, strict=False)]
    file = write_xlsx(tmp_path / "h.xlsx", [row(**r, respondent_id=respondent) for r in rows])
    import_responses(session, file)
    back = store.responses()[already:]
    assert [(a.standard_id, str(a.rating), a.priority, a.comment) for a in back] == [
        (r["standard_id"], r["rating"], r["priority"], r["comment"] if r["comment"].strip() else "") for r in rows
    ]  # a comment of nothing but spaces is stored as empty


# --- key challenges ------------------------------------------------------------------------------------

CHALLENGE_COLUMNS = [c for c in CHALLENGES.columns if c not in ("session_id", "recorded_at")]


def challenge(**changes: str) -> dict[str, str]:
    return {
        "respondent_id": "R-PAP1",
        "stakeholder_group": "civil_society",
        "challenge_id": "GOV-C1",
        "applies": "yes",
        **changes,
    }


def test_a_csv_of_key_challenge_answers_goes_into_challenges_csv(session: Session, tmp_path: Path) -> None:
    file = write_csv(
        tmp_path / "c.csv", [challenge(), challenge(challenge_id="HOU-C1", applies="unsure")], CHALLENGE_COLUMNS
    )
    [result] = import_file(session, file)
    assert (result.table, result.imported) == ("challenges", 2)
    store = SessionStore.open(session)
    assert [(a.challenge_id, a.applies) for a in store.challenge_answers()] == [("GOV-C1", "yes"), ("HOU-C1", "unsure")]
    assert store.responses() == []


def both_sheets(path: Path, answers: list[dict[str, str]], challenges: list[dict[str, str]]) -> Path:
    """A workbook like the paper-forms template: ratings on 'answers', key challenges on 'challenges'."""
    write_xlsx(path, answers)
    book = load_workbook(path)
    sheet = book.create_sheet("challenges")
    sheet.append(CHALLENGE_COLUMNS)
    for record in challenges:
        sheet.append(list(record.values()))
    book.save(path)
    return path


def test_a_workbook_with_ratings_and_key_challenges_imports_both(session: Session, tmp_path: Path) -> None:
    file = both_sheets(tmp_path / "answers.xlsx", [row()], [challenge(), challenge(challenge_id="GOV-C2")])
    result = CliRunner().invoke(cli, ["import", str(session.path), str(file)])
    assert result.exit_code == 0, result.output
    assert f"Imported 1 answer(s) from sheet 'answers' of {file}" in result.stdout
    assert f"Imported 2 key challenge answer(s) from sheet 'challenges' of {file}" in result.stdout
    store = SessionStore.open(session)
    assert (len(store.responses()), len(store.challenge_answers())) == (1, 2)


def test_a_bad_key_challenge_row_keeps_the_good_ratings_out_too(session: Session, tmp_path: Path) -> None:
    file = both_sheets(tmp_path / "answers.xlsx", [row()], [challenge(), challenge(challenge_id="EDU-C1")])
    with pytest.raises(InputError) as caught:
        import_file(session, file)
    [problem] = caught.value.problems
    assert (problem.sheet, problem.line, problem.column, problem.cell) == ("challenges", 3, "challenge_id", "C3")
    assert "not assessed here" in problem.reason
    store = SessionStore.open(session)
    assert (store.responses(), store.challenge_answers()) == ([], [])


def test_an_untouched_challenges_sheet_is_not_reported(session: Session, tmp_path: Path) -> None:
    file = both_sheets(tmp_path / "answers.xlsx", [row()], [])
    assert [(r.table, r.imported) for r in import_file(session, file)] == [("responses", 1)]


def test_key_challenge_answers_imported_twice_are_not_added_again(session: Session, tmp_path: Path) -> None:
    file = both_sheets(tmp_path / "answers.xlsx", [row()], [challenge()])
    import_file(session, file)
    again = import_file(session, file)
    assert [(r.table, r.imported, r.repeated) for r in again] == [("responses", 0, [2]), ("challenges", 0, [2])]
    assert len(SessionStore.open(session).challenge_answers()) == 1


# --- in German ---------------------------------------------------------------------------------


def test_import_problems_are_explained_in_german(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    file = write_csv(tmp_path / "bad.csv", [row(), row(rating="4"), row(priority="dringend")])
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert str(caught.value).split("\n") == [
        f"{file}, Zeile 3, Spalte 'rating': 4 liegt außerhalb der Skala; tragen Sie 0, 1, 2 oder 3 ein",
        f"{file}, Zeile 4, Spalte 'priority': 'dringend' ist nicht erlaubt; erlaubt sind low, medium, high oder leer",
    ]
    columns = [c for c in COLUMNS if c != "priority"]
    file = write_csv(tmp_path / "cols.csv", [{k: v for k, v in row().items() if k in columns}], columns)
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert str(caught.value) == f"{file}, Zeile 1, Spalte 'priority': Diese Spalte fehlt"
    assert SessionStore.open(session).responses() == []


def test_a_bad_workbook_cell_is_explained_in_german(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    file = write_xlsx(tmp_path / "paper.xlsx", [row(), row(rating="", response="rated")])
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    rating = f"{chr(ord('A') + COLUMNS.index('rating'))}3"
    assert str(caught.value) == (
        f"{file}, Blatt 'answers', Zeile 3, Spalte 'rating' (Zelle {rating}): "
        "ist leer, aber die Antwort ist 'rated'; tragen Sie 0, 1, 2 oder 3 ein"
    )


def test_files_the_kit_cannot_read_are_explained_in_german(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    old = tmp_path / "alt.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0rest")  # how an old workbook starts
    with pytest.raises(InputError) as caught:
        import_responses(session, old)
    assert str(caught.value) == (
        f"{old}: Die Datei ist eine alte Excel-Arbeitsmappe (.xls); solche Dateien kann das Kit nicht lesen. "
        "Speichern Sie sie als „Excel-Arbeitsmappe (.xlsx)“ oder als „CSV UTF-8“ und importieren Sie diese Datei."
    )
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        ",".join(COLUMNS).encode() + b"\r\n" + ",".join(row(comment="Gr\xfc\xdfe").values()).encode("latin-1")
    )
    with pytest.raises(InputError) as caught:
        import_responses(session, latin1)
    assert str(caught.value).startswith(
        f"{latin1}, Zeile 2, Spalte 'comment': Die Datei ist kein UTF-8-Text (das Byte 0xFC ist nicht lesbar)."
    )


# --- changing an answer back ---------------------------------------------------------------------------


def current_ratings(session: Session) -> dict[tuple[str, str], int | None]:
    return {(a.respondent_id, a.standard_id): a.rating for a in SessionStore.open(session).current_responses()}


def test_changing_an_answer_back_is_named_with_the_current_answer_and_the_way_round(
    session: Session, tmp_path: Path
) -> None:
    card = "P-X9CV"
    import_responses(session, write_csv(tmp_path / "first.csv", [row(respondent_id=card, rating="1")]))
    import_responses(session, write_csv(tmp_path / "fix.csv", [row(respondent_id=card, rating="2")]))
    back = write_csv(
        tmp_path / "back.csv", [row(respondent_id=card, standard_id="GOV-1-2"), row(respondent_id=card, rating="1")]
    )
    result = import_responses(session, back)
    assert (result.imported, result.repeated) == (1, [])
    [problem] = result.outdated
    assert (problem.file, problem.line, problem.column) == (back, 3, "rating")
    assert "repeats an earlier answer of P-X9CV to GOV-1-1 that has since been changed to rating '2'" in problem.reason
    assert "--again" in problem.reason
    assert current_ratings(session)[(card, "GOV-1-1")] == 2  # an old file cannot bring back an old answer
    again = import_responses(session, back, again=True)
    assert (again.imported, again.repeated, again.outdated) == (2, [], [])
    assert current_ratings(session)[(card, "GOV-1-1")] == 1  # … but --again changes it back on purpose


def test_a_row_equal_to_the_current_answer_is_only_already_there(session: Session, tmp_path: Path) -> None:
    import_responses(session, write_csv(tmp_path / "a.csv", [row(rating="1")]))
    import_responses(session, write_csv(tmp_path / "b.csv", [row(rating="2")]))
    result = import_responses(session, write_csv(tmp_path / "c.csv", [row(rating="2")]))
    assert (result.imported, result.repeated, result.outdated) == (0, [2], [])


def test_a_changed_back_row_in_a_workbook_names_its_cell(session: Session, tmp_path: Path) -> None:
    import_responses(session, write_csv(tmp_path / "a.csv", [row(priority="low")]))
    import_responses(session, write_csv(tmp_path / "b.csv", [row(priority="high")]))
    file = write_xlsx(tmp_path / "old.xlsx", [row(priority="low")])
    [problem] = import_responses(session, file).outdated
    priority = f"{chr(ord('A') + COLUMNS.index('priority'))}2"
    assert str(problem) == (
        f"{file}, sheet 'answers', row 2, column 'priority' (cell {priority}): repeats an earlier answer of R-PAP1 "
        "to GOV-1-1 that has since been changed to priority 'high'; to change it back, import the file with --again"
    )


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(ratings=st.lists(st.integers(0, 3), min_size=1, max_size=6), again=st.lists(st.booleans(), min_size=6))
def test_every_import_of_a_rating_is_added_or_named(
    session: Session, tmp_path: Path, ratings: list[int], again: list[bool]
) -> None:
    """Whatever the order of imports, a rating is added, already there or named as an earlier one; never lost."""
    store = SessionStore.open(session)
    respondent = f"R-Y{len(store.responses()):05d}"
    given_before: set[int] = set()
    current: int | None = None
    for rating, on_purpose in zip(ratings, again, strict=False):
        file = write_csv(tmp_path / "r.csv", [row(respondent_id=respondent, rating=str(rating))])
        result = import_responses(session, file, again=on_purpose)
        if on_purpose or rating not in given_before:
            assert (result.imported, result.repeated, result.outdated) == (1, [], [])
            current = rating
        elif rating == current:
            assert (result.imported, result.repeated, result.outdated) == (0, [2], [])
        else:
            assert result.imported == 0
            assert [p.line for p in result.outdated] == [2]
            assert f"changed to rating '{current}'" in result.outdated[0].reason
        given_before.add(rating)
        assert current_ratings(session)[(respondent, "GOV-1-1")] == current


# --- respondent ids in any case --------------------------------------------------------------------------


def test_a_card_id_typed_in_small_letters_is_the_same_respondent(session: Session, tmp_path: Path) -> None:
    import_responses(session, write_csv(tmp_path / "a.csv", [row(respondent_id="p-x9cv", rating="1")]))
    result = import_responses(session, write_csv(tmp_path / "b.csv", [row(respondent_id="P-X9cv", rating="1")]))
    assert (result.imported, result.repeated) == (0, [2])
    import_responses(session, write_csv(tmp_path / "c.csv", [row(respondent_id="P-X9CV", rating="3")]))
    assert current_ratings(session) == {("P-X9CV", "GOV-1-1"): 3}


kit_ids = st.tuples(
    st.sampled_from("RPG"), st.text(st.sampled_from("23456789ABCDEFGHJKMNPQRSTUVWXYZ"), min_size=4, max_size=4)
).map(lambda parts: f"{parts[0]}-{parts[1]}")


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(kit_id=kit_ids, flips=st.lists(st.booleans(), min_size=6, max_size=6))
def test_kit_ids_in_any_case_are_stored_in_capitals(
    session: Session, tmp_path: Path, kit_id: str, flips: list[bool]
) -> None:
    typed = "".join(c.lower() if flip else c for c, flip in zip(kit_id, flips, strict=True))
    file = write_csv(tmp_path / "ids.csv", [row(respondent_id=typed, standard_id="GOV-6-3")])
    import_responses(session, file, again=True)
    assert SessionStore.open(session).responses()[-1].respondent_id == kit_id


def test_other_ids_take_the_spelling_already_in_the_session(session: Session, tmp_path: Path) -> None:
    import_responses(session, write_csv(tmp_path / "a.csv", [row(respondent_id="Gruppe-Nord")]))
    import_responses(session, write_csv(tmp_path / "b.csv", [row(respondent_id="gruppe-nord", rating="3")]))
    import_responses(session, write_csv(tmp_path / "c.csv", [row(respondent_id="anna.1")]))
    assert current_ratings(session) == {("Gruppe-Nord", "GOV-1-1"): 3, ("anna.1", "GOV-1-1"): 2}


# --- the paper-forms template: what the kit can fill in, it fills in --------------------------------------


def test_the_typing_template_with_only_what_a_form_says_is_imported(session: Session, tmp_path: Path) -> None:
    from wholecomm_kit.paperform import IMPORT_COLUMNS, answers_template

    template = answers_template(session, SessionStore.open(session).catalog, tmp_path / "answers.xlsx")
    book = load_workbook(template)
    sheet = book["answers"]
    assert [c.value for c in sheet[1]] == list(IMPORT_COLUMNS)
    language, version = IMPORT_COLUMNS.index("language") + 1, IMPORT_COLUMNS.index("catalog_version") + 1
    for number in range(2, 41):  # the facilitator filled these two columns down the sheet beforehand
        sheet.cell(row=number, column=language, value="de")
        sheet.cell(row=number, column=version, value="2024.1-kit.1")
    typed = [row(language="", catalog_version=""), row(standard_id="HOU-1-1", field_id="housing", language="")]
    for number, record in enumerate(typed, start=2):
        for column, name in enumerate(IMPORT_COLUMNS, start=1):
            if record[name]:
                sheet.cell(row=number, column=column, value=record[name])
    book.save(template)
    result = import_responses(session, template)
    assert (result.imported, result.rejected) == (2, [])
    answers = SessionStore.open(session).responses()
    assert {(a.language, a.catalog_version) for a in answers} == {(session.language, session.catalog_version)}


def test_empty_language_and_catalogue_version_are_the_sessions(session: Session, tmp_path: Path) -> None:
    file = write_csv(
        tmp_path / "a.csv", [row(language="", catalog_version="", session_id="")], [*COLUMNS, "session_id"]
    )
    assert import_responses(session, file).imported == 1
    left_out = [c for c in COLUMNS if c not in ("language", "catalog_version")]
    other = write_csv(
        tmp_path / "b.csv", [{k: v for k, v in row(standard_id="GOV-1-2").items() if k in left_out}], left_out
    )
    assert import_responses(session, other).imported == 1
    assert [(a.session_id, a.language, a.catalog_version) for a in SessionStore.open(session).responses()] == [
        (session.session_id, "de", "2024.1-kit.1")
    ] * 2


def test_rows_with_only_what_the_kit_fills_in_count_as_empty(session: Session, tmp_path: Path) -> None:
    prefilled = {c: "" for c in COLUMNS} | {"language": "de", "catalog_version": "2024.1-kit.1"}
    file = write_csv(tmp_path / "a.csv", [row(), prefilled, prefilled])
    result = import_responses(session, file)
    assert (result.imported, result.blank_lines, result.rejected) == (1, 2, [])


@pytest.mark.parametrize("value", ["", "Verwaltung"])
def test_an_unknown_field_lists_the_sessions_fields(session: Session, tmp_path: Path, value: str) -> None:
    file = write_csv(tmp_path / "a.csv", [row(field_id=value)])
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert problem.column == "field_id"
    assert problem.reason.endswith("expected governance, housing")


# --- ratings that are not whole numbers ------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2.5", "2,5", "-1", "0.5"])
def test_a_rating_that_is_not_a_whole_number_says_so(session: Session, tmp_path: Path, value: str) -> None:
    file = write_csv(tmp_path / "a.csv", [row(rating=value)])
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (2, "rating")
    assert problem.reason == f"'{value}' is not a whole number from 0 to 3; give 0, 1, 2 or 3"


def test_a_rating_typed_with_a_zero_fraction_counts_as_the_whole_number(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "a.csv", [row(rating="2.0"), row(standard_id="GOV-1-2", rating="3,00")])
    assert import_responses(session, file).imported == 2
    assert [a.rating for a in SessionStore.open(session).responses()] == [2, 3]


def test_a_rating_of_two_and_a_half_in_a_workbook_says_whole_number(session: Session, tmp_path: Path) -> None:
    file = write_xlsx(tmp_path / "a.xlsx", [row()])
    book = load_workbook(file)
    book["answers"].cell(row=2, column=COLUMNS.index("rating") + 1, value=2.5)
    book.save(file)
    with pytest.raises(InputError, match=r"'2\.5' is not a whole number from 0 to 3"):
        import_responses(session, file)


# --- files that are not UTF-8 CSV ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom", "name"),
    [
        ("utf-16-le", b"\xff\xfe", "UTF-16"),
        ("utf-16-be", b"\xfe\xff", "UTF-16"),
        ("utf-32-le", b"\xff\xfe\x00\x00", "UTF-32"),
        ("utf-32-be", b"\x00\x00\xfe\xff", "UTF-32"),
        ("utf-16-le", b"", "UTF-16"),
        ("utf-16-be", b"", "UTF-16"),
        ("utf-32-le", b"", "UTF-32"),  # told as the session's own files are (once "names none of the kit's columns")
    ],
)
def test_a_unicode_text_file_is_named_as_such_with_how_to_save_it(
    session: Session, tmp_path: Path, encoding: str, bom: bytes, name: str
) -> None:
    file = tmp_path / "unicode.txt"
    text = "\t".join(COLUMNS) + "\r\n" + "\t".join(row(comment="Grüße").values()) + "\r\n"
    file.write_bytes(bom + text.encode(encoding))
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.column) == (file, None, None)
    assert problem.reason.startswith(f"is {name} text (Excel's 'Unicode Text')")
    assert "'CSV UTF-8'" in problem.reason
    assert "\x00" not in problem.reason
    assert SessionStore.open(session).responses() == []


# --- headers as spreadsheets write them ------------------------------------------------------------------


def test_empty_columns_excel_adds_at_the_end_are_ignored(session: Session, tmp_path: Path) -> None:
    file = tmp_path / "excel.csv"
    lines = [";".join(COLUMNS) + ";;", ";".join(row().values()) + ";;", ";".join(row(standard_id="GOV-1-2").values())]
    file.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    assert import_responses(session, file).imported == 2


def test_a_value_in_a_column_without_a_name_is_named_by_position(session: Session, tmp_path: Path) -> None:
    file = tmp_path / "excel.csv"
    lines = [";".join(COLUMNS) + ";;", ";".join(row().values()) + ";;", ";".join(row().values()) + ";;x"]
    file.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert str(caught.value) == (
        f"{file}, line 1: column 12 has no name in the header, but line(s) 3 hold something in it; "
        "write one of the allowed column names above it or delete what is in it"
    )


def test_an_excel_separator_line_is_understood(session: Session, tmp_path: Path) -> None:
    file = tmp_path / "excel.csv"
    lines = ["sep=;", ";".join(COLUMNS), ";".join(row().values()), ";".join(row(rating="7").values())]
    file.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (4, "rating")  # the separator line counts as line 1
    file.write_bytes(("\r\n".join(lines[:3]) + "\r\n").encode())
    assert import_responses(session, file).imported == 1


def test_a_bad_byte_after_an_excel_separator_line_names_its_line(session: Session, tmp_path: Path) -> None:
    file = tmp_path / "excel.csv"
    lines = ["sep=;", ";".join(COLUMNS), ";".join(row(comment="Grüße").values())]
    file.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    with pytest.raises(InputError, match="not UTF-8") as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (3, "comment")


def test_header_problems_in_a_workbook_name_the_cell(session: Session, tmp_path: Path) -> None:
    columns = [*COLUMNS[:3], "name", *COLUMNS[3:], "rating"]
    file = write_xlsx(tmp_path / "a.xlsx", [], columns)
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    found = {(p.sheet, p.line, p.column, p.cell, p.reason.split(";")[0]) for p in caught.value.problems}
    assert found == {
        ("answers", 1, "name", "D1", "unknown column"),
        ("answers", 1, "rating", "L1", "this column appears twice"),
    }


# --- workbooks that say less than they hold ----------------------------------------------------------------


def test_rows_beyond_a_wrong_dimension_are_imported(session: Session, tmp_path: Path) -> None:
    file = write_xlsx(tmp_path / "a.xlsx", [row(), row(standard_id="GOV-1-2"), row(standard_id="GOV-2-1")])
    wrong_dimension(file, "A1:J2")
    assert import_responses(session, file).imported == 3


def wrong_dimension(path: Path, ref: str) -> None:
    """Rewrite the sheet's ``<dimension ref>`` as some programs save it: smaller than what the sheet holds."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml, count = re.subn(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', xml)
    assert count == 1
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_dates_and_times_in_a_comment_read_as_typed(session: Session, tmp_path: Path) -> None:
    import datetime as dt

    file = write_xlsx(tmp_path / "a.xlsx", [row(), row(standard_id="GOV-1-2"), row(standard_id="GOV-2-1")])
    book = load_workbook(file)
    comment = COLUMNS.index("comment") + 1
    book["answers"].cell(row=2, column=comment, value=dt.datetime(2025, 1, 2))
    book["answers"].cell(row=3, column=comment, value=dt.time(10, 30))
    book["answers"].cell(row=4, column=comment, value="   ")
    book.save(file)
    import_responses(session, file)
    assert [a.comment for a in SessionStore.open(session).responses()] == ["2025-01-02", "10:30", ""]


def test_a_comment_of_only_spaces_is_stored_as_empty(session: Session, tmp_path: Path) -> None:
    import_responses(session, write_csv(tmp_path / "a.csv", [row(comment=" \t ")]))
    assert SessionStore.open(session).responses()[0].comment == ""


# --- two answers to one standard in one file --------------------------------------------------------------


def test_two_different_answers_to_one_standard_in_a_file_are_a_problem(session: Session, tmp_path: Path) -> None:
    file = write_csv(
        tmp_path / "a.csv",
        [row(rating="1"), row(standard_id="GOV-1-2"), row(respondent_id="r-pap1"), row(respondent_id="R-OTHER")],
    )
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert str(caught.value).split("\n") == [
        f"{file}, line 2, column 'rating': R-PAP1 gives another answer to GOV-1-1 in line(s) 4 of this file; "
        "it is unclear which one is meant: keep only the right one",
        f"{file}, line 4, column 'rating': R-PAP1 gives another answer to GOV-1-1 in line(s) 2 of this file; "
        "it is unclear which one is meant: keep only the right one",
    ]
    assert SessionStore.open(session).responses() == []
    result = import_responses(session, file, lenient=True)
    assert (result.imported, [p.line for p in result.rejected]) == (2, [2, 4])


def test_two_different_key_challenge_answers_in_a_workbook_name_their_rows(session: Session, tmp_path: Path) -> None:
    file = both_sheets(tmp_path / "a.xlsx", [row()], [challenge(), challenge(applies="no")])
    with pytest.raises(InputError) as caught:
        import_file(session, file)
    assert [(p.sheet, p.line, p.cell) for p in caught.value.problems] == [
        ("challenges", 2, "D2"),
        ("challenges", 3, "D3"),
    ]
    assert "in row(s) 3 of this sheet" in caught.value.problems[0].reason


def test_the_same_answer_twice_in_a_file_names_the_repeat_and_adds_nothing(session: Session, tmp_path: Path) -> None:
    """Added twice, one paper form would count twice; and a form typed twice may stand where another was meant."""
    file = write_csv(tmp_path / "a.csv", [row(), row(standard_id="GOV-1-2"), row(respondent_id="r-pap1"), row()])
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert str(caught.value).split("\n") == [
        f"{file}, line {line}: repeats line 2 of this file: R-PAP1 gives the same answer to GOV-1-1 there. "
        "Delete one of the two lines; if another paper form was meant to be typed here, type that one instead"
        for line in (4, 5)
    ]
    assert SessionStore.open(session).responses() == []


def test_lenient_imports_a_repeated_answer_once_and_lists_the_repeats(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "a.csv", [row(), row(standard_id="GOV-1-2"), row()])
    result = import_responses(session, file, lenient=True)
    assert (result.imported, [(p.line, p.column) for p in result.rejected]) == (2, [(4, None)])
    assert [a.standard_id for a in SessionStore.open(session).responses()] == ["GOV-1-1", "GOV-1-2"]


def test_a_repeat_differing_only_in_its_time_is_a_repeat(session: Session, tmp_path: Path) -> None:
    columns = [*COLUMNS, "recorded_at"]
    times = ["2025-06-12T10:00:00Z", "2025-06-12T11:00:00Z"]
    file = write_csv(tmp_path / "a.csv", [row(recorded_at=time) for time in times], columns)
    with pytest.raises(InputError, match="repeats line 2 of this file"):
        import_responses(session, file)


def test_a_repeated_row_in_a_workbook_names_both_rows(session: Session, tmp_path: Path) -> None:
    """The reviewer's case: the count said 4 for 3 answers, for CSV files and workbooks alike."""
    file = both_sheets(tmp_path / "a.xlsx", [row(), row(standard_id="GOV-1-2"), row()], [challenge(), challenge()])
    with pytest.raises(InputError) as caught:
        import_file(session, file)
    assert [str(p) for p in caught.value.problems] == [
        f"{file}, sheet 'answers', row 4: repeats row 2 of this sheet: R-PAP1 gives the same answer to GOV-1-1 "
        "there. Delete one of the two rows; if another paper form was meant to be typed here, type that one instead",
        f"{file}, sheet 'challenges', row 3: repeats row 2 of this sheet: R-PAP1 gives the same answer to GOV-C1 "
        "there. Delete one of the two rows; if another paper form was meant to be typed here, type that one instead",
    ]
    results = import_file(session, file, lenient=True)
    assert [(r.table, r.imported, [p.line for p in r.rejected]) for r in results] == [
        ("responses", 2, [4]),
        ("challenges", 1, [3]),
    ]


def test_the_cli_counts_a_repeated_row_once(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "a.csv", [row(), row(standard_id="GOV-1-2"), row(respondent_id="R-OTHR"), row()])
    strict = CliRunner().invoke(cli, ["import", str(session.path), str(file)])
    assert strict.exit_code == 1
    assert f"{file}, line 5: repeats line 2 of this file" in strict.stderr
    lenient = CliRunner().invoke(cli, ["import", str(session.path), str(file), "--lenient"])
    assert lenient.exit_code == 0
    assert f"Imported 3 answer(s) from {file}" in lenient.stdout
    assert f"Rejected 1 row(s) of {file}:\n  {file}, line 5: repeats line 2" in lenient.stderr
    assert len(SessionStore.open(session).responses()) == 3


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    picks=st.lists(st.integers(0, 3), min_size=1, max_size=9),
    comments=st.lists(st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=12), min_size=4, max_size=4),
)
def test_every_row_of_a_file_with_repeats_is_imported_once_or_named(
    session: Session, tmp_path: Path, picks: list[int], comments: list[str]
) -> None:
    """Rows drawn from four answers, some again and again: each answer lands once, every repeat names its first."""
    store = SessionStore.open(session)
    respondent = f"R-D{len(store.responses()):05d}"  # a new respondent per example
    answers = [
        row(respondent_id=respondent, standard_id=standard, comment=comment)
        for standard, comment in zip(["GOV-1-1", "GOV-1-2", "GOV-2-1", "HOU-1-1"], comments, strict=True)
    ]
    answers[3]["field_id"] = "housing"
    file = write_csv(tmp_path / "r.csv", [answers[i] for i in picks])
    first_line: dict[int, int] = {}
    for line, pick in enumerate(picks, start=2):
        first_line.setdefault(pick, line)
    repeats = {line: first_line[pick] for line, pick in enumerate(picks, start=2) if first_line[pick] != line}
    if repeats:
        with pytest.raises(InputError) as caught:
            import_responses(session, file)
        assert {p.line: p.reason for p in caught.value.problems} == {
            line: f"repeats line {first} of this file: {respondent} gives the same answer to "
            f"{answers[picks[first - 2]]['standard_id']} there. Delete one of the two lines; if another paper form "
            "was meant to be typed here, type that one instead"
            for line, first in repeats.items()
        }
    before = len(store.responses())
    result = import_responses(session, file, lenient=True)
    assert result.imported == len(first_line)
    assert [p.line for p in result.rejected] == sorted(repeats)
    added = store.responses()[before:]
    assert [a.standard_id for a in added] == [answers[pick]["standard_id"] for pick in first_line]


def test_an_unnamed_column_is_left_out_when_empty_and_named_by_its_cell_when_not(
    session: Session, tmp_path: Path
) -> None:
    columns = [*COLUMNS[:3], "", *COLUMNS[3:]]

    def ordered(record: dict[str, str], unnamed: str) -> dict[str, str]:
        return {c: unnamed if c == "" else record[c] for c in columns}

    assert import_responses(session, write_xlsx(tmp_path / "a.xlsx", [ordered(row(), "")], columns)).imported == 1
    file = write_xlsx(tmp_path / "b.xlsx", [ordered(row(), ""), ordered(row(standard_id="GOV-1-2"), "x")], columns)
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.line, problem.column, problem.cell) == (1, None, "D1")
    assert problem.reason.startswith("column 4 has no name in the header, but row(s) 3 hold something in it")


def test_new_import_messages_are_explained_in_german(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    import_responses(session, write_csv(tmp_path / "a.csv", [row(rating="1")]))
    import_responses(session, write_csv(tmp_path / "b.csv", [row(rating="2")]))
    [problem] = import_responses(session, tmp_path / "a.csv").outdated
    assert str(problem) == (
        f"{tmp_path / 'a.csv'}, Zeile 2, Spalte 'rating': wiederholt eine frühere Antwort von R-PAP1 zu GOV-1-1, "
        "die inzwischen geändert wurde (jetzt: rating '2'); "
        "um sie zurückzuändern, importieren Sie die Datei mit --again"
    )
    file = tmp_path / "unicode.txt"
    file.write_bytes(b"\xff\xfe" + "\t".join(COLUMNS).encode("utf-16-le"))
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert str(caught.value).startswith(f"{file}: Die Datei ist UTF-16-Text (in Excel „Unicode-Text“)")
    conflicting = write_csv(tmp_path / "c.csv", [row(rating="0"), row(rating="3")])
    with pytest.raises(InputError) as caught:
        import_responses(session, conflicting)
    assert str(caught.value).split("\n")[0] == (
        f"{conflicting}, Zeile 2, Spalte 'rating': R-PAP1 gibt in Zeile(n) 3 dieser Datei eine andere Antwort zu "
        "GOV-1-1; welche gemeint ist, ist unklar: Behalten Sie nur die richtige"
    )


def test_a_pipe_or_device_is_refused_instead_of_read_forever(session: Session, tmp_path: Path) -> None:
    import os

    pipe = tmp_path / "answers.csv"
    os.mkfifo(pipe)
    result = CliRunner().invoke(cli, ["import", str(session.path), str(pipe)])
    assert result.exit_code == 1
    assert "not an ordinary file" in result.stderr


# --- separators the kit does not read, and headers that are none ---------------------------------------

FOREIGN_SEPARATORS = sorted(set(string.punctuation) - set(",;\"'_"))


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    separator=st.sampled_from(FOREIGN_SEPARATORS),
    comment=st.text(st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from([*FOREIGN_SEPARATORS, "\n"])),
)
def test_another_separator_is_named_and_its_sep_line_makes_the_file_read(
    session: Session, tmp_path: Path, separator: str, comment: str
) -> None:
    """One problem naming the separator, not one per column; the way out it names (a line sep=|) works."""
    store = SessionStore.open(session)
    respondent = f"R-S{len(store.responses()):05d}"
    file = write_csv(tmp_path / "other.csv", [row(respondent_id=respondent, comment=comment)], delimiter=separator)
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.column) == (file, 1, None)
    assert problem.reason == (
        f"the columns of the header seem to be separated by '{separator}', which the kit does not recognise: "
        "it reads commas, semicolons and tabs. Save the file from your spreadsheet program as 'CSV UTF-8', or write "
        f"sep={separator} as a new first line of the file so that the kit reads '{separator}' as the separator."
    )
    file.write_bytes(f"sep={separator}\r\n".encode() + file.read_bytes())
    assert import_responses(session, file).imported == 1
    assert store.responses()[-1].comment == (comment if comment.strip() else "")


def test_the_reviewers_pipe_file_gives_one_line(session: Session, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "pipe.csv", [row(), row(standard_id="GOV-1-2")], delimiter="|")
    result = CliRunner().invoke(cli, ["import", str(session.path), str(file)])
    assert result.exit_code == 1
    assert "1 problem(s) found" in result.stderr
    assert f"{file}, line 1: the columns of the header seem to be separated by '|'" in result.stderr
    assert "this column is missing" not in result.stderr


@pytest.mark.parametrize("header", ["garbage", "Name,Gruppe,Bewertung", "Fragebogen Musterstadt, Juni 2025"])
def test_a_first_line_naming_no_column_is_one_problem(session: Session, tmp_path: Path, header: str) -> None:
    file = tmp_path / "a.csv"
    file.write_bytes(f"{header}\r\n{','.join(row().values())}\r\n".encode())
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert str(caught.value) == (
        f"{file}, line 1: this line names none of the kit's columns, so it is not the header of a table of answers "
        "(expected are columns such as respondent_id, stakeholder_group, field_id, standard_id, rating, response, "
        "priority, comment, separated by commas, semicolons or tabs). Check that this is the file you meant and that "
        "nothing stands above the header."
    )


def test_a_sheet_whose_first_row_names_no_column_is_one_problem(session: Session, tmp_path: Path) -> None:
    file = write_xlsx(tmp_path / "a.xlsx", [row()], ["Name", "Gruppe", "Feld", "Standard", "Bewertung"])
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.sheet, problem.line, problem.column, problem.cell) == ("answers", 1, None, None)
    assert problem.reason.startswith("this row names none of the kit's columns")
    assert "one per cell" in problem.reason


def test_a_header_with_some_known_columns_still_names_each_problem(session: Session, tmp_path: Path) -> None:
    columns = [c for c in COLUMNS if c != "rating"] + ["Bewertung"]
    file = write_csv(tmp_path / "a.csv", [{k: v for k, v in row(Bewertung="2").items() if k in columns}], columns)
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert {(p.column, p.reason.split(";")[0]) for p in caught.value.problems} == {
        ("Bewertung", "unknown column"),
        ("rating", "this column is missing"),
    }


# --- files named like a spreadsheet ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.xlsx", "an Excel workbook"),
        ("a.XLSM", "an Excel workbook"),
        ("a.xls", "an old Excel workbook"),
        ("a.ods", "an OpenDocument spreadsheet"),
    ],
)
def test_a_csv_file_named_like_a_spreadsheet_is_to_be_renamed(
    session: Session, tmp_path: Path, name: str, kind: str
) -> None:
    """A spreadsheet program would refuse it under this name too; reading it as CSV would hide the mistake."""
    file = write_csv(tmp_path / name, [row()], delimiter=";")
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    suffix = file.suffix.lower()
    assert str(caught.value) == (
        f"{file}: ends in {suffix} like {kind}, but it is not one: it is a text file that looks like CSV (your "
        "spreadsheet program would not open it under this name either). Rename it to end in .csv and import it again."
    )
    renamed = file.rename(tmp_path / "a.csv")
    assert import_responses(session, renamed).imported == 1


@pytest.mark.parametrize("content", [b"garbage\n", b"", b"%PDF-1.7\n\x00\x01binary"])
def test_something_else_named_like_a_workbook_says_so(session: Session, tmp_path: Path, content: bytes) -> None:
    file = tmp_path / "fake.xlsx"
    file.write_bytes(content)
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert str(caught.value) == (
        f"{file}: ends in .xlsx like an Excel workbook, but it is not one, nor a CSV file of answers. Check that this "
        "is the file you meant. Save it as 'Excel Workbook (.xlsx)' or as 'CSV UTF-8' and import that file."
    )


def opendocument(path: Path) -> Path:
    """The start of an OpenDocument spreadsheet as LibreOffice writes it: a ZIP archive whose first entry says so."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
    return path


@pytest.mark.parametrize("name", ["answers.ods", "answers.xlsx", "answers.csv"])
def test_an_opendocument_spreadsheet_is_named_as_such_whatever_its_name(
    session: Session, tmp_path: Path, name: str
) -> None:
    file = opendocument(tmp_path / name)
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert str(caught.value) == (
        f"{file}: is an OpenDocument spreadsheet (.ods), which the kit cannot read. "
        "Save it as 'Excel Workbook (.xlsx)' or as 'CSV UTF-8' and import that file."
    )


def test_an_opendocument_spreadsheet_without_its_mimetype_first_is_still_recognised(
    session: Session, tmp_path: Path
) -> None:
    file = tmp_path / "answers.ods"
    with zipfile.ZipFile(file, "w") as archive:
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    with pytest.raises(InputError, match=r"is an OpenDocument spreadsheet \(\.ods\)"):
        import_responses(session, file)


def test_a_workbook_named_xls_is_read_as_the_workbook_it_is(session: Session, tmp_path: Path) -> None:
    file = write_xlsx(tmp_path / "paper.xls", [row()])
    assert import_responses(session, file).imported == 1


def test_a_numbers_document_is_refused_by_its_name(session: Session, tmp_path: Path) -> None:
    folder = tmp_path / "answers.numbers"  # a Numbers document may be a folder
    folder.mkdir()
    with pytest.raises(InputError, match=r"is a Numbers document, which the kit cannot read\. Save it as"):
        import_responses(session, folder)


def test_new_file_kind_messages_are_explained_in_german(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    renamed = write_csv(tmp_path / "a.xlsx", [row()])
    fake = tmp_path / "b.xls"
    fake.write_bytes(b"garbage\n")
    pipe = write_csv(tmp_path / "c.csv", [row()], delimiter="|")
    garbage = tmp_path / "d.csv"
    garbage.write_bytes(b"garbage\n")
    twice = write_csv(tmp_path / "e.csv", [row(), row()])
    messages = []
    for file in (renamed, fake, pipe, garbage, twice):
        with pytest.raises(InputError) as caught:
            import_responses(session, file)
        messages.append(str(caught.value))
    assert messages == [
        f"{renamed}: Die Datei endet auf .xlsx wie eine Excel-Arbeitsmappe, ist aber keine: Sie ist eine Textdatei, "
        "die wie CSV aussieht (auch Ihr Tabellenprogramm würde sie so nicht öffnen). Benennen Sie sie so um, dass "
        "sie auf .csv endet, und importieren Sie sie erneut.",
        f"{fake}: Die Datei endet auf .xls wie eine alte Excel-Arbeitsmappe, ist aber keine, und auch keine "
        "CSV-Datei mit Antworten. Prüfen Sie, ob es die gemeinte Datei ist. Speichern Sie sie als "
        "„Excel-Arbeitsmappe (.xlsx)“ oder als „CSV UTF-8“ und importieren Sie diese Datei.",
        f"{pipe}, Zeile 1: Die Spalten der Kopfzeile sind offenbar durch „|“ getrennt; das Kit erkennt nur Kommas, "
        "Semikolons und Tabulatoren. Speichern Sie die Datei in Ihrem Tabellenprogramm als „CSV UTF-8“, oder "
        "schreiben Sie sep=| als neue erste Zeile in die Datei, dann liest das Kit „|“ als Trennzeichen.",
        f"{garbage}, Zeile 1: Diese Zeile nennt keine einzige Spalte des Kits und ist daher keine Kopfzeile einer "
        "Tabelle mit Antworten (erwartet werden Spalten wie respondent_id, stakeholder_group, field_id, standard_id, "
        "rating, response, priority, comment, getrennt durch Kommas, Semikolons oder Tabulatoren). Prüfen Sie, ob es "
        "die gemeinte Datei ist und ob über der Kopfzeile etwas steht, das dort nicht hingehört.",
        f"{twice}, Zeile 3: wiederholt Zeile 2 dieser Datei: R-PAP1 gibt dort dieselbe Antwort zu GOV-1-1. Löschen "
        "Sie eine der beiden Zeilen; sollte hier ein anderer Papierbogen abgetippt werden, tippen Sie stattdessen "
        "diesen ab",
    ]


# --- one person, one stakeholder group -----------------------------------------------------------------------

CARD_ROW = "P-7K3Q,administration,governance,GOV-2-1,1,rated,,"
"""The reviewers' row: P-7K3Q, who answered as civil_society, typed in as administration."""


def test_an_id_typed_in_another_group_than_it_has_in_the_session_is_refused(session: Session, tmp_path: Path) -> None:
    """As in the participant app, a returning id stays in the group of its earlier answers; never two groups."""
    import_responses(session, write_csv(tmp_path / "first.csv", [row(respondent_id="P-7K3Q")]))
    target = SessionStore.open(session).path(RESPONSES)
    before = target.read_bytes()
    file = tmp_path / "card.csv"
    file.write_bytes(f"{','.join(COLUMNS[:8])}\r\n{CARD_ROW}\r\n".encode())
    result = CliRunner().invoke(cli, ["import", str(session.path), str(file)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"  {file}, line 2, column 'stakeholder_group': P-7K3Q answered as 'civil_society' before in this session, "
        "and one person belongs to one stakeholder group (the participant app, too, continues an id under the group "
        "of its earlier answers). If this is the same person, type 'civil_society' here; if not, check the id on the "
        "paper form. If the group was typed wrong in the earlier import, import the corrected file with --regroup"
    )
    assert target.read_bytes() == before
    assert {a.stakeholder_group for a in SessionStore.open(session).responses()} == {"civil_society"}
    file.write_bytes(f"{','.join(COLUMNS[:8])}\r\n{CARD_ROW.replace('administration', 'civil_society')}\r\n".encode())
    assert import_responses(session, file).imported == 1


def test_a_group_typed_wrong_in_an_earlier_import_is_corrected_with_regroup(session: Session, tmp_path: Path) -> None:
    """The way out of the one-group rule: the corrected file, imported with --regroup, moves the person."""
    from wholecomm_kit.analysis import current_responses, respondent_groups, responses_frame

    wrong = [
        row(respondent_id="P-AAAA", stakeholder_group="administration", standard_id=s) for s in ("GOV-1-1", "GOV-1-2")
    ]
    import_responses(session, write_csv(tmp_path / "typed.csv", wrong))
    corrected = write_csv(tmp_path / "corrected.csv", [{**r, "stakeholder_group": "civil_society"} for r in wrong])
    refused = CliRunner().invoke(cli, ["import", str(session.path), str(corrected)])
    assert refused.exit_code == 1
    assert "--regroup" in refused.stderr
    moved = CliRunner().invoke(cli, ["import", str(session.path), str(corrected), "--regroup"])
    assert moved.exit_code == 0, moved.output
    assert "Imported 2 answer(s)" in moved.stdout
    current = current_responses(responses_frame(SessionStore.open(session).responses()))
    assert respondent_groups(current)["P-AAAA"] == "civil_society"
    assert set(current["stakeholder_group"]) == {"civil_society"}
    mixed = [{**wrong[0], "stakeholder_group": "politics"}, {**wrong[1], "stakeholder_group": "research"}]
    within = CliRunner().invoke(
        cli, ["import", str(session.path), str(write_csv(tmp_path / "mixed.csv", mixed)), "--regroup"]
    )
    assert within.exit_code == 1  # one file still gives one person one group
    assert "has the stakeholder group 'politics' in line 2 of this file" in within.stderr


def test_the_group_of_key_challenge_answers_counts_as_well(session: Session, tmp_path: Path) -> None:
    import_file(session, write_csv(tmp_path / "c.csv", [challenge(respondent_id="P-7K3Q")], CHALLENGE_COLUMNS))
    file = write_csv(tmp_path / "r.csv", [row(respondent_id="P-7K3Q", stakeholder_group="politics")])
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.line, problem.column) == (2, "stakeholder_group")
    assert problem.reason.startswith("P-7K3Q answered as 'civil_society' before in this session")


def test_an_id_new_to_the_session_is_in_the_group_of_its_first_row(session: Session, tmp_path: Path) -> None:
    """A paper card typed for the first time: no earlier answers, any group; but one group in all its rows."""
    card = {"respondent_id": "P-X9CV", "stakeholder_group": "business"}
    good = write_csv(tmp_path / "good.csv", [row(**card), row(**card, standard_id="GOV-1-2")])
    assert import_responses(session, good).imported == 2
    card = {"respondent_id": "P-M4TX", "stakeholder_group": "research"}
    rows = [
        row(**card),
        row(**{**card, "stakeholder_group": "other"}, standard_id="GOV-1-2"),
        row(**card, standard_id="GOV-2-1"),
    ]
    file = write_csv(tmp_path / "two.csv", rows)
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert str(problem) == (
        f"{file}, line 3, column 'stakeholder_group': P-M4TX has the stakeholder group 'research' in line 2 of this "
        "file, and one person belongs to one group (as in the participant app). Give every line of P-M4TX the same "
        "group; if this is another person, check the id on the paper form"
    )
    result = import_responses(session, file, lenient=True)
    assert (result.imported, [p.line for p in result.rejected]) == (2, [3])
    assert {a.stakeholder_group for a in SessionStore.open(session).responses() if a.respondent_id == "P-M4TX"} == {
        "research"
    }


def test_two_groups_of_one_id_across_the_sheets_of_a_workbook_name_the_sheet(session: Session, tmp_path: Path) -> None:
    file = both_sheets(
        tmp_path / "answers.xlsx",
        [row(respondent_id="P-7K3Q")],
        [
            challenge(respondent_id="P-7K3Q"),
            challenge(respondent_id="P-7K3Q", challenge_id="GOV-C2", stakeholder_group="politics"),
        ],
    )
    with pytest.raises(InputError) as caught:
        import_file(session, file)
    [problem] = caught.value.problems
    assert (problem.sheet, problem.line, problem.column, problem.cell) == ("challenges", 3, "stakeholder_group", "B3")
    assert problem.reason.startswith(
        "P-7K3Q has the stakeholder group 'civil_society' in row 2 of sheet 'answers', and one person belongs to one "
        "group (as in the participant app). Give every row of P-7K3Q the same group"
    )


def test_rows_already_in_the_session_are_not_refused_for_their_group(session: Session, tmp_path: Path) -> None:
    """A session from before this rule may hold an id in two groups: importing its file again refuses nothing."""
    store = SessionStore.open(session)
    earlier = [
        row(respondent_id="P-7K3Q"),
        row(respondent_id="P-7K3Q", standard_id="GOV-1-2", stakeholder_group="politics"),
    ]
    store.append([stored(store, r, f"2025-06-12T10:0{i}:00.000Z") for i, r in enumerate(earlier)])
    result = import_responses(session, write_csv(tmp_path / "again.csv", earlier))
    assert (result.imported, result.repeated, result.rejected) == (0, [2, 3], [])
    file = write_csv(tmp_path / "new.csv", [row(respondent_id="P-7K3Q", standard_id="GOV-2-1")])
    with pytest.raises(InputError, match="P-7K3Q answered as 'politics' before"):  # the app goes on as politics too
        import_responses(session, file)


def stored(store: SessionStore, record: dict[str, str], when: str) -> Response:
    """A typed row as the kit stores an answer, recorded at ``when``."""
    made = store.response_record(
        respondent_id=record["respondent_id"],
        stakeholder_group=record["stakeholder_group"],
        standard_id=record["standard_id"],
        response=record["response"],
        rating=int(record["rating"]) if record["rating"] else None,
        priority=record["priority"],
        comment=record["comment"],
    )
    return replace(made, recorded_at=when)


GROUPS = ["administration", "politics", "civil_society"]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    history=st.lists(
        st.tuples(
            st.sampled_from(GROUPS),
            st.sampled_from(["GOV-1-1", "GOV-1-2", "GOV-C1", "GOV-C2"]),  # ratings and key-challenge answers
            st.integers(0, 5),  # minutes: equal times happen (two devices, one moment)
        ),
        min_size=1,
        max_size=6,
    ),
    typed=st.sampled_from(GROUPS),
)
def test_the_group_an_id_has_is_the_one_the_participant_app_continues_under(
    session: Session, tmp_path: Path, history: list[tuple[str, str, int]], typed: str
) -> None:
    """Whatever the session holds (even an id in two groups, from before this rule), the importer keeps a returning
    id in exactly the group the participant app would continue it under."""
    from wholecomm_kit.checklist import _latest_group

    store = SessionStore.open(session)
    respondent = f"P-{len(store.responses()) + len(store.challenge_answers()):04d}"  # new in every example
    records: list[Response | ChallengeAnswer] = []
    for group, item, minute in history:
        when = f"2025-06-12T10:{minute:02d}:00.000Z"
        if "-C" in item:
            records.append(
                replace(
                    store.challenge_record(
                        respondent_id=respondent, stakeholder_group=group, challenge_id=item, applies="yes"
                    ),
                    recorded_at=when,
                )
            )
        else:
            made = store.response_record(
                respondent_id=respondent, stakeholder_group=group, standard_id=item, response="rated", rating=2
            )
            records.append(replace(made, recorded_at=when))
    store.append([r for r in records if isinstance(r, Response)])
    store.append([r for r in records if isinstance(r, ChallengeAnswer)])
    mine = [r for r in store.current_responses() if r.respondent_id == respondent]
    app = _latest_group([*mine, *(a for a in store.current_challenge_answers() if a.respondent_id == respondent)])
    file = write_csv(
        tmp_path / "h.csv", [row(respondent_id=respondent, stakeholder_group=typed, standard_id="GOV-2-1")]
    )
    if typed == app:
        assert import_responses(session, file).imported == 1
    else:
        with pytest.raises(InputError, match=f"{respondent} answered as '{app}' before"):
            import_responses(session, file)


def test_the_group_problems_are_explained_in_german(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    import_responses(session, write_csv(tmp_path / "first.csv", [row(respondent_id="P-7K3Q")]))
    later = write_csv(tmp_path / "later.csv", [row(respondent_id="P-7K3Q", stakeholder_group="administration")])
    with pytest.raises(InputError) as caught:
        import_responses(session, later)
    assert str(caught.value) == (
        f"{later}, Zeile 2, Spalte 'stakeholder_group': P-7K3Q hat in dieser Sitzung schon als 'civil_society' "
        "geantwortet, und eine Person gehört zu einer einzigen Stakeholder-Gruppe (auch die Teilnehmenden-App führt "
        "eine Kennung unter der Gruppe ihrer früheren Antworten weiter). Ist es dieselbe Person, tragen Sie hier "
        "'civil_society' ein; sonst prüfen Sie die Kennung auf dem Papierbogen. War die Gruppe beim früheren Import "
        "falsch eingetippt, importieren Sie die berichtigte Datei mit --regroup"
    )
    card = {"respondent_id": "P-M4TX"}
    csv_file = write_csv(
        tmp_path / "two.csv", [row(**card), row(**card, standard_id="GOV-1-2", stakeholder_group="other")]
    )
    sheet = write_xlsx(
        tmp_path / "two.xlsx", [row(**card), row(**card, standard_id="GOV-1-2", stakeholder_group="other")]
    )
    found = []
    for file in (csv_file, sheet):
        with pytest.raises(InputError) as caught:
            import_responses(session, file)
        found.append(str(caught.value))
    assert found == [
        f"{csv_file}, Zeile 3, Spalte 'stakeholder_group': P-M4TX hat in Zeile 2 dieser Datei die Stakeholder-Gruppe "
        "'civil_society', und eine Person gehört zu einer einzigen Gruppe (wie in der Teilnehmenden-App). Geben Sie "
        "allen Zeilen von P-M4TX dieselbe Gruppe; ist es eine andere Person, prüfen Sie die Kennung auf dem "
        "Papierbogen",
        f"{sheet}, Blatt 'answers', Zeile 3, Spalte 'stakeholder_group' (Zelle B3): P-M4TX hat in Zeile 2 des Blattes "
        "'answers' die Stakeholder-Gruppe 'civil_society', und eine Person gehört zu einer einzigen Gruppe (wie in der "
        "Teilnehmenden-App). Geben Sie allen Zeilen von P-M4TX dieselbe Gruppe; ist es eine andere Person, prüfen Sie "
        "die Kennung auf dem Papierbogen",
    ]


# --- --lenient on a file imported before -------------------------------------------------------------------


def test_rows_already_in_the_session_count_as_good_rows(session: Session, tmp_path: Path) -> None:
    """Rows 2-5 imported before, rows 6-9 bad: four rows were good, they are in the session already."""
    good = [row(standard_id=s) for s in ("GOV-1-1", "GOV-1-2", "GOV-2-1", "GOV-2-2")]
    assert import_responses(session, write_xlsx(tmp_path / "first.xlsx", good)).imported == 4
    bad = [row(standard_id=s, rating="7") for s in ("GOV-2-3", "GOV-2-4", "GOV-2-5", "GOV-2-6")]
    result = import_responses(session, write_xlsx(tmp_path / "whole.xlsx", good + bad), lenient=True)
    assert (result.imported, result.repeated, [p.line for p in result.rejected]) == (0, [2, 3, 4, 5], [6, 7, 8, 9])
    assert result.good == 4
    outdated = import_responses(session, write_xlsx(tmp_path / "changed.xlsx", [row(rating="3")]))
    assert outdated.good == 1
    again = import_responses(session, write_xlsx(tmp_path / "old.xlsx", [row(), *bad]), lenient=True)
    assert (again.imported, len(again.outdated), again.good) == (0, 1, 1)  # changed since: good, not added


# --- formulas without a saved result, and damaged workbooks ------------------------------------------------


def test_a_formula_without_a_result_is_one_problem_among_the_others(session: Session, tmp_path: Path) -> None:
    """A workbook written by a program that computes no formulas: every problem of the file is still listed."""
    file = both_sheets(
        tmp_path / "answers.xlsx",
        [row(rating="=1+1"), row(standard_id="GOV-1-2", rating="9"), row(standard_id="GOV-2-1")],
        [challenge(), challenge(challenge_id="EDU-C1")],
    )
    with pytest.raises(InputError) as caught:
        import_file(session, file)
    assert [(p.sheet, p.line, p.column, p.cell) for p in caught.value.problems] == [
        ("answers", 2, "rating", "E2"),
        ("answers", 3, "rating", "E3"),
        ("challenges", 3, "challenge_id", "C3"),
    ]
    assert str(caught.value.problems[0]) == (
        f"{file}, sheet 'answers', row 2, column 'rating' (cell E2): this cell holds a formula without a saved result. "
        "Open it in your spreadsheet program and save it again as 'Excel Workbook (.xlsx)' or as 'CSV UTF-8'."
    )
    ratings, challenges = import_file(session, file, lenient=True)
    assert (ratings.imported, [p.line for p in ratings.rejected]) == (1, [2, 3])
    assert (challenges.imported, [p.line for p in challenges.rejected]) == (1, [3])


def test_a_formula_in_the_header_is_listed_with_the_other_sheets_problems(session: Session, tmp_path: Path) -> None:
    file = both_sheets(tmp_path / "answers.xlsx", [row()], [challenge(challenge_id="EDU-C1")])
    book = load_workbook(file)
    book["answers"]["H1"] = '=LOWER("COMMENT")'
    book.save(file)
    with pytest.raises(InputError) as caught:
        import_file(session, file)
    assert [(p.sheet, p.line, p.column, p.cell) for p in caught.value.problems] == [
        ("answers", 1, None, "H1"),  # what the header names there is not known: no "column missing" besides
        ("challenges", 2, "challenge_id", "C2"),
    ]
    assert "formula without a saved result" in caught.value.problems[0].reason


@pytest.mark.parametrize("damage", ["cut off", "no [Content_Types].xml", "no xl/workbook.xml", "broken sheet"])
def test_a_damaged_workbook_is_said_in_plain_words(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    file = write_xlsx(tmp_path / "answers.xlsx", [row()])
    data = file.read_bytes()
    if damage == "cut off":
        file.write_bytes(data[: len(data) // 2])
    else:
        with zipfile.ZipFile(file) as source:
            parts = {name: source.read(name) for name in source.namelist()}
        if damage == "broken sheet":
            parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"][:300]
        else:
            del parts[damage.removeprefix("no ")]
        with zipfile.ZipFile(file, "w") as target:
            for name, content in parts.items():
                target.writestr(name, content)
    result = CliRunner().invoke(cli, ["import", str(session.path), str(file)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"  {file}: is a damaged or incomplete Excel workbook (copied, downloaded or saved only in part, say) and "
        "cannot be read. Open it in your spreadsheet program and save it again as 'Excel Workbook (.xlsx)' or as "
        "'CSV UTF-8'. If it does not open, copy it again from where it was first saved."
    )
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert str(caught.value) == (
        f"{file}: Die Datei ist eine beschädigte oder unvollständige Excel-Arbeitsmappe (etwa nur zum Teil kopiert, "
        "heruntergeladen oder gespeichert) und lässt sich nicht lesen. Öffnen Sie die Datei in Ihrem Tabellenprogramm "
        "und speichern Sie sie erneut als „Excel-Arbeitsmappe (.xlsx)“ oder als „CSV UTF-8“. Lässt sie sich nicht "
        "öffnen, kopieren Sie sie noch einmal von dort, wo sie zuerst gespeichert wurde."
    )


def test_lenient_on_a_file_imported_before_is_no_failure(session: Session, tmp_path: Path) -> None:
    """Rows already in the session are good rows: importing the whole file again lists only the bad ones."""
    good = [row(standard_id=s) for s in ("GOV-1-1", "GOV-1-2", "GOV-2-1", "GOV-2-2")]
    first = write_xlsx(tmp_path / "first.xlsx", good)
    assert CliRunner().invoke(cli, ["import", str(session.path), str(first)]).exit_code == 0
    bad = [row(standard_id=s, rating="7") for s in ("GOV-2-3", "GOV-2-4", "GOV-2-5", "GOV-2-6")]
    whole = write_xlsx(tmp_path / "whole.xlsx", good + bad)
    result = CliRunner().invoke(cli, ["import", str(session.path), str(whole), "--lenient"])
    assert result.exit_code == 0, result.output
    assert "not one row was good" not in result.stderr
    assert (
        "Warning: Not added again: 4 answer(s) are already the current answer in the session "
        f"(row(s) 2, 3, 4, 5 of sheet 'answers' of {whole})"
    ) in result.stderr
    assert f"Warning: Rejected 4 row(s) of sheet 'answers' of {whole}:" in result.stderr


def test_two_imports_at_the_same_moment_cannot_put_one_id_in_two_groups(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks run under the answers file's lock: the second import waits, then sees the first one's rows."""
    import threading

    from wholecomm_kit import importer

    inside, release = threading.Event(), threading.Event()
    original = importer._refuse_other_groups
    calls: list[str] = []

    def paused(*args: Any, **kwargs: Any) -> None:
        calls.append(threading.current_thread().name)
        if len(calls) == 1:  # the first import stops in the middle of its checks
            inside.set()
            release.wait(10)
        original(*args, **kwargs)

    monkeypatch.setattr(importer, "_refuse_other_groups", paused)
    first = write_csv(tmp_path / "a.csv", [row(respondent_id="P-ZZZZ", stakeholder_group="administration")])
    second = write_csv(
        tmp_path / "b.csv", [row(respondent_id="P-ZZZZ", stakeholder_group="politics", standard_id="GOV-1-2")]
    )
    errors: dict[str, InputError] = {}

    def run(name: str, file: Path) -> None:
        try:
            import_responses(session, file)
        except InputError as exc:
            errors[name] = exc

    a = threading.Thread(target=run, args=("a", first))
    a.start()
    assert inside.wait(10)
    b = threading.Thread(target=run, args=("b", second))
    b.start()
    b.join(0.5)
    assert b.is_alive()  # waiting for the lock the first import holds while it checks and writes
    release.set()
    a.join(10)
    b.join(10)
    assert "a" not in errors
    assert "answered as 'administration' before" in str(errors["b"])
    assert {r.stakeholder_group for r in SessionStore.open(session).responses()} == {"administration"}


# --- typed as a person types: spaces, another case, the paper form's words -------------------------------------------


def test_spaces_around_a_value_are_not_part_of_it(session: Session, tmp_path: Path) -> None:
    """A space at the end of a cell cannot be seen in a spreadsheet (or came with an id copied from the cards)."""
    typed = row(
        respondent_id="P-7K3Q ", stakeholder_group=" civil_society", standard_id="GOV-1-1\u00a0", comment=" so "
    )
    file = write_xlsx(tmp_path / "a.xlsx", [typed, row(standard_id=" GOV-1-2", priority="high ", rating=" 2 ")])
    assert import_responses(session, file).imported == 2
    answers = SessionStore.open(session).responses()
    assert [(a.respondent_id, a.stakeholder_group, a.standard_id) for a in answers] == [
        ("P-7K3Q", "civil_society", "GOV-1-1"),
        ("R-PAP1", "civil_society", "GOV-1-2"),
    ]
    assert [(a.priority, a.comment) for a in answers] == [("high", " so "), ("high", "Papierbogen, Seite 1")]


def test_values_typed_in_another_case_are_the_catalogues(session: Session, tmp_path: Path) -> None:
    """The template's dropdowns take "Rated" or "gov-1-1" (spreadsheets compare a list's values ignoring case)."""
    typed = row(
        stakeholder_group="Civil_Society",
        field_id="Governance",
        standard_id="gov-1-1",
        response="Rated",
        priority="HIGH",
    )
    file = both_sheets(
        tmp_path / "a.xlsx",
        [typed, row(standard_id="Gov-1-2", rating="", response="Dont_Know", language="DE")],
        [challenge(challenge_id="gov-c1", applies="Yes", stakeholder_group="CIVIL_SOCIETY")],
    )
    assert [r.imported for r in import_file(session, file)] == [2, 1]
    store = SessionStore.open(session)
    assert [
        (a.stakeholder_group, a.field_id, a.standard_id, a.response, a.priority, a.language) for a in store.responses()
    ] == [
        ("civil_society", "governance", "GOV-1-1", "rated", "high", "de"),
        ("civil_society", "governance", "GOV-1-2", "dont_know", "high", "de"),
    ]
    [answer] = store.challenge_answers()
    assert (answer.challenge_id, answer.applies, answer.stakeholder_group) == ("GOV-C1", "yes", "civil_society")


@pytest.mark.parametrize(
    ("column", "value", "meant"),
    [
        ("stakeholder_group", "Verwaltung", "administration"),
        ("stakeholder_group", "wirtschaft", "business"),
        ("stakeholder_group", "Local politics", "politics"),
        ("response", "weiß nicht", "dont_know"),
        ("response", "WN", "dont_know"),
        ("response", "Nicht zutreffend", "not_applicable"),
        ("response", "NA", "not_applicable"),
        ("priority", "hoch", "high"),
        ("priority", "N", "low"),
        ("field_id", "Wohnen und Stadtplanung", "housing"),
    ],
)
def test_a_value_written_as_the_paper_form_says_it_names_the_value_to_type(
    session: Session, tmp_path: Path, column: str, value: str, meant: str
) -> None:
    changes = {column: value}
    if column == "response":
        changes["rating"] = ""
    if column == "field_id":
        changes["standard_id"] = "HOU-1-1"
    file = write_xlsx(tmp_path / "a.xlsx", [row(**changes)])
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.column, problem.line) == (column, 2)
    assert problem.reason.startswith(f"{value!r} is how the paper form says it; the table needs the value {meant} (")


def test_a_key_challenge_answer_written_as_the_form_says_it_names_the_value_to_type(
    session: Session, tmp_path: Path
) -> None:
    file = write_csv(tmp_path / "c.csv", [challenge(applies="Trifft nicht zu")], CHALLENGE_COLUMNS)
    with pytest.raises(InputError) as caught:
        import_file(session, file)
    [problem] = caught.value.problems
    assert problem.column == "applies"
    assert (
        problem.reason
        == "'Trifft nicht zu' is how the paper form says it; the table needs the value no (expected yes, no, unsure)"
    )


@pytest.mark.parametrize(
    ("typed", "meant"), [("WN", "dont_know"), ("weiß nicht", "dont_know"), ("NZ", "not_applicable")]
)
def test_dont_know_typed_into_the_rating_says_where_it_belongs(
    session: Session, tmp_path: Path, typed: str, meant: str
) -> None:
    file = write_xlsx(tmp_path / "a.xlsx", [row(rating=typed, response="")])
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.column, problem.cell) == ("response", "F2")
    assert problem.reason == (
        f"is empty, and column 'rating' holds {typed!r}, as the paper form says it: give {meant} here and leave"
        " 'rating' empty"
    )


# --- card ids -----------------------------------------------------------------------------------------------------


def issue_cards(session: Session, *ids: str) -> Path:
    """The list of ids printed on cards for the session, as paper-forms keeps it."""
    folder = session.path / "paper"
    folder.mkdir(exist_ok=True)
    listed = folder / "issued-ids.txt"
    listed.write_text("".join(f"{i}\n" for i in ids), encoding="utf-8")
    return listed


def test_a_card_id_printed_for_no_card_of_the_session_is_refused(session: Session, tmp_path: Path) -> None:
    """A card id mistyped (P-7K3Q as P-7K3O) would count one person as two, for good: the session keeps every row."""
    listed = issue_cards(session, "P-7K3Q", "P-M4TX")
    rows = [
        row(respondent_id="P-7K3Q"),
        row(respondent_id="p-m4tx"),  # the same card in small letters
        row(respondent_id="P-7K3W"),  # mistyped
        row(respondent_id="R-PAP1"),  # not of a card's form: the participant app's, or one written by hand
    ]
    file = write_xlsx(tmp_path / "a.xlsx", rows)
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.line, problem.column, problem.cell) == (4, "respondent_id", "A4")
    assert problem.reason.startswith("P-7K3W is on no id card printed for this session and has no answers in it;")
    assert str(listed) in problem.reason
    assert SessionStore.open(session).responses() == []
    assert import_responses(session, file, lenient=True).imported == 3
    with listed.open("a", encoding="utf-8") as more:  # a genuine card, written by hand
        more.write("P-7K3W\n")
    assert import_responses(session, file).imported == 1


def test_a_list_of_printed_cards_that_cannot_be_read_stops_the_import(session: Session, tmp_path: Path) -> None:
    """Not "any id goes": the list says which ids are genuine, so a damaged one is said, in plain words."""
    listed = issue_cards(session, "P-7K3Q")
    listed.write_bytes(b"P-7K3Q\nP-M4T\xd6\n")  # saved in Latin-1 by an editor
    file = write_csv(tmp_path / "a.csv", [row(respondent_id="P-7K3W")])
    with pytest.raises(PaperFormError) as caught:
        import_responses(session, file)
    assert str(caught.value) == (
        f"{listed} cannot be read (not UTF-8 text, byte 0xD6 does not fit; save the list in your editor with the "
        "encoding UTF-8); it lists the ids printed on earlier cards."
    )
    assert SessionStore.open(session).responses() == []


def test_a_card_id_with_answers_in_the_session_is_taken_without_a_printed_card(
    session: Session, tmp_path: Path
) -> None:
    import_responses(session, write_csv(tmp_path / "a.csv", [row(respondent_id="P-7K3Q")]))
    issue_cards(session, "P-M4TX")  # cards printed afresh, the list of the first ones lost
    file = write_csv(tmp_path / "b.csv", [row(respondent_id="P-7K3Q", standard_id="GOV-1-2")])
    assert import_responses(session, file).imported == 1


# --- a workbook's layout ------------------------------------------------------------------------------------------


def test_something_right_of_the_headers_last_name_names_its_column(session: Session, tmp_path: Path) -> None:
    file = write_xlsx(tmp_path / "a.xlsx", [row(), row(standard_id="GOV-1-2")])
    book = load_workbook(file)
    book["answers"]["L3"] = "Bogen 2, Rückseite"
    book.save(file)
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert (problem.line, problem.column, problem.cell) == (1, None, "L1")
    assert problem.reason.startswith("column 12 has no name in the header, but row(s) 3 hold something in it")


def test_cells_merged_down_rows_are_named_with_how_to_unmerge_them(session: Session, tmp_path: Path) -> None:
    """The sheet shows A2's id in A3 and A4 as well; the file keeps it in A2 only."""
    rows = [row(), row(standard_id="GOV-1-2"), row(standard_id="GOV-2-1"), row(respondent_id="R-PAP2")]
    file = write_xlsx(tmp_path / "a.xlsx", rows)
    book = load_workbook(file)
    sheet = book["answers"]
    sheet.merge_cells("A2:A4")
    sheet.merge_cells("H5:J5")  # a comment spread over the columns beside it: nothing is hidden
    sheet.merge_cells("K2:K5")  # empty cells merged: nothing is hidden either
    book.save(file)
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert [(p.line, p.column, p.cell) for p in caught.value.problems] == [
        (3, "respondent_id", "A3"),
        (4, "respondent_id", "A4"),
    ]
    assert caught.value.problems[0].reason.startswith(
        "cell A3 is merged with A2 (merged cells A2:A4): your spreadsheet program shows the value of A2 here too, but"
        " it is kept in A2 only, so to the kit A3 is empty. Unmerge the cells"
    )
    assert import_responses(session, file, lenient=True).imported == 2


def test_the_paper_route_messages_are_explained_in_german(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    listed = issue_cards(session, "P-7K3Q")
    rows = [
        row(respondent_id="P-7K3Q", stakeholder_group="Zivilgesellschaft"),
        row(respondent_id="P-7K3Q", standard_id="GOV-1-2", rating="WN", response=""),
        row(respondent_id="P-7K3Q", standard_id="GOV-2-1", priority="M"),
        row(respondent_id="P-7K3Q", standard_id="GOV-2-2"),
        row(respondent_id="P-7K3W", standard_id="GOV-3-1"),
    ]
    file = write_xlsx(tmp_path / "a.xlsx", rows[:4])
    book = load_workbook(file)
    book["answers"].merge_cells("A4:A5")
    book.save(file)
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert [p.reason for p in caught.value.problems] == [
        "'Zivilgesellschaft' ist die Bezeichnung auf dem Papierbogen; in die Tabelle gehört der Wert civil_society"
        " (erlaubt sind administration, politics, civil_society, migrant_organisation, business, service_provider,"
        " research, other)",
        "ist leer, und in Spalte 'rating' steht 'WN', wie auf dem Papierbogen: Tragen Sie hier dont_know ein und"
        " lassen Sie 'rating' leer",
        "'M' ist die Bezeichnung auf dem Papierbogen; in die Tabelle gehört der Wert medium (erlaubt sind low,"
        " medium, high oder leer)",
        "Zelle A5 ist mit A4 verbunden (verbundene Zellen A4:A5): Ihr Tabellenprogramm zeigt den Wert von A4 auch"
        " hier, gespeichert ist er aber nur in A4, für das Kit ist A5 leer. Heben Sie den Zellverbund auf (Excel:"
        " Start → Verbinden und zentrieren → Zellverbund aufheben; LibreOffice: Format → Zellen verbinden →"
        " Zellverbund aufheben) und tragen Sie den Wert in jede Zeile ein",
    ]
    file = write_xlsx(tmp_path / "b.xlsx", rows[4:])
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    [problem] = caught.value.problems
    assert problem.reason == (
        "P-7K3W steht auf keiner Kennungskarte, die für diese Sitzung gedruckt wurde, und hat keine Antworten in der"
        " Sitzung; vermutlich ist die Kennung falsch abgetippt oder auf dem Bogen falsch gelesen. Vergleichen Sie sie"
        f" mit dem Papierbogen (alle gedruckten Kennungen stehen in {listed}). Ist es eine echte Karte, die nicht"
        " das Kit gedruckt hat, schreiben Sie die Kennung als neue Zeile in diese Datei und importieren Sie erneut"
    )


def test_a_card_id_typed_without_its_dash_is_that_card_as_in_the_app(session: Session, tmp_path: Path) -> None:
    """``p7k3q`` or ``P 7K3Q`` for P-7K3Q: read as the participant app reads it, or one person counts as two."""
    issue_cards(session, "P-7K3Q")
    rows = [
        row(respondent_id="p7k3q"),
        row(respondent_id="P 7K3Q", standard_id="GOV-1-2"),
        row(respondent_id="P\u20137K3Q", standard_id="GOV-2-1"),  # an en dash, as a phone keyboard may make it
    ]
    assert import_responses(session, write_csv(tmp_path / "a.csv", rows)).imported == 3
    assert {r.respondent_id for r in SessionStore.open(session).responses()} == {"P-7K3Q"}


def test_an_id_already_used_as_typed_is_never_read_as_another_kit_id(session: Session, tmp_path: Path) -> None:
    """Someone who answered as ``Rbcdf`` keeps that id: only an id nobody has used is read as a kit id."""
    SessionStore.open(session).record_response(
        respondent_id="Rbcdf", stakeholder_group="civil_society", standard_id="GOV-1-2", response="rated", rating=1
    )
    import_responses(session, write_csv(tmp_path / "a.csv", [row(respondent_id="rbcdf")]))
    assert {r.respondent_id for r in SessionStore.open(session).responses()} == {"Rbcdf"}
