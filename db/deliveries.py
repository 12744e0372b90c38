"""Queries on summary deliveries: which period's summary went to which chat.

A delivery is *claimed* before it is sent (a row in state "sending"), so two processes, or a job
tick and a CLI command, never send the same summary twice; a failed or abandoned claim can be
taken again later.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import SummaryDelivery

# A claim older than this is taken to be from a process that died while sending.
ABANDONED_AFTER = timedelta(minutes=10)


async def claim_delivery(
    session: AsyncSession, period_key: str, chat_id: int, now: datetime, *, force: bool = False
) -> bool:
    """Whether this caller may send ``period_key`` to ``chat_id`` now.

    True for a first delivery, a failed or abandoned one, or with ``force`` (a deliberate resend).
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    row = {
        "period_key": period_key, "chat_id": chat_id, "status": "sending", "attempts": 1,
        "updated_at": now, "error": "",
    }  # fmt: skip
    inserted = await session.execute(
        insert(SummaryDelivery).values(row).on_conflict_do_nothing().returning(SummaryDelivery.id)
    )
    if inserted.first() is not None:
        return True
    retry = or_(
        SummaryDelivery.status == "failed",
        (SummaryDelivery.status == "sending")
        & (SummaryDelivery.updated_at < now - ABANDONED_AFTER),
    )
    claimed = await session.execute(
        update(SummaryDelivery)
        .where(SummaryDelivery.period_key == period_key, SummaryDelivery.chat_id == chat_id)
        .where(true() if force else retry)
        .values(status="sending", attempts=SummaryDelivery.attempts + 1, updated_at=now)
        .returning(SummaryDelivery.id)
    )
    return claimed.first() is not None


async def finish_delivery(
    session: AsyncSession, period_key: str, chat_id: int, now: datetime, *, error: str = ""
) -> None:
    """Record the outcome: sent, or failed with a short reason (retried later)."""
    await session.execute(
        update(SummaryDelivery)
        .where(SummaryDelivery.period_key == period_key, SummaryDelivery.chat_id == chat_id)
        .values(status="failed" if error else "sent", updated_at=now, error=error[:200])
    )


async def fetch_delivery_status(session: AsyncSession, period_key: str, chat_id: int) -> str | None:
    return await session.scalar(
        select(SummaryDelivery.status).where(
            SummaryDelivery.period_key == period_key, SummaryDelivery.chat_id == chat_id
        )
    )
