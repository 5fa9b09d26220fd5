"""The participant checklist: rate the standards of one field of action in ipywidgets.

One :class:`Checklist` shows one field of a session: a respondent block (a
pseudonymous id and a stakeholder group, never a name), the principle groups as
collapsible sections with one row of answer buttons per standard, the field's
key challenges and its practice examples. Every change is saved at once through
the :class:`~wholecomm_kit.store.SessionStore`; a save that fails stays pending,
is shown next to the standard and in the status bar, and is tried again with the
next change or the "save again" button.

The class needs no browser: tests set the widgets' ``value`` (which fires the
same callbacks as a click) or call :meth:`Checklist.start`, :meth:`Checklist.retry`
and :meth:`Checklist.switch_respondent`.
"""

from __future__ import annotations

import html
import re
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from .callbacks import guarded
from .catalog import LANGUAGES, Catalog, Challenge, Field, Practice, Standard, load_catalog
from .exceptions import InputError, KitError
from .records import ID_ALPHABET, RESPONDENT_ID, ChallengeAnswer, Response, new_respondent_id
from .session import Session, load_session
from .store import SessionStore
from .texts import say, speaking, t

__all__ = [
    "ID_ALPHABET",
    "MODES",
    "ChallengeItem",
    "Checklist",
    "ChecklistError",
    "Respondent",
    "StandardItem",
    "decode_answer",
    "encode_answer",
    "new_respondent_id",
    "next_group_id",
]

MODES: tuple[str, ...] = ("self", "facilitator")
_COLUMN_LABELS = {
    "rating": "answer_label",
    "response": "answer_label",
    "priority": "priority_label",
    "comment": "comment_label",
    "applies": "challenge_label",
}
"""The form's names for the columns a refused value can be in."""
NO_GROUP = ""
NO_PRIORITY = ""
_WIDE = {"description_width": "initial"}


class ChecklistError(KitError):
    """A checklist cannot be built as asked (unknown field, language or mode)."""


@dataclass(frozen=True)
class Respondent:
    """Who the answers are saved for: a pseudonymous id and a stakeholder group."""

    id: str
    stakeholder_group: str


def next_group_id(taken: Iterable[str] = ()) -> str:
    """The next free breakout-group id: ``G-1``, ``G-2`` …"""
    numbers = [int(m.group(1)) for x in taken if (m := re.fullmatch(r"[Gg]-([0-9]+)", x))]
    return f"G-{max(numbers, default=0) + 1}"


def encode_answer(response: str, rating: int | None) -> str:
    """The answer buttons' value: ``"0"`` … ``"3"`` for a rating, else the response id."""
    return str(rating) if response == "rated" else response


def decode_answer(value: str) -> tuple[str, int | None]:
    """``(response, rating)`` for an answer button value."""
    return ("rated", int(value)) if value.isdigit() else (value, None)


def _set_visible(widget: Any, visible: bool) -> None:
    widget.layout.display = None if visible else "none"


def _status_html(text: str, kind: str) -> str:
    colours = {"saved": "#1b5e20", "error": "#b71c1c", "info": "#37474f"}
    if not text:
        return ""
    return (
        f'<span class="wck-status-{kind}" role="status" aria-live="polite" '
        f'style="color:{colours[kind]}">{html.escape(text)}</span>'
    )


class _Item:
    """One answerable row (a standard or a challenge) with its own "saved" confirmation."""

    key: str
    widget: Any

    def __init__(self) -> None:
        self.status = widgets.HTML(value="")
        self.status.add_class("wck-status")
        self.state = ""

    def show(self, text: str, kind: str, state: str) -> None:
        self.status.value = _status_html(text, kind)
        self.state = state

    @property
    def answered(self) -> bool:
        raise NotImplementedError

    def ready(self) -> bool:
        return self.answered

    def save(self, store: SessionStore, respondent: Respondent, language: str) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def observe(self, callback: Callable[[_Item], None]) -> None:
        raise NotImplementedError


class StandardItem(_Item):
    """A standard: its statement, the six answer buttons, a priority and a comment."""

    def __init__(self, standard: Standard, catalog: Catalog, language: str) -> None:
        super().__init__()
        self.standard = standard
        self.key = standard.id
        self.answer = widgets.ToggleButtons(
            options=_answer_options(catalog, language),
            value=None,
            tooltips=_answer_tooltips(catalog, language),
            description=t("checklist.answer_label", language),
            style={**_WIDE, "button_width": "auto"},
        )
        self.answer.add_class("wck-answer")
        priorities = [(t("checklist.priority_none", language), NO_PRIORITY)]
        priorities += [(catalog.label("priorities", p, language), p) for p in catalog.ids("priorities")]
        self.priority = widgets.ToggleButtons(
            options=priorities,
            value=NO_PRIORITY,
            tooltips=[t("checklist.priority_tooltip", language)] * len(priorities),
            description=t("checklist.priority_label", language),
            style={**_WIDE, "button_width": "auto"},
        )
        self.priority.add_class("wck-priority")
        self.comment = widgets.Textarea(
            value="",
            description=t("checklist.comment_label", language),
            placeholder=t("checklist.comment_placeholder", language),
            continuous_update=False,
            rows=2,
            style=_WIDE,
            layout=widgets.Layout(width="95%"),
        )
        self.comment.add_class("wck-comment")
        statement = widgets.HTML(
            value=(
                f'<div class="wck-statement"><strong>{html.escape(standard.id)} · '
                f"{html.escape(standard.short.get(language))}</strong><br>{html.escape(standard.text.get(language))}</div>"
            )
        )
        self.widget = widgets.VBox(
            [statement, widgets.HBox([self.answer, self.status]), self.priority, self.comment],
            layout=widgets.Layout(border="1px solid #ddd", padding="6px", margin="0 0 8px 0"),
        )
        self.widget.add_class("wck-standard")
        self.widget.add_class(f"wck-standard-{standard.id}")

    @property
    def answered(self) -> bool:
        return self.answer.value is not None

    def observe(self, callback: Callable[[_Item], None]) -> None:
        for control in (self.answer, self.priority, self.comment):
            control.observe(lambda _change: callback(self), names="value")

    def save(self, store: SessionStore, respondent: Respondent, language: str) -> None:
        response, rating = decode_answer(str(self.answer.value))
        store.record_response(
            respondent_id=respondent.id,
            stakeholder_group=respondent.stakeholder_group,
            standard_id=self.standard.id,
            response=response,
            rating=rating,
            priority=str(self.priority.value),
            comment=str(self.comment.value),
            language=language,
        )

    def restore(self, record: Response) -> None:
        self.answer.value = encode_answer(record.response, record.rating)
        self.priority.value = record.priority
        self.comment.value = record.comment

    def clear(self) -> None:
        self.answer.value = None
        self.priority.value = NO_PRIORITY
        self.comment.value = ""
        self.show("", "info", "")


class ChallengeItem(_Item):
    """A key challenge with the buttons applies / does not apply / unsure."""

    def __init__(self, challenge: Challenge, catalog: Catalog, language: str) -> None:
        super().__init__()
        self.challenge = challenge
        self.key = challenge.id
        labels = [(catalog.label("challenge_answers", a, language), a) for a in catalog.ids("challenge_answers")]
        self.applies = widgets.ToggleButtons(
            options=labels,
            value=None,
            tooltips=[label for label, _ in labels],
            description=t("checklist.challenge_label", language),
            style={**_WIDE, "button_width": "auto"},
        )
        self.applies.add_class("wck-applies")
        statement = html.escape(challenge.text.get(language))
        text = widgets.HTML(value=f'<div class="wck-challenge-text">{challenge.number}. {statement}</div>')
        self.widget = widgets.VBox([text, widgets.HBox([self.applies, self.status])])
        self.widget.add_class("wck-challenge")
        self.widget.add_class(f"wck-challenge-{challenge.id}")

    @property
    def answered(self) -> bool:
        return self.applies.value is not None

    def observe(self, callback: Callable[[_Item], None]) -> None:
        self.applies.observe(lambda _change: callback(self), names="value")

    def save(self, store: SessionStore, respondent: Respondent, language: str) -> None:
        store.record_challenge(
            respondent_id=respondent.id,
            stakeholder_group=respondent.stakeholder_group,
            challenge_id=self.challenge.id,
            applies=str(self.applies.value),
        )

    def restore(self, record: ChallengeAnswer) -> None:
        self.applies.value = record.applies

    def clear(self) -> None:
        self.applies.value = None
        self.show("", "info", "")


def _answer_options(catalog: Catalog, language: str) -> list[tuple[str, str]]:
    options = [(f"{r.value} · {r.label.get(language)}", str(r.value)) for r in catalog.ratings]
    options.append((t("checklist.dont_know_short", language), "dont_know"))
    options.append((t("checklist.not_applicable_short", language), "not_applicable"))
    return options


def _answer_tooltips(catalog: Catalog, language: str) -> list[str]:
    tips = [f"{r.value}: {r.label.get(language)}" for r in catalog.ratings]
    tips.append(catalog.label("responses", "dont_know", language))
    tips.append(catalog.label("responses", "not_applicable", language))
    return tips


def _field_of(catalog: Catalog, session: Session, field_id: str) -> Field:
    if field_id not in catalog.field_ids:
        raise ChecklistError(say("checklist.unknown_field", field=repr(field_id), choices=", ".join(catalog.field_ids)))
    if field_id not in session.fields:
        raise ChecklistError(
            say(
                "checklist.field_not_assessed",
                session=session.session_id,
                field=repr(field_id),
                fields=", ".join(session.fields),
            )
        )
    return catalog.field(field_id)


def _latest_group(records: Iterable[Response | ChallengeAnswer]) -> str:
    ordered = sorted(records, key=lambda r: r.recorded_at)
    return ordered[-1].stakeholder_group if ordered else NO_GROUP


def _canonical_id(typed: str, known: set[str]) -> str:
    """The stored spelling of an id typed in another case (``r-7k3q`` finds ``R-7K3Q``)."""
    if typed in known:
        return typed
    matches = [k for k in known if k.casefold() == typed.casefold()]
    return matches[0] if len(matches) == 1 else typed


class Checklist:
    """The checklist of one field of action of a session, as an ipywidgets form.

    ``mode="self"``: one participant per device, with a generated id such as ``R-7K3Q``.
    ``mode="facilitator"``: the facilitator records a breakout group's consensus under an id such as ``G-1``.
    """

    def __init__(
        self,
        session_dir: Path | str,
        field_id: str,
        language: str = "de",
        mode: str = "self",
        *,
        catalog: Catalog | None = None,
    ) -> None:
        if language not in LANGUAGES:
            raise ChecklistError(say("checklist.unknown_language", lang=repr(language), choices=", ".join(LANGUAGES)))
        if mode not in MODES:
            raise ChecklistError(say("checklist.unknown_mode", mode=repr(mode), choices=", ".join(MODES)))
        self.catalog = catalog or load_catalog()
        self.session = load_session(session_dir, self.catalog)
        self.field = _field_of(self.catalog, self.session, field_id)
        self.language = language
        self.mode = mode
        self.store = SessionStore.open(self.session, self.catalog)
        self.respondent: Respondent | None = None
        self._default_group = "other" if mode == "facilitator" else NO_GROUP
        self._pending: dict[str, _Item] = {}
        self._loading = False
        self.standards: dict[str, StandardItem] = {
            s.id: StandardItem(s, self.catalog, language) for s in self.field.standards
        }
        self.challenges: dict[str, ChallengeItem] = {
            c.id: ChallengeItem(c, self.catalog, language) for c in self.field.challenges
        }
        for item in (*self.standards.values(), *self.challenges.values()):
            item.observe(self._guarded(self._on_change))
        self.widget = self._build()
        self._refresh_progress()

    # --- texts -------------------------------------------------------------------------------

    def _t(self, key: str, **values: object) -> str:
        return t(f"checklist.{key}", self.language, **values)

    def _tm(self, key: str, **values: object) -> str:
        """A text whose wording depends on the mode (``key_self`` / ``key_facilitator``)."""
        return self._t(f"{key}_{self.mode}", **values)

    # --- building the form --------------------------------------------------------------------

    def _build(self) -> Any:
        self.form = widgets.VBox(
            [
                self._build_progress(),
                self._build_status(),
                self._build_standards(),
                *self._build_challenges(),
                *self._build_practices(),
            ]
        )
        self.form.add_class("wck-form")
        _set_visible(self.form, False)
        root = widgets.VBox([self._build_header(), self._build_scale(), self._build_respondent_block(), self.form])
        root.add_class("wck-checklist")
        root.add_class(f"wck-mode-{self.mode}")
        return root

    def _build_header(self) -> Any:
        title = html.escape(self._t("title", field=self.field.title.get(self.language)))
        return widgets.HTML(
            value=(
                f"<h2>{title}</h2><p>{html.escape(self.field.description.get(self.language))}</p>"
                f"<p>{html.escape(self._tm('intro'))}</p><p><strong>{html.escape(self._t('privacy'))}</strong></p>"
            )
        )

    def _build_scale(self) -> Any:
        lines = [
            f"<li><strong>{r.value}</strong> – {html.escape(r.label.get(self.language))}</li>"
            for r in self.catalog.ratings
        ]
        for key in ("dont_know", "not_applicable"):
            name, meaning = html.escape(self._t(f"{key}_short")), html.escape(self._t(f"scale_{key}"))
            lines.append(f"<li><strong>{name}</strong> – {meaning}</li>")
        scale = widgets.HTML(value=f"<h3>{html.escape(self._t('scale_heading'))}</h3><ul>{''.join(lines)}</ul>")
        scale.add_class("wck-scale")
        return scale

    def _build_respondent_block(self) -> Any:
        self.id_box = widgets.Text(
            value="",
            description=self._tm("id_label"),
            placeholder=self._tm("id_placeholder"),
            style=_WIDE,
        )
        self.id_box.add_class("wck-respondent-id-input")
        groups = [(self._t("group_choose"), NO_GROUP)]
        groups += [
            (self.catalog.label("stakeholder_groups", g, self.language), g)
            for g in self.catalog.ids("stakeholder_groups")
        ]
        self.group_box = widgets.Dropdown(
            options=groups, value=self._default_group, description=self._tm("group_label"), style=_WIDE
        )
        self.group_box.add_class("wck-stakeholder-group")
        self.continue_button = widgets.Button(
            description=self._t("continue"),
            tooltip=self._t("continue_tooltip"),
            button_style="primary",
            icon="arrow-right",
        )
        self.continue_button.add_class("wck-continue")
        self.continue_button.on_click(self._guarded(lambda _button: self.start()))
        self.switch_button = widgets.Button(
            description=self._t("switch"), tooltip=self._t("switch_tooltip"), icon="user"
        )
        self.switch_button.add_class("wck-switch")
        self.switch_button.on_click(self._guarded(lambda _button: self.switch_respondent()))
        _set_visible(self.switch_button, False)
        self.id_display = widgets.HTML(value="")
        self.id_display.add_class("wck-id-display")
        self.respondent_message = widgets.HTML(value="")
        self.respondent_message.add_class("wck-respondent-message")
        heading = widgets.HTML(
            value=f"<h3>{html.escape(self._tm('respondent_heading'))}</h3><p>{html.escape(self._tm('respondent_help'))}</p>"
        )
        controls = widgets.HBox([self.id_box, self.group_box, self.continue_button, self.switch_button])
        controls.layout.flex_flow = "row wrap"
        block = widgets.VBox([heading, controls, self.id_display, self.respondent_message])
        block.add_class("wck-respondent")
        return block

    def _build_progress(self) -> Any:
        total = len(self.standards)
        self.progress_bar = widgets.IntProgress(
            value=0, min=0, max=total, description=self._t("progress_label"), style=_WIDE
        )
        self.progress_bar.add_class("wck-progress")
        self.progress_text = widgets.HTML(value="")
        self.progress_text.add_class("wck-progress-text")
        return widgets.HBox([self.progress_bar, self.progress_text])

    def _build_status(self) -> Any:
        self.save_status = widgets.HTML(value="")
        self.save_status.add_class("wck-save-status")
        self.retry_button = widgets.Button(
            description=self._t("retry"), tooltip=self._t("retry_tooltip"), button_style="warning", icon="refresh"
        )
        self.retry_button.add_class("wck-retry")
        self.retry_button.on_click(self._guarded(lambda _button: self.retry()))
        _set_visible(self.retry_button, False)
        self.error_log = widgets.Output()
        self.error_log.add_class("wck-error-log")
        return widgets.VBox([widgets.HBox([self.save_status, self.retry_button]), self.error_log])

    def _build_standards(self) -> Any:
        sections = [widgets.VBox([self.standards[s.id].widget for s in g.standards]) for g in self.field.groups]
        self.accordion = widgets.Accordion(children=sections, selected_index=0)
        self.accordion.add_class("wck-groups")
        return self.accordion

    def _build_challenges(self) -> list[Any]:
        self.challenges_heading = widgets.HTML(value="")
        self.challenges_heading.add_class("wck-challenges-heading")
        intro = widgets.HTML(value=f"<p>{html.escape(self._tm('challenges_intro'))}</p>")
        box = widgets.VBox([item.widget for item in self.challenges.values()])
        box.add_class("wck-challenges")
        return [self.challenges_heading, intro, box]

    def _build_practices(self) -> list[Any]:
        heading = widgets.HTML(
            value=f"<h3>{html.escape(self._t('practices_heading'))}</h3><p>{html.escape(self._t('practices_intro'))}</p>"
        )
        cards = widgets.HTML(value="".join(self._practice_html(p) for p in self.field.practices))
        cards.add_class("wck-practices")
        return [heading, cards]

    def _practice_html(self, practice: Practice) -> str:
        own = [s for s in practice.standard_ids if s in self.standards]
        related = f"<br><small>{html.escape(self._t('practice_standards', ids=', '.join(own)))}</small>" if own else ""
        return (
            f'<div class="wck-practice" style="border-left:4px solid #90a4ae;padding:4px 8px;margin:6px 0">'
            f"<strong>{html.escape(practice.name.get(self.language))}</strong> "
            f"({html.escape(practice.place)}, {html.escape(practice.country)})<br>"
            f"{html.escape(practice.summary.get(self.language))}{related}</div>"
        )

    # --- display ------------------------------------------------------------------------------

    def show(self) -> None:
        """Display the checklist in the current notebook or Voila page."""
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    def _ipython_display_(self) -> None:
        self.show()

    # --- progress -----------------------------------------------------------------------------

    def progress(self) -> tuple[int, int]:
        """(answered, total) standards of the field, as the form shows them now."""
        return sum(item.answered for item in self.standards.values()), len(self.standards)

    def group_progress(self, group_id: str) -> tuple[int, int]:
        group = self.catalog.group(group_id)
        return sum(self.standards[s.id].answered for s in group.standards), len(group.standards)

    def _group_title(self, group_id: str) -> str:
        group = self.catalog.group(group_id)
        answered, total = self.group_progress(group_id)
        title = group.title.get(self.language)
        return self._t("group_title", number=group.number, title=title, answered=answered, total=total)

    def _refresh_progress(self) -> None:
        answered, total = self.progress()
        self.progress_bar.value = answered
        self.progress_text.value = html.escape(self._t("progress", answered=answered, total=total))
        self.accordion.titles = tuple(self._group_title(g.id) for g in self.field.groups)
        done = sum(item.answered for item in self.challenges.values())
        heading = self._t("challenges_heading", answered=done, total=len(self.challenges))
        self.challenges_heading.value = f"<h3>{html.escape(heading)}</h3>"

    # --- the respondent -----------------------------------------------------------------------

    def start(self) -> bool:
        """Begin (or resume) with the id and group in the respondent block, as the "continue" button does.

        Returns whether the form is open for a respondent; while one is active, nothing changes.
        """
        if self.respondent is not None:
            return True
        typed = str(self.id_box.value).strip()
        if typed and not RESPONDENT_ID.fullmatch(typed):
            self._say(self._t("invalid_id", id=typed), "error")
            return False
        try:
            with speaking(self.language):
                responses = self.store.current_responses()
                answers = self.store.current_challenge_answers()
        except (KitError, OSError) as exc:
            self._say(self._t("load_failed", reason=str(exc)), "error")
            return False
        known = {r.respondent_id for r in responses} | {a.respondent_id for a in answers}
        respondent_id = _canonical_id(typed, known) if typed else self._new_id(known)
        mine_r = [r for r in responses if r.respondent_id == respondent_id]
        mine_a = [a for a in answers if a.respondent_id == respondent_id]
        group = self._choose_group([*mine_r, *mine_a])
        if group == NO_GROUP:
            self._say(self._t("choose_group"), "error")
            return False
        self._begin(Respondent(respondent_id, group), mine_r, mine_a)
        return True

    def _new_id(self, known: set[str]) -> str:
        return next_group_id(known) if self.mode == "facilitator" else new_respondent_id(known)

    def _choose_group(self, earlier: list[Response | ChallengeAnswer]) -> str:
        """The group chosen in the form; the stored one if the form still shows the default."""
        chosen = str(self.group_box.value)
        if chosen == self._default_group and earlier:
            return _latest_group(earlier)
        return chosen

    def _begin(self, respondent: Respondent, responses: list[Response], answers: list[ChallengeAnswer]) -> None:
        self.respondent = respondent
        self.id_box.value = respondent.id
        self.group_box.value = respondent.stakeholder_group
        self._lock_respondent(True)
        restored = self._restore(responses, answers)
        shown = f'<span class="wck-respondent-id">{html.escape(respondent.id)}</span>'
        style = "font-size:1.5em;font-weight:bold;margin:8px 0"
        self.id_display.value = f'<div style="{style}" role="status">{self._tm("your_id", id=shown)}</div>'
        key = "restored" if restored else "new_respondent"
        self._say(self._t(key, id=respondent.id, count=restored), "info")
        self.save_status.value = ""
        _set_visible(self.form, True)

    def _restore(self, responses: list[Response], answers: list[ChallengeAnswer]) -> int:
        """Put a respondent's current answers of this field into the form, without saving anything."""
        self._clear_form()
        self._loading = True
        try:
            count = 0
            for response in responses:
                if response.standard_id in self.standards:
                    self.standards[response.standard_id].restore(response)
                    self.standards[response.standard_id].show(self._t("saved"), "saved", "saved")
                    count += 1
            for answer in answers:
                if answer.challenge_id in self.challenges:
                    self.challenges[answer.challenge_id].restore(answer)
                    self.challenges[answer.challenge_id].show(self._t("saved"), "saved", "saved")
                    count += 1
        finally:
            self._loading = False
        self._pending.clear()
        self._refresh_progress()
        return count

    def switch_respondent(self) -> bool:
        """Let another respondent start; refused while changes are still unsaved."""
        if self._pending:
            self._flush()
            if self._pending:
                return False
        self.respondent = None
        self._clear_form()
        self.id_box.value = ""
        self.group_box.value = self._default_group
        self.id_display.value = ""
        self._say("", "info")
        self.save_status.value = ""
        self._lock_respondent(False)
        _set_visible(self.form, False)
        self._refresh_progress()
        return True

    def _clear_form(self) -> None:
        self._loading = True
        try:
            for item in (*self.standards.values(), *self.challenges.values()):
                item.clear()
        finally:
            self._loading = False

    def _lock_respondent(self, locked: bool) -> None:
        for control in (self.id_box, self.group_box, self.continue_button):
            control.disabled = locked
        _set_visible(self.switch_button, locked)

    def _say(self, text: str, kind: str) -> None:
        self.respondent_message.value = _status_html(text, kind)

    # --- saving -------------------------------------------------------------------------------

    def _on_change(self, item: _Item) -> None:
        if self._loading:
            return
        self._refresh_progress()
        if self.respondent is None:
            item.show(self._t("start_first"), "error", "not_started")
            return
        if not item.ready():
            item.show(self._t("needs_answer"), "info", "needs_answer")
        else:
            self._pending[item.key] = item
        self._flush()

    def retry(self) -> None:
        """Save every change that is still pending, as the "save again" button does."""
        self._flush()

    @property
    def pending(self) -> tuple[str, ...]:
        """Ids of standards and challenges whose latest change is not saved yet."""
        return tuple(self._pending)

    def _flush(self) -> None:
        if self.respondent is None or not self._pending:
            self._update_save_status(None)
            return
        failure: str | None = None
        for key, item in list(self._pending.items()):
            try:
                with speaking(self.language):  # a reason why it failed, in the participant's language
                    item.save(self.store, self.respondent, self.language)
            except InputError as exc:
                del self._pending[key]
                reason = "; ".join(
                    f"{self._column(p.column)}: {p.reason}" if p.column else p.reason for p in exc.problems
                )
                item.show(self._t("not_saved_reason", reason=reason), "error", "invalid")
                continue
            except (KitError, OSError) as exc:
                failure = str(exc)
                item.show(self._t("not_saved"), "error", "failed")
                continue
            del self._pending[key]
            item.show(self._t("saved"), "saved", "saved")
        self._update_save_status(failure)

    def _column(self, column: str) -> str:
        """What the form calls a column of the answers file, in the workshop's language."""
        label = _COLUMN_LABELS.get(column)
        return self._t(label) if label else column

    def _update_save_status(self, failure: str | None) -> None:
        if self._pending:
            text = self._t("save_failed", count=len(self._pending), reason=failure or "")
            self.save_status.value = _status_html(text, "error")
        elif self.respondent is not None:
            invalid = [i for i in (*self.standards.values(), *self.challenges.values()) if i.state == "invalid"]
            if invalid:
                self.save_status.value = _status_html(self._t("invalid_present", count=len(invalid)), "error")
            else:
                self.save_status.value = _status_html(self._t("all_saved"), "saved")
        _set_visible(self.retry_button, bool(self._pending))

    # --- errors in callbacks ------------------------------------------------------------------

    def _guarded(self, action: Callable[[Any], object]) -> Callable[[Any], None]:
        return guarded(action, self._show_unexpected)

    def _show_unexpected(self, exc: BaseException) -> None:
        text = self._t("unexpected", error=f"{type(exc).__name__}: {exc}")
        self.save_status.value = _status_html(text, "error")
        self._say(text, "error")
        self.error_log.append_stderr("".join(traceback.format_exception(exc)))
