"""The participant checklist, driven like a participant would, without a browser.

Setting a widget's ``value`` fires the same ``observe`` callbacks as a click in the
browser; ``Button.click()`` runs the same handlers as a real click. The few tests of how
the form looks on a phone tap it in a real Chromium served by ``wholecomm-kit serve``
(marked ``browser``).
"""

from __future__ import annotations

import asyncio
import csv
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest
from helpers import Running, chromium, free_port, new_session, wait_for_http
from playwright.sync_api import Browser, Page, ViewportSize, expect

from wholecomm_kit import store as store_module
from wholecomm_kit.catalog import Catalog
from wholecomm_kit.checklist import (
    COMMENT_DELAY,
    ID_ALPHABET,
    Checklist,
    ChecklistError,
    decode_answer,
    encode_answer,
    new_respondent_id,
    next_group_id,
)
from wholecomm_kit.exceptions import KitError, StoreError
from wholecomm_kit.session import Session
from wholecomm_kit.store import SessionStore
from wholecomm_kit.texts import all_texts, t

GENERATED_ID = re.compile(rf"R-[{ID_ALPHABET}]{{4}}")


def rows(session: Session, name: str = "responses.csv") -> list[dict[str, str]]:
    """The rows of a session CSV as written, without the (varying) timestamp."""
    with (session.path / name).open(encoding="utf-8", newline="") as stream:
        found = list(csv.DictReader(stream))
    for row in found:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", row.pop("recorded_at"))
    return found


def response_row(session: Session, respondent: str, group: str, standard: str, **values: str) -> dict[str, str]:
    row = {
        "session_id": session.session_id,
        "respondent_id": respondent,
        "stakeholder_group": group,
        "field_id": "governance",
        "standard_id": standard,
        "rating": "",
        "response": "rated",
        "priority": "",
        "comment": "",
        "language": "de",
        "catalog_version": "2024.1-kit.1",
    }
    row.update(values)
    return row


def started(session: Session, *, group: str = "administration", respondent: str = "", **kwargs: Any) -> Checklist:
    checklist = Checklist(session.path, "governance", **kwargs)
    checklist.id_box.value = respondent
    checklist.group_box.value = group
    checklist.continue_button.click()
    assert checklist.respondent is not None, checklist.respondent_message.value
    return checklist


def is_visible(widget: Any) -> bool:
    return bool(widget.layout.display != "none")


def all_widgets(root: Any) -> list[Any]:
    found = [root]
    for child in getattr(root, "children", ()):
        found.extend(all_widgets(child))
    return found


# --- building --------------------------------------------------------------------------------


def models_of(root: Any) -> set[str]:
    """The widget models a page must create to show ``root``: widgets, their layouts and their styles."""
    found: set[str] = set()
    for widget in all_widgets(root):
        found.add(widget.model_id)
        for part in ("layout", "style"):
            if getattr(widget, part, None) is not None:
                found.add(getattr(widget, part).model_id)
    return found


def test_widgets_share_their_layouts_and_styles_so_the_page_has_few_models_to_load(session: Session) -> None:
    """Every model costs the participant's page time before it shows: the governance checklist had 632."""
    checklist = Checklist(session.path, "governance")
    assert len(models_of(checklist.widget)) <= 300
    again = Checklist(session.path, "governance")  # a second page in the same kernel (JupyterLab) shares them too
    assert len(models_of(again.widget) & models_of(checklist.widget)) >= 6  # one layout and style of each kind


def test_hiding_a_widget_that_shares_its_layout_hides_no_other(session: Session) -> None:
    from wholecomm_kit.checklist import _set_visible

    checklist = Checklist(session.path, "governance")
    first, second = (checklist.standards[s].status for s in ("GOV-1-1", "GOV-1-2"))
    assert first.layout is second.layout
    _set_visible(first, False)
    assert first.layout.display == "none"
    assert second.layout.display is None
    widgets.Widget.close_all()  # a closed shared layout is never handed to a new widget
    fresh = Checklist(session.path, "governance")
    assert fresh.standards["GOV-1-1"].status.layout.comm is not None


@pytest.mark.parametrize(
    ("field_id", "language", "mode", "message"),
    [
        ("nowhere", "de", "self", "Unknown field of action 'nowhere'"),
        ("health", "de", "self", "does not assess the field 'health'"),
        ("governance", "fr", "self", "Unknown language 'fr'"),
        ("governance", "de", "plenary", "Unknown checklist mode 'plenary'"),
    ],
)
def test_clear_errors_for_what_cannot_be_shown(
    session: Session, field_id: str, language: str, mode: str, message: str
) -> None:
    with pytest.raises(ChecklistError, match=re.escape(message)) as info:
        Checklist(session.path, field_id, language, mode)
    assert isinstance(info.value, KitError)


@pytest.mark.parametrize(
    ("field_id", "language", "mode", "message"),
    [
        ("nowhere", "de", "self", "Unbekanntes Handlungsfeld 'nowhere'. Möglich sind: governance"),
        ("health", "de", "self", "bewertet das Feld 'health' nicht; sie bewertet governance, housing."),
        ("governance", "fr", "self", "Unbekannte Sprache 'fr'. Möglich sind: de, en."),
        ("governance", "de", "plenary", "Unbekannter Checklisten-Modus 'plenary'"),
    ],
)
def test_the_errors_are_german_when_the_interface_is(
    session: Session, field_id: str, language: str, mode: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    with pytest.raises(ChecklistError, match=re.escape(message)):
        Checklist(session.path, field_id, language, mode)


def test_the_form_shows_the_field_its_scale_groups_challenges_and_practices(session: Session, catalog: Catalog) -> None:
    checklist = Checklist(session.path, "governance")
    field = catalog.field("governance")
    widgets_in_order = all_widgets(checklist.widget)
    header = re.sub("<[^>]+>", "", widgets_in_order[1].value)
    assert "Checkliste: Politische Gestaltung (Governance)" in header
    assert t("checklist.privacy", "de") in header
    about = next(w for w in widgets_in_order if "wck-about" in w._dom_classes)
    assert field.description.get("de") in about.value
    # On a phone the id comes first, then what the field covers and how to rate, then the standards.
    order = [w for w in widgets_in_order if {"wck-respondent-id-input", "wck-about", "wck-scale"} & set(w._dom_classes)]
    assert [w._dom_classes[-1] for w in order] == ["wck-respondent-id-input", "wck-about", "wck-scale"]
    scale = next(w for w in all_widgets(checklist.widget) if "wck-scale" in w._dom_classes).value
    for label in ("Nicht vorhanden", "Erste Schritte", "Teilweise umgesetzt", "Vollständig umgesetzt", "Weiß nicht"):
        assert label in scale
    assert list(checklist.standards) == [s.id for s in field.standards]
    assert list(checklist.challenges) == [c.id for c in field.challenges]
    assert len(checklist.sections.children) == len(field.groups)
    assert checklist.section_titles[0] == "1. Strategischer Plan und Rechenschaftspflicht (0/2)"
    practices = next(w for w in all_widgets(checklist.widget) if "wck-practices" in w._dom_classes).value
    for practice in field.practices:
        assert practice.name.de in practices
        assert practice.place.de in practices
    assert "wck-standard-GOV-1-1" in checklist.standards["GOV-1-1"].widget._dom_classes
    assert not is_visible(checklist.form), "the questions appear only after the respondent block"


def test_every_control_has_a_visible_name_and_every_answer_button_a_tooltip(session: Session) -> None:
    checklist = Checklist(session.path, "governance")
    controls = (
        widgets.ToggleButtons,
        widgets.Text,
        widgets.Textarea,
        widgets.Dropdown,
        widgets.Button,
        widgets.IntProgress,
    )
    found = [w for w in all_widgets(checklist.widget) if isinstance(w, controls)]
    assert len(found) == 3 * 22 + 8 + 6  # per standard 3, per challenge 1, respondent block 4, retry, progress
    for control in found:
        assert control.description.strip(), control
    for control in found:
        if isinstance(control, widgets.ToggleButtons):
            assert len(control.tooltips) == len(control.options)
            assert all(tip.strip() for tip in control.tooltips)
    answer = checklist.standards["GOV-1-1"].answer
    assert [value for _, value in answer.options] == ["0", "1", "2", "3", "dont_know", "not_applicable"]
    assert answer.value is None
    assert answer.tooltips[5] == "GOV-1-1: Nicht zutreffend / nicht in kommunaler Zuständigkeit"


def test_show_displays_the_root_widget(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[object] = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    checklist = Checklist(session.path, "governance")
    checklist._ipython_display_()
    assert shown == [checklist.widget]


# --- the respondent block ----------------------------------------------------------------------


def test_a_new_participant_gets_a_generated_id_shown_prominently(session: Session) -> None:
    checklist = Checklist(session.path, "governance")
    checklist.group_box.value = "civil_society"
    checklist.continue_button.click()
    assert checklist.respondent is not None
    assert GENERATED_ID.fullmatch(checklist.respondent.id)
    assert checklist.respondent.stakeholder_group == "civil_society"
    assert checklist.id_box.value == checklist.respondent.id
    assert f'<span class="wck-respondent-id">{checklist.respondent.id}</span>' in checklist.id_display.value
    assert "bitte notieren" in checklist.id_display.value
    assert is_visible(checklist.form)
    assert checklist.id_box.disabled
    assert checklist.group_box.disabled
    assert is_visible(checklist.switch_button)
    assert rows(session) == [], "starting writes nothing"


def test_a_stakeholder_group_is_required_and_ids_are_validated(session: Session) -> None:
    checklist = Checklist(session.path, "governance")
    checklist.continue_button.click()
    assert checklist.respondent is None
    assert t("checklist.choose_group", "de") in checklist.respondent_message.value
    assert not is_visible(checklist.form)

    checklist.group_box.value = "politics"
    checklist.id_box.value = "Erika Mustermann"
    assert checklist.start() is False
    assert "„Erika Mustermann“ ist nicht gültig" in checklist.respondent_message.value
    assert checklist.respondent is None

    checklist.id_box.value = "  R-ABCD  "
    assert checklist.start() is True
    assert checklist.respondent is not None
    assert checklist.respondent.id == "R-ABCD"


def test_generated_ids_use_an_unambiguous_alphabet_and_avoid_taken_ones() -> None:
    assert not set("01IOL") & set(ID_ALPHABET)
    ids = {new_respondent_id() for _ in range(200)}
    assert all(GENERATED_ID.fullmatch(i) for i in ids)
    assert next_group_id([]) == "G-1"
    assert next_group_id(["G-1", "g-7", "R-AAAA", "G-x"]) == "G-8"
    assert encode_answer("rated", 0) == "0"
    assert encode_answer("dont_know", None) == "dont_know"
    assert decode_answer("3") == ("rated", 3)
    assert decode_answer("not_applicable") == ("not_applicable", None)


# --- answering ---------------------------------------------------------------------------------


def test_every_change_is_saved_at_once_with_a_visible_confirmation(session: Session) -> None:
    checklist = started(session, respondent="R-AAAA")
    item = checklist.standards["GOV-1-1"]
    item.answer.value = "2"
    item.priority.value = "high"
    item.comment.value = "Konzept von 2019, nie überarbeitet"
    checklist.standards["GOV-1-2"].answer.value = "dont_know"
    checklist.standards["GOV-2-1"].answer.value = "not_applicable"

    row = response_row
    assert rows(session) == [
        row(session, "R-AAAA", "administration", "GOV-1-1", rating="2"),
        row(session, "R-AAAA", "administration", "GOV-1-1", rating="2", priority="high"),
        row(
            session,
            "R-AAAA",
            "administration",
            "GOV-1-1",
            rating="2",
            priority="high",
            comment="Konzept von 2019, nie überarbeitet",
        ),
        row(session, "R-AAAA", "administration", "GOV-1-2", response="dont_know"),
        row(session, "R-AAAA", "administration", "GOV-2-1", response="not_applicable"),
    ]
    assert item.state == "saved"
    assert "✓ Gespeichert" in item.status.value
    assert "wck-status-saved" in item.status.value
    assert "Alle Änderungen sind gespeichert" in checklist.save_status.value
    assert not is_visible(checklist.retry_button)
    assert not checklist.pending


def test_progress_counts_answered_standards_per_group_and_for_the_field(session: Session) -> None:
    checklist = started(session)
    assert checklist.progress() == (0, 22)
    assert checklist.progress_text.value == "0 von 22 Standards beantwortet"
    checklist.standards["GOV-1-1"].answer.value = "0"
    checklist.standards["GOV-1-2"].answer.value = "not_applicable"
    checklist.standards["GOV-2-1"].answer.value = "3"
    checklist.standards["GOV-1-1"].answer.value = "1"  # a change, not a new answer
    assert checklist.progress() == (3, 22)
    assert checklist.group_progress("GOV-G1") == (2, 2)
    assert checklist.group_progress("GOV-G2") == (1, len(checklist.catalog.group("GOV-G2").standards))
    assert checklist.progress_bar.value == 3
    assert checklist.progress_bar.max == 22
    assert checklist.progress_text.value == "3 von 22 Standards beantwortet"
    assert checklist.section_titles[0] == "1. Strategischer Plan und Rechenschaftspflicht (2/2)"
    assert "(2/2)</h3>" in checklist.section_headings["GOV-G1"].value
    assert checklist.section_titles[1].endswith(f"(1/{checklist.group_progress('GOV-G2')[1]})")


def test_priority_or_comment_before_a_rating_waits_for_the_rating(session: Session) -> None:
    checklist = started(session, respondent="R-BBBB")
    item = checklist.standards["GOV-3-1"]
    item.priority.value = "medium"
    item.comment.value = "Wichtig für den Landkreis"
    assert rows(session) == []
    assert item.state == "needs_answer"
    assert t("checklist.needs_answer", "de") in item.status.value
    assert checklist.progress() == (0, 22)
    item.answer.value = "1"
    assert rows(session) == [
        response_row(
            session,
            "R-BBBB",
            "administration",
            "GOV-3-1",
            rating="1",
            priority="medium",
            comment="Wichtig für den Landkreis",
        )
    ]
    assert item.state == "saved"


def test_challenge_answers_are_saved_at_once(session: Session) -> None:
    checklist = started(session, respondent="R-CCCC", group="migrant_organisation")
    checklist.challenges["GOV-C1"].applies.value = "yes"
    checklist.challenges["GOV-C3"].applies.value = "unsure"
    checklist.challenges["GOV-C1"].applies.value = "no"
    assert rows(session, "challenges.csv") == [
        {
            "session_id": session.session_id,
            "respondent_id": "R-CCCC",
            "stakeholder_group": "migrant_organisation",
            "challenge_id": cid,
            "applies": applies,
        }
        for cid, applies in [("GOV-C1", "yes"), ("GOV-C3", "unsure"), ("GOV-C1", "no")]
    ]
    assert "✓ Gespeichert" in checklist.challenges["GOV-C1"].status.value
    assert "Zentrale Herausforderungen (2/8)" in checklist.challenges_heading.value
    assert checklist.progress() == (0, 22), "challenges are not standards"


def test_a_comment_that_is_too_long_is_refused_with_its_reason_and_stays_in_the_form(session: Session) -> None:
    checklist = started(session, respondent="R-DDDD")
    item = checklist.standards["GOV-1-1"]
    item.answer.value = "2"
    item.comment.value = "x" * 5001
    assert len(rows(session)) == 1
    assert item.state == "invalid"
    assert "Kommentar: ist 5001 Zeichen lang; erlaubt sind höchstens 5000" in item.status.value  # the workshop's words
    assert item.comment.value == "x" * 5001
    assert not checklist.pending, "an invalid value is not retried for ever"
    assert "1 Eingabe wurde nicht gespeichert" in checklist.save_status.value
    assert "Alle Änderungen sind gespeichert" not in checklist.save_status.value
    item.comment.value = "kurz"
    assert rows(session)[-1]["comment"] == "kurz"
    assert "Alle Änderungen sind gespeichert" in checklist.save_status.value


# --- coming back -------------------------------------------------------------------------------


def test_coming_back_with_the_same_id_restores_every_answer(session: Session) -> None:
    first = started(session, group="business")
    respondent_id = first.id_box.value
    first.standards["GOV-1-1"].answer.value = "3"
    first.standards["GOV-1-1"].priority.value = "low"
    first.standards["GOV-1-1"].comment.value = "Seit 2022"
    first.standards["GOV-2-1"].answer.value = "not_applicable"
    first.challenges["GOV-C2"].applies.value = "yes"
    before = (rows(session), rows(session, "challenges.csv"))

    again = Checklist(session.path, "governance")  # a fresh page on another device
    again.id_box.value = respondent_id.lower()  # typed back from a note, in the wrong case
    again.continue_button.click()
    assert again.respondent is not None
    assert again.respondent.id == respondent_id
    assert again.group_box.value == "business", "the stored stakeholder group comes back too"
    assert again.standards["GOV-1-1"].answer.value == "3"
    assert again.standards["GOV-1-1"].priority.value == "low"
    assert again.standards["GOV-1-1"].comment.value == "Seit 2022"
    assert again.standards["GOV-2-1"].answer.value == "not_applicable"
    assert again.standards["GOV-1-2"].answer.value is None
    assert again.challenges["GOV-C2"].applies.value == "yes"
    assert again.challenges["GOV-C1"].applies.value is None
    assert again.progress() == (2, 22)
    assert again.standards["GOV-1-1"].state == "saved"
    assert "3 frühere Antworten" in again.respondent_message.value
    assert (rows(session), rows(session, "challenges.csv")) == before, "restoring writes nothing"

    again.standards["GOV-2-1"].answer.value = "1"
    assert rows(session)[-1] == response_row(session, respondent_id, "business", "GOV-2-1", rating="1")


def test_another_respondent_does_not_see_someone_elses_answers(session: Session) -> None:
    first = started(session, respondent="R-EEEE")
    first.standards["GOV-1-1"].answer.value = "2"
    assert first.switch_respondent() is True
    assert first.respondent is None
    assert first.standards["GOV-1-1"].answer.value is None
    assert first.id_box.value == ""
    assert not first.id_box.disabled
    assert not is_visible(first.form)
    first.group_box.value = "research"
    first.continue_button.click()
    assert first.respondent is not None
    assert first.respondent.id != "R-EEEE"
    assert first.progress() == (0, 22)
    assert "noch keine Antworten" in first.respondent_message.value


# --- facilitator mode and English -----------------------------------------------------------


def test_facilitator_mode_records_breakout_groups(session: Session) -> None:
    checklist = Checklist(session.path, "governance", mode="facilitator")
    assert checklist.group_box.value == "other"
    assert checklist.id_box.description == "Gruppen-Kennung"
    assert checklist.id_box.placeholder == "z. B. G-1"
    assert "Kleingruppe" in next(w for w in all_widgets(checklist.widget) if "wck-about" in w._dom_classes).value
    assert checklist.start() is True
    assert checklist.id_box.value == "G-1"
    assert "Sie erfassen jetzt die Kleingruppe" in checklist.id_display.value
    checklist.standards["GOV-1-1"].answer.value = "1"
    assert rows(session) == [response_row(session, "G-1", "other", "GOV-1-1", rating="1")]

    checklist.switch_respondent()
    checklist.start()
    assert checklist.id_box.value == "G-2"
    checklist.switch_respondent()
    checklist.id_box.value = "G-1"
    checklist.start()
    assert checklist.standards["GOV-1-1"].answer.value == "1"


def test_english_labels_and_language_column(session: Session) -> None:
    checklist = started(session, respondent="R-FFFF", language="en")
    answer = checklist.standards["GOV-1-1"].answer
    assert [label for label, _ in answer.options] == [
        "0 · Not in place",
        "1 · First steps",
        "2 · Partly in place",
        "3 · Fully in place",
        "Don't know",
        "Not applicable",
    ]
    assert answer.description == "Rating"
    assert checklist.standards["GOV-1-1"].priority.options[0] == ("None", "")
    assert [label for label, _ in checklist.challenges["GOV-C1"].applies.options] == [
        "Applies",
        "Does not apply",
        "Unsure",
    ]
    assert "Checklist: Governance" in all_widgets(checklist.widget)[1].value
    assert checklist.section_titles[0] == "1. Strategic plan and accountability (0/2)"
    assert "In our municipality" in checklist.standards["GOV-1-1"].widget.children[0].value
    answer.value = "0"
    assert rows(session)[-1]["language"] == "en"
    assert "✓ Saved" in checklist.standards["GOV-1-1"].status.value


# --- when saving fails ---------------------------------------------------------------------------


def fail_saving(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """Every write to a session file fails (a full disk, a removed USB stick …)."""

    def broken(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(store_module, "append_records", broken)


def test_a_failed_save_is_shown_keeps_the_answer_and_the_next_change_saves_both(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    checklist = started(session, respondent="R-GGGG")
    fail_saving(monkeypatch, StoreError("responses.csv: could not save (No space left on device)."))
    item = checklist.standards["GOV-1-1"]
    item.answer.value = "2"
    assert rows(session) == []
    assert item.answer.value == "2"
    assert item.state == "failed"
    assert "⚠ Nicht gespeichert" in item.status.value
    assert "No space left on device" in checklist.save_status.value
    assert "1 Änderung konnte nicht gespeichert werden" in checklist.save_status.value
    assert is_visible(checklist.retry_button)
    assert checklist.pending == ("GOV-1-1",)
    assert checklist.progress() == (1, 22), "the answer still counts in the form"

    monkeypatch.undo()
    checklist.standards["GOV-1-2"].answer.value = "1"
    assert rows(session) == [
        response_row(session, "R-GGGG", "administration", "GOV-1-1", rating="2"),
        response_row(session, "R-GGGG", "administration", "GOV-1-2", rating="1"),
    ]
    assert item.state == "saved"
    assert not checklist.pending
    assert not is_visible(checklist.retry_button)
    assert "Alle Änderungen sind gespeichert" in checklist.save_status.value


def test_the_retry_button_saves_what_failed(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    checklist = started(session, respondent="R-HHHH")
    fail_saving(monkeypatch, OSError(5, "Input/output error"))
    checklist.challenges["GOV-C4"].applies.value = "no"
    checklist.retry_button.click()
    assert checklist.pending == ("GOV-C4",)
    assert rows(session, "challenges.csv") == []
    assert "Input/output error" in checklist.save_status.value
    monkeypatch.undo()
    checklist.retry_button.click()
    assert [r["applies"] for r in rows(session, "challenges.csv")] == ["no"]
    assert checklist.challenges["GOV-C4"].state == "saved"


def test_unsaved_changes_block_switching_respondent(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    checklist = started(session, respondent="R-JJJJ")
    fail_saving(monkeypatch, StoreError("disk gone"))
    checklist.standards["GOV-1-1"].answer.value = "3"
    checklist.switch_button.click()
    assert checklist.start() is True, "continuing again while active changes nothing"
    assert checklist.respondent is not None
    assert checklist.respondent.id == "R-JJJJ"
    assert checklist.standards["GOV-1-1"].answer.value == "3"
    assert checklist.pending == ("GOV-1-1",)
    monkeypatch.undo()
    assert checklist.switch_respondent() is True
    assert [r["rating"] for r in rows(session)] == ["3"]


def test_an_unexpected_error_in_a_callback_becomes_a_visible_message(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    checklist = started(session, respondent="R-KKKK")
    fail_saving(monkeypatch, RuntimeError("something odd"))
    checklist.standards["GOV-1-1"].answer.value = "2"  # must not raise
    assert "Unerwarteter Fehler: RuntimeError: something odd" in checklist.save_status.value
    assert checklist.standards["GOV-1-1"].answer.value == "2"
    assert "RuntimeError: something odd" in checklist.error_log.outputs[-1]["text"]
    monkeypatch.undo()
    checklist.standards["GOV-1-1"].answer.value = "3"
    assert [r["rating"] for r in rows(session)] == ["3"]


def test_changes_before_starting_are_not_lost_silently(session: Session) -> None:
    checklist = Checklist(session.path, "governance")
    checklist.standards["GOV-1-1"].answer.value = "2"
    assert rows(session) == []
    assert t("checklist.start_first", "de") in checklist.standards["GOV-1-1"].status.value


def test_an_unreadable_store_is_reported_when_starting(session: Session) -> None:
    (session.path / "responses.csv").write_text("not,the,header\r\n", encoding="utf-8")
    checklist = Checklist(session.path, "governance")
    checklist.group_box.value = "politics"
    checklist.continue_button.click()
    assert checklist.respondent is None
    assert "Die bisherigen Antworten konnten nicht gelesen werden" in checklist.respondent_message.value


def test_session_errors_pass_through(tmp_path: Path) -> None:
    with pytest.raises(KitError, match="no such session folder"):
        Checklist(tmp_path / "missing", "governance")


def test_a_refused_value_is_explained_in_the_workshops_language_whatever_the_laptops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")  # a German laptop running an English workshop
    english = new_session(tmp_path, "Engton", fields="governance", language="en")
    checklist = started(english, respondent="R-EEEE", language="en")
    item = checklist.standards["GOV-1-1"]
    item.answer.value = "2"
    item.comment.value = "x" * 5001
    assert "Comment: is 5001 characters long; at most 5000 are allowed" in item.status.value
    assert "höchstens" not in item.status.value


# --- what the reviewer found on a phone ------------------------------------------------------


def test_changes_waiting_for_an_answer_are_counted_never_called_saved(session: Session) -> None:
    checklist = started(session, respondent="R-WWWW")
    checklist.standards["GOV-1-1"].answer.value = "2"
    assert "Alle Änderungen sind gespeichert" in checklist.save_status.value
    checklist.standards["GOV-3-1"].priority.value = "high"
    assert len(rows(session)) == 1, "a priority alone is not a row"
    assert list(checklist.waiting) == ["GOV-3-1"]
    assert "Alle Änderungen sind gespeichert" not in checklist.save_status.value
    assert "1 Änderung wartet noch auf eine Antwort (GOV-3-1)" in checklist.save_status.value
    assert "„Weiß nicht“ oder „Nicht zutreffend“" in checklist.save_status.value
    assert "„Weiß nicht“ oder „Nicht zutreffend“" in checklist.standards["GOV-3-1"].status.value
    checklist.standards["GOV-3-2"].comment.value = "Fehlt ganz"
    assert list(checklist.waiting) == ["GOV-3-1", "GOV-3-2"]
    assert "2 Änderungen warten noch auf eine Antwort (GOV-3-1, GOV-3-2)" in checklist.save_status.value
    checklist.standards["GOV-3-1"].answer.value = "dont_know"
    assert "1 Änderung wartet" in checklist.save_status.value
    checklist.standards["GOV-3-2"].answer.value = "not_applicable"
    assert list(checklist.waiting) == []
    assert "Alle Änderungen sind gespeichert" in checklist.save_status.value
    assert [(r["standard_id"], r["response"], r["priority"], r["comment"]) for r in rows(session)[1:]] == [
        ("GOV-3-1", "dont_know", "high", ""),
        ("GOV-3-2", "not_applicable", "", "Fehlt ganz"),
    ]


def test_a_typed_comment_is_not_saved_yet_until_a_pause_then_saved_in_one_row(session: Session) -> None:
    assert 1 <= COMMENT_DELAY <= 2

    async def typing() -> None:
        checklist = started(session, respondent="R-TTTT", comment_delay=0.2)  # the kernel's loop is running
        item = checklist.standards["GOV-1-1"]
        assert item.comment.continuous_update, "every keystroke reaches the kernel, so nothing waits for a blur"
        item.answer.value = "1"
        for typed in ("B", "Be", "Bei", "Beirat", "Beirat fehlt"):
            item.comment.value = typed
            await asyncio.sleep(0.02)
            assert item.state == "typing"
            assert "Noch nicht gespeichert" in item.status.value
            assert "Gespeichert" not in item.status.value.replace("Noch nicht gespeichert", "")
            assert "Alle Änderungen sind gespeichert" not in checklist.save_status.value
            assert checklist.pending == ("GOV-1-1",)
        assert len(rows(session)) == 1
        await asyncio.sleep(0.5)
        assert [r["comment"] for r in rows(session)] == ["", "Beirat fehlt"], "one row per pause"
        assert item.state == "saved"
        assert "✓ Gespeichert" in item.status.value
        assert "Alle Änderungen sind gespeichert" in checklist.save_status.value

        item.comment.value = "Beirat fehlt seit 2020"  # then a tap elsewhere: saved at once, as on leaving the box
        checklist.standards["GOV-1-2"].answer.value = "3"
        assert sorted((r["standard_id"], r["comment"]) for r in rows(session)[-2:]) == [
            ("GOV-1-1", "Beirat fehlt seit 2020"),
            ("GOV-1-2", ""),
        ]
        assert item.state == "saved"
        await asyncio.sleep(0.5)
        assert len(rows(session)) == 4, "the timer of the saved comment writes nothing more"

        item.comment.value = "x" * 5001  # the length limit, after the pause
        await asyncio.sleep(0.5)
        assert item.state == "invalid"
        assert "ist 5001 Zeichen lang" in item.status.value
        assert len(rows(session)) == 4

        item.comment.value = "kurz"
        assert checklist.switch_respondent() is True, "switching saves a comment being typed first"
        assert rows(session)[-1]["comment"] == "kurz"

    asyncio.run(typing())


def test_kit_ids_typed_in_lower_case_are_saved_in_capitals(session: Session) -> None:
    for typed, saved in [("r-r92z", "R-R92Z"), ("p-x9cv", "P-X9CV"), ("g-2", "G-2"), ("Team.a", "Team.a")]:
        checklist = started(session, respondent=typed)
        assert checklist.respondent is not None
        assert checklist.respondent.id == saved
        assert checklist.id_box.value == saved
        assert saved in checklist.status_id.value
        checklist.standards["GOV-1-1"].answer.value = "1"
    assert [r["respondent_id"] for r in rows(session)] == ["R-R92Z", "P-X9CV", "G-2", "Team.a"]
    again = started(session, respondent="team.A")  # another id: found in its stored spelling
    assert again.respondent is not None
    assert again.respondent.id == "Team.a"


def test_an_id_with_answers_continues_under_its_group_and_says_so(session: Session) -> None:
    first = started(session, respondent="R-GRPP", group="politics")
    first.standards["GOV-1-1"].answer.value = "2"
    again = started(session, respondent="r-grpp", group="business")
    assert again.respondent is not None
    assert again.respondent.stakeholder_group == "politics"
    assert again.group_box.value == "politics"
    assert "zuvor als „Kommunalpolitik“ geantwortet" in again.respondent_message.value
    again.standards["GOV-1-2"].answer.value = "1"
    assert {r["stakeholder_group"] for r in rows(session)} == {"politics"}

    english = started(session, respondent="R-GRPP", group="politics", language="en")
    assert "answered as" not in english.respondent_message.value, "the same group: nothing to say"
    other = started(session, respondent="R-GRPP", group="research", language="en")
    assert "You answered as “Local politics” with R-GRPP before" in other.respondent_message.value


def test_a_stale_device_saves_only_what_changed_over_the_stored_answer(session: Session) -> None:
    phone = started(session, respondent="R-MRGE")
    phone.standards["GOV-1-1"].answer.value = "3"
    laptop = started(session, respondent="R-MRGE")  # the same id open on a second device
    assert laptop.standards["GOV-1-1"].answer.value == "3"
    phone.standards["GOV-1-1"].answer.value = "0"
    phone.standards["GOV-1-1"].priority.value = "high"

    stale = laptop.standards["GOV-1-1"]
    assert stale.answer.value == "3", "the laptop still shows what it loaded"
    stale.comment.value = "Nur auf dem Papier"
    assert rows(session)[-1] == response_row(
        session, "R-MRGE", "administration", "GOV-1-1", rating="0", priority="high", comment="Nur auf dem Papier"
    )
    assert (stale.answer.value, stale.priority.value) == ("0", "high"), "the form shows what was saved"
    assert stale.state == "saved"

    phone.standards["GOV-1-1"].priority.value = "low"  # now the phone is stale: it has no comment
    assert rows(session)[-1]["comment"] == "Nur auf dem Papier"
    assert phone.standards["GOV-1-1"].comment.value == "Nur auf dem Papier"
    count = len(rows(session))
    laptop.standards["GOV-1-1"].priority.value = "low"  # the same as stored: no second row for it
    assert len(rows(session)) == count
    assert laptop.standards["GOV-1-1"].state == "saved"

    laptop.standards["GOV-1-2"].priority.value = "medium"  # the phone answers it meanwhile
    phone.standards["GOV-1-2"].answer.value = "dont_know"
    laptop.retry()
    assert laptop.standards["GOV-1-2"].state == "needs_answer", "nothing stored then; the laptop waits"
    laptop.standards["GOV-1-2"].comment.value = "Unklar"
    assert rows(session)[-1] == response_row(
        session, "R-MRGE", "administration", "GOV-1-2", response="dont_know", priority="medium", comment="Unklar"
    )
    assert laptop.standards["GOV-1-2"].answer.value == "dont_know"
    assert laptop.progress() == (2, 22)


def test_the_form_suits_phones_keyboards_and_screen_readers(session: Session, catalog: Catalog) -> None:
    checklist = Checklist(session.path, "governance")
    tree = all_widgets(checklist.widget)
    assert not [w for w in tree if isinstance(w, widgets.Accordion)], "every section open and reachable by keyboard"
    for group in catalog.field("governance").groups:
        assert checklist.section_headings[group.id].value.startswith('<h3 class="wck-section-heading">')
    style = next(w for w in tree if "wck-style" in w._dom_classes).value
    assert "min-height: 44px" in style
    assert "--jp-widgets-font-size: 16px" in style
    assert "gap: 8px" in style
    assert "position: sticky" in style
    assert "outline: 3px solid #1a1a1a" in style
    assert '"✓ " / "ausgewählt: "' in style
    item = checklist.standards["GOV-1-1"]
    assert item.comment.rows >= 3
    assert item.comment.layout.width == "100%"
    assert checklist.group_box.layout.width == "auto"
    assert all(tip.startswith("GOV-1-1: ") for tip in item.answer.tooltips), "each button names its standard"
    assert all(tip.startswith("GOV-1-1: ") for tip in item.priority.tooltips)
    assert "<h4" in item.widget.children[0].value
    assert checklist.challenges["GOV-C1"].applies.description == "Trifft das in Ihrer Kommune zu?"
    assert "Tab" not in style


def test_no_label_says_null_when_hovered(session: Session) -> None:
    """ipywidgets writes a missing tooltip into the label's title as "null" (German for zero, beside "Priorität")."""
    checklist = Checklist(session.path, "governance")
    tree = all_widgets(checklist.widget)
    # HTML widgets too: they have a hidden label
    labelled = [w for w in tree if isinstance(w, widgets.widget_description.DescriptionWidget)]
    assert labelled
    assert [w for w in labelled if w.tooltip is None] == []
    assert checklist.standards["GOV-1-1"].priority.tooltip is not None
    assert checklist.progress_bar.tooltip is not None


def test_the_layout_keeps_to_the_screen_and_says_nothing_is_saved_once_the_connection_is_lost(session: Session) -> None:
    style = next(w for w in all_widgets(Checklist(session.path, "governance").widget) if "wck-style" in w._dom_classes)
    assert ".wck-status .wck-status-saved { white-space: nowrap; }" in style.value, "not the status bar's long line"
    assert "overflow-wrap: anywhere" in style.value
    assert "@media (max-height: 28rem)" in style.value
    assert "body:has(#wck-connection:not([hidden])) .wck-checklist .wck-status-saved { display: none; }" in style.value


@pytest.mark.parametrize("typed", ["rt8dw", "R T8DW", "R–T8DW", "r_t8dw", "R.T8DW", "R - T8DW"])
def test_a_kit_id_typed_without_its_dash_or_with_another_finds_its_answers(session: Session, typed: str) -> None:
    """The participant noted R-T8DW; typed on a phone it loses its dash or gets another one: still the same person."""
    first = started(session, respondent="R-T8DW", group="civil_society")
    first.standards["GOV-1-1"].answer.value = "2"
    again = started(session, respondent=typed, group="")
    assert again.respondent is not None
    assert again.respondent.id == "R-T8DW"
    assert again.standards["GOV-1-1"].answer.value == "2"
    assert "1 frühere Antwort von R-T8DW wurde geladen." in again.respondent_message.value
    again.standards["GOV-1-2"].answer.value = "dont_know"
    assert {r["respondent_id"] for r in rows(session)} == {"R-T8DW"}


def test_an_id_someone_answered_with_is_never_read_as_another_kit_id(session: Session) -> None:
    """Only an id nobody has answered with is read as a kit id without its dash; a new one is saved in kit form."""
    store = SessionStore.open(session)
    store.append(
        [
            store.response_record(
                respondent_id="AB234", stakeholder_group="politics", standard_id="GOV-1-1", response="rated", rating=1
            )
        ]
    )
    own = started(session, respondent="ab234", group="")
    assert own.respondent is not None
    assert own.respondent.id == "AB234"
    new = started(session, respondent="p7k3q")
    assert new.respondent is not None
    assert new.respondent.id == "P-7K3Q"
    for typed in ("Team.a", "RT8-DW", "Rt8dwx"):  # not a kit id of the app, a card or a group, however read
        own = started(session, respondent=typed)
        assert own.respondent is not None
        assert own.respondent.id == typed
    group = started(session, respondent="g 3", mode="facilitator")
    assert group.respondent is not None
    assert group.respondent.id == "G-3"
    refused = Checklist(session.path, "governance")
    refused.id_box.value = "R 7K3"
    refused.group_box.value = "politics"
    refused.continue_button.click()
    assert refused.respondent is None
    assert "ist nicht gültig" in refused.respondent_message.value


def test_a_typed_id_nobody_has_answered_with_hints_at_a_typing_error(session: Session) -> None:
    """A returning participant who mistypes their id must not think their answers are lost, nor start again unwarned."""
    first = started(session, respondent="R-T8DW", group="civil_society")
    first.standards["GOV-1-1"].answer.value = "2"
    typo = Checklist(session.path, "governance")
    typo.id_box.value = "R-T8DV"
    typo.continue_button.click()  # no group chosen: they came back, they think
    assert typo.respondent is None
    said = typo.respondent_message.value
    assert "Unter R-T8DV ist noch nichts gespeichert" in said
    assert "vielleicht falsch geschrieben" in said
    assert t("checklist.choose_group", "de") not in said
    typo.group_box.value = "civil_society"
    typo.continue_button.click()
    assert typo.respondent is not None
    said = typo.respondent_message.value
    assert "Unter R-T8DV ist noch nichts gespeichert. Sie können beginnen." in said
    assert "„Andere Kennung“" in said
    english = started(session, respondent="P-X9CV", language="en")
    assert "Nothing is saved under P-X9CV yet. You can start." in english.respondent_message.value
    generated = started(session)  # an id the form made: nothing to check
    assert "noch keine Antworten in diesem Handlungsfeld" in generated.respondent_message.value
    housing = Checklist(session.path, "housing")
    housing.id_box.value = "r-t8dw"
    housing.continue_button.click()  # answered in another field: known, no hint
    assert housing.respondent is not None
    assert "Für R-T8DW gibt es noch keine Antworten in diesem Handlungsfeld." in housing.respondent_message.value
    empty = Checklist(session.path, "governance")
    empty.continue_button.click()
    assert t("checklist.choose_group", "de") in empty.respondent_message.value


def test_enter_in_the_id_box_continues(session: Session) -> None:
    checklist = Checklist(session.path, "governance")
    checklist.group_box.value = "research"
    checklist.id_box.value = "r-ent3"
    checklist.id_box._handle_custom_msg({"event": "other"}, [])
    assert checklist.respondent is None
    checklist.id_box._handle_custom_msg({"event": "submit"}, [])  # what the browser sends on Enter
    assert checklist.respondent is not None
    assert checklist.respondent.id == "R-ENT3"
    assert is_visible(checklist.form)


def test_one_earlier_answer_is_singular_and_texts_speak_to_phones_too(session: Session) -> None:
    first = started(session, respondent="R-ONE2")
    first.standards["GOV-1-1"].answer.value = "1"
    again = started(session, respondent="R-ONE2")
    assert "1 frühere Antwort von R-ONE2 wurde geladen." in again.respondent_message.value
    english = started(session, respondent="R-ONE2", language="en")
    assert "Loaded 1 earlier answer for R-ONE2." in english.respondent_message.value
    new = started(session, language="en")
    assert new.respondent is not None
    assert f"{new.respondent.id} has no answers in this field yet. You can start." in new.respondent_message.value
    for key, text in all_texts().items():
        if key.startswith("checklist."):
            assert "klick" not in text.de.lower() or "tipp" in text.de.lower(), key
            assert "click" not in text.en.lower() or "tap" in text.en.lower(), key
            assert "(en)" not in text.de, key
            assert "(s)" not in text.en, key


PART_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from wholecomm_kit.checklist import Checklist

    checklist = Checklist(Path(sys.argv[1]), "governance", comment_delay=0)
    checklist.id_box.value = "R-RACE"
    checklist.group_box.value = "administration"
    checklist.continue_button.click()
    part, start = sys.argv[2], float(sys.argv[3])
    while time.time() < start:
        pass
    for standard in sys.argv[4:]:
        item = checklist.standards[standard]
        if part == "answer":
            item.answer.value = "3"
        elif part == "priority":
            item.priority.value = "high"
        else:
            item.comment.value = "Nur auf dem Papier"
    print(",".join(checklist.pending) or "saved")
    """
)


@pytest.mark.slow
def test_two_devices_changing_different_parts_at_the_same_moment_lose_neither(session: Session) -> None:
    """The same id on three devices: one changes the answer, one the priority, one the comment, all at once.

    Each save merges the change with the stored answer as it is under the file's lock, so none undoes another.
    """
    store = SessionStore.open(session)
    standards = [s.id for s in store.catalog.field("governance").standards][:6]
    others = [
        store.response_record(
            respondent_id=f"R-{n:04d}", stakeholder_group="politics", standard_id=s, response="rated", rating=1
        )
        for n in range(150)
        for s in standards
    ]
    store.append(others)  # a full answers file: reading it takes a while, as at the end of a workshop
    store.append(
        [
            store.response_record(
                respondent_id="R-RACE", stakeholder_group="administration", standard_id=s, response="rated", rating=1
            )
            for s in standards
        ]
    )
    start = time.time() + 3.0  # every device is up and has loaded the stored answers by then
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", PART_WRITER, str(session.path), part, str(start), *standards],
            stdout=subprocess.PIPE,
            text=True,
        )
        for part in ("answer", "priority", "comment")
    ]
    for process in processes:
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0
        assert out.strip() == "saved"
    current = {r.standard_id: r for r in SessionStore.open(session).current_responses() if r.respondent_id == "R-RACE"}
    assert {s: (r.rating, r.priority, r.comment) for s, r in current.items()} == {
        s: (3, "high", "Nur auf dem Papier") for s in standards
    }


# --- on a real phone ---------------------------------------------------------------------------

TOKEN = "checklist42"
ZOOMED_PHONE: ViewportSize = {"width": 180, "height": 370}
"""A 360 x 740 phone with its text zoomed to 200 %: half as many CSS pixels each way."""


@contextmanager
def served(session: Session) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``wholecomm-kit serve`` on a free port, once it answers: its address and its process (stopped at the end)."""
    port = free_port()
    command = [sys.executable, "-m", "wholecomm_kit", "serve", str(session.path), "--port", str(port), "--token", TOKEN]
    running = Running(subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(base + "/", running.process)
        yield base, running.process
    finally:
        running.stop()


def phone_page(browser: Browser, base: str, viewport: ViewportSize) -> Page:
    """The governance checklist opened from the join URL on a phone, started as a new participant."""
    context = browser.new_context(viewport=viewport, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/?token={TOKEN}")
    page.goto(f"{base}/voila/render/governance.ipynb?token={TOKEN}", timeout=120_000)
    page.wait_for_selector(".wck-checklist", timeout=120_000)
    page.select_option(".wck-stakeholder-group select", label="Zivilgesellschaft")
    page.tap("button.wck-continue")
    expect(page.locator(".wck-id-display .wck-respondent-id")).to_be_visible(timeout=30_000)
    return page


def tap_answer(page: Page, standard_id: str, label: str) -> None:
    button = page.locator(f".wck-standard-{standard_id} .wck-answer button:text-is('{label}')")
    button.scroll_into_view_if_needed()
    button.tap()


WIDER_THAN_THE_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('.wck-checklist *')]
    .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > width + 1; })
    .map(e => e.tagName + '.' + [...e.classList].join('.') + ': ' + (e.textContent || '').slice(0, 40));
}"""


@pytest.mark.slow
@pytest.mark.browser
def test_on_a_phone_zoomed_to_200_percent_nothing_is_wider_than_the_screen_or_pinned_over_half_of_it(
    tmp_path: Path,
) -> None:
    """Long German words and the status line used to run off the side; the status bar covered half the screen."""
    with served(new_session(tmp_path, "Zoomdorf", fields="governance", language="de")) as (base, _), chromium() as b:
        page = phone_page(b, base, ZOOMED_PHONE)
        tap_answer(page, "GOV-1-1", "3 · Vollständig umgesetzt")
        expect(page.locator(".wck-standard-GOV-1-1 .wck-status-saved")).to_be_visible(timeout=30_000)
        expect(page.locator(".wck-save-status")).to_contain_text("Alle Änderungen sind gespeichert")
        assert page.evaluate(WIDER_THAN_THE_SCREEN) == []
        assert page.locator(".wck-status-bar").evaluate("e => getComputedStyle(e).position") == "static"
        assert page.locator('[title="null"]').count() == 0
        page.context.close()


@pytest.mark.slow
@pytest.mark.browser
def test_once_the_connection_is_lost_no_saved_mark_shows(tmp_path: Path) -> None:
    """Taps after the laptop is gone are not saved: no "✓ Gespeichert" may still stand beside them."""
    session = new_session(tmp_path, "Funkloch", fields="governance", language="de")
    with served(session) as (base, process), chromium() as b:
        page = phone_page(b, base, {"width": 360, "height": 740})
        tap_answer(page, "GOV-1-1", "2 · Teilweise umgesetzt")
        saved = page.locator(".wck-status-saved:visible")
        expect(saved).to_have_count(2, timeout=30_000)  # beside the standard and "Alle Änderungen sind gespeichert"
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
        expect(page.locator("#wck-connection")).to_be_visible(timeout=30_000)
        tap_answer(page, "GOV-1-1", "0 · Nicht vorhanden")
        expect(saved).to_have_count(0)
        assert [r["rating"] for r in rows(session)] == ["2"]
        page.context.close()
