"""Indonesian number formatting and parsing of what officials type."""

from __future__ import annotations

from datetime import date

import pytest

from iku.format import format_number, format_percent, parse_day, parse_number


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        pytest.param(83.4667, 2, "83,47", id="two-decimals"),
        pytest.param(1234, 0, "1.234", id="thousands"),
        pytest.param(1234567.5, 1, "1.234.567,5", id="millions"),
        pytest.param(0.125, 2, "0,13", id="half-up-not-bankers"),
        pytest.param(88.305, 2, "88,31", id="band-edge-rounding"),
        pytest.param(-5, 0, "-5", id="negative"),
        pytest.param(999.995, 2, "1.000,00", id="carry"),
    ],
)
def test_format_number(value: float, places: int, text: str) -> None:
    assert format_number(value, places) == text


def test_format_percent() -> None:
    assert format_percent(80) == "80,00%"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("12", 12.0, id="whole"),
        pytest.param("12,5", 12.5, id="decimal-comma"),
        pytest.param("12.5", 12.5, id="decimal-dot-from-phone"),
        pytest.param("1.234", 1234.0, id="thousands-dot"),
        pytest.param("1.234,5", 1234.5, id="both"),
        pytest.param(" 80 ", 80.0, id="spaces"),
        pytest.param("delapan", None, id="words"),
        pytest.param("nan", None, id="nan"),
        pytest.param("", None, id="empty"),
        pytest.param("1e309", None, id="exponent-infinity"),
        pytest.param("1e3", None, id="exponent"),
        pytest.param("inf", None, id="infinity-word"),
        pytest.param("١٢", None, id="arabic-indic-digits"),
        pytest.param("２０", None, id="fullwidth-digits"),
        pytest.param("²", None, id="superscript"),
        pytest.param("-3", -3.0, id="negative"),
    ],
)
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


def test_parse_number_refuses_a_figure_beyond_the_limit() -> None:
    assert parse_number("1.000.000", limit=1_000_000) == 1_000_000
    assert parse_number("1.000.001", limit=1_000_000) is None


@pytest.mark.parametrize(
    ("text", "day"),
    [
        pytest.param("17-08-2025", date(2025, 8, 17), id="dmy-dash"),
        pytest.param("1/2/2025", date(2025, 2, 1), id="dmy-slash"),
        pytest.param("2025-08-17", date(2025, 8, 17), id="iso"),
        pytest.param("3 November 2026", date(2026, 11, 3), id="words"),
        pytest.param("17 agt 2025", date(2025, 8, 17), id="short-month"),
        pytest.param("1 Nopember 2026", date(2026, 11, 1), id="old-spelling"),
        pytest.param("5 Dec. 2025", date(2025, 12, 5), id="english-short"),
        pytest.param("31 Februari 2025", None, id="no-such-day-in-words"),
        pytest.param("3 Brumaire 2026", None, id="no-such-month"),
        pytest.param("31-02-2025", None, id="no-such-day"),
        pytest.param("besok", None, id="a-word"),
        pytest.param("20250817", None, id="basic-iso-refused"),
        pytest.param("2025W331", None, id="week-date-refused"),
        pytest.param("١٧-٠٨-٢٠٢٥", None, id="other-script-digits"),
    ],
)
def test_parse_day(text: str, day: date | None) -> None:
    assert parse_day(text) == day
