"""Queries on complaints (laporan trantib): the register, photos, audit trail, ratings, the
officials' pending moves, the overdue notices and the IKU 4 counts.

Everything returns plain frozen records, never live ORM rows. A record never carries the
identity of an anonim reporter (``reporter_name`` is None for them), so no caller can leak it by
accident. Nothing here commits: the handler or job that owns the unit of work does.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Complaint,
    ComplaintCounter,
    ComplaintEvent,
    ComplaintOverdueNotice,
    ComplaintPendingMove,
    ComplaintPhoto,
    ComplaintRating,
    Resident,
)
from db.residents import WHATSAPP, fetch_resident, identity, person_of, resident_id
from db.spans import Span, day_spans, within_spans
from db.upsert import dialect_insert, insert_of
from iku.complaints import (
    EXCLUDED_REASONS,
    OPEN_STATUSES,
    RESOLVED_STATUSES,
    Channel,
    ClockRules,
    DueDates,
    Privacy,
    RejectReason,
    Status,
    due_dates,
    tracking_code,
)
from iku.periods import local_today
from iku.report import ComplaintFigures

# The tables, for the statements built once below (Core, not the mapped classes: the ORM's
# loading of objects and its unit of work cost more than the statements on the hot paths).
_COMPLAINT: Any = Complaint.__table__
_PHOTO: Any = ComplaintPhoto.__table__
_EVENT: Any = ComplaintEvent.__table__
_RESIDENT: Any = Resident.__table__

# ---------------------------------------------------------------------------- records


@dataclass(frozen=True)
class NewPhoto:
    file_id: str
    file_unique_id: str
    file_size: int | None


@dataclass(frozen=True)
class NewComplaint:
    """What a dialogue collected.

    ``reporter``/``recorder`` are Telegram user ids: of the resident who chatted the complaint
    in, or of the official who entered it with /catat.
    """

    channel: Channel
    category: str
    desa: str
    place: str
    latitude: float | None
    longitude: float | None
    description: str
    privacy: Privacy
    reporter: int | None = None
    recorder: int | None = None
    submission_key: str | None = None
    photos: tuple[NewPhoto, ...] = ()
    # The local day an official says it was received (/catat), if before the day it is
    # recorded; None: received now.
    received_on: date | None = None


@dataclass(frozen=True)
class PhotoRecord:
    id: int
    complaint_id: int
    position: int
    file_id: str
    file_size: int | None
    local_path: str | None


@dataclass(frozen=True)
class ComplaintRecord:
    """One complaint as officials and reporters may see it.

    ``reporter_name`` is None for anonim complaints and for those entered by an official;
    ``reporter_id`` (an internal number, never shown) lets handlers check ownership.
    """

    id: int
    code: str
    channel: Channel
    category: str
    desa: str
    place: str
    latitude: float | None
    longitude: float | None
    description: str
    privacy: Privacy
    status: Status
    reject_reason: RejectReason | None
    received_at: datetime
    received_on: date
    due: DueDates
    closed_at: datetime | None
    reporter_id: int | None
    reporter_name: str | None
    recorded_by_name: str | None
    card_chat_id: int | None
    card_message_id: int | None
    photos: tuple[PhotoRecord, ...] = ()
    # The number a WhatsApp reporter writes from, so officials can call back; None for anonim
    # complaints and for Telegram reporters (Telegram shows no number). Cards only, never exports.
    reporter_phone: str | None = None

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


@dataclass(frozen=True)
class EventRecord:
    """One entry of the audit trail. ``actor_name`` is for officials' eyes only."""

    at: datetime
    from_status: Status | None
    to_status: Status
    reason: RejectReason | None
    note: str | None
    actor_name: str | None


@dataclass(frozen=True)
class ReporterContact:
    """Where to send a reporter the news of their complaint (never shown to officials): the
    channel and the channel's own id, as the outbox stores them; :attr:`person` is the private
    chat id the bot knows them by (see ``db.residents.identity``)."""

    channel: str
    external_id: str
    language: str
    blocked: bool

    @property
    def person(self) -> int:
        return person_of(self.channel, self.external_id)


@dataclass(frozen=True)
class PendingMove:
    """A move an official started with a button, waiting for their note.

    ``prompt_message_id`` is the note request: only a reply to it completes the move.
    ``created_at`` (when the button was pressed) and ``code`` are filled in when read back.
    """

    official_id: int
    complaint_id: int
    chat_id: int
    expected: Status
    target: Status
    reason: RejectReason | None
    prompt_message_id: int | None
    created_at: datetime | None = None
    code: str = ""


@dataclass(frozen=True)
class Rating:
    score: int
    comment: str | None


@dataclass(frozen=True)
class RegisterEntry:
    """A row of the complaint register export: the complaint, its notes and its rating."""

    complaint: ComplaintRecord
    events: tuple[EventRecord, ...]
    rating: Rating | None


@dataclass(frozen=True)
class OpenFilter:
    """Filters of officials' ``/laporan`` list; empty fields do not filter."""

    statuses: frozenset[Status] = OPEN_STATUSES
    desa: str | None = None
    # Of these categories only (none of them: nothing matches); None: of any category.
    categories: frozenset[str] | None = None
    overdue_only: bool = False


RateOutcome = Literal["rated", "already", "not_found", "not_done"]


# ---------------------------------------------------------------------------- writing


async def submit_complaint(
    session: AsyncSession,
    new: NewComplaint,
    *,
    open_limit: int | None,
    prefix: str,
    rules: ClockRules,
    tz: ZoneInfo,
    now: datetime,
) -> ComplaintRecord | None:
    """Record ``new`` exactly once and return it.

    A complaint already recorded under the same ``submission_key`` (the person pressed "Kirim"
    again after a crash) is returned as it is. None when the reporter already has
    ``open_limit`` complaints received today and still open: nothing is written.
    """
    if new.submission_key is not None:
        existing = await fetch_complaint_by_submission(session, new.submission_key)
        if existing is not None:
            return existing
    if new.reporter is not None and open_limit is not None:
        today = local_today(tz, now)
        if await count_open_of_person(session, new.reporter, today) >= open_limit:
            return None
    return await record_complaint(session, new, prefix=prefix, rules=rules, tz=tz, now=now)


async def record_complaint(
    session: AsyncSession,
    new: NewComplaint,
    *,
    prefix: str,
    rules: ClockRules,
    tz: ZoneInfo,
    now: datetime,
) -> ComplaintRecord:
    """Insert a complaint with its photos and its first audit event; returns it with its code.

    The tracking number is taken from the per-year counter first, in this same transaction, so
    the number is only used if the complaint is committed (no gaps) and concurrent submissions
    wait for each other (no duplicates).
    """
    received_on = local_today(tz, now)
    received_at = now
    if new.received_on is not None and new.received_on < received_on:
        # Received on an earlier day (a letter, a walk-in entered later): it counts in that
        # day's periods and its clocks start then; the hour is unknown, so midday.
        received_on = new.received_on
        received_at = datetime.combine(received_on, time(12), tz).astimezone(UTC)
    reporter = await fetch_resident(session, new.reporter)
    # A resident's own complaint: the same person, one lookup.
    recorder = (
        reporter if new.recorder == new.reporter else await fetch_resident(session, new.recorder)
    )
    reporter_id = reporter.id if reporter else None
    recorded_by_id = recorder.id if recorder else None
    channel = new.channel
    if channel is Channel.CHAT and reporter is not None and reporter.channel == WHATSAPP:
        # The dialogue is the same on both; the register tells them apart.
        channel = Channel.WHATSAPP
    number = await _next_number(session, received_on.year)
    due = due_dates(received_on, rules)
    # Core inserts of the rows, not the session's unit of work: on SQLite this transaction
    # runs on the event loop's thread, and the flushes were most of it. The objects returned
    # are only what the record is made from; the session never holds them.
    complaint = await _insert(
        session,
        _INSERT_COMPLAINT,
        Complaint,
        {
            "code": tracking_code(prefix, received_on.year, number),
            "year": received_on.year,
            "number": number,
            "submission_key": new.submission_key,
            "channel": channel.value,
            "category": new.category,
            "desa": new.desa,
            "place": new.place,
            "latitude": new.latitude,
            "longitude": new.longitude,
            "description": new.description,
            "privacy": new.privacy.value,
            "status": Status.BARU.value,
            "reporter_id": reporter_id,
            "recorded_by_id": recorded_by_id,
            "received_at": received_at,
            "received_on": received_on,
            "verify_by": due.verify_by,
            "plan_by": due.plan_by,
            "resolve_by": due.resolve_by,
        },
    )
    photos = [
        await _insert(
            session,
            _INSERT_PHOTO,
            ComplaintPhoto,
            {
                "complaint_id": complaint.id,
                "position": position,
                "file_id": photo.file_id,
                "file_unique_id": photo.file_unique_id,
                "file_size": photo.file_size,
                "download_attempts": 0,
            },
        )
        for position, photo in enumerate(new.photos, 1)
    ]
    await session.execute(
        _INSERT_EVENT,
        {
            "complaint_id": complaint.id,
            "at": received_at,
            "actor_id": recorded_by_id,
            "to_status": Status.BARU.value,
        },
    )
    # Everything is known here: no need to read the complaint back.
    return _record(
        complaint,
        reporter.display_name if reporter else None,
        recorder.display_name if recorder else None,
        [_photo(photo) for photo in photos],
        _phone(reporter.channel, reporter.external_id) if reporter else None,
    )


# The tables, not the mapped classes: an ORM insert goes through the session's bulk machinery.
_INSERT_COMPLAINT = insert(_COMPLAINT).returning(_COMPLAINT.c.id)
_INSERT_PHOTO = insert(_PHOTO).returning(_PHOTO.c.id)
_INSERT_EVENT = insert(_EVENT)


async def _insert(session: AsyncSession, statement: Any, model: Any, values: dict[str, Any]) -> Any:
    """Insert ``values`` with ``statement`` (which returns the new id): the row as a ``model``
    object, outside the session."""
    new_id: int = (await session.execute(statement, values)).scalar_one()
    return model(id=new_id, **values)


async def _next_number(session: AsyncSession, year: int) -> int:
    statement = _next_number_statement(session.get_bind().dialect.name)
    number: int = (await session.execute(statement, {"year": year})).scalar_one()
    return number


@functools.cache
def _next_number_statement(dialect: str) -> Any:
    """Built once per backend: building it cost more than running it."""
    counter = ComplaintCounter.__table__
    return (
        insert_of(dialect)(counter)
        .values(year=bindparam("year"), last_number=1)
        .on_conflict_do_update(
            index_elements=[counter.c.year], set_={"last_number": counter.c.last_number + 1}
        )
        .returning(counter.c.last_number)
    )


async def move_complaint(
    session: AsyncSession,
    complaint_id: int,
    expected: Status,
    target: Status,
    *,
    actor_id: int | None,
    note: str,
    reason: RejectReason | None,
    now: datetime,
) -> bool:
    """Change the status if it is still ``expected``, and record the move in the audit trail.

    False (and nothing written) when another official moved it first: the check is part of the
    UPDATE itself, so two officials acting at the same moment cannot both win.
    """
    closed = target not in OPEN_STATUSES
    parameters = {
        "complaint_id": complaint_id,
        "expected": expected.value,
        "target": target.value,
        "reason": reason.value if reason else None,
        "closed": now if closed else None,
    }
    result = await session.execute(_MOVE, parameters)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    event = {
        "complaint_id": complaint_id,
        "at": now,
        "actor_id": actor_id,
        "from_status": expected.value,
        "to_status": target.value,
        "reason": reason.value if reason else None,
        "note": note,
    }
    await session.execute(_INSERT_EVENT, event)
    return True


# Built once (on the tables): a move runs them in one transaction, on the event loop's thread.
_MOVE = (
    update(_COMPLAINT)
    .where(
        _COMPLAINT.c.id == bindparam("complaint_id"), _COMPLAINT.c.status == bindparam("expected")
    )
    .values(
        status=bindparam("target"),
        reject_reason=bindparam("reason"),
        closed_at=bindparam("closed"),
    )
)


async def complete_move(session: AsyncSession, move: PendingMove, note: str, now: datetime) -> bool:
    """Carry out an official's pending move with their note; the pending move is gone after.

    False when another official moved the complaint first (see :func:`move_complaint`).
    """
    await delete_pending_move(session, move.official_id, move.complaint_id)
    return await move_complaint(
        session,
        move.complaint_id,
        move.expected,
        move.target,
        actor_id=await resident_id(session, move.official_id),
        note=note,
        reason=move.reason,
        now=now,
    )


async def rate_complaint(
    session: AsyncSession, complaint_id: int, rater: int, score: int, now: datetime
) -> tuple[RateOutcome, str]:
    """Store the rating ``rater`` (Telegram user id) gives their own Selesai complaint, once.

    Returns the outcome and the complaint's code. "not_found" (and no code) when the
    complaint is not theirs, the same answer as for one that does not exist; "not_done" when
    it is not Selesai; "already" when it was rated before.
    """
    complaint = await session.get(Complaint, complaint_id)
    # A complaint entered by an official has no reporter, and a rater who never wrote to the
    # bot has no resident id: None == None must not make them its owner.
    if complaint is None or complaint.reporter_id is None:
        return "not_found", ""
    if complaint.reporter_id != await resident_id(session, rater):
        return "not_found", ""
    if complaint.status != Status.SELESAI.value:
        return "not_done", complaint.code
    stored = await record_rating(session, complaint_id, score, now)
    return ("rated" if stored else "already"), complaint.code


async def record_card(
    session: AsyncSession, complaint_id: int, chat_id: int, message_id: int
) -> None:
    """Remember where the complaint's card is, so moves edit it in place."""
    parameters = {"complaint_id": complaint_id, "chat": chat_id, "message": message_id}
    await session.execute(_RECORD_CARD, parameters)


async def record_photo_download(
    session: AsyncSession, photo_id: int, path: str | None, *, retry_at: datetime | None = None
) -> None:
    """Count a download attempt; ``path`` is where the copy now is (None: it failed, and the
    next try is due at ``retry_at``; None there too: given up)."""
    if path is not None:
        await session.execute(_PHOTO_KEPT, {"photo_id": photo_id, "path": path})
    else:
        await session.execute(_PHOTO_NOT_KEPT, {"photo_id": photo_id, "retry_at": retry_at})


_RECORD_CARD = (
    update(_COMPLAINT)
    .where(_COMPLAINT.c.id == bindparam("complaint_id"))
    .values(card_chat_id=bindparam("chat"), card_message_id=bindparam("message"))
)
_PHOTO_ATTEMPT = update(_PHOTO).where(_PHOTO.c.id == bindparam("photo_id"))
_PHOTO_KEPT = _PHOTO_ATTEMPT.values(
    download_attempts=_PHOTO.c.download_attempts + 1,
    next_attempt_at=None,
    local_path=bindparam("path"),
)
_PHOTO_NOT_KEPT = _PHOTO_ATTEMPT.values(
    download_attempts=_PHOTO.c.download_attempts + 1,
    next_attempt_at=bindparam("retry_at"),
)


async def save_pending_move(session: AsyncSession, move: PendingMove, now: datetime) -> None:
    """Start an official's move of a complaint, waiting for the note (see
    :func:`take_pending_move` for the one it replaces)."""
    await delete_pending_move(session, move.official_id, move.complaint_id)
    row = {
        "official_id": move.official_id,
        "complaint_id": move.complaint_id,
        "chat_id": move.chat_id,
        "expected": move.expected.value,
        "target": move.target.value,
        "reason": move.reason.value if move.reason else None,
        "prompt_message_id": move.prompt_message_id,
        "created_at": now,
    }
    await session.execute(_INSERT_PENDING, row)


async def delete_pending_move(session: AsyncSession, official_id: int, complaint_id: int) -> None:
    await session.execute(
        _DELETE_PENDING, {"official_id": official_id, "complaint_id": complaint_id}
    )


_PENDING: Any = ComplaintPendingMove.__table__
_OF_OFFICIAL_AND_COMPLAINT = (
    _PENDING.c.official_id == bindparam("official_id"),
    _PENDING.c.complaint_id == bindparam("complaint_id"),
)
_INSERT_PENDING = insert(_PENDING)
_DELETE_PENDING = delete(_PENDING).where(*_OF_OFFICIAL_AND_COMPLAINT)
# Pending moves with their complaint's code (rows for :func:`_pending`).
_PENDING_QUERY = select(_PENDING, _COMPLAINT.c.code).join(
    _COMPLAINT, _COMPLAINT.c.id == _PENDING.c.complaint_id
)
_PENDING_OF = _PENDING_QUERY.where(*_OF_OFFICIAL_AND_COMPLAINT)
_PENDING_BY_PROMPT = _PENDING_QUERY.where(
    _PENDING.c.official_id == bindparam("official_id"),
    _PENDING.c.chat_id == bindparam("chat_id"),
    _PENDING.c.prompt_message_id == bindparam("prompt_message_id"),
)
_PENDING_IN_CHAT = _PENDING_QUERY.where(
    _PENDING.c.official_id == bindparam("official_id"),
    _PENDING.c.chat_id == bindparam("chat_id"),
).order_by(_PENDING.c.created_at.desc())


async def take_pending_move(
    session: AsyncSession, official_id: int, complaint_id: int
) -> PendingMove | None:
    """Remove the official's pending move of the complaint (a newer button press replaces it);
    the move removed, so its request can be marked void, or None."""
    parameters = {"official_id": official_id, "complaint_id": complaint_id}
    row = (await session.execute(_PENDING_OF, parameters)).first()
    if row is None:
        return None
    await session.execute(_DELETE_PENDING, parameters)
    return _pending(row)


async def drop_pending_move(
    session: AsyncSession, official_id: int, chat_id: int, prompt_message_id: int | None = None
) -> tuple[PendingMove, ComplaintRecord] | None:
    """Cancel (``/batal``) the official's move whose request ``prompt_message_id`` is, else
    their latest one in the chat; the move and its complaint, or None."""
    if prompt_message_id is not None:
        move = await fetch_pending_by_prompt(session, official_id, chat_id, prompt_message_id)
    else:
        moves = await fetch_pending_in_chat(session, official_id, chat_id)
        move = moves[0] if moves else None
    if move is None:
        return None
    await delete_pending_move(session, official_id, move.complaint_id)
    complaint = await fetch_complaint(session, move.complaint_id)
    return None if complaint is None else (move, complaint)


async def expire_pending_moves(session: AsyncSession, before: datetime) -> list[PendingMove]:
    """Remove the pending moves started at or before ``before``; the ones removed.

    Each is deleted only if it is still the one read (same start time), so a move restarted
    meanwhile by a newer button press is left alone.
    """
    rows = await session.execute(_PENDING_QUERY.where(_PENDING.c.created_at <= before).limit(100))
    expired = []
    for row in list(rows):
        result = await session.execute(
            delete(_PENDING).where(
                _PENDING.c.official_id == row.official_id,
                _PENDING.c.complaint_id == row.complaint_id,
                _PENDING.c.created_at == row.created_at,
            )
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            expired.append(_pending(row))
    return expired


async def record_rating(
    session: AsyncSession, complaint_id: int, score: int, now: datetime
) -> bool:
    """Store the reporter's rating; False when the complaint was already rated (once only)."""
    result = await session.execute(
        dialect_insert(session)(ComplaintRating)
        .values(complaint_id=complaint_id, score=score, rated_at=now)
        .on_conflict_do_nothing(index_elements=[ComplaintRating.complaint_id])
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def update_rating_comment(session: AsyncSession, complaint_id: int, comment: str) -> None:
    await session.execute(
        update(ComplaintRating)
        .where(ComplaintRating.complaint_id == complaint_id)
        .values(comment=comment)
    )


async def record_overdue_notices(
    session: AsyncSession, complaint_ids: Iterable[int], day: date, now: datetime
) -> None:
    """Remember that these complaints were listed as overdue on ``day``."""
    rows = [{"complaint_id": cid, "day": day, "sent_at": now} for cid in complaint_ids]
    if rows:
        # Two runs of the job at the same moment (start-up catch-up and the daily tick) may
        # both list a complaint; the day's notice is still recorded once.
        await session.execute(
            dialect_insert(session)(ComplaintOverdueNotice)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["complaint_id", "day"])
        )


# ---------------------------------------------------------------------------- reading

# Core aliases and columns: rows come back as plain rows, without the ORM's loading of a
# Complaint object (and its identity map) for every complaint read.
_Reporter = _RESIDENT.alias("reporter")
_Recorder = _RESIDENT.alias("recorder")


def _complaint_query() -> Any:
    """Complaints with their reporter's name and channel identity and their recorder's name
    (rows for :func:`_from_row`: the complaint's columns by name, then those four)."""
    return (
        select(
            _COMPLAINT,
            _Reporter.c.display_name.label("reporter_name"),
            _Recorder.c.display_name.label("recorder_name"),
            _Reporter.c.channel.label("reporter_channel"),
            _Reporter.c.external_id.label("reporter_external_id"),
        )
        .outerjoin(_Reporter, _Reporter.c.id == _COMPLAINT.c.reporter_id)
        .outerjoin(_Recorder, _Recorder.c.id == _COMPLAINT.c.recorded_by_id)
    )


def _phone(channel: str, external_id: str) -> str | None:
    """The callable number of a reporter: WhatsApp ids are phone numbers, Telegram ids are not."""
    return f"+{external_id}" if channel == WHATSAPP else None


def _from_row(row: Any, photos: Sequence[PhotoRecord] = ()) -> ComplaintRecord:
    """A record from a row of :func:`_complaint_query`."""
    channel = row.reporter_channel
    phone = _phone(channel, row.reporter_external_id) if channel is not None else None
    return _record(row, row.reporter_name, row.recorder_name, photos, phone)


def _record(
    row: Any,
    reporter_name: str | None,
    recorder_name: str | None,
    photos: Sequence[PhotoRecord] = (),
    reporter_phone: str | None = None,
) -> ComplaintRecord:
    privacy = Privacy(row.privacy)
    anonim = privacy is Privacy.ANONIM
    return ComplaintRecord(
        id=row.id,
        code=row.code,
        channel=Channel(row.channel),
        category=row.category,
        desa=row.desa,
        place=row.place,
        latitude=row.latitude,
        longitude=row.longitude,
        description=row.description,
        privacy=privacy,
        status=Status(row.status),
        reject_reason=RejectReason(row.reject_reason) if row.reject_reason else None,
        received_at=row.received_at,
        received_on=row.received_on,
        due=DueDates(row.verify_by, row.plan_by, row.resolve_by),
        closed_at=row.closed_at,
        reporter_id=row.reporter_id,
        # Perpres 76/2013: an anonim reporter's identity never leaves this module.
        reporter_name=None if anonim else reporter_name,
        recorded_by_name=recorder_name,
        card_chat_id=row.card_chat_id,
        card_message_id=row.card_message_id,
        photos=tuple(photos),
        reporter_phone=None if anonim else reporter_phone,
    )


async def _fetch_by(
    session: AsyncSession, statement: Any, parameters: dict[str, Any]
) -> ComplaintRecord | None:
    """The complaint ``statement`` (one of :func:`_complaint_query`) selects, with its photos."""
    row = (await session.execute(statement, parameters)).first()
    if row is None:
        return None
    photos = await fetch_photos(session, row.id)
    return _from_row(row, photos)


async def fetch_complaint(session: AsyncSession, complaint_id: int) -> ComplaintRecord | None:
    return await _fetch_by(session, _BY_ID, {"complaint_id": complaint_id})


async def fetch_complaint_by_code(session: AsyncSession, code: str) -> ComplaintRecord | None:
    return await _fetch_by(session, _BY_CODE, {"code": code})


async def fetch_complaint_by_submission(
    session: AsyncSession, submission_key: str
) -> ComplaintRecord | None:
    """The complaint a dialogue already submitted (a repeated "Kirim" after a crash)."""
    return await _fetch_by(session, _BY_SUBMISSION, {"submission_key": submission_key})


async def fetch_photos(session: AsyncSession, complaint_id: int) -> list[PhotoRecord]:
    rows = await session.execute(_PHOTOS, {"complaint_id": complaint_id})
    return [_photo(row) for row in rows]


# Built once, for the lookups made at every complaint's submission and card: building a
# statement cost more than running it.
_BY_ID = _complaint_query().where(_COMPLAINT.c.id == bindparam("complaint_id"))
_BY_CODE = _complaint_query().where(_COMPLAINT.c.code == bindparam("code"))
_BY_SUBMISSION = _complaint_query().where(
    _COMPLAINT.c.submission_key == bindparam("submission_key")
)
_PHOTOS = (
    select(_PHOTO)
    .where(_PHOTO.c.complaint_id == bindparam("complaint_id"))
    .order_by(_PHOTO.c.position)
)


def _photo(row: Any) -> PhotoRecord:
    return PhotoRecord(
        id=row.id,
        complaint_id=row.complaint_id,
        position=row.position,
        file_id=row.file_id,
        file_size=row.file_size,
        local_path=row.local_path,
    )


async def fetch_events(session: AsyncSession, complaint_id: int) -> list[EventRecord]:
    """The audit trail of a complaint, oldest first."""
    rows = await session.execute(_EVENTS, {"complaint_id": complaint_id})
    return [_event(row, row.actor_name) for row in rows]


_EVENTS = (
    select(_EVENT, _RESIDENT.c.display_name.label("actor_name"))
    .outerjoin(_RESIDENT, _RESIDENT.c.id == _EVENT.c.actor_id)
    .where(_EVENT.c.complaint_id == bindparam("complaint_id"))
    .order_by(_EVENT.c.at, _EVENT.c.id)
)


def _event(event: Any, actor_name: str | None) -> EventRecord:
    return EventRecord(
        at=event.at,
        from_status=Status(event.from_status) if event.from_status else None,
        to_status=Status(event.to_status),
        reason=RejectReason(event.reason) if event.reason else None,
        note=event.note,
        actor_name=actor_name,
    )


async def fetch_own_complaints(
    session: AsyncSession, person: int, *, limit: int = 10
) -> list[ComplaintRecord]:
    """The complaints the person (see ``db.residents.identity``) reported, newest first.

    One statement: ``/status`` is a resident's most frequent question, and on a busy event loop
    every statement is a trip to SQLite's thread that waits a turn of the loop to come back.
    """
    channel, external_id = identity(person)
    parameters = {"channel": channel, "external_id": external_id, "limit": limit}
    return [_from_row(row) for row in await session.execute(_OWN, parameters)]


_OWN = (
    _complaint_query()
    .where(_Reporter.c.channel == bindparam("channel"))
    .where(_Reporter.c.external_id == bindparam("external_id"))
    .order_by(_COMPLAINT.c.received_at.desc(), _COMPLAINT.c.id.desc())
    .limit(bindparam("limit"))
)


async def fetch_own_complaint(
    session: AsyncSession, person: int, code: str
) -> tuple[ComplaintRecord, list[EventRecord]] | None:
    """One complaint of the person's with its history; None if it does not exist or is not
    theirs (callers answer both the same way, so codes cannot be probed)."""
    complaint = await fetch_complaint_by_code(session, code)
    if complaint is None or complaint.reporter_id is None:
        return None
    if complaint.reporter_id != await resident_id(session, person):
        return None
    return complaint, await fetch_events(session, complaint.id)


async def fetch_awaiting_rating(session: AsyncSession, person: int) -> ComplaintRecord | None:
    """The person's complaint most recently closed as Selesai and not rated yet: the one whose
    rating buttons they were sent last. None when every Selesai complaint is rated."""
    reporter_id = await resident_id(session, person)
    if reporter_id is None:
        return None
    rated = exists().where(ComplaintRating.complaint_id == Complaint.id)
    query = (
        _complaint_query()
        .where(
            Complaint.reporter_id == reporter_id,
            Complaint.status == Status.SELESAI.value,
            ~rated,
        )
        .order_by(Complaint.closed_at.desc(), Complaint.id.desc())
        .limit(1)
    )
    row = (await session.execute(query)).first()
    return None if row is None else _record(row, row.reporter_name, row.recorder_name)


async def fetch_complaint_with_events(
    session: AsyncSession, code: str
) -> tuple[ComplaintRecord, list[EventRecord]] | None:
    """A complaint and its audit trail, for officials."""
    complaint = await fetch_complaint_by_code(session, code)
    if complaint is None:
        return None
    return complaint, await fetch_events(session, complaint.id)


async def count_open_of_person(session: AsyncSession, person: int, day: date) -> int:
    """The person's (see ``db.residents.identity``) complaints received on the local ``day``,
    still open."""
    channel, external_id = identity(person)
    count = await session.scalar(
        _OPEN_OF_PERSON, {"channel": channel, "external_id": external_id, "day": day}
    )
    return int(count or 0)


_OPEN_OF_PERSON = (
    select(func.count())
    .select_from(Complaint)
    .join(Resident, Resident.id == Complaint.reporter_id)
    .where(
        Resident.channel == bindparam("channel"),
        Resident.external_id == bindparam("external_id"),
        Complaint.received_on == bindparam("day"),
        Complaint.status.in_([s.value for s in OPEN_STATUSES]),
    )
)


async def fetch_reporter_contact(
    session: AsyncSession, complaint_id: int
) -> ReporterContact | None:
    """Where the reporter of a complaint is reached; None when an official entered it."""
    row = (await session.execute(_CONTACT, {"complaint_id": complaint_id})).first()
    return None if row is None else ReporterContact(row[0], row[1], row[2], row[3])


_CONTACT = (
    select(_RESIDENT.c.channel, _RESIDENT.c.external_id, _RESIDENT.c.language, _RESIDENT.c.blocked)
    .join(_COMPLAINT, _COMPLAINT.c.reporter_id == _RESIDENT.c.id)
    .where(_COMPLAINT.c.id == bindparam("complaint_id"))
)


async def fetch_pending_by_prompt(
    session: AsyncSession, official_id: int, chat_id: int, prompt_message_id: int
) -> PendingMove | None:
    """The official's move whose note request is message ``prompt_message_id`` of the chat:
    the only move a reply to that message may complete."""
    parameters = {
        "official_id": official_id,
        "chat_id": chat_id,
        "prompt_message_id": prompt_message_id,
    }
    row = (await session.execute(_PENDING_BY_PROMPT, parameters)).first()
    return None if row is None else _pending(row)


async def fetch_pending_in_chat(
    session: AsyncSession, official_id: int, chat_id: int
) -> list[PendingMove]:
    """The official's pending moves in the chat, newest first."""
    parameters = {"official_id": official_id, "chat_id": chat_id}
    return [_pending(row) for row in await session.execute(_PENDING_IN_CHAT, parameters)]


def _pending(row: Any) -> PendingMove:
    """A move from a row of ``_PENDING_QUERY`` (the pending move's columns and the code)."""
    return PendingMove(
        official_id=row.official_id,
        complaint_id=row.complaint_id,
        chat_id=row.chat_id,
        expected=Status(row.expected),
        target=Status(row.target),
        reason=RejectReason(row.reason) if row.reason else None,
        prompt_message_id=row.prompt_message_id,
        created_at=row.created_at,
        code=row.code,
    )


async def fetch_rating(session: AsyncSession, complaint_id: int) -> Rating | None:
    row = await session.get(ComplaintRating, complaint_id)
    return None if row is None else Rating(row.score, row.comment)


async def fetch_without_card(
    session: AsyncSession, *, received_before: datetime, after_id: int = 0, limit: int = 20
) -> list[int]:
    """Complaints whose card never reached the Trantib group (the bot stopped in between, or
    Telegram refused it), by id from ``after_id`` on, so a caller can walk past ones that keep
    failing."""
    rows = await session.scalars(
        select(Complaint.id)
        .where(
            Complaint.card_message_id.is_(None),
            Complaint.received_at < received_before,
            Complaint.id > after_id,
        )
        .order_by(Complaint.id)
        .limit(limit)
    )
    return list(rows)


@dataclass(frozen=True)
class PhotoToKeep:
    """A photo whose copy is due: the code of its complaint, and the tries made so far."""

    code: str
    photo: PhotoRecord
    attempts: int


async def fetch_photos_to_download(
    session: AsyncSession,
    *,
    now: datetime,
    max_attempts: int,
    complaint_id: int | None = None,
    limit: int = 20,
) -> list[PhotoToKeep]:
    """Photos not yet kept locally, not given up on, whose next try is due at ``now``; of one
    complaint, or of all of them."""
    parameters = {"now": now, "max_attempts": max_attempts, "limit": limit}
    if complaint_id is not None:
        parameters["complaint_id"] = complaint_id
    rows = await session.execute(_photos_to_download(complaint_id is not None), parameters)
    return [PhotoToKeep(row.code, _photo(row), row.download_attempts) for row in rows]


@functools.cache
def _photos_to_download(of_one_complaint: bool) -> Any:
    query = (
        select(_PHOTO, _COMPLAINT.c.code)
        .join(_COMPLAINT, _COMPLAINT.c.id == _PHOTO.c.complaint_id)
        .where(
            _PHOTO.c.local_path.is_(None),
            _PHOTO.c.download_attempts < bindparam("max_attempts"),
            or_(_PHOTO.c.next_attempt_at.is_(None), _PHOTO.c.next_attempt_at <= bindparam("now")),
        )
        .order_by(_PHOTO.c.id)
        .limit(bindparam("limit"))
    )
    if of_one_complaint:
        query = query.where(_PHOTO.c.complaint_id == bindparam("complaint_id"))
    return query


def overdue_condition(today: date, complaint: Any = Complaint) -> ColumnElement[bool]:
    """SQL twin of :func:`iku.complaints.overdue_stage` being not None on ``today``.

    Open and: past resolve_by; or still Baru/Diverifikasi past plan_by; or still Baru past
    verify_by (tests/db/test_complaints.py checks both agree case by case). ``complaint`` is
    the table, or a subquery's columns of the same names.
    """
    return and_(
        complaint.status.in_([s.value for s in OPEN_STATUSES]),
        or_(
            complaint.resolve_by < today,
            and_(
                complaint.status.in_([Status.BARU.value, Status.DIVERIFIKASI.value]),
                complaint.plan_by < today,
            ),
            and_(complaint.status == Status.BARU.value, complaint.verify_by < today),
        ),
    )


async def fetch_overdue_not_noticed(session: AsyncSession, today: date) -> list[ComplaintRecord]:
    """Open complaints past a deadline on ``today`` that were not listed as overdue today."""
    noticed = select(ComplaintOverdueNotice.complaint_id).where(ComplaintOverdueNotice.day == today)
    rows = await session.execute(
        _complaint_query()
        .where(overdue_condition(today), Complaint.id.not_in(noticed))
        .order_by(Complaint.received_at, Complaint.id)
    )
    return [_from_row(row) for row in rows]


async def fetch_open(
    session: AsyncSession, today: date, filters: OpenFilter, *, limit: int, offset: int = 0
) -> tuple[list[ComplaintRecord], int]:
    """Complaints matching ``filters``, overdue ones first then oldest first, ``limit`` of them
    from ``offset`` on (a page); and the total that match."""
    conditions: list[ColumnElement[bool]] = [
        Complaint.status.in_([s.value for s in filters.statuses])
    ]
    if filters.desa is not None:
        conditions.append(Complaint.desa == filters.desa)
    if filters.categories is not None:
        conditions.append(Complaint.category.in_(sorted(filters.categories)))
    if filters.overdue_only:
        conditions.append(overdue_condition(today))
    total = await session.scalar(select(func.count()).select_from(Complaint).where(*conditions))
    overdue_first = case((overdue_condition(today), 0), else_=1)
    rows = await session.execute(
        _complaint_query()
        .where(*conditions)
        .order_by(overdue_first, Complaint.received_at, Complaint.id)
        .limit(limit)
        .offset(offset)
    )
    return [_from_row(row) for row in rows], int(total or 0)


async def fetch_figures(
    session: AsyncSession, start: date, end: date, today: date
) -> ComplaintFigures:
    """IKU 4 counts over the complaints received on the local days ``start``..``end``.

    One aggregate query; ``overdue`` is judged on ``today`` (see :func:`overdue_condition`).
    """
    row = (
        await session.execute(
            select(*_figure_counts(Complaint, today)).where(
                Complaint.received_on >= start, Complaint.received_on <= end
            )
        )
    ).one()
    return _figures(row)


async def fetch_figures_per_span(
    session: AsyncSession, spans: Sequence[Span], today: date
) -> list[ComplaintFigures]:
    """:func:`fetch_figures` of each span of local days (e.g. the trend's weeks), in one
    grouped query; a span without complaints has all counts 0. The query counts per day (in
    the date index's order); the days are added into their spans here."""
    if not spans:
        return []
    day = Complaint.received_on
    rows = await session.execute(
        select(day, *_figure_counts(Complaint, today)).where(within_spans(day, spans)).group_by(day)
    )
    span_of = day_spans(spans)
    counts = [[0] * 5 for _ in spans]
    for row in rows:
        day_counts = [int(value) for value in row[1:]]
        for index in span_of.get(row[0], ()):
            counts[index] = [a + b for a, b in zip(counts[index], day_counts, strict=True)]
    return [_figures(span_counts) for span_counts in counts]


def _figure_counts(complaint: Any, today: date) -> list[Any]:
    """received, excluded, resolved, open and overdue: the IKU 4 counts over the rows of
    ``complaint`` (the table, or a subquery's columns named as :data:`IKU4_COLUMNS`)."""
    excluded = and_(
        complaint.status == Status.DITOLAK.value,
        complaint.reject_reason.in_([r.value for r in EXCLUDED_REASONS]),
    )

    def count_where(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return [
        func.count(),
        count_where(excluded),
        count_where(complaint.status.in_([s.value for s in RESOLVED_STATUSES])),
        count_where(complaint.status.in_([s.value for s in OPEN_STATUSES])),
        count_where(overdue_condition(today, complaint)),
    ]


def _figures(counts: Sequence[Any]) -> ComplaintFigures:
    received, excluded, resolved, open_count, overdue = (int(value) for value in counts)
    return ComplaintFigures(
        received=received, excluded=excluded, resolved=resolved, open=open_count, overdue=overdue
    )


async def fetch_register(session: AsyncSession, start: date, end: date) -> list[RegisterEntry]:
    """The complaints received on ``start``..``end`` with their audit trail and rating.

    Reporter names are dropped here: the register is an export, which never needs them.
    """
    rows = await session.execute(
        select(Complaint, ComplaintRating)
        .outerjoin(ComplaintRating, ComplaintRating.complaint_id == Complaint.id)
        .where(Complaint.received_on >= start, Complaint.received_on <= end)
        .order_by(Complaint.received_at, Complaint.id)
    )
    complaints = list(rows)
    events: dict[int, list[EventRecord]] = {}
    ids = [complaint.id for complaint, _ in complaints]
    for chunk in _chunks(ids, 500):
        trail = await session.execute(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id.in_(chunk))
            .order_by(ComplaintEvent.at, ComplaintEvent.id)
        )
        for (event,) in trail:
            events.setdefault(event.complaint_id, []).append(_event(event, None))
    return [
        RegisterEntry(
            complaint=_record(complaint, None, None),
            events=tuple(events.get(complaint.id, ())),
            rating=None if rating is None else Rating(rating.score, rating.comment),
        )
        for complaint, rating in complaints
    ]


def _chunks(values: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for index in range(0, len(values), size):
        yield values[index : index + size]
