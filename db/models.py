"""Tables. Later features add theirs here and a migration under ``db/migrations/versions``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
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


# --- IKU 1 and IKU 3: program indicators and empowerment activities (yearly plans) -----------


class ProgramIndicator(Base):
    """A program indicator of the year's plan (Renja/DPA), for IKU 1.

    ``achieved`` is stored (computed by iku.indicators.is_achieved when the realization or an
    official's explicit decision is recorded) so the report counts it in SQL.
    """

    __tablename__ = "program_indicators"
    __table_args__ = (UniqueConstraint("year", "code"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(500))
    program: Mapped[str] = mapped_column(String(500), default="")
    target: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(60), default="")
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    realization: Mapped[float | None] = mapped_column(Float, nullable=True)
    explicit: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    explicit_note: Mapped[str] = mapped_column(Text, default="")
    achieved: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class EmpowermentActivity(Base):
    """A planned empowerment activity (kegiatan pemberdayaan) of the year, for IKU 3."""

    __tablename__ = "empowerment_activities"
    __table_args__ = (UniqueConstraint("year", "name"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(500))
    planned_month: Mapped[int] = mapped_column(Integer)
    facilitated_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    participants: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), default="")


class EntryAudit(Base):
    """Who changed which IKU 1/IKU 3 entry, when, and how (the audit trail of data entry).

    ``actor`` is "telegram:<user id>" for an official in the bot or "cli:<file name>" for an
    import; ``details`` holds the values written.
    """

    __tablename__ = "entry_audit"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(BigInteger, index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class SummaryDelivery(Base):
    """Which weekly summary (period key) went to which chat: makes the job idempotent.

    ``status`` is "sending" while claimed, "sent" once Telegram accepted it, "failed" to be
    retried at the next tick.
    """

    __tablename__ = "summary_deliveries"
    __table_args__ = (UniqueConstraint("period_key", "chat_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    period_key: Mapped[str] = mapped_column(String(40))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    error: Mapped[str] = mapped_column(String(200), default="")
