"""Importing answers from CSV files: good files land whole, bad files are explained and change nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from wholecomm_kit.cli import cli
from wholecomm_kit.exceptions import InputError
from wholecomm_kit.importer import ImportResult, import_file
from wholecomm_kit.records import CHALLENGES, RESPONSES
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


@pytest.mark.parametrize(("name", "content"), [("old.xls", b"anything"), ("locked.xlsx", b"\xd0\xcf\x11\xe0rest")])
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
        (r["standard_id"], r["rating"], r["priority"], r["comment"]) for r in rows
    ]


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
    file = write_csv(tmp_path / "bad.csv", [row(), row(rating="4"), row(priority="hoch")])
    with pytest.raises(InputError) as caught:
        import_responses(session, file)
    assert str(caught.value).split("\n") == [
        f"{file}, Zeile 3, Spalte 'rating': 4 liegt außerhalb der Skala; tragen Sie 0, 1, 2 oder 3 ein",
        f"{file}, Zeile 4, Spalte 'priority': 'hoch' ist nicht erlaubt; erlaubt sind low, medium, high oder leer",
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
    old.write_bytes(b"anything")
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
