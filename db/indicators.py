"""Queries on the yearly plans behind IKU 1 (program indicators) and IKU 3 (empowerment
activities). Every write is recorded in the audit trail with who and when."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import EmpowermentActivity, EntryAudit, ProgramIndicator
from iku.indicators import is_achieved


@dataclass(frozen=True)
class ProgramInput:
    """One row of a yearly indicator list, as imported."""

    year: int
    code: str
    name: str
    program: str
    target: float
    unit: str
    higher_is_better: bool = True
    realization: float | None = None


@dataclass(frozen=True)
class ProgramView:
    id: int
    year: int
    code: str
    name: str
    program: str
    target: float
    unit: str
    realization: float | None
    explicit: bool | None
    achieved: bool


@dataclass(frozen=True)
class ActivityInput:
    """One row of a yearly activity plan, as imported (facilitation fields optional)."""

    year: int
    name: str
    planned_month: int
    facilitated_on: date | None = None
    participants: int | None = None
    note: str = ""


@dataclass(frozen=True)
class ActivityView:
    id: int
    year: int
    name: str
    planned_month: int
    facilitated_on: date | None
    participants: int | None
    note: str


@dataclass(frozen=True)
class ImportCounts:
    inserted: int
    updated: int


def _achieved(row: ProgramIndicator) -> bool:
    if row.explicit is None and row.realization is None:
        return False
    return is_achieved(
        row.target,
        row.realization if row.realization is not None else 0.0,
        higher_is_better=row.higher_is_better,
        explicit=row.explicit,
    )


def _program_view(row: ProgramIndicator) -> ProgramView:
    return ProgramView(
        row.id, row.year, row.code, row.name, row.program, row.target, row.unit,
        row.realization, row.explicit, row.achieved,
    )  # fmt: skip


def _activity_view(row: EmpowermentActivity) -> ActivityView:
    return ActivityView(
        row.id, row.year, row.name, row.planned_month, row.facilitated_on, row.participants,
        row.note,
    )  # fmt: skip


def _audit(
    session: AsyncSession, entity: str, entity_id: int, action: str, actor: str, now: datetime,
    details: dict[str, Any],
) -> None:  # fmt: skip
    session.add(
        EntryAudit(
            entity=entity, entity_id=entity_id, action=action, actor=actor, at=now, details=details
        )
    )


async def _stored(
    session: AsyncSession, model: Any, wanted: set[tuple[int, str]], key: str
) -> dict[tuple[int, str], Any]:
    """The plan rows stored under the ``wanted`` (year, ``key``) pairs: what an import updates
    instead of adding. Only those: an import comes in batches, each looking up its own rows."""
    column = getattr(model, key)
    query = select(model).where(
        model.year.in_({year for year, _ in wanted}),
        column.in_({name for _, name in wanted}),
    )
    rows: Any = await session.scalars(query)
    found = {(row.year, getattr(row, key)): row for row in rows}
    return {pair: row for pair, row in found.items() if pair in wanted}


async def _audit_import(
    session: AsyncSession,
    entity: str,
    rows: list[Any],
    details: Callable[[Any], dict[str, Any]],
    actor: str,
    now: datetime,
    action: str = "import",
) -> None:
    """One audit entry per imported row, after one flush that gives the new rows their ids."""
    await session.flush()
    for row in rows:
        _audit(session, entity, row.id, action, actor, now, details(row))


async def upsert_programs(
    session: AsyncSession,
    rows: Sequence[ProgramInput],
    *,
    actor: str,
    now: datetime,
    action: str = "import",
) -> ImportCounts:
    """Insert new indicators, update existing ones by (year, code): a re-import never duplicates.

    A realization in the file is written; an empty one keeps what officials entered in the bot.
    ``action`` names the audit entries ("import"; "entry" for one typed in the dashboard).
    """
    wanted = {(r.year, r.code) for r in rows}
    existing = await _stored(session, ProgramIndicator, wanted, "code")
    inserted, imported = 0, []
    for item in rows:
        row = existing.get((item.year, item.code))
        if row is None:
            row = ProgramIndicator(year=item.year, code=item.code, explicit_note="")
            session.add(row)
            inserted += 1
        row.name, row.program, row.target = item.name, item.program, item.target
        row.unit, row.higher_is_better = item.unit, item.higher_is_better
        if item.realization is not None:
            row.realization = item.realization
        row.achieved = _achieved(row)
        row.updated_at, row.updated_by = now, actor
        imported.append(row)
    await _audit_import(session, "program", imported, _program_details, actor, now, action)
    return ImportCounts(inserted, len(rows) - inserted)


def _program_details(row: ProgramIndicator) -> dict[str, Any]:
    return {
        "code": row.code,
        "target": row.target,
        "realization": row.realization,
        "explicit": row.explicit,
        "achieved": row.achieved,
    }


async def fetch_programs(session: AsyncSession, year: int) -> list[ProgramView]:
    rows = await session.scalars(
        select(ProgramIndicator)
        .where(ProgramIndicator.year == year)
        .order_by(ProgramIndicator.code)
    )
    return [_program_view(row) for row in rows]


async def fetch_program(session: AsyncSession, program_id: int) -> ProgramView | None:
    row = await session.get(ProgramIndicator, program_id)
    return None if row is None else _program_view(row)


async def record_realization(
    session: AsyncSession, program_id: int, realization: float, *, actor: str, now: datetime
) -> ProgramView | None:
    """Write a realization; the indicator counts as achieved when it reaches the target
    (unless an official decided explicitly, which stands until changed)."""
    row = await session.get(ProgramIndicator, program_id)
    if row is None:
        return None
    row.realization = realization
    row.achieved = _achieved(row)
    row.updated_at, row.updated_by = now, actor
    _audit(session, "program", row.id, "realization", actor, now, _program_details(row))
    return _program_view(row)


async def record_decision(
    session: AsyncSession,
    program_id: int,
    achieved: bool | None,
    note: str,
    *,
    actor: str,
    now: datetime,
) -> ProgramView | None:
    """An official's explicit decision (``None`` returns to the rule), with its note."""
    row = await session.get(ProgramIndicator, program_id)
    if row is None:
        return None
    row.explicit, row.explicit_note = achieved, note
    row.achieved = _achieved(row)
    row.updated_at, row.updated_by = now, actor
    details = {**_program_details(row), "note": note}
    _audit(session, "program", row.id, "decision", actor, now, details)
    return _program_view(row)


async def count_programs(session: AsyncSession, year: int) -> tuple[int, int]:
    """(all indicators, achieved ones) of the plan year: IKU 1's denominator and numerator."""
    total, achieved = (
        await session.execute(
            select(
                func.count(ProgramIndicator.id),
                func.count(ProgramIndicator.id).filter(ProgramIndicator.achieved.is_(True)),
            ).where(ProgramIndicator.year == year)
        )
    ).one()
    return int(total), int(achieved)


async def upsert_activities(
    session: AsyncSession,
    rows: Sequence[ActivityInput],
    *,
    actor: str,
    now: datetime,
    action: str = "import",
) -> ImportCounts:
    """Insert new activities, update existing ones by (year, name) (``action``: as
    :func:`upsert_programs`)."""
    wanted = {(r.year, r.name) for r in rows}
    existing = await _stored(session, EmpowermentActivity, wanted, "name")
    inserted, imported = 0, []
    for item in rows:
        row = existing.get((item.year, item.name))
        if row is None:
            row = EmpowermentActivity(year=item.year, name=item.name, note="")
            session.add(row)
            inserted += 1
        row.planned_month = item.planned_month
        if item.facilitated_on is not None:
            row.facilitated_on, row.participants = item.facilitated_on, item.participants
            row.note = item.note
        row.updated_at, row.updated_by = now, actor
        imported.append(row)
    await _audit_import(session, "activity", imported, _activity_details, actor, now, action)
    return ImportCounts(inserted, len(rows) - inserted)


def _activity_details(row: EmpowermentActivity) -> dict[str, Any]:
    return {
        "name": row.name,
        "planned_month": row.planned_month,
        "facilitated_on": row.facilitated_on.isoformat() if row.facilitated_on else None,
        "participants": row.participants,
        "note": row.note,
    }


async def fetch_activities(
    session: AsyncSession, year: int, *, facilitated: bool | None = None
) -> list[ActivityView]:
    query = select(EmpowermentActivity).where(EmpowermentActivity.year == year)
    if facilitated is not None:
        column = EmpowermentActivity.facilitated_on
        query = query.where(column.is_not(None) if facilitated else column.is_(None))
    rows = await session.scalars(
        query.order_by(EmpowermentActivity.planned_month, EmpowermentActivity.name)
    )
    return [_activity_view(row) for row in rows]


async def fetch_activity(session: AsyncSession, activity_id: int) -> ActivityView | None:
    row = await session.get(EmpowermentActivity, activity_id)
    return None if row is None else _activity_view(row)


async def record_facilitation(
    session: AsyncSession,
    activity_id: int,
    *,
    on: date,
    participants: int,
    note: str,
    actor: str,
    now: datetime,
) -> ActivityView | None:
    row = await session.get(EmpowermentActivity, activity_id)
    if row is None:
        return None
    row.facilitated_on, row.participants, row.note = on, participants, note
    row.updated_at, row.updated_by = now, actor
    _audit(session, "activity", row.id, "facilitated", actor, now, _activity_details(row))
    return _activity_view(row)


async def count_activities(session: AsyncSession, year: int, until: date) -> tuple[int, int]:
    """(planned in the year, facilitated on or before ``until``): IKU 3's two counts."""
    planned, facilitated = (
        await session.execute(
            select(
                func.count(EmpowermentActivity.id),
                func.count(EmpowermentActivity.id).filter(
                    EmpowermentActivity.facilitated_on <= until
                ),
            ).where(EmpowermentActivity.year == year)
        )
    ).one()
    return int(planned), int(facilitated)
