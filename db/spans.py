"""Counting several runs of days in one query: rows grouped by which span their date falls in.

For long trends (a year of weeks) the rows are grouped by their day instead, which the date
index delivers in order, and the days' counts are added into their spans here
(:func:`day_spans`): a CASE with one branch per span costs a comparison per branch per row.

A trend (the last twelve weeks of the weekly summary) is one grouped query per figure, not one
query per week: :func:`numbered_rows` numbers each row by the span holding its date
(:func:`span_number`), and the caller groups by that number in an outer query (PostgreSQL
refuses a GROUP BY on an expression whose bind parameters differ from the select list's, so the
number is computed in a subquery).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, Subquery, and_, case, literal, select, type_coerce

Span = tuple[date, date]  # local days, both inclusive


def numbered_rows(model: Any, day: str, columns: Sequence[str], spans: Sequence[Span]) -> Subquery:
    """The ``columns`` of ``model``'s rows whose ``day`` falls in the spans, with ``span``: the
    number of the span holding it. Group the outer query by ``span``."""
    date_column = getattr(model, day)
    return (
        select(
            span_number(date_column, spans).label("span"),
            *(getattr(model, name) for name in columns),
        )
        .where(within_spans(date_column, spans))
        .subquery()
    )


def span_number(column: Any, spans: Sequence[Span]) -> ColumnElement[int]:
    """0 for a ``column`` date in the first span, 1 in the second ...; NULL outside them all."""
    number = case(
        *((column.between(start, end), literal(index)) for index, (start, end) in enumerate(spans)),
        else_=None,
    )
    return type_coerce(number, Integer)


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
