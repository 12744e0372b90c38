"""The dashboard's complaint register: filters, sorting and paging over every complaint, and
the map's pins, fast at 200,000 complaints (indexes of migration 0008).

Rows carry no reporter: the list never shows who reported (an anonim reporter's identity
never leaves ``db/complaints.py``), and the text filter does not search names. Nothing here
commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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

    def conditions(
        self, today: date, tz: ZoneInfo, *, sqlite: bool = False
    ) -> list[ColumnElement[bool]]:
        """The WHERE conditions. The days received are a range of ``received_at`` (the local
        day of receipt is the day of that instant in ``tz``), so the register's order by time
        received reads one index for both. ``sqlite``: its LIKE already ignores case (of ASCII
        letters), and ``lower()`` on every row would cost several times the search itself."""
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
            found.append(Complaint.received_at >= _midnight(self.received_from, tz))
        if self.received_to is not None:
            next_day = self.received_to + timedelta(days=1)
            found.append(Complaint.received_at < _midnight(next_day, tz))
        if words := self.text.strip()[:TEXT_MAX]:
            columns = (Complaint.code, Complaint.place, Complaint.description)
            # One pattern, made here: a pattern concatenated in SQL is rebuilt for every row.
            escaped = words.replace("/", "//").replace("%", "/%").replace("_", "/_")
            pattern = f"%{escaped}%"
            if sqlite:
                matches = [column.like(pattern, escape="/") for column in columns]
            else:
                matches = [column.ilike(pattern, escape="/") for column in columns]
            found.append(or_(*matches))
        return found


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant ``day`` starts in ``tz``, in UTC."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


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


def _where(
    session: AsyncSession, search: Search, today: date, tz: ZoneInfo
) -> list[ColumnElement[bool]]:
    bind = session.bind
    sqlite = bind is not None and bind.dialect.name == "sqlite"
    return search.conditions(today, tz, sqlite=sqlite)


def _ordered(query: Any, search: Search) -> Any:
    columns = (*SORTS.get(search.sort, SORTS[DEFAULT_SORT]), Complaint.id)
    return query.order_by(
        *(column.desc() if search.descending else column.asc() for column in columns)
    )


async def search_complaints(
    session: AsyncSession,
    search: Search,
    today: date,
    tz: ZoneInfo,
    *,
    limit: int,
    offset: int = 0,
) -> list[Listed]:
    """A page of the complaints matching ``search``, in its order."""
    query = _ordered(select(*_LISTED).where(*_where(session, search, today, tz)), search)
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


async def count_complaints(session: AsyncSession, search: Search, today: date, tz: ZoneInfo) -> int:
    total = await session.scalar(
        select(func.count()).select_from(Complaint).where(*_where(session, search, today, tz))
    )
    return int(total or 0)


async def fetch_pins(
    session: AsyncSession, search: Search, today: date, tz: ZoneInfo, *, limit: int
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
            *_where(session, search, today, tz),
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
