"""The handout's sections as HTML fragments, rendered from :mod:`analysis` tables.

The handout notebook calls one method per section; each returns a fragment that
Jupyter displays as HTML. Every user-supplied text (municipality, comments,
actions, responsible persons) passes through :func:`html.escape`.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd

from . import formatting
from .analysis import DEFAULT_MIN_GROUP_SIZE, OTHER_GROUPS, Analysis, analyse, respondent_groups, top_priorities
from .catalog import Catalog, Field, Practice, load_catalog
from .prerender import ChartDir
from .rendered import Chart
from .session import load_session
from .texts import t

ChartJob = tuple[str, str, tuple[object, ...]]
"""A chart of the handout: its name, the drawing function of :mod:`charts`, and the arguments."""


@dataclass(frozen=True, repr=False)
class Fragment:
    """A piece of HTML that Jupyter shows as rich output."""

    html: str

    def __repr__(self) -> str:
        # The plain-text form Jupyter stores beside the HTML: short, so the notebook holds the HTML once.
        return f"<handout section, {len(self.html)} characters of HTML>"

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def number(value: float | None, language: str, digits: int = 1) -> str:
    """A number rounded as in the charts, with the language's decimal sign; '–' when missing."""
    if value is None or formatting.missing(value):
        return t("handout.not_available", language)
    return formatting.number(value, language, digits)


def percent(value: float | None, language: str) -> str:
    if value is None or formatting.missing(value):
        return t("handout.not_available", language)
    return formatting.percent(value, language)


SHORT_TABLE = 6
"""Rows of a table kept on one page in print: even six long standards fit on half a page."""


def _table(
    caption: str, headers: Sequence[tuple[str, bool]], rows: Iterable[Sequence[str]], *, caption_hidden: bool = False
) -> str:
    """An accessible table; cells must already be escaped. Headers are (text, numeric).

    A caption that only repeats the heading just above it is there for screen readers (it names the
    table) but hidden from sight (``caption_hidden``), so that a sighted reader does not read it twice.
    A short table is printed on one page ("Governance 29 42 +12" alone at a page's foot reads badly).
    """
    rows = list(rows)
    head = "".join(f'<th scope="col"{" class=num" if numeric else ""}>{escape(h)}</th>' for h, numeric in headers)
    body = "".join(
        f'<tr><th scope="row">{row[0]}</th>'
        + "".join(f"<td{' class=num' if headers[i][1] else ''}>{cell}</td>" for i, cell in enumerate(row) if i)
        + "</tr>"
        for row in rows
    )
    kinds = [kind for kind, applies in (("wide", len(headers) > 5), ("short", len(rows) <= SHORT_TABLE)) if applies]
    classes = f' class="{" ".join(kinds)}"' if kinds else ""
    hidden = " class=visually-hidden" if caption_hidden else ""
    return (
        f"<table{classes}><caption{hidden}>{escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


LONG_WORD = 30
"""Longer "words" in people's own text (a pasted link) may break anywhere; shorter ones never do."""


def _free(text: str) -> str:
    """People's own text for a table cell, escaped.

    A table column is at least as wide as its longest word, so "Wirtschaftsförderung" never reads
    "Wirtschaftsförderun/g". A word too long for any column (a pasted link) would then widen the table past
    the page's edge, so it alone may break anywhere. Marking the whole cell so would let the browser squeeze
    the column and split every word in it.
    """
    return re.sub(rf"\S{{{LONG_WORD + 1},}}", lambda m: f"<span class=long>{m.group(0)}</span>", escape(text))


def _nowrap(text: str) -> str:
    """A short text that reads badly broken over lines (a date, a status); cells must already be escaped."""
    return f"<span class=nowrap>{text}</span>"


def _keep(*parts: str) -> str:
    """A heading with what it introduces (a chart), never split across pages in print."""
    return "<div class=keep>" + "".join(parts) + "</div>"


def _intro(text: str, muted: bool = True) -> str:
    """The note below a heading that introduces a table or a list; printed on the same page as its start."""
    return f"<p class='intro{' muted' if muted else ''}'>{escape(text)}</p>"


def _figure(chart: Chart) -> str:
    width, height = chart.css_size
    return (
        # A group, not a figure: in the tagged PDF the image is then the one figure, with its alt text.
        '<figure role="group">'
        f'<img src="{chart.data_uri()}" alt="{escape(chart.alt)}" width="{width}" height="{height}">'
        # The chart draws its title itself: the caption names the group for screen readers only.
        f"<figcaption class=visually-hidden>{escape(chart.title)}</figcaption></figure>"
    )


def _list(items: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


@dataclass(frozen=True)
class Handout:
    """Everything the handout shows, for one session in one language."""

    analysis: Analysis
    catalog: Catalog
    language: str
    chart_dir: ChartDir | None = None
    """Where a helper process may already have drawn some charts (see :mod:`prerender`)."""

    @classmethod
    def load(
        cls,
        session_dir: str | Path,
        language: str | None = None,
        previous: str | Path | None = None,
        min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
        chart_dir: str | Path | None = None,
    ) -> Handout:
        catalog = load_catalog()
        session = load_session(session_dir, catalog)
        before = load_session(previous, catalog) if previous else None
        result = analyse(session, before, min_group_size, catalog=catalog)
        return cls(result, catalog, language or session.language, ChartDir(chart_dir) if chart_dir else None)

    def chart_jobs(self) -> list[ChartJob]:
        """Every chart the handout shows, in the order of the handout, as (name, function, arguments)."""
        return list(self._jobs.values())

    @functools.cached_property
    def _jobs(self) -> dict[str, ChartJob]:
        analysis, catalog, lang = self.analysis, self.catalog, self.language
        jobs: list[ChartJob] = [("field_index", "field_index_overview", (analysis.fields, catalog, lang))]
        if not analysis.groups.table.empty:
            jobs.append(("stakeholder_groups", "stakeholder_groups", (analysis.groups, catalog, lang)))
        if analysis.comparison is not None and analysis.previous is not None:
            jobs.append(("change", "change_since_last", (analysis.comparison, catalog, lang)))
        summary = analysis.summary
        for field_id in analysis.session.fields:
            if int(summary.loc[summary["field_id"] == field_id, "n_answers"].sum()):
                jobs.append((f"answers/{field_id}", "answer_distribution", (summary, field_id, catalog, lang)))
                jobs.append((f"priorities/{field_id}", "priority_vs_rating", (summary, field_id, catalog, lang)))
        return {job[0]: job for job in jobs}

    def _chart(self, name: str) -> str:
        """The named chart as a figure, taken from the helper's folder or drawn here."""
        _, function, args = self._jobs[name]
        if self.chart_dir is not None:
            return _figure(self.chart_dir.chart(name, function, *args))
        return _figure(draw(function, *args))

    def _written_in(self, language: str, text: str) -> str:
        """People's own (escaped) text, marked with the language it was written in when that is not the handout's.

        Screen readers then read a German comment in an English handout with German pronunciation.
        """
        if not language or language == self.language:
            return text
        return f'<span lang="{escape(language)}">{text}</span>'

    def _t(self, key: str, **values: object) -> str:
        return t(f"handout.{key}", self.language, **values)

    def _standard(self, standard_id: str) -> str:
        standard = self.catalog.standard(standard_id)
        return f"<strong>{escape(standard.id)}</strong> {escape(standard.text.get(self.language))}"

    @property
    def _has_answers(self) -> bool:
        return not self.analysis.responses.empty

    # --- sections -----------------------------------------------------------------------------------

    def cover(self) -> Fragment:
        session = self.analysis.session
        lang = self.language
        parts = [
            f"<header class='cover'><h1>{escape(self._t('title'))}</h1>",
            f"<p class='muted'>{escape(self._t('subtitle'))}</p>",
        ]
        if session.demo:
            parts.append(f"<p class='demo-note'>{escape(self._t('demo_note'))}</p>")
        fields = ", ".join(escape(self.catalog.field(f).title.get(lang)) for f in session.fields)
        parts.append(
            "<dl>"
            f"<dt>{escape(self._t('municipality'))}</dt>"
            f"<dd>{escape(session.municipality)}</dd>"
            f"<dt>{escape(self._t('country'))}</dt><dd>{escape(session.country)}</dd>"
            f"<dt>{escape(self._t('date'))}</dt><dd>{escape(formatting.date(session.date, lang))}</dd>"
            f"<dt>{escape(self._t('fields'))}</dt><dd>{fields}</dd>"
            "</dl>"
        )
        responses = self.analysis.responses
        if responses.empty:
            parts.append(f"<p>{escape(self._t('no_answers'))}</p>")
        else:
            people = respondent_groups(responses).value_counts()
            threshold = self.analysis.groups.min_group_size
            rows = [
                (escape(self.catalog.label("stakeholder_groups", group, lang)), str(int(people[group])))
                for group in self.catalog.ids("stakeholder_groups")
                if group in people.index and people[group] >= threshold
            ]
            small = int(people[people < threshold].sum())
            if small:  # as in the breakdowns: groups below the threshold are not named one by one
                rows.append((escape(self._t("other_groups")), str(small)))
            parts.append(
                _table(self._t("participants"), [(self._t("group"), False), (self._t("count"), True)], rows)
                + f"<p>{escape(self._t('participants_total', count=int(people.sum())))}</p>"
            )
        parts.append("</header>")
        return Fragment("".join(parts))

    def overview(self) -> Fragment:
        lang = self.language
        heading = f"<h2>{escape(self._t('overview'))}</h2>"
        parts = [
            "<section>",
            _keep(heading, _intro(self._t("overview_intro"), muted=False), self._chart("field_index")),
        ]
        fields = self.analysis.fields
        rows = [
            (
                escape(self.catalog.field(str(r["field_id"])).title.get(lang)),
                number(float(r["index"]), lang, 0),
                str(int(r["n_respondents"])),
                f"{int(r['n_standards_rated'])} / {int(r['n_standards'])}",
            )
            for r in fields.to_dict("records")
        ]
        headers = [(self._t("field"), False), (self._t("index"), True), (self._t("respondents"), True)]
        parts.append(_table(self._t("overview"), [*headers, (self._t("standards_rated"), True)], rows))
        parts.append(self._groups_html())
        parts.append(self._change_html())
        parts.append("</section>")
        return Fragment("".join(parts))

    def _groups_html(self) -> str:
        groups = self.analysis.groups
        lang = self.language
        parts = [f"<h3>{escape(self._t('groups_heading'))}</h3>"]
        parts.append(f"<p>{escape(self._t('groups_note', threshold=groups.min_group_size))}</p>")
        if groups.suppressed_respondents:
            people, small = groups.suppressed_respondents, groups.suppressed_groups
            small_groups = self._t(f"small_groups_{'one' if small == 1 else 'other'}", n=small)
            note = self._t(f"groups_suppressed_{'one' if people == 1 else 'other'}", people=people, groups=small_groups)
            parts.append(f"<p>{escape(note)}</p>")
        if groups.table.empty:
            if not self._has_answers:
                parts.append(f"<p>{escape(self._t('no_group_data'))}</p>")
            return "".join(parts)
        parts.append(self._chart("stakeholder_groups"))
        table = groups.table
        names = list(dict.fromkeys(table["stakeholder_group"].tolist()))
        fields = self.analysis.session.fields
        # One row per group: five field columns at most fit an A4 page, eight group columns may not.
        headers = [(self._t("group"), False)] + [(self.catalog.field(f).title.get(lang), True) for f in fields]
        rows = []
        for name in names:
            cells = [escape(self._group_label(name))]
            for field_id in fields:
                match = table[(table["stakeholder_group"] == name) & (table["field_id"] == field_id)]
                if len(match) and bool(match["suppressed"].iloc[0]):
                    cells.append(escape(self._t("group_hidden", threshold=groups.min_group_size)))
                else:
                    cells.append(number(float(match["index"].iloc[0]), lang, 0) if len(match) else "–")
            rows.append(cells)
        parts.append(_table(self._t("groups_heading"), headers, rows))
        return "".join(parts)

    def _group_label(self, group: str) -> str:
        if group == OTHER_GROUPS:
            return self._t("other_groups")
        return self.catalog.label("stakeholder_groups", group, self.language)

    def _change_html(self) -> str:
        comparison = self.analysis.comparison
        previous = self.analysis.previous
        if comparison is None or previous is None:
            return ""
        lang = self.language
        heading = f"<h3>{escape(self._t('change_heading', date=formatting.date(previous.date, lang)))}</h3>"
        parts = [_keep(heading, self._chart("change"))]
        rows = [
            (
                escape(self.catalog.field(str(r["field_id"])).title.get(lang)),
                number(float(r["index_previous"]), lang, 0),
                number(float(r["index_current"]), lang, 0),
                _signed(float(r["change"]), lang, 0),  # whole numbers, as the indices beside it
            )
            for r in comparison.fields.to_dict("records")
        ]
        headers = [
            (self._t("field"), False),
            (self._t("previous"), True),
            (self._t("now"), True),
            (self._t("change"), True),
        ]
        parts.append(_table(self._t("change"), headers, rows))
        moved = comparison.standards.dropna(subset=["change"])
        moved = moved.reindex(moved["change"].abs().sort_values(ascending=False, kind="stable").index).head(8)
        if len(moved):
            rows = [
                (
                    self._standard(str(r["standard_id"])),
                    number(float(r["mean_previous"]), lang),
                    number(float(r["mean_current"]), lang),
                    _signed(float(r["change"]), lang, 1),
                )
                for r in moved.to_dict("records")
            ]
            headers = [
                (self._t("standard"), False),
                (self._t("previous"), True),
                (self._t("now"), True),
                (self._t("change"), True),
            ]
            parts.append(_table(self._t("standard_changes"), headers, rows))
        return "".join(parts)

    def fields(self) -> Fragment:
        return Fragment("".join(self.field_section(f).html for f in self.analysis.session.fields))

    def field_section(self, field_id: str) -> Fragment:
        lang = self.language
        field = self.catalog.field(field_id)
        summary = self.analysis.summary
        mine = summary[summary["field_id"] == field_id]
        info = self.analysis.fields[self.analysis.fields["field_id"] == field_id].iloc[0]
        heading = f"<h2 id='field-{field.id}'>{field.number}. {escape(field.title.get(lang))}</h2>"
        description = f"<p class='muted description'>{escape(field.description.get(lang))}</p>"
        parts = [f"<section class='field' aria-labelledby='field-{field.id}'>"]
        if int(mine["n_answers"].sum()) == 0:
            parts += [heading, description, f"<p>{escape(self._t('no_answers_field'))}</p>"]
        else:
            # Heading, key numbers and the tall chart of the answers open the field's first page together;
            # the toolbox's description of the field follows. With the description above it, the chart
            # would not fit below and would leave a page holding only the field's introduction.
            badge = (
                "<p class='key-numbers'><span class='badge'>"
                + escape(
                    self._t(
                        "key_numbers_one" if int(info["n_respondents"]) == 1 else "key_numbers_other",
                        respondents=int(info["n_respondents"]),
                        index=number(float(info["index"]), lang, 0),
                        rated=int(info["n_standards_rated"]),
                        total=int(info["n_standards"]),
                    )
                )
                + "</span></p>"
            )
            parts += [_keep(heading, badge, self._chart(f"answers/{field_id}")), description]
            rated = mine.dropna(subset=["mean"])
            if rated.empty:
                parts.append(f"<p>{escape(self._t('no_ratings_field'))}</p>")
            else:
                strengths = rated[rated["mean"] >= 2.0].sort_values("mean", ascending=False, kind="stable").head(3)
                gaps = rated[rated["mean"] < 1.5].sort_values("mean", kind="stable").head(3)
                columns = [("mean", "mean"), ("median", "median"), ("n_rated", "n_rated")]
                parts.append(self._standards_block("strengths", strengths, columns))
                parts.append(self._standards_block("gaps", gaps, columns))
            disputed = mine[mine["disputed"]]
            parts.append(
                self._standards_block("disputed", disputed, [("mean", "mean"), ("sd", "sd"), ("n_rated", "n_rated")])
            )
            gap_rows = mine[mine["information_gap"]]
            parts.append(self._standards_block("information_gaps", gap_rows, [("share_dont_know", "share_dont_know")]))
            parts.append(self._priorities_html(mine))
            parts.append(self._chart(f"priorities/{field_id}"))
        parts.append(self._challenges_html(field))
        parts.append(self._practices_html(field, mine))
        parts.append(self._comments_html(field_id))
        parts.append("</section>")
        return Fragment("".join(parts))

    def _standards_block(self, key: str, rows: pd.DataFrame, columns: list[tuple[str, str]]) -> str:
        lang = self.language
        heading = f"<h3>{escape(self._t(key))}</h3>" + _intro(self._t(key + "_intro"))
        if rows.empty:
            return heading + f"<p>{escape(self._t('none'))}</p>"
        headers = [(self._t("standard"), False)] + [(self._t(label), True) for _, label in columns]
        body = []
        for r in rows.to_dict("records"):
            cells = [self._standard(str(r["standard_id"]))]
            for column, _ in columns:
                value = float(r[column])
                if column.startswith("share"):
                    cells.append(percent(value, lang))
                elif column == "n_rated":
                    cells.append(str(int(value)))
                else:
                    cells.append(number(value, lang, 1))  # as in the live results and the charts
            body.append(cells)
        return heading + _table(self._t(key), headers, body, caption_hidden=True)

    def _priorities_html(self, mine: pd.DataFrame) -> str:
        top = top_priorities(mine, 3)
        return self._standards_block("priorities", top, [("share_high_priority", "share_high"), ("mean", "mean")])

    def _challenges_html(self, field: Field) -> str:
        lang = self.language
        heading = f"<h3>{escape(self._t('challenges'))}</h3>" + _intro(self._t("challenges_intro"))
        table = self.analysis.challenges
        mine = table[(table["field_id"] == field.id) & (table["n_answers"] > 0)]
        if mine.empty:
            return heading + f"<p>{escape(self._t('no_challenges'))}</p>"
        mine = mine.sort_values(["share_yes", "n_answers"], ascending=False, kind="stable")
        rows = [
            (
                escape(self.catalog.challenge(str(r["challenge_id"])).text.get(lang)),
                percent(float(r["share_yes"]), lang),
                str(int(r["n_answers"])),
            )
            for r in mine.to_dict("records")
        ]
        headers = [(self._t("challenge"), False), (self._t("share_yes"), True), (self._t("answers"), True)]
        return heading + _table(self._t("challenges"), headers, rows, caption_hidden=True)

    def practices_for(self, field: Field, summary: pd.DataFrame) -> list[Practice]:
        """Practice examples that illustrate the field's weakest standards; the field's own when none match."""
        return self._weakest_practices(field, summary)[:3] or list(field.practices)

    @staticmethod
    def _weakest(summary: pd.DataFrame) -> pd.DataFrame:
        """The field's five rated standards of the lowest mean, the lowest first: what the examples are chosen for."""
        return summary.dropna(subset=["mean"]).sort_values("mean", kind="stable").head(5)

    def _weakest_practices(self, field: Field, summary: pd.DataFrame) -> list[Practice]:
        weakest = set(self._weakest(summary)["standard_id"])
        return sorted(
            (p for p in self.catalog.practices if set(p.standard_ids) & weakest),
            key=lambda p: (-len(set(p.standard_ids) & weakest), p.field_id != field.id, p.id),
        )

    def _practices_html(self, field: Field, summary: pd.DataFrame) -> str:
        lang = self.language
        items = []
        matched = self._weakest_practices(field, summary)
        if matched:
            intro = "practices_intro"
        elif summary["mean"].notna().any():
            intro = "practices_intro_unmatched"
        else:
            intro = "practices_intro_field"
        weakest = self._weakest(summary).to_dict("records")
        for practice in matched[:3] or field.practices:
            item = (
                f"<strong>{escape(practice.name.get(lang))}</strong> — "
                f"{escape(practice.place.get(lang))} ({escape(practice.country)}). "
                f"{escape(practice.summary.get(lang))}"
            )
            # Which of the weak standards the example is about, so that the reader sees why it is here.
            related = [r for r in weakest if r["standard_id"] in practice.standard_ids] if matched else []
            if related:
                label = self._t(f"practice_weak_{'one' if len(related) == 1 else 'other'}", n=len(related))
                standards = "; ".join(
                    f"<strong>{escape(str(r['standard_id']))}</strong> "
                    f"{escape(self.catalog.standard(str(r['standard_id'])).short.get(lang))} "
                    f"({escape(self._t('practice_mean', mean=number(float(r['mean']), lang)))})"
                    for r in related
                )
                item += f"<span class='practice-standards'>{escape(label)} {standards}</span>"
            items.append(item)
        return f"<h3>{escape(self._t('practices'))}</h3>" + _intro(self._t(intro)) + _list(items)

    def _comments_html(self, field_id: str) -> str:
        responses = self.analysis.responses
        mine = responses[(responses["field_id"] == field_id) & (responses["comment"].str.strip() != "")]
        if mine.empty:
            return ""
        items = [
            f"<strong>{escape(str(r['standard_id']))}</strong>: "
            + self._written_in(str(r["language"]), escape(str(r["comment"])).replace(chr(10), "<br>"))
            for r in mine.sort_values(["standard_id", "recorded_at"], kind="stable").to_dict("records")
        ]
        return f"<h3>{escape(self._t('comments'))}</h3>" + _list(items)

    def action_plan(self) -> Fragment:
        lang = self.language
        plan = self.analysis.actions
        written = self.analysis.session.language
        parts = [f"<section><h2>{escape(self._t('actions'))}</h2>", _intro(self._t("actions_intro"), muted=False)]
        if plan.empty:
            parts.append(f"<p>{escape(self._t('no_actions'))}</p>")
        else:
            rows = [
                (
                    escape(str(a["action_id"])),
                    escape(self.catalog.field(str(a["field_id"])).title.get(lang)),
                    # Actions are agreed and typed in the workshop, so in the session's language.
                    self._written_in(written, _free(str(a["action"]))),
                    escape(str(a["standard_ids"])),
                    self._written_in(written, _free(str(a["responsible"]))),
                    _day(str(a["due_date"]), lang),
                    _nowrap(escape(self.catalog.label("action_statuses", str(a["status"]), lang))),
                )
                for a in plan.to_dict("records")
            ]
            headers = [
                ("#", False),
                (self._t("field"), False),
                (self._t("action"), False),
                (self._t("linked_standards"), False),
                (self._t("responsible"), False),
                (self._t("due"), False),
                (self._t("status"), False),
            ]
            parts.append(_table(self._t("actions"), headers, rows, caption_hidden=True))
        parts.append("</section>")
        return Fragment("".join(parts))

    def next_steps(self) -> Fragment:
        day = self.analysis.session.date
        try:
            again = day.replace(year=day.year + 1)
        except ValueError:  # 29 February
            again = day + dt.timedelta(days=365)
        items = [escape(item) for item in self._t("next_steps_list").split("|")]
        text = self._t("next_steps_text", date=formatting.date(again, self.language))
        return Fragment(
            f"<section><h2>{escape(self._t('next_steps'))}</h2><p>{escape(text)}</p>{_list(items)}</section>"
        )

    def method(self) -> Fragment:
        items = self._t("method_items", threshold=self.analysis.groups.min_group_size).split("|")
        if self.analysis.comparison is not None:
            items.append(self._t("method_change"))
        return Fragment(
            f"<section><h2>{escape(self._t('method'))}</h2>{_list(escape(i) for i in items)}"
            f"<p class='muted'>{escape(self._t('source', version=self.catalog.version))}</p></section>"
        )


def _day(text: str, language: str) -> str:
    """A due date as the reader writes dates, on one line; anything else (the column is typed by people) as it is.

    The result is escaped HTML.
    """
    shown = formatting.typed_date(text, language)
    return escape(text) if shown == text else _nowrap(escape(shown))  # the same text: no date


def _signed(value: float, language: str, digits: int = 1) -> str:
    if math.isnan(value):
        return t("handout.not_available", language)
    return formatting.signed(value, language, digits)


def draw(function: str, *args: object) -> Chart:
    """Call a drawing function of :mod:`charts`, which is imported (with matplotlib) only now."""
    from . import charts

    result = getattr(charts, function)(*args)
    assert isinstance(result, Chart)
    return result
