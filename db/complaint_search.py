"""The dashboard's complaint register: filters, sorting and paging over every complaint, and
the map's pins, fast at 200,000 complaints (indexes of migration 0008).

Rows carry no reporter: the list never shows who reported (an anonim reporter's identity
never leaves ``db/complaints.py``), and the text filter does not search names. Nothing here
commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.complaints import overdue_condition
from db.models import Complaint
from iku.complaints import Channel, DueDates, Privacy, RejectReason, Status

# What the list may be sorted by -> the columns, in order (each has an index; id breaks ties).
SORTS: dict[str, tuple[Any, ...]] = {
    "diterima": (Complaint.received_at,),
    "kode": (Complaint.year, Complaint.number),
    "status": (Complaint.status, Complaint.received_at),
    "desa": (Complaint.desa, Complaint.received_at),
    "kategori": (Complaint.category, Complaint.received_at),
    "batas": (Complaint.resolve_by,),
}
DEFAULT_SORT = "diterima"
TEXT_MAX = 100


@dataclass(frozen=True)
class Search:
    """The filters of the register; empty ones do not filter."""

    statuses: frozenset[Status] = frozenset()
    desa: str | None = None
    category: str | None = None
    channel: Channel | None = None
    overdue_only: bool = False
    text: str = ""
    received_from: date | None = None
    received_to: date | None = None
    sort: str = DEFAULT_SORT
    descending: bool = True

    def conditions(self, today: date) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.statuses:
            found.append(Complaint.status.in_(sorted(s.value for s in self.statuses)))
        if self.desa is not None:
            found.append(Complaint.desa == self.desa)
        if self.category is not None:
            found.append(Complaint.category == self.category)
        if self.channel is not None:
            found.append(Complaint.channel == self.channel.value)
        if self.overdue_only:
            found.append(overdue_condition(today))
        if self.received_from is not None:
            found.append(Complaint.received_on >= self.received_from)
        if self.received_to is not None:
            found.append(Complaint.received_on <= self.received_to)
        if words := self.text.strip()[:TEXT_MAX]:
            found.append(
                or_(
                    *(
                        column.icontains(words, autoescape=True)
                        for column in (
                            Complaint.code,
                            Complaint.category,
                            Complaint.place,
                            Complaint.description,
                        )
                    )
                )
            )
        return found


@dataclass(frozen=True)
class Listed:
    """A row of the register (no description, no reporter)."""

    id: int
    code: str
    status: Status
    reject_reason: RejectReason | None
    category: str
    desa: str
    channel: Channel
    privacy: Privacy
    received_at: datetime
    received_on: date
    due: DueDates
    closed_at: datetime | None


@dataclass(frozen=True)
class Pin:
    """A complaint on the map."""

    code: str
    latitude: float
    longitude: float
    status: Status
    category: str
    privacy: Privacy


_LISTED = (
    Complaint.id,
    Complaint.code,
    Complaint.status,
    Complaint.reject_reason,
    Complaint.category,
    Complaint.desa,
    Complaint.channel,
    Complaint.privacy,
    Complaint.received_at,
    Complaint.received_on,
    Complaint.verify_by,
    Complaint.plan_by,
    Complaint.resolve_by,
    Complaint.closed_at,
)


def _ordered(query: Any, search: Search) -> Any:
    columns = (*SORTS.get(search.sort, SORTS[DEFAULT_SORT]), Complaint.id)
    return query.order_by(
        *(column.desc() if search.descending else column.asc() for column in columns)
    )


async def search_complaints(
    session: AsyncSession, search: Search, today: date, *, limit: int, offset: int = 0
) -> list[Listed]:
    """A page of the complaints matching ``search``, in its order."""
    query = _ordered(select(*_LISTED).where(*search.conditions(today)), search)
    rows = await session.execute(query.limit(limit).offset(offset))
    return [
        Listed(
            id=row.id,
            code=row.code,
            status=Status(row.status),
            reject_reason=RejectReason(row.reject_reason) if row.reject_reason else None,
            category=row.category,
            desa=row.desa,
            channel=Channel(row.channel),
            privacy=Privacy(row.privacy),
            received_at=row.received_at,
            received_on=row.received_on,
            due=DueDates(row.verify_by, row.plan_by, row.resolve_by),
            closed_at=row.closed_at,
        )
        for row in rows
    ]


async def count_complaints(session: AsyncSession, search: Search, today: date) -> int:
    total = await session.scalar(
        select(func.count()).select_from(Complaint).where(*search.conditions(today))
    )
    return int(total or 0)


async def fetch_pins(
    session: AsyncSession, search: Search, today: date, *, limit: int
) -> list[Pin]:
    """The located complaints matching ``search``, newest first, at most ``limit``."""
    query = (
        select(
            Complaint.code,
            Complaint.latitude,
            Complaint.longitude,
            Complaint.status,
            Complaint.category,
            Complaint.privacy,
        )
        .where(
            *search.conditions(today),
            Complaint.latitude.is_not(None),
            Complaint.longitude.is_not(None),
        )
        .order_by(Complaint.received_at.desc(), Complaint.id.desc())
        .limit(limit)
    )
    return [
        Pin(code, float(lat or 0), float(lon or 0), Status(status), category, Privacy(privacy))
        for code, lat, lon, status, category, privacy in await session.execute(query)
    ]
