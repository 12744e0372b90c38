"""Queries on residents: the people who talk to the bot, whatever their role."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Resident
from db.upsert import upsert

TELEGRAM = "telegram"


async def record_resident(
    session: AsyncSession,
    *,
    external_id: int | str,
    display_name: str,
    language: str,
    seen_at: datetime,
    channel: str = TELEGRAM,
) -> None:
    """Create the resident on first contact, else refresh name, language and last seen.

    A resident who writes again is evidently no longer blocking the bot, so the flag is cleared.
    """
    row = {
        "channel": channel,
        "external_id": str(external_id),
        "display_name": display_name[:200],
        "language": language,
        "first_seen": seen_at,
        "last_seen": seen_at,
        "blocked": False,
    }
    # One statement; first_seen is written only by the insert.
    refreshed = ("display_name", "language", "last_seen", "blocked")
    await upsert(session, Resident, [row], keys=("channel", "external_id"), update=refreshed)


async def resident_id(
    session: AsyncSession, external_id: int | str | None, *, channel: str = TELEGRAM
) -> int | None:
    """The internal id of the person with this channel id, if they have written to the bot."""
    if external_id is None:
        return None
    found: int | None = await session.scalar(
        select(Resident.id).where(
            Resident.channel == channel, Resident.external_id == str(external_id)
        )
    )
    return found


async def fetch_resident(
    session: AsyncSession, external_id: int | str | None, *, channel: str = TELEGRAM
) -> Resident | None:
    """The person with this channel id, if they have written to the bot."""
    if external_id is None:
        return None
    return await session.scalar(
        select(Resident).where(
            Resident.channel == channel, Resident.external_id == str(external_id)
        )
    )


async def update_language(
    session: AsyncSession, external_id: int | str, language: str, *, channel: str = TELEGRAM
) -> None:
    await session.execute(
        update(Resident)
        .where(Resident.channel == channel, Resident.external_id == str(external_id))
        .values(language=language)
    )


async def mark_blocked(
    session: AsyncSession, external_id: int | str, *, channel: str = TELEGRAM
) -> None:
    """Remember that the person blocked the bot, so nobody retries sending to them."""
    await session.execute(
        update(Resident)
        .where(Resident.channel == channel, Resident.external_id == str(external_id))
        .values(blocked=True)
    )
