"""The participant checklist: rate the standards of one field of action in ipywidgets.

One :class:`Checklist` shows one field of a session: a respondent block (a
pseudonymous id and a stakeholder group, never a name), the principle groups as
always-open sections under their own headings (so every one is reachable with the
keyboard) with one row of answer buttons per standard, the field's key challenges
and its practice examples. A status bar that stays at the top of the screen shows
the id, the progress and whether everything is saved.

Every change is saved at once through the :class:`~wholecomm_kit.store.SessionStore`,
merged with what is stored for that respondent and standard: only the part the
person just changed replaces the stored one (another device with the same id may
have changed the rest), and the form then shows what was saved. A priority or
comment without an answer waits for one and is counted in the status bar. A comment
is saved after a short pause in typing (:data:`COMMENT_DELAY`, on the kernel's
asyncio loop) or with the next other change, and counts as not saved until then.
A save that fails stays pending, is shown next to the standard and in the status
bar, and is tried again with the next change or the "save again" button.

The class needs no browser: tests set the widgets' ``value`` (which fires the
same callbacks as a click) or call :meth:`Checklist.start`, :meth:`Checklist.retry`
and :meth:`Checklist.switch_respondent`. Without a running asyncio loop (a plain
script or test), a comment is saved at once.
"""

from __future__ import annotations

import asyncio
import html
import re
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

from .callbacks import guarded
from .catalog import LANGUAGES, Catalog, Challenge, Field, Practice, Standard, load_catalog
from .exceptions import InputError, KitError
from .records import (
    CHALLENGES,
    ID_ALPHABET,
    RESPONDENT_ID,
    RESPONSES,
    ChallengeAnswer,
    Response,
    Table,
    kit_id,
    loose_kit_id,
    new_respondent_id,
)
from .session import Session, load_session
from .store import SessionStore
from .texts import say, speaking, t

__all__ = [
    "COMMENT_DELAY",
    "ID_ALPHABET",
    "MODES",
    "ChallengeItem",
    "Checklist",
    "ChecklistError",
    "Respondent",
    "StandardItem",
    "decode_answer",
    "encode_answer",
    "kit_id",
    "new_respondent_id",
    "next_group_id",
]

MODES: tuple[str, ...] = ("self", "facilitator")
COMMENT_DELAY = 1.5
"""Seconds without typing after which a comment is saved (any other change saves it at once)."""
"""Ids the kit hands out (``R-7K3Q`` here, ``P-X9CV`` on cards, ``G-2`` for a breakout group), as the importer's."""
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
_COLOURS = {"saved": "#1b5e20", "error": "#b71c1c", "info": "#37474f", "waiting": "#7a3e00"}
_ACCENT = "#00507a"
"""The kit's blue: white text on it is 8.6:1, and it stands out 7.9:1 against an unselected button."""


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
    if any(widget.layout is shared for shared in _SHARED.values()):  # hiding it must not hide every other one
        widget.layout = widgets.Layout()
    widget.layout.display = None if visible else "none"


_SHARED: dict[str, Any] = {}


def _shared(name: str, make: Callable[[], Any]) -> Any:
    """One layout or style for all widgets that only ever show it, instead of one each.

    Every layout and style is a model of its own, which the page must create before it shows anything: the
    governance checklist had 632 models, 389 of them layouts and styles that were all alike.
    """
    found = _SHARED.get(name)
    if found is None or getattr(found, "comm", None) is None:  # none yet, or closed (``Widget.close_all``)
        found = _SHARED[name] = make()
    return found


def _plain_layout() -> Any:
    return _shared("layout", widgets.Layout)


def _toggles_style() -> Any:
    return _shared("toggles", lambda: widgets.ToggleButtonsStyle(**_WIDE, button_width="auto"))


NO_TOOLTIP = ""
"""For every widget with a label: ipywidgets writes a missing (None) tooltip into the label's title as "null", which
hovering "Priorität" would show (German for zero, beside the rating). Given when the widget is made: changed later, each
widget would send an update while the page connects, and pages then sometimes stayed blank."""


def _html(value: str = "") -> Any:
    """An HTML widget without the hidden label titled "null" (see :data:`NO_TOOLTIP`)."""
    return widgets.HTML(value=value, tooltip=NO_TOOLTIP, layout=_plain_layout(), style=_shared("html", HTMLStyle))


def _status_html(text: str, kind: str) -> str:
    if not text:
        return ""
    return (
        f'<span class="wck-status-{kind}" role="status" aria-live="polite" '
        f'style="color:{_COLOURS[kind]}">{html.escape(text)}</span>'
    )


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _style(language: str) -> str:
    """Phone-sized type and touch targets, a clearly coloured selected answer and a visible focus.

    Scoped to the checklist (class ``wck-checklist``) so nothing else on the page changes. 16 px type
    (iOS zooms into smaller inputs), 44 px touch targets with 8 px between them, the selected answer
    white on the kit's blue with a check mark (announced by screen readers as "selected"), and a 3 px
    dark focus outline. The status bar sticks to the top of the screen (controls scrolled to by the keyboard
    keep a margin below it): the output areas around the
    checklist (Voilà, JupyterLab) must not clip it, so they let it overflow. On a screen too low for it (a phone
    held sideways, or text zoomed to 200 %) it scrolls away with the page instead of covering half of it.
    Nothing is wider than the screen: long German words break, and only the "✓ Gespeichert" beside a standard
    keeps to one line. While the participant app's notice of a lost connection (``#wck-connection``, from
    :mod:`wholecomm_kit.serve`) shows, no "saved" mark shows: what is tapped then is not saved.
    """
    selected = _css_string("✓ ") + " / " + _css_string(t("checklist.selected_mark", language))
    return f"""<style>
.wck-checklist {{
  --jp-widgets-font-size: 16px;
  --jp-widgets-inline-height: 44px;
  font-size: 16px; line-height: 1.45; color: #1a1a1a; max-width: 48rem; overflow: visible;
}}
.wck-checklist .widget-box {{ overflow: visible; }}
.wck-checklist .widget-html-content, .wck-checklist .widget-label, .wck-checklist .widget-inline-hbox {{
  font-size: 16px; line-height: 1.45;
}}
.wck-checklist .widget-html-content, .wck-checklist .widget-label, .wck-checklist .jupyter-button {{
  overflow-wrap: anywhere; hyphens: auto;
}}
.wck-checklist .widget-html, .wck-checklist .widget-html-content {{ height: auto; }}
.wck-checklist .widget-inline-hbox {{ flex-wrap: wrap; height: auto; width: auto; max-width: 100%; row-gap: 4px; }}
.wck-checklist .widget-inline-hbox > .widget-label, .wck-checklist .widget-toggle-buttons > .widget-label {{
  width: auto; max-width: 100%; white-space: normal;
}}
.wck-checklist input, .wck-checklist select, .wck-checklist textarea {{ font-size: 16px; min-height: 44px; }}
.wck-checklist .widget-text {{ width: 100%; max-width: 26rem; }}
.wck-checklist .wck-id-example {{ white-space: nowrap; }}
.wck-checklist .widget-text input {{ flex: 1 1 10rem; min-width: 10rem; }}
/* The id's and the group's labels above their boxes: on a phone the id box then gets the whole width, and its
   hint fits. */
.wck-checklist .wck-respondent-id-input, .wck-checklist .wck-stakeholder-group {{
  flex-direction: column; align-items: stretch; margin-bottom: 8px;
}}
.wck-checklist .wck-respondent-id-input > .widget-label, .wck-checklist .wck-stakeholder-group > .widget-label {{
  text-align: left; height: auto; line-height: 1.45; margin-bottom: 4px;
}}
.wck-checklist .wck-respondent-id-input input {{ flex: 0 0 auto; min-width: 0; width: 100%; box-sizing: border-box; }}
.wck-checklist .wck-stakeholder-group > select {{ flex: 0 0 auto; align-self: flex-start; }}
.wck-checklist .wck-start-controls {{ align-items: flex-end; column-gap: 16px; }}
.wck-checklist .widget-dropdown {{ width: auto; max-width: 100%; }}
.wck-checklist .widget-dropdown > select {{ flex: 0 1 auto; width: auto; max-width: 100%; }}
.wck-checklist .jupyter-button {{
  min-height: 44px; height: auto; font-size: 16px; line-height: 1.3; padding: 8px 14px; white-space: normal;
}}
.wck-checklist .widget-button {{ width: auto; margin: 4px 8px 4px 0; }}
.wck-checklist .widget-toggle-buttons > div {{ display: flex; flex-wrap: wrap; gap: 8px; }}
.wck-checklist .widget-toggle-buttons .widget-toggle-button {{
  margin: 0; border: 1px solid #616161; background: #f5f5f5; color: #1a1a1a; box-shadow: none;
}}
.wck-checklist .widget-toggle-buttons .widget-toggle-button.mod-active {{
  background: {_ACCENT}; border-color: {_ACCENT}; color: #ffffff; font-weight: bold;
}}
.wck-checklist .widget-toggle-buttons .widget-toggle-button.mod-active::before {{ content: "✓ "; content: {selected}; }}
.wck-checklist button:focus-visible, .wck-checklist input:focus-visible, .wck-checklist select:focus-visible,
.wck-checklist textarea:focus-visible {{ outline: 3px solid #1a1a1a !important; outline-offset: 2px !important; }}
.wck-checklist button, .wck-checklist input, .wck-checklist select, .wck-checklist textarea {{
  scroll-margin-top: 11rem; scroll-margin-bottom: 1rem;
}}
.wck-checklist .wck-answer-row {{ align-items: center; flex-wrap: wrap; gap: 8px; }}
.wck-checklist .wck-status .wck-status-saved {{ white-space: nowrap; }}
.wck-checklist .wck-standard {{ padding: 8px 10px; margin: 0 0 12px 0; gap: 8px; }}
.wck-checklist .wck-comment {{ width: 100%; max-width: 100%; flex-direction: column; align-items: stretch; }}
.wck-checklist .wck-comment > .widget-label {{ text-align: left; }}
.wck-checklist .wck-comment textarea {{ width: 100%; min-height: 5.5em; box-sizing: border-box; font-family: inherit; }}
.wck-checklist h3.wck-section-heading {{ font-size: 20px; color: {_ACCENT}; margin: 20px 0 8px 0; }}
.wck-checklist h4.wck-statement-title {{ font-size: 17px; margin: 0 0 4px 0; }}
.jp-OutputArea:has(.wck-checklist), .jp-OutputArea-child:has(.wck-checklist),
.jp-OutputArea-output:has(.wck-checklist) {{ overflow: visible; }}
.wck-checklist .wck-status-bar {{
  position: sticky; top: 0; z-index: 20; background: #ffffff; border-bottom: 2px solid {_ACCENT};
  padding: 6px 0; margin-bottom: 8px;
}}
.wck-checklist .wck-status-bar .wck-answer-row {{ column-gap: 16px; row-gap: 0; }}
.wck-checklist .wck-progress {{ width: 100%; max-width: 26rem; flex-wrap: nowrap; }}
.wck-checklist .wck-progress .progress {{ flex: 1 1 auto; }}
@media (max-height: 28rem) {{
  .wck-checklist .wck-status-bar {{ position: static; }}
  .wck-checklist button, .wck-checklist input, .wck-checklist select, .wck-checklist textarea {{
    scroll-margin-top: 1rem;
  }}
}}
body:has(#wck-connection:not([hidden])) .wck-checklist .wck-status-saved {{ display: none; }}
</style>"""


class _Item:
    """One answerable row (a standard or a challenge) with its own "saved" confirmation.

    ``changed`` holds the parts (``response``, ``priority``, ``comment``, ``applies``) the person has
    changed since the last save: only these replace the stored answer when saving.
    """

    key: str
    table: Table
    """The answers file its answers go to."""
    widget: Any

    def __init__(self) -> None:
        self.status = _html(value="")
        self.status.add_class("wck-status")
        self.state = ""
        self.changed: set[str] = set()

    def show(self, text: str, kind: str, state: str) -> None:
        self.status.value = _status_html(text, kind)
        self.state = state

    @property
    def answered(self) -> bool:
        raise NotImplementedError

    def save(self, store: SessionStore, respondent: Respondent, language: str) -> Response | ChallengeAnswer | None:
        """Save the changed parts over the stored answer as it is then: the saved answer, or None if it needs one.

        The store merges under the file's lock, so a change saved from another device with the same id in the
        meantime is kept.
        """
        return store.save_over_current(
            self.table, respondent.id, self.key, lambda current: self.merged(store, respondent, language, current)
        )

    def merged(
        self, store: SessionStore, respondent: Respondent, language: str, current: Response | ChallengeAnswer | None
    ) -> Response | ChallengeAnswer | None:
        """The changed parts over ``current`` (the stored answer): a new answer, ``current`` itself when nothing is
        new, or None when it needs an answer first."""
        raise NotImplementedError

    def restore(self, record: Any) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def observe(self, callback: Callable[[_Item, str], None]) -> None:
        raise NotImplementedError


class StandardItem(_Item):
    """A standard: its statement, the six answer buttons, a priority and a comment."""

    table = RESPONSES

    def __init__(self, standard: Standard, catalog: Catalog, language: str) -> None:
        super().__init__()
        self.standard = standard
        self.key = standard.id
        # The tooltip (the buttons' accessible description) names the standard each button answers.
        self.answer = widgets.ToggleButtons(
            options=_answer_options(catalog, language),
            value=None,
            tooltips=[f"{standard.id}: {tip}" for tip in _answer_tooltips(catalog, language)],
            description=t("checklist.answer_label", language),
            tooltip=NO_TOOLTIP,
            style=_toggles_style(),
            layout=_plain_layout(),
        )
        self.answer.add_class("wck-answer")
        priorities = [(t("checklist.priority_none", language), NO_PRIORITY)]
        priorities += [(catalog.label("priorities", p, language), p) for p in catalog.ids("priorities")]
        self.priority = widgets.ToggleButtons(
            options=priorities,
            value=NO_PRIORITY,
            tooltips=[f"{standard.id}: {t('checklist.priority_tooltip', language)}"] * len(priorities),
            description=t("checklist.priority_label", language),
            tooltip=NO_TOOLTIP,
            style=_toggles_style(),
            layout=_plain_layout(),
        )
        self.priority.add_class("wck-priority")
        self.comment = widgets.Textarea(
            value="",
            description=t("checklist.comment_label", language),
            tooltip=NO_TOOLTIP,
            placeholder=t("checklist.comment_placeholder", language),
            continuous_update=True,  # every keystroke reaches the kernel; the save waits for a pause
            rows=3,
            style=_shared("comment", lambda: TextStyle(**_WIDE)),
            layout=_shared("full_width", lambda: widgets.Layout(width="100%")),
        )
        self.comment.add_class("wck-comment")
        statement = _html(
            value=(
                f'<div class="wck-statement"><h4 class="wck-statement-title">{html.escape(standard.id)} · '
                f"{html.escape(standard.short.get(language))}</h4>{html.escape(standard.text.get(language))}</div>"
            )
        )
        row = widgets.HBox([self.answer, self.status], layout=_plain_layout())
        row.add_class("wck-answer-row")
        self.widget = widgets.VBox(
            [statement, row, self.priority, self.comment],
            layout=_shared("bordered", lambda: widgets.Layout(border="1px solid #bdbdbd")),
        )
        self.widget.add_class("wck-standard")
        self.widget.add_class(f"wck-standard-{standard.id}")

    @property
    def answered(self) -> bool:
        return self.answer.value is not None

    def observe(self, callback: Callable[[_Item, str], None]) -> None:
        for part, control in (("response", self.answer), ("priority", self.priority), ("comment", self.comment)):
            control.observe(lambda _change, part=part: callback(self, part), names="value")

    def merged(
        self, store: SessionStore, respondent: Respondent, language: str, current: Response | ChallengeAnswer | None
    ) -> Response | None:
        stored = current if isinstance(current, Response) else None
        form = (self.answer.value, str(self.priority.value), str(self.comment.value))
        if stored is None:
            answer, priority, comment = form
        else:
            answer = form[0] if "response" in self.changed else encode_answer(stored.response, stored.rating)
            priority = form[1] if "priority" in self.changed else stored.priority
            comment = form[2] if "comment" in self.changed else stored.comment
        if answer is None:
            return None
        response, rating = decode_answer(str(answer))
        if stored is not None and (
            (stored.stakeholder_group, stored.response, stored.rating, stored.priority, stored.comment)
            == (respondent.stakeholder_group, response, rating, priority, comment)
        ):
            return stored  # nothing new: no second row for the same answer
        return store.response_record(
            respondent_id=respondent.id,
            stakeholder_group=respondent.stakeholder_group,
            standard_id=self.standard.id,
            response=response,
            rating=rating,
            priority=priority,
            comment=comment,
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
        self.changed.clear()
        self.show("", "info", "")


class ChallengeItem(_Item):
    """A key challenge with the buttons applies / does not apply / unsure."""

    table = CHALLENGES

    def __init__(self, challenge: Challenge, catalog: Catalog, language: str) -> None:
        super().__init__()
        self.challenge = challenge
        self.key = challenge.id
        labels = [(catalog.label("challenge_answers", a, language), a) for a in catalog.ids("challenge_answers")]
        self.applies = widgets.ToggleButtons(
            options=labels,
            value=None,
            tooltips=[f"{challenge.number}. {label}" for label, _ in labels],
            description=t("checklist.challenge_label", language),
            tooltip=NO_TOOLTIP,
            style=_toggles_style(),
            layout=_plain_layout(),
        )
        self.applies.add_class("wck-applies")
        statement = html.escape(challenge.text.get(language))
        text = _html(value=f'<div class="wck-challenge-text">{challenge.number}. {statement}</div>')
        row = widgets.HBox([self.applies, self.status], layout=_plain_layout())
        row.add_class("wck-answer-row")
        self.widget = widgets.VBox([text, row], layout=_plain_layout())
        self.widget.add_class("wck-challenge")
        self.widget.add_class(f"wck-challenge-{challenge.id}")

    @property
    def answered(self) -> bool:
        return self.applies.value is not None

    def observe(self, callback: Callable[[_Item, str], None]) -> None:
        self.applies.observe(lambda _change: callback(self, "applies"), names="value")

    def merged(
        self, store: SessionStore, respondent: Respondent, language: str, current: Response | ChallengeAnswer | None
    ) -> ChallengeAnswer | None:
        if self.applies.value is None:
            return None
        applies = str(self.applies.value)
        if isinstance(current, ChallengeAnswer) and (current.stakeholder_group, current.applies) == (
            respondent.stakeholder_group,
            applies,
        ):
            return current
        return store.challenge_record(
            respondent_id=respondent.id,
            stakeholder_group=respondent.stakeholder_group,
            challenge_id=self.challenge.id,
            applies=applies,
        )

    def restore(self, record: ChallengeAnswer) -> None:
        self.applies.value = record.applies

    def clear(self) -> None:
        self.applies.value = None
        self.changed.clear()
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
    """The id to save under: a kit id in capitals; another id in its stored spelling (``abc`` finds ``ABC``).

    An id nobody has answered with that is a kit id typed without its dash or with another separator
    (``r7k3q``, ``R 7K3Q``) is that kit id: the person noted ``R-7K3Q`` and must not become a second person.
    """
    upper = kit_id(typed)
    if upper is not None:
        return upper
    if typed in known:
        return typed
    matches = [k for k in known if k.casefold() == typed.casefold()]
    if matches:
        return matches[0] if len(matches) == 1 else typed
    return loose_kit_id(typed) or typed


class Checklist:
    """The checklist of one field of action of a session, as an ipywidgets form.

    ``mode="self"``: one participant per device, with a generated id such as ``R-7K3Q``.
    ``mode="facilitator"``: the facilitator records a breakout group's consensus under an id such as ``G-1``.
    ``comment_delay``: seconds without typing before a comment is saved (0: at once).
    """

    def __init__(
        self,
        session_dir: Path | str,
        field_id: str,
        language: str = "de",
        mode: str = "self",
        *,
        catalog: Catalog | None = None,
        comment_delay: float = COMMENT_DELAY,
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
        self.comment_delay = comment_delay
        self.store = SessionStore.open(self.session, self.catalog)
        self.respondent: Respondent | None = None
        self._default_group = "other" if mode == "facilitator" else NO_GROUP
        self._pending: dict[str, _Item] = {}
        self._typing: dict[str, _Item] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._loading = False
        self.standards: dict[str, StandardItem] = {
            s.id: StandardItem(s, self.catalog, language) for s in self.field.standards
        }
        self.challenges: dict[str, ChallengeItem] = {
            c.id: ChallengeItem(c, self.catalog, language) for c in self.field.challenges
        }
        on_change = self._guarded(lambda change: self._on_change(*change))
        for item in (*self.standards.values(), *self.challenges.values()):
            item.observe(lambda changed, part: on_change((changed, part)))
        self.widget = self._build()
        self._refresh_progress()

    # --- texts -------------------------------------------------------------------------------

    def _t(self, key: str, **values: object) -> str:
        return t(f"checklist.{key}", self.language, **values)

    def _tm(self, key: str, **values: object) -> str:
        """A text whose wording depends on the mode (``key_self`` / ``key_facilitator``)."""
        return self._t(f"{key}_{self.mode}", **values)

    def _tn(self, key: str, count: int, **values: object) -> str:
        """A text whose wording depends on the number (``key_one`` / ``key_other``)."""
        return self._t(f"{key}_{'one' if count == 1 else 'other'}", count=count, **values)

    # --- building the form --------------------------------------------------------------------

    def _build(self) -> Any:
        self.form = widgets.VBox(
            [
                *self._build_status_bar(),
                self._build_standards(),
                *self._build_challenges(),
                *self._build_practices(),
            ]
        )
        self.form.add_class("wck-form")
        _set_visible(self.form, False)
        style = _html(value=_style(self.language))
        style.add_class("wck-style")
        # The id comes right after the title and the privacy note, so a phone shows it on its first screen; how
        # to rate follows, just above the standards it is needed for.
        parts = [self._build_header(), self._build_respondent_block(), self._build_about(), self._build_scale()]
        root = widgets.VBox([*parts, self.form, style])
        root.add_class("wck-checklist")
        root.add_class(f"wck-mode-{self.mode}")
        return root

    def _build_header(self) -> Any:
        title = html.escape(self._t("title", field=self.field.title.get(self.language)))
        # The example id (R-7K3Q) must not break at its dash on a phone.
        privacy = re.sub(
            r"\b[RP]-[A-Z0-9]{4}\b", r'<span class="wck-id-example">\g<0></span>', html.escape(self._t("privacy"))
        )
        return _html(value=f"<h2>{title}</h2><p><strong>{privacy}</strong></p>")

    def _build_about(self) -> Any:
        """What the field covers and how to answer, between the id and the standards."""
        about = _html(
            value=(
                f"<p>{html.escape(self.field.description.get(self.language))}</p>"
                f"<p>{html.escape(self._tm('intro'))}</p>"
            )
        )
        about.add_class("wck-about")
        return about

    def _build_scale(self) -> Any:
        lines = [
            f"<li><strong>{r.value}</strong> – {html.escape(r.label.get(self.language))}</li>"
            for r in self.catalog.ratings
        ]
        for key in ("dont_know", "not_applicable"):
            name, meaning = html.escape(self._t(f"{key}_short")), html.escape(self._t(f"scale_{key}"))
            lines.append(f"<li><strong>{name}</strong> – {meaning}</li>")
        scale = _html(value=f"<h3>{html.escape(self._t('scale_heading'))}</h3><ul>{''.join(lines)}</ul>")
        scale.add_class("wck-scale")
        return scale

    def _build_respondent_block(self) -> Any:
        self.id_box = widgets.Text(
            value="",
            description=self._tm("id_label"),
            tooltip=NO_TOOLTIP,
            placeholder=self._tm("id_placeholder"),
            style=_WIDE,
        )
        self.id_box.add_class("wck-respondent-id-input")
        # Enter in the box: the browser sends a "submit" event (the value itself is sent on every keystroke).
        self.id_box.on_msg(self._on_id_message)
        groups = [(self._t("group_choose"), NO_GROUP)]
        groups += [
            (self.catalog.label("stakeholder_groups", g, self.language), g)
            for g in self.catalog.ids("stakeholder_groups")
        ]
        self.group_box = widgets.Dropdown(
            options=groups,
            value=self._default_group,
            description=self._tm("group_label"),
            tooltip=NO_TOOLTIP,
            style=_WIDE,
            layout=widgets.Layout(width="auto"),
        )
        self.group_box.add_class("wck-stakeholder-group")
        self.continue_button = widgets.Button(
            description=self._t("continue"),
            tooltip=self._t("continue_tooltip"),
            button_style="primary",
        )  # no icons: they come from a CDN, which the served page leaves out so that it works offline
        self.continue_button.add_class("wck-continue")
        self.continue_button.on_click(self._guarded(lambda _button: self.start()))
        self.switch_button = widgets.Button(description=self._t("switch"), tooltip=self._t("switch_tooltip"))
        self.switch_button.add_class("wck-switch")
        self.switch_button.on_click(self._guarded(lambda _button: self.switch_respondent()))
        _set_visible(self.switch_button, False)
        self.id_display = _html(value="")
        self.id_display.add_class("wck-id-display")
        self.respondent_message = _html(value="")
        self.respondent_message.add_class("wck-respondent-message")
        heading = _html(
            value=f"<h3>{html.escape(self._tm('respondent_heading'))}</h3><p>{html.escape(self._tm('respondent_help'))}</p>"
        )
        controls = widgets.HBox([self.id_box, self.group_box, self.continue_button, self.switch_button])
        controls.layout.flex_flow = "row wrap"
        controls.add_class("wck-start-controls")
        block = widgets.VBox([heading, controls, self.id_display, self.respondent_message])
        block.add_class("wck-respondent")
        return block

    def _build_status_bar(self) -> list[Any]:
        """The status bar (the id, the progress, whether all is saved; it stays at the top), then the progress bar."""
        self.status_id = _html(value="")
        self.status_id.add_class("wck-status-id")
        total = len(self.standards)
        self.progress_bar = widgets.IntProgress(
            value=0, min=0, max=total, description=self._t("progress_label"), style=_WIDE, tooltip=NO_TOOLTIP
        )
        self.progress_bar.add_class("wck-progress")
        self.progress_text = _html(value="")
        self.progress_text.add_class("wck-progress-text")
        self.save_status = _html(value="")
        self.save_status.add_class("wck-save-status")
        self.retry_button = widgets.Button(
            description=self._t("retry"), tooltip=self._t("retry_tooltip"), button_style="warning"
        )
        self.retry_button.add_class("wck-retry")
        self.retry_button.on_click(self._guarded(lambda _button: self.retry()))
        _set_visible(self.retry_button, False)
        self.error_log = widgets.Output()
        self.error_log.add_class("wck-error-log")
        progress = widgets.HBox([self.status_id, self.progress_text])
        progress.add_class("wck-answer-row")
        status = widgets.HBox([self.save_status, self.retry_button])
        status.add_class("wck-answer-row")
        bar = widgets.VBox([progress, status, self.error_log])
        bar.add_class("wck-status-bar")
        return [bar, self.progress_bar]  # side by side in the form: a sticky box sticks only inside its parent

    def _build_standards(self) -> Any:
        """One always-open section per principle group, under a heading (no accordion: every part by keyboard)."""
        self.section_headings: dict[str, Any] = {}
        sections = []
        for group in self.field.groups:
            heading = _html(value="")
            heading.add_class("wck-section-title")
            self.section_headings[group.id] = heading
            section = widgets.VBox([heading, *(self.standards[s.id].widget for s in group.standards)])
            section.add_class("wck-section")
            section.add_class(f"wck-section-{group.id}")
            sections.append(section)
        self.sections = widgets.VBox(sections)
        self.sections.add_class("wck-groups")
        return self.sections

    def _build_challenges(self) -> list[Any]:
        self.challenges_heading = _html(value="")
        self.challenges_heading.add_class("wck-challenges-heading")
        intro = _html(value=f"<p>{html.escape(self._tm('challenges_intro'))}</p>")
        box = widgets.VBox([item.widget for item in self.challenges.values()])
        box.add_class("wck-challenges")
        return [self.challenges_heading, intro, box]

    def _build_practices(self) -> list[Any]:
        heading = _html(
            value=f"<h3>{html.escape(self._t('practices_heading'))}</h3><p>{html.escape(self._t('practices_intro'))}</p>"
        )
        cards = _html(value="".join(self._practice_html(p) for p in self.field.practices))
        cards.add_class("wck-practices")
        return [heading, cards]

    def _practice_html(self, practice: Practice) -> str:
        own = [s for s in practice.standard_ids if s in self.standards]
        related = f"<br><small>{html.escape(self._t('practice_standards', ids=', '.join(own)))}</small>" if own else ""
        return (
            f'<div class="wck-practice" style="border-left:4px solid #90a4ae;padding:4px 8px;margin:6px 0">'
            f"<strong>{html.escape(practice.name.get(self.language))}</strong> "
            f"({html.escape(practice.place.get(self.language))}, {html.escape(practice.country)})<br>"
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

    @property
    def section_titles(self) -> tuple[str, ...]:
        """The headings of the principle groups' sections, with their progress, as shown."""
        return tuple(self._group_title(g.id) for g in self.field.groups)

    def _refresh_progress(self) -> None:
        answered, total = self.progress()
        self.progress_bar.value = answered
        self.progress_text.value = html.escape(self._t("progress", answered=answered, total=total))
        for group, title in zip(self.field.groups, self.section_titles, strict=True):
            self.section_headings[group.id].value = f'<h3 class="wck-section-heading">{html.escape(title)}</h3>'
        done = sum(item.answered for item in self.challenges.values())
        heading = self._t("challenges_heading", answered=done, total=len(self.challenges))
        self.challenges_heading.value = f'<h3 class="wck-section-heading">{html.escape(heading)}</h3>'

    # --- the respondent -----------------------------------------------------------------------

    def _on_id_message(self, _widget: Any, content: Mapping[str, Any], _buffers: Any) -> None:
        if isinstance(content, Mapping) and content.get("event") == "submit":
            self._guarded(lambda _none: self.start())(None)

    def start(self) -> bool:
        """Begin (or resume) with the id and group in the respondent block, as the "continue" button does.

        Returns whether the form is open for a respondent; while one is active, nothing changes. Ids of
        the kit's own form are saved in capitals, also when typed without their dash (``r7k3q``). An id that has
        answers keeps the stakeholder group it answered as (the form says so if another one was chosen); a typed id
        nobody has answered with is called new, with a hint to check it for a typing error.
        """
        if self.respondent is not None:
            return True
        typed = str(self.id_box.value).strip()
        if typed and not RESPONDENT_ID.fullmatch(typed) and loose_kit_id(typed) is None:
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
        earlier = _latest_group([*mine_r, *mine_a])
        chosen = str(self.group_box.value)
        # A typed id nobody has answered with: a first use (an id card) or a typing error the person must hear of.
        unknown = bool(typed) and self.mode == "self" and respondent_id not in known
        if earlier == NO_GROUP and chosen == NO_GROUP:
            said = self._t("choose_group_unknown_id", id=respondent_id) if unknown else self._t("choose_group")
            self._say(said, "error")
            return False
        group = earlier if earlier != NO_GROUP else chosen
        notes: list[tuple[str, str]] = []
        if earlier not in (NO_GROUP, chosen) and chosen != self._default_group:
            label = self.catalog.label("stakeholder_groups", earlier, self.language)
            notes.append((self._tm("group_kept", id=respondent_id, group=label), "waiting"))
        self._begin(Respondent(respondent_id, group), mine_r, mine_a, notes, unknown=unknown)
        return True

    def _new_id(self, known: set[str]) -> str:
        return next_group_id(known) if self.mode == "facilitator" else new_respondent_id(known)

    def _begin(
        self,
        respondent: Respondent,
        responses: list[Response],
        answers: list[ChallengeAnswer],
        notes: list[tuple[str, str]],
        *,
        unknown: bool = False,
    ) -> None:
        """Open the form for ``respondent`` with their answers; ``unknown``: a typed id nobody has answered with."""
        self.respondent = respondent
        self.id_box.value = respondent.id
        self.group_box.value = respondent.stakeholder_group
        self._lock_respondent(True)
        restored = self._restore(responses, answers)
        shown = f'<span class="wck-respondent-id">{html.escape(respondent.id)}</span>'
        style = "font-size:1.5em;font-weight:bold;margin:8px 0"
        self.id_display.value = f'<div style="{style}" role="status">{self._tm("your_id", id=shown)}</div>'
        label = html.escape(self._tm("id_label"))
        self.status_id.value = (
            f'<span class="wck-status-id-text">{label}: <strong>{html.escape(respondent.id)}</strong></span>'
        )
        if restored:
            said = self._tn("restored", restored, id=respondent.id)
        else:
            said = self._t("new_typed_id" if unknown else "new_respondent", id=respondent.id)
        self._say_all([(said, "info"), *notes])
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
        if self._pending or self._typing:
            self._flush()
            if self._pending:
                return False
        self.respondent = None
        self._clear_form()
        self.id_box.value = ""
        self.group_box.value = self._default_group
        self.id_display.value = ""
        self.status_id.value = ""
        self._say("", "info")
        self.save_status.value = ""
        self._lock_respondent(False)
        _set_visible(self.form, False)
        self._refresh_progress()
        return True

    def _clear_form(self) -> None:
        self._cancel_timer()
        self._typing.clear()
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
        self._say_all([(text, kind)])

    def _say_all(self, messages: list[tuple[str, str]]) -> None:
        self.respondent_message.value = "<br>".join(_status_html(text, kind) for text, kind in messages if text)

    # --- saving -------------------------------------------------------------------------------

    def _on_change(self, item: _Item, part: str) -> None:
        if self._loading:
            return
        self._refresh_progress()
        if self.respondent is None:
            item.show(self._t("start_first"), "error", "not_started")
            return
        item.changed.add(part)
        if part == "comment" and self._save_later():
            self._typing[item.key] = item
            item.show(self._t("typing"), "info", "typing")
            self._update_save_status(None)
            return
        self._pending[item.key] = item
        self._flush()

    def _save_later(self) -> bool:
        """(Re)start the pause after which typed comments are saved; False if there is no asyncio loop to wait on."""
        if self.comment_delay <= 0:
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # a plain script or test: save at once
            return False
        self._cancel_timer()
        self._timer = loop.call_later(self.comment_delay, self._guarded(lambda _none: self._typing_paused()), None)
        return True

    def _typing_paused(self) -> None:
        self._timer = None
        self._flush()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def retry(self) -> None:
        """Save every change that is still pending, as the "save again" button does."""
        self._flush()

    @property
    def pending(self) -> tuple[str, ...]:
        """Ids of standards and challenges whose latest change is not saved yet (failed, or a comment being typed)."""
        return (*self._pending, *(key for key in self._typing if key not in self._pending))

    @property
    def waiting(self) -> tuple[str, ...]:
        """Ids of standards whose priority or comment waits for an answer before it can be saved."""
        return tuple(key for key, item in self.standards.items() if item.state == "needs_answer")

    def _flush(self) -> None:
        """Save what is pending and every comment being typed, each merged with the stored answer."""
        self._cancel_timer()
        for key, item in self._typing.items():
            self._pending.setdefault(key, item)
        self._typing.clear()
        if self.respondent is None or not self._pending:
            self._update_save_status(None)
            return
        failure: str | None = None
        for key, item in list(self._pending.items()):
            try:
                with speaking(self.language):  # a reason why it failed, in the participant's language
                    saved = item.save(self.store, self.respondent, self.language)
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
            if saved is None:
                item.show(self._t("needs_answer"), "waiting", "needs_answer")
                continue
            item.changed.clear()
            self._loading = True
            try:
                item.restore(saved)  # what was saved: another device may have changed the rest
            finally:
                self._loading = False
            item.show(self._t("saved"), "saved", "saved")
        self._refresh_progress()
        self._update_save_status(failure)

    def _column(self, column: str) -> str:
        """What the form calls a column of the answers file, in the workshop's language."""
        label = _COLUMN_LABELS.get(column)
        return self._t(label) if label else column

    def _update_save_status(self, failure: str | None) -> None:
        """The status bar: what failed, what is not valid, what waits for an answer or for a pause in typing."""
        lines: list[tuple[str, str]] = []
        if self._pending:
            lines.append((self._tn("save_failed", len(self._pending), reason=failure or ""), "error"))
        items = (*self.standards.values(), *self.challenges.values())
        invalid = [i for i in items if i.state == "invalid"]
        if invalid:
            lines.append((self._tn("invalid_present", len(invalid)), "error"))
        waiting = self.waiting
        if waiting:
            lines.append((self._tn("waiting", len(waiting), standards=", ".join(waiting)), "waiting"))
        if self._typing:
            lines.append((self._t("typing_status"), "info"))
        if not lines and self.respondent is not None:
            lines.append((self._t("all_saved"), "saved"))
        self.save_status.value = "<br>".join(_status_html(text, kind) for text, kind in lines)
        _set_visible(self.retry_button, bool(self._pending))

    # --- errors in callbacks ------------------------------------------------------------------

    def _guarded(self, action: Callable[[Any], object]) -> Callable[[Any], None]:
        return guarded(action, self._show_unexpected)

    def _show_unexpected(self, exc: BaseException) -> None:
        text = self._t("unexpected", error=f"{type(exc).__name__}: {exc}")
        self.save_status.value = _status_html(text, "error")
        self._say(text, "error")
        self.error_log.append_stderr("".join(traceback.format_exception(exc)))
