"""The kit's exceptions, with messages written for facilitators.

Every error the kit raises on purpose is a :class:`KitError`; the command line
prints its message without a traceback. Errors about a place in a user's file
carry that place, so the message can say where to look.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class KitError(Exception):
    """Base class: something the person running the kit can fix."""


class CatalogError(KitError):
    """The toolbox catalogue in ``data/toolbox`` is inconsistent."""


class SessionError(KitError):
    """A session folder is missing, broken, or would be created wrongly."""


class StoreError(KitError):
    """A session's CSV files cannot be read or written safely."""


@dataclass(frozen=True)
class Problem:
    """One bad spot in a user's file: where it is and what is wrong."""

    file: Path
    line: int | None
    column: str | None
    reason: str
    sheet: str | None = None
    """In a spreadsheet workbook: the worksheet; ``line`` is then its row number, as the spreadsheet shows it."""
    cell: str | None = None
    """In a spreadsheet workbook: the cell, such as ``E4``."""
    placed: bool = False
    """The reason already says where (a whole message of the kit's naming its file): shown as it is."""

    def __str__(self) -> str:
        from .texts import say  # texts reports its own problems with the exceptions here

        if self.placed:
            return self.reason
        where = str(self.file)
        if self.sheet is not None:
            where = say("problem.sheet", where=where, sheet=repr(self.sheet))
        if self.line is not None:
            where = say("problem.row" if self.sheet is not None else "problem.line", where=where, line=self.line)
        if self.column:
            where = say("problem.column", where=where, column=repr(self.column))
        if self.cell:
            where = say("problem.cell", where=where, cell=self.cell)
        return say("problem.reason", where=where, reason=self.reason)


class InputError(KitError):
    """User data (a CSV, a session file, an argument) is not valid.

    Holds every problem found, so a facilitator can fix them all at once.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
