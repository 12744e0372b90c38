"""Queries on the outbox: messages a change in the database owes to a chat.

An entry is written in the transaction of the change it reports (a complaint moved: the
reporter's news, the refresh of the card), so both are committed or neither is. The delivery
(``handlers/delivery.py``) reads the pending entries oldest first and records what became of
each. Nothing here knows how a channel sends: ``channel`` and ``chat_id`` are plain text, so a
WhatsApp number fits as well as a Telegram chat id. Nothing here commits.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxMessage


class OutboxStatus(StrEnum):
    """What became of an entry; only ``pending`` ones are tried (again)."""

    PENDING = "pending"
    SENT = "sent"
    # The person blocked the bot, or the bot is no longer in the group: not tried again.
    BLOCKED = "blocked"
    # The channel refused this message for good (chat not found, say).
    FAILED = "failed"
    # A new message whose sending timed out: it may have arrived, so it is not sent again.
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class NewMessage:
    """An entry to write: ``kind`` says what it is and so how ``payload`` reads."""

    kind: str
    channel: str
    chat_id: str
    payload: dict[str, Any] = field(default_factory=dict)
    complaint_id: int | None = None
    message_id: int | None = None


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    kind: str
    channel: str
    chat_id: str
    message_id: int | None
    complaint_id: int | None
    payload: dict[str, Any]
    attempts: int
    next_attempt_at: datetime


async def queue_message(session: AsyncSession, message: NewMessage, now: datetime) -> None:
    """Write ``message`` as pending, due at once."""
    row = {
        "kind": message.kind,
        "channel": message.channel,
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "complaint_id": message.complaint_id,
        "payload": message.payload,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "error": "",
    }
    await session.execute(_INSERT, row)


async def fetch_pending(session: AsyncSession, *, limit: int) -> list[OutboxEntry]:
    """The oldest ``limit`` pending entries, due or not, in the order they were written.

    Not-yet-due ones are returned too, so the caller can hold back later entries to the same
    chat: a reporter must not read "Selesai" before the "Diproses" that is waiting for a retry.
    """
    rows = await session.execute(_PENDING, {"limit": limit})
    return [_entry(row) for row in rows]


def _entry(row: Any) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        kind=row.kind,
        channel=row.channel,
        chat_id=row.chat_id,
        message_id=row.message_id,
        complaint_id=row.complaint_id,
        payload=dict(row.payload),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
    )


# Built once, on the table (not the mapped class): each move writes two entries and each
# delivery reads and updates them, on the event loop's thread.
_OUTBOX: Any = OutboxMessage.__table__
_INSERT = insert(_OUTBOX)
_PENDING = (
    select(_OUTBOX)
    .where(_OUTBOX.c.status == OutboxStatus.PENDING.value)
    .order_by(_OUTBOX.c.id)
    .limit(bindparam("limit"))
)


async def record_sent(session: AsyncSession, entry_id: int, now: datetime) -> None:
    await _record(session, entry_id, status=OutboxStatus.SENT.value, sent_at=now, error="")


async def record_retry(
    session: AsyncSession, entry_id: int, *, next_attempt_at: datetime, error: str
) -> None:
    """A failed try that is worth another one at ``next_attempt_at``."""
    await _record(session, entry_id, next_attempt_at=next_attempt_at, error=error[:100])


async def record_given_up(
    session: AsyncSession, entry_id: int, status: OutboxStatus, error: str
) -> None:
    """A try after which the entry is never tried again (blocked, failed or unconfirmed)."""
    await _record(session, entry_id, status=status.value, error=error[:100])


async def _record(session: AsyncSession, entry_id: int, **values: Any) -> None:
    await session.execute(_attempt(*sorted(values)), {"entry_id": entry_id, **values})


@functools.cache
def _attempt(*columns: str) -> Any:
    """The update counting a try and setting ``columns`` (built once per set of columns)."""
    return (
        update(_OUTBOX)
        .where(_OUTBOX.c.id == bindparam("entry_id"))
        .values(attempts=_OUTBOX.c.attempts + 1, **{c: bindparam(c) for c in columns})
    )


async def fetch_kind_about(
    session: AsyncSession, channel: str, chat_id: str, message_id: int, kinds: Collection[str]
) -> str | None:
    """The kind of the newest entry of ``kinds`` about message ``message_id`` of the chat
    (one that edits or answers it), or None: e.g. whether a note request was voided."""
    kind: str | None = await session.scalar(
        select(OutboxMessage.kind)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.chat_id == chat_id,
            OutboxMessage.message_id == message_id,
            OutboxMessage.kind.in_(list(kinds)),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return kind
