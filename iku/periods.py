"""Reporting periods: weeks, months, triwulan, semester, years, year to date and date ranges.

A :class:`Period` is a run of whole days in the kecamatan's local calendar, both ends inclusive.
Databases store UTC timestamps, so :meth:`Period.bounds` turns the days into a half-open UTC
interval ``[start 00:00 local, day after end 00:00 local)``: a timestamp at 23:59:59.999 local on
``end`` is inside, local midnight after ``end`` is outside. Half-open bounds leave no gap and no
overlap between consecutive periods, whatever the clock resolution.

Keys (:attr:`Period.key`) are stable identifiers, used e.g. to record which weekly summary was
delivered to which chat, and :func:`parse_period` reads every one of them back:

==========  ==========================  =========================================
kind        key                         days
==========  ==========================  =========================================
week        ``2025-W07``                ISO 8601 week, Monday to Sunday
month       ``2025-02``                 first to last day of the month
quarter     ``2025-Q1``                 triwulan: Q1 Jan-Mar ... Q4 Oct-Dec
half        ``2025-H1``                 semester: H1 Jan-Jun, H2 Jul-Dec
year        ``2025``                    1 January to 31 December
ytd         ``2025-01-01..2025-02-16``  1 January to "today" (same key as a range)
range       ``2025-01-01..2025-02-16``  any two dates, both inclusive
==========  ==========================  =========================================

People also name periods in words, relative to today: "minggu ini", "bulan lalu", "last
year" (:data:`PERIOD_WORDS`). :func:`read_period` reads both the words and the keys; a period
"this ..." runs from its first day up to today, a period "last ..." is the whole calendar one.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KINDS = frozenset({"range", "week", "month", "quarter", "half", "year", "ytd"})

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Period:
    """Whole local days ``start``..``end`` (both inclusive) with the numbers that label them.

    ``year`` is the calendar year, except for weeks where it is the ISO week-numbering year
    (2024-12-30 is in 2025-W01). ``number`` is the week (1-53), month (1-12), quarter (1-4) or
    half (1-2) number; both are ``None`` where they do not apply (a free range has neither).
    """

    start: date
    end: date
    kind: str
    year: int | None = None
    number: int | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")
        if self.kind not in KINDS:
            raise ValueError(f"unknown period kind {self.kind!r}")

    @property
    def days(self) -> int:
        """Number of days in the period, both ends counted: ``end - start + 1``."""
        return (self.end - self.start).days + 1

    @property
    def key(self) -> str:
        """Stable string id, e.g. ``2025-W07``; see the module docstring for every form."""
        if self.kind == "week":
            return f"{self.year:04d}-W{self.number:02d}"
        if self.kind == "month":
            return f"{self.year:04d}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.number}"
        if self.kind == "half":
            return f"{self.year:04d}-H{self.number}"
        if self.kind == "year":
            return f"{self.year:04d}"
        # A year to date is only identified by its end day, so it shares the range form.
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Half-open UTC interval ``[start 00:00 local, (end + 1 day) 00:00 local)``.

        In Asia/Jakarta (UTC+7) the days 2025-02-10..2025-02-16 give
        ``[2025-02-09 17:00 UTC, 2025-02-16 17:00 UTC)``.
        """
        return _local_midnight_utc(self.start, tz), _local_midnight_utc(self.end + _ONE_DAY, tz)

    def contains(self, dt: datetime, tz: ZoneInfo) -> bool:
        """Whether the aware instant ``dt`` falls on one of the period's local days."""
        if dt.tzinfo is None or dt.utcoffset() is None:
            # A naive time could be local or UTC; guessing would move events across midnight.
            raise ValueError("contains() needs a timezone-aware datetime")
        low, high = self.bounds(tz)
        return low <= dt < high


def _local_midnight_utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def date_range(start: date, end: date) -> Period:
    """Any run of days, both inclusive; ValueError when ``end < start``."""
    return Period(start, end, "range")


def iso_week(year: int, week: int) -> Period:
    """ISO 8601 week ``week`` of ISO year ``year``: Monday to Sunday.

    Week 1 is the week holding the year's first Thursday, so it may start in December
    (2025-W01 starts 2024-12-30) or in January (2021-W01 starts 2021-01-04). Week 53 exists
    only in "long" years (2026 has one, 2025 does not); asking for a missing week is a ValueError.
    """
    monday = date.fromisocalendar(year, week, 1)
    return Period(monday, monday + timedelta(days=6), "week", year, week)


def month(year: int, m: int) -> Period:
    """Calendar month ``m`` (1-12) of ``year``, first to last day (29 February in leap years)."""
    if not 1 <= m <= 12:
        raise ValueError(f"month must be 1-12, got {m}")
    last = calendar.monthrange(year, m)[1]
    return Period(date(year, m, 1), date(year, m, last), "month", year, m)


def quarter(year: int, q: int) -> Period:
    """Triwulan ``q`` (1-4): months ``3q-2`` to ``3q`` of ``year``."""
    if not 1 <= q <= 4:
        raise ValueError(f"quarter must be 1-4, got {q}")
    return _months(year, 3 * q - 2, 3 * q, "quarter", q)


def half(year: int, h: int) -> Period:
    """Semester ``h`` (1-2): January-June or July-December of ``year``."""
    if h not in (1, 2):
        raise ValueError(f"half must be 1 or 2, got {h}")
    return _months(year, 6 * h - 5, 6 * h, "half", h)


def _months(year: int, first: int, last: int, kind: str, number: int) -> Period:
    return Period(month(year, first).start, month(year, last).end, kind, year, number)


def year(y: int) -> Period:
    """The calendar year ``y``, 1 January to 31 December."""
    return Period(date(y, 1, 1), date(y, 12, 31), "year", y)


def year_to_date(today: date) -> Period:
    """1 January of ``today``'s year up to and including ``today``."""
    return Period(date(today.year, 1, 1), today, "ytd", today.year)


def last_full_week(today: date) -> Period:
    """The latest Monday-Sunday week that ended before ``today``.

    On a Monday that is the week ending yesterday; on any other day, including Sunday (whose
    own week is not over yet), it is the week before the current one.
    """
    monday = today - timedelta(days=today.weekday() + 7)
    iso = monday.isocalendar()
    return iso_week(iso.year, iso.week)


def parse_week(text: str) -> Period:
    """Read an ISO week key such as ``2025-W07`` (``w`` and a one-digit week are accepted)."""
    match = re.fullmatch(r"(\d{4})-[Ww](\d{1,2})", text.strip())
    if match is None:
        raise ValueError(f"not an ISO week like 2025-W07: {text!r}")
    return iso_week(int(match[1]), int(match[2]))


_PATTERNS = (
    (re.compile(r"(\d{4})-[Ww](\d{1,2})"), iso_week),
    (re.compile(r"(\d{4})-(\d{2})"), month),
    (re.compile(r"(\d{4})-[Qq](\d)"), quarter),
    (re.compile(r"(\d{4})-[Hh](\d)"), half),
)


def parse_period(text: str) -> Period:
    """Read any period key back (see the module docstring), for the command line.

    Also accepts a single date ``2025-02-16`` as a one-day range. A year-to-date key reads back
    as a ``range`` of the same days, since both share one key. Anything else is a ValueError.
    """
    cleaned = text.strip()
    for pattern, build in _PATTERNS:
        match = pattern.fullmatch(cleaned)
        if match is not None:
            return build(int(match[1]), int(match[2]))
    if re.fullmatch(r"\d{4}", cleaned):
        return year(int(cleaned))
    return _parse_dates(cleaned)


_DATES = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?")


def _parse_dates(text: str) -> Period:
    # A strict pattern, because date.fromisoformat alone also takes forms like 20250216.
    match = _DATES.fullmatch(text)
    if match is None:
        raise ValueError(
            f"not a period (2025-W07, 2025-02, 2025-Q1, 2025-H1, 2025, "
            f"2025-01-01..2025-02-16): {text!r}"
        )
    start = date.fromisoformat(match[1])
    end = date.fromisoformat(match[2]) if match[2] else start
    return date_range(start, end)


def local_today(tz: ZoneInfo, now: datetime | None = None) -> date:
    """The kecamatan's calendar date at the aware instant ``now`` (default: the current time)."""
    if now is None:
        now = datetime.now(tz)
    elif now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("local_today() needs a timezone-aware datetime")
    return now.astimezone(tz).date()


# Periods named relative to today, in the order offered to people.
RELATIVE_PERIODS = (
    "this_week",
    "last_week",
    "this_month",
    "last_month",
    "this_quarter",
    "last_quarter",
    "this_half",
    "last_half",
    "this_year",
    "last_year",
)

# What officials type for them, in Indonesian and in English (lower case, single spaces).
PERIOD_WORDS = {
    "minggu ini": "this_week",
    "pekan ini": "this_week",
    "this week": "this_week",
    "minggu lalu": "last_week",
    "pekan lalu": "last_week",
    "last week": "last_week",
    "bulan ini": "this_month",
    "this month": "this_month",
    "bulan lalu": "last_month",
    "last month": "last_month",
    "triwulan ini": "this_quarter",
    "this quarter": "this_quarter",
    "triwulan lalu": "last_quarter",
    "last quarter": "last_quarter",
    "semester ini": "this_half",
    "this half": "this_half",
    "this semester": "this_half",
    "semester lalu": "last_half",
    "last half": "last_half",
    "last semester": "last_half",
    "tahun ini": "this_year",
    "this year": "this_year",
    "tahun lalu": "last_year",
    "last year": "last_year",
}


def relative_period(name: str, today: date) -> Period:
    """The period :data:`RELATIVE_PERIODS` ``name`` means on ``today``.

    "this ..." is its first day up to ``today`` (this week: Monday to today), since the rest
    has not happened; "last ..." is the whole calendar period before the current one.
    """
    if name == "this_year":
        return year_to_date(today)
    if name == "last_year":
        return year(today.year - 1)
    current = _current(name.removeprefix("this_").removeprefix("last_"), today)
    if name.startswith("this_"):
        return date_range(current.start, today)
    if name.startswith("last_"):
        return _current(current.kind, current.start - _ONE_DAY)
    raise ValueError(f"unknown relative period {name!r}")


def _current(kind: str, day: date) -> Period:
    """The week, month, quarter or half that holds ``day``."""
    if kind == "week":
        iso = day.isocalendar()
        return iso_week(iso.year, iso.week)
    if kind == "month":
        return month(day.year, day.month)
    if kind == "quarter":
        return quarter(day.year, (day.month - 1) // 3 + 1)
    if kind == "half":
        return half(day.year, (day.month - 1) // 6 + 1)
    raise ValueError(f"unknown relative period kind {kind!r}")


def read_period(text: str, today: date) -> Period:
    """What a person typed: words (:data:`PERIOD_WORDS`, any case and spacing) or a key
    (:func:`parse_period`). ValueError for anything else."""
    words = " ".join(text.lower().split())
    name = PERIOD_WORDS.get(words)
    if name is not None:
        return relative_period(name, today)
    return parse_period(text)


def current_keys(today: date) -> dict[str, str]:
    """The keys of the year, quarter, month and ISO week holding ``today``: examples of what
    to type that are real periods of now, not of the year the help was written."""
    return {
        "year": year(today.year).key,
        "quarter": _current("quarter", today).key,
        "month": _current("month", today).key,
        "week": _current("week", today).key,
    }
