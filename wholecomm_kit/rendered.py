"""A rendered chart: the record that :mod:`charts` draws and handouts, notebooks and the projector show.

Kept apart from :mod:`charts` so that showing a chart drawn elsewhere (see :mod:`prerender`) does
not import matplotlib.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Chart:
    """One rendered chart: the PNG, a textual description of what it shows and its title."""

    png: bytes
    alt: str
    title: str
    width: int
    """Pixels."""
    height: int
    empty: bool = False
    """True for a "no data yet" chart."""
    dpi: float = 110.0
    """Pixels per inch the chart was drawn for: at that size its type has its designed point size."""

    @property
    def css_size(self) -> tuple[int, int]:
        """Width and height in CSS pixels (1/96 inch), so the chart prints at its designed size."""
        return round(self.width * 96 / self.dpi), round(self.height * 96 / self.dpi)

    def data_uri(self) -> str:
        """The PNG as a ``data:`` URI, for ``<img src=…>`` in self-contained HTML."""
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")

    def html(self) -> str:
        """An ``<img>`` element with the alt text, for handouts and notebooks."""
        return (
            f'<img src="{self.data_uri()}" alt="{html.escape(self.alt)}" title="{html.escape(self.title)}" '
            f'width="{self.width}" height="{self.height}" style="max-width: 100%; height: auto;">'
        )

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_png_(self) -> bytes:
        return self.png
