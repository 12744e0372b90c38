"""Imports of the yearly plans behind IKU 1 and IKU 3 (``ajung-bot program import`` and
``ajung-bot kegiatan import``): read, check every row, then write them all (or nothing when a
row is wrong), in batches that leave the bot its turns (see :mod:`bot.importing`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path

from bot.importing import batched, store_in_batches
from bot.tabular import (
    CellError,
    Row,
    cell_date,
    cell_float,
    cell_int,
    cell_text,
    parse_rows,
    read_table,
)
from db import indicators
from db.engine import Database
from db.indicators import ActivityInput, ImportCounts, ProgramInput
from iku.indicators import FIGURE_LIMIT

# A year's plan has tens of indicators or activities: ten thousand rows is a file gone wrong.
PLAN_MAX_ROWS = 10_000
BATCH_ROWS = 200  # an insert or update and its audit entry each: tens of milliseconds
PROGRAM_COLUMNS = ("tahun", "kode", "nama", "target", "satuan")
PROGRAM_OPTIONAL = ("program", "realisasi", "arah")
ACTIVITY_COLUMNS = ("tahun", "nama", "bulan")
ACTIVITY_OPTIONAL = ("tanggal_fasilitasi", "peserta", "catatan")
_MONTH_NAMES = (
    ("januari", "jan", "january"),
    ("februari", "feb", "february"),
    ("maret", "mar", "march"),
    ("april", "apr"),
    ("mei", "may"),
    ("juni", "jun", "june"),
    ("juli", "jul", "july"),
    ("agustus", "agu", "aug", "august"),
    ("september", "sep"),
    ("oktober", "okt", "oct", "october"),
    ("november", "nov"),
    ("desember", "des", "dec", "december"),
)
MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names}
_MONTH_NUMBER = re.compile(r"[0-9]{1,2}")  # ASCII: "²".isdigit() is True, and int("²") fails


@dataclass(frozen=True)
class ImportResult:
    """What an import did: counts when written, or the errors when nothing was."""

    counts: ImportCounts | None
    errors: list[CellError]


def parse_program(row: Row, errors: list[CellError]) -> ProgramInput | None:
    year = cell_int(row, "tahun", errors, low=2000, high=2100)
    code = cell_text(row, "kode", errors, max_length=40)
    name = cell_text(row, "nama", errors, max_length=500)
    target = cell_float(row, "target", errors, limit=FIGURE_LIMIT)
    unit = cell_text(row, "satuan", errors, max_length=60, optional=True)
    program = cell_text(row, "program", errors, max_length=500, optional=True)
    realization = cell_float(row, "realisasi", errors, limit=FIGURE_LIMIT, optional=True)
    direction = row.get("arah").lower() or "naik"
    if direction not in ("naik", "turun"):
        errors.append(CellError(row.number, "arah", "not_direction", {"value": row.get("arah")}))
    if year is None or code is None or name is None or target is None:
        return None
    return ProgramInput(
        year, code, name, program or "", target, unit or "", direction == "naik", realization
    )


def parse_activity(row: Row, errors: list[CellError], *, today: date) -> ActivityInput | None:
    year = cell_int(row, "tahun", errors, low=2000, high=2100)
    name = cell_text(row, "nama", errors, max_length=500)
    month_text = row.get("bulan").lower()
    month = MONTHS.get(month_text) or (
        int(month_text) if _MONTH_NUMBER.fullmatch(month_text) else None
    )
    if month is None or not 1 <= month <= 12:
        errors.append(CellError(row.number, "bulan", "not_month", {"value": row.get("bulan")}))
    facilitated = cell_date(row, "tanggal_fasilitasi", errors, optional=True, not_after=today)
    participants = (
        cell_int(row, "peserta", errors, low=0, high=1_000_000) if row.get("peserta") else None
    )
    note = cell_text(row, "catatan", errors, max_length=2000, optional=True, multiline=True)
    if year is None or name is None or month is None:
        return None
    return ActivityInput(year, name, month, facilitated, participants, note or "")


def _duplicates(rows: list[Row], key_columns: tuple[str, ...], column: str) -> list[CellError]:
    seen: dict[tuple[str, ...], int] = {}
    errors = []
    for row in rows:
        # As the names are stored (spacing tidied by cell_text), in any case.
        key = tuple(" ".join(row.get(name).split()).lower() for name in key_columns)
        if key in seen:
            errors.append(CellError(row.number, column, "duplicate", {"other": seen[key]}))
        else:
            seen[key] = row.number
    return errors


async def import_programs(
    database: Database, path: Path, *, actor: str, now: datetime
) -> ImportResult:
    """Check every row of the indicator list, then insert or update them all (by year and code)."""
    rows = read_table(
        path, required=PROGRAM_COLUMNS, optional=PROGRAM_OPTIONAL, max_rows=PLAN_MAX_ROWS
    )
    items, errors = parse_rows(rows, parse_program)
    errors += _duplicates(rows, ("tahun", "kode"), "kode")
    if errors:
        return ImportResult(None, sorted(errors, key=lambda e: e.row))
    counts = await store_in_batches(
        database,
        batched(items, BATCH_ROWS),
        lambda session, batch: indicators.upsert_programs(session, batch, actor=actor, now=now),
    )
    return ImportResult(_sum(counts), [])


async def import_activities(
    database: Database, path: Path, *, actor: str, now: datetime, today: date
) -> ImportResult:
    """Check every row of the activity plan, then insert or update them all (by year and name)."""
    rows = read_table(
        path, required=ACTIVITY_COLUMNS, optional=ACTIVITY_OPTIONAL, max_rows=PLAN_MAX_ROWS
    )
    items, errors = parse_rows(rows, partial(parse_activity, today=today))
    errors += _duplicates(rows, ("tahun", "nama"), "nama")
    if errors:
        return ImportResult(None, sorted(errors, key=lambda e: e.row))
    counts = await store_in_batches(
        database,
        batched(items, BATCH_ROWS),
        lambda session, batch: indicators.upsert_activities(session, batch, actor=actor, now=now),
    )
    return ImportResult(_sum(counts), [])


def _sum(counts: list[ImportCounts]) -> ImportCounts:
    return ImportCounts(sum(c.inserted for c in counts), sum(c.updated for c in counts))
