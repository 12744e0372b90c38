"""The bot's schedule, declared in one place with stable job names.

Every job the bot runs is a row of :func:`schedule`; names are unique (a meta test checks it) so
jobs can be found again, and logs say which job did what.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application

from bot.config import Config
from bot.summary import deliver_summary, due_week
from db import conversations
from handlers import complaint_card, delivery, note_requests, trantib
from handlers.context import AppContext, services_of
from handlers.dialogue import Dialogue

log = logging.getLogger(__name__)

JobCallback = Callable[[AppContext], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Job:
    """One scheduled job: on a crontab line (kecamatan time), every ``every`` seconds, or daily
    at ``daily_at`` (an aware local time); also ``first`` seconds after start (None: not at
    start; crontab jobs run only on their line)."""

    name: str
    callback: JobCallback
    every: float | None = None
    first: float | None = 0
    cron: str | None = None
    daily_at: time | None = None

    def __post_init__(self) -> None:
        given = [self.every is not None, self.daily_at is not None, self.cron is not None]
        if sum(given) != 1:
            raise ValueError(f"job {self.name}: give exactly one of every, daily_at and cron")


def schedule(config: Config) -> tuple[Job, ...]:
    tz = config.kecamatan.tz
    return (
        # First run right at start: conversations that went idle while the bot was down end now.
        Job(
            "conversations.sweep_idle", sweep_idle, every=config.conversation.sweep_interval_seconds
        ),
        Job("summary.weekly", send_due_summary, cron=config.schedule.weekly_summary),
        # At start and every few minutes: a summary missed while the bot was down, or whose
        # sending failed, goes out now (idempotent: a delivered one is never sent again).
        Job("summary.catch_up", send_due_summary, every=300, first=5),
        # Also at start, to catch up on a day the bot was down at report time; the job itself
        # waits for the hour and records what it listed, so it never lists a complaint twice.
        Job(
            "complaints.overdue_report",
            trantib.overdue_report,
            daily_at=config.complaints.overdue_report_at(tz),
        ),
        # Cards and photos a stop of the bot left unpublished.
        Job("complaints.catch_up", complaint_card.catch_up, every=300, first=30),
        # What moves owe to reporters and to the cards: at start (a kill right after a move),
        # and every few seconds for the entries waiting to be tried again. Each move also
        # starts a delivery itself, so this is the safety net, not the usual path.
        Job("outbox.deliver", delivery.deliver_job, every=delivery.TICK_SECONDS, first=1),
        # Note requests left unanswered past [complaints] note_timeout_minutes end, and their
        # officials are told; at start too, for those that ran out while the bot was down.
        Job("complaints.expire_note_requests", note_requests.expire_note_requests, every=60),
    )


def install(application: Application[Any, Any, Any, Any, Any, Any], config: Config) -> None:
    job_queue = application.job_queue
    assert job_queue is not None, "python-telegram-bot[job-queue] is a dependency"
    for job in schedule(config):
        if job.cron is not None:
            trigger = CronTrigger.from_crontab(job.cron, timezone=config.kecamatan.tz)
            job_queue.run_custom(job.callback, job_kwargs={"trigger": trigger}, name=job.name)
        elif job.daily_at is not None:
            job_queue.run_daily(job.callback, time=job.daily_at, name=job.name)
            if job.first is not None:
                job_queue.run_once(job.callback, when=job.first, name=job.name)
        else:
            assert job.every is not None
            job_queue.run_repeating(
                job.callback, interval=job.every, first=job.first, name=job.name
            )


async def send_due_summary(context: AppContext) -> None:
    """Deliver the weekly summary that is due and not yet delivered, if any."""
    services = services_of(context.application)
    now = services.clock()
    week = due_week(services.config, now)
    if week is not None:
        await deliver_summary(context.bot, services.database, services.config, week, now)


def dialogues(application: Application[Any, Any, Any, Any, Any, Any]) -> dict[str, Dialogue]:
    return {
        handler.name: handler
        for group in application.handlers.values()
        for handler in group
        if isinstance(handler, Dialogue) and handler.name
    }


async def sweep_idle(context: AppContext) -> None:
    """End dialogues idle longer than ``[conversation] idle_timeout_minutes``, politely.

    Reads the persisted last activity, so conversations left open before a restart are found too.
    A conversation this process saw move recently is spared even if the database lags behind.
    """
    application = context.application
    services = services_of(application)
    limit = timedelta(minutes=services.config.conversation.idle_timeout_minutes)
    idle_since = services.clock() - limit
    async with services.database.sessions() as session:
        idle = await conversations.fetch_idle_conversations(session, idle_since)
    by_name = dialogues(application)
    for name, key in idle:
        dialogue = by_name.get(name)
        if dialogue is None or not dialogue.active(key):
            async with services.database.transaction() as session:
                await conversations.delete_conversation(session, name, key)
            continue
        seen = dialogue.seen_at(key)
        if seen is not None and seen >= idle_since:
            continue
        await _expire(application, dialogue, key)


async def _expire(application: Any, dialogue: Dialogue, key: tuple[int | str, ...]) -> None:
    chat_id, user_id = int(key[0]), int(key[1])
    user_data = application.user_data.get(user_id)
    dialogue.expire(key, user_data)
    # Saved before the notice, as every step is: a crash cannot resurrect it, nor repeat it.
    await dialogue.save(application, key)
    # A private chat's id is the person's id. A dialogue left in a group by an older version
    # (they happen in private chats only now) ends without a word to the group.
    if dialogue.quiet_expiry or chat_id != user_id:
        return
    services = services_of(application)
    texts = services.catalog.for_language(
        (user_data or {}).get("lang") or services.config.bot.default_language
    )
    minutes = services.config.conversation.idle_timeout_minutes
    try:
        await application.bot.send_message(chat_id, texts("conversation.expired", minutes=minutes))
    except Forbidden:
        log.info("conversation %s expired; the person has blocked the bot", dialogue.name)
    except TelegramError as error:
        log.warning(
            "conversation %s expired; notice not sent: %s", dialogue.name, type(error).__name__
        )
