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
    text,
)
from sqlalchemy import text as sql_text
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


# Indexes of the responses that carry a suggestion only (partial: "saran IS NOT NULL"), all
# services and one: a period's suggestions, newest first a page at a time, and their count, without
# walking every response of the period (migration 0009).
SUGGESTION_INDEXES = (
    ("ix_survey_responses_suggestions", ("local_date", "id")),
    ("ix_survey_responses_service_suggestions", ("service", "local_date", "id")),
)


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
        # Covering: a period's nine sums come from the index alone (migration 0005).
        Index("ix_survey_responses_local_date_answers", "local_date", *UNSUR_KEYS),
        Index("ix_survey_responses_resident_id_local_date", "resident_id", "local_date"),
        *(
            Index(
                name,
                *columns,
                sqlite_where=text("saran IS NOT NULL"),
                postgresql_where=text("saran IS NOT NULL"),
            )
            for name, columns in SUGGESTION_INDEXES
        ),
        CheckConstraint("channel IN ('chat', 'paper')", name="channel"),
        *(CheckConstraint(f"{key} BETWEEN 1 AND 4", name=key) for key in UNSUR_KEYS),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    service: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    local_date: Mapped[date] = mapped_column(Date)
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
    # The dialogue that sent it: "Kirim" pressed again after a crash stores nothing more.
    submission_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
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


class SurveyDayTotal(Base):
    """Per local day and service: how many responses, and the sum of each unsur's answers.

    Kept by the database itself: triggers on ``survey_responses`` (migration 0009) add every
    inserted response and take away every deleted one, whoever writes (the bot, an import, a
    bulk load). A year's figures per service are then a sum over a few thousand rows, not a
    pass over hundreds of thousands of responses.
    """

    __tablename__ = "survey_day_totals"

    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    service: Mapped[str] = mapped_column(String(16), primary_key=True)
    responses: Mapped[int] = mapped_column(Integer)
    persyaratan: Mapped[int] = mapped_column(Integer)
    prosedur: Mapped[int] = mapped_column(Integer)
    waktu: Mapped[int] = mapped_column(Integer)
    biaya: Mapped[int] = mapped_column(Integer)
    produk: Mapped[int] = mapped_column(Integer)
    kompetensi: Mapped[int] = mapped_column(Integer)
    perilaku: Mapped[int] = mapped_column(Integer)
    sarana: Mapped[int] = mapped_column(Integer)
    pengaduan: Mapped[int] = mapped_column(Integer)


class SurveyDayAnswer(Base):
    """Per local day and service: how many respondents gave each answer to each profile
    question (``gender``, ``age_group``, ``education``, ``occupation``, ``time_slot``; a paper
    form without a time counts under ``""``). Kept by the same triggers as
    :class:`SurveyDayTotal`."""

    __tablename__ = "survey_day_answers"

    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    service: Mapped[str] = mapped_column(String(16), primary_key=True)
    question: Mapped[str] = mapped_column(String(16), primary_key=True)
    answer: Mapped[str] = mapped_column(String(16), primary_key=True)
    responses: Mapped[int] = mapped_column(Integer)


# ---------------------------------------------------------------- complaints (laporan trantib)


class ComplaintCounter(Base):
    """The last tracking number given out per year.

    Incremented in the transaction that inserts the complaint (an upsert that locks the row on
    PostgreSQL; SQLite serialises writers), so numbers have no gaps and no duplicates.
    """

    __tablename__ = "complaint_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)


# What IKU 4 counts by, besides the date received: status, reason and the SP4N deadlines.
IKU4_COLUMNS = ("status", "reject_reason", "verify_by", "plan_by", "resolve_by")


WEB_INDEXES = (
    Index("ix_complaints_received_at", "received_at"),
    Index("ix_complaints_status_received_at", "status", "received_at"),
    Index("ix_complaints_desa_received_at", "desa", "received_at"),
    Index("ix_complaints_category_received_at", "category", "received_at"),
    Index("ix_complaints_channel_received_at", "channel", "received_at"),
    Index("ix_complaints_resolve_by", "resolve_by"),
    Index("ix_complaints_status_deadlines", "status", "resolve_by", "plan_by", "verify_by"),
)


class Complaint(Base):
    """One public-order complaint, whichever channel it came by.

    ``received_on`` is the local (kecamatan) date of receipt: it assigns the complaint to report
    periods and starts the SP4N clocks, whose deadlines are fixed at receipt (``verify_by``,
    ``plan_by``, ``resolve_by``) so a later change of the holiday list does not move them.
    ``reporter_id`` is the resident who chatted it in (None when an official entered it);
    ``submission_key`` makes a repeated "Kirim" after a crash find the same complaint.
    """

    __tablename__ = "complaints"
    __table_args__ = (
        UniqueConstraint("year", "number"),
        Index("ix_complaints_reporter_id_received_on", "reporter_id", "received_on"),
        # Covering: IKU 4's counts (status, reason, deadlines) come from the index alone.
        Index("ix_complaints_received_on_status", "received_on", *IKU4_COLUMNS),
        # The dashboard's register: each sort and the common filters read an index in order
        # (migration 0008); the overdue count reads the open ones' deadlines from the index.
        *WEB_INDEXES,
        # Partial: the catch-up job's complaints without a card, not a walk through all.
        Index(
            "ix_complaints_without_card",
            "id",
            sqlite_where=sql_text("card_message_id IS NULL"),
            postgresql_where=sql_text("card_message_id IS NULL"),
        ),  # migration 0010
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(100))
    desa: Mapped[str] = mapped_column(String(100))
    place: Mapped[str] = mapped_column(String(300), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    description: Mapped[str] = mapped_column(Text)
    privacy: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    reject_reason: Mapped[str | None] = mapped_column(String(32))
    reporter_id: Mapped[int | None] = mapped_column(Id, ForeignKey("residents.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(Id, ForeignKey("residents.id"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_on: Mapped[date] = mapped_column(Date)
    verify_by: Mapped[date] = mapped_column(Date)
    plan_by: Mapped[date] = mapped_column(Date)
    resolve_by: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    card_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)


class ComplaintPhoto(Base):
    """A photo of a complaint: Telegram's file id, and the copy kept under ``photo_dir``.

    ``local_path`` stays empty until the download succeeded; ``download_attempts`` stops the
    catch-up job from retrying a lost file for ever.
    """

    __tablename__ = "complaint_photos"
    __table_args__ = (
        UniqueConstraint("complaint_id", "position"),
        # Partial: the catch-up job's photos not kept yet, not a walk through all.
        Index(
            "ix_complaint_photos_to_keep",
            "id",
            sqlite_where=sql_text("local_path IS NULL"),
            postgresql_where=sql_text("local_path IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(Id, ForeignKey("complaints.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[str] = mapped_column(String(256))
    file_unique_id: Mapped[str] = mapped_column(String(128))
    file_size: Mapped[int | None] = mapped_column(Integer)
    local_path: Mapped[str | None] = mapped_column(String(500))
    download_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the next try is due after a failed download (back-off); None: at once.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ComplaintEvent(Base):
    """The audit trail: every change of a complaint's status, when, by whom, with the note.

    The first event (to ``baru``) records the receipt; ``actor_id`` is the official for every
    later one (or the official who entered the complaint with /catat).
    """

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    complaint_id: Mapped[int] = mapped_column(
        Id, ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_id: Mapped[int | None] = mapped_column(Id, ForeignKey("residents.id"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)


class ComplaintRating(Base):
    """The reporter's rating of the handling after Selesai: once per complaint (the key)."""

    __tablename__ = "complaint_ratings"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 4", name="score_range"),)

    complaint_id: Mapped[int] = mapped_column(
        Id, ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ComplaintPendingMove(Base):
    """A move an official started with a button and will complete with a note.

    Kept in the database so that a restart between the button and the note loses nothing.
    ``expected`` is the status the official saw: the move only happens if it is still current.
    """

    __tablename__ = "complaint_pending_moves"

    official_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    complaint_id: Mapped[int] = mapped_column(
        Id, ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    expected: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(32))
    prompt_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ComplaintOverdueNotice(Base):
    """That a complaint was listed as overdue in the Trantib group on a local day (once a day)."""

    __tablename__ = "complaint_overdue_notices"

    complaint_id: Mapped[int] = mapped_column(
        Id, ForeignKey("complaints.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())


# --------------------------------------------------------------------- outbox (durable sends)


class OutboxMessage(Base):
    """A message that must reach a chat because the database changed (a reporter's news, the
    refresh of a complaint's card...), written in the same transaction as the change.

    A job delivers the pending ones with back-off until Telegram (or WhatsApp) accepts them or
    the person blocked the bot, so a Bot API error or a kill right after the change loses
    nothing. ``channel``/``chat_id`` say where it goes (never logged); ``payload`` what to send
    (the kind decides its shape); ``message_id`` the message it edits or answers, so a reply to
    a note request that was voided can be told so. ``status``: pending, sent, blocked (the
    person blocked the bot), failed (refused for good, e.g. the chat no longer exists) or
    unconfirmed (a new message whose sending timed out: it may have arrived, so it is not
    sent again).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_outbox_chat_id_message_id", "chat_id", "message_id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    # The message of that chat this entry edits or answers (a card, a note request), if any.
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    complaint_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    error: Mapped[str] = mapped_column(String(100), default="")


# --------------------------------------------------------------------- WhatsApp


class WhatsAppInbound(Base):
    """A message from a WhatsApp resident, stored before the webhook is acknowledged.

    ``message_id`` (WhatsApp's ``wamid``) is unique, so a redelivery is stored and processed
    once. ``payload`` (the message and the sender's profile name) is cleared once handled;
    ``sent_at`` stays for the 24-hour window. Never exported, never logged.
    """

    __tablename__ = "whatsapp_inbound"
    __table_args__ = (
        Index("ix_whatsapp_inbound_wa_id_sent_at", "wa_id", "sent_at"),
        Index("ix_whatsapp_inbound_handled_at", "handled_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(String(128), unique=True)
    wa_id: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    handled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WhatsAppHeld(Base):
    """A message for a resident whose 24-hour window was closed, sent when they write again."""

    __tablename__ = "whatsapp_held"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    wa_id: Mapped[str] = mapped_column(String(20), index=True)
    message: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


# --------------------------------------------------------------------- web dashboard


class WebLink(Base):
    """A one-time sign-in link for the dashboard (``/web`` in the bot, ``ajung-bot web-link``).

    Only the SHA-256 of the token is kept; ``used_at`` is set by the one request that uses it.
    """

    __tablename__ = "web_links"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebSession(Base):
    """A signed-in browser: the SHA-256 of its cookie's token, whose it is, its CSRF token.

    The role is not stored: it is read from the configuration at every request, so a person
    removed from ``[roles]`` is refused at once.
    """

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
