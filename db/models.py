"""Tables. Later features add theirs here and a migration under ``db/migrations/versions``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UtcDateTime, utcnow
from iku.skm import UNSUR_KEYS

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


# --- satisfaction survey (SKM, IKU 2) -------------------------------------------------------

CHANNEL_CHAT = "chat"
CHANNEL_PAPER = "paper"


class SurveyResponse(Base):
    """One completed SKM questionnaire, from the chat or from a paper form.

    The nine answers (1-4) are columns named by unsur key, so SQL sums each one; they are never
    stored by position. ``local_date`` and ``time_slot`` are fixed at insert in the kecamatan's
    time zone so reports filter and group on indexed columns. ``answered_at`` and ``time_slot``
    are null for a paper form imported without a time. ``resident_id`` exists only to enforce
    the daily limit of chat answers; it is never exported or reported. ``import_key`` identifies
    an imported paper row, so importing the same file again adds nothing.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (
        Index("ix_survey_responses_service_local_date", "service", "local_date"),
        Index("ix_survey_responses_resident_id_local_date", "resident_id", "local_date"),
        CheckConstraint("channel IN ('chat', 'paper')", name="channel"),
        *(CheckConstraint(f"{key} BETWEEN 1 AND 4", name=key) for key in UNSUR_KEYS),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    local_date: Mapped[date] = mapped_column(Date, index=True)
    time_slot: Mapped[str | None] = mapped_column(String(16), nullable=True)
    gender: Mapped[str] = mapped_column(String(1))
    age: Mapped[int] = mapped_column(SmallInteger)
    education: Mapped[str] = mapped_column(String(16))
    occupation: Mapped[str] = mapped_column(String(16))
    persyaratan: Mapped[int] = mapped_column(SmallInteger)
    prosedur: Mapped[int] = mapped_column(SmallInteger)
    waktu: Mapped[int] = mapped_column(SmallInteger)
    biaya: Mapped[int] = mapped_column(SmallInteger)
    produk: Mapped[int] = mapped_column(SmallInteger)
    kompetensi: Mapped[int] = mapped_column(SmallInteger)
    perilaku: Mapped[int] = mapped_column(SmallInteger)
    sarana: Mapped[int] = mapped_column(SmallInteger)
    pengaduan: Mapped[int] = mapped_column(SmallInteger)
    saran: Mapped[str | None] = mapped_column(Text, nullable=True)
    import_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class SurveyPopulation(Base):
    """How many people a service served in a month, entered by officials (the N of the
    Krejcie-Morgan sample rule). ``month`` is the month's first day."""

    __tablename__ = "survey_populations"
    __table_args__ = (UniqueConstraint("month", "service"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    month: Mapped[date] = mapped_column(Date)
    service: Mapped[str] = mapped_column(String(16))
    service_users: Mapped[int] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
