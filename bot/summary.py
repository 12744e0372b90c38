"""The weekly IKU summary: built from the report, sent once per week per chat.

Sending is idempotent and catches up (DESIGN.md section 2): :func:`due_week` says which week is
due from the crontab line, and :func:`deliver_summary` claims the delivery in the database
before sending, so a restart never sends twice and a bot that was down at the scheduled time
sends the missed summary when it comes back. Only the latest due week is sent: after a long
outage older summaries would be stale news.
"""

from __future__ import annotations

import asyncio
import copyreg
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from telegram import Bot
from telegram.error import TelegramError

from bot import chart_worker
from bot.config import Config
from bot.reporting import build_report, build_trend
from db import deliveries
from db.engine import Database
from i18n import catalog
from iku.periods import Period, date_range, last_full_week
from iku.summary import SummaryData, chart_caption, weekly_summary_text

log = logging.getLogger(__name__)
# How far back to look for the last scheduled time: enough for a yearly crontab line.
_LOOKBACKS = (timedelta(minutes=1), timedelta(hours=1), timedelta(days=1), timedelta(days=8),
              timedelta(days=32), timedelta(days=367))  # fmt: skip


@dataclass(frozen=True)
class Summary:
    week: Period
    text: str
    chart: bytes
    caption: str


def previous_fire_time(crontab: str, tz: object, now: datetime) -> datetime | None:
    """The latest time at or before ``now`` that the crontab line fired (None: not in a year)."""
    trigger = CronTrigger.from_crontab(crontab, timezone=tz)
    for lookback in _LOOKBACKS:
        fire = trigger.get_next_fire_time(None, now - lookback)
        if fire is None or fire > now:
            continue
        while (
            following := trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
        ) and following <= now:
            fire = following
        return fire
    return None


def due_week(config: Config, now: datetime) -> Period | None:
    """The week whose summary was due at the last scheduled time, if the line ever fired."""
    tz = config.kecamatan.tz
    fired = previous_fire_time(config.schedule.weekly_summary, tz, now)
    return None if fired is None else last_full_week(fired.astimezone(tz).date())


async def gather_summary(
    database: Database, config: Config, week: Period, now: datetime
) -> SummaryData:
    """The week, the year to date (1 January to the week's Sunday), the year to date a week
    earlier (to tell its change) and the trend of the weeks up to ``week``."""
    year_start = week.end.replace(month=1, day=1)
    week_before_end = week.start - timedelta(days=1)
    year_before = None
    if week_before_end >= year_start:
        before = date_range(year_start, week_before_end)
        year_before = await build_report(database, config, before, now)
    return SummaryData(
        week=await build_report(database, config, week, now),
        year=await build_report(database, config, date_range(year_start, week.end), now),
        year_before=year_before,
        trend=await build_trend(database, config, week, now),
        targets=config.targets.targets,
    )


async def build_summary(database: Database, config: Config, week: Period, now: datetime) -> Summary:
    """Text, chart and caption for ``week``. The chart is drawn in a worker process."""
    data = await gather_summary(database, config, week, now)
    language = config.bot.default_language
    texts = catalog().for_language(language)
    chart = await draw_elsewhere(data, language)
    return Summary(week, weekly_summary_text(data, texts), chart, chart_caption(data, texts))


async def draw_elsewhere(data: SummaryData, language: str) -> bytes:
    """The chart, drawn in a process of its own.

    Drawing takes a second or two of CPU. On the event loop it would hold up every resident's
    chat; in a thread it still takes the interpreter lock from the loop for 5 ms at a time (a
    resident's step waited up to 40-120 ms while a chart was drawn beside it). A process draws
    on the other core; starting it (and its matplotlib) costs a second, once a week.
    """
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, chart_worker.draw, data, language)
    finally:
        # Waiting for the worker to exit is the pool's thread's business, not the loop's.
        await asyncio.to_thread(pool.shutdown)


def _read_only_mapping(mapping: MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    """How a read-only mapping (the scores per unsur) travels to the worker: as a copy."""
    return chart_worker.read_only, (dict(mapping),)


copyreg.pickle(MappingProxyType, _read_only_mapping)


async def deliver_summary(
    bot: Bot,
    database: Database,
    config: Config,
    week: Period,
    now: datetime,
    *,
    force: bool = False,
) -> str:
    """Send ``week``'s summary to the Camat's chat unless already sent: returns what happened
    ("sent", "already-sent", "no-chat", or "failed: <reason>")."""
    chat_id = config.telegram.camat_chat_id
    if not chat_id:
        return "no-chat"
    async with database.transaction() as session:
        if not await deliveries.claim_delivery(session, week.key, chat_id, now, force=force):
            return "already-sent"
    error = ""
    try:
        summary = await build_summary(database, config, week, now)
        await bot.send_message(chat_id, summary.text)
        await bot.send_photo(chat_id, summary.chart, caption=summary.caption)
    except TelegramError as failure:
        error = f"{type(failure).__name__}: {failure}"
    async with database.transaction() as session:
        await deliveries.finish_delivery(session, week.key, chat_id, now, error=error)
    if error:
        log.warning("weekly summary %s not delivered, will retry: %s", week.key, error)
        return f"failed: {error}"
    log.info("weekly summary %s delivered", week.key)
    return "sent"
