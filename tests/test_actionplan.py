"""The action-plan editor, driven like a facilitator would, without a browser.

Setting a widget's ``value`` fires the same callbacks as typing or choosing in the browser, and
``Button.click()`` runs the same handlers as a click.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import check_template, run_widget_notebook

from wholecomm_kit.actionplan import ActionPlanEditor, ActionPlanError
from wholecomm_kit.catalog import Catalog
from wholecomm_kit.demo import create_demo
from wholecomm_kit.exceptions import StoreError
from wholecomm_kit.records import Action
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
    due: dt.date | None = dt.date(2025, 10, 31),
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
    assert editor.due_box.value is None
    assert "Keine Personennamen nötig" in all_text(editor.widget)
    assert editor.add_button.description == "Hinzufügen"
    assert is_visible(editor.add_button)
    assert not is_visible(editor.save_button)
    assert t("live.plan_empty", "de") in text(editor.plan_table.children[0])


def test_english_labels(session: Session) -> None:
    editor = ActionPlanEditor(session.path, "en")
    assert editor.add_button.description == "Add"
    assert editor.action_box.description == "What will be done?"
    assert editor.responsible_box.description == "Responsible"
    assert editor.responsible_box.placeholder == "role or organisation, e.g. social services"
    assert editor.due_box.description == "Due by"
    assert [label for label, _ in editor.status_box.options] == ["Planned", "In progress", "Done"]
    assert [label for label, _ in editor.field_box.options] == ["Governance", "Housing and urban planning"]
    assert "No personal names needed" in all_text(editor.widget)
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
    assert "2025-10-31" in shown
    assert "Geplant" in shown
    # the form is empty again for the next action
    assert form_state(editor) == ("", "governance", (), "", None, "planned")

    fill(editor, action="  Leerstand erfassen  ", field="governance", standards=(), responsible="", due=None)
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
        dt.date(2025, 10, 31),
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
    assert form_state(editor) == ("", "governance", (), "", None, "planned")
    assert "In Arbeit" in all_text(editor.plan_table)


def test_cancelling_an_edit_writes_nothing(editor: ActionPlanEditor, session: Session) -> None:
    fill(editor)
    editor.add_button.click()
    editor.edit_buttons["A1"].click()
    editor.action_box.value = "etwas ganz anderes"
    editor.cancel_button.click()
    assert rows(session) == [EXPECTED_ROW]
    assert editor.editing is None
    assert form_state(editor) == ("", "governance", (), "", None, "planned")
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
    def full_disk(self: SessionStore, records: list[Action]) -> None:
        raise StoreError(f"{self.session.path / 'actions.csv'}: could not save (No space left on device).")

    fill(editor)
    before = form_state(editor)
    with monkeypatch.context() as patch:
        patch.setattr(SessionStore, "append", full_disk)
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

    def broken(self: SessionStore, records: list[Action]) -> None:
        raise StoreError("actions.csv: cannot open the file: Permission denied.")

    monkeypatch.setattr(SessionStore, "append", broken)
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
    fill(editor, responsible="x" * 5001)
    editor.add_button.click()
    assert rows(session) == []
    assert "Verantwortlich: ist 5001 Zeichen lang" in text(editor.message)  # all of it in the workshop's language
    assert editor.responsible_box.value == "x" * 5001


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
    def boom(self: SessionStore) -> str:
        raise RuntimeError("unexpected state")

    monkeypatch.setattr(SessionStore, "next_action_id", boom)
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


# --- the notebook ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_action_plan_notebook_runs_and_shows_the_editor(demo: Session, tmp_path: Path) -> None:
    template = notebooks_dir() / "action_plan.ipynb"
    check_template(template, {"session_dir": '""', "language": '""'})
    run_widget_notebook(template, tmp_path, {"session_dir": str(demo.path), "language": "de"})
