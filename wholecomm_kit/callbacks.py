"""Widget callbacks that never lose an error, nor a warning.

ipywidgets swallows exceptions raised in ``observe`` and ``on_click`` callbacks
(they go to a log nobody sees, and nowhere at all in a headless run), so every
callback of the kit's widgets is wrapped to hand the exception to a handler
that shows it to the person at the screen. Warnings are not shown on a page at
all: rows the store moved aside are shown as a notice instead.
"""

from __future__ import annotations

import html
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


def moved_rows_notice(messages: list[str]) -> str:
    """Rows moved to a ``.damaged`` file (see :func:`~wholecomm_kit.store.moved_rows`), one a paragraph, announced
    at once; empty without any."""
    if not messages:
        return ""
    body = "".join(f"<p>{html.escape(message)}</p>" for message in messages)
    return f'<div class="wck-status-error" role="alert">{body}</div>'
