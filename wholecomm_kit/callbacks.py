"""Widget callbacks that never lose an error.

ipywidgets swallows exceptions raised in ``observe`` and ``on_click`` callbacks
(they go to a log nobody sees, and nowhere at all in a headless run), so every
callback of the kit's widgets is wrapped to hand the exception to a handler
that shows it to the person at the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def guarded(action: Callable[[Any], object], on_error: Callable[[BaseException], None]) -> Callable[[Any], None]:
    """``action`` as a widget callback whose exceptions go to ``on_error`` instead of vanishing."""

    def run(argument: Any) -> None:
        try:
            action(argument)
        except Exception as exc:
            on_error(exc)

    return run
