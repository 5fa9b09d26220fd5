"""Reading workbooks: every cell as the text a CSV export would hold, every place as the spreadsheet names it."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from wholecomm_kit import spreadsheet
from wholecomm_kit.exceptions import InputError
from wholecomm_kit.spreadsheet import cell_text, read_xlsx


def workbook(path: Path, rows: dict[int, list[object]], *, title: str = "answers", first: str | None = None) -> Path:
    """A workbook with ``rows`` (row number → values) on sheet ``title``; ``first`` puts another sheet before it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = first or title
    if first is not None:
        sheet["A1"] = "not this sheet"
        sheet = book.create_sheet(title)
    for number, values in rows.items():
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)  # type: ignore[call-overload]
    book.save(path)
    return path


def with_saved_result(path: Path, cell: str, result: str) -> Path:
    """The workbook as a spreadsheet program saves it: the formula in ``cell`` with its last result."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet_xml = parts["xl/worksheets/sheet1.xml"].decode()
    sheet_xml, count = re.subn(
        rf'<c r="{cell}"([^>]*)><f>([^<]*)</f><v\s*/?>(</v>)?</c>',
        rf'<c r="{cell}"\1 t="str"><f>\2</f><v>{result}</v></c>',
        sheet_xml,
    )
    assert count == 1, sheet_xml
    parts["xl/worksheets/sheet1.xml"] = sheet_xml.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    return path


@given(st.integers(-(10**9), 10**9))
def test_whole_numbers_read_as_a_csv_export_writes_them(number: int) -> None:
    assert cell_text(number) == str(number)
    assert cell_text(float(number)) == str(number)


@given(st.text())
def test_text_is_kept_as_it_is(text: str) -> None:
    assert cell_text(text) == text


def test_other_values_read_as_plain_text() -> None:
    assert cell_text(None) == ""
    assert cell_text(2.5) == "2.5"
    assert cell_text(True) == "true"
    assert cell_text(dt.datetime(2025, 6, 12, 10, 15)) == "2025-06-12 10:15"


def test_rows_are_numbered_as_the_spreadsheet_shows_them(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "a.xlsx",
        {3: ["respondent_id", "rating"], 4: ["R-1", 2], 6: ["R-2", 3.0], 7: [None, None]},
    )
    [sheet] = read_xlsx(path)
    # nothing above the header, the empty row 5 kept as a blank line, the empty row 7 at the end left out
    assert sheet.rows == [(3, ["respondent_id", "rating"]), (4, ["R-1", "2"]), (5, []), (6, ["R-2", "3"])]
    assert sheet.name == "answers"


def test_the_answers_sheet_is_read_wherever_it_is(tmp_path: Path) -> None:
    path = workbook(tmp_path / "a.xlsx", {1: ["respondent_id"]}, first="Notes")
    assert [sheet.rows for sheet in read_xlsx(path)] == [[(1, ["respondent_id"])]]
    other = workbook(tmp_path / "b.xlsx", {1: ["respondent_id"]}, title="Tabelle1")
    assert [sheet.name for sheet in read_xlsx(other)] == ["Tabelle1"]


def test_empty_cells_at_a_rows_end_are_left_out(tmp_path: Path) -> None:
    path = workbook(tmp_path / "a.xlsx", {1: ["a", "b", "c"], 2: ["x", None, None], 3: [None, "y", None]})
    assert read_xlsx(path)[0].rows == [(1, ["a", "b", "c"]), (2, ["x"]), (3, ["", "y"])]


def test_a_formula_counts_with_its_saved_result(tmp_path: Path) -> None:
    path = with_saved_result(workbook(tmp_path / "a.xlsx", {1: ["a", "b"], 2: ["x", "=1+1"]}), "B2", "2")
    assert read_xlsx(path)[0].rows == [(1, ["a", "b"]), (2, ["x", "2"])]


def test_a_formula_without_a_saved_result_is_a_problem_of_its_row_never_an_empty_cell(tmp_path: Path) -> None:
    """A problem returned with the rows, not raised: the importer lists it among the file's other problems."""
    path = workbook(tmp_path / "a.xlsx", {1: ["a", "b", "c"], 2: ["x", "=1+1", "=2+2"], 3: ["y", "z"]})
    [sheet] = read_xlsx(path)
    assert sheet.rows == [(1, ["a", "b", "c"]), (2, ["x", "=1+1", "=2+2"]), (3, ["y", "z"])]
    [(number, problem)] = sheet.problems.items()  # one problem per row: saving again puts in every result
    assert (number, problem.sheet, problem.line, problem.cell) == (2, "answers", 2, "B2")
    assert str(problem) == (
        f"{path}, sheet 'answers', row 2 (cell B2): this cell holds a formula without a saved result. "
        "Open it in your spreadsheet program and save it again as 'Excel Workbook (.xlsx)' or as 'CSV UTF-8'."
    )


DAMAGED_MESSAGE = (
    "is a damaged or incomplete Excel workbook (copied, downloaded or saved only in part, say) and cannot be read. "
    "Open it in your spreadsheet program and save it again as 'Excel Workbook (.xlsx)' or as 'CSV UTF-8'. "
    "If it does not open, copy it again from where it was first saved."
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 not really a workbook", DAMAGED_MESSAGE),
        (
            b"plain text",
            "is not an Excel workbook. Open it in your spreadsheet program and save it again as "
            "'Excel Workbook (.xlsx)' or as 'CSV UTF-8'.",
        ),
    ],
)
def test_a_broken_workbook_is_a_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_xlsx(path)
    assert str(caught.value) == f"{path}: {message}"


@pytest.mark.parametrize(
    "entries",
    [{"notes.txt": "hello"}, {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}],
)
def test_a_zip_archive_holding_no_workbook_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entries: dict[str, str]
) -> None:
    """A packed folder or a Word document named .xlsx: no workbook at all, not a damaged one."""
    path = tmp_path / "answers.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    with pytest.raises(InputError) as caught:
        read_xlsx(path)
    assert str(caught.value) == (
        f"{path}: is a ZIP archive but holds no Excel workbook (rather, say, another kind of document or a packed "
        "folder). Check that this is the file you meant. Open it in your spreadsheet program and save it again as "
        "'Excel Workbook (.xlsx)' or as 'CSV UTF-8'."
    )
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    with pytest.raises(InputError, match=r"Die Datei ist ein ZIP-Archiv, enthält aber keine Excel-Arbeitsmappe"):
        read_xlsx(path)


def rezipped(path: Path, change: dict[str, bytes | None]) -> Path:
    """The workbook with parts replaced (``None``: left out), as a damaged copy may have them."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            new = change.get(name, data)
            if new is not None:
                target.writestr(name, new)
    return path


@pytest.mark.parametrize(
    "change",
    [
        {"xl/workbook.xml": None},  # KeyError: "There is no item named 'xl/workbook.xml' in the archive"
        {"[Content_Types].xml": None},
        {"xl/workbook.xml": b"<workbook"},  # ParseError: unclosed token
        {"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"},  # broken only where the rows are read
    ],
)
def test_a_damaged_workbook_is_said_in_plain_words(tmp_path: Path, change: dict[str, bytes | None]) -> None:
    """Never the library's error (BadZipFile, KeyError …), which tells a facilitator nothing."""
    path = rezipped(workbook(tmp_path / "a.xlsx", {1: ["a"], 2: ["b"]}), change)
    with pytest.raises(InputError) as caught:
        read_xlsx(path)
    assert str(caught.value) == f"{path}: {DAMAGED_MESSAGE}"


def test_a_mistake_in_the_kits_own_reading_is_not_called_a_damaged_workbook(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The broad net for openpyxl's errors catches only what the libraries raise: a bug of the kit's stays visible."""
    path = workbook(tmp_path / "a.xlsx", {1: ["a"], 2: ["b"]})

    def broken(value: object) -> str:
        raise TypeError("a mistake in the kit")

    monkeypatch.setattr(spreadsheet, "cell_text", broken)
    with pytest.raises(TypeError, match="a mistake in the kit"):
        read_xlsx(path)


def damaged(data: bytes, cuts: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each (place, length, bytes) put in place of what stood there."""
    damaged = bytearray(data)
    for place, length, new in cuts:
        at = place % len(damaged)
        damaged[at : at + length] = new
    return bytes(damaged)


_CUTS = st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 64), st.binary(max_size=8)), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(cuts=_CUTS, length=st.integers(4, 10**6))
def test_a_workbook_damaged_anywhere_is_read_or_refused_in_plain_words(
    tmp_path_factory: pytest.TempPathFactory, cuts: list[tuple[int, int, bytes]], length: int
) -> None:
    """Bytes changed, cut out or the file cut off: read, or one problem without the library's words; never a crash."""
    source = tmp_path_factory.getbasetemp() / "whole.xlsx"
    if not source.exists():
        workbook(source, {1: ["respondent_id", "rating"], 2: ["R-1", 2], 3: ["R-2", "=1+2"]})
    data = damaged(source.read_bytes(), cuts)[:length]
    try:
        sheets = read_xlsx(source, data)
    except InputError as exc:
        [problem] = exc.problems
        assert problem.reason.split(" ")[:2] in (["is", "a"], ["is", "not"], ["the", "workbook"])
    else:
        assert all(isinstance(cell, str) for sheet in sheets for _, cells in sheet.rows for cell in cells)


@settings(max_examples=150, deadline=None)
@given(
    part=st.sampled_from(["xl/workbook.xml", "xl/styles.xml", "xl/worksheets/sheet1.xml", "[Content_Types].xml"]),
    cuts=_CUTS,
)
def test_a_workbook_with_a_damaged_part_is_read_or_refused_in_plain_words(
    tmp_path_factory: pytest.TempPathFactory, part: str, cuts: list[tuple[int, int, bytes]]
) -> None:
    """The XML inside damaged (the ZIP archive whole): openpyxl fails in many ways, the kit says one thing."""
    source = tmp_path_factory.getbasetemp() / "parts.xlsx"
    if not source.exists():
        workbook(source, {1: ["respondent_id", "rating"], 2: ["R-1", 2]})
    with zipfile.ZipFile(source) as archive:
        text = archive.read(part)
    copy = tmp_path_factory.mktemp("damaged") / "a.xlsx"
    copy.write_bytes(source.read_bytes())
    rezipped(copy, {part: damaged(text, cuts)})
    try:
        read_xlsx(copy)
    except InputError as exc:
        [problem] = exc.problems
        assert problem.reason in (DAMAGED_MESSAGE, NO_WORKSHEET) or problem.reason.startswith("is a ZIP archive")


NO_WORKSHEET = (
    "the workbook has no worksheet. Open it in your spreadsheet program and save it again as "
    "'Excel Workbook (.xlsx)' or as 'CSV UTF-8'."
)


def test_what_openpyxl_warns_about_is_not_passed_on(tmp_path: Path) -> None:
    """A print area left over from a deleted sheet: openpyxl warns (in its own words, with its file and line) about
    what it would drop on saving; the kit only reads values, and a facilitator has nothing to do about it."""
    path = workbook(tmp_path / "a.xlsx", {1: ["a"], 2: ["b"]})
    with zipfile.ZipFile(path) as archive:
        book = archive.read("xl/workbook.xml").decode()
    names = '<definedNames><definedName name="_xlnm.Print_Area" localSheetId="7">x!$A$1</definedName></definedNames>'
    rezipped(path, {"xl/workbook.xml": book.replace("<definedNames />", names).encode()})
    assert read_xlsx(path)[0].rows == [(1, ["a"]), (2, ["b"])]  # pytest makes any warning an error


def test_the_challenges_sheet_is_read_after_the_answers_sheet(tmp_path: Path) -> None:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "challenges"
    first.append(["challenge_id"])
    first.append(["GOV-C1"])
    notes = book.create_sheet("notes")
    notes.append(["ignored"])
    answers = book.create_sheet("answers")
    answers.append(["standard_id"])
    path = tmp_path / "both.xlsx"
    book.save(path)
    assert [(sheet.name, sheet.rows) for sheet in read_xlsx(path)] == [
        ("answers", [(1, ["standard_id"])]),
        ("challenges", [(1, ["challenge_id"]), (2, ["GOV-C1"])]),
    ]


def test_a_workbook_whose_only_sheet_is_challenges_is_read_once(tmp_path: Path) -> None:
    path = workbook(tmp_path / "c.xlsx", {1: ["challenge_id"]}, title="challenges")
    assert [sheet.name for sheet in read_xlsx(path)] == ["challenges"]


def test_a_workbook_problem_is_explained_in_german(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    path = workbook(tmp_path / "a.xlsx", {1: ["a", "b"], 2: ["x", "=1+1"]})
    assert str(read_xlsx(path)[0].problems[2]) == (
        f"{path}, Blatt 'answers', Zeile 2 (Zelle B2): In dieser Zelle steht eine Formel ohne gespeichertes "
        "Ergebnis. Öffnen Sie die Datei in Ihrem Tabellenprogramm und speichern Sie sie erneut als "
        "„Excel-Arbeitsmappe (.xlsx)“ oder als „CSV UTF-8“."
    )
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"plain text")
    with pytest.raises(InputError, match=r"Die Datei ist keine Excel-Arbeitsmappe\. Öffnen Sie"):
        read_xlsx(broken)
    broken.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(InputError) as caught:
        read_xlsx(broken)
    assert str(caught.value) == (
        f"{broken}: Die Datei ist eine beschädigte oder unvollständige Excel-Arbeitsmappe (etwa nur zum Teil kopiert, "
        "heruntergeladen oder gespeichert) und lässt sich nicht lesen. Öffnen Sie die Datei in Ihrem Tabellenprogramm "
        "und speichern Sie sie erneut als „Excel-Arbeitsmappe (.xlsx)“ oder als „CSV UTF-8“. Lässt sie sich nicht "
        "öffnen, kopieren Sie sie noch einmal von dort, wo sie zuerst gespeichert wurde."
    )


def test_a_date_reads_without_a_time_and_a_time_without_seconds() -> None:
    assert cell_text(dt.datetime(2025, 1, 2)) == "2025-01-02"
    assert cell_text(dt.date(2025, 1, 2)) == "2025-01-02"
    assert cell_text(dt.time(10, 30)) == "10:30"
    assert cell_text(dt.time(10, 30, 15)) == "10:30:15"
    assert cell_text(dt.datetime(2025, 1, 2, 10, 30, 15)) == "2025-01-02 10:30:15"


@given(st.datetimes(min_value=dt.datetime(1900, 1, 1)))
def test_dates_and_times_read_as_a_person_types_them(moment: dt.datetime) -> None:
    text = cell_text(moment)
    assert "T" not in text
    if moment.time() == dt.time():
        assert text == moment.date().isoformat()
    else:
        assert text.startswith(f"{moment.date().isoformat()} {moment:%H:%M}")
    assert cell_text(moment.time()).startswith(f"{moment:%H:%M}")


def claim_only_two_rows(path: Path) -> None:
    """Rewrite the sheet's dimension record to A1:B2, as some programs write it wrongly."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:B2"', xml).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_rows_beyond_a_wrong_dimension_are_read(tmp_path: Path) -> None:
    path = workbook(tmp_path / "a.xlsx", {1: ["a", "b"], 2: ["x", "y"], 3: ["z", 1], 5: ["w", 2]})
    claim_only_two_rows(path)
    assert read_xlsx(path)[0].rows == [(1, ["a", "b"]), (2, ["x", "y"]), (3, ["z", "1"]), (4, []), (5, ["w", "2"])]


def test_a_formula_beyond_a_wrong_dimension_counts_with_its_result(tmp_path: Path) -> None:
    path = with_saved_result(workbook(tmp_path / "a.xlsx", {1: ["a", "b"], 2: ["x", "y"], 3: ["z", "=1+1"]}), "B3", "2")
    claim_only_two_rows(path)
    assert read_xlsx(path)[0].rows == [(1, ["a", "b"]), (2, ["x", "y"]), (3, ["z", "2"])]
