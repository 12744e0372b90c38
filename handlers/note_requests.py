"""Note requests: the message that asks an official for the note of a move, and which move a
message of theirs completes.

A move closes or reopens a complaint and tells its reporter, so a note must complete exactly
the move it answers, never one the official forgot about:

- a reply to a note request completes that request's move, and nothing else does: a reply to
  a card, to a colleague or to an old request completes nothing;
- a newer button press on the same complaint by the same official replaces the older request,
  and the older request is edited to say it is void; ``/batal`` voids one the same way;
- a request expires after ``[complaints] note_timeout_minutes``; the official is told in that
  chat, and a reply after that completes nothing;
- a reply to a request that is void or expired is answered so (the official should know the
  note was not saved); other chatter is left in silence;
- a message that is not a reply (groups where the bot reads everything) completes a move only
  when exactly one request of that official is pending in the chat and it is recent
  (:data:`iku.complaints.PLAIN_NOTE_WINDOW`); with more than one the official is asked to reply
  to the right one.

The void and expiry notices go through the outbox (``handlers/delivery.py``), which also
remembers which request each one was about.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, Update
from telegram.helpers import mention_html

from db import complaints, outbox, residents
from db.complaints import PendingMove
from db.outbox import NewMessage
from db.residents import TELEGRAM
from handlers import complaint_card, delivery
from handlers import complaint_views as views
from handlers.context import AppContext, services_of
from handlers.delivery import Kind
from i18n import Texts
from iku.complaints import RequestAge, note_request_age


@dataclass(frozen=True)
class Answer:
    """What to tell an official whose message completes no move: ``text``, or nothing when
    they were already told (the expiry notice answers a late reply)."""

    text: str | None


def timeout(context: AppContext) -> timedelta:
    return timedelta(minutes=context.config.complaints.note_timeout_minutes)


def replied_message_id(message: Message) -> int | None:
    """The message ``message`` replies to, if it really is a reply: in a forum topic every
    message "replies" to the topic's first message, which means nothing here."""
    replied = message.reply_to_message
    if replied is None or (message.is_topic_message and replied.forum_topic_created):
        return None
    return replied.message_id


async def find_move(update: Update, context: AppContext) -> PendingMove | Answer | None:
    """The move the official's message completes; or the answer to give instead (the request
    is void or expired, or it is unclear which request they mean); or None: the message is not
    a note."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    replied = replied_message_id(message)
    if replied is None:
        return await _plain_note_move(context, user.id, message.chat_id)
    async with context.database.sessions() as session:
        move = await complaints.fetch_pending_by_prompt(session, user.id, message.chat_id, replied)
        fate = None
        if move is None and _from_bot(message, context):
            kinds = (Kind.REQUEST_VOID, Kind.REQUEST_EXPIRED)
            fate = await outbox.fetch_kind_about(
                session, TELEGRAM, str(message.chat_id), replied, kinds
            )
    if move is not None and _expired(move, context):
        await expire_now(context, [move])
        return Answer(None)  # the expiry notice, a reply to the request, tells them
    if fate is not None:
        key = "trantib.expired_reply" if fate == Kind.REQUEST_EXPIRED else "trantib.void_reply"
        return Answer(context.texts(key))
    return move


def _from_bot(message: Message, context: AppContext) -> bool:
    replied = message.reply_to_message
    return (
        replied is not None
        and replied.from_user is not None
        and (replied.from_user.id == context.bot.id)
    )


def _age(move: PendingMove, context: AppContext) -> RequestAge:
    assert move.created_at is not None
    return note_request_age(move.created_at, context.services.clock(), timeout(context))


def _expired(move: PendingMove, context: AppContext) -> bool:
    return _age(move, context) == "expired"


async def _plain_note_move(
    context: AppContext, official_id: int, chat_id: int
) -> PendingMove | Answer | None:
    async with context.database.sessions() as session:
        pending = await complaints.fetch_pending_in_chat(session, official_id, chat_id)
    live = [move for move in pending if not _expired(move, context)]
    if not any(_age(move, context) == "recent" for move in live):
        return None
    if len(live) > 1:
        codes = ", ".join(sorted({move.code for move in live}))
        return Answer(context.texts("trantib.which_request", count=len(live), codes=codes))
    return live[0]


async def start_request(context: AppContext, move: PendingMove) -> None:
    """Remember ``move`` (its request just posted), voiding the official's older request for
    the same complaint, in one transaction."""
    now = context.services.clock()
    async with context.database.transaction() as session:
        voided = await _void_older(session, context.texts, move.official_id, move.complaint_id, now)
        await complaints.save_pending_move(session, move, now)
    if voided:  # the older request's edit is in the outbox
        delivery.kick(context.application)


async def replace_request(context: AppContext, official_id: int, complaint_id: int) -> None:
    """A newer button press on the complaint (Tolak, before its reason is chosen): the older
    request of this official for it is void from now on."""
    now = context.services.clock()
    async with context.database.transaction() as session:
        voided = await _void_older(session, context.texts, official_id, complaint_id, now)
    if voided:
        delivery.kick(context.application)


async def _void_older(
    session: AsyncSession, t: Texts, official_id: int, complaint_id: int, now: datetime
) -> bool:
    older = await complaints.take_pending_move(session, official_id, complaint_id)
    if older is None:
        return False
    await void_request(session, t, older, "trantib.request_replaced", now)
    return True


async def void_request(
    session: AsyncSession, t: Texts, move: PendingMove, key: str, now: datetime
) -> None:
    """Edit ``move``'s request (through the outbox) to say it no longer holds."""
    if move.prompt_message_id is None:
        return
    status = views.status_label(t, move.target, move.reason)
    text = t(key, code=move.code, status=status)
    void = NewMessage(
        Kind.REQUEST_VOID,
        TELEGRAM,
        str(move.chat_id),
        {"text": text},
        complaint_id=move.complaint_id,
        message_id=move.prompt_message_id,
    )
    await outbox.queue_message(session, void, now)


async def expire_note_requests(context: AppContext) -> None:
    """Job: end the requests older than ``[complaints] note_timeout_minutes`` and tell each
    official, in the chat of the request, that nothing changed."""
    services = services_of(context.application)
    minutes = services.config.complaints.note_timeout_minutes
    before = services.clock() - timedelta(minutes=minutes)
    async with services.database.transaction() as session:
        expired = await complaints.expire_pending_moves(session, before)
        await _tell_expired(session, context, expired)
    if expired:
        await delivery.deliver_due(context.application)


async def expire_now(context: AppContext, moves: list[PendingMove]) -> None:
    """End ``moves`` at once (a reply came after the time ran out, before the job did)."""
    async with context.database.transaction() as session:
        for move in moves:
            await complaints.delete_pending_move(session, move.official_id, move.complaint_id)
        await _tell_expired(session, context, moves)
    delivery.kick(context.application)


async def _tell_expired(
    session: AsyncSession, context: AppContext, moves: list[PendingMove]
) -> None:
    services = services_of(context.application)
    t = complaint_card.group_texts(services)
    now = services.clock()
    for move in moves:
        official = await residents.fetch_resident(session, move.official_id)
        name = official.display_name if official else t("trantib.official")
        text = t(
            "trantib.request_expired",
            official=mention_html(move.official_id, name),
            code=html.escape(move.code),
            status=html.escape(views.status_label(t, move.target, move.reason)),
            minutes=services.config.complaints.note_timeout_minutes,
        )
        notice = NewMessage(
            Kind.REQUEST_EXPIRED,
            TELEGRAM,
            str(move.chat_id),
            {"text": text, "parse_mode": "HTML"},
            complaint_id=move.complaint_id,
            message_id=move.prompt_message_id,
        )
        await outbox.queue_message(session, notice, now)
