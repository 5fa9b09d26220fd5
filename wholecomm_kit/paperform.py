"""Printable paper forms for participants without a device, and the spreadsheet their answers are typed into.

One form per field of the session, as self-contained HTML (nothing is loaded from
anywhere, so it prints the same offline) and as an A4 PDF printed by Chromium.
Each standard carries its id (GOV-1-1 …) and each key challenge its own (GOV-C1 …),
so typing a form into ``answers.xlsx`` needs no lookup; the spreadsheet's sheets
have exactly the importer's columns and offer only the values the importer accepts.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from . import formatting
from .catalog import LANGUAGES, Catalog, Field, Group, load_catalog
from .exceptions import KitError
from .records import CHALLENGES, RESPONSES, new_respondent_id
from .report import browser_to_print, print_pdf
from .session import Session, load_session
from .texts import os_reason, say, t

FORMATS = ("html", "pdf")
PAPER_DIR = "paper"
SPREADSHEET = "answers.xlsx"
IMPORT_COLUMNS: tuple[str, ...] = tuple(c for c in RESPONSES.columns if c not in ("session_id", "recorded_at"))
"""The columns a facilitator types; the kit fills in the session and the time when importing."""
CHALLENGE_COLUMNS: tuple[str, ...] = tuple(c for c in CHALLENGES.columns if c not in ("session_id", "recorded_at"))
"""The same for the answers to the key challenges, on the sheet ``challenges``."""
ID_CARDS = "id-cards"
"""File name (without suffix) of the printable id cards."""
ISSUED_IDS = "issued-ids.txt"
"""Every id ever printed on a card for this session, one per line, so no later card repeats one."""
DEFAULT_CARDS = 24
"""One A4 page of cards."""
CARD_PREFIX = "P"
"""Card ids read ``P-7K3Q``; the app hands out ``R-…``, so a card never carries an id the app gives someone else."""
TEMPLATE_ROWS = 1000
"""Rows 2 … this one offer the dropdowns: enough for a workshop (20 people × 50 standards would need more sheets)."""

_COLUMN_WIDTHS = {
    "respondent_id": 14,
    "stakeholder_group": 22,
    "field_id": 14,
    "standard_id": 13,
    "challenge_id": 13,
    "applies": 10,
    "rating": 8,
    "response": 16,
    "priority": 10,
    "comment": 50,
    "language": 10,
    "catalog_version": 16,
}

# Black on white, at least 10 pt, no external resources: prints the same on any machine, without a network.
_CSS = """
* { box-sizing: border-box; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
html { font-size: 10.5pt; }
body { font-family: "Liberation Sans", Arial, Helvetica, "DejaVu Sans", sans-serif; color: #000; background: #fff;
  line-height: 1.3; margin: 0; }
main { max-width: 190mm; margin: 0 auto; padding: 8mm; }
h1 { font-size: 16pt; margin: 0 0 1mm; }
h2 { font-size: 12pt; margin: 4mm 0 1.5mm; }
p { margin: 0 0 1.5mm; }
.subtitle { margin-bottom: 2mm; }
.person { border: 1.5pt solid #000; padding: 2.5mm 3mm; margin: 3mm 0; break-inside: avoid; page-break-inside: avoid; }
.label { font-weight: bold; }
/* The id's box with its instruction beside it, not beneath: room for the standards on page 1. */
.idline { display: flex; align-items: center; gap: 3mm; margin: 0 0 2mm; }
.idline .label, .write { flex: none; }
.idline p { margin: 0; }
.write { display: inline-block; width: 50mm; height: 10mm; border: 1pt solid #000; }
.box { display: inline-block; width: 4.2mm; height: 4.2mm; border: 1pt solid #000; background: #fff;
  vertical-align: middle; }
ul.ticks { list-style: none; padding: 0; margin: 1.5mm 0 0; columns: 2; column-gap: 6mm; }
/* A label that wraps continues under its own first line, not under the box. */
ul.ticks li { display: flex; align-items: flex-start; gap: 2mm; margin: 0 0 1mm; break-inside: avoid; }
ul.ticks .box { flex: none; margin-top: .3mm; }
.how ul { margin: 0 0 1.5mm; padding-left: 5mm; }
.how li { margin: 0 0 .5mm; }
.how ul.scale { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0 6mm; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; margin: 0 0 4mm; font-size: 10pt; }
caption { text-align: left; font-weight: bold; font-size: 12pt; padding: 3mm 0 1.5mm; break-after: avoid; }
th, td { border: .75pt solid #000; padding: 1mm 1.2mm; vertical-align: top; text-align: left; overflow-wrap: anywhere; }
thead th { vertical-align: bottom; font-weight: bold; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
/* A group's title and header never end a page without its first standard. */
tbody tr:first-child { break-before: avoid; page-break-before: avoid; }
th[scope="row"] { white-space: nowrap; overflow-wrap: normal; }
th.tick, td.tick { text-align: center; padding-left: 0; padding-right: 0; }
td.tick .mark { display: block; margin-top: .5mm; }
.short { display: block; font-weight: bold; }
col.id { width: 17mm; }
col.tick { width: 7mm; }
col.other { width: 9mm; }
col.priority { width: 6.5mm; }
col.comment { width: 28mm; }
col.answer { width: 19mm; }
/* The challenges' heading and instruction never end a page without the table. */
.challenges h2, .challenges p { break-after: avoid; page-break-after: avoid; }
abbr { text-decoration: none; }
.thanks { margin-top: 4mm; font-weight: bold; break-before: avoid; page-break-before: avoid; }
@page { size: A4; margin: 16mm 15mm 18mm; }
@media print { main { max-width: none; padding: 0; } }
"""


class PaperFormError(KitError):
    """The paper forms could not be made."""


@dataclass
class PaperForms:
    """What :func:`write_paper_forms` wrote, and what it could not do."""

    forms: list[Path]
    pdfs: list[Path]
    spreadsheet: Path
    warnings: list[str]
    cards: list[Path] = field(default_factory=list)
    """The id cards (HTML and/or PDF); none when no cards were asked for."""
    card_ids: list[str] = field(default_factory=list)


def _tick(label: str) -> str:
    """A printed square with its label beneath, so a row reads without looking up at the header."""
    return f'<td class="tick"><span class="box"></span><span class="mark">{escape(label)}</span></td>'


def _abbr(short: str, full: str) -> str:
    return f'<abbr title="{escape(full)}">{escape(short)}</abbr>'


def _table(group: Group, language: str, catalog: Catalog) -> str:
    """One table per principle group: row header = standard id, then rating, priority and comment boxes."""

    def tx(key: str) -> str:
        return t(f"paper.{key}", language)

    others = [r.id for r in catalog.responses if r.id != "rated"]
    ratings = [str(r.value) for r in catalog.ratings]
    priorities = list(catalog.ids("priorities"))
    cols = (
        '<col class="id"><col class="statement">'
        f'<colgroup span="{len(ratings) + len(others)}">'
        + "".join('<col class="tick">' for _ in ratings)
        + "".join('<col class="other">' for _ in others)
        + "</colgroup>"
        f'<colgroup span="{len(priorities)}">'
        + "".join('<col class="priority">' for _ in priorities)
        + '</colgroup><col class="comment">'
    )
    first = (
        f'<th scope="col" rowspan="2">{escape(tx("column_id"))}</th>'
        f'<th scope="col" rowspan="2">{escape(tx("column_standard"))}</th>'
        f'<th scope="colgroup" colspan="{len(ratings) + len(others)}">{escape(tx("column_rating"))}</th>'
        f'<th scope="colgroup" colspan="{len(priorities)}">{escape(tx("column_priority"))}</th>'
        f'<th scope="col" rowspan="2">{escape(tx("column_comment"))}</th>'
    )
    second = (
        "".join(f'<th scope="col" class="tick">{_abbr(v, catalog.label("ratings", v, language))}</th>' for v in ratings)
        + "".join(
            f'<th scope="col" class="tick">{_abbr(tx(f"abbr_{r}"), catalog.label("responses", r, language))}</th>'
            for r in others
        )
        + "".join(
            f'<th scope="col" class="tick">{_abbr(tx(f"abbr_{p}"), catalog.label("priorities", p, language))}</th>'
            for p in priorities
        )
    )
    rows = "".join(
        "<tr>"
        f'<th scope="row">{escape(s.id)}</th>'
        f'<td><span class="short">{escape(s.short.get(language))}</span>{escape(s.text.get(language))}</td>'
        + "".join(_tick(v) for v in ratings)
        + "".join(_tick(tx(f"abbr_{r}")) for r in others)
        + "".join(_tick(tx(f"abbr_{p}")) for p in priorities)
        + "<td></td></tr>"
        for s in group.standards
    )
    caption = f"{group.number}. {group.title.get(language)}"
    return (
        f"<table><caption>{escape(caption)}</caption>{cols}"
        f"<thead><tr>{first}</tr><tr>{second}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _challenges(field: Field, language: str, catalog: Catalog) -> str:
    """The field's key challenges, as the app asks them: row header = challenge id, one tick box per answer.

    The answers' labels are short enough to print in full, so they need no abbreviations. No challenges, no
    section.
    """
    if not field.challenges:
        return ""

    def tx(key: str) -> str:
        return escape(t(f"paper.{key}", language))

    answers = [catalog.label("challenge_answers", a, language) for a in catalog.ids("challenge_answers")]
    cols = '<col class="id"><col class="statement">' + "".join('<col class="answer">' for _ in answers)
    header = f'<th scope="col">{tx("column_id")}</th><th scope="col">{tx("column_challenge")}</th>' + "".join(
        f'<th scope="col" class="tick">{escape(label)}</th>' for label in answers
    )
    rows = "".join(
        f'<tr><th scope="row">{escape(c.id)}</th><td>{escape(c.text.get(language))}</td>'
        + "".join(_tick(label) for label in answers)
        + "</tr>"
        for c in field.challenges
    )
    return (
        '<section class="challenges">'
        f'<h2 id="challenges-heading">{tx("challenges_heading")}</h2><p>{tx("challenges_help")}</p>'
        f'<table aria-labelledby="challenges-heading">{cols}<thead><tr>{header}</tr></thead>'
        f"<tbody>{rows}</tbody></table></section>"
    )


def _check_field(session: Session, field_id: str) -> None:
    if field_id not in session.fields:
        raise PaperFormError(
            say(
                "paperform.field_not_assessed",
                field=repr(field_id),
                session=session.session_id,
                fields=", ".join(session.fields),
            )
        )


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise PaperFormError(say("paperform.unknown_language", lang=repr(language), choices=", ".join(LANGUAGES)))


def form_html(session: Session, field_id: str, language: str, catalog: Catalog) -> str:
    """The complete form of one field as one HTML document; every user text is escaped.

    The key challenges come after the standards, where the app's checklist asks them.
    """
    _check_field(session, field_id)
    _check_language(language)
    field = catalog.field(field_id)

    def tx(key: str, **values: object) -> str:
        return escape(t(f"paper.{key}", language, **values))

    title = t("paper.title", language, field=field.title.get(language))
    groups = "".join(
        f'<li><span class="box"></span><span>{escape(o.label.get(language))}</span></li>'
        for o in catalog.stakeholder_groups
    )
    scale = "".join(
        f'<li><span class="label">{r.value}</span> = {escape(r.label.get(language))}</li>' for r in catalog.ratings
    )
    levels = ", ".join(
        f"{t(f'paper.abbr_{p}', language)} = {catalog.label('priorities', p, language)}"
        for p in catalog.ids("priorities")
    )
    others = "".join(
        f"<li>{tx(f'how_{r}', abbr=t(f'paper.abbr_{r}', language), label=catalog.label('responses', r, language))}</li>"
        for r in ("dont_know", "not_applicable")
    )
    how = f"{others}<li>{tx('how_priority', levels=levels)}</li><li>{tx('how_comment')}</li><li>{tx('how_skip')}</li>"
    tables = "".join(_table(group, language, catalog) for group in field.groups)
    challenges = _challenges(field, language, catalog)
    page_title = f"{title} – {session.municipality} – {formatting.date(session.date, language)}"
    return f"""<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(page_title)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>{escape(title)}</h1>
<p class="subtitle">{tx("subtitle")}</p>
<p><span class="label">{tx("municipality")}:</span> {escape(session.municipality)} ·
<span class="label">{tx("date")}:</span> {formatting.date(session.date, language)}</p>
<section class="person">
<div class="idline"><span class="label">{tx("id_label")}:</span><span class="write"></span>
<p><span class="label">{tx("id_every_page")}</span> {tx("id_help")}</p></div>
<p class="label">{tx("group_label")}</p>
<ul class="ticks">{groups}</ul>
</section>
<section class="how">
<h2>{tx("how_heading")}</h2>
<p>{tx("how_rating")}</p>
<ul class="scale">{scale}</ul>
<ul>{how}</ul>
</section>
{tables}
{challenges}
<p class="thanks">{tx("thanks")}</p>
</main>
</body>
</html>
"""


FOOTER_ID_BOX_MM = (40, 9)
"""Width and height of the id's box at the foot of every page: room for a handwritten ``P-7K3Q``."""


def form_footer(text: str, language: str) -> str:
    """The footer of every page of a form's PDF, as HTML: where the page belongs, then a labelled box for the id.

    The pages of a form come apart; with the id written at the foot of each, a loose page still finds its
    person. Chromium prints the footer in 8 pt grey; the label and the box are black and larger, to be seen.
    A long name of a town wraps within its own block beside the box, so the footer never grows into the page,
    and the box keeps clear of the paper's edge, where many printers cannot print.
    """
    width, height = FOOTER_ID_BOX_MM
    box = (
        f"display:inline-block;width:{width}mm;height:{height}mm;border:1pt solid #000;vertical-align:middle;"
        "margin:0 0 2mm 1.5mm"
    )
    return (
        f'<span style="display:inline-block;max-width:120mm;vertical-align:middle">{escape(text)} ·</span> '
        '<span style="white-space:nowrap">'
        '<span style="font-size:10pt;font-weight:bold;color:#000;vertical-align:middle">'
        f'{escape(t("paper.footer_id", language))}</span><span style="{box}"></span></span>'
    )


def answers_template(session: Session, catalog: Catalog, target: Path) -> Path:
    """Write the typing template: the importer's columns, dropdowns of the allowed values, the lists of ids.

    Sheets, in this order: ``answers`` (the standards' ratings, :data:`IMPORT_COLUMNS`), ``challenges`` (the
    key challenges, :data:`CHALLENGE_COLUMNS`), and the references their dropdowns draw on, ``standards`` and
    ``challenge_list``. Every data column is formatted as text, so an id such as ``0012`` keeps its zeros and
    a comment that starts with ``=`` stays a comment instead of becoming a formula.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

    language = session.language
    standards = [s for f in session.fields for s in catalog.field(f).standards]
    challenges = [c for f in session.fields for c in catalog.field(f).challenges]
    bold = Font(bold=True)

    def header(sheet: Worksheet, names: list[str]) -> None:
        sheet.append(names)
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"

    def inline(values: list[str]) -> str:
        return '"' + ",".join(values) + '"'

    def data_sheet(sheet: Worksheet, columns: tuple[str, ...], lists: dict[str, str]) -> None:
        header(sheet, list(columns))
        letters = {name: get_column_letter(i) for i, name in enumerate(columns, start=1)}
        for name, letter in letters.items():
            sheet.column_dimensions[letter].width = _COLUMN_WIDTHS.get(name, 14)
            sheet.column_dimensions[letter].number_format = "@"
        for name, formula in lists.items():
            validation = DataValidation(
                type="list",
                formula1=formula,
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=t("paper.sheet_error_title", language),
                error=t("paper.sheet_error", language),
            )
            validation.add(f"{letters[name]}2:{letters[name]}{TEMPLATE_ROWS}")
            sheet.add_data_validation(validation)

    def reference_sheet(name: str, columns: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> None:
        sheet = book.create_sheet(name)
        header(sheet, columns)
        for row in rows:
            sheet.append(row)
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width

    def id_range(sheet: str, count: int) -> str:
        # At least one (empty) row: a list of nothing accepts nothing, and B2:B1 would mean B1:B2, the header.
        return f"{sheet}!$B$2:$B${max(count, 1) + 1}"

    groups = inline(list(catalog.ids("stakeholder_groups")))
    book = Workbook()
    answers = book.active
    assert answers is not None
    answers.title = "answers"
    data_sheet(
        answers,
        IMPORT_COLUMNS,
        {
            "stakeholder_group": groups,
            "field_id": inline(list(session.fields)),
            "standard_id": id_range("standards", len(standards)),
            "rating": inline([str(r.value) for r in catalog.ratings]),
            "response": inline(list(catalog.ids("responses"))),
            "priority": inline(list(catalog.ids("priorities"))),
            "language": inline(list(LANGUAGES)),
            "catalog_version": inline([catalog.version]),
        },
    )
    data_sheet(
        book.create_sheet("challenges"),
        CHALLENGE_COLUMNS,
        {
            "stakeholder_group": groups,
            "challenge_id": id_range("challenge_list", len(challenges)),
            "applies": inline(list(catalog.ids("challenge_answers"))),
        },
    )
    reference_sheet(
        "standards",
        ["field_id", "standard_id", t("paper.sheet_short", language)],
        [[s.field_id, s.id, s.short.get(language)] for s in standards],
        (14, 13, 60),
    )
    # The catalogue has no short form of a challenge: its text, which is one sentence.
    reference_sheet(
        "challenge_list",
        ["field_id", "challenge_id", t("paper.sheet_challenge", language)],
        [[c.field_id, c.id, c.text.get(language)] for c in challenges],
        (14, 13, 100),
    )

    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        book.save(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)  # never half a workbook, even if the kit is stopped while saving
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


_CARD_CSS = """
* { box-sizing: border-box; }
html { font-size: 10pt; }
body { font-family: "Liberation Sans", Arial, Helvetica, "DejaVu Sans", sans-serif; color: #000; background: #fff;
  margin: 0; }
main { max-width: 190mm; margin: 0 auto; padding: 8mm; }
h1 { font-size: 12pt; margin: 0 0 3mm; }
ul.cards { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(3, 1fr); }
ul.cards li { border: 1pt dashed #000; height: 31mm; padding: 2.5mm 3mm; break-inside: avoid; page-break-inside: avoid;
  display: flex; flex-direction: column; justify-content: space-between; }
/* At most two lines of a town's name, so that a long one leaves the instruction room on the card. */
.town { font-size: 8.5pt; display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; line-clamp: 2;
  overflow: hidden; }
.id { font-family: "DejaVu Sans Mono", "Liberation Mono", Consolas, monospace; font-size: 20pt; font-weight: bold;
  letter-spacing: .08em; }
.help { font-size: 8.5pt; line-height: 1.2; }
@page { size: A4; margin: 12mm 10mm 14mm; }
@media print { main { max-width: none; padding: 0; } }
"""


def card_ids(session: Session, count: int) -> list[str]:
    """``count`` new card ids: none already used in the session or printed on an earlier card."""
    from .store import SessionStore

    store = SessionStore.open(session)
    taken = {r.respondent_id for r in store.responses()} | {a.respondent_id for a in store.challenge_answers()}
    taken |= set(issued_ids(session))
    ids: list[str] = []
    for _ in range(count):
        ids.append(new_respondent_id(taken, prefix=CARD_PREFIX))
        taken.add(ids[-1])
    return ids


def issued_ids(session: Session) -> list[str]:
    """Every id printed on a card for the session so far (none when no cards were printed)."""
    path = session.path / PAPER_DIR / ISSUED_IDS
    try:
        return [line.strip().upper() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise PaperFormError(say("paperform.issued_unreadable", path=path, reason=os_reason(exc))) from exc
    except UnicodeDecodeError as exc:
        reason = say("paperform.issued_not_utf8", byte=f"0x{exc.object[exc.start]:02X}")
        raise PaperFormError(say("paperform.issued_unreadable", path=path, reason=reason)) from exc


def _record_issued(session: Session, ids: list[str]) -> None:
    """Add the ids to the session's list of printed ids before any card shows them (appending, so none is lost)."""
    path = session.path / PAPER_DIR / ISSUED_IDS
    try:
        with path.open("a+b") as out:
            # A list edited by hand may lack its last line break: never glue a new id onto the last one.
            lines = "".join(f"{i}\n" for i in ids).encode()
            if out.seek(0, os.SEEK_END) > 0:
                out.seek(-1, os.SEEK_END)
                if out.read(1) != b"\n":
                    lines = b"\n" + lines
            out.write(lines)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        raise PaperFormError(say("paperform.cannot_write", path=path, reason=os_reason(exc))) from exc


def id_cards_html(session: Session, language: str, ids: list[str]) -> str:
    """A page of cut-out cards, each with a pseudonymous id for one paper participant."""
    _check_language(language)
    town = escape(t("paper.card_town", language, municipality=session.municipality))
    cards = "".join(
        f'<li><span class="town">{town}</span><span class="id">{escape(i)}</span>'
        f'<span class="help">{escape(t("paper.card_help", language))}</span></li>'
        for i in ids
    )
    title = escape(t("paper.cards_title", language, municipality=session.municipality))
    return f"""<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{_CARD_CSS}</style>
</head>
<body>
<main>
<h1>{title}</h1>
<ul class="cards">{cards}</ul>
</main>
</body>
</html>
"""


def write_paper_forms(
    session_dir: Path,
    *,
    language: str | None = None,
    formats: tuple[str, ...] = FORMATS,
    browser: str | Path | None = None,
    cards: int = DEFAULT_CARDS,
) -> PaperForms:
    """Write SESSION/paper/: one form per field (HTML and/or PDF), ``cards`` id cards and answers.xlsx.

    The HTML is written even when no browser can print the PDF. An existing answers.xlsx is kept, because
    it may already hold typed answers. Card ids are new each time and never repeat an earlier card's.
    """
    catalog = load_catalog()
    session = load_session(session_dir, catalog)
    language = language or session.language
    _check_language(language)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        named = ", ".join(unknown) or say("paperform.no_format")
        raise PaperFormError(say("paperform.unknown_format", formats=named, choices=", ".join(FORMATS)))
    if not 0 <= cards <= 1000:
        raise PaperFormError(say("paperform.cards_out_of_range", count=cards))
    # Without a browser, the advice names the file to print by hand: here a form, not the handout.
    chromium, no_browser = (
        browser_to_print(browser, html=say("paperform.form_html_file")) if "pdf" in formats else (None, None)
    )
    out = session.path / PAPER_DIR
    try:
        out.mkdir(exist_ok=True)
    except OSError as exc:
        raise PaperFormError(say("paperform.cannot_create_folder", folder=out, reason=os_reason(exc))) from exc
    result = PaperForms(forms=[], pdfs=[], spreadsheet=out / SPREADSHEET, warnings=[])

    if no_browser is not None:
        result.warnings.append(str(no_browser))

    def write(name: str, page: str, footer: str) -> list[Path]:
        """The page as HTML and, with a browser, as PDF (``footer``: HTML on every page of it).

        The HTML is kept unless only the PDF was asked for.
        """
        html_path = out / f"{name}.html"
        pdf_path = out / f"{name}.pdf"
        try:
            pdf_path.unlink(missing_ok=True)  # never leave a PDF that no longer matches its HTML
            html_path.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise PaperFormError(
                say("paperform.cannot_write", path=exc.filename or html_path, reason=os_reason(exc))
            ) from exc
        if chromium is None:
            return [html_path]
        print_pdf(html_path, pdf_path, browser=chromium, footer=footer)
        if "html" in formats:
            return [html_path, pdf_path]
        html_path.unlink()  # only the PDF was asked for; the HTML was its source
        return [pdf_path]

    for field_id in session.fields:
        title = catalog.field(field_id).title.get(language)
        day = formatting.date(session.date, language)
        footer = t("paper.footer", language, field=title, municipality=session.municipality, date=day)
        for path in write(field_id, form_html(session, field_id, language, catalog), form_footer(footer, language)):
            (result.pdfs if path.suffix == ".pdf" else result.forms).append(path)

    if cards:
        result.card_ids = card_ids(session, cards)
        _record_issued(session, result.card_ids)
        day = formatting.date(session.date, language)
        footer = t("paper.cards_footer", language, municipality=session.municipality, date=day)
        result.cards = write(ID_CARDS, id_cards_html(session, language, result.card_ids), escape(footer))

    if result.spreadsheet.exists():
        result.warnings.append(say("paperform.spreadsheet_kept", path=result.spreadsheet))
    else:
        answers_template(session, catalog, result.spreadsheet)
    if no_browser is not None and "html" not in formats:
        raise no_browser  # only PDFs were asked for: a failure, though the HTML is there to print by hand
    return result
