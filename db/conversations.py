"""Queries behind the bot's persistence: conversation states and per-user data.

Conversation keys are tuples of ints (chat id, user id); they are stored as their JSON list.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ConversationState, UserData
from db.upsert import Direct, upsert

ConversationKey = tuple[int | str, ...]


def encode_key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


def decode_key(text: str) -> ConversationKey:
    return tuple(json.loads(text))


async def fetch_conversations(session: AsyncSession, name: str) -> dict[ConversationKey, Any]:
    rows = await session.execute(
        select(ConversationState.key, ConversationState.state).where(ConversationState.name == name)
    )
    return {decode_key(row.key): row.state for row in rows}


async def save_conversations(
    session: AsyncSession, changes: Iterable[tuple[str, ConversationKey, Any]], now: datetime
) -> None:
    """Write (name, key, state) changes at time ``now``; a ``None`` state ends the conversation."""
    ended, live = _conversation_rows(changes, now)
    if ended:
        await session.execute(
            delete(ConversationState).where(
                tuple_(ConversationState.name, ConversationState.key).in_(
                    [(row["name"], row["key"]) for row in ended]
                )
            )
        )
    await upsert(session, ConversationState, live, keys=("name", "key"))


def save_conversations_directly(
    direct: Direct, changes: Iterable[tuple[str, ConversationKey, Any]], now: datetime
) -> None:
    """:func:`save_conversations` on SQLite's plain connection (``Database.write_directly``)."""
    ended, live = _conversation_rows(changes, now)
    direct.execute(_END_CONVERSATION, ended)
    direct.upsert(ConversationState, live, keys=("name", "key"))


_END_CONVERSATION = delete(ConversationState).where(
    ConversationState.name == bindparam("name"), ConversationState.key == bindparam("key")
)


def _conversation_rows(
    changes: Iterable[tuple[str, ConversationKey, Any]], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The conversations that end, and the rows of those that go on."""
    ended, live = [], []
    for name, key, state in changes:
        if state is None:
            ended.append({"name": name, "key": encode_key(key)})
        else:
            live.append({"name": name, "key": encode_key(key), "state": state, "updated_at": now})
    return ended, live


async def fetch_idle_conversations(
    session: AsyncSession, idle_since: datetime
) -> list[tuple[str, ConversationKey, datetime]]:
    """Conversations whose last recorded activity is older than ``idle_since``, with it."""
    rows = await session.execute(
        select(ConversationState.name, ConversationState.key, ConversationState.updated_at).where(
            ConversationState.updated_at < idle_since
        )
    )
    return [(name, decode_key(key), updated_at) for name, key, updated_at in rows]


async def delete_conversation(session: AsyncSession, name: str, key: ConversationKey) -> None:
    await session.execute(
        delete(ConversationState).where(
            ConversationState.name == name, ConversationState.key == encode_key(key)
        )
    )


async def fetch_user_data(session: AsyncSession) -> dict[int, dict[str, Any]]:
    rows = await session.execute(select(UserData.user_id, UserData.data))
    return {row.user_id: row.data for row in rows}


async def save_user_data(
    session: AsyncSession, changes: list[tuple[int, dict[str, Any] | None]], now: datetime
) -> None:
    """Write per-user data; ``None`` drops the row."""
    dropped, kept = _user_data_rows(changes, now)
    if dropped:
        await session.execute(
            delete(UserData).where(UserData.user_id.in_([row["user_id"] for row in dropped]))
        )
    await upsert(session, UserData, kept, keys=("user_id",))


def save_user_data_directly(
    direct: Direct, changes: list[tuple[int, dict[str, Any] | None]], now: datetime
) -> None:
    """:func:`save_user_data` on a plain sqlite3 connection (``Database.write_directly``)."""
    dropped, kept = _user_data_rows(changes, now)
    direct.execute(_DROP_USER_DATA, dropped)
    direct.upsert(UserData, kept, keys=("user_id",))


_DROP_USER_DATA = delete(UserData).where(UserData.user_id == bindparam("user_id"))


def _user_data_rows(
    changes: list[tuple[int, dict[str, Any] | None]], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The users whose data goes, and the rows of those whose data is kept."""
    dropped = [{"user_id": user_id} for user_id, data in changes if data is None]
    kept = [
        {"user_id": user_id, "data": data, "updated_at": now}
        for user_id, data in changes
        if data is not None
    ]
    return dropped, kept
