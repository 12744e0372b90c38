"""Periods: hand-checked calendar facts (ISO weeks, triwulan, semester, WIB day bounds)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from iku import periods
from iku.periods import Period

WIB = ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize(
    ("year", "week", "start", "end"),
    [
        pytest.param(2024, 1, date(2024, 1, 1), date(2024, 1, 7), id="2024-W01-starts-jan-1"),
        pytest.param(2021, 1, date(2021, 1, 4), date(2021, 1, 10), id="2021-W01-starts-jan-4"),
        pytest.param(2025, 1, date(2024, 12, 30), date(2025, 1, 5), id="2025-W01-starts-in-2024"),
        pytest.param(2020, 53, date(2020, 12, 28), date(2021, 1, 3), id="2020-W53-ends-in-2021"),
        pytest.param(2026, 53, date(2026, 12, 28), date(2027, 1, 3), id="2026-W53-exists"),
        pytest.param(2025, 7, date(2025, 2, 10), date(2025, 2, 16), id="2025-W07"),
        pytest.param(2025, 52, date(2025, 12, 22), date(2025, 12, 28), id="2025-W52-last"),
    ],
)
def test_iso_week(year: int, week: int, start: date, end: date) -> None:
    period = periods.iso_week(year, week)
    assert (period.start, period.end, period.kind) == (start, end, "week")
    assert period.start.weekday() == 0
    assert period.days == 7
    assert period.key == f"{year}-W{week:02d}"


@pytest.mark.parametrize(
    ("year", "week"),
    [
        pytest.param(2025, 53, id="2025-has-no-W53"),
        pytest.param(2024, 53, id="2024-has-no-W53"),
        pytest.param(2025, 0, id="week-0"),
        pytest.param(2025, 54, id="week-54"),
    ],
)
def test_iso_week_rejects_missing_weeks(year: int, week: int) -> None:
    with pytest.raises(ValueError, match="week"):
        periods.iso_week(year, week)


@pytest.mark.parametrize(
    ("today", "key"),
    [
        pytest.param(date(2025, 2, 17), "2025-W07", id="monday-week-ending-yesterday"),
        pytest.param(date(2025, 2, 16), "2025-W06", id="sunday-previous-week"),
        pytest.param(date(2025, 2, 19), "2025-W07", id="wednesday"),
        pytest.param(date(2025, 1, 1), "2024-W52", id="new-year-wednesday"),
        pytest.param(date(2025, 1, 6), "2025-W01", id="monday-after-year-crossing-week"),
        pytest.param(date(2021, 1, 4), "2020-W53", id="monday-after-W53"),
    ],
)
def test_last_full_week(today: date, key: str) -> None:
    period = periods.last_full_week(today)
    assert period.key == key
    assert period.end < today
    assert today - period.end <= timedelta(days=7)


@pytest.mark.parametrize(
    ("build", "start", "end", "key"),
    [
        pytest.param(lambda: periods.month(2025, 2), "2025-02-01", "2025-02-28", "2025-02",
                     id="feb-2025"),
        pytest.param(lambda: periods.month(2024, 2), "2024-02-01", "2024-02-29", "2024-02",
                     id="feb-2024-leap"),
        pytest.param(lambda: periods.month(2000, 2), "2000-02-01", "2000-02-29", "2000-02",
                     id="feb-2000-leap-400"),
        pytest.param(lambda: periods.month(2100, 2), "2100-02-01", "2100-02-28", "2100-02",
                     id="feb-2100-not-leap"),
        pytest.param(lambda: periods.month(2025, 12), "2025-12-01", "2025-12-31", "2025-12",
                     id="december"),
        pytest.param(lambda: periods.quarter(2025, 1), "2025-01-01", "2025-03-31", "2025-Q1",
                     id="triwulan-1"),
        pytest.param(lambda: periods.quarter(2025, 2), "2025-04-01", "2025-06-30", "2025-Q2",
                     id="triwulan-2"),
        pytest.param(lambda: periods.quarter(2025, 3), "2025-07-01", "2025-09-30", "2025-Q3",
                     id="triwulan-3"),
        pytest.param(lambda: periods.quarter(2025, 4), "2025-10-01", "2025-12-31", "2025-Q4",
                     id="triwulan-4"),
        pytest.param(lambda: periods.half(2025, 1), "2025-01-01", "2025-06-30", "2025-H1",
                     id="semester-1"),
        pytest.param(lambda: periods.half(2025, 2), "2025-07-01", "2025-12-31", "2025-H2",
                     id="semester-2"),
        pytest.param(lambda: periods.year(2025), "2025-01-01", "2025-12-31", "2025",
                     id="year"),
        pytest.param(lambda: periods.year_to_date(date(2025, 2, 16)), "2025-01-01",
                     "2025-02-16", "2025-01-01..2025-02-16", id="ytd"),
        pytest.param(lambda: periods.date_range(date(2025, 1, 1), date(2025, 2, 16)),
                     "2025-01-01", "2025-02-16", "2025-01-01..2025-02-16", id="range"),
    ],
)  # fmt: skip
def test_calendar_periods(build, start: str, end: str, key: str) -> None:
    period = build()
    assert period.start == date.fromisoformat(start)
    assert period.end == date.fromisoformat(end)
    assert period.key == key


@pytest.mark.parametrize(
    ("period", "days"),
    [
        pytest.param(periods.year(2024), 366, id="leap-year"),
        pytest.param(periods.year(2025), 365, id="common-year"),
        pytest.param(periods.half(2024, 1), 182, id="h1-leap"),
        pytest.param(periods.half(2025, 1), 181, id="h1-common"),
        pytest.param(periods.quarter(2024, 1), 91, id="q1-leap"),
        pytest.param(periods.date_range(date(2025, 2, 16), date(2025, 2, 16)), 1, id="one-day"),
        pytest.param(periods.year_to_date(date(2024, 3, 1)), 61, id="ytd-through-29-feb"),
    ],
)
def test_days(period: Period, days: int) -> None:
    assert period.days == days


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(lambda: periods.month(2025, 0), "month must", id="month-0"),
        pytest.param(lambda: periods.month(2025, 13), "month must", id="month-13"),
        pytest.param(lambda: periods.quarter(2025, 5), "quarter must", id="quarter-5"),
        pytest.param(lambda: periods.half(2025, 3), "half must", id="half-3"),
        pytest.param(lambda: periods.date_range(date(2025, 2, 2), date(2025, 2, 1)),
                     "before it starts", id="range-backwards"),
        pytest.param(lambda: Period(date(2025, 1, 1), date(2025, 1, 2), "decade"),
                     "unknown period kind", id="unknown-kind"),
    ],
)  # fmt: skip
def test_invalid_periods(build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


WEEK_7 = periods.iso_week(2025, 7)


def wib(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=WIB)


def test_bounds_in_utc_start_at_17_00_the_day_before() -> None:
    low, high = WEEK_7.bounds(WIB)
    assert low == datetime(2025, 2, 9, 17, 0, tzinfo=UTC)
    assert high == datetime(2025, 2, 16, 17, 0, tzinfo=UTC)
    assert low.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        pytest.param(wib(2025, 2, 10, 0, 0), True, id="monday-00:00-wib-in"),
        pytest.param(wib(2025, 2, 9, 23, 59, 59, 999999), False, id="sunday-before-23:59-out"),
        pytest.param(wib(2025, 2, 16, 23, 59), True, id="sunday-23:59-wib-in"),
        pytest.param(wib(2025, 2, 16, 23, 59, 59, 999000), True, id="sunday-23:59:59.999-in"),
        pytest.param(wib(2025, 2, 17, 0, 0), False, id="next-monday-00:00-wib-out"),
        pytest.param(datetime(2025, 2, 16, 16, 59, tzinfo=UTC), True, id="utc-16:59-in"),
        pytest.param(datetime(2025, 2, 16, 17, 0, tzinfo=UTC), False, id="utc-17:00-out"),
        pytest.param(datetime(2025, 2, 9, 17, 0, tzinfo=UTC), True, id="utc-start-in"),
    ],
)
def test_contains_in_asia_jakarta(moment: datetime, inside: bool) -> None:
    assert WEEK_7.contains(moment, WIB) is inside


def test_contains_rejects_naive_datetime() -> None:
    with pytest.raises(ValueError, match="aware"):
        WEEK_7.contains(datetime(2025, 2, 12, 12, 0), WIB)


def test_consecutive_periods_share_a_bound() -> None:
    jan, feb = periods.month(2025, 1), periods.month(2025, 2)
    assert jan.bounds(WIB)[1] == feb.bounds(WIB)[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2025-W07", periods.iso_week(2025, 7), id="week"),
        pytest.param("2026-W53", periods.iso_week(2026, 53), id="week-53"),
        pytest.param("2025-w7", periods.iso_week(2025, 7), id="week-lenient"),
        pytest.param("2025-02", periods.month(2025, 2), id="month"),
        pytest.param("2025-Q1", periods.quarter(2025, 1), id="quarter"),
        pytest.param("2025-H2", periods.half(2025, 2), id="half"),
        pytest.param("2025", periods.year(2025), id="year"),
        pytest.param(
            "2025-01-01..2025-02-16",
            periods.date_range(date(2025, 1, 1), date(2025, 2, 16)),
            id="range",
        ),
        pytest.param(
            "2025-02-16", periods.date_range(date(2025, 2, 16), date(2025, 2, 16)), id="one-day"
        ),
        pytest.param(" 2025-Q4 ", periods.quarter(2025, 4), id="whitespace"),
    ],
)
def test_parse_period(text: str, expected: Period) -> None:
    assert periods.parse_period(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("2025-W53", "week", id="missing-week-53"),
        pytest.param("2025-13", "month must", id="month-13"),
        pytest.param("2025-Q5", "quarter must", id="quarter-5"),
        pytest.param("2025-H3", "half must", id="half-3"),
        pytest.param("2025-02-17..2025-02-16", "before it starts", id="range-backwards"),
        pytest.param("2025-02-30", "out of range", id="no-such-day"),
        pytest.param("20250216", "not a period", id="compact-date"),
        pytest.param("minggu lalu", "not a period", id="words"),
        pytest.param("", "not a period", id="empty"),
    ],
)
def test_parse_period_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        periods.parse_period(text)


@pytest.mark.parametrize(
    "period",
    [
        pytest.param(periods.iso_week(2020, 53), id="week"),
        pytest.param(periods.month(2025, 11), id="month"),
        pytest.param(periods.quarter(2025, 3), id="quarter"),
        pytest.param(periods.half(2025, 1), id="half"),
        pytest.param(periods.year(2025), id="year"),
        pytest.param(periods.year_to_date(date(2025, 2, 16)), id="ytd"),
    ],
)
def test_key_round_trips(period: Period) -> None:
    parsed = periods.parse_period(period.key)
    assert parsed.key == period.key
    assert (parsed.start, parsed.end) == (period.start, period.end)


def test_parse_week() -> None:
    assert periods.parse_week("2025-W07") == periods.iso_week(2025, 7)
    with pytest.raises(ValueError, match="ISO week"):
        periods.parse_week("2025-07")


@pytest.mark.parametrize(
    ("now", "today"),
    [
        pytest.param(datetime(2025, 2, 16, 16, 59, tzinfo=UTC), date(2025, 2, 16), id="utc-16:59"),
        pytest.param(datetime(2025, 2, 16, 17, 0, tzinfo=UTC), date(2025, 2, 17), id="utc-17:00"),
        pytest.param(wib(2025, 12, 31, 23, 59), date(2025, 12, 31), id="wib-new-years-eve"),
    ],
)
def test_local_today(now: datetime, today: date) -> None:
    assert periods.local_today(WIB, now) == today


def test_local_today_defaults_to_now_and_rejects_naive() -> None:
    assert isinstance(periods.local_today(WIB), date)
    with pytest.raises(ValueError, match="aware"):
        periods.local_today(WIB, datetime(2025, 2, 16, 12, 0))


# ---------------------------------------------------------------------------- words and codes

THURSDAY = date(2026, 11, 19)  # ISO week 2026-W47, triwulan IV, semester 2


# (typed, today, first day, last day); "today" is THURSDAY unless given.
READ = [
    ("minggu ini", None, "2026-11-16", "2026-11-19"),  # Monday up to today
    ("pekan ini", None, "2026-11-16", "2026-11-19"),
    ("this week", None, "2026-11-16", "2026-11-19"),
    ("minggu ini", "2026-11-16", "2026-11-16", "2026-11-16"),  # on a Monday: one day
    ("minggu lalu", None, "2026-11-09", "2026-11-15"),
    ("last week", "2026-11-22", "2026-11-09", "2026-11-15"),  # a Sunday is in its own week
    ("minggu lalu", "2027-01-04", "2026-12-28", "2027-01-03"),  # 2026-W53
    ("bulan ini", None, "2026-11-01", "2026-11-19"),
    ("this month", "2026-11-01", "2026-11-01", "2026-11-01"),
    ("bulan lalu", None, "2026-10-01", "2026-10-31"),
    ("last month", "2026-01-15", "2025-12-01", "2025-12-31"),
    ("bulan lalu", "2024-03-31", "2024-02-01", "2024-02-29"),
    ("triwulan ini", None, "2026-10-01", "2026-11-19"),
    ("this quarter", "2026-02-03", "2026-01-01", "2026-02-03"),
    ("triwulan lalu", None, "2026-07-01", "2026-09-30"),
    ("last quarter", "2026-02-03", "2025-10-01", "2025-12-31"),
    ("semester ini", None, "2026-07-01", "2026-11-19"),
    ("semester lalu", None, "2026-01-01", "2026-06-30"),
    ("last half", "2026-03-01", "2025-07-01", "2025-12-31"),
    ("tahun ini", None, "2026-01-01", "2026-11-19"),
    ("this year", None, "2026-01-01", "2026-11-19"),
    ("tahun lalu", None, "2025-01-01", "2025-12-31"),
    ("last year", None, "2025-01-01", "2025-12-31"),
    ("  Bulan   LALU ", None, "2026-10-01", "2026-10-31"),
    ("2026-W47", None, "2026-11-16", "2026-11-22"),
    ("2026-w47", None, "2026-11-16", "2026-11-22"),
    ("2026-11", None, "2026-11-01", "2026-11-30"),
    ("2026-Q3", None, "2026-07-01", "2026-09-30"),
    ("2026-H1", None, "2026-01-01", "2026-06-30"),
    ("2026", None, "2026-01-01", "2026-12-31"),
    ("2026-01-01..2026-02-16", None, "2026-01-01", "2026-02-16"),
]


@pytest.mark.parametrize(
    ("text", "today", "start", "end"),
    [pytest.param(*case, id=f"{case[0].strip()}-{case[1] or 'thursday'}") for case in READ],
)
def test_read_period_understands_words_and_codes(
    text: str, today: str | None, start: str, end: str
) -> None:
    day = date.fromisoformat(today) if today else THURSDAY
    period = periods.read_period(text, day)
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)


def test_the_kinds_of_what_is_read() -> None:
    """Whole calendar periods keep their kind and key; "this ..." runs up to today."""
    assert periods.read_period("bulan lalu", THURSDAY).key == "2026-10"
    assert periods.read_period("minggu lalu", THURSDAY).key == "2026-W46"
    assert periods.read_period("triwulan lalu", THURSDAY).key == "2026-Q3"
    assert periods.read_period("tahun lalu", THURSDAY).key == "2025"
    assert periods.read_period("tahun ini", THURSDAY).kind == "ytd"
    assert periods.read_period("minggu ini", THURSDAY).key == "2026-11-16..2026-11-19"


@pytest.mark.parametrize(
    "text", ["", "kemarin dulu", "bulan depan", "minggu", "2026-13", "2026-W54", "ini bulan"]
)
def test_read_period_refuses_what_it_does_not_know(text: str) -> None:
    with pytest.raises(ValueError, match=r"period|week|month"):
        periods.read_period(text, THURSDAY)


def test_every_relative_period_has_words_in_both_languages() -> None:
    named = set(periods.PERIOD_WORDS.values())
    assert named == set(periods.RELATIVE_PERIODS)
    for name in periods.RELATIVE_PERIODS:
        words = [w for w, n in periods.PERIOD_WORDS.items() if n == name]
        assert any(w.endswith((" ini", " lalu")) for w in words), name
        assert any(w.startswith(("this ", "last ")) for w in words), name


def test_current_keys_give_examples_of_this_year() -> None:
    assert periods.current_keys(THURSDAY) == {
        "year": "2026",
        "quarter": "2026-Q4",
        "month": "2026-11",
        "week": "2026-W47",
    }
    # On 1 January 2027 the current ISO week is still 2026-W53: the example is a real week.
    assert periods.current_keys(date(2027, 1, 1))["week"] == "2026-W53"
