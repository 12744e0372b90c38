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
from handlers.dialogue import Dialogue, duration_text
from handlers.replies import send_text
from i18n import Texts
from iku.dialogues import DraftClock

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
    """Remind people of dialogues they left half-filled, once, and end those silent too long.

    A dialogue holding typed work is kept ``[conversation] draft_days``, with a reminder after
    ``reminder_hours``; a quiet one (an optional comment) ends after ``idle_timeout_minutes``.
    Reads the persisted last activity, so conversations left open before a restart are found
    too; a conversation this process saw move later counts from then.
    """
    application = context.application
    services = services_of(application)
    now = services.clock()
    quiet, drafts = clocks(services.config)
    soonest = min(quiet.keep, drafts.remind or drafts.keep)
    async with services.database.sessions() as session:
        idle = await conversations.fetch_idle_conversations(session, now - soonest)
    by_name = dialogues(application)
    for name, key, updated_at in idle:
        dialogue = by_name.get(name)
        if dialogue is None or not dialogue.active(key):
            async with services.database.transaction() as session:
                await conversations.delete_conversation(session, name, key)
            continue
        seen = dialogue.seen_at(key)
        last = max(updated_at, seen) if seen is not None else updated_at
        clock = quiet if dialogue.quiet_expiry else drafts
        user_data = application.user_data.get(int(key[1]))
        due = clock.due(last, now, reminded=dialogue.was_reminded(user_data))
        if due == "expire":
            await _expire(application, dialogue, key, clock.keep)
        elif due == "remind":
            await _remind(application, dialogue, key, clock.left(last, now))


def clocks(config: Config) -> tuple[DraftClock, DraftClock]:
    """How long quiet dialogues wait, and how long the others keep their draft."""
    settings = config.conversation
    quiet = DraftClock(keep=timedelta(minutes=settings.idle_timeout_minutes))
    reminder = timedelta(hours=settings.reminder_hours) if settings.reminder_hours else None
    return quiet, DraftClock(keep=timedelta(days=settings.draft_days), remind=reminder)


async def _expire(
    application: Any, dialogue: Dialogue, key: tuple[int | str, ...], kept: timedelta
) -> None:
    chat_id, user_id = int(key[0]), int(key[1])
    user_data = application.user_data.get(user_id)
    draft = dict((user_data or {}).get(str(dialogue.name)) or {})
    dialogue.expire(key, user_data)
    # Saved before the notice, as every step is: a crash cannot resurrect it, nor repeat it.
    await dialogue.save(application, key)
    # A private chat's id is the person's id. A dialogue left in a group by an older version
    # (they happen in private chats only now) ends without a word to the group.
    if dialogue.quiet_expiry or chat_id != user_id:
        return
    texts = _texts_of(application, user_data)
    what = dialogue.discarded(texts, draft) or texts("conversation.discarded")
    text = texts("conversation.expired", what=what, duration=duration_text(texts, kept))
    await _tell(application, dialogue, chat_id, "expired", text)


async def _remind(
    application: Any, dialogue: Dialogue, key: tuple[int | str, ...], left: timedelta
) -> None:
    """Once per silence: the draft is still kept, and here is the question it is at."""
    chat_id, user_id = int(key[0]), int(key[1])
    user_data = application.user_data[user_id]  # a defaultdict behind a read-only view
    dialogue.mark_reminded(user_data)
    # Only the person's data is written, not the conversation's row: its time is the last
    # answer's, from which the draft's days are counted.
    if (persistence := application.persistence) is not None:
        await persistence.update_user_data(user_id, user_data)
    if chat_id != user_id:
        return
    texts = _texts_of(application, user_data)
    draft = user_data.get(str(dialogue.name)) or {}
    what = dialogue.discarded(texts, draft) or texts("conversation.discarded")
    text = texts("conversation.reminder", what=what, duration=duration_text(texts, left))
    question = dialogue.question_in(user_data)
    params: dict[str, object] = {}
    if question is not None:
        text = f"{text}\n\n{question.text}"
        params = {"reply_markup": question.reply_markup(), **question.params}
    await _tell(application, dialogue, chat_id, "reminded", text, **params)


def _texts_of(application: Any, user_data: dict[str, Any] | None) -> Texts:
    services = services_of(application)
    language = (user_data or {}).get("lang") or services.config.bot.default_language
    return services.catalog.for_language(language)


async def _tell(
    application: Any, dialogue: Dialogue, chat_id: int, what: str, text: str, **params: object
) -> None:
    try:
        await send_text(application.bot, chat_id, text, **params)
    except Forbidden:
        log.info("conversation %s %s; the person has blocked the bot", dialogue.name, what)
    except TelegramError as error:
        log.warning(
            "conversation %s %s; notice not sent: %s", dialogue.name, what, type(error).__name__
        )
