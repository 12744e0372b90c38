"""Queries on the satisfaction survey (SKM): responses, and monthly service-user counts.

Reports never load responses into Python to count them: :func:`fetch_skm_totals` sums each
unsur in SQL on the ``local_date`` index. Nothing here commits; the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Insert,
    Integer,
    Table,
    bindparam,
    exists,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    CHANNEL_CHAT,
    CHANNEL_PAPER,
    Resident,
    SurveyDayAnswer,
    SurveyDayTotal,
    SurveyPopulation,
    SurveyResponse,
)
from db.residents import identity, record_resident, resident_id
from db.spans import Span, day_spans, within_spans
from db.upsert import upsert
from iku.skm import UNSUR_KEYS, time_slot
from iku.survey_forms import PaperForm, SurveyAnswers

# Rows per INSERT of an import: 26 parameters each stays far below SQLite's variable limit.
IMPORT_CHUNK = 200


@dataclass(frozen=True)
class Filter:
    """Which responses a report covers: local days ``start``..``end`` (inclusive), optionally
    one service."""

    start: date
    end: date
    service: str | None = None

    def where(self) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [
            SurveyResponse.local_date.between(self.start, self.end)
        ]
        if self.service is not None:
            conditions.append(SurveyResponse.service == self.service)
        return conditions


# --- writing --------------------------------------------------------------------------------


ROW_COLUMNS = ("service", "gender", "age", "education", "occupation", *UNSUR_KEYS, "saran")


def _row(answers: SurveyAnswers) -> dict[str, Any]:
    return {
        "service": answers.service,
        "gender": answers.gender,
        "age": answers.age,
        "education": answers.education,
        "occupation": answers.occupation,
        **{key: answers.answers[key] for key in UNSUR_KEYS},
        "saran": answers.saran,
    }


async def record_chat_response(
    session: AsyncSession,
    *,
    person: int,
    answers: SurveyAnswers,
    answered_at: datetime,
    tz: ZoneInfo,
    daily_limit: int,
    submission_key: str | None = None,
) -> bool:
    """Store a resident's chat response unless they reached ``daily_limit`` responses for this
    service on this local day (0 = no limit). True when stored.

    ``submission_key`` (set when the survey started) makes this idempotent: a response already
    stored under it is not stored again, and counts as stored (True). "Kirim" pressed again
    after a crash then thanks the resident instead of storing a second response.

    One statement does it all (find the resident, count today's answers, insert): this runs at
    every survey's end, and each statement is a round trip to the database.
    """
    local = answered_at.astimezone(tz)
    channel, external_id = identity(person)
    values = {
        **_row(answers),
        "channel": CHANNEL_CHAT,
        "answered_at": answered_at,
        "local_date": local.date(),
        "time_slot": time_slot(local.time()),
        "recorded_at": answered_at,
        "resident_channel": channel,
        "external_id": external_id,
        "daily_limit": daily_limit,
        "submission_key": submission_key,
    }
    statement = _CHAT_INSERT_LIMITED if daily_limit else _CHAT_INSERT
    if await _inserted(session, statement, values):
        return True
    if submission_key is not None and await _submitted(session, submission_key):
        return True
    # Nothing inserted: the limit was reached, or (rarely) the bookkeeping that records every
    # person before their first update failed and there is no residents row yet.
    if await resident_id(session, person) is not None:
        return False
    await record_resident(
        session, person=person, display_name="", language="id", seen_at=answered_at
    )
    return await _inserted(session, statement, values)


async def _inserted(session: AsyncSession, statement: Insert, values: dict[str, Any]) -> bool:
    result = await session.execute(statement, values)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def _submitted(session: AsyncSession, submission_key: str) -> bool:
    return bool(await session.scalar(_SUBMITTED, {"submission_key": submission_key}))


def _chat_insert(limited: bool) -> Insert:
    """INSERT INTO survey_responses SELECT <the answers>, <the resident's id> [under the limit]
    [unless its submission key is stored already]."""
    # The tables, not the mapped classes: a Core statement, no ORM bulk-insert machinery.
    responses, residents = cast(Table, SurveyResponse.__table__), cast(Table, Resident.__table__)
    names = [
        *ROW_COLUMNS,
        "channel",
        "answered_at",
        "local_date",
        "time_slot",
        "recorded_at",
        "submission_key",
    ]
    params = {name: bindparam(name, type_=responses.c[name].type) for name in names}
    # A NULL key equals nothing: a response without one is never held back by this.
    stored_before = exists().where(responses.c.submission_key == params["submission_key"])
    source = select(*params.values(), residents.c.id).where(
        residents.c.channel == bindparam("resident_channel"),
        residents.c.external_id == bindparam("external_id"),
        ~stored_before,
    )
    if limited:
        given = (
            select(func.count())
            .select_from(responses)
            .where(
                responses.c.resident_id == residents.c.id,
                responses.c.local_date == params["local_date"],
                responses.c.service == params["service"],
            )
            .scalar_subquery()
        )
        source = source.where(given < bindparam("daily_limit", type_=Integer()))
    return insert(responses).from_select([*names, "resident_id"], source)


_CHAT_INSERT = _chat_insert(limited=False)
_CHAT_INSERT_LIMITED = _chat_insert(limited=True)
_SUBMITTED = select(exists().where(SurveyResponse.submission_key == bindparam("submission_key")))


async def fetch_chat_responses_today(
    session: AsyncSession, person: int, service: str, day: date
) -> int:
    """How many chat responses the person (see ``db.residents.identity``) gave for ``service``
    on local ``day``. Counted per channel identity: the same human on Telegram and on WhatsApp
    is two people to the bot, since nothing ties the two accounts together."""
    channel, external_id = identity(person)
    count = await session.scalar(
        _RESPONSES_TODAY,
        {"channel": channel, "external_id": external_id, "day": day, "service": service},
    )
    return int(count or 0)


# Built once: it runs each time a resident picks a service.
_RESPONSES_TODAY = (
    select(func.count())
    .select_from(SurveyResponse)
    .join(Resident, Resident.id == SurveyResponse.resident_id)
    .where(
        Resident.channel == bindparam("channel"),
        Resident.external_id == bindparam("external_id"),
        SurveyResponse.local_date == bindparam("day"),
        SurveyResponse.service == bindparam("service"),
    )
)


async def record_paper_forms(
    session: AsyncSession, forms: Sequence[PaperForm], tz: ZoneInfo, now: datetime
) -> int:
    """Store imported paper forms; a form whose import key is already stored is left out.

    Returns how many were new. One statement, compiled once, runs with the rows a chunk at a
    time (SQLAlchemy sends each chunk as multi-row INSERTs): 100,000 forms as rows at once would
    hold over 100 MB, and a statement built per chunk took a minute to compile.
    """
    dialect = session.get_bind().dialect.name
    statement = _PAPER_INSERTS["postgresql" if dialect == "postgresql" else "sqlite"]
    added = 0
    for start in range(0, len(forms), IMPORT_CHUNK):
        chunk = [_paper_row(form, tz, now) for form in forms[start : start + IMPORT_CHUNK]]
        added += len((await session.execute(statement, chunk)).all())
    return added


# INSERT ... ON CONFLICT (import_key) DO NOTHING RETURNING id: the ids of the new forms only.
_PAPER_INSERTS = {
    name: insert(SurveyResponse)
    .on_conflict_do_nothing(index_elements=["import_key"])
    .returning(SurveyResponse.id)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}


def _paper_row(form: PaperForm, tz: ZoneInfo, now: datetime) -> dict[str, Any]:
    answered_at = slot = None
    if form.local_time is not None:
        local = datetime.combine(form.local_date, form.local_time, tzinfo=tz)
        answered_at, slot = local, time_slot(form.local_time)
    return {
        **_row(form.answers),
        "channel": CHANNEL_PAPER,
        "resident_id": None,
        "answered_at": answered_at,
        "local_date": form.local_date,
        "time_slot": slot,
        "import_key": form.import_key,
        "recorded_at": now,
    }


async def record_population(
    session: AsyncSession,
    *,
    month: date,
    service: str,
    service_users: int,
    recorded_by: str,
    now: datetime,
) -> None:
    """Set how many people ``service`` served in the month starting ``month`` (replaces)."""
    row = {
        "month": month.replace(day=1),
        "service": service,
        "service_users": service_users,
        "recorded_by": recorded_by,
        "recorded_at": now,
    }
    await upsert(session, SurveyPopulation, [row], keys=("month", "service"))


# --- reading --------------------------------------------------------------------------------


async def fetch_skm_totals(session: AsyncSession, where: Filter) -> tuple[dict[str, int], int]:
    """Per-unsur answer sums and the number of responses of the period, summed in SQL."""
    sums = [func.coalesce(func.sum(getattr(SurveyResponse, key)), 0) for key in UNSUR_KEYS]
    row = (await session.execute(select(func.count(), *sums).where(*where.where()))).one()
    respondents, *totals = (int(value) for value in row)
    return dict(zip(UNSUR_KEYS, totals, strict=True)), respondents


async def fetch_skm_totals_per_span(
    session: AsyncSession, spans: Sequence[Span]
) -> list[tuple[dict[str, int], int]]:
    """:func:`fetch_skm_totals` of each span of days (e.g. the trend's weeks, a year of them),
    in one grouped query on the daily roll-up (``survey_day_totals``, kept by the database's
    triggers: the same figures, a row per day and service): per span, the per-unsur answer sums
    and the number of responses. The query sums per day; the days are added into their spans
    here (spans may overlap)."""
    if not spans:
        return []
    day = SurveyDayTotal.local_date
    sums = [func.sum(getattr(SurveyDayTotal, key)) for key in UNSUR_KEYS]
    rows = await session.execute(
        select(day, func.sum(SurveyDayTotal.responses), *sums)
        .where(within_spans(day, spans))
        .group_by(day)
    )
    span_of = day_spans(spans)
    counts = [0] * len(spans)
    totals = [[0] * len(UNSUR_KEYS) for _ in spans]
    for row in rows:
        day_totals = [int(value) for value in row[2:]]
        for index in span_of.get(row[0], ()):
            counts[index] += int(row[1])
            totals[index] = [a + b for a, b in zip(totals[index], day_totals, strict=True)]
    return [
        (dict(zip(UNSUR_KEYS, span_totals, strict=True)), count)
        for count, span_totals in zip(counts, totals, strict=True)
    ]


async def fetch_day_totals(session: AsyncSession, where: Filter) -> tuple[dict[str, int], int]:
    """:func:`fetch_skm_totals` summed from the daily roll-up (``survey_day_totals``, kept by
    the database's triggers): the same figures, from at most a row per day and service."""
    sums = [func.coalesce(func.sum(getattr(SurveyDayTotal, key)), 0) for key in UNSUR_KEYS]
    row = (
        await session.execute(
            select(func.coalesce(func.sum(SurveyDayTotal.responses), 0), *sums).where(
                *_day_filter(SurveyDayTotal, where)
            )
        )
    ).one()
    respondents, *totals = (int(value) for value in row)
    return dict(zip(UNSUR_KEYS, totals, strict=True)), respondents


async def fetch_skm_totals_per_service(
    session: AsyncSession, where: Filter
) -> dict[str, tuple[dict[str, int], int]]:
    """:func:`fetch_skm_totals` of every service that has responses in the period, summed from
    the daily roll-up: per service code, the per-unsur answer sums and the number of responses."""
    sums = [func.sum(getattr(SurveyDayTotal, key)) for key in UNSUR_KEYS]
    rows = await session.execute(
        select(SurveyDayTotal.service, func.sum(SurveyDayTotal.responses), *sums)
        .where(*_day_filter(SurveyDayTotal, where))
        .group_by(SurveyDayTotal.service)
    )
    found: dict[str, tuple[dict[str, int], int]] = {}
    for row in rows:
        service, count, *totals = (value for value in row)
        if count:
            found[str(service)] = (
                dict(zip(UNSUR_KEYS, (int(total) for total in totals), strict=True)),
                int(count),
            )
    return found


async def fetch_population(session: AsyncSession, where: Filter) -> int | None:
    """Service users of every month that overlaps the period (None: officials entered none).

    A period that covers part of a month counts that month's whole figure: the entries are
    monthly, and a larger N only asks for a larger sample, never a smaller one.
    """
    query = select(func.sum(SurveyPopulation.service_users)).where(
        SurveyPopulation.month >= where.start.replace(day=1),
        SurveyPopulation.month <= where.end,
    )
    if where.service is not None:
        query = query.where(SurveyPopulation.service == where.service)
    total = await session.scalar(query)
    return None if total is None else int(total)


# The profile questions of the daily roll-up (survey_day_answers), in the profile's order.
PROFILE_QUESTIONS = ("gender", "age_group", "education", "occupation", "time_slot")


def _day_filter(model: Any, where: Filter) -> list[ColumnElement[bool]]:
    """``where`` on a roll-up table (its ``local_date`` and ``service`` columns)."""
    conditions: list[ColumnElement[bool]] = [model.local_date.between(where.start, where.end)]
    if where.service is not None:
        conditions.append(model.service == where.service)
    return conditions


async def fetch_profile(session: AsyncSession, where: Filter) -> dict[str, dict[str, int]]:
    """Respondents per answer of each profile question, summed in SQL from the daily roll-up
    (a year is a few thousand rows, whatever the number of responses).

    Keys: ``gender``, ``age_group`` (labels ``15-24`` ...), ``education``, ``occupation``,
    ``service`` and ``time_slot`` (``""`` for paper forms without a time).
    """
    profile: dict[str, dict[str, int]] = {name: {} for name in PROFILE_QUESTIONS}
    day = SurveyDayAnswer
    answers = await session.execute(
        select(day.question, day.answer, func.sum(day.responses))
        .where(*_day_filter(day, where))
        .group_by(day.question, day.answer)
    )
    for question, answer, count in answers:
        if int(count):
            profile.setdefault(str(question), {})[str(answer)] = int(count)
    services = await session.execute(
        select(SurveyDayTotal.service, func.sum(SurveyDayTotal.responses))
        .where(*_day_filter(SurveyDayTotal, where))
        .group_by(SurveyDayTotal.service)
    )
    profile["service"] = {str(code): int(count) for code, count in services if int(count)}
    return {
        name: profile[name]
        for name in ("gender", "age_group", "education", "occupation", "service", "time_slot")
    }


@dataclass(frozen=True)
class StoredResponse:
    """A response as exported: no id, no resident, no import key."""

    local_date: date
    local_time: time | None
    time_slot: str | None
    channel: str
    answers: SurveyAnswers


async def fetch_responses(
    session: AsyncSession, where: Filter, tz: ZoneInfo
) -> list[StoredResponse]:
    """The period's responses, oldest first, for the raw-data sheet of the export."""
    query = (
        select(SurveyResponse)
        .where(*where.where())
        .order_by(
            SurveyResponse.local_date,
            SurveyResponse.answered_at.nulls_last(),
            SurveyResponse.id,
        )
    )
    return [_stored(row, tz) for row in await session.scalars(query)]


def _stored(row: SurveyResponse, tz: ZoneInfo) -> StoredResponse:
    at = row.answered_at.astimezone(tz).time().replace(microsecond=0) if row.answered_at else None
    answers = SurveyAnswers(
        service=row.service,
        gender=row.gender,
        age=row.age,
        education=row.education,
        occupation=row.occupation,
        answers={key: getattr(row, key) for key in UNSUR_KEYS},
        saran=row.saran,
    )
    return StoredResponse(row.local_date, at, row.time_slot, row.channel, answers)


async def fetch_suggestions(
    session: AsyncSession,
    where: Filter,
    *,
    newest_first: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> list[tuple[date, str, str]]:
    """(local date, service, saran) of the period's responses that carry a suggestion, oldest
    first (or ``newest_first``), optionally a page of ``limit`` after ``offset``. Never who
    wrote it."""
    order = (
        (SurveyResponse.local_date.desc(), SurveyResponse.id.desc())
        if newest_first
        else (SurveyResponse.local_date, SurveyResponse.id)
    )
    query = (
        select(SurveyResponse.local_date, SurveyResponse.service, SurveyResponse.saran)
        .where(*where.where(), SurveyResponse.saran.is_not(None))
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    return [(day, service, str(saran)) for day, service, saran in await session.execute(query)]


async def count_suggestions(session: AsyncSession, where: Filter) -> int:
    """How many of the period's responses carry a suggestion."""
    query = select(func.count()).where(*where.where(), SurveyResponse.saran.is_not(None))
    return int(await session.scalar(query) or 0)
