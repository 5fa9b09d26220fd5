"""The action-plan editor: the facilitator records the actions a workshop agrees on.

:class:`ActionPlanEditor` is an ipywidgets form (what will be done, the field of action, linked
standards, who is responsible, a due date and a status) above the plan as it stands. "Add" saves a
new action at once to ``actions.csv`` through :meth:`SessionStore.record_action
<wholecomm_kit.store.SessionStore.record_action>` under the next free number (A1, A2 …). Each entry
of the plan can be loaded back into the form and saved again ("save changes" appends a new row with
the same number) or removed after a confirmation (a new row with status ``removed``): the file keeps
every version.

Every save says so visibly; a save that fails (the store refuses a value or cannot write) shows the
reason and leaves the form as it was, so nothing typed is lost. No callback ever lets an exception
escape: unexpected errors become a message with the details underneath.

The class needs no browser: tests set the widgets' ``value`` and call ``button.click()``, which runs
the same handlers as a click in the browser.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from .callbacks import guarded
from .catalog import LANGUAGES, Catalog, load_catalog
from .exceptions import InputError, KitError
from .records import Action
from .session import load_session
from .store import SessionStore
from .texts import os_reason, say, speaking, t

__all__ = ["EDITABLE_STATUSES", "REMOVED", "ActionPlanEditor", "ActionPlanError", "plan_order"]

REMOVED = "removed"
EDITABLE_STATUSES: tuple[str, ...] = ("planned", "in_progress", "done")
"""The statuses offered in the form; ``removed`` is set only by removing an action."""
_WIDE = {"description_width": "initial"}
_COLUMN_LABELS = {
    "action": "plan_action_label",
    "field_id": "plan_field_label",
    "standard_ids": "plan_standards_label",
    "responsible": "plan_responsible_label",
    "due_date": "plan_due_label",
    "status": "plan_status_label",
}
PLAN_COLUMNS = "auto auto auto minmax(12em, 2fr) minmax(8em, 1fr) auto auto auto"
"""Widths of the plan's columns: number, field, standards, action, responsible, due, status, buttons."""
_COLOURS = {"saved": "#1B5E20", "error": "#B71C1C", "info": "#37474F"}


class ActionPlanError(KitError):
    """The editor cannot be built as asked (e.g. an unknown language)."""


def plan_order(action_id: str) -> tuple[int, int, str]:
    """A1, A2 … A10 by number (as the kit numbers them); any other id after them, alphabetically."""
    match = re.fullmatch(r"A(\d+)", action_id)
    return (0, int(match.group(1)), action_id) if match else (1, 0, action_id)


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
        self.pending_removal: str | None = None
        """The number of the action waiting for the removal to be confirmed."""
        self.edit_buttons: dict[str, Any] = {}
        self.remove_buttons: dict[str, Any] = {}
        self.confirm_button: Any = None
        """While a removal waits for confirmation: its "Yes, remove …" button (else None)."""
        self.keep_button: Any = None
        self.widget = self._build()
        self.reload()

    # --- texts -------------------------------------------------------------------------------

    def _t(self, key: str, **values: object) -> str:
        return t(f"live.{key}", self.language, **values)

    def _field_title(self, field_id: str) -> str:
        return self.catalog.field(field_id).title.get(self.language)

    # --- building ----------------------------------------------------------------------------

    def _build(self) -> Any:
        title = html.escape(self._t("plan_title", municipality=self.session.municipality))
        header = widgets.HTML(value=f"<h2>{title}</h2><p>{html.escape(self._t('plan_intro'))}</p>")
        self.message = widgets.HTML(value="")
        self.message.add_class("wck-plan-message")
        self.error_log = widgets.Output()
        self.error_log.add_class("wck-plan-error-log")
        plan_heading = widgets.HTML(value=f"<h3>{html.escape(self._t('plan_heading'))}</h3>")
        self.reload_button = widgets.Button(description=self._t("plan_reload"), tooltip=self._t("plan_reload_tooltip"))
        self.reload_button.add_class("wck-plan-reload")
        self.reload_button.on_click(self._guarded(lambda _button: self.reload()))
        self.plan_status = widgets.HTML(value="")
        self.plan_status.add_class("wck-plan-status")
        self.plan_table = widgets.GridBox(children=[])
        self.plan_table.add_class("wck-plan-table")
        root = widgets.VBox(
            [
                header,
                self._build_form(),
                self.message,
                self.error_log,
                widgets.HBox([plan_heading, self.reload_button], layout=widgets.Layout(align_items="center")),
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
        )
        self.field_box.add_class("wck-plan-field")
        self.standards_box = widgets.SelectMultiple(
            options=self._standard_options(self.session.fields[0]),
            value=(),
            rows=8,
            description=self._t("plan_standards_label"),
            style=_WIDE,
            layout=widgets.Layout(width="95%"),
        )
        self.standards_box.add_class("wck-plan-standards")
        self.field_box.observe(self._guarded(self._on_field), names="value")
        standards_hint = widgets.HTML(value=f"<small>{html.escape(self._t('plan_standards_hint'))}</small>")
        self.responsible_box = widgets.Text(
            value="",
            description=self._t("plan_responsible_label"),
            placeholder=self._t("plan_responsible_placeholder"),
            style=_WIDE,
            layout=widgets.Layout(width="60%"),
        )
        self.responsible_box.add_class("wck-plan-responsible")
        responsible_hint = widgets.HTML(value=f"<small>{html.escape(self._t('plan_responsible_hint'))}</small>")
        responsible_hint.add_class("wck-plan-responsible-hint")
        self.due_box = widgets.DatePicker(value=None, description=self._t("plan_due_label"), style=_WIDE)
        self.due_box.add_class("wck-plan-due")
        statuses = [(self.catalog.label("action_statuses", s, self.language), s) for s in EDITABLE_STATUSES]
        self.status_box = widgets.ToggleButtons(
            options=statuses,
            value=EDITABLE_STATUSES[0],
            description=self._t("plan_status_label"),
            tooltips=[label for label, _ in statuses],
            style={**_WIDE, "button_width": "auto"},
        )
        self.status_box.add_class("wck-plan-status-choice")
        self.add_button = widgets.Button(
            description=self._t("plan_add"), tooltip=self._t("plan_add_tooltip"), button_style="primary"
        )
        self.add_button.add_class("wck-plan-add")
        self.add_button.on_click(self._guarded(lambda _button: self.add()))
        self.save_button = widgets.Button(
            description=self._t("plan_save"), tooltip=self._t("plan_save_tooltip"), button_style="primary"
        )
        self.save_button.add_class("wck-plan-save")
        self.save_button.on_click(self._guarded(lambda _button: self.save_changes()))
        self.cancel_button = widgets.Button(description=self._t("plan_cancel"))
        self.cancel_button.add_class("wck-plan-cancel")
        self.cancel_button.on_click(self._guarded(lambda _button: self.cancel_edit()))
        buttons = widgets.HBox([self.add_button, self.save_button, self.cancel_button])
        form = widgets.VBox(
            [
                self.form_heading,
                self.action_box,
                self.field_box,
                self.standards_box,
                standards_hint,
                self.responsible_box,
                responsible_hint,
                self.due_box,
                self.status_box,
                buttons,
            ],
            layout=widgets.Layout(border="1px solid #BDBDBD", padding="8px", margin="0 0 8px 0"),
        )
        form.add_class("wck-plan-form")
        self._show_mode()
        return form

    def _standard_options(self, field_id: str) -> list[tuple[str, str]]:
        return [(f"{s.id} · {s.short.get(self.language)}", s.id) for s in self.catalog.field(field_id).standards]

    def _on_field(self, change: dict[str, Any]) -> None:
        self.standards_box.value = ()
        self.standards_box.options = self._standard_options(str(change["new"]))

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

    def _form_values(self) -> dict[str, Any] | None:
        """What the form holds, ready for ``record_action``; None (with a message) if it is incomplete."""
        text = str(self.action_box.value).strip()
        if not text:
            self._say(self._t("plan_action_missing"), "error")
            return None
        field_id = str(self.field_box.value)
        chosen = set(self.standards_box.value)
        standards = [s.id for s in self.catalog.field(field_id).standards if s.id in chosen]
        due = self.due_box.value
        return {
            "field_id": field_id,
            "standard_ids": standards,
            "action": text,
            "responsible": str(self.responsible_box.value).strip(),
            "due_date": due.isoformat() if isinstance(due, dt.date) else "",
            "status": str(self.status_box.value),
        }

    def _clear_form(self) -> None:
        self.action_box.value = ""
        self.field_box.value = self.session.fields[0]
        self.standards_box.value = ()
        self.responsible_box.value = ""
        self.due_box.value = None
        self.status_box.value = EDITABLE_STATUSES[0]

    def _reason(self, exc: BaseException) -> str:
        if isinstance(exc, InputError) and exc.problems:
            parts = []
            for problem in exc.problems:
                label = self._t(_COLUMN_LABELS[problem.column]) if problem.column in _COLUMN_LABELS else problem.column
                parts.append(f"{label}: {problem.reason}" if label else problem.reason)
            return _sentence("; ".join(parts))
        if isinstance(exc, OSError):
            return _sentence(f"{exc.filename or ''}: {os_reason(exc)}".lstrip(": "))
        return _sentence(str(exc) or type(exc).__name__)

    def _save(self, **values: Any) -> Action | None:
        """Record one version of an action; on failure show why and return None (the form stays as it is)."""
        try:
            with speaking(self.language):
                return self.store.record_action(**values)
        except (KitError, OSError) as exc:
            self._say(self._t("plan_not_saved", reason=self._reason(exc)), "error")
            return None

    # --- actions -----------------------------------------------------------------------------

    def add(self) -> Action | None:
        """Save the form as a new action under the next free number, as the "Add" button does."""
        values = self._form_values()
        if values is None:
            return None
        try:
            with speaking(self.language):
                action_id = self.store.next_action_id()
        except (KitError, OSError) as exc:
            self._say(self._t("plan_not_saved", reason=self._reason(exc)), "error")
            return None
        record = self._save(action_id=action_id, **values)
        if record is None:
            return None
        self._clear_form()
        self._say(self._t("plan_added", id=record.action_id, action=record.action), "saved")
        self.reload()
        return record

    def edit(self, action_id: str) -> bool:
        """Load an action of the plan into the form, as its "Edit" button does."""
        action = self._find(action_id)
        if action is None:
            return False
        self.pending_removal = None
        self.field_box.value = action.field_id
        known = {value for _, value in self.standards_box.options}
        self.standards_box.value = tuple(s for s in action.standard_ids if s in known)
        self.action_box.value = action.action
        self.responsible_box.value = action.responsible
        self.due_box.value = dt.date.fromisoformat(action.due_date) if action.due_date else None
        self.status_box.value = action.status if action.status in EDITABLE_STATUSES else EDITABLE_STATUSES[0]
        self.editing = action.action_id
        self._show_mode()
        self._say(self._t("plan_editing", id=action.action_id), "info")
        self._render_plan()
        return True

    def save_changes(self) -> Action | None:
        """Save the form as a new version of the action being edited, as "Save changes" does."""
        if self.editing is None:
            return None
        values = self._form_values()
        if values is None:
            return None
        record = self._save(action_id=self.editing, **values)
        if record is None:
            return None
        self.editing = None
        self._clear_form()
        self._show_mode()
        self._say(self._t("plan_changed", id=record.action_id), "saved")
        self.reload()
        return record

    def cancel_edit(self) -> None:
        """Leave editing without saving; the form is emptied for a new action."""
        if self.editing is None:
            return
        self.editing = None
        self._clear_form()
        self._show_mode()
        self._say(self._t("plan_edit_cancelled"), "info")
        self._render_plan()

    def request_removal(self, action_id: str) -> bool:
        """Ask for confirmation before removing an action, as its "Remove" button does."""
        if self._find(action_id) is None:
            return False
        self.pending_removal = action_id
        self._render_plan()
        return True

    def confirm_removal(self) -> Action | None:
        """Remove the action waiting for confirmation: a new row with status ``removed``."""
        action = self._find(self.pending_removal) if self.pending_removal else None
        if action is None:
            self.pending_removal = None
            self._render_plan()
            return None
        record = self._save(
            action_id=action.action_id,
            field_id=action.field_id,
            standard_ids=action.standard_ids,
            action=action.action,
            responsible=action.responsible,
            due_date=action.due_date,
            status=REMOVED,
        )
        if record is None:
            return None
        self.pending_removal = None
        if self.editing == action.action_id:
            self.editing = None
            self._clear_form()
            self._show_mode()
        self._say(self._t("plan_removed", id=action.action_id), "saved")
        self.reload()
        return record

    def keep(self) -> None:
        """Do not remove the action waiting for confirmation."""
        if self.pending_removal is None:
            return
        self.pending_removal = None
        self._say(self._t("plan_remove_cancelled"), "info")
        self._render_plan()

    def reload(self) -> bool:
        """Read the plan from ``actions.csv`` again; a failure is shown above the plan."""
        try:
            with speaking(self.language):
                current = self.store.current_actions()
        except (KitError, OSError) as exc:
            self.plan_status.value = _status_html(self._t("plan_load_failed", reason=self._reason(exc)), "error")
            return False
        self.plan = sorted(current, key=lambda a: plan_order(a.action_id))
        self.plan_status.value = ""
        if self.pending_removal is not None and self._by_id(self.pending_removal) is None:
            self.pending_removal = None
        self._render_plan()
        return True

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
            "plan_col_field",
            "plan_col_standards",
            "plan_col_action",
            "plan_col_responsible",
            "plan_col_due",
            "plan_col_status",
            "plan_col_change",
        )
        cells: list[Any] = [self._cell(f"<strong>{html.escape(self._t(key))}</strong>", "head") for key in keys]
        for action in self.plan:
            cells.extend(self._row(action))
        self.plan_table.children = cells
        self.plan_table.layout.grid_template_columns = (
            "auto auto auto minmax(12em, 2fr) minmax(8em, 1fr) auto auto auto"
        )
        self.plan_table.layout.grid_gap = "4px 12px"
        self.plan_table.layout.align_items = "center"

    def _cell(self, content: str, kind: str) -> Any:
        cell = widgets.HTML(value=content)
        cell.add_class(f"wck-plan-cell-{kind}")
        return cell

    def _row(self, action: Action) -> list[Any]:
        aid = action.action_id
        standards = ", ".join(
            f'<span title="{html.escape(self.catalog.standard(s).short.get(self.language))}">{html.escape(s)}</span>'
            for s in action.standard_ids
        )
        status = self.catalog.label("action_statuses", action.status, self.language)
        cells = [
            self._cell(f"<strong>{html.escape(aid)}</strong>", "id"),
            self._cell(html.escape(self._field_title(action.field_id)), "field"),
            self._cell(standards or "–", "standards"),
            self._cell(html.escape(action.action), "action"),
            self._cell(html.escape(action.responsible) or "–", "responsible"),
            self._cell(html.escape(action.due_date) or "–", "due"),
            self._cell(html.escape(status), "status"),
        ]
        for cell in cells:
            cell.add_class(f"wck-plan-row-{aid}")
        return [*cells, self._row_controls(action)]

    def _row_controls(self, action: Action) -> Any:
        aid = action.action_id
        if self.pending_removal == aid:
            question = widgets.HTML(value=_status_html(self._t("plan_confirm", id=aid, action=action.action), "error"))
            yes = widgets.Button(description=self._t("plan_confirm_yes", id=aid), button_style="danger")
            yes.add_class("wck-plan-confirm-remove")
            yes.on_click(self._guarded(lambda _button: self.confirm_removal()))
            no = widgets.Button(description=self._t("plan_confirm_no"))
            no.add_class("wck-plan-keep")
            no.on_click(self._guarded(lambda _button: self.keep()))
            self.confirm_button, self.keep_button = yes, no
            box = widgets.VBox([question, widgets.HBox([yes, no])])
            box.add_class("wck-plan-confirm")
            return box
        edit = widgets.Button(description=self._t("plan_edit", id=aid))
        edit.add_class("wck-plan-edit")
        edit.on_click(self._guarded(lambda _button: self.edit(aid)))
        remove = widgets.Button(description=self._t("plan_remove", id=aid))
        remove.add_class("wck-plan-remove")
        remove.on_click(self._guarded(lambda _button: self.request_removal(aid)))
        edit.disabled = remove.disabled = self.editing == aid
        self.edit_buttons[aid] = edit
        self.remove_buttons[aid] = remove
        box = widgets.HBox([edit, remove])
        box.add_class(f"wck-plan-row-{aid}")
        return box

    # --- messages and errors -----------------------------------------------------------------

    def _say(self, text: str, kind: str) -> None:
        self.message.value = _status_html(text, kind)

    def _guarded(self, action: Callable[[Any], object]) -> Callable[[Any], None]:
        return guarded(action, self._show_unexpected)

    def _show_unexpected(self, exc: BaseException) -> None:
        self._say(self._t("plan_unexpected", error=f"{type(exc).__name__}: {exc}"), "error")
        self.error_log.append_stderr("".join(traceback.format_exception(exc)))
