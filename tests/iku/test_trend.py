"""Where a figure stands against its target, how it moved since last week, which weeks a trend
covers."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest

from iku.periods import iso_week
from iku.trend import Change, Direction, Standing, change, standing, trend_weeks


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        (100.0, Standing.MET),
        (80.0, Standing.MET),
        (79.995, Standing.MET),  # shown as 80,00%: it reads as reached, so it is
        (79.99, Standing.NEAR),
        (70.0, Standing.NEAR),
        (69.99, Standing.BELOW),
        (20.0, Standing.BELOW),
        (0.0, Standing.BELOW),
        (None, Standing.NO_DATA),
    ],
)
def test_standing_against_a_target_of_80(percent: float | None, expected: Standing) -> None:
    assert standing(percent, 80.0) is expected


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (83.2, 80.0, Change(Direction.UP, 3.2)),
        (76.39, 80.0, Change(Direction.DOWN, 3.61)),
        (80.004, 79.996, Change(Direction.SAME)),  # both shown as 80,00
        (50.0, 50.0, Change(Direction.SAME)),
        (0.0, 100.0, Change(Direction.DOWN, 100.0)),
        (None, 80.0, Change(Direction.NO_DATA)),
        (80.0, None, Change(Direction.NO_DATA)),
        (None, None, Change(Direction.NO_DATA)),
    ],
    ids=["up", "down", "same-as-shown", "same", "all-the-way", "no-week", "no-week-before", "none"],
)
def test_change_from_the_week_before(
    current: float | None, previous: float | None, expected: Change
) -> None:
    assert change(current, previous) == expected


def test_twelve_weeks_run_back_across_the_new_year() -> None:
    weeks = trend_weeks(iso_week(2026, 3))
    assert len(weeks) == 12
    assert [week.key for week in weeks[-4:]] == ["2025-W52", "2026-W01", "2026-W02", "2026-W03"]
    assert weeks[0].start == date(2025, 10, 27) and weeks[-1].end == date(2026, 1, 18)
    # Monday to Sunday, one after the other, no day missed.
    assert all((later.start - earlier.end).days == 1 for earlier, later in pairwise(weeks))


def test_a_53_week_year_keeps_its_last_week() -> None:
    keys = [week.key for week in trend_weeks(iso_week(2027, 1), 3)]
    assert keys == ["2026-W52", "2026-W53", "2027-W01"]
