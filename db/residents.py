"""Queries on residents: the people who talk to the bot, whatever their role.

A person is known to the bot by one number, the id python-telegram-bot shows as the user and
private chat id. On Telegram it is the Telegram user id; a WhatsApp resident gets a synthetic
one, :data:`WA_BASE` plus their WhatsApp id (``wa_id``, the phone number in international form,
at most 15 digits). Telegram ids have at most 52 significant bits, so the two never meet.
:func:`identity` turns the number back into the channel and the channel's own id, which is what
the ``residents`` table stores; every query here takes the number and does that one mapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Resident
from db.upsert import Direct, upsert
from iku.text import clean_text

TELEGRAM = "telegram"
WHATSAPP = "whatsapp"
# 2**53: above every Telegram id, and 2**53 + a 15-digit wa_id still fits a signed 64-bit column.
WA_BASE = 2**53
WA_ID_DIGITS = 15


def identity(person: int) -> tuple[str, str]:
    """``(channel, external_id)`` of the person the bot knows as ``person``."""
    if person >= WA_BASE:
        return WHATSAPP, str(person - WA_BASE)
    return TELEGRAM, str(person)


def person_of(channel: str, external_id: str) -> int:
    """The id the bot knows a person by, from the channel's own id (inverse of :func:`identity`).

    ValueError for a WhatsApp id that is not 1 to 15 digits.
    """
    if channel == WHATSAPP:
        if not (external_id.isascii() and external_id.isdigit()) or not (
            1 <= len(external_id) <= WA_ID_DIGITS
        ):
            raise ValueError("a WhatsApp id is 1 to 15 digits")
        return WA_BASE + int(external_id)
    return int(external_id)


def is_whatsapp(person: int) -> bool:
    """Whether ``person`` (a user or private chat id) is a WhatsApp resident."""
    return person >= WA_BASE


async def record_resident(
    session: AsyncSession,
    *,
    person: int,
    display_name: str,
    language: str,
    seen_at: datetime,
) -> None:
    """Create the resident on first contact, else refresh name, language and last seen.

    A resident who writes again is evidently no longer blocking the bot, so the flag is cleared.
    """
    await record_residents(session, [resident_row(person, display_name, language, seen_at)])


def resident_row(
    person: int, display_name: str, language: str, seen_at: datetime
) -> dict[str, Any]:
    """What :func:`record_residents` writes for one person."""
    channel, external_id = identity(person)
    return {
        "channel": channel,
        "external_id": external_id,
        # A name is whatever the person set: no control character or lone surrogate may make
        # the write fail (it shares a transaction with other people's dialogue steps).
        "display_name": clean_text(display_name, multiline=False)[:200],
        "language": language,
        "first_seen": seen_at,
        "last_seen": seen_at,
        "blocked": False,
    }


async def record_residents(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """:func:`record_resident` for many people at once (rows of :func:`resident_row`), in one
    statement; first_seen is written only by the insert."""
    await upsert(session, Resident, rows, keys=_RESIDENT_KEYS, update=_REFRESHED)


def record_residents_directly(direct: Direct, rows: Sequence[dict[str, Any]]) -> None:
    """:func:`record_residents` on a plain sqlite3 connection (``Database.write_directly``)."""
    direct.upsert(Resident, rows, keys=_RESIDENT_KEYS, update=_REFRESHED)


_RESIDENT_KEYS = ("channel", "external_id")
_REFRESHED = ("display_name", "language", "last_seen", "blocked")


def _is(person: int) -> ColumnElement[bool]:
    """The condition that selects ``person``'s row, with the values in it: for an UPDATE of
    the table, where :data:`_THE_PERSON`'s parameter names, those of its own columns, are
    reserved by SQLAlchemy."""
    channel, external_id = identity(person)
    return and_(Resident.channel == channel, Resident.external_id == external_id)


def _identity_of(person: int) -> dict[str, str]:
    """The parameters of :data:`_THE_PERSON`."""
    channel, external_id = identity(person)
    return {"channel": channel, "external_id": external_id}


# Built once: a lookup of one person runs at nearly every update, and building the statement
# cost more than running it.
_THE_PERSON = and_(
    Resident.channel == bindparam("channel"), Resident.external_id == bindparam("external_id")
)
_RESIDENT_ID = select(Resident.id).where(_THE_PERSON)
_RESIDENT = select(Resident).where(_THE_PERSON)


async def resident_id(session: AsyncSession, person: int | None) -> int | None:
    """The internal id of this person, if they have written to the bot."""
    if person is None:
        return None
    found: int | None = await session.scalar(_RESIDENT_ID, _identity_of(person))
    return found


async def fetch_resident(session: AsyncSession, person: int | None) -> Resident | None:
    """This person's row, if they have written to the bot."""
    if person is None:
        return None
    return await session.scalar(_RESIDENT, _identity_of(person))


async def update_language(session: AsyncSession, person: int, language: str) -> None:
    await session.execute(update(Resident).where(_is(person)).values(language=language))


async def mark_blocked(session: AsyncSession, person: int) -> None:
    """Remember that the person blocked the bot (or cannot be reached), so nobody retries."""
    await session.execute(update(Resident).where(_is(person)).values(blocked=True))
