"""Gathers the IKU report of a period from the database (composition only: the queries live in
``db/``, the formulas and wording in ``iku/``)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config
from db import complaints, indicators, surveys
from db.engine import Database
from iku.indicators import empowerment_facilitation, program_achievement
from iku.periods import Period, date_range, local_today, year_to_date
from iku.report import ComplaintFigures, IkuReport, SkmFigures
from iku.skm import sample_check, skm_index
from iku.trend import TREND_WEEKS, WeekFigures, trend_weeks


def period_from_args(config: Config, start: date | None, end: date | None, now: datetime) -> Period:
    """Both dates inclusive; without dates, the year to date in the kecamatan's time zone."""
    today = local_today(config.kecamatan.tz, now)
    if start is None and end is None:
        return year_to_date(today)
    end = end or today
    start = start or date(end.year, 1, 1)
    return date_range(start, end)


async def build_report(
    database: Database, config: Config, period: Period, now: datetime
) -> IkuReport:
    """The four IKU of ``period`` as of ``now``. One read-only session for all of them.

    IKU 1 and IKU 3 are annual: they show the plan year of the period's last day, as it stands
    (indicators) or as it stood at the period's end (activities facilitated by then). IKU 4
    counts the complaints received in the period, with the overdue ones as of today.
    """
    plan_year = period.end.year
    today = local_today(config.kecamatan.tz, now)
    async with database.sessions() as session:
        skm = await skm_figures(session, period)
        figures = await complaints.fetch_figures(session, period.start, period.end, today)
        programs = await indicators.count_programs(session, plan_year)
        activities = await indicators.count_activities(session, plan_year, period.end)
    return IkuReport(
        kecamatan=config.kecamatan.name,
        period=period,
        skm=skm,
        complaints=figures,
        programs=program_achievement(*programs),
        empowerment=empowerment_facilitation(*activities),
    )


async def build_trend(
    database: Database, config: Config, last: Period, now: datetime, weeks: int = TREND_WEEKS
) -> tuple[WeekFigures, ...]:
    """IKM and IKU 4 of the ``weeks`` ISO weeks ending with ``last``, oldest first: one grouped
    query per IKU, not one report per week."""
    periods = trend_weeks(last, weeks)
    spans = [(week.start, week.end) for week in periods]
    today = local_today(config.kecamatan.tz, now)
    async with database.sessions() as session:
        skm = await surveys.fetch_skm_totals_per_span(session, spans)
        figures = await complaints.fetch_figures_per_span(session, spans, today)
    return tuple(
        WeekFigures(week, skm_index(totals, respondents), counts.ratio)
        for week, (totals, respondents), counts in zip(periods, skm, figures, strict=True)
    )


async def build_overview(
    database: Database,
    config: Config,
    periods: Sequence[Period],
    last: Period,
    now: datetime,
    weeks: int = TREND_WEEKS,
) -> tuple[list[IkuReport], tuple[WeekFigures, ...]]:
    """:func:`build_report` of each of ``periods`` and :func:`build_trend` of the ``weeks``
    weeks ending with ``last``, with the same figures, for the dashboard's overview: the
    survey sums (from the daily roll-up) and the complaint counts of all of them come from one
    grouped query each, side by side (the periods overlap the trend: one pass, not one per
    figure)."""
    weeks_shown = trend_weeks(last, weeks)
    spans = [(span.start, span.end) for span in (*periods, *weeks_shown)]
    today = local_today(config.kecamatan.tz, now)

    async def survey_sums() -> list[tuple[dict[str, int], int]]:
        async with database.sessions() as session:
            return await surveys.fetch_skm_totals_per_span(session, spans)

    async def complaint_counts() -> list[ComplaintFigures]:
        async with database.sessions() as session:
            return await complaints.fetch_figures_per_span(session, spans, today)

    # The two passes read different tables: side by side, on two connections.
    skm, figures = await asyncio.gather(survey_sums(), complaint_counts())
    reports = []
    async with database.sessions() as session:
        for index, period in enumerate(periods):
            totals, respondents = skm[index]
            where = surveys.Filter(period.start, period.end, None)
            population = await surveys.fetch_population(session, where)
            programs = await indicators.count_programs(session, period.end.year)
            activities = await indicators.count_activities(session, period.end.year, period.end)
            reports.append(
                IkuReport(
                    kecamatan=config.kecamatan.name,
                    period=period,
                    skm=SkmFigures(
                        result=skm_index(totals, respondents),
                        sample=sample_check(respondents, population),
                    ),
                    complaints=figures[index],
                    programs=program_achievement(*programs),
                    empowerment=empowerment_facilitation(*activities),
                )
            )
    first = len(periods)
    trend = tuple(
        WeekFigures(week, skm_index(*skm[first + index]), figures[first + index].ratio)
        for index, week in enumerate(weeks_shown)
    )
    return reports, trend


async def skm_figures(
    session: AsyncSession, period: Period, service: str | None = None, *, by_day: bool = False
) -> SkmFigures:
    """IKU 2 of ``period`` (one service, or all): the SQL sums scored by PermenPANRB 14/2017,
    and the respondents compared with the Krejcie-Morgan sample of the entered service users.

    ``by_day``: the sums from the daily roll-up the database keeps (the same figures: a year of
    one service in milliseconds, where the responses' own index covers all services only)."""
    where = surveys.Filter(period.start, period.end, service)
    fetch = surveys.fetch_day_totals if by_day else surveys.fetch_skm_totals
    totals, respondents = await fetch(session, where)
    population = await surveys.fetch_population(session, where)
    return SkmFigures(
        result=skm_index(totals, respondents),
        sample=sample_check(respondents, population),
    )
