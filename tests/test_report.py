"""The handout pipeline end to end: papermill, offline HTML, a real Chromium, a real PDF."""

from __future__ import annotations

import html as htmllib
import json
import re
import subprocess
import unicodedata
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat
import pytest
from click.testing import CliRunner
from helpers import axe_violations, chromium, new_session, offline_page
from matplotlib import image
from playwright.sync_api import Browser
from pypdf import PdfReader

from wholecomm_kit.cli import cli
from wholecomm_kit.demo import create_demo
from wholecomm_kit.exceptions import KitError
from wholecomm_kit.handout import _table as handout_table
from wholecomm_kit.report import NoBrowserError, export_html, find_browser, make_report, print_pdf
from wholecomm_kit.session import Session
from wholecomm_kit.store import SessionStore

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, Path, Path]:
    session = create_demo(tmp_path_factory.mktemp("demo"))
    result = make_report(session.path)
    assert result.html is not None
    assert result.pdf is not None
    assert result.warnings == []
    return session, result.html, result.pdf


@pytest.fixture(scope="module")
def demo_report_en(tmp_path_factory: pytest.TempPathFactory) -> tuple[Session, Path, Path]:
    """The demo's handout in English: other words, other line breaks, other page breaks."""
    session = create_demo(tmp_path_factory.mktemp("demo-en"))
    result = make_report(session.path, language="en")
    assert result.html is not None
    assert result.pdf is not None
    return session, result.html, result.pdf


def _demo(request: pytest.FixtureRequest, language: str) -> tuple[Session, Path, Path]:
    report: tuple[Session, Path, Path] = request.getfixturevalue(
        "demo_report" if language == "de" else "demo_report_en"
    )
    return report


def _page_texts(pdf: Path) -> list[str]:
    """The text of every page, line by line from the top (as laid out: a table row is a line), the footer included."""
    run = ["pdftotext", "-layout", str(pdf), "-"]
    text = subprocess.run(run, check=True, capture_output=True, text=True).stdout
    return [unicodedata.normalize("NFKC", page).replace("\u00a0", " ") for page in text.split("\f")[:-1]]


def _words(pdf: Path, page: int) -> list[tuple[str, float, float]]:
    """The words of a page (from 1) with the top of each and its right edge, in points."""
    run = ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"]
    xhtml = subprocess.run(run, check=True, capture_output=True, text=True).stdout
    found = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', xhtml)
    return [(htmllib.unescape(word), float(top), float(right)) for top, right, word in found]


class _Reading(HTMLParser):
    """The handout as a reader meets it: what introduces content (headings, visible table captions) and content.

    ``items`` are ("intro", text), ("text", text) for the first words of a table row, list item or paragraph,
    and ("image", n) for the n-th chart. Text hidden from sight (captions for screen readers) is left out.
    """

    CONTENT = ("li", "p")

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[str, str | int]] = []
        self.images = 0
        self._open: tuple[str, str] | None = None  # the element whose text is being read: (tag, kind)
        self._text = ""
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag in ("caption", "figcaption") and ("visually-hidden" in classes or tag == "figcaption"):
            self._hidden += 1
        elif tag == "img":
            self.items.append(("image", self.images))
            self.images += 1
        elif self._open is None and not self._hidden:
            if tag in ("h2", "h3", "caption"):
                self._open, self._text = (tag, "intro"), ""
            elif (tag == "th" and dict(attrs).get("scope") == "row") or (
                tag in self.CONTENT and "intro" not in classes
            ):
                self._open, self._text = (tag, "text"), ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("caption", "figcaption") and self._hidden:
            self._hidden -= 1
        elif self._open is not None and tag == self._open[0]:
            self.items.append((self._open[1], " ".join(self._text.split())))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text += data


def _page_of(texts: list[str], pattern: str, start: int) -> tuple[int, int]:
    """The page (from 1) and the position in all the text where ``pattern`` first occurs from ``start``."""
    joined = " ".join(" ".join(page.split()) for page in texts)
    found = re.compile(pattern).search(joined, start)
    assert found is not None, (pattern, joined[start : start + 300])
    ends = [0]
    for page in texts:
        ends.append(ends[-1] + len(" ".join(page.split())) + 1)
    return next(i for i, end in enumerate(ends) if end > found.start()), found.end()


def _image_pages(pdf: Path) -> list[int]:
    """The page (from 1) of every image, in order."""
    return [number for number, page in enumerate(PdfReader(pdf).pages, 1) for _ in page.images]


@pytest.mark.browser
@pytest.mark.parametrize("language", ["de", "en"])
def test_every_heading_and_caption_is_printed_on_the_page_of_what_it_introduces(
    request: pytest.FixtureRequest, language: str
) -> None:
    """No heading (with its intro, a table's caption and header row) is left alone at the bottom of a page."""
    _, html, pdf = _demo(request, language)
    reading = _Reading()
    reading.feed(html.read_text(encoding="utf-8"))
    texts, images = _page_texts(pdf), _image_pages(pdf)
    assert len(images) == reading.images
    cursor, checked, apart = 0, 0, []
    for (kind, intro), (next_kind, content) in zip(reading.items, reading.items[1:], strict=False):
        if kind != "intro" or next_kind == "intro":
            continue
        page, cursor = _page_of(texts, rf"(?<!\w){re.escape(str(intro))}(?!\w)", cursor)
        if next_kind == "image":
            content_page = images[int(content)]
        else:
            content_page, cursor = _page_of(texts, rf"(?<!\w){re.escape(str(content).split()[0])}", cursor)
        checked += 1
        if content_page != page:
            apart.append(f"{intro!r} on page {page}, then {content!r} on page {content_page}")
    assert checked > 40
    assert apart == []


@pytest.mark.browser
@pytest.mark.parametrize("language", ["de", "en"])
def test_a_field_begins_with_its_chart_of_the_answers_on_its_first_page(
    request: pytest.FixtureRequest, language: str
) -> None:
    """A field's first page is never left with only its heading and introduction, its chart on the next."""
    _, html, pdf = _demo(request, language)
    page = html.read_text(encoding="utf-8")
    texts, images = _page_texts(pdf), _image_pages(pdf)
    headings = re.findall(r"<h2 id=.field-[^>]*>(.*?)</h2>", page)
    assert len(headings) == 5
    cursor = 0
    for heading in headings:
        number, cursor = _page_of(texts, re.escape(htmllib.unescape(heading)), cursor)
        first = page[: page.index(heading)].count("<img ")  # the field's first chart: the next image
        assert images[first] == number, f"{heading} on page {number}, its chart on page {images[first]}"


def test_the_report_keeps_the_executed_notebook_and_writes_html_and_pdf(
    demo_report: tuple[Session, Path, Path],
) -> None:
    session, html, pdf = demo_report
    assert (session.path / "report" / "handout.ipynb").exists()
    assert html == session.path / "report" / "handout.html"
    assert pdf == session.path / "report" / "handout.pdf"


def test_the_chart_helper_was_used_and_its_scratch_folder_is_gone(demo_report: tuple[Session, Path, Path]) -> None:
    """report hands the helper's folder to the notebook, and removes it afterwards."""
    session = demo_report[0]
    notebook = json.loads((session.path / "report" / "handout.ipynb").read_text(encoding="utf-8"))
    injected = next(c for c in notebook["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    assert "chart_dir = " in "".join(injected["source"])
    assert list((session.path / "report").glob(".charts-*")) == []


def test_the_html_has_no_code_and_no_reference_to_another_host(demo_report: tuple[Session, Path, Path]) -> None:
    text = demo_report[1].read_text(encoding="utf-8")
    for code in ("Handout.load", "import ", 'class="jp-InputArea', "jp-CodeMirrorEditor", "session_dir ="):
        assert code not in text
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    assert "<script src" not in text
    assert 'lang="de"' in text
    assert "Musterstadt" in text


@pytest.mark.browser
@pytest.mark.parametrize("language", ["de", "en"])
def test_offline_every_image_loads_and_axe_finds_nothing_serious(
    request: pytest.FixtureRequest, language: str, browser: Browser
) -> None:
    """In English too, where German comments and actions are marked as German."""
    _, html, _ = _demo(request, language)
    assert ('lang="de"' in html.read_text(encoding="utf-8").split("<body", 1)[1]) == (language == "en")
    page, outside = offline_page(browser, html)
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete && e.naturalWidth > 0, e.alt])")
    assert len(images) >= 10
    assert all(loaded for loaded, _ in images)
    assert all(alt.strip() for _, alt in images)
    assert outside == []
    violations = axe_violations(page)
    assert violations == [], json.dumps(violations, indent=1)[:3000]
    page.close()


@pytest.mark.browser
def test_the_pdf_is_a4_with_pages_and_the_municipality(demo_report: tuple[Session, Path, Path], tmp_path: Path) -> None:
    _, _, pdf = demo_report
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 2
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert width == pytest.approx(595.3, abs=1.5)  # A4 is 595 × 842 points
    assert height == pytest.approx(841.9, abs=1.5)
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Musterstadt" in text
    assert f"1 / {len(reader.pages)}" in text  # page numbers in the footer
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    [png] = tmp_path.glob("p*.png")
    pixels = image.imread(png)
    assert pixels.std() > 0.05, "page 1 is blank"


def _outline_titles(reader: PdfReader, outline: list[Any]) -> list[str]:
    titles: list[str] = []
    for item in outline:
        titles.extend(_outline_titles(reader, item) if isinstance(item, list) else [item.title])
    return titles


def _figure_alts(node: Any) -> list[str]:
    """The alt text of every figure in a tagged PDF's structure tree, in reading order."""
    node = node.get_object()
    if isinstance(node, list):
        return [alt for child in node for alt in _figure_alts(child)]
    if not isinstance(node, dict):
        return []
    own = [str(node.get("/Alt", ""))] if node.get("/S") == "/Figure" else []
    return own + (_figure_alts(node["/K"]) if "/K" in node else [])


@pytest.mark.browser
def test_the_pdf_is_tagged_with_its_language_bookmarks_and_the_alt_text_of_every_chart(
    demo_report: tuple[Session, Path, Path],
) -> None:
    """Screen readers need the structure and the charts' descriptions; a council member jumps by bookmark."""
    _, html, pdf = demo_report
    page = html.read_text(encoding="utf-8")
    reader = PdfReader(pdf)
    root: Any = reader.trailer["/Root"]
    assert root["/Lang"] == "de"
    assert root["/MarkInfo"]["/Marked"]
    headings = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h[123][^>]*>(.*?)</h[123]>", page)]
    assert "Maßnahmenplan" in headings
    assert _outline_titles(reader, reader.outline) == [htmllib.unescape(h) for h in headings]
    alts = [htmllib.unescape(alt) for alt in re.findall(r'<img [^>]*alt="([^"]*)"', page)]
    assert len(alts) >= 10
    assert _figure_alts(root["/StructTreeRoot"]) == alts  # one figure per chart, none without its text


@pytest.mark.browser
@pytest.mark.parametrize("language", ["de", "en"])
def test_no_word_of_a_table_is_split_across_lines_in_the_pdf(request: pytest.FixtureRequest, language: str) -> None:
    """Columns are at least as wide as their longest word ("Administratio/n", "Wirtschaftsförderun/g" read badly
    in print), people's own words in the action plan included; a date or a status stays on one line."""
    _, html, pdf = _demo(request, language)
    page = html.read_text(encoding="utf-8")
    cells = re.findall(r"<th[^>]*>(.*?)</th>", page) + re.findall(r"<td[^>]*>(.*?)</td>", page)
    words = {w for h in cells for w in re.sub(r"<[^>]+>", " ", h).split() if len(w) > 3 and w.isalpha()}
    plan = page.split(">Maßnahmenplan</h2>" if language == "de" else ">Action plan</h2>")[1].split("</table>")[0]
    assert {"Verwaltung", "Geplant", "Wirtschaftsförderung"} <= words or language == "en"  # groups, actions
    assert {"Administration", "Planned", "Wirtschaftsförderung"} <= words or language == "de"
    text = "\n".join(_page_texts(pdf))
    tokens = set(re.findall(r"\w+", text))
    assert sorted(words - tokens) == []
    # Dates and statuses: every one on one line of the PDF ("15 / December / 2025" and "In / progress" do not).
    whole = {htmllib.unescape(w) for w in re.findall(r"<span class=.?nowrap.?>(.*?)</span>", plan)}
    assert len(whole) >= 4
    assert {w for w in whole if " " in w}  # a date ("15 December 2025") or a status ("In Arbeit") of more words
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert sorted(w for w in whole if not any(w in line for line in lines)) == []


def _printed(fragments: list[str], folder: Path) -> list[str]:
    """HTML fragments, one notebook output each, through the handout's own export and printer: each page's text."""
    notebook = nbformat.from_dict(  # type: ignore[no-untyped-call]
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {
                    "cell_type": "code",
                    "id": f"c{n}",
                    "source": "",
                    "metadata": {},
                    "execution_count": None,
                    "outputs": [{"output_type": "display_data", "data": {"text/html": fragment}, "metadata": {}}],
                }
                for n, fragment in enumerate(fragments)
            ],
        }
    )
    html = export_html(notebook, folder / "handout.html", language="de", title="Testdorf")
    return _page_texts(print_pdf(html, folder / "handout.pdf", browser=find_browser(), footer="Testdorf"))


@pytest.mark.browser
def test_a_table_ending_at_the_foot_of_a_page_leaves_no_blank_page(tmp_path: Path) -> None:
    """A field starts a new page: the space below the last table (or list, or paragraph) before it must not spill
    onto a page of its own. Through the handout's own export, each field here starts a page and ends with one
    finishing 0.5 to 3.5 mm above the page's foot.
    """
    endings = {  # 30 mm tall, and the space the handout's style puts above it
        '<table style="height: 30mm"><tbody><tr><th scope="row">GOV-1-1</th><td>1,5</td></tr></tbody></table>': ".6rem",
        '<ul style="height: 30mm"><li><strong>GOV-1-1</strong>: Anmerkung</li></ul>': "1rem",
        '<p style="height: 30mm">Anmerkung</p>': "1rem",
    }
    # 259 mm of page between the margins of the handout's @page rule
    fields = [
        f'<section{" class=field" if n else ""}><div style="height: calc(259mm - 30mm - {above} - {gap}mm)"></div>'
        f"{ending}</section>"
        for n, (ending, above, gap) in enumerate(
            (ending, above, gap) for ending, above in endings.items() for gap in (0.5, 1.5, 2.5, 3.5)
        )
    ]
    texts = _printed([*fields, "<section class=field><h2>Ende</h2></section>"], tmp_path)
    blank = [n for n, text in enumerate(texts, 1) if not re.sub(r"Testdorf · \d+ / \d+", "", text).strip()]
    assert blank == []
    assert len(texts) == len(fields) + 1


@pytest.mark.browser
def test_a_short_table_near_the_foot_of_a_page_moves_whole_to_the_next(tmp_path: Path) -> None:
    """Five fields' changes: never one row at the foot of a page and four on the next.

    Each field here starts a page and leaves 20 to 55 mm of it for the table.
    """
    headers = [("Handlungsfeld", False), ("Vorher", True), ("Jetzt", True), ("Veränderung", True)]
    fragments, tables = [], {}
    for n, room in enumerate(range(20, 60, 5)):
        rows = [(f"T{room}Feld{row}", "30", "40", "+10") for row in range(1, 6)]
        tables[room] = [row[0] for row in rows]
        fragment = (
            f'<section{" class=field" if n else ""}><div style="height: {259 - room}mm"></div>'
            f"<h3>Veränderung</h3>{handout_table('Veränderung', headers, rows)}</section>"
        )
        fragments.append(fragment)
    texts = _printed(fragments, tmp_path)
    split = {}
    for room, names in tables.items():
        pages = {next(n for n, text in enumerate(texts, 1) if re.search(rf"\b{name}\b", text)) for name in names}
        if len(pages) > 1:
            split[room] = sorted(pages)
    assert split == {}


@pytest.mark.browser
def test_a_long_link_in_an_action_breaks_and_the_action_plan_stays_on_the_page(tmp_path: Path) -> None:
    """Words of people's own text break only when they cannot fit at all, and then they do."""
    session = new_session(tmp_path, "Linkdorf", fields="governance", language="de")
    link = "https://www.linkdorf.de/rathaus/integration/konzept/entwurf_2025_fassung_fuer_den_stadtrat.pdf"
    SessionStore.open(session).record_action(
        action_id="A1",
        field_id="governance",
        standard_ids=["GOV-1-1"],
        action=f"Entwurf lesen: {link}",
        responsible="Wirtschaftsförderung",
        due_date="2025-12-15",
        status="in_progress",
    )
    result = make_report(session.path, formats=("pdf",))
    assert result.pdf is not None
    reader = PdfReader(result.pdf)
    text = "".join(_page_texts(result.pdf))
    assert "Wirtschaftsförderung" in text
    assert "linkdorf" in text
    assert link not in " ".join(text.split())  # broken over lines
    width = float(reader.pages[0].mediabox.width)
    for number in range(1, len(reader.pages) + 1):
        right = max(right for _, _, right in _words(result.pdf, number))
        assert right <= width - 16 / 25.4 * 72 + 1  # nothing runs into the right margin (16 mm) or off the page


@pytest.mark.browser
def test_a_script_in_a_comment_is_shown_as_text_and_never_runs(tmp_path: Path, browser: Browser) -> None:
    session = new_session(tmp_path, "Neustadt <i>am<i> See", fields="governance")
    store = SessionStore.open(session)
    attack = "<script>alert(1)</script>"
    store.record_response(
        respondent_id="R-A",
        stakeholder_group="politics",
        standard_id="GOV-1-1",
        response="rated",
        rating=1,
        comment=attack,
    )
    store.record_action(action_id="A1", field_id="governance", standard_ids=[], action=attack, responsible=attack)
    result = make_report(session.path, formats=("html",))
    assert result.html is not None
    assert result.pdf is None
    page, _ = offline_page(browser, result.html)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.reload(wait_until="load")
    body = page.inner_text("body")
    assert attack in body
    assert "Neustadt <i>am<i> See" in body
    assert dialogs == []
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("fields", ["health", "governance,housing"])
def test_an_empty_session_gives_a_valid_handout_that_says_so(tmp_path: Path, fields: str, browser: Browser) -> None:
    session = new_session(tmp_path, "Leerdorf", country="AT", date="2025-01-09", fields=fields, language="de")
    result = make_report(session.path)
    assert result.html is not None
    assert result.pdf is not None
    page, outside = offline_page(browser, result.html)
    assert "noch keine Antworten" in page.inner_text("body")
    assert outside == []
    assert axe_violations(page) == []
    page.close()
    # With little on the cover, the overview follows right below it (no third of a page left blank between).
    words = _words(result.pdf, 1)
    said = next(top for word, top, _ in words if word == "vor.")  # "… liegen noch keine Antworten vor."
    overview = next(top for word, top, _ in words if word == "Überblick")
    assert 0 < overview - said < 30 / 25.4 * 72, (said, overview)  # less than 3 cm further down


def test_english_and_comparison_with_a_previous_session(tmp_path: Path) -> None:
    first = new_session(tmp_path, "Zweistadt", size="small_town", date="2024-05-01", fields="governance", language="de")
    second = new_session(
        tmp_path,
        "Zweistadt",
        size="small_town",
        date="2025-05-01",
        fields="governance",
        language="de",
        previous=first.path,
    )
    for session, rating in ((first, 1), (second, 3)):
        SessionStore.open(session).record_response(
            respondent_id="R-A", stakeholder_group="politics", standard_id="GOV-1-1", response="rated", rating=rating
        )
    result = make_report(second.path, language="en", formats=("html",))
    assert result.html is not None
    text = re.sub(r"<[^>]+>", " ", result.html.read_text(encoding="utf-8"))
    assert "Change since the last workshop (1 May 2024)" in text
    assert "Changes are computed before rounding" in text  # the method says how
    assert re.search(r"Governance\s+33\s+100\s+\+67\b", text)  # whole numbers, as the indices


def test_a_previous_session_named_relative_to_where_the_command_runs_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`report NEW --previous OLD` with relative paths: the notebook runs elsewhere, but must find OLD."""
    first = new_session(tmp_path, "Dreistadt", date="2024-05-01", fields="governance")
    second = new_session(tmp_path, "Dreistadt", date="2025-05-01", fields="governance")
    for session, rating in ((first, 0), (second, 3)):
        SessionStore.open(session).record_response(
            respondent_id="R-A", stakeholder_group="politics", standard_id="GOV-1-1", response="rated", rating=rating
        )
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke(cli, ["report", second.path.name, "--previous", first.path.name, "--format", "html"])
    assert run.exit_code == 0, run.output
    text = re.sub(r"<[^>]+>", " ", (second.path / "report" / "handout.html").read_text(encoding="utf-8"))
    assert re.search(r"Governance\s+0\s+100\s+\+100", text)


def test_no_browser_still_writes_the_html_and_says_how_to_get_a_pdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = new_session(tmp_path, "Ohnepdf", date="2025-01-09", language="de")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("WHOLECOMM_BROWSER", raising=False)
    with pytest.raises(NoBrowserError, match="apt-get install chromium"):
        find_browser()
    result = CliRunner().invoke(cli, ["report", str(session.path)])
    assert result.exit_code == 0, result.output
    assert "No Chromium-family browser was found" in result.stderr
    assert (session.path / "report" / "handout.html").exists()
    assert not (session.path / "report" / "handout.pdf").exists()


def test_a_browser_named_on_purpose_that_is_not_there_is_an_error_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = new_session(tmp_path, "Falschbrowser", date="2025-01-09", language="de")
    monkeypatch.delenv("WHOLECOMM_BROWSER", raising=False)
    result = CliRunner().invoke(cli, ["report", str(session.path), "--browser", "/opt/nothing/chrome"])
    assert result.exit_code == 1
    assert "The browser /opt/nothing/chrome does not exist" in result.stderr
    assert "[1/3]" not in result.stderr
    assert not (session.path / "report" / "handout.ipynb").exists()
    monkeypatch.setenv("WHOLECOMM_BROWSER", "/opt/nothing/edge")
    result = CliRunner().invoke(cli, ["report", str(session.path)])
    assert result.exit_code == 1
    assert "/opt/nothing/edge" in result.stderr
    assert not (session.path / "report" / "handout.ipynb").exists()


def test_a_folder_given_as_the_notebook_is_said_to_be_a_folder(tmp_path: Path) -> None:
    session = new_session(tmp_path, "Ordnerbuch", date="2025-01-09")
    result = CliRunner().invoke(cli, ["report", str(session.path), "--notebook", str(tmp_path)])
    assert result.exit_code == 1
    assert "is a folder, not a notebook" in result.stderr


def test_only_a_pdf_asked_for_and_no_browser_is_an_error_but_the_html_is_there_to_print(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = new_session(tmp_path, "Nurpdf", date="2025-01-09", language="de")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("WHOLECOMM_BROWSER", raising=False)
    result = CliRunner().invoke(cli, ["report", str(session.path), "--format", "pdf"])
    assert result.exit_code == 1
    html = session.path / "report" / "handout.html"
    assert html.exists()
    assert str(html) in result.stderr
    assert "[2/3]" in result.stderr  # the steps add up: notebook, HTML, PDF
    assert "[3/3]" not in result.stderr


def test_something_in_the_way_of_the_report_is_a_clear_error(tmp_path: Path) -> None:
    session = new_session(tmp_path, "Imweg", date="2025-01-09")
    (session.path / "report").write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(session.path), "--format", "html"])
    assert result.exit_code == 1
    assert "Is a folder or file in the way?" in result.stderr
    assert "Traceback" not in result.output


def test_a_notebook_option_that_is_not_a_notebook_is_a_clear_error(tmp_path: Path) -> None:
    session = new_session(tmp_path, "Keinnotebook", date="2025-01-09")
    text = tmp_path / "answers.csv"
    text.write_text("a,b\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(session.path), "--format", "html", "--notebook", str(text)])
    assert result.exit_code == 1
    assert "is not a readable Jupyter notebook" in result.stderr
    assert "Traceback" not in result.output
    text.rename(tmp_path / "answers.ipynb")  # the right name, but no notebook inside
    result = CliRunner().invoke(
        cli, ["report", str(session.path), "--format", "html", "--notebook", str(tmp_path / "answers.ipynb")]
    )
    assert result.exit_code == 1
    assert "is not a readable Jupyter notebook" in result.stderr


def test_braces_in_a_folder_name_are_just_characters(tmp_path: Path) -> None:
    """papermill reads {name} in paths as a template; the kit's paths must not be."""
    session = new_session(tmp_path / "Workshops {2025}", "Klammerdorf", date="2025-01-09", fields="health")
    SessionStore.open(session).record_response(
        respondent_id="R-A", stakeholder_group="politics", standard_id="HEA-1-1", response="rated", rating=2
    )
    result = make_report(session.path, formats=("html",))
    assert result.html is not None
    assert "Klammerdorf" in result.html.read_text(encoding="utf-8")


def test_without_a_browser_the_advice_is_german_when_the_interface_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("WHOLECOMM_BROWSER", raising=False)
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    with pytest.raises(NoBrowserError) as info:
        find_browser()
    message = str(info.value)
    assert message.startswith("Es wurde kein Browser der Chromium-Familie gefunden, um das PDF zu drucken.")
    assert "'sudo apt-get install chromium'" in message
    assert "WHOLECOMM_BROWSER" in message
    assert "Sie können handout.html auch in einem beliebigen Browser öffnen und selbst als PDF drucken." in message
    with pytest.raises(NoBrowserError, match=re.escape("Sie können bogen.html auch")):
        find_browser(html="bogen.html")
    with pytest.raises(NoBrowserError, match="Den Browser /opt/nichts/chrome gibt es nicht"):
        find_browser("/opt/nichts/chrome")


def test_a_missing_or_broken_session_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KitError, match="no such session folder"):
        make_report(tmp_path / "nope")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "session.json").write_text("{", encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "broken")])
    assert result.exit_code == 1
    assert "broken JSON" in result.stderr
    assert "Traceback" not in result.output


def test_a_previous_session_of_another_town_is_refused(tmp_path: Path) -> None:
    one = new_session(tmp_path, "Adorf", date="2024-01-09", language="de")
    other = new_session(tmp_path, "Bdorf", date="2025-01-09", language="de")
    with pytest.raises(KitError, match="same municipality"):
        make_report(other.path, previous=one.path, formats=("html",))
    assert not (other.path / "report" / "handout.ipynb").exists()


def test_a_damaged_previous_session_is_said_plainly_before_the_notebook_runs(tmp_path: Path) -> None:
    first = new_session(tmp_path, "Cdorf", date="2024-01-09", fields="governance")
    second = new_session(tmp_path, "Cdorf", date="2025-01-09", fields="governance", previous=first.path)
    answers = first.path / "responses.csv"
    header = answers.read_text(encoding="utf-8").splitlines()[0]
    answers.write_text(header.replace(",", ";") + "\n", encoding="utf-8")  # saved by a spreadsheet with semicolons
    result = CliRunner().invoke(cli, ["report", str(second.path), "--format", "html"])
    assert result.exit_code == 1
    assert str(answers) in result.stderr
    assert "cell" not in result.stderr
    assert "Traceback" not in result.output
    assert not (second.path / "report" / "handout.ipynb").exists()


@pytest.mark.parametrize(
    ("raised", "said"),
    [
        ("SessionError('The file x.csv is missing.')", "The handout could not be made: The file x.csv is missing. The"),
        ("ValueError('bad value')", "stopped with an error in cell 3: ValueError: bad value. The"),
    ],
)
def test_an_error_in_the_notebook_is_said_plainly(tmp_path: Path, raised: str, said: str) -> None:
    """The kit's own errors are written for facilitators: they come without a cell number or exception name."""
    session = new_session(tmp_path, "Fehlerdorf", date="2025-01-09")
    cells = [
        ("p", "session_dir = ''", ["parameters"]),
        ("f", f"from wholecomm_kit.exceptions import SessionError\nraise {raised}", []),
    ]
    notebook = {  # no kernelspec or language: an own notebook need not say it is Python
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": "code",
                "id": i,
                "metadata": {"tags": tags},
                "execution_count": None,
                "outputs": [],
                "source": src,
            }
            for i, src, tags in cells
        ],
    }
    path = tmp_path / "failing.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", str(session.path), "--format", "html", "--notebook", str(path)])
    assert result.exit_code == 1
    assert said in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_report_errors_are_german_when_the_interface_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    one = new_session(tmp_path, "Adorf", date="2024-01-09", language="de")
    other = new_session(tmp_path, "Bdorf", date="2025-01-09", language="de")
    with pytest.raises(KitError, match="Vergleichen lassen sich nur Sitzungen derselben Kommune"):
        make_report(other.path, previous=one.path, formats=("html",))
    with pytest.raises(KitError, match=re.escape("Unbekanntes Format: docx. Möglich sind: html, pdf.")):
        make_report(other.path, formats=("docx",))
    with pytest.raises(KitError, match=re.escape("Unbekanntes Format: (keines).")):
        make_report(other.path, formats=())
    result = CliRunner().invoke(cli, ["report", str(other.path), "--format", "docx"])
    assert result.exit_code == 1
    assert "Unbekanntes Format: docx" in result.stderr


def test_an_own_notebook_runs_without_the_chart_helper(tmp_path: Path) -> None:
    """--notebook: the helper only ever draws for the kit's handout, and the own notebook gets no chart_dir."""
    session = new_session(tmp_path, fields="health")
    own = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {
                "cell_type": "code",
                "id": "p",
                "metadata": {"tags": ["parameters"]},
                "execution_count": None,
                "outputs": [],
                "source": 'session_dir = ""\nlanguage = "de"',
            },
            {"cell_type": "markdown", "id": "m", "metadata": {}, "source": "Own notebook"},
        ],
    }
    path = tmp_path / "own.ipynb"
    path.write_text(json.dumps(own), encoding="utf-8")
    result = make_report(session.path, formats=("html",), notebook=path)
    executed = json.loads(result.notebook.read_text(encoding="utf-8"))
    injected = next(c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", []))
    assert "chart_dir" not in "".join(injected["source"])
    assert list((session.path / "report").glob(".charts-*")) == []
