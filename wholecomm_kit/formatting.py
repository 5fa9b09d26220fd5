"""How numbers and dates are written wherever the kit shows them: handout, charts, live results.

One rule for all of them, so that a table and the chart beside it never disagree: numbers are
rounded half up, as people round by hand (62.5 → 63, 2.25 → 2.3), never shown as "-0", and
written with the language's decimal sign; percentages follow the language's spacing.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

MINUS = "\u2212"
"""The typographic minus sign, as in the charts: a hyphen is easily missed in print."""

_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def rounded(value: float, decimals: int = 0) -> Decimal:
    """``value`` rounded half up to ``decimals`` places; zero is never negative."""
    result = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return abs(result) if result == 0 else result


def number(value: float, language: str, decimals: int = 0) -> str:
    """A number as people in the language write it (German: decimal comma)."""
    text = f"{rounded(value, decimals):f}"
    return text.replace(".", ",") if language == "de" else text


def signed(value: float, language: str, decimals: int = 1, minus: str = MINUS) -> str:
    """A change: "+2.5", "−0.3", and "±0.0" when it rounds to nothing (alt texts pass ``minus="-"``)."""
    shown = rounded(value, decimals)
    if shown == 0:
        return "±" + number(0, language, decimals)
    return ("+" if shown > 0 else minus) + number(abs(float(shown)), language, decimals)


def percent(share: float, language: str) -> str:
    """A share 0–1 as a whole percentage: "13 %" in German (with a non-breaking space), "13%" in English."""
    shown = number(share * 100, language)
    return f"{shown}\u00a0%" if language == "de" else f"{shown}%"


def missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def date(day: dt.date, language: str) -> str:
    """A date as a town council reads it: "16.05.2026" in German, "16 May 2026" in English."""
    if language == "de":
        return f"{day.day:02d}.{day.month:02d}.{day.year}"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def typed_date(text: str, language: str) -> str:
    """A date kept as ``YYYY-MM-DD`` (a due date) as :func:`date` writes it; any other text as it is."""
    try:
        return date(dt.date.fromisoformat(text), language)
    except ValueError:
        return text
