"""Working-day arithmetic for the SP4N-LAPOR! clocks.

A working day is Monday to Friday and not in the configured holiday list (libur nasional and
cuti bersama, e.g. 2025-03-31 Idul Fitri).

Counting convention, shared by both functions so that
``working_days_between(s, add_working_days(s, n, h), h) == n`` for every ``s`` and ``n >= 0``:

- the day of receipt does not count; the clock starts on the next working day;
- a complaint received on a non-working day (weekend or holiday) is deemed received on the next
  working day, which then does not count either.

So with 3 working days: received Friday -> due Wednesday (Mon, Tue, Wed); received Saturday ->
deemed received Monday -> due Thursday (Tue, Wed, Thu).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta

_ONE_DAY = timedelta(days=1)


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    """Monday to Friday and not a holiday."""
    return day.weekday() < 5 and day not in holidays


def effective_receipt(day: date, holidays: Collection[date]) -> date:
    """``day`` itself when it is a working day, else the next working day."""
    while not is_working_day(day, holidays):
        day += _ONE_DAY
    return day


def add_working_days(start: date, days: int, holidays: Collection[date]) -> date:
    """The date ``days`` working days after receipt on ``start`` (see the module convention).

    ``days=0`` returns ``start`` unchanged, even on a weekend; negative ``days`` is a ValueError.
    """
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    if days == 0:
        return start
    off = frozenset(holidays)  # one hashing pass instead of a list scan per day
    day = effective_receipt(start, off)
    for _ in range(days):
        day = effective_receipt(day + _ONE_DAY, off)
    return day


def working_days_between(start: date, end: date, holidays: Collection[date]) -> int:
    """Working days counted on the clock from receipt on ``start`` up to and including ``end``.

    That is the working days in ``(effective_receipt(start), end]``; 0 when ``end <= start``.
    Received Saturday 2025-03-01, the count on Monday 2025-03-03 is 0 and on Thursday is 3.
    """
    if end <= start:
        return 0
    off = frozenset(holidays)
    day = effective_receipt(start, off)
    count = 0
    while day < end:
        day += _ONE_DAY
        count += is_working_day(day, off)
    return count
