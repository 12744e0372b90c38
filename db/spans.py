"""Counting several runs of days in one query: a trend (the weekly summary's twelve weeks, the
dashboard's year of weeks, its week / month / year to date) is one query per figure, not one per
span.

The rows between the first span's start and the last span's end (:func:`within_spans`, an index
range) are grouped by their day, which the date index delivers in order, and the days' counts
are added into their spans in Python (:func:`day_spans`; spans may overlap). A CASE with one
branch per span, tried first, cost a comparison per branch per row: 2,2 s for a year of weeks
at a million responses, against 0,2 s this way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_

Span = tuple[date, date]  # local days, both inclusive


def within_spans(column: Any, spans: Sequence[Span]) -> ColumnElement[bool]:
    """``column`` between the first span's start and the last span's end (an index range)."""
    return and_(column >= min(start for start, _ in spans), column <= max(end for _, end in spans))


def day_spans(spans: Sequence[Span]) -> dict[date, list[int]]:
    """Each day of the spans -> the numbers of the spans holding it (spans may overlap: the
    overview's week, month and year to date)."""
    found: dict[date, list[int]] = {}
    for index, (start, end) in enumerate(spans):
        day = start
        while day <= end:
            found.setdefault(day, []).append(index)
            day += timedelta(days=1)
    return found
