"""Where the figures stand and where they go: targets, the weekly trend, the change per week.

The Camat reads the weekly summary for direction. Each figure is judged against something a
reader knows: IKU 2 (IKM) by its grade (mutu A-D of PermenPANRB 14/2017), IKU 1, 3 and 4 by
the office's target for the year (:class:`Targets`). A change is told in points of the figure as
displayed, so "naik 0,00 poin" never appears: equal shown figures are "tetap".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from iku.format import round_half_up
from iku.periods import Period, iso_week
from iku.ratio import Ratio
from iku.skm import SkmResult

# A figure at most this many points below its target is "near" it (amber), further is "below".
NEAR_TARGET_POINTS = 10.0
TREND_WEEKS = 12


@dataclass(frozen=True)
class Targets:
    """The year's targets (percent) of the IKU measured as shares.

    The office sets them in its Perjanjian Kinerja; the defaults (80 %, four in five) are round
    placeholders under which a figure of 20 % can never look like success.
    """

    program: float = 80.0  # IKU 1: program indicators achieved
    empowerment: float = 80.0  # IKU 3: empowerment activities facilitated
    complaints: float = 80.0  # IKU 4: complaints resolved


class Standing(StrEnum):
    """How a figure stands against its target, or its grade for the IKM."""

    MET = "met"
    NEAR = "near"
    BELOW = "below"
    NO_DATA = "no_data"


def standing(percent: float | None, target: float) -> Standing:
    """MET at or above ``target`` (as displayed, two decimals), NEAR within
    :data:`NEAR_TARGET_POINTS` below it, BELOW further down; NO_DATA without a figure."""
    if percent is None:
        return Standing.NO_DATA
    shown = round_half_up(percent, 2)
    if shown >= target:
        return Standing.MET
    return Standing.NEAR if shown >= target - NEAR_TARGET_POINTS else Standing.BELOW


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    SAME = "same"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Change:
    """A figure's move from the week before: direction and size in points (never negative)."""

    direction: Direction
    points: float = 0.0


def change(current: float | None, previous: float | None) -> Change:
    """The move from ``previous`` to ``current``, as the two figures are displayed (two
    decimals). NO_DATA when either is missing: never a change from nothing."""
    if current is None or previous is None:
        return Change(Direction.NO_DATA)
    difference = round_half_up(current, 2) - round_half_up(previous, 2)
    points = round_half_up(abs(difference), 2)
    if points == 0:
        return Change(Direction.SAME)
    return Change(Direction.UP if difference > 0 else Direction.DOWN, points)


@dataclass(frozen=True)
class WeekFigures:
    """IKM and IKU 4 of one week of the trend."""

    week: Period
    skm: SkmResult | None
    complaints: Ratio

    @property
    def ikm(self) -> float | None:
        """The converted index (25-100), None without responses."""
        return None if self.skm is None else self.skm.ikm_converted

    @property
    def resolved_percent(self) -> float | None:
        return self.complaints.percent


def trend_weeks(last: Period, count: int = TREND_WEEKS) -> list[Period]:
    """The ``count`` ISO weeks ending with the week ``last``, oldest first."""
    mondays = [last.start - timedelta(weeks=back) for back in range(count - 1, -1, -1)]
    return [_week_of(monday) for monday in mondays]


def _week_of(monday: date) -> Period:
    year, number, _ = monday.isocalendar()
    return iso_week(year, number)
