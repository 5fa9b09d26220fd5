"""One way of writing numbers and dates for the handout, the charts and the live view."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from wholecomm_kit.formatting import MINUS, date, number, percent, signed


def test_halves_round_up_as_people_round_by_hand() -> None:
    assert number(62.5, "en") == "63"
    assert number(2.25, "en", 1) == "2.3"
    assert number(0.125 * 100, "en") == "13"
    assert number(2.25, "de", 1) == "2,3"


def test_a_change_that_rounds_to_nothing_is_plus_minus_zero_never_minus_zero() -> None:
    assert signed(-0.04, "en") == "±0.0"
    assert signed(-0.25, "de") == f"{MINUS}0,3"
    assert signed(26.64, "en") == "+26.6"
    assert number(-0.2, "en") == "0"


def test_percent_follows_the_language() -> None:
    assert percent(0.125, "de") == "13\u00a0%"
    assert percent(0.125, "en") == "13%"


def test_dates_as_a_town_council_reads_them() -> None:
    assert date(dt.date(2026, 5, 16), "de") == "16.05.2026"
    assert date(dt.date(2026, 5, 16), "en") == "16 May 2026"


@given(st.floats(min_value=-1000, max_value=1000, allow_nan=False), st.integers(min_value=0, max_value=2))
def test_a_written_number_reads_back_within_half_a_unit(value: float, decimals: int) -> None:
    written = number(value, "de", decimals)
    assert written not in {"-0", "-0,0", "-0,00"}
    assert abs(float(written.replace(",", ".")) - value) <= 0.5 * 10**-decimals + 1e-9
