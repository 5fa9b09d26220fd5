"""Live results for the projector: who has answered, how, and where people disagree.

:class:`LiveResults` shows a session's answers while the workshop is running: an overview of how
many people have answered per assessed field, and for the field chosen in the field selector the
answer distribution per standard (the projector variant of
:func:`~wholecomm_kit.charts.answer_distribution`, as an ``<img>`` with its alt text), the disputed
standards and the information gaps. Every number comes from :mod:`wholecomm_kit.analysis`; nothing
is computed here.

A big "Refresh" button reads the session again. Problems while reading (a broken CSV file, a
missing folder) never escape a callback: they are shown as a message in the widget, and the figures
of the last good reading stay on screen, marked with their time. A torn last row that the store moves
to ``responses.csv.damaged`` while reading is named in a notice that stays until the page is reloaded
(the store only warns, and Voilà shows no warnings).

Large type (22 px and more, set by a style block scoped to the widget's ``wck-live`` class) and the
colour-blind-safe palette of :mod:`wholecomm_kit.charts` keep it readable from the back of the room.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from . import charts
from .analysis import (
    DISPUTED_MIN_RATINGS,
    DISPUTED_MIN_SD,
    INFORMATION_GAP_SHARE,
    current_responses,
    field_index,
    responses_frame,
    standard_summary,
)
from .callbacks import guarded, moved_rows_notice
from .catalog import LANGUAGES, Catalog, load_catalog
from .exceptions import InputError, KitError
from .formatting import number as _number
from .formatting import percent as _percent
from .session import Session, load_session
from .store import SessionStore, moved_rows
from .texts import os_reason, say, speaking, t

__all__ = ["LANGUAGE_NAMES", "LiveError", "LiveResults", "Snapshot", "format_problem"]

LANGUAGE_NAMES: dict[str, str] = {"de": "Deutsch", "en": "English"}
"""Each language named in itself, so everyone finds theirs in the language switch."""
MAX_PROBLEMS_SHOWN = 5
_WIDE = {"description_width": "initial", "button_width": "auto"}

DISPUTED_COLOUR = charts.OKABE_ITO["vermillion"]
GAP_COLOUR = charts.OKABE_ITO["blue"]
ERROR_COLOUR = "#B71C1C"
SAVED_COLOUR = "#1B5E20"

STYLE = f"""<style>
.wck-live {{
  --jp-widgets-font-size: 22px;
  --jp-widgets-inline-height: 48px;
  font-size: 22px;
  line-height: 1.4;
  color: {charts.TEXT_COLOUR};
}}
.wck-live .widget-html-content {{ font-size: 22px; line-height: 1.4; }}
.wck-live h2 {{ font-size: 40px; margin: 0.2em 0; }}
.wck-live h3 {{ font-size: 30px; margin: 0.6em 0 0.2em 0; }}
.wck-live .wck-live-as-of {{ font-size: 26px; color: {charts.MUTED_COLOUR}; margin: 0; }}
.wck-live .wck-live-refresh {{ font-size: 30px; min-height: 64px; padding: 0 1em; margin-right: 32px; }}
.wck-live .widget-toggle-button {{ font-size: 22px; min-height: 48px; }}
.wck-live .widget-toggle-button.mod-active {{ background: #00507A; color: #FFFFFF; }}
.wck-live button:focus-visible {{ outline: 4px solid {charts.TEXT_COLOUR}; outline-offset: 3px; }}
.wck-live table.wck-live-table {{ border-collapse: collapse; margin: 0.3em 0; }}
.wck-live table.wck-live-table th, .wck-live table.wck-live-table td {{
  padding: 6px 18px; border-bottom: 2px solid #D9D9D9; text-align: left;
}}
.wck-live table.wck-live-table td.wck-num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.wck-live .wck-live-counts {{ font-size: 28px; }}
.wck-live ul.wck-live-list {{ list-style: none; padding: 0; margin: 0.3em 0; }}
.wck-live ul.wck-live-list li {{ padding: 4px 12px; margin: 6px 0; }}
.wck-live .wck-live-disputed li {{ border-left: 10px solid {DISPUTED_COLOUR}; }}
.wck-live .wck-live-gaps li {{ border-left: 10px dashed {GAP_COLOUR}; }}
.wck-live .wck-live-explain {{ color: {charts.MUTED_COLOUR}; }}
.wck-live img {{ max-width: 100%; height: auto; }}
.wck-live .wck-status-error {{ color: {ERROR_COLOUR}; font-weight: bold; }}
.wck-live .wck-status-saved {{ color: {SAVED_COLOUR}; }}
.wck-live .wck-status-info {{ color: {charts.MUTED_COLOUR}; }}
</style>"""
"""Large type for the projector, scoped to the live view (class ``wck-live``) so nothing else changes."""


class LiveError(KitError):
    """The live view cannot be built as asked (e.g. an unknown language)."""


@dataclass(frozen=True, eq=False)
class Snapshot:
    """One reading of the session: the tables of :mod:`~wholecomm_kit.analysis` and when they were read."""

    session: Session
    summary: pd.DataFrame
    """:func:`~wholecomm_kit.analysis.standard_summary` of the current answers."""
    fields: pd.DataFrame
    """:func:`~wholecomm_kit.analysis.field_index` (``n_respondents`` per field)."""
    as_of: dt.datetime

    @property
    def n_answers(self) -> int:
        """Current answers in the whole session (every field)."""
        return int(self.summary["n_answers"].sum())

    def field_counts(self, field_id: str) -> tuple[int, int]:
        """(respondents, current answers) of one field."""
        row = self.fields[self.fields["field_id"] == field_id]
        respondents = int(row["n_respondents"].iloc[0]) if len(row) else 0
        answers = int(self.summary.loc[self.summary["field_id"] == field_id, "n_answers"].sum())
        return respondents, answers

    def index_of(self, field_id: str) -> float:
        """The field index (0–100), NaN without ratings."""
        row = self.fields[self.fields["field_id"] == field_id]
        return float(row["index"].iloc[0]) if len(row) else math.nan

    def disputed(self, field_id: str) -> pd.DataFrame:
        rows = self.summary[(self.summary["field_id"] == field_id) & self.summary["disputed"]]
        return rows.reset_index(drop=True)

    def information_gaps(self, field_id: str) -> pd.DataFrame:
        rows = self.summary[(self.summary["field_id"] == field_id) & self.summary["information_gap"]]
        return rows.reset_index(drop=True)


def read_snapshot(session_dir: Path, catalog: Catalog, now: dt.datetime) -> Snapshot:
    """Read the session folder and compute the live tables (only the answers are read, not the plan)."""
    session = load_session(session_dir, catalog)
    store = SessionStore.open(session, catalog)
    current = current_responses(responses_frame(store.responses()))
    summary = standard_summary(current, catalog, session.fields)
    return Snapshot(session, summary, field_index(summary, current), now)


def format_problem(exc: BaseException, language: str) -> str:
    """A readable reason: the first problems of an :class:`InputError` (one a line), else the message."""
    if isinstance(exc, InputError) and exc.problems:
        lines = [str(p) for p in exc.problems[:MAX_PROBLEMS_SHOWN]]
        hidden = len(exc.problems) - MAX_PROBLEMS_SHOWN
        if hidden > 0:
            lines.append(t("live.more_problems", language, n=hidden))
        return "\n".join(lines)
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {os_reason(exc)}".lstrip(": ")
    return str(exc) or type(exc).__name__


def _local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def _clock(moment: dt.datetime) -> str:
    return moment.strftime("%H:%M")


def _status_html(text: str, kind: str) -> str:
    """A status line; errors are announced at once (``role="alert"``), the rest politely."""
    if not text:
        return ""
    role = 'role="alert"' if kind == "error" else 'role="status" aria-live="polite"'
    body = "<br>".join(html.escape(line) for line in text.split("\n"))
    return f'<div class="wck-status-{kind}" {role}>{body}</div>'


def _set_visible(widget: Any, visible: bool) -> None:
    widget.layout.display = None if visible else "none"


class LiveResults:
    """The live-results view of a session for the projector, as an ipywidgets widget (:attr:`widget`).

    ``language`` is ``"de"`` or ``"en"``; empty or None means the session's language. The view can be
    switched to the other language at any time (:meth:`set_language` or the language buttons).
    ``now`` gives the time shown as "as of HH:MM" (the machine's local time unless given, for tests).
    """

    def __init__(
        self,
        session_dir: Path | str,
        language: str | None = None,
        *,
        catalog: Catalog | None = None,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.catalog = catalog or load_catalog()
        self.session_dir = Path(session_dir)
        self.session = load_session(self.session_dir, self.catalog)
        chosen = language or self.session.language
        self._check_language(chosen)
        self.language = chosen
        self._now = now or _local_now
        self.snapshot: Snapshot | None = None
        """The last good reading (None until the first reading succeeds)."""
        self.error: str | None = None
        """The message of the last failed refresh, None after a good one."""
        self._status: tuple[str, dict[str, object], str] | None = None
        self._charts: dict[tuple[str, str], charts.Chart] = {}
        self._updating = False
        self.moved: list[str] = []
        """What the store said about rows it moved to a ``.damaged`` file; shown until the page is reloaded."""
        self.widget = self._build()
        self.refresh()

    # --- texts -------------------------------------------------------------------------------

    def _t(self, key: str, **values: object) -> str:
        return t(f"live.{key}", self.language, **values)

    def _check_language(self, language: str) -> None:
        if language not in LANGUAGES:
            raise LiveError(say("live.unknown_language", lang=repr(language), choices=", ".join(LANGUAGES)))

    # --- building ----------------------------------------------------------------------------

    def _build(self) -> Any:
        style = widgets.HTML(value=STYLE)
        self.header = widgets.HTML(value="")
        self.header.add_class("wck-live-header")
        self.refresh_button = widgets.Button(
            description=self._t("refresh"),
            tooltip=self._t("refresh_tooltip"),
            button_style="primary",
            layout=widgets.Layout(width="auto", height="auto"),
        )
        self.refresh_button.add_class("wck-live-refresh")
        self.refresh_button.on_click(self._guarded(lambda _button: self.refresh()))
        self.language_selector = widgets.ToggleButtons(
            options=[(LANGUAGE_NAMES[lang], lang) for lang in LANGUAGES],
            value=self.language,
            description=self._t("language_label"),
            tooltips=[LANGUAGE_NAMES[lang] for lang in LANGUAGES],
            style=_WIDE,
        )
        self.language_selector.add_class("wck-live-language")
        self.language_selector.observe(self._guarded(self._on_language), names="value")
        self.status = widgets.HTML(value="")
        self.status.add_class("wck-live-status")
        self.notice = widgets.HTML(value="")
        self.notice.add_class("wck-live-notice")
        self.error_log = widgets.Output()
        self.error_log.add_class("wck-live-error-log")
        self.overview = widgets.HTML(value="")
        self.overview.add_class("wck-live-overview")
        self.field_selector = widgets.ToggleButtons(
            options=self._field_options(),
            value=self.session.fields[0],
            description=self._t("field_label"),
            style=_WIDE,
        )
        self.field_selector.add_class("wck-live-field-selector")
        self.field_selector.observe(self._guarded(self._on_field), names="value")
        self.details = widgets.HTML(value="")
        self.details.add_class("wck-live-details")
        self.chart = widgets.HTML(value="")
        self.chart.add_class("wck-live-chart")
        self.disputed_list = widgets.HTML(value="")
        self.disputed_list.add_class("wck-live-disputed")
        self.gaps_list = widgets.HTML(value="")
        self.gaps_list.add_class("wck-live-gaps")
        controls = widgets.HBox([self.refresh_button, self.language_selector])
        controls.layout.flex_flow = "row wrap"
        controls.layout.align_items = "center"
        # The lists first: on a projector the chart of a big field runs over several screens.
        self.field_panel = widgets.VBox([self.details, self.disputed_list, self.gaps_list, self.chart])
        self.field_panel.add_class("wck-live-field")
        root = widgets.VBox(
            [
                style,
                self.header,
                controls,
                self.status,
                self.notice,
                self.error_log,
                self.overview,
                self.field_selector,
                self.field_panel,
            ]
        )
        root.add_class("wck-live")
        return root

    def _field_options(self) -> list[tuple[str, str]]:
        return [(self.catalog.field(f).title.get(self.language), f) for f in self.session.fields]

    # --- display -----------------------------------------------------------------------------

    def show(self) -> None:
        """Display the live view in the current notebook or Voila page."""
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    def _ipython_display_(self) -> None:
        self.show()

    # --- actions -----------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Read the session again and show the new figures, as the "Refresh" button does.

        Returns False if reading failed; the message is then shown in the widget (and kept in
        :attr:`error`) and the figures of the last good reading stay, marked with their time.
        Never raises.
        """
        self.refresh_button.disabled = True  # one reading at a time, however often it is clicked
        self.status.value = _status_html(self._t("refreshing"), "info")
        try:
            return self._refresh()
        except Exception as exc:
            self._show_unexpected(exc)
            return False
        finally:
            self.refresh_button.disabled = False

    def _refresh(self) -> bool:
        try:
            with speaking(self.language), moved_rows(self.moved):
                snapshot = read_snapshot(self.session_dir, self.catalog, self._now())
        except (KitError, OSError) as exc:
            self.notice.value = moved_rows_notice(self.moved)
            reason = format_problem(exc, self.language)
            self.error = self._t("refresh_failed", reason=reason)
            self._say("refresh_failed", "error", reason=reason)
            self._render()
            return False
        self.notice.value = moved_rows_notice(self.moved)
        fields_changed = snapshot.session.fields != self.session.fields
        self.snapshot = snapshot
        self.session = snapshot.session
        self.error = None
        self._charts.clear()
        if fields_changed:
            self._set_field_options()
        # With seconds: a second refresh in the same minute must look different from the first.
        self._say("refreshed", "saved", time=snapshot.as_of.strftime("%H:%M:%S"))
        self._render()
        return True

    def select_field(self, field_id: str) -> None:
        """Show one assessed field, as a click in the field selector does."""
        if field_id not in self.session.fields:
            raise LiveError(say("live.field_not_assessed", field=repr(field_id), fields=", ".join(self.session.fields)))
        self.field_selector.value = field_id

    @property
    def field_id(self) -> str:
        """The field shown now."""
        return str(self.field_selector.value)

    def set_language(self, language: str) -> None:
        """Show every label in ``language`` (``"de"`` or ``"en"``), as the language buttons do."""
        self._check_language(language)
        if self.language_selector.value != language:
            self.language_selector.value = language  # fires _on_language
            return
        self._apply_language(language)

    def _on_language(self, change: dict[str, Any]) -> None:
        self._apply_language(str(change["new"]))

    def _apply_language(self, language: str) -> None:
        self.language = language
        self.refresh_button.description = self._t("refresh")
        self.refresh_button.tooltip = self._t("refresh_tooltip")
        self.language_selector.description = self._t("language_label")
        self.field_selector.description = self._t("field_label")
        self._set_field_options()
        self._show_status()
        self._render()

    def _set_field_options(self) -> None:
        chosen = self.field_id
        self._updating = True
        try:
            self.field_selector.options = self._field_options()
            self.field_selector.value = chosen if chosen in self.session.fields else self.session.fields[0]
        finally:
            self._updating = False

    def _on_field(self, _change: dict[str, Any]) -> None:
        if not self._updating:
            self._render_field()

    # --- what the view shows (for tests and other tools) ---------------------------------------

    def counts(self) -> dict[str, tuple[int, int]]:
        """(respondents, answers) per assessed field, as shown; empty before the first good reading."""
        if self.snapshot is None:
            return {}
        return {f: self.snapshot.field_counts(f) for f in self.snapshot.session.fields}

    def disputed(self, field_id: str | None = None) -> list[str]:
        """Ids of the disputed standards of a field (the shown one by default), as listed."""
        if self.snapshot is None:
            return []
        return [str(s) for s in self.snapshot.disputed(field_id or self.field_id)["standard_id"]]

    def information_gaps(self, field_id: str | None = None) -> list[str]:
        """Ids of the standards with an information gap in a field (the shown one by default), as listed."""
        if self.snapshot is None:
            return []
        return [str(s) for s in self.snapshot.information_gaps(field_id or self.field_id)["standard_id"]]

    # --- rendering ---------------------------------------------------------------------------

    def _render(self) -> None:
        self._render_header()
        self._render_overview()
        self._render_field()

    def _render_header(self) -> None:
        title = html.escape(self._t("title", municipality=self.session.municipality))
        if self.snapshot is None:
            as_of = html.escape(self._t("not_loaded"))
        else:
            as_of = html.escape(self._t("as_of", time=_clock(self.snapshot.as_of)))
        self.header.value = f'<h2>{title}</h2><p class="wck-live-as-of">{as_of}</p>'

    def _render_overview(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            self.overview.value = ""
            return
        heading = f'<h3 id="wck-live-overview-heading">{html.escape(self._t("overview_heading"))}</h3>'
        if snapshot.n_answers == 0:
            message = html.escape(self._t("no_answers"))
            self.overview.value = f'{heading}<p class="wck-live-no-answers">{message}</p>'
            return
        head = "".join(
            f'<th scope="col">{html.escape(self._t(key))}</th>'
            for key in ("col_field", "col_respondents", "col_answers", "col_index")
        )
        rows = []
        for field_id in snapshot.session.fields:
            respondents, answers = snapshot.field_counts(field_id)
            index = snapshot.index_of(field_id)
            shown = self._t("no_ratings") if math.isnan(index) else _number(index, self.language)
            rows.append(
                f'<tr data-field="{html.escape(field_id)}">'
                f'<th scope="row">{html.escape(self.catalog.field(field_id).title.get(self.language))}</th>'
                f'<td class="wck-num wck-live-respondents">{respondents}</td>'
                f'<td class="wck-num wck-live-answers">{answers}</td>'
                f'<td class="wck-num wck-live-index">{html.escape(shown)}</td></tr>'
            )
        note = html.escape(self._t("index_note"))
        self.overview.value = (
            f"{heading}"
            f'<table class="wck-live-table" aria-labelledby="wck-live-overview-heading">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f'<p class="wck-live-explain">{note}</p>'
        )

    def _render_field(self) -> None:
        snapshot = self.snapshot
        field_id = self.field_id
        title = html.escape(self.catalog.field(field_id).title.get(self.language))
        if snapshot is None:
            self.details.value = f"<h3>{title}</h3>"
            for part in (self.chart, self.disputed_list, self.gaps_list):
                part.value = ""
                _set_visible(part, False)
            return
        respondents, answers = snapshot.field_counts(field_id)
        people = self._t(f"respondents_{'one' if respondents == 1 else 'other'}", n=respondents)
        given = self._t(f"answers_{'one' if answers == 1 else 'other'}", n=answers)
        counts = (
            f'<p class="wck-live-counts" data-field="{html.escape(field_id)}" data-respondents="{respondents}" '
            f'data-answers="{answers}"><strong>{html.escape(people)}</strong> · {html.escape(given)}</p>'
        )
        if answers == 0:
            counts += f'<p class="wck-live-no-answers">{html.escape(self._t("no_answers_field"))}</p>'
        self.details.value = f"<h3>{title}</h3>{counts}"
        self.chart.value = f'<figure class="wck-live-figure" style="margin:0">{self._chart(field_id).html()}</figure>'
        _set_visible(self.chart, True)
        self.disputed_list.value = self._disputed_html(snapshot, field_id)
        self.gaps_list.value = self._gaps_html(snapshot, field_id)
        for part in (self.disputed_list, self.gaps_list):
            _set_visible(part, answers > 0)

    def _chart(self, field_id: str) -> charts.Chart:
        key = (field_id, self.language)
        if key not in self._charts:
            assert self.snapshot is not None
            self._charts[key] = charts.answer_distribution(
                self.snapshot.summary, field_id, self.catalog, self.language, projector=True
            )
        return self._charts[key]

    def _standard_label(self, standard_id: str) -> str:
        short = self.catalog.standard(standard_id).short.get(self.language)
        return f"<strong>{html.escape(standard_id)}</strong> · {html.escape(short)}"

    def _disputed_html(self, snapshot: Snapshot, field_id: str) -> str:
        rows = snapshot.disputed(field_id)
        sd_min = _number(DISPUTED_MIN_SD, self.language, 1)
        explain = self._t("disputed_explain", min=DISPUTED_MIN_RATINGS, sd=sd_min)
        heading = f"<h3>⚠ {html.escape(self._t('disputed_heading'))} ({len(rows)})</h3>"
        if rows.empty:
            return f'{heading}<p class="wck-live-none">{html.escape(self._t("disputed_none"))}</p>'
        items = []
        for record in rows.to_dict("records"):
            standard_id = str(record["standard_id"])
            detail = self._t(
                "disputed_item", ratings=int(record["n_rated"]), sd=_number(float(record["sd"]), self.language, 1)
            )
            items.append(
                f'<li data-standard="{html.escape(standard_id)}">'
                f"{self._standard_label(standard_id)} – {html.escape(detail)}</li>"
            )
        return (
            f'{heading}<p class="wck-live-explain">{html.escape(explain)}</p>'
            f'<ul class="wck-live-list">{"".join(items)}</ul>'
        )

    def _gaps_html(self, snapshot: Snapshot, field_id: str) -> str:
        rows = snapshot.information_gaps(field_id)
        explain = self._t("gaps_explain", share=_percent(INFORMATION_GAP_SHARE, self.language))
        heading = f"<h3>? {html.escape(self._t('gaps_heading'))} ({len(rows)})</h3>"
        if rows.empty:
            return f'{heading}<p class="wck-live-none">{html.escape(self._t("gaps_none"))}</p>'
        items = []
        for record in rows.to_dict("records"):
            standard_id = str(record["standard_id"])
            detail = self._t(
                "gaps_item",
                share=_percent(float(record["share_dont_know"]), self.language),
                dont_know=int(record["n_dont_know"]),
                answers=int(record["n_answers"]),
            )
            items.append(
                f'<li data-standard="{html.escape(standard_id)}">'
                f"{self._standard_label(standard_id)} – {html.escape(detail)}</li>"
            )
        return (
            f'{heading}<p class="wck-live-explain">{html.escape(explain)}</p>'
            f'<ul class="wck-live-list">{"".join(items)}</ul>'
        )

    # --- status and errors -------------------------------------------------------------------

    def _say(self, key: str, kind: str, **values: object) -> None:
        self._status = (key, values, kind)
        self._show_status()

    def _show_status(self) -> None:
        if self._status is None:
            self.status.value = ""
            return
        key, values, kind = self._status
        text = self._t(key, **values)
        if kind == "error" and self.snapshot is not None:
            text += "\n" + self._t("stale", time=_clock(self.snapshot.as_of))
        self.status.value = _status_html(text, kind)

    def _guarded(self, action: Callable[[Any], object]) -> Callable[[Any], None]:
        return guarded(action, self._show_unexpected)

    def _show_unexpected(self, exc: BaseException) -> None:
        self.error = self._t("unexpected", error=f"{type(exc).__name__}: {exc}")
        self._say("unexpected", "error", error=f"{type(exc).__name__}: {exc}")
        self.error_log.append_stderr("".join(traceback.format_exception(exc)))
