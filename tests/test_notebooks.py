"""The checklist notebook template and the ready-to-run copies per session."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
from helpers import read_notebook, run_widget_notebook

from wholecomm_kit.exceptions import SessionError
from wholecomm_kit.notebooks import how_to_open_checklists, prepare_checklists
from wholecomm_kit.resources import notebooks_dir
from wholecomm_kit.session import Session


def tagged(notebook: Any, tag: str) -> Any:
    cells = [c for c in notebook.cells if tag in c.metadata.get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}"
    return cells[0]


def assignments(cell: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in cell.source.splitlines():
        if "=" in line and not line.startswith("#"):
            name, value = line.split("=", 1)
            found[name.strip()] = value.strip()
    return found


def test_the_template_is_a_clean_parameterised_notebook() -> None:
    notebook = read_notebook(notebooks_dir() / "checklist.ipynb")
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    assert notebook.metadata.kernelspec.name == "python3"
    assert assignments(tagged(notebook, "parameters")) == {
        "session_dir": '""',
        "field_id": '"governance"',
        "language": '"de"',
        "mode": '"self"',
    }
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None
    assert any("Checklist(" in c.source for c in notebook.cells)


def test_one_prepared_notebook_per_field_with_injected_parameters(session: Session) -> None:
    paths = prepare_checklists(session)
    assert paths == [session.path / "checklists" / "governance.ipynb", session.path / "checklists" / "housing.ipynb"]
    for path, field_id in zip(paths, session.fields, strict=True):
        notebook = read_notebook(path)
        nbformat.validate(notebook)
        injected = assignments(tagged(notebook, "injected-parameters"))
        assert injected == {
            "session_dir": repr(str(session.path)).replace("'", '"'),
            "field_id": f'"{field_id}"',
            "language": '"de"',
            "mode": '"self"',
        }
        assert Path(session.path).is_absolute()
        assert notebook.metadata.papermill.parameters["session_dir"] == str(session.path)
        assert all(c.get("outputs", []) == [] for c in notebook.cells), "prepared, not executed"


def test_language_mode_and_a_session_path_can_be_given(session: Session) -> None:
    paths = prepare_checklists(str(session.path), language="en", mode="facilitator")
    parameters = read_notebook(paths[0]).metadata.papermill.parameters
    assert parameters["language"] == "en"
    assert parameters["mode"] == "facilitator"
    with pytest.raises(SessionError, match="Unknown checklist mode"):
        prepare_checklists(session, mode="plenary")
    with pytest.raises(SessionError, match="Unknown language"):
        prepare_checklists(session, language="fr")


def test_preparing_again_replaces_the_copies(session: Session) -> None:
    first = prepare_checklists(session)
    first[0].write_text("broken", encoding="utf-8")
    assert prepare_checklists(session) == first
    nbformat.validate(read_notebook(first[0]))


def test_the_message_says_how_to_open_the_checklists(session: Session) -> None:
    paths = prepare_checklists(session)
    message = how_to_open_checklists(session, paths)
    assert f"jupyter lab {session.path / 'checklists' / 'governance.ipynb'}" in message
    assert f"wholecomm-kit serve {session.path}" in message
    assert str(paths[1]) in message
    assert how_to_open_checklists(session) == message


def test_in_facilitator_mode_the_message_does_not_send_participants_to_the_app(session: Session) -> None:
    paths = prepare_checklists(session, mode="facilitator")
    message = how_to_open_checklists(session, paths, mode="facilitator")
    assert "breakout groups" in message
    assert f"jupyter lab {paths[0]}" in message
    assert "Participants (in the browser" not in message
    assert "Participants need no device in this mode" in message


def test_the_messages_are_german_when_the_interface_is(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHOLECOMM_LANG", "de")
    paths = prepare_checklists(session)
    message = how_to_open_checklists(session, paths)
    assert message.startswith("Checklisten-Notebooks (2):\n")
    assert f"Moderation: eines in JupyterLab öffnen, z. B.  jupyter lab {paths[0]}" in message
    assert f"Teilnehmende (im Browser, ohne Code): wholecomm-kit serve {session.path}" in message
    with pytest.raises(SessionError, match=re.escape("Unbekannter Checklisten-Modus 'plenary'. Möglich sind: self")):
        prepare_checklists(session, mode="plenary")
    with pytest.raises(SessionError, match="Unbekannte Sprache 'fr'"):
        prepare_checklists(session, language="fr")


@pytest.mark.slow
def test_a_prepared_checklist_really_runs_and_shows_the_widgets(session: Session, tmp_path: Path) -> None:
    run_widget_notebook(prepare_checklists(session)[0], tmp_path)


def test_prepare_also_writes_the_facilitator_notebooks(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from wholecomm_kit.cli import cli
    from wholecomm_kit.session import create_session

    session = create_session(
        municipality="Prepdorf",
        country="DE",
        size="rural",
        date="2025-06-12",
        fields="health,housing",
        language="en",
        directory=tmp_path,
    )
    result = CliRunner().invoke(cli, ["prepare", str(session.path)])
    assert result.exit_code == 0, result.output
    written = [Path(line) for line in result.stdout.splitlines()]
    assert [p.name for p in written] == ["health.ipynb", "housing.ipynb", "live_results.ipynb", "action_plan.ipynb"]
    for name in ("live_results.ipynb", "action_plan.ipynb"):
        notebook = read_notebook(session.path / "facilitator" / name)
        injected = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1
        assert repr(str(session.path)) in injected[0].source or f'"{session.path}"' in injected[0].source
    assert not (session.path / "checklists" / "live_results.ipynb").exists()
    from nbformat.sign import NotebookNotary

    notary = NotebookNotary()  # type: ignore[no-untyped-call]
    for path in written:  # signed, so JupyterLab and Voilà do not warn "not trusted" on every opening
        assert notary.check_signature(nbformat.read(path, as_version=4)), path  # type: ignore[no-untyped-call]
