"""Charts for the post-workshop handout and the live-results projector view.

Every chart is drawn from the tables of :mod:`wholecomm_kit.analysis` and comes back as a :class:`Chart`:
PNG bytes, a textual description (``alt``) with the key numbers and the title, all in the chart's
language. Nothing here computes a statistic of its own; the charts only show what analysis.py defines.

* Drawing uses :class:`matplotlib.figure.Figure` with the Agg canvas directly, never pyplot: no global
  figure registry (so nothing leaks, whatever the number of charts), no global state changed (no
  ``rcParams``), safe to call from several threads at once.
* Colours: Okabe–Ito for categories, an ordered colour-blind-safe scale (viridis) for the ratings 0–3,
  two different greys with different hatching for "don't know" and "not applicable". No information is
  carried by colour alone: bars are labelled directly, hatched or told apart by marker shape, and text
  on coloured areas is black or white, whichever has the higher contrast (at least WCAG AA, 4.5 : 1).
* Text uses DejaVu Sans (shipped with matplotlib, with umlauts, "–" and "⚠"); any character it lacks
  is replaced by "?" instead of being left to a "Glyph missing" warning.
* The same input gives byte-identical PNGs (no software version or date in the file).
* ``projector=True`` draws for the live-results view (large type, at least 18 pt); ``scale`` zooms
  any chart (sizes and type) for other media.
* Without data (no answers, no ratings where a chart needs them, a field not assessed …) every chart
  returns a small chart saying "no data yet" and why, instead of raising.
"""

from __future__ import annotations

import functools
import io
import math
import textwrap
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.transforms import Bbox, blended_transform_factory
from PIL import Image

from .analysis import DISPUTED_MIN_RATINGS, DISPUTED_MIN_SD, OTHER_GROUPS, Analysis, Comparison, GroupBreakdown
from .catalog import Catalog, load_catalog
from .formatting import number as _number
from .formatting import percent as _percent
from .formatting import signed as _signed
from .rendered import Chart
from .texts import t

__all__ = [
    "DONT_KNOW_COLOUR",
    "FONT_FAMILY",
    "HANDOUT",
    "MUTED_COLOUR",
    "NOT_APPLICABLE_COLOUR",
    "OKABE_ITO",
    "PROJECTOR",
    "RATING_COLOURS",
    "TEXT_COLOUR",
    "Chart",
    "Style",
    "all_charts",
    "answer_distribution",
    "change_since_last",
    "contrast_ratio",
    "field_index_overview",
    "priority_vs_rating",
    "stakeholder_groups",
    "style_for",
    "text_colour_on",
]

FONT_FAMILY = "DejaVu Sans"

OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
"""The Okabe–Ito palette, distinguishable with every common colour-vision deficiency."""

RATING_COLOURS: tuple[str, ...] = ("#440154", "#31688E", "#35B779", "#FDE725")
"""Ratings 0 … 3: viridis, ordered in lightness (so also in greyscale) and colour-blind safe."""
DONT_KNOW_COLOUR = "#D4D4D4"
NOT_APPLICABLE_COLOUR = "#8C8C8C"
DONT_KNOW_HATCH = "///"
NOT_APPLICABLE_HATCH = "..."
HATCH_EDGE = "#404040"

TEXT_COLOUR = "#1A1A1A"
MUTED_COLOUR = "#595959"
"""Secondary text: 7 : 1 on white, well above WCAG AA."""
GRID_COLOUR = "#D9D9D9"
INDEX_COLOUR = OKABE_ITO["blue"]
PREVIOUS_COLOUR = OKABE_ITO["sky_blue"]
PREVIOUS_HATCH = "//"
DISPUTED_COLOUR = OKABE_ITO["vermillion"]
GROUP_COLOURS: tuple[str, ...] = tuple(
    OKABE_ITO[name]
    for name in ("blue", "orange", "bluish_green", "vermillion", "sky_blue", "reddish_purple", "yellow", "black")
)
OTHER_GROUPS_COLOUR = "#8C8C8C"
WARNING_SIGN = "⚠"

# --- result --------------------------------------------------------------------------------------------


# --- sizes ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """Sizes of one medium: figure width (inches), resolution, base type size (pt), minimum row height (inches)."""

    width: float
    dpi: float
    font: float
    row: float

    @property
    def small(self) -> float:
        """Value labels, legends and notes."""
        return self.font * 0.9

    @property
    def title(self) -> float:
        return self.font * 1.2

    def chars(self, share: float, size: float | None = None) -> int:
        """About how many characters of type ``size`` fit into ``share`` of the figure width."""
        return max(12, int(share * self.width * 72 / (0.58 * (size or self.font))))

    def lines(self, count: float, size: float | None = None, spacing: float = 1.4) -> float:
        """Inches taken by ``count`` lines of type ``size``."""
        return count * (size or self.font) * spacing / 72

    @property
    def pad(self) -> float:
        """Inches between rows."""
        return 0.09 * self.font / 9

    @property
    def bar(self) -> float:
        """Inches of a bar's thickness."""
        return 0.66 * self.row


HANDOUT = Style(width=6.5, dpi=110, font=9.0, row=0.3)
"""Fits the text width of an A4 page (16.5 cm) at 110 dpi."""
PROJECTOR = Style(width=13.0, dpi=96, font=20.0, row=0.62)
"""The live-results view: about 1250 pixels wide, type of 18 pt and more."""


def style_for(projector: bool = False, scale: float = 1.0) -> Style:
    """The handout or projector style, zoomed by ``scale`` (sizes and type; the resolution stays)."""
    if not (isinstance(scale, int | float) and math.isfinite(scale) and 0.2 <= scale <= 5):
        raise ValueError(f"scale must be a number between 0.2 and 5, not {scale!r}")
    base = PROJECTOR if projector else HANDOUT
    return Style(width=base.width * scale, dpi=base.dpi, font=base.font * scale, row=base.row * scale)


# --- colours -------------------------------------------------------------------------------------------


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _luminance(colour: str) -> float:
    hex_digits = colour.lstrip("#")
    r, g, b = (int(hex_digits[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio of two ``#RRGGBB`` colours (1 … 21)."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(fill: str) -> str:
    """Near-black or white, whichever contrasts more with ``fill``."""
    return max((TEXT_COLOUR, "#FFFFFF"), key=lambda colour: contrast_ratio(colour, fill))


# --- text ----------------------------------------------------------------------------------------------


@functools.cache
def _glyphs() -> frozenset[int]:
    path = findfont(FontProperties(family=FONT_FAMILY))
    return frozenset(get_font(path).get_charmap())


def _clean(text: str) -> str:
    """The text with every character DejaVu Sans cannot draw replaced by "?"."""
    glyphs = _glyphs()
    composed = unicodedata.normalize("NFC", text)
    return "".join(ch if ch == "\n" or ord(ch) in glyphs else "?" for ch in composed)


def _wrap(text: str, width: int) -> str:
    lines = textwrap.wrap(_clean(text), width=width, break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines) or _clean(text)


def _kw(size: float, colour: str = TEXT_COLOUR, **extra: Any) -> dict[str, Any]:
    """Text properties that do not depend on rcParams: font, size, colour, no mathtext."""
    return {"fontfamily": FONT_FAMILY, "fontsize": size, "color": colour, "parse_math": False, **extra}


def _count(key: str, n: int, language: str) -> str:
    return t(f"charts.{key}_{'one' if n == 1 else 'other'}", language, n=n)


def _join(items: Sequence[str]) -> str:
    return "; ".join(items)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as plain dicts (column → value)."""
    return [{str(key): value for key, value in row.items()} for row in frame.to_dict("records")]


def _field_title(catalog: Catalog, field_id: str, language: str) -> str:
    try:
        return catalog.field(field_id).title.get(language)
    except KeyError:
        return field_id


def _group_label(catalog: Catalog, group: str, language: str) -> str:
    if group == OTHER_GROUPS:
        return t("charts.other_groups", language)
    try:
        return catalog.label("stakeholder_groups", group, language)
    except KeyError:
        return group


def _rating_label(catalog: Catalog, value: int, language: str) -> str:
    return catalog.label("ratings", value, language)


# --- figures -------------------------------------------------------------------------------------------


def _figure(style: Style, height: float) -> Figure:
    figure = Figure(figsize=(style.width, height), dpi=style.dpi, facecolor="white", layout="constrained")
    FigureCanvasAgg(figure)
    engine = figure.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        pad = 0.06 * style.font / 9
        engine.set(w_pad=pad, h_pad=pad)
    return figure


def _title(figure: Figure, style: Style, title: str) -> None:
    figure.suptitle(
        _wrap(title, style.chars(0.95, style.title)), x=0.01, ha="left", **_kw(style.title, fontweight="bold")
    )


def _note(ax: Axes, style: Style, lines: Sequence[str]) -> None:
    """Notes under the x axis label, left-aligned and muted (part of the layout, so nothing overlaps)."""
    if lines:
        text = "\n".join(_wrap(line, style.chars(0.95, style.small)) for line in lines)
        ax.annotate(
            text,
            xy=(0.01, 0),
            xycoords=("figure fraction", ax.xaxis.label),
            xytext=(0, -0.6 * style.font),
            textcoords="offset points",
            ha="left",
            va="top",
            annotation_clip=False,
            **_kw(style.small, MUTED_COLOUR),
        )


def _axes(figure: Figure, style: Style) -> Axes:
    ax = figure.add_subplot()
    ax.set_facecolor("white")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED_COLOUR)
    ax.tick_params(
        labelsize=style.font,
        labelcolor=TEXT_COLOUR,
        labelfontfamily=FONT_FAMILY,
        color=MUTED_COLOUR,
        width=0.8 * style.font / 9,
        length=3 * style.font / 9,
    )
    return ax


def _index_axis(ax: Axes, style: Style, label: str, *, percent: str | None = None) -> None:
    """An x axis 0 … 100 with a light grid; ``percent`` appends that sign to the tick labels."""
    ax.set_xlim(0, 100)
    ticks = [0, 25, 50, 75, 100]
    ax.set_xticks(ticks, [f"{tick}{percent or ''}" for tick in ticks], **_kw(style.font))
    ax.xaxis.grid(True, color=GRID_COLOUR, linewidth=0.8 * style.font / 9)
    ax.set_axisbelow(True)
    ax.set_xlabel(_wrap(label, style.chars(0.62)), **_kw(style.font))


def _row_heights(style: Style, labels: Sequence[str], minimum: float) -> list[float]:
    """Inches per row: enough for the row's label lines, at least ``minimum``."""
    return [max(minimum, style.lines(label.count("\n") + 1, spacing=1.2) + style.pad) for label in labels]


def _rows(
    ax: Axes, style: Style, labels: Sequence[str], heights: Sequence[float], *, bold: Sequence[bool] = ()
) -> None:
    """Row labels on the y axis, first row at the top; y is measured in inches from the top."""
    ax.set_yticks(_centres(heights), list(labels), **_kw(style.font))
    for tick, is_bold in zip(ax.get_yticklabels(), bold, strict=False):
        if is_bold:
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(sum(heights), 0)


def _centres(heights: Sequence[float]) -> list[float]:
    return [sum(heights[:i]) + height / 2 for i, height in enumerate(heights)]


def _right_labels(
    ax: Axes, style: Style, heights: Sequence[float], labels: Sequence[str], colour: str = MUTED_COLOUR
) -> None:
    """A second column of labels at the right of the rows (counts, changes)."""
    right = ax.secondary_yaxis("right")
    right.set_yticks(_centres(heights), list(labels), **_kw(style.small, colour))
    right.tick_params(length=0)
    right.spines["right"].set_visible(False)


def _value_label(ax: Axes, style: Style, x: float, y: float, text: str, fill: str | None) -> None:
    """A value at the end of a horizontal bar: inside if it fits (and ``fill`` is plain), else just after it."""
    if fill is not None and x >= 14:
        ax.text(x - 1.2, y, text, ha="right", va="center", **_kw(style.small, text_colour_on(fill)))
    else:
        ax.text(x + 1.2, y, text, ha="left", va="center", **_kw(style.small))


def _height(style: Style, rows: float, extra_lines: float = 0) -> float:
    """Figure height: ``rows`` inches of rows plus title, x axis and ``extra_lines`` of small type."""
    return rows + style.lines(2.4, style.title) + style.lines(3.2) + style.lines(extra_lines, style.small)


def _legend(ax: Axes, style: Style, handles: Sequence[Patch | Line2D], columns: int) -> Legend:
    """The legend between title and chart, centred on the figure."""
    figure = ax.get_figure()
    assert figure is not None
    return ax.legend(
        handles=list(handles),
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        bbox_transform=blended_transform_factory(figure.transFigure, ax.transAxes),
        ncols=columns,
        frameon=False,
        prop=FontProperties(family=FONT_FAMILY, size=style.small),
        labelcolor=TEXT_COLOUR,
        handlelength=1.6,
        handleheight=1.1,
        columnspacing=1.2,
        borderaxespad=0.3,
    )


def _render(figure: Figure, title: str, alt: str, *, empty: bool = False) -> Chart:
    for text in figure.findobj(Text):
        if isinstance(text, Text):
            text.set_fontfamily(FONT_FAMILY)
            text.set_parse_math(False)
    canvas = figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    canvas.draw()  # type: ignore[no-untyped-call]
    rgba = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
    image = Image.frombuffer("RGBA", canvas.get_width_height(), rgba, "raw", "RGBA", 0, 1)
    # A 256-colour palette keeps every colour of the chart and makes the PNG about a quarter the size:
    # the handout embeds a dozen charts, so this is what decides its size and how fast it prints.
    palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG")
    width, height = palette.size
    return Chart(png=buffer.getvalue(), alt=alt, title=title, width=width, height=height, empty=empty, dpi=figure.dpi)


def _no_data(style: Style, title: str, reason: str, language: str) -> Chart:
    """A small chart that says there is nothing to show yet, and why."""
    # On its own under "No data yet" the reason is a sentence; in the alt text it follows a dash.
    wrapped_reason = _wrap(reason[:1].upper() + reason[1:], style.chars(0.9, style.small))
    figure = _figure(style, style.lines(2, style.title) + style.lines(2.5, style.title * 1.3) + 0.5 * style.font / 9)
    _title(figure, style, title)
    ax = figure.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.62, t("charts.no_data", language), ha="center", va="center", **_kw(style.title * 1.3, MUTED_COLOUR))
    ax.text(0.5, 0.12, wrapped_reason, ha="center", va="center", **_kw(style.small, MUTED_COLOUR))
    alt = t("charts.no_data_alt", language, title=title, reason=reason)
    return _render(figure, title, alt, empty=True)


def _check_language(language: str, catalog: Catalog) -> None:
    if language not in catalog.languages:
        raise KeyError(f"unknown language {language!r}; choose from {', '.join(catalog.languages)}")


# --- 1 field index overview ----------------------------------------------------------------------------


def field_index_overview(
    fields_table: pd.DataFrame,
    catalog: Catalog,
    language: str,
    *,
    projector: bool = False,
    scale: float = 1.0,
) -> Chart:
    """Horizontal bars of the field index (0–100) per field, from :func:`analysis.field_index`.

    Fields without ratings get the text "no ratings yet" instead of a bar.
    """
    _check_language(language, catalog)
    style = style_for(projector, scale)
    title = t("charts.field_index_title", language)
    table = fields_table.reset_index(drop=True)
    if table.empty or table["index"].isna().all():
        answered = not table.empty and int(table["n_respondents"].sum()) > 0
        reason = t("charts.reason_no_ratings" if answered else "charts.reason_no_answers", language)
        return _no_data(style, title, reason, language)

    labels = [_wrap(_field_title(catalog, str(f), language), style.chars(0.3)) for f in table["field_id"]]
    heights = _row_heights(style, labels, 1.5 * style.row)
    figure = _figure(style, _height(style, sum(heights)))
    _title(figure, style, title)
    ax = _axes(figure, style)
    items: list[str] = []
    for y, record in zip(_centres(heights), _records(table), strict=True):
        field = _field_title(catalog, str(record["field_id"]), language)
        people = _count("people", int(record["n_respondents"]), language)
        value = float(record["index"])
        if math.isnan(value):
            ax.text(1.2, y, t("charts.no_ratings_yet", language), va="center", **_kw(style.small, MUTED_COLOUR))
            items.append(t("charts.field_index_alt_unrated", language, field=field, people=people))
            continue
        ax.barh(y, value, height=1.3 * style.bar, color=INDEX_COLOUR)
        _value_label(ax, style, value, y, _number(value, language), INDEX_COLOUR)
        items.append(
            t(
                "charts.field_index_alt_item",
                language,
                field=field,
                value=_number(value, language),
                rated=int(record["n_standards_rated"]),
                standards=int(record["n_standards"]),
                people=people,
            )
        )
    _rows(ax, style, labels, heights)
    _right_labels(ax, style, heights, [t("charts.answers_n", language, n=int(n)) for n in table["n_respondents"]])
    _index_axis(ax, style, t("charts.index_axis", language))
    alt = t("charts.field_index_alt", language, title=title, items=_join(items))
    return _render(figure, title, alt)


# --- 2 answer distribution -----------------------------------------------------------------------------

_ANSWER_COLUMNS: tuple[str, ...] = (
    "n_rating_0",
    "n_rating_1",
    "n_rating_2",
    "n_rating_3",
    "n_dont_know",
    "n_not_applicable",
)


def _answer_categories(catalog: Catalog, language: str) -> list[tuple[str, str, str, str, str]]:
    """(column, legend label, short mark, fill colour, hatch) per kind of answer, in drawing order."""
    ratings = [
        (f"n_rating_{k}", f"{k} – {_rating_label(catalog, k, language)}", str(k), RATING_COLOURS[k], "")
        for k in range(len(RATING_COLOURS))
    ]
    return [
        *ratings,
        ("n_dont_know", catalog.label("responses", "dont_know", language), "", DONT_KNOW_COLOUR, DONT_KNOW_HATCH),
        (
            "n_not_applicable",
            catalog.label("responses", "not_applicable", language),
            "",
            NOT_APPLICABLE_COLOUR,
            NOT_APPLICABLE_HATCH,
        ),
    ]


def _answer_names(catalog: Catalog, language: str) -> list[str]:
    """The catalogue's names of the answers, in the order of ``_ANSWER_COLUMNS`` (for alt texts)."""
    ratings = [_rating_label(catalog, k, language) for k in range(len(RATING_COLOURS))]
    return [*ratings, *(catalog.label("responses", r, language) for r in ("dont_know", "not_applicable"))]


def _standard_rows(summary: pd.DataFrame, field_id: str) -> pd.DataFrame:
    return summary[summary["field_id"] == field_id].reset_index(drop=True)


def _field_reason(rows: pd.DataFrame, language: str) -> str | None:
    """Why a field has nothing to show (not assessed, no answers, no ratings), or None."""
    if rows.empty:
        return t("charts.reason_not_assessed", language)
    if int(rows["n_answers"].sum()) == 0:
        return t("charts.reason_no_answers", language)
    if int(rows["n_rated"].sum()) == 0:
        return t("charts.reason_no_ratings", language)
    return None


def _disputed_ids(rows: pd.DataFrame) -> list[str]:
    return [str(s) for s, disputed in zip(rows["standard_id"], rows["disputed"], strict=True) if bool(disputed)]


def answer_distribution(
    summary: pd.DataFrame,
    field_id: str,
    catalog: Catalog,
    language: str,
    *,
    projector: bool = False,
    scale: float = 1.0,
) -> Chart:
    """Per standard of the field, a 100 % stacked bar of the current answers, from :func:`analysis.standard_summary`.

    Rows in catalogue order, labelled "short label (id)", "⚠" for disputed standards; answers 0–3,
    "don't know" and "not applicable". Only "don't know" answers still make a chart (they are answers).
    """
    _check_language(language, catalog)
    style = style_for(projector, scale)
    field = _field_title(catalog, field_id, language)
    title = t("charts.distribution_title", language, field=field)
    rows = _standard_rows(summary, field_id)
    if rows.empty or int(rows["n_answers"].sum()) == 0:
        return _no_data(style, title, _field_reason(rows, language) or "", language)

    categories = _answer_categories(catalog, language)
    labels = []
    for standard_id, disputed in zip(rows["standard_id"], rows["disputed"], strict=True):
        short = catalog.standard(str(standard_id)).short.get(language)
        mark = f" {WARNING_SIGN}" if bool(disputed) else ""
        labels.append(_wrap(f"{short} ({standard_id}){mark}", style.chars(0.4)))
    heights = _row_heights(style, labels, style.row)
    disputed_ids = _disputed_ids(rows)
    note_lines = 2.4 if disputed_ids else 0
    legend_lines = 4.4
    figure = _figure(style, _height(style, sum(heights), legend_lines + note_lines))
    _title(figure, style, title)
    ax = _axes(figure, style)
    items: list[str] = []
    min_width = 4.0
    # one barh call per answer category (not per segment): matplotlib's cost is per call
    segments: list[tuple[list[float], list[float], list[float]]] = [([], [], []) for _ in categories]
    for y, record in zip(_centres(heights), _records(rows), strict=True):
        counts = [int(record[column]) for column in _ANSWER_COLUMNS]
        total = sum(counts)
        short = catalog.standard(str(record["standard_id"])).short.get(language)
        if total == 0:
            ax.text(1.2, y, t("charts.no_answers_yet", language), va="center", **_kw(style.small, MUTED_COLOUR))
            items.append(t("charts.distribution_alt_unanswered", language, standard=short, id=record["standard_id"]))
            continue
        left = 0.0
        for position, (count, (_, _, mark, colour, _)) in enumerate(zip(counts, categories, strict=True)):
            if count == 0:
                continue
            width = count / total * 100
            ys, widths, lefts = segments[position]
            ys.append(y)
            widths.append(width)
            lefts.append(left)
            if mark and width >= min_width:
                ax.text(left + width / 2, y, mark, ha="center", va="center", **_kw(style.small, text_colour_on(colour)))
            left += width
        text = ", ".join(
            f"{name} {count}" for count, name in zip(counts, _answer_names(catalog, language), strict=True) if count
        )
        mean = float(record["mean"])
        if not math.isnan(mean):
            text += t("charts.distribution_alt_mean", language, mean=_number(mean, language, 1))
        disputed_text = f" – {t('charts.disputed_word', language)}" if bool(record["disputed"]) else ""
        items.append(
            t(
                "charts.distribution_alt_item",
                language,
                standard=short,
                id=record["standard_id"],
                disputed=disputed_text,
                answers=total,
                counts=text,
            )
        )
    for (ys, widths, lefts), (_, _, _, colour, hatch) in zip(segments, categories, strict=True):
        if ys:
            ax.barh(
                ys,
                widths,
                left=lefts,
                height=style.bar,
                color=colour,
                hatch=hatch or None,
                edgecolor=HATCH_EDGE if hatch else "white",
                linewidth=0.5 if hatch else 0.8,
            )
    _rows(ax, style, labels, heights)
    _right_labels(ax, style, heights, [t("charts.answers_n", language, n=int(n)) for n in rows["n_answers"]])
    _index_axis(ax, style, t("charts.share_axis", language), percent=" %" if language == "de" else "%")
    legend_width = style.chars(0.3, style.small)
    handles = [
        Patch(
            facecolor=colour,
            hatch=hatch or None,
            edgecolor=HATCH_EDGE if hatch else colour,
            linewidth=0.5,
            label=_wrap(label, legend_width),
        )
        for _, label, _, colour, hatch in categories
    ]
    _legend(ax, style, handles, columns=3)
    sd = _number(DISPUTED_MIN_SD, language, 1)
    if disputed_ids:
        _note(ax, style, [t("charts.disputed_note", language, min=DISPUTED_MIN_RATINGS, sd=sd)])
    alt = t("charts.distribution_alt", language, title=title, items=_join(items))
    if disputed_ids:
        alt += " " + t(
            "charts.distribution_alt_disputed", language, min=DISPUTED_MIN_RATINGS, sd=sd, ids=", ".join(disputed_ids)
        )
    return _render(figure, title, alt)


# --- 3 priority against rating -------------------------------------------------------------------------

# Candidate places of a label around its point: the direction from the point to an anchor and which point of
# the label's box sits at the anchor (fractions of its width and height), in order of preference.
_LABEL_TEMPLATES = np.array(
    [
        (1.0, 0.0, 0.0, 0.5),  # right
        (-1.0, 0.0, 1.0, 0.5),  # left
        (0.0, 1.0, 0.5, 0.0),  # above
        (0.0, -1.0, 0.5, 1.0),  # below
        (0.71, 0.71, 0.0, 0.0),  # above right
        (-0.71, 0.71, 1.0, 0.0),  # above left
        (0.71, -0.71, 0.0, 1.0),  # below right
        (-0.71, -0.71, 1.0, 1.0),  # below left
        (0.0, 1.0, 0.1, 0.0),  # above, starting at the point
        (0.0, 1.0, 0.9, 0.0),  # above, ending at the point
        (0.0, -1.0, 0.1, 1.0),  # below, starting at the point
        (0.0, -1.0, 0.9, 1.0),  # below, ending at the point
        (1.0, 0.0, 0.0, 0.1),  # right, a little higher
        (1.0, 0.0, 0.0, 0.9),  # right, a little lower
        (-1.0, 0.0, 1.0, 0.1),  # left, a little higher
        (-1.0, 0.0, 1.0, 0.9),  # left, a little lower
    ]
)
_LABEL_RINGS = np.array([0.0, 0.4, 1.2, 2.0, 3.0, 4.5])
"""How much farther than the nearest place a label may go, in label heights (from the third on, with a leader)."""
_RING = np.repeat(np.arange(len(_LABEL_RINGS)), len(_LABEL_TEMPLATES))
_TEMPLATE = np.tile(np.arange(len(_LABEL_TEMPLATES)), len(_LABEL_RINGS))


def _box_distances(boxes: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Distance from each box (x0, y0, x1, y1) to each point: rows are boxes, columns points (pixels)."""
    dx = np.maximum(np.maximum(boxes[:, None, 0] - points[None, :, 0], points[None, :, 0] - boxes[:, None, 2]), 0)
    dy = np.maximum(np.maximum(boxes[:, None, 1] - points[None, :, 1], points[None, :, 1] - boxes[:, None, 3]), 0)
    result: np.ndarray = np.hypot(dx, dy)
    return result


def _overlaps(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Area each box shares with each of the others: rows are boxes, columns the others (pixels²)."""
    width = np.minimum(boxes[:, None, 2], others[None, :, 2]) - np.maximum(boxes[:, None, 0], others[None, :, 0])
    height = np.minimum(boxes[:, None, 3], others[None, :, 3]) - np.maximum(boxes[:, None, 1], others[None, :, 1])
    result: np.ndarray = np.clip(width, 0, None) * np.clip(height, 0, None)
    return result


def _through(segments: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Whether each segment (x0, y0, x1, y1) runs through each box: rows are segments, columns boxes."""
    start = segments[:, None, :2]
    direction = segments[:, None, 2:] - start
    direction = np.where(np.abs(direction) < 1e-9, 1e-9, direction)
    low, high = (boxes[None, :, :2] - start) / direction, (boxes[None, :, 2:] - start) / direction
    enter, leave = np.minimum(low, high).max(axis=2), np.maximum(low, high).min(axis=2)
    result: np.ndarray = (enter < leave) & (leave > 0) & (enter < 1)
    return result


def _crossing(segments: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Whether each segment (x0, y0, x1, y1) crosses each of the others (touching ends do not count)."""
    start, direction = segments[:, None, :2], segments[:, None, 2:] - segments[:, None, :2]
    other_start, other_direction = others[None, :, :2], others[None, :, 2:] - others[None, :, :2]

    def side(origin: np.ndarray, along: np.ndarray, point: np.ndarray) -> np.ndarray:
        result: np.ndarray = along[..., 0] * (point[..., 1] - origin[..., 1]) - along[..., 1] * (
            point[..., 0] - origin[..., 0]
        )
        return result

    result: np.ndarray = (
        side(start, direction, other_start) * side(start, direction, other_start + other_direction) < 0
    ) & (side(other_start, other_direction, start) * side(other_start, other_direction, start + direction) < 0)
    return result


@dataclass(frozen=True)
class _Taken:
    """What placed labels take (pixels): their boxes (with room around) and their leader lines."""

    boxes: np.ndarray  # (n, 4): x0, y0, x1, y1
    segments: np.ndarray  # (m, 4): x0, y0, x1, y1

    @classmethod
    def join(cls, parts: Sequence[_Taken]) -> _Taken:
        if not parts:
            return cls(np.empty((0, 4)), np.empty((0, 4)))
        return cls(np.vstack([part.boxes for part in parts]), np.vstack([part.segments for part in parts]))

    @property
    def hull(self) -> np.ndarray:
        """(1, 4): the box around everything taken."""
        corners = np.vstack([self.boxes.reshape(-1, 2), self.segments.reshape(-1, 2)])
        return np.hstack([corners.min(axis=0), corners.max(axis=0)])[None, :]


@dataclass
class _LabelPlaces:
    """The candidate places of every point's label (pixels): a row per label, a column per place (rings of
    ``_LABEL_TEMPLATES``), and what speaks against each place."""

    hulls: np.ndarray  # (labels, 4): the box around a label's places and its point
    boxes: np.ndarray  # (labels, places, 4): x0, y0, x1, y1
    leader: np.ndarray  # needs a leader line: too far from its point to be read as its label without one
    segments: np.ndarray  # (labels, places, 4): the leader line, from just outside the marker to the label
    ambiguity: np.ndarray  # pixels another point is too near: about as near as its own (with a leader: quite near)
    fixed_covered: np.ndarray  # pixels² of markers covered and of the label outside the axes
    fixed_crossings: np.ndarray  # markers the leader line runs through
    covered: np.ndarray  # the same, the labels placed so far included
    crossings: np.ndarray  # the same, the labels and leader lines placed so far included

    @classmethod
    def around(
        cls, centres: np.ndarray, sizes: np.ndarray, frame: Bbox, radius: float, near: float, pad: float
    ) -> _LabelPlaces:
        """The places of labels of ``sizes`` for points at ``centres``, in the axes ``frame`` (pixels)."""
        inner = np.array([[frame.x0 + pad, frame.y0 + pad, frame.x1 - pad, frame.y1 - pad]])
        markers = np.hstack([centres - radius - pad, centres + radius + pad])
        directions, alignments = _LABEL_TEMPLATES[_TEMPLATE, :2], _LABEL_TEMPLATES[_TEMPLATE, 2:]
        count, places = len(centres), len(_TEMPLATE)
        distance = near + sizes[:, 1:2, None] * _LABEL_RINGS[_RING][None, :, None]  # (labels, places, 1)
        corners = centres[:, None, :] + distance * directions[None] - alignments[None] * sizes[:, None, :]
        boxes = np.concatenate([corners, corners + sizes[:, None, :]], axis=2)
        flat = boxes.reshape(-1, 4)
        own = _box_distances(flat, centres).reshape(count, places, count)
        # points (almost) hidden under one another look like one point: a label may be taken for any of them
        same = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1)) < radius / 2
        mine = own[np.arange(count), :, np.arange(count)]  # (labels, places)
        other = np.where(same[:, None, :], np.inf, own).min(axis=2)
        leader = mine > near + 0.6 * sizes[:, 1:2]
        ends = np.clip(centres[:, None, :], boxes[..., :2], boxes[..., 2:])
        away = ends - centres[:, None, :]
        away /= np.maximum(np.hypot(away[..., 0], away[..., 1]), 1e-9)[..., None]
        segments = np.concatenate([centres[:, None, :] + away * (radius + pad), ends], axis=2)
        outside = sizes.prod(axis=1)[:, None] - _overlaps(flat, inner)[:, 0].reshape(count, places)
        covered = _overlaps(flat, markers).sum(axis=1).reshape(count, places) + outside
        through = _through(segments.reshape(-1, 4), markers).reshape(count, places, count)
        crossings = leader * np.where(same[:, None, :], False, through).sum(axis=2)
        hulls = np.hstack(
            [np.minimum(boxes[..., :2].min(axis=1), centres), np.maximum(boxes[..., 2:].max(axis=1), centres)]
        )
        return cls(
            hulls=hulls,
            boxes=boxes,
            leader=leader,
            segments=segments,
            ambiguity=np.maximum(np.where(leader, near + radius / 2, mine + radius + pad) - other, 0),
            fixed_covered=covered,
            fixed_crossings=crossings,
            covered=covered.copy(),
            crossings=crossings.copy(),
        )

    def against(self, labels: np.ndarray, taken: _Taken) -> tuple[np.ndarray, np.ndarray]:
        """For each place of ``labels``: what it covers of the boxes ``taken``, and how often its leader line
        runs through one of them or crosses one of the leader lines ``taken``, or one of these runs through it."""
        boxes, segments = self.boxes[labels].reshape(-1, 4), self.segments[labels].reshape(-1, 4)
        leader = self.leader[labels].reshape(-1)
        covered = _overlaps(boxes, taken.boxes).sum(axis=1)
        crossings = leader * _through(segments, taken.boxes).sum(axis=1)
        if len(taken.segments):
            crossings += _through(taken.segments, boxes).sum(axis=0)
            crossings += leader * _crossing(segments, taken.segments).sum(axis=1)
        return covered.reshape(len(labels), -1), crossings.reshape(len(labels), -1)

    def take(self, label: int, place: int, pad: float) -> _Taken:
        """What a label takes at a place."""
        box = (self.boxes[label, place] + (-pad, -pad, pad, pad))[None, :]
        leader = self.segments[label, place : place + 1] if self.leader[label, place] else np.empty((0, 4))
        return _Taken(box, leader)

    def good(self, covered: np.ndarray, crossings: np.ndarray, labels: Any = slice(None)) -> np.ndarray:
        """Whether each place covers nothing, is clear and (with its leader line) crosses nothing."""
        result: np.ndarray = (covered < 0.5) & (self.ambiguity[labels] == 0) & (crossings == 0)
        return result

    def best(self, label: int, covered: np.ndarray, crossings: np.ndarray) -> np.ndarray:
        """A label's places, best first: covering least, then crossing least, then least ambiguous, then nearest."""
        ambiguity = np.ceil(self.ambiguity[label])
        result: np.ndarray = np.lexsort((_TEMPLATE, _RING, ambiguity, crossings, np.round(covered)))
        return result


def _least_constraining(
    places: _LabelPlaces, label: int, options: np.ndarray, others: np.ndarray, good: np.ndarray, pad: float
) -> int:
    """Of a label's good places ``options``, the one that leaves the labels ``others`` most of their ``good``
    places: first one that takes no label its last good place, then none its last good place near its
    point; then the nearest, then in the templates' order."""
    padded = places.boxes[label, options] + (-pad, -pad, pad, pad)
    hull = np.hstack([padded[:, :2].min(axis=0), padded[:, 2:].max(axis=0)])[None, :]

    def last_places_taken(mask: np.ndarray) -> np.ndarray:
        """For each option, how many of the others it would take all their places in ``mask`` from."""
        owners, boxes = np.nonzero(mask)[0], places.boxes[others][mask]
        reach = _overlaps(boxes, hull)[:, 0] > 0  # only these can be taken
        if not reach.any():
            return np.zeros(len(options), dtype=int)
        owners, boxes = owners[reach], boxes[reach]
        starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])  # owners come sorted
        taken = np.add.reduceat((_overlaps(padded, boxes) > 0).astype(int), starts, axis=1)
        result: np.ndarray = (taken == mask.sum(axis=1)[owners[starts]]).sum(axis=1)
        return result

    mask = good[others]
    last = last_places_taken(mask)
    last_near = last_places_taken(mask & ~places.leader[others])
    return int(options[np.lexsort((_TEMPLATE[options], _RING[options], last_near, last))[0]])


def _place_point_labels(
    figure: Figure, ax: Axes, style: Style, points: Sequence[tuple[float, float, str]], marker_pt: float
) -> None:
    """Label every point next to it, where the label hides no point, no other label and no leader line.

    Deterministic: each label is measured once; its candidate places around the point are computed, not
    drawn. Greedy: next is the label with the fewest good places near its point (those with none near it
    last). A good place covers nothing, is clear (no other point about as near as the label's own) and, if
    it is farther away than the nearest places, has a thin leader line to the point that crosses nothing. Of
    its good places a label takes the one that leaves the others most of theirs, then the nearest; without
    any, the least bad. Then a label without a good place gets one if a label in its way can move to another
    good place.
    """
    if not points:
        return
    engine = figure.get_layout_engine()
    if engine is not None:
        engine.execute(figure)  # fix the axes' place, so that label positions can be measured
    figure.set_layout_engine("none")
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    pixels = style.dpi / 72
    unit = style.font / 9 * pixels  # a point of the handout style, in pixels
    radius = marker_pt / 2 * pixels + 0.4 * unit  # the marker and its white edge
    pad = 1.5 * unit  # free space around markers and labels
    near = radius + 2.5 * unit  # from a point's centre to its label, nearest place
    centres = ax.transData.transform(np.array([(x, y) for x, y, _ in points], dtype=float))
    texts = [ax.text(x, y, label, ha="left", va="bottom", **_kw(style.small)) for x, y, label in points]
    sizes = np.array([(box.width, box.height) for box in (text.get_window_extent(renderer) for text in texts)])
    places = _LabelPlaces.around(centres, sizes, ax.get_window_extent(renderer), radius, near, pad)
    count = len(points)
    order = np.arange(count)
    chosen = np.zeros(count, dtype=int)
    waiting = np.ones(count, dtype=bool)
    unsettled: list[int] = []  # labels without a good place
    for _ in range(count):
        good = places.good(places.covered, places.crossings)
        near_good = (good & ~places.leader).sum(axis=1)
        urgency = np.lexsort((order, good.sum(axis=1), near_good, near_good == 0))
        i = int(urgency[waiting[urgency]][0])
        waiting[i] = False
        options = np.flatnonzero(good[i])
        if len(options) > 1:
            chosen[i] = _least_constraining(places, i, options, np.flatnonzero(waiting), good, pad)
        elif len(options):
            chosen[i] = options[0]
        else:
            chosen[i] = places.best(i, places.covered[i], places.crossings[i])[0]
            unsettled.append(i)
        taken = places.take(i, chosen[i], pad)
        nearby = np.flatnonzero(waiting & (_overlaps(places.hulls, taken.hull)[:, 0] > 0))
        if len(nearby):
            covered, crossings = places.against(nearby, taken)
            places.covered[nearby] += covered
            places.crossings[nearby] += crossings

    # Repairs: what a label's places cover and cross adds up over the other labels, so "all but one" is "all"
    # minus that one. At most a few tries, to keep crowded charts cheap.
    everything: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def state(i: int) -> tuple[np.ndarray, np.ndarray]:
        """What label i's places cover and cross, every other label in its chosen place."""
        if i not in everything:
            covered, crossings = places.against(
                np.array([i]), _Taken.join([places.take(j, chosen[j], pad) for j in range(count) if j != i])
            )
            everything[i] = (covered[0] + places.fixed_covered[i], crossings[0] + places.fixed_crossings[i])
        return everything[i]

    tries = 20
    for i in unsettled:
        if places.good(*state(i), i)[chosen[i]]:
            continue  # moved to a good place for another label's sake
        possible = places.good(places.fixed_covered[i], places.fixed_crossings[i], i)
        if not possible.any():
            continue
        corners = np.vstack([places.boxes[i, possible].reshape(-1, 2), places.segments[i, possible].reshape(-1, 2)])
        reach = np.hstack([corners.min(axis=0), corners.max(axis=0)])[None, :]
        for j in range(count):
            if j == i or tries <= 0 or not _overlaps(places.take(j, chosen[j], pad).hull, reach)[0, 0]:
                continue
            by_j = places.against(np.array([i]), places.take(j, chosen[j], pad))
            if not (possible & ((by_j[0][0] >= 0.5) | (by_j[1][0] > 0))).any():
                continue  # not in the way
            tries -= 1
            covered, crossings = state(i)[0] - by_j[0][0], state(i)[1] - by_j[1][0]
            good = places.good(covered, crossings, i)
            moves = [int(place) for place in places.best(i, covered, crossings) if good[place]][:4]
            if not moves:
                continue
            by_i = places.against(np.array([j]), places.take(i, chosen[i], pad))
            base = state(j)[0] - by_i[0][0], state(j)[1] - by_i[1][0]
            for place in moves:
                extra = places.against(np.array([j]), places.take(i, place, pad))
                moved = (base[0] + extra[0][0], base[1] + extra[1][0])
                if places.good(*moved, j).any():
                    chosen[i], chosen[j] = place, places.best(j, *moved)[0]
                    everything.clear()
                    break
            else:
                continue
            break

    inverse = ax.transData.inverted()
    for i, place in enumerate(chosen):
        box = places.boxes[i, place]
        x, y = inverse.transform(box[:2])
        texts[i].set_position((float(x), float(y)))
        if places.leader[i, place]:
            centre, end = centres[i], places.segments[i, place, 2:]
            direction = (end - centre) / max(float(np.hypot(*(end - centre))), 1e-9)
            start, end = centre + direction * (radius + 0.5 * unit), end - direction * 0.8 * unit
            (line,) = ax.plot(
                *inverse.transform(np.array([start, end])).T,
                color=MUTED_COLOUR,
                linewidth=0.7 * style.font / 9,
                solid_capstyle="butt",
                zorder=2.5,
            )
            line.set_gid("leader")


_PRIORITY_TOPS = (50, 60, 80, 100)


def _priority_top(highest: float) -> int:
    """Where the priority axis ends (percent): the first of 50, 60, 80 and 100 % that leaves at least a tenth
    of the axis free above the highest share (percent), for its label; never above 100 %."""
    return next((top for top in _PRIORITY_TOPS if highest <= 0.9 * top), 100)


def priority_vs_rating(
    summary: pd.DataFrame,
    field_id: str,
    catalog: Catalog,
    language: str,
    *,
    projector: bool = False,
    scale: float = 1.0,
) -> Chart:
    """Scatter of each standard's mean rating (x, 0–3) against the share marking it high priority (y, in %).

    The y axis starts at 0 and ends at 50, 60, 80 or 100 %, a little above the highest share (see
    :func:`_priority_top`). Points are labelled by standard id (with a leader line where a label had to move
    away from its point), disputed standards drawn as triangles; standards without ratings are left out
    (said in a note and in the alt text).
    """
    _check_language(language, catalog)
    style = style_for(projector, scale)
    field = _field_title(catalog, field_id, language)
    title = t("charts.priority_title", language, field=field)
    rows = _standard_rows(summary, field_id)
    reason = _field_reason(rows, language)
    if reason is not None:
        return _no_data(style, title, reason, language)

    rated = rows[rows["n_rated"] > 0].reset_index(drop=True)
    left_out = [str(s) for s in rows.loc[rows["n_rated"] == 0, "standard_id"]]
    note = [t("charts.priority_left_out", language, ids=", ".join(left_out))] if left_out else []
    ratio = 0.62 if projector else 0.7
    figure = _figure(style, style.width * ratio + style.lines(2 * len(note), style.small))
    _title(figure, style, title)
    ax = _axes(figure, style)
    ax.spines["right"].set_visible(False)
    marker_pt = 9 * style.font / 9
    points: list[tuple[float, float, str]] = []
    for disputed, marker, colour in ((False, "o", INDEX_COLOUR), (True, "^", DISPUTED_COLOUR)):
        part = rated[rated["disputed"] == disputed]
        if part.empty:
            continue
        ax.scatter(
            part["mean"].astype(float),
            part["share_high_priority"].astype(float) * 100,
            s=marker_pt**2,
            marker=marker,
            color=colour,
            edgecolors="white",
            linewidths=0.6 * style.font / 9,
            zorder=3,
        )
    for record in _records(rated):
        label = str(record["standard_id"]) + (f" {WARNING_SIGN}" if bool(record["disputed"]) else "")
        points.append((float(record["mean"]), float(record["share_high_priority"]) * 100, label))

    ax.set_xlim(-0.2, 3.2)
    top = _priority_top(float(rated["share_high_priority"].max()) * 100)
    ax.set_ylim(-0.06 * top, 1.06 * top)
    rating_width = style.chars(0.2, style.small)
    ax.set_xticks(
        [0, 1, 2, 3],
        [f"{k}\n{_wrap(_rating_label(catalog, k, language), rating_width)}" for k in range(4)],
        **_kw(style.small),
    )
    percent = " %" if language == "de" else "%"
    ticks = range(0, top + 1, 10 if top <= 60 else 20)
    ax.set_yticks(list(ticks), [f"{v}{percent}" for v in ticks], **_kw(style.font))
    ax.grid(True, color=GRID_COLOUR, linewidth=0.8 * style.font / 9)
    ax.set_axisbelow(True)
    ax.set_xlabel(t("charts.priority_x", language), **_kw(style.font))
    ax.set_ylabel(_wrap(t("charts.priority_y", language), style.chars(0.5)), **_kw(style.font))
    handles = [
        Line2D([], [], marker="o", linestyle="", color=INDEX_COLOUR, markersize=marker_pt * 0.8),
        Line2D([], [], marker="^", linestyle="", color=DISPUTED_COLOUR, markersize=marker_pt * 0.8),
    ]
    handles[0].set_label(t("charts.priority_standard", language))
    handles[1].set_label(t("charts.priority_disputed", language))
    _legend(ax, style, handles if bool(rated["disputed"].any()) else handles[:1], columns=2)
    _note(ax, style, note)
    _place_point_labels(figure, ax, style, points, marker_pt)

    ordered = rated.assign(_row=range(len(rated))).sort_values(
        ["share_high_priority", "mean", "_row"], ascending=[False, True, True]
    )
    items = [
        t(
            "charts.priority_alt_item",
            language,
            id=record["standard_id"],
            standard=catalog.standard(str(record["standard_id"])).short.get(language),
            disputed=f" ({t('charts.disputed_word', language)})" if bool(record["disputed"]) else "",
            mean=_number(float(record["mean"]), language, 1),
            share=_percent(float(record["share_high_priority"]), language),
        )
        for record in _records(ordered)
    ]
    alt = t(
        "charts.priority_alt",
        language,
        title=title,
        standards=_count("standards", len(rated), language),
        items=_join(items),
    )
    if left_out:
        alt += " " + t("charts.priority_alt_left_out", language, ids=", ".join(left_out))
    return _render(figure, title, alt)


# --- 4 stakeholder groups ------------------------------------------------------------------------------


def stakeholder_groups(
    groups: GroupBreakdown,
    catalog: Catalog,
    language: str,
    *,
    projector: bool = False,
    scale: float = 1.0,
) -> Chart:
    """The field index per stakeholder group, from :func:`analysis.by_stakeholder_group`.

    One block of bars per field, one bar per group, every bar labelled with the group's name and its
    value; cells hidden for anonymity say so; merged and suppressed groups are explained in a note.
    """
    _check_language(language, catalog)
    style = style_for(projector, scale)
    title = t("charts.groups_title", language)
    table = groups.table.reset_index(drop=True)
    minimum = groups.min_group_size
    notes: list[str] = []
    if groups.merged_groups:  # not named: a group of one person would be, and so would its presence
        merged = _count("groups", len(groups.merged_groups), language)
        notes.append(t("charts.groups_merged_note", language, groups=merged, min=minimum))
    if groups.suppressed_groups:
        notes.append(
            t(
                "charts.groups_suppressed_note",
                language,
                groups=_count("groups", groups.suppressed_groups, language),
                people=_count("people", groups.suppressed_respondents, language),
                min=minimum,
            )
        )
    if table.empty or table["index"].isna().all():
        rated = "n_raters" not in table.columns or int(table["n_raters"].sum()) > 0
        if table.empty and groups.suppressed_respondents:
            reason = t("charts.reason_groups_small", language, min=minimum)
        elif rated and "suppressed" in table.columns and bool(table["suppressed"].astype(bool).any()):
            reason = t("charts.reason_cells_hidden", language, min=minimum)
        elif not table.empty and int(table["n_respondents"].sum()) > 0:
            reason = t("charts.reason_no_ratings", language)
        else:
            reason = t("charts.reason_no_answers", language)
        return _no_data(style, title, " ".join([reason, *notes]), language)

    hidden = table["suppressed"].astype(bool) if "suppressed" in table.columns else pd.Series(False, index=table.index)
    field_ids = list(dict.fromkeys(str(f) for f in table["field_id"]))
    group_ids = list(dict.fromkeys(str(g) for g in table["stakeholder_group"]))
    colours = {
        g: OTHER_GROUPS_COLOUR if g == OTHER_GROUPS else GROUP_COLOURS[i % len(GROUP_COLOURS)]
        for i, g in enumerate(g for g in group_ids if g != OTHER_GROUPS)
    }
    colours[OTHER_GROUPS] = OTHER_GROUPS_COLOUR
    width = style.chars(0.34)
    labels: list[str] = []
    bold: list[bool] = []
    bars: list[tuple[int, str, float, bool]] = []  # row, group, index, hidden
    items: list[str] = []
    for field_id in field_ids:
        field = _field_title(catalog, field_id, language)
        labels.append(_wrap(field, width))
        bold.append(True)
        values: list[str] = []
        part = table[table["field_id"] == field_id]
        for record, is_hidden in zip(_records(part), hidden[part.index], strict=True):
            group = str(record["stakeholder_group"])
            name = _group_label(catalog, group, language)
            bars.append((len(labels), group, float(record["index"]), bool(is_hidden)))
            labels.append(_wrap(name, width))
            bold.append(False)
            if is_hidden:
                values.append(f"{name} {t('charts.hidden_cell', language, min=minimum)}")
            elif math.isnan(float(record["index"])):
                values.append(f"{name} {t('charts.no_ratings_yet', language)}")
            else:
                values.append(f"{name} {_number(float(record['index']), language)}")
        items.append(t("charts.groups_alt_field", language, field=field, values=", ".join(values)))

    heights = _row_heights(style, labels, 0.8 * style.row)
    centres = _centres(heights)
    figure = _figure(style, _height(style, sum(heights), 2.4 * len(notes)))
    _title(figure, style, title)
    ax = _axes(figure, style)
    for row, group, value, is_hidden in bars:
        position = centres[row]
        if is_hidden or math.isnan(value):
            text = t("charts.hidden_cell", language, min=minimum) if is_hidden else t("charts.no_ratings_yet", language)
            ax.text(1.2, position, text, va="center", **_kw(style.small, MUTED_COLOUR))
            continue
        colour = colours[group]
        ax.barh(position, value, height=style.bar, color=colour, edgecolor=TEXT_COLOUR, linewidth=0.4 * style.font / 9)
        _value_label(ax, style, value, position, _number(value, language), colour)
    _rows(ax, style, labels, heights, bold=bold)
    _index_axis(ax, style, t("charts.index_axis", language))
    _note(ax, style, notes)
    alt = t("charts.groups_alt", language, title=title, items=_join(items))
    if notes:
        alt += " " + " ".join(notes)
    return _render(figure, title, alt)


# --- 5 change since the last session -------------------------------------------------------------------


def change_since_last(
    comparison: Comparison | None,
    catalog: Catalog,
    language: str,
    *,
    projector: bool = False,
    scale: float = 1.0,
) -> Chart:
    """The field index of the previous session (hatched) next to the current one, with the change as text.

    From :func:`analysis.compare`; ``None`` (no previous session) gives a "no data yet" chart.
    """
    _check_language(language, catalog)
    style = style_for(projector, scale)
    title = t("charts.change_title", language)
    if comparison is None:
        return _no_data(style, title, t("charts.reason_no_previous", language), language)
    table = comparison.fields.reset_index(drop=True)
    shown = table[table["index_previous"].notna() | table["index_current"].notna()].reset_index(drop=True)
    if shown.empty:
        return _no_data(style, title, t("charts.reason_no_common_ratings", language), language)

    labels = [_wrap(_field_title(catalog, str(f), language), style.chars(0.3)) for f in shown["field_id"]]
    heights = _row_heights(style, labels, 2 * style.bar + style.pad * 2)
    figure = _figure(style, _height(style, sum(heights), 2.4))
    _title(figure, style, title)
    ax = _axes(figure, style)
    half = style.bar
    changes: list[str] = []
    items: list[str] = []
    for y, record in zip(_centres(heights), _records(shown), strict=True):
        field = _field_title(catalog, str(record["field_id"]), language)
        previous, current = float(record["index_previous"]), float(record["index_current"])
        for offset, value, colour, hatch in (
            (-half / 2, previous, PREVIOUS_COLOUR, PREVIOUS_HATCH),
            (half / 2, current, INDEX_COLOUR, ""),
        ):
            if math.isnan(value):
                ax.text(1.2, y + offset, t("charts.not_rated", language), va="center", **_kw(style.small, MUTED_COLOUR))
                continue
            ax.barh(
                y + offset,
                value,
                height=half * 0.94,
                color=colour,
                hatch=hatch or None,
                edgecolor=HATCH_EDGE if hatch else colour,
                linewidth=0.5,
            )
            _value_label(ax, style, value, y + offset, _number(value, language), None if hatch else colour)
        if math.isnan(previous):
            changes.append(t("charts.change_new", language))
            items.append(t("charts.change_alt_new", language, field=field, current=_number(current, language)))
        elif math.isnan(current):
            changes.append(t("charts.change_dropped", language))
            items.append(t("charts.change_alt_dropped", language, field=field, previous=_number(previous, language)))
        else:
            changes.append(_signed(current - previous, language, 0))  # whole numbers, as the indices
            items.append(
                t(
                    "charts.change_alt_item",
                    language,
                    field=field,
                    previous=_number(previous, language),
                    current=_number(current, language),
                    change=_signed(current - previous, language, 0, minus="-"),
                )
            )
    _rows(ax, style, labels, heights)
    _right_labels(ax, style, heights, [_wrap(c, style.chars(0.14, style.small)) for c in changes], TEXT_COLOUR)
    _index_axis(ax, style, t("charts.index_axis", language))
    handles = [
        Patch(
            facecolor=PREVIOUS_COLOUR,
            hatch=PREVIOUS_HATCH,
            edgecolor=HATCH_EDGE,
            linewidth=0.5,
            label=t("charts.previous", language),
        ),
        Patch(facecolor=INDEX_COLOUR, edgecolor=INDEX_COLOUR, label=t("charts.current", language)),
    ]
    _legend(ax, style, handles, columns=2)
    alt = t("charts.change_alt", language, title=title, items=_join(items))
    return _render(figure, title, alt)


# --- everything at once --------------------------------------------------------------------------------


def all_charts(
    analysis: Analysis,
    language: str | None = None,
    catalog: Catalog | None = None,
    *,
    projector: bool = False,
    scale: float = 1.0,
) -> dict[str, Chart]:
    """Every chart of a session, in the session's language unless ``language`` is given.

    Keys: ``field_index``, ``answers/<field>`` and ``priorities/<field>`` per assessed field,
    ``stakeholder_groups`` and ``change`` (a "no data yet" chart without a previous session).
    """
    catalog = catalog or load_catalog()
    language = language or analysis.session.language
    options: dict[str, Any] = {"projector": projector, "scale": scale}
    charts = {"field_index": field_index_overview(analysis.fields, catalog, language, **options)}
    for field_id in analysis.session.fields:
        charts[f"answers/{field_id}"] = answer_distribution(analysis.summary, field_id, catalog, language, **options)
        charts[f"priorities/{field_id}"] = priority_vs_rating(analysis.summary, field_id, catalog, language, **options)
    charts["stakeholder_groups"] = stakeholder_groups(analysis.groups, catalog, language, **options)
    charts["change"] = change_since_last(analysis.comparison, catalog, language, **options)
    return charts
