"""Ready-to-run checklist notebooks for a session.

The template ``notebooks/checklist.ipynb`` has a papermill ``parameters`` cell;
:func:`prepare_checklists` writes one parameterised copy per assessed field into
``<session>/checklists/<field_id>.ipynb`` without running it, so a facilitator
can open it in JupyterLab and participants can get it through Voila.
"""

from __future__ import annotations

import contextlib
import shlex
from pathlib import Path

from .catalog import LANGUAGES, load_catalog
from .checklist import MODES
from .exceptions import SessionError
from .resources import notebooks_dir
from .session import Session, load_session
from .texts import os_reason, say

__all__ = [
    "CHECKLIST_DIR",
    "CHECKLIST_TEMPLATE",
    "FACILITATOR_DIR",
    "how_to_open_checklists",
    "prepare_checklists",
    "prepare_facilitator_notebooks",
]

CHECKLIST_DIR = "checklists"
CHECKLIST_TEMPLATE = "checklist.ipynb"
FACILITATOR_DIR = "facilitator"
FACILITATOR_TEMPLATES = ("live_results.ipynb", "action_plan.ipynb")


def _session(session: Session | Path | str) -> Session:
    return session if isinstance(session, Session) else load_session(session)


def _trust(path: Path, title: str | None = None) -> None:
    """Give a notebook the kit wrote its page title (the browser tab), then sign it as ``jupyter trust`` does.

    JupyterLab and Voilà warn "Notebook … is not trusted" each time an unsigned notebook is opened,
    which during a workshop means one warning per participant in the facilitator's terminal.
    Trust is a convenience: where the signature store cannot be written, the notebook stays unsigned.
    """
    import sqlite3

    import nbformat
    from nbformat.sign import NotebookNotary

    notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    if title is not None:
        notebook.metadata["title"] = title
        nbformat.write(notebook, path)  # type: ignore[no-untyped-call]
    with contextlib.suppress(OSError, sqlite3.Error):  # an unsigned notebook still works; it only warns
        NotebookNotary().sign(notebook)  # type: ignore[no-untyped-call]


def literal_path(path: Path | str) -> str:
    """A path for papermill, which reads ``{name}`` in a path as a template: "Workshops {2025}" stays as it is."""
    return str(path).replace("{", "{{").replace("}", "}}")


def checklist_path(session: Session, field_id: str) -> Path:
    return session.path / CHECKLIST_DIR / f"{field_id}.ipynb"


def prepare_checklists(session: Session | Path | str, *, language: str | None = None, mode: str = "self") -> list[Path]:
    """Write ``<session>/checklists/<field_id>.ipynb`` for every field of the session and return the paths.

    The copies carry the absolute session folder, the field, the language (the session's unless given) and the
    mode as papermill parameters; nothing is executed. Existing copies are replaced.
    """
    import papermill

    current = _session(session)
    chosen = language or current.language
    if chosen not in LANGUAGES:
        raise SessionError(say("notebooks.unknown_language", lang=repr(chosen), choices=", ".join(LANGUAGES)))
    if mode not in MODES:
        raise SessionError(say("notebooks.unknown_mode", mode=repr(mode), choices=", ".join(MODES)))
    template = notebooks_dir() / CHECKLIST_TEMPLATE
    if not template.is_file():
        raise SessionError(say("notebooks.template_missing", template=template))
    folder = current.path / CHECKLIST_DIR
    current_catalog = load_catalog()
    written = []
    try:
        folder.mkdir(exist_ok=True)
        for field_id in current.fields:
            target = checklist_path(current, field_id)
            papermill.execute_notebook(
                literal_path(template),
                literal_path(target),
                parameters={
                    "session_dir": str(current.path.resolve()),
                    "field_id": field_id,
                    "language": chosen,
                    "mode": mode,
                },
                prepare_only=True,
                kernel_name="python3",
                progress_bar=False,
            )
            field_title = current_catalog.field(field_id).title.get(chosen)
            _trust(target, f"{field_title} – {current.municipality}")
            written.append(target)
    except OSError as exc:
        reason = os_reason(exc)
        raise SessionError(say("notebooks.cannot_write_checklists", folder=folder, reason=reason)) from exc
    return written


def how_to_open_checklists(
    session: Session | Path | str, paths: list[Path] | None = None, *, mode: str = "self"
) -> str:
    """A short message on how facilitators and participants open the prepared checklists (interface language).

    In facilitator mode the breakout groups have no devices, so the participant app is not offered.
    """
    current = _session(session)
    notebooks = paths if paths is not None else [checklist_path(current, f) for f in current.fields]
    listed = "\n".join(f"  {p}" for p in notebooks)
    first = notebooks[0] if notebooks else checklist_path(current, current.fields[0])
    # Quoted, so that a path with spaces can be copied into the terminal as it is.
    return say(
        "notebooks.how_to_open" if mode == "self" else "notebooks.how_to_open_facilitator",
        count=len(notebooks),
        listed=listed,
        first=shlex.quote(str(first)),
        session=shlex.quote(str(current.path)),
    )


def prepare_facilitator_notebooks(session: Session | Path | str, *, language: str | None = None) -> list[Path]:
    """Write the live-results and action-plan notebooks, set to this session, into ``<session>/facilitator/``.

    They stay out of ``checklists/``, which is what participants reach through ``serve``.
    """
    import papermill

    current = _session(session)
    folder = current.path / FACILITATOR_DIR
    written = []
    try:
        folder.mkdir(exist_ok=True)
        for name in FACILITATOR_TEMPLATES:
            papermill.execute_notebook(
                literal_path(notebooks_dir() / name),
                literal_path(folder / name),
                parameters={"session_dir": str(current.path.resolve()), "language": language or current.language},
                prepare_only=True,
                kernel_name="python3",
                progress_bar=False,
            )
            _trust(folder / name)
            written.append(folder / name)
    except OSError as exc:
        reason = os_reason(exc)
        raise SessionError(say("notebooks.cannot_write_facilitator", folder=folder, reason=reason)) from exc
    return written
