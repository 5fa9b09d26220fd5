"""Paper forms: one printable form per field (HTML and PDF) and the spreadsheet template they are typed into."""

from __future__ import annotations

import dataclasses
import html
import io
import itertools
import json
import re
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import openpyxl
import pytest
from click.testing import CliRunner
from helpers import axe_violations, chromium, new_session, offline_page
from PIL import Image
from playwright.sync_api import Browser
from pypdf import PdfReader

from wholecomm_kit.catalog import Catalog, Text
from wholecomm_kit.cli import cli
from wholecomm_kit.exceptions import KitError
from wholecomm_kit.paperform import (
    CHALLENGE_COLUMNS,
    IMPORT_COLUMNS,
    PaperFormError,
    PaperForms,
    answers_template,
    form_html,
    id_cards_html,
    write_paper_forms,
)
from wholecomm_kit.records import CHALLENGES, ID_ALPHABET, RESPONDENT_ID, RESPONSES
from wholecomm_kit.store import SessionStore
from wholecomm_kit.texts import t

STANDARD_ID = re.compile(r"\b[A-Z]{3}-\d+-\d+\b")
CHALLENGE_ID = re.compile(r"\b[A-Z]{3}-C\d+\b")
ATTACK = "<img src=x onerror=alert(1)>Ort"
MM = 72 / 25.4
"""Points in a millimetre: pdftotext and the PDF measure in points."""
A4_WIDTH, A4_HEIGHT = 595.28, 841.89
BOTTOM_MARGIN = 18 * MM
"""The forms' bottom margin, where Chromium prints the footer."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


class Word(NamedTuple):
    """A word printed in a PDF and its box, in points from the page's top left corner."""

    text: str
    left: float
    top: float
    right: float
    bottom: float


def pdf_words(pdf: Path) -> list[list[Word]]:
    """The words of every page, as pdftotext finds them (the way tests/test_report.py measures a handout)."""
    xhtml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
    return [
        [
            Word(html.unescape(w), float(left), float(top), float(right), float(bottom))
            for left, top, right, bottom, w in word.findall(page)
        ]
        for page in re.findall(r"<page [^>]*>(.*?)</page>", xhtml, re.S)
    ]


def find_words(words: list[Word], text: str) -> list[Word]:
    """The words that print ``text``, one after the other on the page (the first place they do)."""
    tokens = text.split()
    for start in range(len(words) - len(tokens) + 1):
        if [w.text for w in words[start : start + len(tokens)]] == tokens:
            return words[start : start + len(tokens)]
    raise AssertionError(f"{text!r} is not printed: {' '.join(w.text for w in words)[:3000]}")


def without_challenges(catalog: Catalog, *field_ids: str) -> Catalog:
    """The catalogue as if these fields had no key challenges (every field of the toolbox has some)."""
    fields = tuple(dataclasses.replace(f, challenges=()) if f.id in field_ids else f for f in catalog.fields)
    return dataclasses.replace(catalog, fields=fields)


# --- the form ---------------------------------------------------------------------------------


def test_every_standard_of_the_field_appears_once_in_catalogue_order(tmp_path: Path, catalog: Catalog) -> None:
    session = new_session(tmp_path, fields="governance,housing")
    for field_id in session.fields:
        page = form_html(session, field_id, "en", catalog)
        assert STANDARD_ID.findall(page) == [s.id for s in catalog.field(field_id).standards]
        for group in catalog.field(field_id).groups:
            assert html.escape(group.title.en) in page
        for standard in catalog.field(field_id).standards:
            assert html.escape(standard.text.en) in page


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_challenge_of_the_field_appears_once_after_the_standards_with_a_tick_box_per_answer(
    tmp_path: Path, catalog: Catalog, language: str
) -> None:
    session = new_session(tmp_path, fields=",".join(catalog.field_ids), language=language)
    labels = [catalog.label("challenge_answers", a, language) for a in catalog.ids("challenge_answers")]
    assert len(labels) == 3
    for field in catalog.fields:
        assert field.challenges, field.id
        page = form_html(session, field.id, language, catalog)
        assert CHALLENGE_ID.findall(page) == [c.id for c in field.challenges]
        # Where the app's checklist asks them: after the last standard, before the thanks.
        section = page.index('<section class="challenges">')
        assert page.rindex(field.standards[-1].id) < section < page.index('class="thanks"')
        assert html.escape(t("paper.challenges_heading", language)) in page[section:]
        assert html.escape(t("paper.challenges_help", language)) in page[section:]
        for challenge in field.challenges:
            row = re.search(rf'<tr><th scope="row">{challenge.id}</th>(.*?)</tr>', page)
            assert row is not None, challenge.id
            ticks = "".join(
                f'<td class="tick"><span class="box"></span><span class="mark">{html.escape(label)}</span></td>'
                for label in labels
            )
            assert row.group(1) == f"<td>{html.escape(challenge.text.get(language))}</td>{ticks}"
        header = re.search(r'<table aria-labelledby="challenges-heading">.*?<thead>(.*?)</thead>', page)
        assert header is not None
        assert [html.unescape(h) for h in re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', header.group(1))] == [
            t("paper.column_id", language),
            t("paper.column_challenge", language),
            *labels,
        ]


def test_a_field_without_challenges_gets_no_challenge_section(tmp_path: Path, catalog: Catalog) -> None:
    session = new_session(tmp_path, fields="health")
    page = form_html(session, "health", "en", without_challenges(catalog, "health"))
    assert CHALLENGE_ID.findall(page) == []
    assert '<section class="challenges">' not in page
    assert "challenges-heading" not in page
    assert t("paper.challenges_heading", "en") not in page
    assert page.count('<th scope="row">') == len(catalog.field("health").standards)


def test_the_challenges_are_escaped(tmp_path: Path, catalog: Catalog) -> None:
    session = new_session(tmp_path, fields="health")
    field = catalog.field("health")
    first = dataclasses.replace(field.challenges[0], text=Text(de=ATTACK, en=ATTACK))
    hostile = dataclasses.replace(field, challenges=(first, *field.challenges[1:]))
    changed = dataclasses.replace(catalog, fields=tuple(hostile if f.id == "health" else f for f in catalog.fields))
    page = form_html(session, "health", "en", changed)
    assert "<img" not in page
    assert f"<td>{html.escape(ATTACK)}</td>" in page


def test_the_municipality_is_escaped_and_nothing_comes_from_another_host(tmp_path: Path, catalog: Catalog) -> None:
    session = new_session(tmp_path, ATTACK)
    page = form_html(session, "health", "en", catalog)
    assert "<img" not in page
    assert html.escape(ATTACK) in page
    assert ATTACK in visible_text(page)
    assert "<script" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert not re.search(r"url\(|@import|https?://", page)
    assert '<html lang="en">' in page
    assert re.search(r"<title>[^<]+</title>", page)


def test_the_form_speaks_the_language_asked_for(tmp_path: Path, catalog: Catalog) -> None:
    session = new_session(tmp_path, language="de")
    german = visible_text(form_html(session, "health", "de", catalog))
    english = visible_text(form_html(session, "health", "en", catalog))
    for language, text in (("de", german), ("en", english)):
        assert catalog.field("health").title.get(language) in text
        for vocabulary in ("ratings", "responses", "priorities", "stakeholder_groups", "challenge_answers"):
            for option in getattr(catalog, vocabulary):
                if getattr(option, "id", None) != "rated":  # a rating is a rating: no label needed
                    assert option.label.get(language) in text, (language, vocabulary, option)
    assert "Kennung" in german
    assert "Weiß nicht" in german
    assert "Kennung" not in english
    assert "Don't know" in english
    assert "no name" not in german


def test_the_form_has_accessible_tick_box_tables(tmp_path: Path, catalog: Catalog) -> None:
    session = new_session(tmp_path, fields="education")
    page = form_html(session, "education", "de", catalog)
    field = catalog.field("education")
    assert page.count("<table>") == len(field.groups)
    assert page.count('<table aria-labelledby="challenges-heading">') == 1
    assert page.count('id="challenges-heading"') == 1
    assert page.count('<th scope="row">') == len(field.standards) + len(field.challenges)
    assert page.count('scope="colgroup"') == 2 * len(field.groups)
    ticks_per_row = len(catalog.ratings) + len(catalog.responses) - 1 + len(catalog.priorities)
    assert page.count('<span class="box">') == (
        ticks_per_row * len(field.standards)
        + len(catalog.challenge_answers) * len(field.challenges)
        + len(catalog.stakeholder_groups)
    )
    for rule in ("break-inside: avoid", "display: table-header-group", "size: A4"):
        assert rule in page


def test_the_form_and_the_id_card_ask_for_the_id_at_the_foot_of_every_page(tmp_path: Path, catalog: Catalog) -> None:
    """Forms run to several pages, and pages come apart: the id must be on each, not only in the box at the top."""
    asked = {"de": "unten auf jeder Seite", "en": "at the foot of every page"}
    for language in ("de", "en"):
        session = new_session(tmp_path / language, fields="governance", language=language)
        form = visible_text(form_html(session, "governance", language, catalog))
        instruction = t("paper.id_every_page", language)
        assert asked[language] in instruction
        assert instruction in form
        # Beside the box at the top, before the stakeholder groups.
        assert (
            form.index(t("paper.id_label", language))
            < form.index(instruction)
            < form.index(t("paper.group_label", language))
        )
        card = visible_text(id_cards_html(session, language, ["P-7K3Q"]))
        assert asked[language] in t("paper.card_help", language)
        assert t("paper.card_help", language) in card


def test_a_field_outside_the_session_or_an_unknown_language_is_refused(tmp_path: Path, catalog: Catalog) -> None:
    session = new_session(tmp_path, fields="health")
    with pytest.raises(PaperFormError, match="not assessed"):
        form_html(session, "housing", "de", catalog)
    with pytest.raises(PaperFormError, match="Unknown language"):
        form_html(session, "health", "fr", catalog)


def test_the_errors_are_german_when_the_interface_is(
    tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    session = new_session(tmp_path, fields="health")
    with pytest.raises(PaperFormError, match=r"Das Feld 'housing' wird in der Sitzung .* nicht bewertet"):
        form_html(session, "housing", "de", catalog)
    with pytest.raises(PaperFormError, match="Unbekannte Sprache 'fr'"):
        form_html(session, "health", "fr", catalog)
    with pytest.raises(PaperFormError, match="zwischen 0 und 1000 liegen, nicht 1001"):
        write_paper_forms(session.path, formats=("html",), cards=1001)


def test_without_a_browser_the_german_warning_names_the_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = new_session(tmp_path, fields="health")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("WHOLECOMM_BROWSER", raising=False)
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    result = write_paper_forms(session.path, cards=0)
    [warning] = result.warnings
    assert warning.startswith("Es wurde kein Browser der Chromium-Familie gefunden")
    assert "Sie können die HTML-Datei eines Papierbogens auch in einem beliebigen Browser öffnen" in warning
    assert "handout.html" not in warning
    again = write_paper_forms(session.path, formats=("html",), cards=0)
    assert again.warnings == [
        f"{again.spreadsheet} gibt es schon und bleibt unverändert, weil darin schon eingetippte Antworten stehen "
        "können. Benennen Sie die Datei um oder löschen Sie sie, um eine neue, leere Vorlage zu erhalten."
    ]


@pytest.mark.slow
@pytest.mark.browser
def test_in_a_browser_the_municipality_is_text_and_nothing_runs(tmp_path: Path, browser: Browser) -> None:
    session = new_session(tmp_path, ATTACK)
    result = write_paper_forms(session.path, formats=("html",))
    page, outside = offline_page(browser, result.forms[0])
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.reload(wait_until="load")
    assert ATTACK in page.inner_text("body")
    assert dialogs == []
    assert outside == []
    assert page.evaluate("document.querySelectorAll('script, img').length") == 0
    page.close()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("language", ["de", "en"])
def test_axe_finds_nothing_serious_in_a_form(tmp_path: Path, browser: Browser, catalog: Catalog, language: str) -> None:
    session = new_session(tmp_path, fields="governance", language=language)
    result = write_paper_forms(session.path, formats=("html",))
    page, outside = offline_page(browser, result.forms[0])
    assert outside == []
    challenges = len(catalog.field("governance").challenges)
    assert challenges > 0
    assert page.locator(".challenges table tbody th[scope=row]").count() == challenges  # they are checked too
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)[:3000]
    page.close()


# --- the printed form -----------------------------------------------------------------------------

LONG_TOWN = "Verbandsgemeinde Bernkastel-Kues an der Mosel (Landkreis Bernkastel-Wittlich)"
"""A town whose name fills the footer's line (and wraps on an id card)."""


class Printed(NamedTuple):
    """What the kit printed in one language."""

    forms: dict[str, Path]
    """Every field's form, by field, for Neustadt am See."""
    long_town: PaperForms
    """The health form and a page of cards, for a town with a long name."""


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> dict[str, Printed]:
    """The PDFs as the kit prints them, once per language, for the tests that measure them."""
    printed = {}
    for language in ("de", "en"):
        folder = tmp_path_factory.mktemp(f"printed-{language}")
        session = new_session(folder, "Neustadt am See", fields=",".join(catalog.field_ids), language=language)
        forms = write_paper_forms(session.path, formats=("pdf",), cards=0)
        long_town = new_session(folder, LONG_TOWN, fields="health", language=language)
        printed[language] = Printed(
            {p.stem: p for p in forms.pdfs}, write_paper_forms(long_town.path, formats=("pdf",), cards=24)
        )
    return printed


def dark_area(pdf: Path, page: int, left: float, top: float, right: float, bottom: float) -> tuple[float, ...]:
    """Left, top, right and bottom (points) of what is printed within these bounds of a page."""
    image = subprocess.run(
        ["pdftoppm", "-gray", "-r", "144", "-f", str(page), "-l", str(page), "-singlefile", str(pdf)],
        check=True,
        capture_output=True,
    ).stdout  # 144 dpi: two pixels a point
    with Image.open(io.BytesIO(image)) as picture:
        ink = picture.crop((round(left * 2), round(top * 2), round(right * 2), round(bottom * 2))).point(
            lambda v: 255 if v < 160 else 0
        )
        found = ink.getbbox()
    assert found is not None, f"nothing printed there on page {page}"
    return (left + found[0] / 2, top + found[1] / 2, left + found[2] / 2, top + found[3] / 2)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("language", ["de", "en"])
def test_every_page_of_a_form_has_a_labelled_box_for_the_id_at_its_foot(
    printed: dict[str, Printed], language: str
) -> None:
    label = t("paper.footer_id", language)
    pdfs = [*printed[language].forms.values(), *printed[language].long_town.pdfs]
    for pdf in pdfs:
        pages = pdf_words(pdf)
        for number, words in enumerate(pages, start=1):
            footer = [w for w in words if w.bottom > A4_HEIGHT - BOTTOM_MARGIN]
            assert all(w.top > A4_HEIGHT - BOTTOM_MARGIN for w in footer), (pdf.name, number)  # not into the page
            assert "_" not in "".join(w.text for w in footer)  # a box, not a line of blanks
            said = find_words(footer, label)
            after = footer[footer.index(said[-1]) + 1 :]
            assert [w.text for w in after] == ["·", str(number), "/", str(len(pages))], (pdf.name, number)
            # Between the label and the page number: the box, nothing else, and room to write P-7K3Q by hand.
            margin = A4_HEIGHT - BOTTOM_MARGIN + 0.5  # the page's content ends above
            left, top, right, bottom = dark_area(pdf, number, said[-1].right + 1, margin, after[0].left - 1, A4_HEIGHT)
            assert right - left >= 38 * MM, (pdf.name, number, (right - left) / MM)
            assert bottom - top >= 8 * MM, (pdf.name, number, (bottom - top) / MM)
            assert top >= margin + 0.5 * MM  # all of it in the margin: not cut off at the page's content
            assert bottom <= A4_HEIGHT - 5 * MM  # clear of the edge, where many printers print nothing


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("language", ["de", "en"])
def test_a_wrapped_stakeholder_group_continues_under_its_label_not_under_its_box(
    printed: dict[str, Printed], catalog: Catalog, language: str
) -> None:
    first_page = pdf_words(printed[language].forms["governance"])[0]
    starts: dict[bool, set[float]] = {True: set(), False: set()}  # where each line of a label starts, per column
    wrapped = 0
    for option in catalog.stakeholder_groups:
        words = find_words(first_page, option.label.get(language))
        lines = sorted({round(w.top) for w in words})
        wrapped += len(lines) > 1
        column = words[0].left > A4_WIDTH / 2
        for line in lines:
            starts[column].add(round(min(w.left for w in words if round(w.top) == line), 1))
    assert len(starts[False]) == len(starts[True]) == 1, starts
    if language == "de":
        assert wrapped == 1  # "Dienstleistende (Bildung, Gesundheit, Soziales)"


FIRST_PAGE = {
    "de": {"governance": 2, "employment": 3, "education": 3, "health": 2, "housing": 2},
    "en": {"governance": 2, "employment": 3, "education": 4, "health": 2, "housing": 2},
}
"""How many standards page 1 of each form holds (German governance held one, with half a page empty)."""
PAGES = {
    "de": {"governance": 5, "employment": 5, "education": 4, "health": 4, "housing": 5},
    "en": {"governance": 5, "employment": 5, "education": 4, "health": 3, "housing": 4},
}
"""How many pages each form has (German governance and housing had six)."""


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("language", ["de", "en"])
def test_page_one_holds_the_id_the_groups_and_the_first_standards_and_no_page_leaves_room_for_the_next(
    printed: dict[str, Printed], catalog: Catalog, language: str
) -> None:
    """A standard is never split across pages, and it only starts a new page when it does not fit on the last.

    Page 1 gives the standards room: the id's instruction stands beside its box, the scale takes one line, and
    the statements' column is wide enough that the forms need no more pages than they do now (Liberation Sans,
    the toolbox of 2024; fewer standards on page 1 or more pages is a step back).
    """
    content_bottom = A4_HEIGHT - BOTTOM_MARGIN
    for field in catalog.fields:
        pages = [
            [w for w in page if w.bottom < content_bottom] for page in pdf_words(printed[language].forms[field.id])
        ]
        [label] = find_words(pages[0], f"{t('paper.id_label', language)}:")
        instruction = find_words(pages[0], " ".join(t("paper.id_every_page", language).split()[:3]))
        assert instruction[0].left > label.right + 45 * MM  # to the right of the box,
        assert instruction[0].top < label.bottom  # not beneath it
        scale = [find_words(pages[0], f"{r.value} = {r.label.get(language)}") for r in catalog.ratings]
        assert len({round(words[0].top) for words in scale}) == 1  # 0 = … 1 = … 2 = … 3 = … on one line
        for option in catalog.stakeholder_groups:
            find_words(pages[0], option.label.get(language))
        rows = {}  # standard id: its page and its id
        for standard in field.standards:
            [(page, id_word)] = [(n, w) for n, words in enumerate(pages) for w in words if w.text == standard.id]
            rows[standard.id] = (page, id_word)
        on_page_one = [s.id for s in field.standards if rows[s.id][0] == 0]
        assert len(on_page_one) >= FIRST_PAGE[language][field.id], (field.id, on_page_one)
        count = len(pages)
        assert count <= PAGES[language][field.id], field.id
        bottoms = {}
        for standard, after in zip(field.standards, [*field.standards[1:], None], strict=True):
            page, id_word = rows[standard.id]
            below = rows[after.id][1].top if after and rows[after.id][0] == page else content_bottom
            last = standard.text.get(language).split()[-1]
            ends = [
                w for w in pages[page] if w.text == last and w.left > id_word.right and id_word.top <= w.top < below
            ]
            assert ends, f"{standard.id} does not end on page {page + 1} of {field.id}"  # split across pages
            bottoms[standard.id] = max(w.bottom for w in ends)
        for group in field.groups:
            for number, standard in enumerate(group.standards):
                page, id_word = rows[standard.id]
                before = field.standards[field.standards.index(standard) - 1]
                if page == 0 or rows[before.id][0] == page:
                    continue
                # The first standard of a page: would it have fitted below the last thing on the page before?
                room = content_bottom - max(w.bottom for w in pages[page - 1])
                if number == 0:  # a new group: its caption and header come along
                    caption = find_words(pages[page], f"{group.number}. {group.title.get(language)}")
                    needed, slack = bottoms[standard.id] - caption[0].top, 10 * MM
                else:
                    needed, slack = bottoms[standard.id] - id_word.top, 5 * MM
                assert needed + slack > room, (field.id, standard.id, needed / MM, room / MM)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("language", ["de", "en"])
def test_a_long_name_of_the_town_leaves_the_instruction_inside_each_card(
    printed: dict[str, Printed], language: str
) -> None:
    cards = printed[language].long_town
    [words] = pdf_words(cards.cards[0])  # one page
    ids = sorted((w for w in words if w.text in cards.card_ids), key=lambda w: (round(w.left), w.top))
    assert len(ids) == 24
    last = t("paper.card_help", language).split()[-1]
    for card, below in itertools.pairwise(ids):
        if round(card.left) != round(below.left):
            continue  # the last card of a column
        column = [w for w in words if card.left - 1 <= w.left < card.left + 55 * MM]
        town = min(w.top for w in column if w.text.startswith("Whole-COMM") and card.top < w.top < below.top)
        help_bottom = max(w.bottom for w in column if card.bottom <= w.top < town)
        assert [w for w in column if w.text == last and card.bottom <= w.top < town]
        assert town - help_bottom >= 4 * MM, (card.text, (town - help_bottom) / MM)  # the cut line lies between


# --- the command ----------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.browser
def test_the_command_writes_a_form_and_a_pdf_per_field_and_the_spreadsheet(tmp_path: Path) -> None:
    session = new_session(tmp_path, "Zweifeld", fields="governance,housing")
    run = CliRunner().invoke(cli, ["paper-forms", str(session.path)])
    assert run.exit_code == 0, run.output
    out = session.path / "paper"
    expected = [
        out / "governance.html",
        out / "housing.html",
        out / "governance.pdf",
        out / "housing.pdf",
        out / "id-cards.html",
        out / "id-cards.pdf",
        out / "answers.xlsx",
    ]
    assert run.stdout.splitlines() == [str(p) for p in expected]
    assert run.stderr == ""
    assert all(p.is_file() for p in expected)
    reader = PdfReader(out / "governance.pdf")
    assert len(reader.pages) >= 1
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert width == pytest.approx(595.3, abs=1.5)  # A4 is 595 × 842 points
    assert height == pytest.approx(841.9, abs=1.5)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "GOV-1-1" in text
    assert "Zweifeld" in text
    assert f"1 / {len(reader.pages)}" in text


@pytest.mark.slow
@pytest.mark.browser
def test_pdf_only_leaves_no_html_behind(tmp_path: Path) -> None:
    session = new_session(tmp_path, fields="health")
    result = write_paper_forms(session.path, formats=("pdf",))
    assert result.forms == []
    assert result.pdfs == [session.path / "paper" / "health.pdf"]
    assert result.cards == [session.path / "paper" / "id-cards.pdf"]
    assert sorted(p.name for p in (session.path / "paper").iterdir()) == [
        "answers.xlsx",
        "health.pdf",
        "id-cards.pdf",
        "issued-ids.txt",
    ]


def test_format_html_writes_no_pdf_and_lang_overrides_the_session(tmp_path: Path) -> None:
    session = new_session(tmp_path, fields="health", language="de")
    run = CliRunner().invoke(cli, ["paper-forms", str(session.path), "--format", "html", "--lang", "en"])
    assert run.exit_code == 0, run.output
    paper = session.path / "paper"
    assert run.stdout.splitlines() == [str(paper / n) for n in ("health.html", "id-cards.html", "answers.xlsx")]
    assert not (paper / "health.pdf").exists()
    assert '<html lang="en">' in (paper / "health.html").read_text(encoding="utf-8")


def test_without_a_browser_the_html_is_written_and_the_warning_says_how_to_get_a_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = new_session(tmp_path, fields="health")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("WHOLECOMM_BROWSER", raising=False)
    run = CliRunner().invoke(cli, ["paper-forms", str(session.path)])
    assert run.exit_code == 0, run.output
    assert "No Chromium-family browser was found" in run.stderr
    assert "apt-get install chromium" in run.stderr
    assert "--browser PATH" in run.stderr
    assert "handout.html" not in run.stderr
    paper = session.path / "paper"
    assert (paper / "health.html").exists()
    assert not (paper / "health.pdf").exists()
    assert run.stdout.splitlines() == [str(paper / n) for n in ("health.html", "id-cards.html", "answers.xlsx")]


def test_pdf_only_without_a_browser_is_an_error_and_leaves_the_html_to_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = new_session(tmp_path, fields="health")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("WHOLECOMM_BROWSER", raising=False)
    run = CliRunner().invoke(cli, ["paper-forms", str(session.path), "--format", "pdf", "--cards", "0"])
    assert run.exit_code == 1
    assert "No Chromium-family browser was found" in run.stderr
    assert (session.path / "paper" / "health.html").exists()


def test_a_browser_named_on_purpose_that_is_not_there_is_an_error_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = new_session(tmp_path, fields="health")
    monkeypatch.delenv("WHOLECOMM_BROWSER", raising=False)
    run = CliRunner().invoke(cli, ["paper-forms", str(session.path), "--browser", "/opt/nothing/chrome"])
    assert run.exit_code == 1
    assert "The browser /opt/nothing/chrome does not exist" in run.stderr
    assert not (session.path / "paper").exists()


def test_an_issued_list_without_its_last_line_break_keeps_every_id_apart(tmp_path: Path) -> None:
    session = new_session(tmp_path, fields="health")
    (session.path / "paper").mkdir()
    ledger = session.path / "paper" / "issued-ids.txt"
    ledger.write_text("P-AAAA\nP-BBBB", encoding="utf-8")  # edited by hand, no final line break
    result = write_paper_forms(session.path, formats=("html",), cards=2)
    assert ledger.read_text(encoding="utf-8").splitlines() == ["P-AAAA", "P-BBBB", *result.card_ids]


def test_something_in_the_way_of_a_form_is_a_clear_error(tmp_path: Path) -> None:
    session = new_session(tmp_path, fields="health")
    (session.path / "paper" / "health.html").mkdir(parents=True)
    run = CliRunner().invoke(cli, ["paper-forms", str(session.path), "--format", "html"])
    assert run.exit_code == 1
    assert "health.html" in run.stderr
    assert "Traceback" not in run.output


def test_a_missing_session_or_a_bad_format_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KitError, match="no such session folder"):
        write_paper_forms(tmp_path / "nope")
    run = CliRunner().invoke(cli, ["paper-forms", str(tmp_path / "nope")])
    assert run.exit_code == 1
    assert "Error:" in run.stderr
    assert "no such session folder" in run.stderr
    assert "Traceback" not in run.output
    session = new_session(tmp_path)
    run = CliRunner().invoke(cli, ["paper-forms", str(session.path), "--format", "docx"])
    assert run.exit_code == 1
    assert "Unknown format(s) docx" in run.stderr
    assert not (session.path / "paper").exists()


# --- the spreadsheet ------------------------------------------------------------------------------


def data_sheet_header(sheet: Any, columns: tuple[str, ...]) -> list[object]:
    """A sheet to type into: the importer's columns of that table, bold and frozen, and nothing typed yet."""
    header = [c.value for c in sheet[1]]
    assert header == [c for c in columns if c not in ("session_id", "recorded_at")]
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.max_row == 1  # no rows prefilled
    return header


def listed(values: Sequence[str]) -> str:
    """A dropdown's list of values, as a spreadsheet stores it."""
    return '"' + ",".join(values) + '"'


def assert_dropdowns(sheet: Any, header: list[object], expected: dict[str, str]) -> None:
    """Exactly these columns offer a dropdown (rows 2 to 1000) of exactly these values, and refuse others."""
    letter = {name: openpyxl.utils.get_column_letter(i) for i, name in enumerate(header, start=1)}
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert set(validations) == {f"{letter[c]}2:{letter[c]}1000" for c in expected}
    for column, formula in expected.items():
        validation = validations[f"{letter[column]}2:{letter[column]}1000"]
        assert validation.type == "list"
        assert validation.formula1 == formula, column
        assert validation.allow_blank
        assert validation.showErrorMessage


def template(tmp_path: Path, catalog: Catalog) -> openpyxl.Workbook:
    """The typing template of a German session on governance and housing, as a facilitator opens it."""
    session = new_session(tmp_path, fields="governance,housing", language="de")
    book = openpyxl.load_workbook(answers_template(session, catalog, tmp_path / "answers.xlsx"))
    assert book.sheetnames == ["answers", "challenges", "standards", "challenge_list"]
    return book


def test_the_spreadsheet_has_the_importers_columns_dropdowns_and_the_standards(
    tmp_path: Path, catalog: Catalog
) -> None:
    book = template(tmp_path, catalog)
    answers = book["answers"]
    header = data_sheet_header(answers, RESPONSES.columns)
    assert header == list(IMPORT_COLUMNS)

    letter = {name: openpyxl.utils.get_column_letter(i) for i, name in enumerate(header, start=1)}
    expected = {
        "stakeholder_group": listed(catalog.ids("stakeholder_groups")),
        "field_id": '"governance,housing"',
        "rating": '"0,1,2,3"',
        "response": '"rated,dont_know,not_applicable"',
        "priority": '"low,medium,high"',
        "language": '"de,en"',
        "catalog_version": f'"{catalog.version}"',
    }
    standards = [s for f in ("governance", "housing") for s in catalog.field(f).standards]
    expected["standard_id"] = f"standards!$B$2:$B${len(standards) + 1}"
    assert_dropdowns(answers, header, expected)
    assert answers.column_dimensions[letter["respondent_id"]].number_format == "@"

    reference = book["standards"]
    rows = list(reference.iter_rows(values_only=True))
    assert rows[0] == ("field_id", "standard_id", "Kurztitel")
    assert rows[1:] == [(s.field_id, s.id, s.short.de) for s in standards]


def test_the_spreadsheet_has_a_challenges_sheet_with_dropdowns_and_the_list_of_challenges(
    tmp_path: Path, catalog: Catalog
) -> None:
    book = template(tmp_path, catalog)
    sheet = book["challenges"]
    header = data_sheet_header(sheet, CHALLENGES.columns)
    assert header == list(CHALLENGE_COLUMNS)
    letter = {name: openpyxl.utils.get_column_letter(i) for i, name in enumerate(header, start=1)}
    assert all(sheet.column_dimensions[letter[c]].number_format == "@" for c in header)

    challenges = [c for f in ("governance", "housing") for c in catalog.field(f).challenges]
    expected = {
        "stakeholder_group": listed(catalog.ids("stakeholder_groups")),
        "challenge_id": f"challenge_list!$B$2:$B${len(challenges) + 1}",
        "applies": '"yes,no,unsure"',
    }
    assert expected["applies"] == listed(catalog.ids("challenge_answers"))
    assert_dropdowns(sheet, header, expected)

    rows = list(book["challenge_list"].iter_rows(values_only=True))
    assert rows[0] == ("field_id", "challenge_id", "Herausforderung")
    assert rows[1:] == [(c.field_id, c.id, c.text.de) for c in challenges]
    assert book["challenge_list"].freeze_panes == "A2"


def test_without_any_challenges_the_challenge_sheets_have_their_header_only(tmp_path: Path, catalog: Catalog) -> None:
    session = new_session(tmp_path, fields="health", language="en")
    target = answers_template(session, without_challenges(catalog, "health"), tmp_path / "answers.xlsx")
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["answers", "challenges", "standards", "challenge_list"]
    assert [c.value for c in book["challenges"][1]] == list(CHALLENGE_COLUMNS)
    assert book["challenges"].max_row == 1
    assert list(book["challenge_list"].iter_rows(values_only=True)) == [("field_id", "challenge_id", "Challenge")]
    formulas = {v.formula1 for v in book["challenges"].data_validations.dataValidation}
    assert "challenge_list!$B$2:$B$2" in formulas  # one empty cell: no challenge id can be chosen


def test_an_existing_spreadsheet_with_typed_answers_is_kept(tmp_path: Path) -> None:
    session = new_session(tmp_path, fields="health")
    first = write_paper_forms(session.path, formats=("html",))
    book = openpyxl.load_workbook(first.spreadsheet)
    book["answers"].append(["R-7K3Q", "politics", "health", "HEA-1-1", "2", "rated", "", "", "en", "x"])
    book.save(first.spreadsheet)
    second = write_paper_forms(session.path, formats=("html",))
    assert second.spreadsheet == first.spreadsheet
    assert any("left as it is" in w for w in second.warnings)
    assert openpyxl.load_workbook(second.spreadsheet)["answers"]["A2"].value == "R-7K3Q"


def test_a_filled_in_template_imports_exactly_what_was_typed(tmp_path: Path, catalog: Catalog) -> None:
    """The round trip a facilitator makes: forms typed into answers.xlsx, then `wholecomm-kit import`."""
    session = new_session(tmp_path, fields="governance,housing", language="de")
    written = write_paper_forms(session.path, formats=("html",))
    book = openpyxl.load_workbook(written.spreadsheet)
    version = catalog.version
    typed: list[list[str | int | None]] = [
        [
            "R-7K3Q",
            "civil_society",
            "governance",
            "GOV-1-1",
            2,
            "rated",
            "high",
            "Seit 2019, nie umgesetzt",
            "de",
            version,
        ],
        ["R-7K3Q", "civil_society", "housing", "HOU-2-2", None, "not_applicable", None, None, "de", version],
        ["0012", "politics", "governance", "GOV-1-2", "3", "rated", "low", "=kein Formel", "de", version],
    ]
    sheet = book["answers"]
    for number, values in enumerate(typed, start=2):
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=number, column=column, value=value)
            cell.data_type = "s" if isinstance(value, str) else cell.data_type  # typed into text cells, as Excel does
    book["challenges"].append(["R-7K3Q", "civil_society", "GOV-C1", "yes"])
    book["challenges"].append(["0012", "politics", "HOU-C2", "unsure"])
    book.save(written.spreadsheet)

    result = CliRunner().invoke(cli, ["import", str(session.path), str(written.spreadsheet)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 answer(s) from sheet 'answers'" in result.stdout
    answers = SessionStore.open(session).responses()
    assert [(a.respondent_id, a.standard_id, a.rating, a.response, a.priority, a.comment) for a in answers] == [
        ("R-7K3Q", "GOV-1-1", 2, "rated", "high", "Seit 2019, nie umgesetzt"),
        ("R-7K3Q", "HOU-2-2", None, "not_applicable", "", ""),
        ("0012", "GOV-1-2", 3, "rated", "low", "=kein Formel"),
    ]
    assert "Imported 2 key challenge answer(s) from sheet 'challenges'" in result.stdout
    challenges = SessionStore.open(session).challenge_answers()
    assert [(a.respondent_id, a.challenge_id, a.applies) for a in challenges] == [
        ("R-7K3Q", "GOV-C1", "yes"),
        ("0012", "HOU-C2", "unsure"),
    ]


# --- id cards -------------------------------------------------------------------------------------

CARD_ID = re.compile(rf"P-[{ID_ALPHABET}]{{4}}")


def test_card_ids_are_new_unambiguous_and_never_repeat_an_earlier_card(tmp_path: Path) -> None:
    session = new_session(tmp_path, fields="health")
    SessionStore.open(session).record_response(
        respondent_id="P-2345", stakeholder_group="politics", standard_id="HEA-1-1", response="rated", rating=1
    )
    first = write_paper_forms(session.path, formats=("html",), cards=30)
    second = write_paper_forms(session.path, formats=("html",), cards=30)
    for ids in (first.card_ids, second.card_ids):
        assert len(ids) == len(set(ids)) == 30
        assert all(CARD_ID.fullmatch(i) and RESPONDENT_ID.fullmatch(i) for i in ids)
        assert "P-2345" not in ids
    assert not set(first.card_ids) & set(second.card_ids)
    issued = (session.path / "paper" / "issued-ids.txt").read_text(encoding="utf-8").split()
    assert issued == first.card_ids + second.card_ids
    page = (session.path / "paper" / "id-cards.html").read_text(encoding="utf-8")
    assert CARD_ID.findall(page) == second.card_ids


def test_no_cards_when_none_are_asked_for_and_a_bad_count_is_refused(tmp_path: Path) -> None:
    session = new_session(tmp_path, fields="health")
    result = write_paper_forms(session.path, formats=("html",), cards=0)
    assert (result.cards, result.card_ids) == ([], [])
    assert not (session.path / "paper" / "id-cards.html").exists()
    assert not (session.path / "paper" / "issued-ids.txt").exists()
    with pytest.raises(PaperFormError, match="between 0 and 1000"):
        write_paper_forms(session.path, cards=-1)
    run = CliRunner().invoke(cli, ["paper-forms", str(session.path), "--cards", "-3"])
    assert run.exit_code == 2
    assert "--cards" in run.stderr


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("language", ["de", "en"])
def test_a_page_of_cards_prints_on_one_a4_page_escaped_and_accessible(
    tmp_path: Path, browser: Browser, language: str
) -> None:
    session = new_session(tmp_path, ATTACK, fields="health", language=language)
    result = write_paper_forms(session.path)
    html_path, pdf_path = result.cards
    page, outside = offline_page(browser, html_path)
    assert outside == []
    assert page.locator("img").count() == 0  # the town's name is text, not markup
    assert ATTACK in page.inner_text("main")
    assert axe_violations(page) == []
    page.close()
    reader = PdfReader(pdf_path)
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert all(card in text for card in result.card_ids)


def test_a_card_id_is_accepted_by_the_importer(tmp_path: Path) -> None:
    session = new_session(tmp_path, fields="governance", language="de")
    written = write_paper_forms(session.path, formats=("html",), cards=1)
    book = openpyxl.load_workbook(written.spreadsheet)
    book["challenges"].append([written.card_ids[0], "business", "GOV-C2", "no"])
    book.save(written.spreadsheet)
    run = CliRunner().invoke(cli, ["import", str(session.path), str(written.spreadsheet)])
    assert run.exit_code == 0, run.output
    [answer] = SessionStore.open(session).challenge_answers()
    assert answer.respondent_id == written.card_ids[0]
