"""The action-plan editor, driven like a facilitator would, without a browser.

Setting a widget's ``value`` fires the same callbacks as typing or choosing in the browser, and
``Button.click()`` runs the same handlers as a click.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pytest
from helpers import Running, axe_violations, check_template, chromium, free_port, run_widget_notebook

from wholecomm_kit import actionplan
from wholecomm_kit import store as store_module
from wholecomm_kit.actionplan import ActionPlanEditor, ActionPlanError
from wholecomm_kit.catalog import Catalog
from wholecomm_kit.demo import create_demo
from wholecomm_kit.exceptions import StoreError
from wholecomm_kit.resources import notebooks_dir
from wholecomm_kit.session import Session, load_session
from wholecomm_kit.store import SessionStore
from wholecomm_kit.texts import t


def rows(session: Session) -> list[dict[str, str]]:
    """The rows of actions.csv as written, without the (varying) timestamp."""
    with (session.path / "actions.csv").open(encoding="utf-8", newline="") as stream:
        found = list(csv.DictReader(stream))
    for row in found:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", row.pop("recorded_at"))
    return found


def text(widget: Any) -> str:
    """What a reader sees of an HTML widget: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", str(widget.value)))


def all_text(root: Any) -> str:
    """The text of every HTML widget inside ``root``."""
    own = text(root) if hasattr(root, "value") and isinstance(root.value, str) else ""
    return " ".join([own, *(all_text(child) for child in getattr(root, "children", ()))])


def is_visible(widget: Any) -> bool:
    return bool(widget.layout.display != "none")


def fill(
    editor: ActionPlanEditor,
    *,
    action: str = "Runden Tisch Wohnen einrichten",
    field: str = "housing",
    standards: tuple[str, ...] = ("HOU-1-2", "HOU-1-1"),
    responsible: str = "Wohnungsamt",
    due: str = "2025-10-31",
    status: str = "planned",
) -> None:
    editor.action_box.value = action
    editor.field_box.value = field
    editor.standards_box.value = standards
    editor.responsible_box.value = responsible
    editor.due_box.value = due
    editor.status_box.value = status


def form_state(editor: ActionPlanEditor) -> tuple[object, ...]:
    return (
        editor.action_box.value,
        editor.field_box.value,
        editor.standards_box.value,
        editor.responsible_box.value,
        editor.due_box.value,
        editor.status_box.value,
    )


EXPECTED_ROW = {
    "action_id": "A1",
    "field_id": "housing",
    "standard_ids": "HOU-1-1 HOU-1-2",
    "action": "Runden Tisch Wohnen einrichten",
    "responsible": "Wohnungsamt",
    "due_date": "2025-10-31",
    "status": "planned",
}


@pytest.fixture
def editor(session: Session) -> ActionPlanEditor:
    return ActionPlanEditor(session.path)


@pytest.fixture(scope="module")
def demo_master(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return create_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def demo(demo_master: Session, tmp_path: Path) -> Session:
    target = tmp_path / demo_master.path.name
    shutil.copytree(demo_master.path, target)
    return load_session(target)


# --- the form --------------------------------------------------------------------------------------


def test_the_form_offers_the_sessions_fields_and_their_standards(
    editor: ActionPlanEditor, session: Session, catalog: Catalog
) -> None:
    assert [value for _, value in editor.field_box.options] == list(session.fields)
    assert editor.field_box.value == "governance"
    governance = catalog.field("governance").standards
    assert [value for _, value in editor.standards_box.options] == [s.id for s in governance]
    first_label = editor.standards_box.options[0][0]
    assert first_label == f"{governance[0].id} · {governance[0].short.get('de')}"

    editor.standards_box.value = (governance[0].id,)
    editor.field_box.value = "housing"
    assert [value for _, value in editor.standards_box.options] == [s.id for s in catalog.field("housing").standards]
    assert editor.standards_box.value == ()

    assert [value for _, value in editor.status_box.options] == ["planned", "in_progress", "done"]
    assert [label for label, _ in editor.status_box.options] == ["Geplant", "In Arbeit", "Erledigt"]
    assert editor.due_box.value == ""
    assert "Keine Personennamen nötig" in editor.responsible_box.description
    assert editor.add_button.description == "Hinzufügen"
    assert is_visible(editor.add_button)
    assert not is_visible(editor.save_button)
    assert t("live.plan_empty", "de") in text(editor.plan_table.children[0])


def test_english_labels(session: Session) -> None:
    editor = ActionPlanEditor(session.path, "en")
    assert editor.add_button.description == "Add"
    assert editor.action_box.description == "What will be done?"
    assert editor.responsible_box.description.startswith("Responsible <")
    assert editor.responsible_box.placeholder == "role or organisation, e.g. social services"
    assert editor.due_box.description.startswith("Due by <")
    assert editor.due_box.placeholder == "YYYY-MM-DD"
    assert [label for label, _ in editor.status_box.options] == ["Planned", "In progress", "Done"]
    assert [label for label, _ in editor.field_box.options] == ["Governance", "Housing and urban planning"]
    assert "No personal names needed" in editor.responsible_box.description
    assert ActionPlanEditor(session.path, "").language == "de"
    with pytest.raises(ActionPlanError, match="fr"):
        ActionPlanEditor(session.path, "fr")


def test_an_unknown_language_is_refused_in_german_when_the_interface_is(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    with pytest.raises(ActionPlanError, match=re.escape("Unbekannte Sprache 'fr'. Möglich sind: de, en.")):
        ActionPlanEditor(session.path, "fr")


# --- add, edit, remove -----------------------------------------------------------------------------


def test_add_saves_the_action_at_once_with_a_visible_confirmation(editor: ActionPlanEditor, session: Session) -> None:
    fill(editor)
    editor.add_button.click()

    assert rows(session) == [EXPECTED_ROW]
    current = SessionStore.open(session).current_actions()
    assert [
        (a.action_id, a.field_id, a.standard_ids, a.action, a.responsible, a.due_date, a.status) for a in current
    ] == [
        (
            "A1",
            "housing",
            ("HOU-1-1", "HOU-1-2"),
            "Runden Tisch Wohnen einrichten",
            "Wohnungsamt",
            "2025-10-31",
            "planned",
        )
    ]
    assert "Gespeichert: A1 – Runden Tisch Wohnen einrichten" in text(editor.message)
    assert 'role="status"' in editor.message.value
    assert [a.action_id for a in editor.plan] == ["A1"]
    assert list(editor.edit_buttons) == ["A1"]
    assert editor.edit_buttons["A1"].description == "A1 bearbeiten"
    assert editor.remove_buttons["A1"].description == "A1 entfernen"
    shown = all_text(editor.plan_table)
    assert "Runden Tisch Wohnen einrichten" in shown
    assert "31.10.2025" in shown  # as German readers write dates, as in the handout
    assert "Geplant" in shown
    # the form is empty again for the next action, in the field chosen before
    assert form_state(editor) == ("", "housing", (), "", "", "planned")

    fill(editor, action="  Leerstand erfassen  ", field="governance", standards=(), responsible="", due="")
    editor.add_button.click()
    assert rows(session)[1] == {
        "action_id": "A2",
        "field_id": "governance",
        "standard_ids": "",
        "action": "Leerstand erfassen",
        "responsible": "",
        "due_date": "",
        "status": "planned",
    }
    assert [a.action_id for a in editor.plan] == ["A1", "A2"]


def test_edit_loads_the_action_and_saves_a_new_row_with_the_same_number(
    editor: ActionPlanEditor, session: Session
) -> None:
    fill(editor)
    editor.add_button.click()

    editor.edit_buttons["A1"].click()
    assert editor.editing == "A1"
    assert form_state(editor) == (
        "Runden Tisch Wohnen einrichten",
        "housing",
        ("HOU-1-1", "HOU-1-2"),
        "Wohnungsamt",
        "2025-10-31",
        "planned",
    )
    assert "Maßnahme A1 bearbeiten" in text(editor.form_heading)
    assert is_visible(editor.save_button)
    assert is_visible(editor.cancel_button)
    assert not is_visible(editor.add_button)
    assert editor.save_button.description == "Änderungen speichern"
    # the entry being edited cannot be edited again or removed meanwhile
    assert editor.edit_buttons["A1"].disabled
    assert editor.remove_buttons["A1"].disabled

    editor.status_box.value = "in_progress"
    editor.standards_box.value = ("HOU-1-1",)
    editor.save_button.click()

    assert rows(session) == [
        EXPECTED_ROW,
        {**EXPECTED_ROW, "standard_ids": "HOU-1-1", "status": "in_progress"},
    ]
    current = SessionStore.open(session).current_actions()
    assert [(a.action_id, a.status, a.standard_ids) for a in current] == [("A1", "in_progress", ("HOU-1-1",))]
    assert "Änderungen an A1 gespeichert." in text(editor.message)
    assert editor.editing is None
    assert is_visible(editor.add_button)
    assert not is_visible(editor.save_button)
    assert form_state(editor) == ("", "housing", (), "", "", "planned")  # the field chosen before editing
    assert "In Arbeit" in all_text(editor.plan_table)


def test_cancelling_an_edit_writes_nothing(editor: ActionPlanEditor, session: Session) -> None:
    fill(editor)
    editor.add_button.click()
    editor.edit_buttons["A1"].click()
    editor.action_box.value = "etwas ganz anderes"
    editor.cancel_button.click()
    assert rows(session) == [EXPECTED_ROW]
    assert editor.editing is None
    assert form_state(editor) == ("", "housing", (), "", "", "planned")
    assert t("live.plan_edit_cancelled", "de") in text(editor.message)


def test_remove_asks_first_then_writes_a_removed_row_and_the_action_leaves_the_plan(
    editor: ActionPlanEditor, session: Session
) -> None:
    fill(editor)
    editor.add_button.click()
    fill(editor, action="Zweite Maßnahme", standards=())
    editor.add_button.click()

    editor.remove_buttons["A1"].click()
    assert len(rows(session)) == 2  # nothing written before the confirmation
    assert editor.pending_removal == "A1"
    assert editor.confirm_button is not None
    assert editor.confirm_button.description == "Ja, A1 entfernen"
    assert editor.keep_button.description == "Nicht entfernen"
    assert "A1 „Runden Tisch Wohnen einrichten“ wirklich aus dem Plan entfernen?" in all_text(editor.plan_table)

    editor.keep_button.click()
    assert editor.pending_removal is None
    assert len(rows(session)) == 2
    assert [a.action_id for a in editor.plan] == ["A1", "A2"]

    editor.remove_buttons["A1"].click()
    editor.confirm_button.click()

    written = rows(session)
    assert written[-1] == {**EXPECTED_ROW, "status": "removed"}
    assert len(written) == 3  # the earlier version is still in the file
    assert written[0] == EXPECTED_ROW
    assert [a.action_id for a in SessionStore.open(session).current_actions()] == ["A2"]
    assert [a.action_id for a in editor.plan] == ["A2"]
    assert list(editor.remove_buttons) == ["A2"]
    assert "A1 wurde aus dem Plan entfernt" in text(editor.message)

    fill(editor, action="Dritte Maßnahme")
    editor.add_button.click()
    assert rows(session)[-1]["action_id"] == "A3"  # a removed number is never given out again


def test_the_demo_plan_lists_the_current_actions(demo: Session) -> None:
    editor = ActionPlanEditor(demo.path, "en")
    assert [a.action_id for a in editor.plan] == ["A1", "A2", "A3", "A5"]  # A4 was removed in the demo
    assert list(editor.edit_buttons) == ["A1", "A2", "A3", "A5"]
    shown = all_text(editor.plan_table)
    assert "In progress" in shown  # A1 was edited in the demo
    assert "Mehrsprachige Infomappe" not in shown
    fill(editor, action="Patenschaftsprogramm starten", field="education", standards=())
    editor.add_button.click()
    assert rows(demo)[-1]["action_id"] == "A6"
    assert "Saved: A6 – Patenschaftsprogramm starten" in text(editor.message)


# --- failures --------------------------------------------------------------------------------------


def test_an_empty_action_text_is_refused_in_the_form_and_nothing_is_written(
    editor: ActionPlanEditor, session: Session
) -> None:
    fill(editor, action="   ")
    before = form_state(editor)
    editor.add_button.click()
    assert rows(session) == []
    assert t("live.plan_action_missing", "de") in text(editor.message)
    assert 'role="alert"' in editor.message.value
    assert form_state(editor) == before
    assert editor.plan == []


def test_a_failing_save_shows_the_reason_and_keeps_the_form(
    editor: ActionPlanEditor, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(path: Path, *args: object) -> None:
        raise StoreError(f"{path}: could not save (No space left on device).")

    fill(editor)
    before = form_state(editor)
    with monkeypatch.context() as patch:
        patch.setattr(store_module, "append_records", full_disk)
        editor.add_button.click()
    assert rows(session) == []
    message = text(editor.message)
    assert "Nicht gespeichert:" in message
    assert "No space left on device" in message
    assert "Ihre Eingaben stehen noch im Formular" in message
    assert 'role="alert"' in editor.message.value
    assert form_state(editor) == before
    assert editor.plan == []

    editor.add_button.click()  # the disk has space again: the same form saves
    assert rows(session) == [EXPECTED_ROW]


def test_a_failing_edit_or_removal_keeps_the_form_and_the_plan(
    editor: ActionPlanEditor, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(editor)
    editor.add_button.click()
    editor.edit_buttons["A1"].click()
    editor.action_box.value = "Runden Tisch Wohnen zweimal jährlich"

    def broken(*args: object) -> None:
        raise StoreError("actions.csv: cannot open the file: Permission denied.")

    monkeypatch.setattr(store_module, "append_records", broken)
    editor.save_button.click()
    assert "Permission denied" in text(editor.message)
    assert editor.editing == "A1"
    assert editor.action_box.value == "Runden Tisch Wohnen zweimal jährlich"

    editor.cancel_button.click()
    editor.remove_buttons["A1"].click()
    editor.confirm_button.click()
    assert "Permission denied" in text(editor.message)
    assert editor.pending_removal == "A1"  # still waiting: the facilitator can try again
    assert rows(session) == [EXPECTED_ROW]
    assert [a.action_id for a in editor.plan] == ["A1"]


def test_a_value_the_store_refuses_is_named_by_its_form_label(editor: ActionPlanEditor, session: Session) -> None:
    fill(editor, responsible="Sozial\x00amt")
    editor.add_button.click()
    assert rows(session) == []
    assert "„Verantwortlich“: enthält ein NUL-Zeichen" in text(editor.message)  # all of it in the workshop's language
    assert editor.responsible_box.value == "Sozial\x00amt"


@pytest.mark.parametrize(("box", "label"), [("action_box", "Was wird getan?"), ("responsible_box", "Verantwortlich")])
def test_a_text_too_long_is_refused_with_the_limit_and_asks_to_shorten_it(
    editor: ActionPlanEditor, session: Session, box: str, label: str
) -> None:
    fill(editor)
    getattr(editor, box).value = "x" * 5003
    editor.add_button.click()
    assert rows(session) == []
    message = text(editor.message)
    expected = (
        f"„{label}“ ist 5003 Zeichen lang, erlaubt sind höchstens 5000: Bitte kürzen Sie den Text um mindestens 3"
    )
    assert expected in message
    assert "?:" not in message
    assert "Nichts wurde gespeichert" in message
    assert getattr(editor, box).value == "x" * 5003


def test_an_unreadable_plan_is_reported_not_raised(session: Session) -> None:
    (session.path / "actions.csv").write_text("kaputt\r\n", encoding="utf-8")
    editor = ActionPlanEditor(session.path, "en")
    assert "The plan cannot be read" in text(editor.plan_status)
    fill(editor)
    editor.add_button.click()
    assert "Not saved:" in text(editor.message)
    assert editor.action_box.value == EXPECTED_ROW["action"]


def test_an_unexpected_error_in_a_callback_becomes_a_visible_message(
    editor: ActionPlanEditor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(self: SessionStore, **values: object) -> str:
        raise RuntimeError("unexpected state")

    monkeypatch.setattr(SessionStore, "record_action", boom)
    fill(editor)
    editor.add_button.click()
    assert "Unerwarteter Fehler: RuntimeError: unexpected state" in text(editor.message)
    assert editor.error_log.outputs


def test_show_displays_the_root_widget(editor: ActionPlanEditor, monkeypatch: pytest.MonkeyPatch) -> None:
    import IPython.display

    shown: list[object] = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    editor._ipython_display_()
    assert shown == [editor.widget]


# --- the due date (a text box in the workshop's forms) ---------------------------------------------


def test_the_due_date_is_typed_as_text_in_the_form_the_workshop_language_expects(
    editor: ActionPlanEditor, session: Session
) -> None:
    assert editor.due_box.placeholder == "JJJJ-MM-TT oder TT.MM.JJJJ"
    assert "JJJJ-MM-TT oder TT.MM.JJJJ, z. B. 2025-12-31" in editor.due_box.description
    assert editor.due_box.description_allow_html

    fill(editor, due=" 31.10.2025 ")
    editor.add_button.click()
    fill(editor, action="Zweite", due="2025-1-5")
    editor.add_button.click()
    fill(editor, action="Dritte", due="1.2.2024")  # the session's year minus one is still allowed
    editor.add_button.click()
    assert [row["due_date"] for row in rows(session)] == ["2025-10-31", "2025-01-05", "2024-02-01"]
    assert "31.10.2025" in all_text(editor.plan_table)
    assert "05.01.2025" in all_text(editor.plan_table)

    editor.edit_buttons["A1"].click()
    assert editor.due_box.value == "2025-10-31"  # in the form as it is saved


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("30.02.2025", "„30.02.2025“ gibt es nicht: Der Monat 2 des Jahres 2025 hat nur 28 Tage."),
        ("2025-02-30", "„2025-02-30“ gibt es nicht: Der Monat 2 des Jahres 2025 hat nur 28 Tage."),
        ("2024-04-31", "Der Monat 4 des Jahres 2024 hat nur 30 Tage."),
        (
            "02/30/2025",
            "„02/30/2025“ ist kein Datum in der Form JJJJ-MM-TT oder TT.MM.JJJJ mit vierstelliger Jahreszahl",
        ),
        (
            "12/31/25",
            "ist kein Datum in der Form JJJJ-MM-TT oder TT.MM.JJJJ mit vierstelliger Jahreszahl, z. B. 2025-12-31",
        ),
        ("31.12.25", "„31.12.25“ ist kein Datum in der Form JJJJ-MM-TT oder TT.MM.JJJJ"),
        ("0025-12-31", "Das Jahr 0025 in „0025-12-31“ ist wohl ein Tippfehler; möglich sind die Jahre 2024 bis 2055."),
        ("31.12.2023", "Das Jahr 2023"),
        ("2056-01-01", "Das Jahr 2056"),
        ("2025-13-01", "„2025-13-01“ ist kein Datum: Einen Monat 13 gibt es nicht."),
        ("morgen", "„morgen“ ist kein Datum"),
    ],
)
def test_an_impossible_due_date_is_refused_and_nothing_else_is_saved(
    editor: ActionPlanEditor, session: Session, typed: str, reason: str
) -> None:
    fill(editor, due=typed)
    before = form_state(editor)
    editor.add_button.click()
    assert rows(session) == []
    message = text(editor.message)
    assert "„Fällig bis“:" in message
    assert reason in message
    assert "Nichts wurde gespeichert" in message
    assert 'role="alert"' in editor.message.value
    assert form_state(editor) == before  # the box still shows what was typed, and nothing else was saved


def test_an_english_plan_takes_iso_dates_only(session: Session) -> None:
    editor = ActionPlanEditor(session.path, "en")
    assert "As YYYY-MM-DD, e.g. 2025-12-31" in editor.due_box.description
    fill(editor, due="31.10.2025")
    editor.add_button.click()
    assert rows(session) == []
    assert "“Due by”: “31.10.2025” is not a date in the form YYYY-MM-DD with a four-digit year" in text(editor.message)
    editor.due_box.value = "2025-10-31"
    editor.add_button.click()
    assert rows(session) == [EXPECTED_ROW]
    assert "31 October 2025" in all_text(editor.plan_table)  # as in the English handout


# --- nothing typed is thrown away without asking ---------------------------------------------------


def test_loading_an_action_over_a_new_unsaved_action_asks_first(editor: ActionPlanEditor, session: Session) -> None:
    fill(editor)
    editor.add_button.click()
    fill(editor, action="Neue Maßnahme, noch nicht gespeichert", standards=("HOU-2-1",))
    typed = form_state(editor)

    editor.edit_buttons["A1"].click()
    assert editor.editing is None
    assert form_state(editor) == typed
    assert editor.pending_edit == "A1"
    question = all_text(editor.plan_table)
    assert "Im Formular steht eine neue Maßnahme, die noch nicht gespeichert ist." in question
    assert "Wenn Sie jetzt A1 zum Bearbeiten laden, geht sie verloren." in question
    assert editor.confirm_button.description == "Verwerfen und A1 bearbeiten"
    assert editor.keep_button.description == "Eingaben behalten"

    editor.keep_button.click()
    assert editor.pending_edit is None
    assert editor.editing is None
    assert form_state(editor) == typed
    assert "Ihre Eingaben stehen weiter im Formular." in text(editor.message)

    editor.edit_buttons["A1"].click()
    editor.confirm_button.click()
    assert editor.editing == "A1"
    assert editor.action_box.value == EXPECTED_ROW["action"]
    assert rows(session) == [EXPECTED_ROW]


def test_loading_another_action_over_unsaved_changes_asks_first(editor: ActionPlanEditor, session: Session) -> None:
    fill(editor)
    editor.add_button.click()
    fill(editor, action="Zweite Maßnahme", standards=())
    editor.add_button.click()

    editor.edit_buttons["A1"].click()
    editor.edit_buttons["A2"].click()  # nothing changed in A1 yet: no question
    assert editor.editing == "A2"
    editor.responsible_box.value = "Sozialamt"

    editor.edit_buttons["A1"].click()
    assert editor.editing == "A2"
    assert editor.responsible_box.value == "Sozialamt"
    assert "Ihre Änderungen an A2 sind noch nicht gespeichert." in all_text(editor.plan_table)
    editor.keep_button.click()
    editor.save_button.click()
    assert rows(session)[-1]["responsible"] == "Sozialamt"

    editor.edit_buttons["A1"].click()
    editor.status_box.value = "done"
    editor.edit_buttons["A2"].click()
    editor.confirm_button.click()
    assert editor.editing == "A2"
    assert editor.status_box.value == "planned"
    assert len(rows(session)) == 3  # the discarded change to A1 was never written


def test_the_field_alone_is_no_unsaved_entry(editor: ActionPlanEditor) -> None:
    fill(editor)
    editor.add_button.click()
    editor.field_box.value = "governance"
    editor.edit_buttons["A1"].click()
    assert editor.editing == "A1"


# --- two windows on one plan -----------------------------------------------------------------------


def test_saving_an_action_removed_in_another_window_is_refused(editor: ActionPlanEditor, session: Session) -> None:
    fill(editor)
    editor.add_button.click()
    other = ActionPlanEditor(session.path)

    editor.edit_buttons["A1"].click()
    editor.action_box.value = "Runden Tisch Wohnen zweimal im Jahr"
    other.remove_buttons["A1"].click()
    other.confirm_button.click()
    assert len(rows(session)) == 2

    editor.save_button.click()
    assert len(rows(session)) == 2  # A1 does not come back
    message = text(editor.message)
    assert "Nicht gespeichert: A1 wurde in einem anderen Fenster aus dem Plan entfernt" in message
    assert "Es wurde nichts geschrieben." in message
    assert 'role="alert"' in editor.message.value
    assert is_visible(editor.conflict_button)
    assert editor.conflict_button.description == "Plan neu laden"
    assert editor.editing == "A1"
    assert editor.action_box.value == "Runden Tisch Wohnen zweimal im Jahr"

    editor.conflict_button.click()
    assert not is_visible(editor.conflict_button)
    assert editor.plan == []
    assert editor.editing is None
    assert is_visible(editor.add_button)
    assert "A1 steht nicht mehr im Plan." in text(editor.message)
    assert editor.action_box.value == "Runden Tisch Wohnen zweimal im Jahr"  # still there, to add as a new action
    assert editor.has_unsaved_entries()
    editor.add_button.click()
    assert rows(session)[-1] == {**EXPECTED_ROW, "action_id": "A2", "action": "Runden Tisch Wohnen zweimal im Jahr"}


def test_a_change_saved_in_another_window_is_not_overwritten_silently(
    editor: ActionPlanEditor, session: Session
) -> None:
    fill(editor)
    editor.add_button.click()
    other = ActionPlanEditor(session.path)
    editor.edit_buttons["A1"].click()
    other.edit_buttons["A1"].click()
    other.status_box.value = "in_progress"
    other.save_button.click()
    editor.responsible_box.value = "Wohnungsamt und Diakonie"

    editor.reload_button.click()  # an ordinary reload does not make the other window's version the one edited
    editor.save_button.click()
    assert [row["status"] for row in rows(session)] == ["planned", "in_progress"]
    message = text(editor.message)
    assert re.search(r"Nicht gespeichert: A1 wurde in einem anderen Fenster geändert \(um \d\d:\d\d Uhr\)", message)
    assert editor.responsible_box.value == "Wohnungsamt und Diakonie"

    editor.reload_button.click()  # after the refusal, either reload button carries on from the version saved now
    assert "Der Plan zeigt A1 jetzt so, wie es im anderen Fenster gespeichert wurde." in text(editor.message)
    assert "In Arbeit" in all_text(editor.plan_table)
    assert editor.editing == "A1"
    editor.save_button.click()  # now knowingly
    assert rows(session)[-1]["responsible"] == "Wohnungsamt und Diakonie"
    assert "Änderungen an A1 gespeichert." in text(editor.message)


def test_removing_an_action_changed_in_another_window_asks_again(editor: ActionPlanEditor, session: Session) -> None:
    fill(editor)
    editor.add_button.click()
    other = ActionPlanEditor(session.path)
    editor.remove_buttons["A1"].click()
    other.edit_buttons["A1"].click()
    other.action_box.value = "Runden Tisch Wohnen und Arbeit"
    other.save_button.click()

    editor.confirm_button.click()
    assert len(rows(session)) == 2
    assert "Nicht entfernt: A1 wurde in einem anderen Fenster geändert" in text(editor.message)
    assert editor.pending_removal is None

    editor.conflict_button.click()
    assert editor.pending_removal == "A1"
    assert "A1 „Runden Tisch Wohnen und Arbeit“ wirklich aus dem Plan entfernen?" in all_text(editor.plan_table)
    editor.confirm_button.click()
    assert rows(session)[-1] == {**EXPECTED_ROW, "action": "Runden Tisch Wohnen und Arbeit", "status": "removed"}


def test_removing_an_action_removed_in_another_window_writes_nothing(
    editor: ActionPlanEditor, session: Session
) -> None:
    fill(editor)
    editor.add_button.click()
    other = ActionPlanEditor(session.path)
    editor.remove_buttons["A1"].click()
    other.remove_buttons["A1"].click()
    other.confirm_button.click()

    editor.confirm_button.click()
    assert len(rows(session)) == 2
    assert "A1 wurde bereits in einem anderen Fenster aus dem Plan entfernt" in text(editor.message)
    editor.conflict_button.click()
    assert editor.plan == []
    assert "A1 steht nicht mehr darin" in text(editor.message)


# --- a broken row in actions.csv -------------------------------------------------------------------


def add_broken_row(session: Session) -> None:
    with (session.path / "actions.csv").open("a", encoding="utf-8", newline="") as stream:
        stream.write("A9,governance,GOV-9-9,von Hand,,,planned,2025-06-12T10:00:00.000Z\r\n")


def test_a_broken_row_is_shown_with_file_line_and_reason_and_not_blamed_on_the_form(
    editor: ActionPlanEditor, session: Session
) -> None:
    fill(editor)
    editor.add_button.click()
    editor.edit_buttons["A1"].click()
    add_broken_row(session)

    editor.reload_button.click()
    status = text(editor.plan_status)
    assert f"weil die Datei {session.path / 'actions.csv'} eine fehlerhafte Zeile enthält" in status
    assert "actions.csv, Zeile 3, Spalte 'standard_ids': 'GOV-9-9' ist kein Standard aus dem Katalog" in status
    assert "Öffnen Sie sie in einem Texteditor (nicht in einer Tabellenkalkulation)" in status
    assert 'role="alert"' in editor.plan_status.value

    editor.status_box.value = "done"
    editor.save_button.click()
    message = text(editor.message)
    assert "Nicht gespeichert: Die Datei actions.csv hat eine fehlerhafte Zeile (Zeile 3;" in message
    assert "Das liegt nicht an Ihren Eingaben" in message
    assert "„Änderungen speichern“" in message
    assert "Bezug zu Standards" not in message
    assert "GOV-9-9" not in message
    editor.cancel_button.click()

    fill(editor, action="Neue Maßnahme")
    editor.add_button.click()
    assert "Nicht gespeichert: Die Datei actions.csv hat eine fehlerhafte Zeile (Zeile 3;" in text(editor.message)
    assert editor.action_box.value == "Neue Maßnahme"

    editor.remove_buttons["A1"].click()
    editor.confirm_button.click()
    assert "Nicht entfernt: Die Datei actions.csv hat eine fehlerhafte Zeile (Zeile 3;" in text(editor.message)
    assert len((session.path / "actions.csv").read_text(encoding="utf-8").splitlines()) == 3  # nothing written

    # repaired as the message says: the row added by hand is deleted
    lines = (session.path / "actions.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (session.path / "actions.csv").write_text("".join(lines[:2]), encoding="utf-8", newline="")
    editor.reload_button.click()
    assert editor.plan_status.value == ""
    editor.add_button.click()
    assert rows(session)[-1]["action"] == "Neue Maßnahme"


def test_a_broken_row_when_the_editor_opens_is_shown_in_english(session: Session) -> None:
    add_broken_row(session)
    editor = ActionPlanEditor(session.path, "en")
    status = text(editor.plan_status)
    assert "actions.csv, line 2, column 'standard_ids': 'GOV-9-9' is not a standard of the toolbox catalogue" in status
    assert "The file must be repaired" in status
    fill(editor)
    editor.add_button.click()
    assert "Not saved: the file actions.csv has a broken row (line 2;" in text(editor.message)
    assert "“Add” again" in text(editor.message)


def test_a_torn_row_moved_aside_is_named_on_screen(editor: ActionPlanEditor, session: Session) -> None:
    """The store only warns when it moves a torn last row aside, and Voilà shows no warnings: the editor must say it."""
    fill(editor)
    editor.add_button.click()
    torn = "A2,housing,HOU-1-1,Eine halb gespeicherte Maßn"
    with (session.path / "actions.csv").open("a", encoding="utf-8", newline="") as stream:
        stream.write(torn)
    assert editor.notice.value == ""

    editor.reload_button.click()

    damaged = session.path / "actions.csv.damaged"
    assert damaged.read_text(encoding="utf-8").startswith(torn)
    notice = text(editor.notice)
    assert f"{session.path / 'actions.csv'}, Zeile 3: Die letzte Zeile war unvollständig" in notice
    assert f"Sie wurde nach {damaged} verschoben" in notice
    assert 'role="alert"' in editor.notice.value
    editor.reload_button.click()
    assert f"Sie wurde nach {damaged} verschoben" in text(editor.notice)  # stays

    # torn while the plan was open: moved aside by the next save, which is saved all the same
    with (session.path / "actions.csv").open("a", encoding="utf-8", newline="") as stream:
        stream.write("A2,housing,HOU-1-1,Noch eine halbe")
    fill(editor, action="Zweite Maßnahme")
    editor.add_button.click()
    assert "Gespeichert: A2 – Zweite Maßnahme" in text(editor.message)
    assert [row["action"] for row in rows(session)] == ["Runden Tisch Wohnen einrichten", "Zweite Maßnahme"]
    assert text(editor.notice).count("verschoben") == 2


# --- wording ---------------------------------------------------------------------------------------


def test_the_status_is_called_status_in_german_too(editor: ActionPlanEditor) -> None:
    fill(editor)
    editor.add_button.click()
    assert editor.status_box.description == "Status"
    assert "Status" in all_text(editor.plan_table)
    assert not re.search(r"\bStand\b", all_text(editor.widget))


def test_the_saved_message_quotes_a_long_action_shortened(editor: ActionPlanEditor, session: Session) -> None:
    long_text = "Runden Tisch Wohnen einrichten " + "mit allen Beteiligten aus Verwaltung und Zivilgesellschaft " * 6
    fill(editor, action=long_text)
    editor.add_button.click()
    message = text(editor.message).strip()
    assert message.startswith("Gespeichert: A1 – Runden Tisch Wohnen einrichten mit allen")
    assert message.endswith("…")
    assert len(message) < len("Gespeichert: A1 – ") + 82
    assert rows(session)[0]["action"] == long_text.strip()  # the file and the plan keep all of it
    assert long_text.strip() in all_text(editor.plan_table)

    editor.remove_buttons["A1"].click()
    question = all_text(editor.plan_table)
    assert "A1 „Runden Tisch Wohnen einrichten mit allen" in question
    assert long_text.strip() in question  # in the plan's row; the question itself is short
    assert "…“ wirklich aus dem Plan entfernen?" in question


def test_saving_without_changes_writes_no_row(editor: ActionPlanEditor, session: Session) -> None:
    fill(editor)
    editor.add_button.click()
    editor.edit_buttons["A1"].click()
    editor.save_button.click()
    assert rows(session) == [EXPECTED_ROW]
    assert "An A1 wurde nichts geändert; es wurde nichts gespeichert." in text(editor.message)
    assert editor.editing is None

    editor.edit_buttons["A1"].click()
    editor.action_box.value = "etwas anderes"
    editor.due_box.value = "31.10.2025"  # the same date, written the German way
    editor.action_box.value = EXPECTED_ROW["action"] + "  "
    editor.save_button.click()
    assert rows(session) == [EXPECTED_ROW]


# --- the field of action ---------------------------------------------------------------------------


def test_switching_the_field_says_which_standards_are_dropped_and_brings_them_back(
    editor: ActionPlanEditor, session: Session
) -> None:
    fill(editor)
    editor.add_button.click()
    assert editor.field_box.value == "housing"  # kept for the next action
    editor.edit_buttons["A1"].click()

    editor.field_box.value = "governance"
    assert editor.standards_box.value == ()
    message = text(editor.message)
    assert "Die Standards HOU-1-1, HOU-1-2 gehören zu „Wohnen und Stadtplanung“" in message
    assert "nicht mehr mit der Maßnahme verbunden" in message
    editor.standards_box.value = ("GOV-1-1",)

    editor.field_box.value = "housing"
    assert editor.standards_box.value == ("HOU-1-1", "HOU-1-2")
    assert "GOV-1-1" in text(editor.message)
    editor.save_button.click()
    assert rows(session) == [EXPECTED_ROW]  # back where it was: nothing changed


# --- the projector -------------------------------------------------------------------------------


def test_large_type_scoped_to_the_plan_and_nothing_cut_off(editor: ActionPlanEditor) -> None:
    root = editor.widget
    assert "wck-action-plan" in root._dom_classes
    assert root.children[0].value == actionplan.STYLE
    sizes = [int(size) for size in re.findall(r"font-size: (\d+)px", actionplan.STYLE)]
    assert min(sizes) >= 20
    assert "--jp-widgets-font-size: 22px" in actionplan.STYLE
    rules = re.findall(r"[^{}]+\{", actionplan.STYLE.removeprefix("<style>"))
    selectors = [rule.split("{")[0].strip() for rule in rules]
    parts = [part.strip() for selector in selectors for part in selector.split(",")]
    assert all(part.startswith(".wck-action-plan") for part in parts), parts
    assert "<small>" not in all_text(root)

    fill(editor)
    editor.add_button.click()
    editor.remove_buttons["A1"].click()
    buttons = [
        editor.add_button,
        editor.save_button,
        editor.cancel_button,
        editor.reload_button,
        editor.conflict_button,
        editor.edit_buttons["A1"],
        editor.remove_buttons["A1"],
        editor.confirm_button,
        editor.keep_button,
    ]
    assert all(button.layout.width == "auto" for button in buttons)  # as wide as their text
    assert editor.field_box.layout.width == "auto"
    assert re.search(r"\.jupyter-button \{[^}]*text-overflow: clip", actionplan.STYLE)
    assert re.search(r"\.wck-plan-field > select \{[^}]*width: auto", actionplan.STYLE)


def test_the_status_exposes_its_state_and_shows_it_with_enough_contrast(editor: ActionPlanEditor) -> None:
    from wholecomm_kit.charts import contrast_ratio

    # radio buttons: the browser tells assistive technology which one is checked
    assert isinstance(editor.status_box, widgets.RadioButtons)
    assert re.search(r"label:has\(input:checked\) \{[^}]*background: " + actionplan.SELECTED_COLOUR, actionplan.STYLE)
    assert contrast_ratio("#FFFFFF", actionplan.SELECTED_COLOUR) >= 4.5  # the chosen one's text
    assert contrast_ratio(actionplan.SELECTED_COLOUR, "#FFFFFF") >= 3  # the chosen one against the others
    # the hints are part of their inputs' labels
    for box in (editor.standards_box, editor.responsible_box, editor.due_box):
        assert box.description_allow_html
        assert 'class="wck-plan-hint"' in box.description


# --- in a real browser --------------------------------------------------------------------------------

LONG_WORD = "Integrationsbeauftragtenstellenausschreibungsverfahren"
"""A German compound wider than the plan's action column in 22 px type (Chromium on Linux does not hyphenate German)."""


@contextmanager
def shown_plan(session: Session) -> Iterator[str]:
    """`wholecomm-kit show SESSION action-plan` on a free port, as a facilitator starts it; yields its address."""
    port = free_port()
    command = [sys.executable, "-m", "wholecomm_kit", "show", str(session.path), "action-plan", "--port", str(port)]
    running = Running(subprocess.Popen([*command, "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT))
    try:
        found = re.search(r"http://127\.0\.0\.1:\d+/\?token=[a-z0-9]+", running.first_line())
        assert found
        yield found.group(0)
    finally:
        running.stop()


@pytest.mark.slow
@pytest.mark.browser
def test_on_a_1024_projector_long_texts_stay_in_their_cells_and_the_keyboard_focus_follows(session: Session) -> None:
    store = SessionStore.open(session)
    store.record_action(field_id="housing", standard_ids=["HOU-1-1"], action=f"{LONG_WORD} beginnen")
    store.record_action(
        field_id="governance", standard_ids=[], action="Runden Tisch einrichten", responsible="Sozialamt"
    )
    with shown_plan(session) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1024, "height": 768})
        page.goto(url, timeout=120_000)
        page.wait_for_selector(".wck-plan-remove", timeout=120_000)
        # no text runs out of its cell over the next column (a long word or address is broken instead)
        spilled = page.evaluate(
            """() => [...document.querySelectorAll('.wck-plan-table > *')].flatMap(cell => {
                const box = cell.getBoundingClientRect();
                return [...cell.querySelectorAll('.widget-html-content')]
                    .filter(c => c.getBoundingClientRect().right > box.right + 1 || c.scrollWidth > c.clientWidth + 1)
                    .map(c => c.textContent.slice(0, 40));
            })"""
        )
        assert spilled == []
        assert LONG_WORD in page.inner_text(".wck-plan-table")

        # rebuilding the plan replaces its buttons: the focus goes where the keyboard user needs it next
        page.locator(".wck-plan-remove", has_text="A1 entfernen").focus()
        page.keyboard.press("Enter")
        focused = "() => (document.activeElement.innerText || document.activeElement.tagName).trim()"
        page.wait_for_function(f"({focused})() === 'Nicht entfernen'", timeout=30_000)
        page.keyboard.press("Enter")
        page.wait_for_function(f"({focused})() === 'A1 entfernen'", timeout=30_000)
        page.locator(".wck-plan-edit", has_text="A2 bearbeiten").focus()
        page.keyboard.press("Enter")
        page.wait_for_function("document.activeElement.tagName === 'TEXTAREA'", timeout=30_000)
        assert page.input_value(".wck-plan-action textarea") == "Runden Tisch einrichten"
        assert axe_violations(page) == []
    assert [row["action_id"] for row in rows(session)] == ["A1", "A2"]  # nothing removed or changed


# --- the notebook ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_action_plan_notebook_runs_and_shows_the_editor(demo: Session, tmp_path: Path) -> None:
    template = notebooks_dir() / "action_plan.ipynb"
    check_template(template, {"session_dir": '""', "language": '""'})
    run_widget_notebook(template, tmp_path, {"session_dir": str(demo.path), "language": "de"})
