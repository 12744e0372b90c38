"""Queries of the dashboard's sign-in: one-time links and browser sessions.

Tokens travel to the browser; the database keeps only their SHA-256 (:func:`token_hash`), so
reading the database opens no session. Nothing here commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import WebLink, WebSession


def token_hash(token: str) -> str:
    """The SHA-256 (hex) of ``token``: what the tables store and look up."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionRecord:
    id: int
    user_id: int
    csrf_token: str
    expires_at: datetime


async def record_link(
    session: AsyncSession, *, token: str, user_id: int, now: datetime, expires_at: datetime
) -> None:
    """A new sign-in link for ``user_id``, usable once until ``expires_at``."""
    session.add(
        WebLink(
            token_hash=token_hash(token), user_id=user_id, created_at=now, expires_at=expires_at
        )
    )
    await session.flush()


async def consume_link(session: AsyncSession, token: str, now: datetime) -> int | None:
    """Use the link with ``token``: the user id it was for, or None when it is unknown, used or
    expired. One statement decides, so two requests with the same link cannot both succeed."""
    result = await session.execute(
        update(WebLink)
        .where(
            WebLink.token_hash == token_hash(token),
            WebLink.used_at.is_(None),
            WebLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(WebLink.user_id)
    )
    return result.scalar_one_or_none()


async def record_session(
    session: AsyncSession,
    *,
    token: str,
    user_id: int,
    csrf_token: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    session.add(
        WebSession(
            token_hash=token_hash(token),
            user_id=user_id,
            csrf_token=csrf_token,
            created_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()


async def fetch_session(session: AsyncSession, token: str, now: datetime) -> SessionRecord | None:
    """The open session of the cookie ``token`` (not ended, not expired), or None."""
    row = (
        await session.execute(
            select(WebSession).where(
                WebSession.token_hash == token_hash(token),
                WebSession.ended_at.is_(None),
                WebSession.expires_at > now,
            )
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    return SessionRecord(row.id, row.user_id, row.csrf_token, row.expires_at)


async def end_session(session: AsyncSession, token: str, now: datetime) -> None:
    """Sign-out: the session of ``token`` opens nothing any more."""
    await session.execute(
        update(WebSession)
        .where(WebSession.token_hash == token_hash(token), WebSession.ended_at.is_(None))
        .values(ended_at=now)
    )


async def delete_expired(session: AsyncSession, before: datetime) -> None:
    """Forget links and sessions that expired before ``before``."""
    await session.execute(delete(WebLink).where(WebLink.expires_at < before))
    await session.execute(delete(WebSession).where(WebSession.expires_at < before))
