"""``ajung-bot complaints export``: the complaint register of a period as .xlsx or .csv.

One row per complaint received in the period (local dates, both inclusive), with its dates in
the kecamatan's time zone, the channel, the status, working days to close and the officials'
notes. Privacy (Perpres 76/2013, SP4N-LAPOR!):

- the reporter's identity is never exported, for any complaint: the register serves the IKU
  and the annual reports, which do not need it, and an export cannot leak what it does not hold;
  the privacy column says which complaints were anonim, with the labels the bot uses;
- rahasia complaints keep their privacy label and their content (place, location, description,
  notes, comment) is withheld, because a file is exactly what leaves the office.

Both files open in Indonesian Excel as they are: the workbook with real dates (dd-mm-yyyy hh:mm,
the zone in the header), a frozen and filtered header and fitted columns; the CSV file in UTF-8
with a byte order mark, ";" between fields and decimal commas (``separator`` changes that).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import Config
from bot.tabular import append_row, finish_table, write_csv
from db import complaints
from db.complaints import RegisterEntry
from db.engine import Database
from handlers import complaint_views as views
from i18n import Texts
from iku.complaints import Privacy, overdue_stage, working_days_to_close
from iku.periods import Period, local_today

FORMATS = (".xlsx", ".csv")
COLUMNS = (
    "code",
    "received",
    "category",
    "desa",
    "place",
    "latitude",
    "longitude",
    "description",
    "channel",
    "privacy",
    "status",
    "reason",
    "closed",
    "days",
    "overdue",
    "notes",
    "rating",
    "rating_comment",
)
# Columns that carry the content of a complaint: withheld for rahasia ones.
CONTENT = frozenset({"place", "latitude", "longitude", "description", "notes", "rating_comment"})
Cell = str | int | float | datetime | None
# Coordinates as Telegram gives them: six decimals, about ten centimetres.
REGISTER_FORMATS = {COLUMNS.index(column) + 1: "0.000000" for column in ("latitude", "longitude")}


async def export_register(
    database: Database,
    config: Config,
    period: Period,
    path: Path,
    t: Texts,
    now: datetime,
    *,
    separator: str = ";",
) -> int:
    """Write the register of ``period`` to ``path`` (format by its suffix; a CSV file's fields
    split by ``separator``); the row count."""
    header, rows = await register_table(database, config, period, t, now)
    # In a worker thread: a year's register is seconds of writing, kept off the event loop.
    if path.suffix.lower() == ".xlsx":
        await asyncio.to_thread(write_xlsx, path, header, rows)
    else:
        await asyncio.to_thread(write_csv, path, header, rows, separator)
    return len(rows)


async def register_table(
    database: Database, config: Config, period: Period, t: Texts, now: datetime
) -> tuple[list[str], list[list[Cell]]]:
    """The register of ``period``: its header and one row per complaint received."""
    async with database.sessions() as session:
        entries = await complaints.fetch_register(session, period.start, period.end)
    tz = config.kecamatan.tz
    today = local_today(tz, now)
    holidays = config.complaints.clock_rules.holidays
    header = [_header(t, column, tz, now) for column in COLUMNS]
    return header, [register_row(entry, t, tz, holidays, today) for entry in entries]


def _header(t: Texts, column: str, tz: ZoneInfo, now: datetime) -> str:
    label = t(f"register.{column}")
    if column in ("received", "closed"):
        return f"{label} ({now.astimezone(tz).tzname()})"
    return label


def register_row(
    entry: RegisterEntry, t: Texts, tz: ZoneInfo, holidays: frozenset[date], today: date
) -> list[Cell]:
    c = entry.complaint
    closed = c.closed_at.astimezone(tz) if c.closed_at else None
    stage = overdue_stage(c.status, c.due, today)
    values: dict[str, Cell] = {
        "code": c.code,
        "received": _local(c.received_at, tz),
        "category": c.category,
        "desa": c.desa,
        "place": c.place,
        "latitude": c.latitude if c.has_location else None,
        "longitude": c.longitude if c.has_location else None,
        "description": c.description,
        "channel": views.channel_label(t, c.channel),
        "privacy": views.privacy_label(t, c.privacy),
        "status": views.status_label(t, c.status),
        "reason": t(f"complaint.reason.{c.reject_reason.value}") if c.reject_reason else "",
        "closed": _local(c.closed_at, tz) if c.closed_at else None,
        "days": working_days_to_close(c.received_on, closed.date() if closed else None, holidays),
        "overdue": t(f"trantib.stage.{stage}") if stage else "",
        "notes": _notes(entry, t, tz),
        "rating": entry.rating.score if entry.rating else None,
        "rating_comment": (entry.rating.comment or "") if entry.rating else "",
    }
    if c.privacy is Privacy.RAHASIA:
        values.update({column: t("register.withheld") for column in CONTENT})
    return [values[column] for column in COLUMNS]


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    """Local wall time without zone: spreadsheets cannot store one (the header names it)."""
    return moment.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)


def _notes(entry: RegisterEntry, t: Texts, tz: ZoneInfo) -> str:
    return "\n".join(
        t(
            "status.event",
            when=views.format_when(event.at, t, tz),
            status=views.status_label(t, event.to_status, event.reason),
        )
        + (f": {event.note}" if event.note else "")
        for event in entry.events
        if event.note
    )


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    """One sheet holding the register as a table (see :func:`fill_table`)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Register"
    fill_table(sheet, header, rows, REGISTER_FORMATS)
    workbook.save(path)


def fill_table(
    sheet: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    formats: dict[int, str] | None = None,
) -> None:
    """``header`` below what the sheet holds already, then ``rows``, finished as a table
    (:func:`bot.tabular.finish_table`: header frozen and filtered, dates as real Excel dates,
    the columns of ``formats`` by number in their own format)."""
    append_row(sheet, header)
    first = sheet.max_row  # the header's row (appended below whatever the sheet holds)
    for row in rows:
        append_row(sheet, row)
    finish_table(sheet, first, formats=formats)
