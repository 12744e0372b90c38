"""Queries on WhatsApp's own bookkeeping: the webhook's messages (stored once, handled in order)
and the messages held for residents outside their 24-hour window."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import WhatsAppHeld, WhatsAppInbound
from db.upsert import Direct, insert_of


@dataclass(frozen=True)
class NewInbound:
    """A message as the webhook received it."""

    message_id: str
    wa_id: str
    sent_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class PendingInbound:
    id: int
    wa_id: str
    payload: dict[str, Any]


async def record_inbound(
    session: AsyncSession, messages: Sequence[NewInbound], now: datetime
) -> list[PendingInbound]:
    """Store the messages not seen before, in order; returns those (a redelivery returns none)."""
    stored = []
    statement = _insert_inbound(session.get_bind().dialect.name)
    for message in messages:
        new_id = (await session.execute(statement, _inbound_row(message, now))).scalar()
        if new_id is not None:
            stored.append(PendingInbound(new_id, message.wa_id, message.payload))
    return stored


def record_inbound_directly(
    direct: Direct, messages: Sequence[NewInbound], now: datetime
) -> list[PendingInbound]:
    """:func:`record_inbound` on a plain sqlite3 connection (``Database.write_directly``)."""
    stored = []
    statement = _insert_inbound(direct.dialect.name)
    for message in messages:
        new_id = direct.first_value(statement, _inbound_row(message, now))
        if new_id is not None:
            stored.append(PendingInbound(new_id, message.wa_id, message.payload))
    return stored


def _inbound_row(message: NewInbound, now: datetime) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "wa_id": message.wa_id,
        "sent_at": message.sent_at,
        "received_at": now,
        "payload": message.payload,
    }


@functools.cache
def _insert_inbound(dialect: str) -> Any:
    """Built once per backend (every webhook message runs it; building it cost more than
    running it). The table, not the mapped class: an ORM insert goes through the session's
    bulk machinery."""
    table = WhatsAppInbound.__table__
    return (
        insert_of(dialect)(table)
        .on_conflict_do_nothing(index_elements=[table.c.message_id])
        .returning(table.c.id)
    )


async def fetch_pending_inbound(session: AsyncSession) -> list[PendingInbound]:
    """Messages acknowledged but not handled yet (the bot stopped in between), oldest first."""
    rows = await session.execute(
        select(WhatsAppInbound.id, WhatsAppInbound.wa_id, WhatsAppInbound.payload)
        .where(WhatsAppInbound.handled_at.is_(None))
        .order_by(WhatsAppInbound.id)
    )
    return [PendingInbound(row[0], row[1], row[2] or {}) for row in rows]


async def mark_inbound_handled(
    session: AsyncSession, inbound_ids: Sequence[int], now: datetime
) -> None:
    """Done: the content is no longer needed and is dropped (one statement for all of them)."""
    if not inbound_ids:
        return
    await session.execute(
        update(WhatsAppInbound)
        .where(WhatsAppInbound.id.in_(inbound_ids))
        .values(handled_at=now, payload=None)
    )


def mark_inbound_handled_directly(
    direct: Direct, inbound_ids: Sequence[int], now: datetime
) -> None:
    """:func:`mark_inbound_handled` on a plain sqlite3 connection (``Database.write_directly``)."""
    rows = [
        {"inbound_id": inbound_id, "handled": now, "dropped": None} for inbound_id in inbound_ids
    ]
    direct.execute(_MARK_HANDLED, rows)


_INBOUND: Any = WhatsAppInbound.__table__
# The content goes as the session's statement drops it (None through the column's JSON type).
_MARK_HANDLED = (
    update(_INBOUND)
    .where(_INBOUND.c.id == bindparam("inbound_id"))
    .values(handled_at=bindparam("handled"), payload=bindparam("dropped"))
)


async def fetch_last_message_time(session: AsyncSession, wa_id: str) -> datetime | None:
    """When the resident last wrote (the start of their 24-hour window), if ever."""
    last: datetime | None = await session.scalar(
        select(func.max(WhatsAppInbound.sent_at)).where(WhatsAppInbound.wa_id == wa_id)
    )
    return last


async def delete_handled_inbound(session: AsyncSession, before: datetime) -> None:
    """Forget handled messages received before ``before`` (redeliveries stop within days)."""
    await session.execute(
        delete(WhatsAppInbound).where(
            WhatsAppInbound.handled_at.is_not(None), WhatsAppInbound.received_at < before
        )
    )


async def hold_message(
    session: AsyncSession, wa_id: str, message: dict[str, Any], now: datetime
) -> None:
    session.add(WhatsAppHeld(wa_id=wa_id, message=message, created_at=now))
    await session.flush()


async def fetch_held_messages(
    session: AsyncSession, wa_id: str
) -> list[tuple[int, dict[str, Any]]]:
    """The messages held for the resident, oldest first, as ``(id, message)``."""
    rows = await session.execute(
        select(WhatsAppHeld.id, WhatsAppHeld.message)
        .where(WhatsAppHeld.wa_id == wa_id)
        .order_by(WhatsAppHeld.id)
    )
    return [(row[0], row[1]) for row in rows]


async def delete_held_message(session: AsyncSession, held_id: int) -> None:
    """A held message went out."""
    await session.execute(delete(WhatsAppHeld).where(WhatsAppHeld.id == held_id))


async def fetch_residents_with_held_messages(session: AsyncSession) -> set[str]:
    """Who has messages waiting for their next message (read once at start)."""
    return set(await session.scalars(select(WhatsAppHeld.wa_id).distinct()))
