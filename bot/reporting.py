"""Gathers the IKU report of a period from the database (composition only: the queries live in
``db/``, the formulas and wording in ``iku/``)."""

from __future__ import annotations

from datetime import date, datetime

from bot.config import Config
from db import complaints
from db.engine import Database
from iku.periods import Period, date_range, local_today, year_to_date
from iku.report import IkuReport


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
    """The four IKU of ``period`` as of ``now``. One read-only session for all of them."""
    today = local_today(config.kecamatan.tz, now)
    async with database.sessions() as session:
        figures = await complaints.fetch_figures(session, period.start, period.end, today)
        return IkuReport(kecamatan=config.kecamatan.name, period=period, complaints=figures)
