"""The action-plan editor: the facilitator records the actions a workshop agrees on.

:class:`ActionPlanEditor` is an ipywidgets form (what will be done, the field of action, linked
standards, who is responsible, a due date and a status) above the plan as it stands. "Add" saves a
new action at once to ``actions.csv`` through :meth:`SessionStore.record_action
<wholecomm_kit.store.SessionStore.record_action>` under the next free number (A1, A2 …). Each entry
of the plan can be loaded back into the form and saved again ("save changes" appends a new row with
the same number) or removed after a confirmation (a new row with status ``removed``): the file keeps
every version.

What is typed is never lost without asking:

* Loading an action into a form that holds unsaved entries asks first, in the action's row, the
  same way a removal does ("discard and edit" or "keep my entries").
* Several windows may show the same plan (two facilitators, a reloaded page). Editing remembers the
  version of the action it started from, and the plan remembers the versions it shows; "save
  changes" and a removal write nothing if that version is no longer the current one in
  ``actions.csv`` (changed or removed in another window since). The message says so and offers to
  reload the plan; after that reload the form still holds what was typed, and saving it then
  replaces the other window's version knowingly. The store checks the version, and gives a new
  action its number, under the file's lock, so even saves at the same moment are caught.
* "Save changes" with nothing changed writes no row.
* After "Add" the field stays chosen for the next action. Switching the field keeps the chosen
  standards that belong to the new one, remembers the others (choosing their field again brings them
  back) and says which were taken off.

The due date is a text box taking ``YYYY-MM-DD`` (in German also ``TT.MM.JJJJ``), checked before
anything is written: an impossible date, a two-digit year or a year outside the session's year
minus :data:`DUE_YEARS_BEFORE` to plus :data:`DUE_YEARS_AFTER` is refused with a message, so what is
saved is always the date that was shown. Texts longer than the store accepts are refused the same
way, naming the limit.

Every save says so visibly; a save that fails (the store refuses a value or cannot write) shows the
reason and leaves the form as it was, so nothing typed is lost. A broken row in ``actions.csv``
(say, one added by hand) is shown above the plan with its file, line and reason and how to repair
the file; an operation that fails because of it says so instead of blaming the form. A torn last row
that the store moves to ``actions.csv.damaged`` (it only warns, and Voilà shows no warnings) is named
in a notice above the plan until the page is reloaded. No callback ever lets an exception escape:
unexpected errors become a message with the details underneath.

Large type for the projector (22 px body text, no text under 20 px) comes from :data:`STYLE`, a style
block scoped to the editor's ``wck-action-plan`` class like the live view's. Labels sit above their
inputs with their hints inside the label (so a screen reader reads the hint with the input); buttons
and the field dropdown are as wide as their text; the status is a group of radio buttons, so its
state is exposed to assistive technology (ipywidgets' ToggleButtons mark the chosen button with a CSS
class only, no ``aria-pressed``), and the chosen one is filled dark with white text. The plan
has six columns (the field and the standards under the action's text), which fit a 1024 px projector;
a word wider than its column (a long German compound) is broken rather than run over the next column.
Rebuilding the plan replaces the buttons of its rows, so the keyboard focus is put where it is needed
next: on "keep" when a removal or a discarding asks, back on the row's button after "keep", and on the
action's text when an action is loaded into the form (which also scrolls the form into view).

The class needs no browser: tests set the widgets' ``value`` and call ``button.click()``, which runs
the same handlers as a click in the browser.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from . import formatting
from .callbacks import guarded, moved_rows_notice
from .catalog import LANGUAGES, Catalog, load_catalog
from .exceptions import InputError, KitError, Problem
from .records import MAX_TEXT, Action
from .session import load_session
from .store import ActionChanged, SessionStore, latest, moved_rows
from .texts import os_reason, say, speaking, t

__all__ = [
    "DUE_YEARS_AFTER",
    "DUE_YEARS_BEFORE",
    "EDITABLE_STATUSES",
    "REMOVED",
    "STYLE",
    "ActionPlanEditor",
    "ActionPlanError",
    "plan_order",
    "shorten",
]

REMOVED = "removed"
EDITABLE_STATUSES: tuple[str, ...] = ("planned", "in_progress", "done")
"""The statuses offered in the form; ``removed`` is set only by removing an action."""
DUE_YEARS_BEFORE = 1
"""A due date may lie at most this many years before the session's year …"""
DUE_YEARS_AFTER = 30
"""… and at most this many years after it; anything else is a typing mistake."""
SHORT_TEXT = 80
"""Messages quote an action's text up to this many characters."""
MAX_PROBLEMS_SHOWN = 5
_WIDE = {"description_width": "initial"}
_AUTO = {"width": "auto", "height": "auto"}
_COLUMN_LABELS = {
    "action": "plan_action_label",
    "field_id": "plan_field_label",
    "standard_ids": "plan_standards_label",
    "responsible": "plan_responsible_label",
    "due_date": "plan_due_label",
    "status": "plan_status_label",
}
PLAN_COLUMNS = "min-content minmax(8em, 3fr) minmax(min-content, 1.5fr) min-content min-content min-content"
"""Widths of the plan's columns: number, action (with its field and standards), responsible, due, status, buttons.

Six columns in 22 px type fit a 1024 px wide projector; the field and standards go under the action's text."""

TEXT_COLOUR = "#1A1A1A"
MUTED_COLOUR = "#595959"
SELECTED_COLOUR = "#0D47A1"
"""Fill of the chosen status (white text on it, 8.6:1; against the white of the others, 8.6:1)."""
FOCUS_COLOUR = "#E69F00"
_COLOURS = {"saved": "#1B5E20", "error": "#B71C1C", "info": "#37474F"}

STYLE = f"""<style>
.wck-action-plan {{
  --jp-widgets-font-size: 22px;
  --jp-widgets-inline-height: 48px;
  font-size: 22px;
  line-height: 1.4;
  color: {TEXT_COLOUR};
}}
.wck-action-plan .widget-html-content {{ font-size: 22px; line-height: 1.4; }}
.wck-action-plan h2 {{ font-size: 40px; margin: 0.2em 0; }}
.wck-action-plan h3 {{ font-size: 30px; margin: 0.6em 0 0.2em 0; }}
.wck-action-plan .wck-plan-input {{
  flex-direction: column; align-items: flex-start; height: auto; margin: 0 0 16px 0;
}}
.wck-action-plan .wck-plan-input > .widget-label {{
  width: auto; max-width: 100%; height: auto; margin: 0 0 6px 0; overflow: visible;
  font-size: 22px; font-weight: bold; line-height: 1.3; text-align: left; white-space: normal; color: {TEXT_COLOUR};
}}
.wck-action-plan .wck-plan-hint {{ display: block; font-size: 20px; font-weight: normal; color: {MUTED_COLOUR}; }}
.wck-action-plan .wck-plan-input textarea,
.wck-action-plan .wck-plan-input input[type="text"],
.wck-action-plan .wck-plan-input select {{
  font-family: inherit; font-size: 22px; line-height: 1.4; height: auto; min-height: 48px; padding: 4px 8px;
  box-sizing: border-box; color: {TEXT_COLOUR}; border: 2px solid {MUTED_COLOUR};
}}
.wck-action-plan .wck-plan-wide > textarea,
.wck-action-plan .wck-plan-wide > select,
.wck-action-plan .wck-plan-wide > input {{ width: 100%; flex: 0 0 auto; }}
.wck-action-plan .wck-plan-due > input {{ width: 18em; max-width: 100%; flex: 0 0 auto; }}
.wck-action-plan .wck-plan-field > select {{ width: auto; max-width: 100%; flex: 0 1 auto; padding-right: 40px; }}
.wck-action-plan .jupyter-button {{
  width: auto; height: auto; min-height: 48px; padding: 6px 18px; margin: 4px 12px 4px 0;
  font-size: 22px; line-height: 1.3; overflow: visible; text-overflow: clip;
}}
.wck-action-plan .wck-plan-status-choice .widget-radio-box {{
  flex-direction: row; flex-wrap: wrap; gap: 12px; margin-bottom: 0;
}}
.wck-action-plan .wck-plan-status-choice .widget-radio-box label {{
  display: flex; align-items: center; height: auto; padding: 8px 18px; font-size: 22px; line-height: 1.3;
  color: {TEXT_COLOUR}; background: #FFFFFF; border: 2px solid {MUTED_COLOUR}; border-radius: 4px; cursor: pointer;
}}
.wck-action-plan .wck-plan-status-choice .widget-radio-box input {{
  order: -1; float: none; width: 22px; height: 22px; margin: 0 10px 0 0; accent-color: {SELECTED_COLOUR};
}}
.wck-action-plan .wck-plan-status-choice .widget-radio-box label:has(input:checked) {{
  color: #FFFFFF; background: {SELECTED_COLOUR}; border-color: {SELECTED_COLOUR}; font-weight: bold;
}}
.wck-action-plan .wck-plan-status-choice .widget-radio-box label:has(input:checked) input {{ accent-color: #FFFFFF; }}
.wck-action-plan .wck-plan-status-choice .widget-radio-box label:has(input:focus-visible) {{
  outline: 4px solid {FOCUS_COLOUR}; outline-offset: 2px;
}}
.wck-action-plan .wck-plan-table {{ overflow-x: auto; }}
.wck-action-plan .wck-plan-table > * {{ min-width: 0; }}
.wck-action-plan .wck-plan-table .widget-html-content {{ min-width: 0; overflow-wrap: break-word; hyphens: auto; }}
.wck-action-plan .wck-plan-cell-head {{ border-bottom: 3px solid {TEXT_COLOUR}; }}
.wck-action-plan .wck-plan-cell-due .widget-html-content,
.wck-action-plan .wck-plan-cell-status .widget-html-content {{ white-space: nowrap; }}
.wck-action-plan .wck-plan-context {{ font-size: 20px; color: {MUTED_COLOUR}; }}
.wck-action-plan .wck-plan-reload {{ margin-left: 24px; }}
.wck-action-plan .wck-plan-confirm {{
  grid-column: 1 / -1; border-left: 8px solid {_COLOURS["error"]}; padding: 4px 16px; margin: 0 0 8px 0;
}}
</style>"""
"""Large type for the projector, scoped to the editor (class ``wck-action-plan``) so nothing else changes."""


class ActionPlanError(KitError):
    """The editor cannot be built as asked (e.g. an unknown language)."""


def plan_order(action_id: str) -> tuple[int, int, str]:
    """A1, A2 … A10 by number (as the kit numbers them); any other id after them, alphabetically."""
    match = re.fullmatch(r"A(\d+)", action_id)
    return (0, int(match.group(1)), action_id) if match else (1, 0, action_id)


def shorten(text: str, limit: int = SHORT_TEXT) -> str:
    """The text on one line, cut after about ``limit`` characters (at a space if one is near) with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    space = cut.rfind(" ")
    if space >= limit * 3 // 4:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–") + "…"


# Buttons carry no icon: a Font Awesome glyph would become part of the button's accessible name.


def _set_visible(widget: Any, visible: bool) -> None:
    widget.layout.display = None if visible else "none"


def _status_html(text: str, kind: str) -> str:
    """A message line; errors are announced at once (``role="alert"``), the rest politely."""
    if not text:
        return ""
    role = 'role="alert"' if kind == "error" else 'role="status" aria-live="polite"'
    body = "<br>".join(html.escape(line) for line in text.split("\n"))
    weight = "font-weight:bold;" if kind != "info" else ""
    return f'<div class="wck-status-{kind}" {role} style="color:{_COLOURS[kind]};{weight}">{body}</div>'


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _file_problems(exc: BaseException) -> list[Problem]:
    """The problems of rows read from a file (they have a line); empty for a value the store refused to write."""
    if isinstance(exc, InputError):
        return [p for p in exc.problems if p.line is not None]
    return []


def _local_time(stamp: str) -> str:
    """``recorded_at`` (UTC) as the hour and minute on this computer's clock."""
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return moment.astimezone().strftime("%H:%M")


_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DOTTED_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")


class ActionPlanEditor:
    """The action plan of a session as an ipywidgets form and list (:attr:`widget`).

    ``language`` is ``"de"`` or ``"en"``; empty or None means the session's language.
    """

    def __init__(self, session_dir: Path | str, language: str | None = None, *, catalog: Catalog | None = None) -> None:
        self.catalog = catalog or load_catalog()
        self.session = load_session(session_dir, self.catalog)
        chosen = language or self.session.language
        if chosen not in LANGUAGES:
            raise ActionPlanError(say("actionplan.unknown_language", lang=repr(chosen), choices=", ".join(LANGUAGES)))
        self.language = chosen
        self.store = SessionStore.open(self.session, self.catalog)
        self.plan: list[Action] = []
        """The plan as last read: the current version of every action not removed, A1, A2 …"""
        self.editing: str | None = None
        """The number of the action loaded into the form for editing, None while adding a new one."""
        self.editing_version: Action | None = None
        """The version of the action being edited that the form was loaded from (or, after a conflict, adopted)."""
        self.pending_removal: str | None = None
        """The number of the action waiting for the removal to be confirmed."""
        self.pending_edit: str | None = None
        """The number of the action to be loaded once discarding the form's unsaved entries is confirmed."""
        self.conflict: tuple[str, str] | None = None
        """After a save (``"edit"``) or removal (``"remove"``) refused because another window changed the
        action: what was refused and the action's number, until the plan is reloaded."""
        self.edit_buttons: dict[str, Any] = {}
        self.remove_buttons: dict[str, Any] = {}
        self.confirm_button: Any = None
        """While a removal or a discarding waits for confirmation: its "yes" button (else None)."""
        self.keep_button: Any = None
        """… and its "no" button."""
        self._quiet = False
        self.moved: list[str] = []
        """What the store said about rows it moved to a ``.damaged`` file; shown until the page is reloaded."""
        self._chosen_by_field: dict[str, tuple[str, ...]] = {}
        self._draft_field = self.session.fields[0]
        self.widget = self._build()
        self._baseline = self._snapshot()
        self.reload()

    # --- texts -------------------------------------------------------------------------------

    def _t(self, key: str, **values: object) -> str:
        return t(f"live.{key}", self.language, **values)

    def _field_title(self, field_id: str) -> str:
        return self.catalog.field(field_id).title.get(self.language)

    def _label(self, key: str, hint: str | None = None) -> str:
        """A form label (HTML), with its hint inside it so that it belongs to the input for a screen reader."""
        label = html.escape(self._t(key))
        return f'{label} <span class="wck-plan-hint">{html.escape(hint)}</span>' if hint else label

    # --- building ----------------------------------------------------------------------------

    def _build(self) -> Any:
        style = widgets.HTML(value=STYLE)
        title = html.escape(self._t("plan_title", municipality=self.session.municipality))
        header = widgets.HTML(value=f"<h2>{title}</h2><p>{html.escape(self._t('plan_intro'))}</p>")
        self.message = widgets.HTML(value="")
        self.message.add_class("wck-plan-message")
        self.conflict_button = widgets.Button(
            description=self._t("plan_reload"), tooltip=self._t("plan_reload_tooltip"), layout=widgets.Layout(**_AUTO)
        )
        self.conflict_button.add_class("wck-plan-conflict-reload")
        self.conflict_button.on_click(self._guarded(lambda _button: self.reload_plan()))
        _set_visible(self.conflict_button, False)
        self.error_log = widgets.Output()
        self.error_log.add_class("wck-plan-error-log")
        plan_heading = widgets.HTML(value=f"<h3>{html.escape(self._t('plan_heading'))}</h3>")
        self.reload_button = widgets.Button(
            description=self._t("plan_reload"), tooltip=self._t("plan_reload_tooltip"), layout=widgets.Layout(**_AUTO)
        )
        self.reload_button.add_class("wck-plan-reload")
        self.reload_button.on_click(self._guarded(lambda _button: self.reload_plan()))
        self.plan_status = widgets.HTML(value="")
        self.plan_status.add_class("wck-plan-status")
        self.notice = widgets.HTML(value="")
        self.notice.add_class("wck-plan-notice")
        self.plan_table = widgets.GridBox(children=[])
        self.plan_table.add_class("wck-plan-table")
        heading_row = widgets.HBox([plan_heading, self.reload_button])
        heading_row.layout.align_items = "center"
        heading_row.layout.flex_flow = "row wrap"
        root = widgets.VBox(
            [
                style,
                header,
                self._build_form(),
                self.message,
                self.conflict_button,
                self.error_log,
                self.notice,
                heading_row,
                self.plan_status,
                self.plan_table,
            ]
        )
        root.add_class("wck-action-plan")
        return root

    def _build_form(self) -> Any:
        self.form_heading = widgets.HTML(value="")
        self.form_heading.add_class("wck-plan-form-heading")
        self.action_box = widgets.Textarea(
            value="",
            description=self._t("plan_action_label"),
            placeholder=self._t("plan_action_placeholder"),
            rows=3,
            style=_WIDE,
            layout=widgets.Layout(width="95%"),
        )
        self.action_box.add_class("wck-plan-action")
        self.field_box = widgets.Dropdown(
            options=[(self._field_title(f), f) for f in self.session.fields],
            value=self.session.fields[0],
            description=self._t("plan_field_label"),
            style=_WIDE,
            layout=widgets.Layout(width="auto", max_width="100%"),
        )
        self.field_box.add_class("wck-plan-field")
        self.standards_box = widgets.SelectMultiple(
            options=self._standard_options(self.session.fields[0]),
            value=(),
            rows=8,
            description=self._label("plan_standards_label", self._t("plan_standards_hint")),
            description_allow_html=True,
            style=_WIDE,
            layout=widgets.Layout(width="95%"),
        )
        self.standards_box.add_class("wck-plan-standards")
        self.field_box.observe(self._guarded(self._on_field), names="value")
        self.responsible_box = widgets.Text(
            value="",
            description=self._label("plan_responsible_label", self._t("plan_responsible_hint")),
            description_allow_html=True,
            placeholder=self._t("plan_responsible_placeholder"),
            style=_WIDE,
            layout=widgets.Layout(width="95%"),
        )
        self.responsible_box.add_class("wck-plan-responsible")
        example = f"{self.session.date.year}-12-31"
        self.due_box = widgets.Text(
            value="",
            description=self._label("plan_due_label", self._t("plan_due_hint", iso=example)),
            description_allow_html=True,
            placeholder=self._t("plan_due_placeholder"),
            style=_WIDE,
            layout=widgets.Layout(width="auto", max_width="100%"),
        )
        self.due_box.add_class("wck-plan-due")
        statuses = [(self.catalog.label("action_statuses", s, self.language), s) for s in EDITABLE_STATUSES]
        self.status_box = widgets.RadioButtons(
            options=statuses,
            value=EDITABLE_STATUSES[0],
            description=self._t("plan_status_label"),
            orientation="horizontal",
            style=_WIDE,
            layout=widgets.Layout(width="auto"),
        )
        self.status_box.add_class("wck-plan-status-choice")
        for box in (self.action_box, self.field_box, self.standards_box, self.responsible_box, self.due_box):
            box.add_class("wck-plan-input")
        self.status_box.add_class("wck-plan-input")
        for box in (self.action_box, self.standards_box, self.responsible_box):
            box.add_class("wck-plan-wide")
        self.add_button = widgets.Button(
            description=self._t("plan_add"),
            tooltip=self._t("plan_add_tooltip"),
            button_style="primary",
            layout=widgets.Layout(**_AUTO),
        )
        self.add_button.add_class("wck-plan-add")
        self.add_button.on_click(self._guarded(lambda _button: self.add()))
        self.save_button = widgets.Button(
            description=self._t("plan_save"),
            tooltip=self._t("plan_save_tooltip"),
            button_style="primary",
            layout=widgets.Layout(**_AUTO),
        )
        self.save_button.add_class("wck-plan-save")
        self.save_button.on_click(self._guarded(lambda _button: self.save_changes()))
        self.cancel_button = widgets.Button(description=self._t("plan_cancel"), layout=widgets.Layout(**_AUTO))
        self.cancel_button.add_class("wck-plan-cancel")
        self.cancel_button.on_click(self._guarded(lambda _button: self.cancel_edit()))
        buttons = widgets.HBox([self.add_button, self.save_button, self.cancel_button])
        buttons.layout.flex_flow = "row wrap"
        form = widgets.VBox(
            [
                self.form_heading,
                self.action_box,
                self.field_box,
                self.standards_box,
                self.responsible_box,
                self.due_box,
                self.status_box,
                buttons,
            ],
            layout=widgets.Layout(border=f"2px solid {MUTED_COLOUR}", padding="8px 16px", margin="0 0 8px 0"),
        )
        form.add_class("wck-plan-form")
        self._show_mode()
        return form

    def _standard_options(self, field_id: str) -> list[tuple[str, str]]:
        return [(f"{s.id} · {s.short.get(self.language)}", s.id) for s in self.catalog.field(field_id).standards]

    def _on_field(self, change: dict[str, Any]) -> None:
        """Offer the new field's standards; keep those chosen that belong to it and those chosen for it before.

        The others are remembered (choosing their field again brings them back) and, unless the form is
        being filled by the kit itself, a message says which were taken off.
        """
        old, new = str(change["old"]), str(change["new"])
        chosen = tuple(self.standards_box.value)
        self._chosen_by_field[old] = chosen
        options = self._standard_options(new)
        wanted = set(chosen) | set(self._chosen_by_field.get(new, ()))
        self.standards_box.value = ()
        self.standards_box.options = options
        self.standards_box.value = tuple(value for _, value in options if value in wanted)
        dropped = [s for s in chosen if s not in self.standards_box.value]
        if dropped and not self._quiet:
            message = self._t(
                "plan_standards_dropped",
                standards=", ".join(dropped),
                old=self._field_title(old),
            )
            self._say(message, "info")

    @contextmanager
    def _filling(self) -> Iterator[None]:
        """The kit itself fills the form: changes of the field say nothing."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def _show_mode(self) -> None:
        """Heading and buttons for adding a new action or for editing one."""
        editing = self.editing
        heading = self._t("plan_form_new") if editing is None else self._t("plan_form_edit", id=editing)
        self.form_heading.value = f"<h3>{html.escape(heading)}</h3>"
        _set_visible(self.add_button, self.editing is None)
        _set_visible(self.save_button, self.editing is not None)
        _set_visible(self.cancel_button, self.editing is not None)

    # --- display -----------------------------------------------------------------------------

    def show(self) -> None:
        """Display the editor in the current notebook or Voila page."""
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    def _ipython_display_(self) -> None:
        self.show()

    # --- the form ----------------------------------------------------------------------------

    def _snapshot(self) -> tuple[object, ...]:
        """What the form holds, to tell whether something was typed since it was emptied or loaded."""
        return (
            str(self.action_box.value).strip(),
            str(self.field_box.value),
            tuple(sorted(self.standards_box.value)),
            str(self.responsible_box.value).strip(),
            str(self.due_box.value).strip(),
            str(self.status_box.value),
        )

    def has_unsaved_entries(self) -> bool:
        """Whether the form holds something not saved: a new action typed, or changes to the one being edited.

        For a new action the field alone does not count: it stays chosen from the action added before.
        """
        now, before = self._snapshot(), self._baseline
        if self.editing is None:
            return now[:1] + now[2:] != before[:1] + before[2:]
        return now != before

    def _due_date(self, typed: str) -> tuple[str, str | None]:
        """The due date as ``YYYY-MM-DD`` ('' for none), or a message saying why the text is not one."""
        text = typed.strip()
        if not text:
            return "", None
        label = self._t("plan_due_label")
        iso = _ISO_DATE.fullmatch(text)
        dotted = _DOTTED_DATE.fullmatch(text) if self.language == "de" else None
        if iso:
            year, month, day = iso.groups()
        elif dotted:
            day, month, year = dotted.groups()
        else:
            example = f"{self.session.date.year}-12-31"
            return "", self._t("plan_due_form", label=label, value=text, iso=example)
        first, last = self.session.date.year - DUE_YEARS_BEFORE, self.session.date.year + DUE_YEARS_AFTER
        if not first <= int(year) <= last:
            return "", self._t("plan_due_year", label=label, value=text, year=year, first=first, last=last)
        if not 1 <= int(month) <= 12:
            return "", self._t("plan_due_no_month", label=label, value=text, month=int(month))
        try:
            return dt.date(int(year), int(month), int(day)).isoformat(), None
        except ValueError:
            next_month = dt.date(int(year) + int(month) // 12, int(month) % 12 + 1, 1)
            days = (next_month - dt.timedelta(days=1)).day
            return "", self._t("plan_due_no_day", label=label, value=text, month=int(month), year=year, days=days)

    def _too_long(self, key: str, text: str) -> str | None:
        if len(text) <= MAX_TEXT:
            return None
        return self._t(
            "plan_too_long", label=self._t(key), length=len(text), limit=MAX_TEXT, excess=len(text) - MAX_TEXT
        )

    def _form_values(self) -> dict[str, Any] | None:
        """What the form holds, ready for ``record_action``; None (with a message) if something is not valid."""
        problems: list[str | None] = []
        text = str(self.action_box.value).strip()
        problems.append(self._too_long("plan_action_label", text) if text else self._t("plan_action_missing"))
        responsible = str(self.responsible_box.value).strip()
        problems.append(self._too_long("plan_responsible_label", responsible))
        due, problem = self._due_date(str(self.due_box.value))
        problems.append(problem)
        found = [p for p in problems if p]
        if found:
            self._say("\n".join([*found, self._t("plan_nothing_saved")]), "error")
            return None
        field_id = str(self.field_box.value)
        chosen = set(self.standards_box.value)
        standards = [s.id for s in self.catalog.field(field_id).standards if s.id in chosen]
        return {
            "field_id": field_id,
            "standard_ids": standards,
            "action": text,
            "responsible": responsible,
            "due_date": due,
            "status": str(self.status_box.value),
        }

    def _clear_form(self, field_id: str | None = None) -> None:
        """An empty form for a new action, in ``field_id`` (else the session's first field)."""
        with self._filling():
            self.action_box.value = ""
            self.field_box.value = field_id if field_id in self.session.fields else self.session.fields[0]
            self.standards_box.value = ()
            self.responsible_box.value = ""
            self.due_box.value = ""
            self.status_box.value = EDITABLE_STATUSES[0]
        self._chosen_by_field = {}
        self._baseline = self._snapshot()

    def _load(self, action: Action) -> None:
        """Fill the form with an action for editing."""
        if self.editing is None:
            self._draft_field = str(self.field_box.value)
        self.pending_removal = self.pending_edit = None
        self.conflict = None
        with self._filling():
            self.field_box.value = action.field_id
            known = {value for _, value in self.standards_box.options}
            self.standards_box.value = tuple(s for s in action.standard_ids if s in known)
            self.action_box.value = action.action
            self.responsible_box.value = action.responsible
            self.due_box.value = action.due_date
            self.status_box.value = action.status if action.status in EDITABLE_STATUSES else EDITABLE_STATUSES[0]
        self._chosen_by_field = {}
        self._baseline = self._snapshot()
        self.editing = action.action_id
        self.editing_version = action
        self._show_mode()
        self._say(self._t("plan_editing", id=action.action_id), "info")
        self._render_plan()
        self.action_box.focus()  # the form may be far above the row clicked: this brings it into view

    def _finish_editing(self) -> None:
        """Back to adding: an empty form in the field chosen before editing began."""
        self.editing = None
        self.editing_version = None
        self.conflict = None
        self._clear_form(self._draft_field)
        self._show_mode()

    # --- reading and failures ----------------------------------------------------------------

    def _reason(self, exc: BaseException) -> str:
        if isinstance(exc, InputError) and exc.problems:
            parts = []
            for problem in exc.problems:
                key = _COLUMN_LABELS.get(problem.column or "")
                label = self._t(key) if key else problem.column
                parts.append(self._t("plan_problem", label=label, reason=problem.reason) if label else problem.reason)
            return _sentence("; ".join(parts))
        if isinstance(exc, OSError):
            return _sentence(f"{exc.filename or ''}: {os_reason(exc)}".lstrip(": "))
        return _sentence(str(exc) or type(exc).__name__)

    def _broken_file(self, problems: list[Problem]) -> str:
        """Which rows of ``actions.csv`` are broken, and how to repair the file."""
        with speaking(self.language):
            shown = [f"• {dataclasses.replace(p, file=Path(p.file.name))}" for p in problems[:MAX_PROBLEMS_SHOWN]]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown.append(self._t("plan_more_problems", n=len(problems) - MAX_PROBLEMS_SHOWN))
        return self._t("plan_file_broken", file=problems[0].file, problems="\n".join(shown))

    def _failed(self, exc: BaseException, button: str, *, removal: bool = False) -> None:
        """Say why an operation wrote nothing: a broken file is shown above the plan, and not blamed on the form."""
        problems = _file_problems(exc)
        if not problems:
            self._say(self._t("plan_not_saved", reason=self._reason(exc)), "error")
            return
        self.plan_status.value = _status_html(self._broken_file(problems), "error")
        lines = ", ".join(dict.fromkeys(str(p.line) for p in problems))
        key = "plan_not_removed_file" if removal else "plan_not_saved_file"
        self._say(self._t(key, file=problems[0].file.name, lines=lines, button=button), "error")

    def _conflict(self, exc: ActionChanged, kind: str) -> None:
        """Say that an action was changed or removed in another window, and offer to reload the plan."""
        aid, now = exc.action_id, exc.current
        if now is None or now.status == REMOVED:
            key = "plan_conflict_removed" if kind == "edit" else "plan_conflict_remove_removed"
            message = self._t(key, id=aid)
        else:
            key = "plan_conflict_changed" if kind == "edit" else "plan_conflict_remove_changed"
            message = self._t(key, id=aid, time=_local_time(now.recorded_at))
        self.conflict = (kind, aid)
        self._say(message, "error", offer_reload=True)

    def _save(self, button: str, *, removal: bool = False, **values: Any) -> Action | None:
        """Record one version of an action; on failure show why and return None (the form stays as it is)."""
        try:
            with speaking(self.language), moved_rows(self.moved):
                return self.store.record_action(**values)
        except ActionChanged as exc:
            self._conflict(exc, "remove" if removal else "edit")
            return None
        except (KitError, OSError) as exc:
            self._failed(exc, button, removal=removal)
            return None
        finally:
            self.notice.value = moved_rows_notice(self.moved)

    # --- actions -----------------------------------------------------------------------------

    def add(self) -> Action | None:
        """Save the form as a new action under the next free number, as the "Add" button does.

        The field stays chosen for the next action.
        """
        values = self._form_values()
        if values is None:
            return None
        record = self._save(self._t("plan_add"), **values)  # the store gives it the next free number
        if record is None:
            return None
        self._clear_form(record.field_id)
        self._say(self._t("plan_added", id=record.action_id, action=shorten(record.action)), "saved")
        self.reload()
        return record

    def edit(self, action_id: str) -> bool:
        """Load an action of the plan into the form, as its "Edit" button does.

        If the form holds unsaved entries, nothing is loaded yet: the action's row asks whether to discard
        them (:meth:`confirm_edit`) or keep them (:meth:`keep_entries`).
        """
        action = self._find(action_id)
        if action is None:
            return False
        if self.has_unsaved_entries():
            self.pending_removal = None
            self.pending_edit = action.action_id
            self._render_plan()
            self._focus(self.keep_button)
            return False
        self._load(action)
        return True

    def confirm_edit(self) -> bool:
        """Discard the form's unsaved entries and load the action waiting for it, as "Discard and edit" does."""
        action = self._find(self.pending_edit) if self.pending_edit else None
        self.pending_edit = None
        if action is None:
            self._render_plan()
            return False
        self._load(action)
        return True

    def keep_entries(self) -> None:
        """Do not load the action: the form keeps what was typed."""
        if self.pending_edit is None:
            return
        aid, self.pending_edit = self.pending_edit, None
        self._say(self._t("plan_entries_kept"), "info")
        self._render_plan()
        self._focus(self.edit_buttons.get(aid))

    def save_changes(self) -> Action | None:
        """Save the form as a new version of the action being edited, as "Save changes" does.

        Nothing is written if nothing was changed, or if the action was changed or removed in another
        window since it was loaded (see the module's docstring).
        """
        if self.editing is None or self.editing_version is None:
            return None
        values = self._form_values()
        if values is None:
            return None
        aid, version = self.editing, self.editing_version
        if (
            values["field_id"] == version.field_id
            and set(values["standard_ids"]) == set(version.standard_ids)
            and (values["action"], values["responsible"], values["due_date"], values["status"])
            == (version.action, version.responsible, version.due_date, version.status)
        ):
            self._finish_editing()
            self._say(self._t("plan_nothing_changed", id=aid), "info")
            self.reload()
            return None
        record = self._save(self._t("plan_save"), action_id=aid, expected=version, **values)
        if record is None:
            return None
        self._finish_editing()
        self._say(self._t("plan_changed", id=record.action_id), "saved")
        self.reload()
        return record

    def cancel_edit(self) -> None:
        """Leave editing without saving; the form is emptied for a new action."""
        if self.editing is None:
            return
        self._finish_editing()
        self._say(self._t("plan_edit_cancelled"), "info")
        self._render_plan()

    def request_removal(self, action_id: str) -> bool:
        """Ask for confirmation before removing an action, as its "Remove" button does."""
        if self._find(action_id) is None:
            return False
        self.pending_edit = None
        self.pending_removal = action_id
        self._render_plan()
        self._focus(self.keep_button)
        return True

    def confirm_removal(self) -> Action | None:
        """Remove the action waiting for confirmation: a new row with status ``removed``.

        Nothing is written if the action was changed or removed in another window since the plan was read.
        """
        action = self._find(self.pending_removal) if self.pending_removal else None
        if action is None:
            self.pending_removal = None
            self._render_plan()
            return None
        record = self._save(
            self._t("plan_confirm_yes", id=action.action_id),
            removal=True,
            expected=action,
            action_id=action.action_id,
            field_id=action.field_id,
            standard_ids=action.standard_ids,
            action=action.action,
            responsible=action.responsible,
            due_date=action.due_date,
            status=REMOVED,
        )
        if record is None:
            if self.conflict == ("remove", action.action_id):
                self.pending_removal = None
                self._render_plan()
            return None
        self.pending_removal = None
        if self.editing == action.action_id:
            self._finish_editing()
        self._say(self._t("plan_removed", id=action.action_id), "saved")
        self.reload()
        return record

    def keep(self) -> None:
        """Do not remove the action waiting for confirmation."""
        if self.pending_removal is None:
            return
        aid, self.pending_removal = self.pending_removal, None
        self._say(self._t("plan_remove_cancelled"), "info")
        self._render_plan()
        self._focus(self.remove_buttons.get(aid))

    def reload_plan(self) -> bool:
        """Read the plan again, as the "Reload plan" buttons do.

        After a save or removal refused because of another window, carry on from the plan as it is now:
        the form keeps what was typed, and saving it then replaces the other window's version; an action
        removed meanwhile leaves the form as a new action to add; a removal asks again.
        """
        if not self.reload():
            return False
        conflict, self.conflict = self.conflict, None
        _set_visible(self.conflict_button, False)
        if conflict is None:
            return True
        kind, aid = conflict
        current = self._by_id(aid)
        if kind == "edit" and self.editing == aid:
            if current is not None:
                self.editing_version = current
                self._say(self._t("plan_conflict_reloaded_changed", id=aid), "info")
            else:
                self.editing = None
                self.editing_version = None
                self._baseline = ("", "", (), "", "", EDITABLE_STATUSES[0])  # all of the form is now unsaved
                self._show_mode()
                self._say(self._t("plan_conflict_reloaded_removed", id=aid), "info")
        elif kind == "remove" and current is not None:
            self.pending_removal = aid
            self._say(self._t("plan_conflict_reloaded_remove", id=aid), "info")
        else:
            self._say(self._t("plan_conflict_reloaded_gone", id=aid), "info")
        self._render_plan()
        return True

    def reload(self) -> bool:
        """Read the plan from ``actions.csv`` again; a failure is shown above the plan."""
        try:
            with speaking(self.language), moved_rows(self.moved):
                records = self.store.actions()
        except (KitError, OSError) as exc:
            self.notice.value = moved_rows_notice(self.moved)
            problems = _file_problems(exc)
            reason = self._broken_file(problems) if problems else self._t("plan_load_failed", reason=self._reason(exc))
            self.plan_status.value = _status_html(reason, "error")
            return False
        self.notice.value = moved_rows_notice(self.moved)
        current = latest(records, lambda a: a.action_id, lambda a: a.recorded_at)
        self.plan = sorted((a for a in current if a.status != REMOVED), key=lambda a: plan_order(a.action_id))
        self.plan_status.value = ""
        if self.pending_removal is not None and self._by_id(self.pending_removal) is None:
            self.pending_removal = None
        if self.pending_edit is not None and self._by_id(self.pending_edit) is None:
            self.pending_edit = None
        self._render_plan()
        return True

    @staticmethod
    def _focus(widget: Any) -> None:
        """Put the keyboard focus on a widget (the browser scrolls it into view).

        Rebuilding the plan replaces the buttons of its rows, and the focus of the button just pressed would
        fall back to the top of the page: a keyboard user would tab through the whole form to get back.
        """
        if widget is not None:
            widget.focus()

    def _by_id(self, action_id: str) -> Action | None:
        return next((a for a in self.plan if a.action_id == action_id), None)

    def _find(self, action_id: str) -> Action | None:
        action = self._by_id(action_id)
        if action is None:
            self._say(self._t("plan_unknown_action", id=action_id), "error")
        return action

    # --- the plan ----------------------------------------------------------------------------

    def _render_plan(self) -> None:
        self.edit_buttons = {}
        self.remove_buttons = {}
        self.confirm_button = self.keep_button = None
        if not self.plan:
            self.plan_table.children = [widgets.HTML(value=f"<p>{html.escape(self._t('plan_empty'))}</p>")]
            self.plan_table.layout.grid_template_columns = "auto"
            return
        keys = (
            "plan_col_id",
            "plan_col_action",
            "plan_col_responsible",
            "plan_col_due",
            "plan_col_status",
            "plan_col_change",
        )
        cells: list[Any] = [self._cell(f"<strong>{html.escape(self._t(key))}</strong>", "head") for key in keys]
        for action in self.plan:
            cells.extend(self._row(action))
            if self.pending_removal == action.action_id:
                cells.append(self._confirm_removal_box(action))
            elif self.pending_edit == action.action_id:
                cells.append(self._confirm_edit_box(action))
        self.plan_table.children = cells
        self.plan_table.layout.grid_template_columns = PLAN_COLUMNS
        self.plan_table.layout.grid_gap = "8px 12px"
        self.plan_table.layout.align_items = "center"

    def _cell(self, content: str, kind: str) -> Any:
        cell = widgets.HTML(value=f'<div lang="{self.language}">{content}</div>')  # lang: hyphenation, speech
        cell.add_class(f"wck-plan-cell-{kind}")
        return cell

    def _row(self, action: Action) -> list[Any]:
        aid = action.action_id
        standards = ", ".join(
            f'<span title="{html.escape(self.catalog.standard(s).short.get(self.language))}">{html.escape(s)}</span>'
            for s in action.standard_ids
        )
        status = self.catalog.label("action_statuses", action.status, self.language)
        field = html.escape(self._t("plan_row_field", field=self._field_title(action.field_id)))
        # the standards are HTML (each with its title as a tooltip): put them into the escaped text afterwards
        linked = html.escape(self._t("plan_row_standards", standards="\x00")).replace("\x00", standards)
        context = f"{field} · {linked}" if standards else field
        cells = [
            self._cell(f"<strong>{html.escape(aid)}</strong>", "id"),
            self._cell(f'{html.escape(action.action)}<div class="wck-plan-context">{context}</div>', "action"),
            self._cell(html.escape(action.responsible) or "–", "responsible"),
            self._cell(html.escape(formatting.typed_date(action.due_date, self.language)) or "–", "due"),
            self._cell(html.escape(status), "status"),
        ]
        for cell in cells:
            cell.add_class(f"wck-plan-row-{aid}")
        return [*cells, self._row_controls(action)]

    def _row_controls(self, action: Action) -> Any:
        aid = action.action_id
        edit = widgets.Button(description=self._t("plan_edit", id=aid), layout=widgets.Layout(**_AUTO))
        edit.add_class("wck-plan-edit")
        edit.on_click(self._guarded(lambda _button: self.edit(aid)))
        remove = widgets.Button(description=self._t("plan_remove", id=aid), layout=widgets.Layout(**_AUTO))
        remove.add_class("wck-plan-remove")
        remove.on_click(self._guarded(lambda _button: self.request_removal(aid)))
        edit.disabled = remove.disabled = self.editing == aid
        self.edit_buttons[aid] = edit
        self.remove_buttons[aid] = remove
        box = widgets.HBox([edit, remove])
        box.layout.flex_flow = "row wrap"
        box.add_class(f"wck-plan-row-{aid}")
        return box

    def _confirmation(
        self, question: str, yes: Any, no: Any, on_yes: Callable[[], object], on_no: Callable[[], object]
    ) -> Any:
        """A question with "yes" and "no" below a row of the plan, across all its columns."""
        yes.add_class("wck-plan-confirm-yes")
        yes.on_click(self._guarded(lambda _button: on_yes()))
        no.add_class("wck-plan-confirm-no")
        no.on_click(self._guarded(lambda _button: on_no()))
        self.confirm_button, self.keep_button = yes, no
        buttons = widgets.HBox([yes, no])
        buttons.layout.flex_flow = "row wrap"
        question_line = widgets.HTML(value=_status_html(question, "error"))
        box = widgets.VBox([question_line, buttons])  # across all columns: see STYLE
        box.add_class("wck-plan-confirm")
        return box

    def _confirm_removal_box(self, action: Action) -> Any:
        aid = action.action_id
        yes = widgets.Button(
            description=self._t("plan_confirm_yes", id=aid), button_style="danger", layout=widgets.Layout(**_AUTO)
        )
        yes.add_class("wck-plan-confirm-remove")
        no = widgets.Button(description=self._t("plan_confirm_no"), layout=widgets.Layout(**_AUTO))
        no.add_class("wck-plan-keep")
        question = self._t("plan_confirm", id=aid, action=shorten(action.action))
        return self._confirmation(question, yes, no, self.confirm_removal, self.keep)

    def _confirm_edit_box(self, action: Action) -> Any:
        aid = action.action_id
        if self.editing is None:
            question = self._t("plan_discard_new", id=aid)
        else:
            question = self._t("plan_discard_changes", id=aid, editing=self.editing)
        yes = widgets.Button(
            description=self._t("plan_discard_yes", id=aid), button_style="danger", layout=widgets.Layout(**_AUTO)
        )
        yes.add_class("wck-plan-confirm-discard")
        no = widgets.Button(description=self._t("plan_discard_no"), layout=widgets.Layout(**_AUTO))
        no.add_class("wck-plan-keep-entries")
        return self._confirmation(question, yes, no, self.confirm_edit, self.keep_entries)

    # --- messages and errors -----------------------------------------------------------------

    def _say(self, text: str, kind: str, *, offer_reload: bool = False) -> None:
        self.message.value = _status_html(text, kind)
        _set_visible(self.conflict_button, offer_reload)

    def _guarded(self, action: Callable[[Any], object]) -> Callable[[Any], None]:
        return guarded(action, self._show_unexpected)

    def _show_unexpected(self, exc: BaseException) -> None:
        self._say(self._t("plan_unexpected", error=f"{type(exc).__name__}: {exc}"), "error")
        self.error_log.append_stderr("".join(traceback.format_exception(exc)))
