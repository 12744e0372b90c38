"""Working days for the SP4N-LAPOR! clocks, checked against a printed calendar of 2025."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from iku.workdays import (
    add_working_days,
    effective_receipt,
    is_working_day,
    working_days_between,
)

NONE: frozenset[date] = frozenset()
IDUL_FITRI = frozenset({date(2025, 3, 31)})
# Lebaran 2025: cuti bersama 28 March, Idul Fitri 31 March and 1 April, cuti bersama 2-7 April.
LEBARAN_2025 = frozenset(date(2025, 3, 28) + timedelta(days=n) for n in (0, 3, 4, 5, 6, 7, 10))


@pytest.mark.parametrize(
    ("start", "days", "holidays", "due"),
    [
        pytest.param(date(2025, 3, 3), 3, NONE, date(2025, 3, 6), id="monday-3-thursday"),
        pytest.param(date(2025, 3, 7), 3, NONE, date(2025, 3, 12), id="friday-3-wednesday"),
        pytest.param(date(2025, 3, 8), 3, NONE, date(2025, 3, 13), id="saturday-3-thursday"),
        pytest.param(date(2025, 3, 9), 3, NONE, date(2025, 3, 13), id="sunday-3-thursday"),
        pytest.param(date(2025, 3, 7), 1, NONE, date(2025, 3, 10), id="friday-1-monday"),
        pytest.param(date(2025, 3, 8), 1, NONE, date(2025, 3, 11), id="saturday-1-tuesday"),
        pytest.param(date(2025, 3, 3), 5, NONE, date(2025, 3, 10), id="monday-5-next-monday"),
        pytest.param(date(2025, 3, 8), 0, NONE, date(2025, 3, 8), id="zero-days-is-start"),
        pytest.param(date(2025, 3, 28), 3, IDUL_FITRI, date(2025, 4, 3),
                     id="friday-over-idul-fitri"),
        pytest.param(date(2025, 3, 28), 3, NONE, date(2025, 4, 2), id="same-without-holiday"),
        pytest.param(date(2025, 3, 27), 3, LEBARAN_2025, date(2025, 4, 10),
                     id="thursday-over-lebaran-week"),
        pytest.param(date(2025, 3, 28), 1, LEBARAN_2025, date(2025, 4, 9),
                     id="received-on-holiday-counts-from-next-working-day"),
        pytest.param(date(2025, 1, 2), 60, NONE, date(2025, 3, 27), id="sixty-days"),
        pytest.param(date(2024, 12, 31), 1, frozenset({date(2025, 1, 1)}), date(2025, 1, 2),
                     id="new-year-holiday"),
        pytest.param(date(2024, 2, 28), 1, NONE, date(2024, 2, 29), id="leap-day-is-working"),
    ],
)  # fmt: skip
def test_add_working_days(start: date, days: int, holidays: frozenset[date], due: date) -> None:
    assert add_working_days(start, days, holidays) == due


def test_add_working_days_accepts_a_list_and_rejects_negative() -> None:
    assert add_working_days(date(2025, 3, 28), 3, [date(2025, 3, 31)]) == date(2025, 4, 3)
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2025, 3, 3), -1, NONE)


@pytest.mark.parametrize(
    ("start", "end", "holidays", "count"),
    [
        pytest.param(date(2025, 3, 3), date(2025, 3, 3), NONE, 0, id="same-day"),
        pytest.param(date(2025, 3, 5), date(2025, 3, 3), NONE, 0, id="end-before-start"),
        pytest.param(date(2025, 3, 3), date(2025, 3, 4), NONE, 1, id="next-day"),
        pytest.param(date(2025, 3, 7), date(2025, 3, 9), NONE, 0, id="friday-to-sunday"),
        pytest.param(date(2025, 3, 7), date(2025, 3, 12), NONE, 3, id="friday-to-wednesday"),
        pytest.param(date(2025, 3, 8), date(2025, 3, 10), NONE, 0, id="saturday-to-monday"),
        pytest.param(date(2025, 3, 8), date(2025, 3, 13), NONE, 3, id="saturday-to-thursday"),
        pytest.param(date(2025, 3, 28), date(2025, 4, 4), IDUL_FITRI, 4,
                     id="week-with-idul-fitri"),
        pytest.param(date(2025, 3, 1), date(2025, 3, 31), NONE, 20,
                     id="saturday-1-march-deemed-monday-3"),
        pytest.param(date(2025, 2, 28), date(2025, 3, 31), NONE, 21, id="all-of-march-2025"),
    ],
)  # fmt: skip
def test_working_days_between(
    start: date, end: date, holidays: frozenset[date], count: int
) -> None:
    assert working_days_between(start, end, holidays) == count


def test_between_inverts_add_for_every_start_day() -> None:
    # Every day of Lebaran 2025 and the weeks around it, 0 to 12 working days.
    for offset in range(28):
        start = date(2025, 3, 20) + timedelta(days=offset)
        for days in range(13):
            due = add_working_days(start, days, LEBARAN_2025)
            assert working_days_between(start, due, LEBARAN_2025) == days, (start, days)


@pytest.mark.parametrize(
    ("day", "holidays", "working"),
    [
        pytest.param(date(2025, 3, 7), NONE, True, id="friday"),
        pytest.param(date(2025, 3, 8), NONE, False, id="saturday"),
        pytest.param(date(2025, 3, 9), NONE, False, id="sunday"),
        pytest.param(date(2025, 3, 31), IDUL_FITRI, False, id="idul-fitri"),
    ],
)
def test_is_working_day(day: date, holidays: frozenset[date], working: bool) -> None:
    assert is_working_day(day, holidays) is working


def test_effective_receipt_moves_to_next_working_day() -> None:
    assert effective_receipt(date(2025, 3, 29), IDUL_FITRI) == date(2025, 4, 1)
    assert effective_receipt(date(2025, 4, 1), IDUL_FITRI) == date(2025, 4, 1)
