"""Delivering the outbox: what a change in the database owes to people and chats.

A move of a complaint writes the reporter's news and the refresh of its card to the outbox in
its own transaction (``db/outbox.py``); this module sends them. :func:`kick` starts a delivery
in the background right after that commit, so nobody waits for a tick; the job
``outbox.deliver`` runs the same delivery every few seconds and at start, as the safety net
after an error or a restart; a retry due before its next tick gets a run at its own time. Each
entry is sent and recorded in a quiet moment of the bot (``handlers.context.when_quiet``): the
residents waiting for an answer go first, a reporter's news can wait a few milliseconds.

Channel-neutral: each channel has a :class:`Sender` that turns an entry into its own calls and
says what became of it (an :class:`Outcome`). The Telegram one is here; another channel plugs
its own in with :func:`add_sender`. Entries to one chat go out in the order they were written:
one that waits for a retry holds back the later ones to that chat.

What each error means, and why:

- 429 (RetryAfter): tried again after the time Telegram asks for.
- 5xx and network errors: tried again after 5 s, 10 s, 20 s... at most every 10 minutes,
  until it is sent: the news must not be lost to a bad minute of the Bot API.
- Forbidden: the person blocked the bot (or the bot left the group). The entry is "blocked",
  the resident marked, and neither is tried again.
- BadRequest: Telegram refuses this message for good (chat not found...): "failed".
- TimedOut while sending a new message: the message may have arrived, and the reporter reading
  the same news twice is what DESIGN.md forbids ("never retry blindly on TimedOut"), so it is
  "unconfirmed" and not sent again; the news stays in ``/status``. An edit that timed out is
  tried again: editing to the same text twice changes nothing ("message is not modified").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any, Literal, Protocol

from apscheduler.jobstores.base import JobLookupError
from telegram import ReplyParameters
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import Job

from db import outbox, residents
from db.outbox import OutboxEntry, OutboxStatus
from db.residents import TELEGRAM
from handlers import complaint_card
from handlers.context import AppContext, run_in_background, services_of, when_quiet
from handlers.replies import keyboard

log = logging.getLogger(__name__)

# Entries read per delivery run; the rest wait for the next run.
BATCH = 200
# Seconds between two runs of the job outbox.deliver; a retry due sooner gets a run of its own.
TICK_SECONDS = 10
FIRST_RETRY = timedelta(seconds=5)
LONGEST_WAIT = timedelta(minutes=10)


class Kind(StrEnum):
    """What an entry is, and so what its payload holds and how it is delivered."""

    # A new message to a person: {"text", "buttons": [[[label, data], ...], ...]}.
    NEWS = "news"
    # The complaint's card, edited to show the complaint as it is at delivery.
    CARD = "card"
    # A note request (message_id) edited to say it no longer holds: {"text"}.
    REQUEST_VOID = "request_void"
    # A reply to a note request (message_id) that it expired: {"text", "parse_mode"}.
    REQUEST_EXPIRED = "request_expired"


# Kinds that change a message already there: safe to repeat after a timeout.
EDITS = frozenset({Kind.CARD, Kind.REQUEST_VOID})


@dataclass(frozen=True)
class Outcome:
    """What became of one try: sent, worth a retry (``retry_after`` seconds, else back-off),
    or given up for good (blocked, failed, unconfirmed)."""

    status: Literal["sent", "retry", "blocked", "failed", "unconfirmed"]
    error: str = ""
    retry_after: float | None = None


SENT = Outcome("sent")


class Sender(Protocol):
    """A channel's way of delivering an entry."""

    async def deliver(self, entry: OutboxEntry) -> Outcome: ...


@dataclass
class _Delivery:
    """Per application: the senders, and a lock so one delivery runs at a time (two at once
    would send the same entry twice)."""

    senders: dict[str, Sender]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    queued: bool = False
    retry: Job[Any] | None = None


def _state(application: Any) -> _Delivery:
    state: _Delivery | None = application.bot_data.get("outbox")
    if state is None:
        state = _Delivery(senders={TELEGRAM: TelegramSender(application)})
        application.bot_data["outbox"] = state
    return state


def add_sender(application: Any, channel: str, sender: Sender) -> None:
    """Deliver the entries of ``channel`` with ``sender`` (e.g. WhatsApp's)."""
    _state(application).senders[channel] = sender


def kick(application: Any) -> None:
    """Deliver what is due now, in the background: called right after a commit that wrote to
    the outbox. A kick while one is already waiting adds nothing."""
    state = _state(application)
    if state.queued:
        return
    state.queued = True
    run_in_background(application, deliver_due(application), name="outbox delivery")


async def deliver_job(context: AppContext) -> None:
    """Job: deliver what is due (also at start: what a stop of the bot left pending)."""
    await deliver_due(context.application)


async def deliver_due(application: Any) -> None:
    """Deliver the pending entries that are due, oldest first, one chat's in order."""
    state = _state(application)
    async with state.lock:
        state.queued = False
        services = services_of(application)
        await when_quiet(application)
        async with services.database.sessions() as session:
            entries = await outbox.fetch_pending(session, limit=BATCH)
        soonest = await _deliver_in_order(application, services, state, entries)
    if soonest is not None:
        _schedule_retry(application, state, soonest)


async def _deliver_in_order(
    application: Any, services: Any, state: _Delivery, entries: list[OutboxEntry]
) -> timedelta | None:
    """Try each due entry, holding back a chat's later entries behind one that waits; the
    shortest wait for a retry made here, if any."""
    held: set[tuple[str, str]] = set()
    waits = []
    for entry in entries:
        chat = (entry.channel, entry.chat_id)
        if chat in held:
            continue
        if entry.next_attempt_at > services.clock():
            held.add(chat)
            continue
        # Both the sending (a card's is read from the database first) and the recording of
        # what became of it wait for a quiet moment: a reporter's news can wait a few ms.
        await when_quiet(application)
        outcome = await _try(state, entry)
        await when_quiet(application)
        async with services.database.transaction() as session:
            wait = await _record(session, entry, outcome, services.clock())
        if outcome.status != "sent":
            held.add(chat)
        if wait is not None:
            waits.append(wait)
    return min(waits, default=None)


def _schedule_retry(application: Any, state: _Delivery, wait: timedelta) -> None:
    """A retry due before the job's next tick gets a run at its time (one at most)."""
    queue = application.job_queue
    if queue is None or wait.total_seconds() >= TICK_SECONDS:
        return
    if state.retry is not None:
        with contextlib.suppress(JobLookupError):  # it already ran
            state.retry.schedule_removal()
    state.retry = queue.run_once(deliver_job, when=wait, name="outbox.deliver")


async def _try(state: _Delivery, entry: OutboxEntry) -> Outcome:
    sender = state.senders.get(entry.channel)
    if sender is None:
        return Outcome("retry", f"no sender: {entry.channel}")
    return await sender.deliver(entry)


async def _record(session: Any, entry: OutboxEntry, outcome: Outcome, now: Any) -> timedelta | None:
    """Write what became of ``entry``; the wait before it is tried again, if it will be.

    Logs name the entry, never the chat."""
    if outcome.status == "sent":
        await outbox.record_sent(session, entry.id, now)
        return None
    if outcome.status == "retry":
        wait = backoff(entry.attempts + 1)
        if outcome.retry_after is not None:
            wait = timedelta(seconds=outcome.retry_after)
        await outbox.record_retry(
            session, entry.id, next_attempt_at=now + wait, error=outcome.error
        )
        log.warning(
            "outbox %d (%s) not delivered: %s; next try in %d s",
            entry.id,
            entry.kind,
            outcome.error,
            wait.total_seconds(),
        )
        return wait
    await outbox.record_given_up(session, entry.id, OutboxStatus(outcome.status), outcome.error)
    if outcome.status == "blocked":
        await residents.mark_blocked(session, residents.person_of(entry.channel, entry.chat_id))
        log.info("outbox %d (%s): the chat blocked the bot; not tried again", entry.id, entry.kind)
    else:
        log.warning("outbox %d (%s) %s: %s", entry.id, entry.kind, outcome.status, outcome.error)
    return None


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 5 s doubling, at most 10 minutes."""
    return min(FIRST_RETRY * 2 ** min(attempts - 1, 16), LONGEST_WAIT)


# ---------------------------------------------------------------------------- Telegram


class TelegramSender:
    """Entries to Telegram chats, through the application's bot (and its rate limiter)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def deliver(self, entry: OutboxEntry) -> Outcome:
        try:
            await self._perform(entry)
        except RetryAfter as error:
            wait = error.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            return Outcome("retry", "RetryAfter", seconds)
        except Forbidden:
            return Outcome("blocked", "Forbidden")
        except BadRequest as error:
            if "not modified" in error.message:
                return SENT
            return Outcome("failed", f"BadRequest: {error.message}")
        except ChatMigrated:
            return Outcome("failed", "ChatMigrated")
        except TimedOut:
            return Outcome("retry" if entry.kind in EDITS else "unconfirmed", "TimedOut")
        except TelegramError as error:
            return Outcome("retry", type(error).__name__)
        return SENT

    async def _perform(self, entry: OutboxEntry) -> None:
        bot = self.application.bot
        payload = entry.payload
        if entry.kind == Kind.CARD:
            assert entry.complaint_id is not None
            await complaint_card.edit_card(self.application, entry.complaint_id)
        elif entry.kind in EDITS:
            # Telegram's answers are not read (see handlers/replies.py _call).
            await bot._post(
                "editMessageText",
                {
                    "chat_id": int(entry.chat_id),
                    "message_id": entry.message_id,
                    "text": payload["text"],
                    "parse_mode": payload.get("parse_mode"),
                },
            )
        else:
            rows = payload.get("buttons") or []
            markup = keyboard([[(label, data) for label, data in row] for row in rows])
            answering = None
            if entry.message_id is not None:
                answering = ReplyParameters(
                    message_id=entry.message_id, allow_sending_without_reply=True
                )
            await bot._post(
                "sendMessage",
                {
                    "chat_id": int(entry.chat_id),
                    "text": payload["text"],
                    "parse_mode": payload.get("parse_mode"),
                    "reply_markup": markup if rows else None,
                    "reply_parameters": answering,
                },
            )
