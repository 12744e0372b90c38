"""Tables. Later features add theirs here and a migration under ``db/migrations/versions``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UtcDateTime, utcnow

# BigInteger ids: Telegram user ids exceed 2**31 and group ids are negative 13-digit numbers.
# On SQLite an INTEGER PRIMARY KEY must be plain INTEGER to autoincrement.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Resident(Base):
    """A person who talks to the bot (resident or official), one row per channel identity.

    ``external_id`` is the channel's own id (the Telegram user id as text), kept so that replies
    and status updates reach the person; it is never exported or logged.
    """

    __tablename__ = "residents"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8), default="id")
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)


class ConversationState(Base):
    """The state of one python-telegram-bot conversation, with its last activity.

    ``key`` is the JSON list of the conversation key (chat id, user id); ``updated_at`` is what
    the idle sweep reads, because the library's own timeouts do not survive a restart.
    """

    __tablename__ = "conversation_states"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class UserData(Base):
    """Per-user scratch data of the bot (language, dialogue drafts), as JSON."""

    __tablename__ = "user_data"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class ChatData(Base):
    """Per-chat scratch data of the bot, as JSON."""

    __tablename__ = "chat_data"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
