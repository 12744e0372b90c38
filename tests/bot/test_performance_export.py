"""``ajung-bot export``: one workbook with every IKU, the SKM sheets, the plans and the register."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.config import Config
from bot.tabular import DATE_FORMAT, DATETIME_FORMAT, TIME_FORMAT
from db.engine import Database
from db.indicators import ActivityInput, ProgramInput, upsert_activities, upsert_programs
from iku.skm import UNSUR_KEYS
from tests.factories import BotHarness, file_complaint, move


async def seed(config: Config) -> None:
    """Two indicators (one achieved), two activities (one facilitated), two complaints (one
    resolved, one anonim and open), through the real bot where people would use it."""
    bot = BotHarness(config)
    await bot.start()
    try:
        database: Database = bot.application.bot_data["services"].database
        async with database.transaction() as session:
            await upsert_programs(
                session,
                [
                    ProgramInput(2025, "P1", "Rapat", "Koordinasi", 12, "kali", realization=12),
                    ProgramInput(2025, "P2", "Surat", "Pelayanan", 3, "hari", False, 5),
                ],
                actor="test",
                now=bot.clock(),
            )
            await upsert_activities(
                session,
                [
                    ActivityInput(2025, "Pelatihan UMKM", 2, bot.clock().date(), 30, "balai"),
                    ActivityInput(2025, "Posyandu remaja", 3),
                ],
                actor="test",
                now=bot.clock(),
            )
        siti = bot.person(5550001, first_name="Siti", last_name="Aminah")
        code = await file_complaint(siti)
        await move(bot.official(), code, "▶️ Proses", "ditangani")
        await move(bot.official(), code, "✅ Selesai", "beres")
        await file_complaint(bot.person(5550002, first_name="Rahasia"), privacy="Anonim")
    finally:
        await bot.stop()


def test_workbook_has_every_iku_with_numerator_and_denominator(
    tmp_path: Path, config: Config, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(seed(config))
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    out = tmp_path / "kinerja.xlsx"
    args = ["--config", str(path), "export", "--from", "2025-01-01", "--to", "2025-12-31"]
    assert main([*args, "--out", str(out)]) == 0
    assert capsys.readouterr().out == (
        f"{out}: laporan kinerja 1 Januari 2025 s.d. 31 Desember 2025\n"
    )
    book = load_workbook(out)
    assert book.sheetnames[:2] == ["IKU 1", "IKU 2"]
    assert {"IKU 3", "IKU 4", "Register pengaduan", "Rekap SKM", "Data responden"} <= set(
        book.sheetnames
    )

    def rows(sheet: str) -> list[tuple[object, ...]]:
        """Non-empty rows, without the empty cells at their end."""
        found = []
        for row in book[sheet].iter_rows(values_only=True):
            cells = list(row)
            while cells and cells[-1] is None:
                cells.pop()
            if cells:
                found.append(tuple(cells))
        return found

    iku1 = rows("IKU 1")
    assert iku1[2:5] == [
        ("Pembilang", 1, "indikator"),
        ("Penyebut", 2, "indikator"),
        ("Capaian (%)", 50),
    ]
    assert iku1[5][:2] == ("Kode", "Indikator")
    assert [row[0] for row in iku1[6:]] == ["P1", "P2"]
    iku3 = rows("IKU 3")
    assert iku3[2:5] == [
        ("Pembilang", 1, "kegiatan"),
        ("Penyebut", 2, "kegiatan"),
        ("Capaian (%)", 50),
    ]
    iku4 = rows("IKU 4")
    assert iku4[2:5] == [
        ("Pembilang", 1, "laporan"),
        ("Penyebut", 2, "laporan"),
        ("Capaian (%)", 50),
    ]
    assert rows("IKU 2")[2] == ("Jumlah responden", 0)
    register = rows("Register pengaduan")
    assert len(register) == 3
    flat = " ".join(str(cell) for row in register for cell in row)
    assert "Aminah" not in flat and "Rahasia" not in flat  # no reporter identity, ever
    assert len(UNSUR_KEYS) == 9


def test_export_refuses_a_wrong_file_name(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    assert main(["--config", str(path), "export", "--out", str(tmp_path / "x.pdf")]) == 2
    assert capsys.readouterr().err == (
        f"ajung-bot: --out {tmp_path / 'x.pdf'}: nama berkas harus berakhiran .xlsx\n"
    )


# --- every workbook opens cleanly in Excel --------------------------------------------------

FORMS = [
    ["tanggal", "jam", "layanan", "jenis_kelamin", "usia", "pendidikan", "pekerjaan",
     *UNSUR_KEYS, "saran"],
    ["2025-02-03", "08:15", "KTP", "L", "25", "SMA", "PNS", 4, 3, 2, 4, 3, 4, 4, 3, 1, "Antre"],
    ["2025-02-04", "13:30", "LEGAL", "P", "40", "S1", "SWASTA", 3, 3, 3, 4, 3, 3, 4, 2, 2, ""],
    ["2025-02-05", "", "KTP", "P", "33", "SD", "LAINNYA", 4, 4, 4, 4, 4, 4, 4, 4, 3, ""],
]  # fmt: skip
# The first row below each table's header: frozen above it, filtered from the header down.
TABLE_HEADERS = {
    "IKU 1": 7, "IKU 3": 7, "Register pengaduan": 1, "Rekap SKM": 6, "Urutan unsur": 2,
    "Profil responden": 1, "Saran": 1, "Data responden": 1,
}  # fmt: skip
DECIMALS = {"0.00", "0.0000", "0.000000"}
NUMBER_AS_TEXT = re.compile(r"-?[0-9]+([.,][0-9]+)?")


def all_workbooks(tmp_path: Path, config: Config, database_url: str) -> list[Path]:
    """The register, the SKM workbook and the performance workbook of a seeded year."""
    asyncio.run(seed(config))
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    forms = tmp_path / "formulir.csv"
    forms.write_text("\n".join(";".join(map(str, row)) for row in FORMS), encoding="utf-8")
    cli = ["--config", str(path)]
    assert main([*cli, "survey", "import", str(forms)]) == 0
    period = ["--from", "2025-01-01", "--to", "2025-12-31"]
    books = [tmp_path / "register.xlsx", tmp_path / "skm.xlsx", tmp_path / "kinerja.xlsx"]
    assert main([*cli, "complaints", "export", *period, "--out", str(books[0])]) == 0
    assert main([*cli, "survey", "export", *period, "--out", str(books[1])]) == 0
    assert main([*cli, "export", *period, "--out", str(books[2])]) == 0
    return books


def test_every_sheet_of_every_workbook_reads_cleanly(
    tmp_path: Path, config: Config, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every figure a number with its decimals fixed (never 88.88888888888889, never a number
    as text); every date and time in one format, the zone named above a clock time; every
    table's header frozen and filtered; every column between 8 and 50 characters wide."""
    problems: list[str] = []
    sheets = 0
    for book in all_workbooks(tmp_path, config, database_url):
        for sheet in load_workbook(book).worksheets:
            sheets += 1
            problems += sheet_problems(sheet)
    assert sheets == 1 + 5 + 10
    assert problems == []


def sheet_problems(sheet: Any) -> list[str]:
    found: list[str] = []
    header_row = TABLE_HEADERS.get(sheet.title, 1 if sheet.title == "Register" else None)
    if header_row is not None:
        if sheet.freeze_panes != f"A{header_row + 1}":
            found.append(f"{sheet.title}: frozen at {sheet.freeze_panes}")
        if not (sheet.auto_filter.ref or "").startswith(f"A{header_row}:"):
            found.append(f"{sheet.title}: filter {sheet.auto_filter.ref}")
    for row in sheet.iter_rows():
        for cell in row:
            found += cell_problems(sheet, cell, header_row)
    for letter, dimension in sheet.column_dimensions.items():
        if not 8 <= (dimension.width or 0) <= 50:
            found.append(f"{sheet.title}!{letter}: width {dimension.width}")
    return found


def cell_problems(sheet: Any, cell: Any, header_row: int | None) -> list[str]:
    where = f"{sheet.title}!{cell.coordinate}"
    value, shown = cell.value, cell.number_format
    if isinstance(value, float) and shown not in DECIMALS:
        return [f"{where}: {value!r} shown as {shown}"]
    if isinstance(value, datetime):
        clock = value.time() != time(0)
        expected = DATETIME_FORMAT if clock or shown == DATETIME_FORMAT else DATE_FORMAT
        if shown != expected:
            return [f"{where}: {value} shown as {shown}"]
        header = sheet.cell(header_row or 1, cell.column).value
        if clock and "(WIB)" not in str(header):
            return [f"{where}: a clock time under {header!r}, no zone"]
    if isinstance(value, time) and shown != TIME_FORMAT:
        return [f"{where}: {value} shown as {shown}"]
    if isinstance(value, str) and NUMBER_AS_TEXT.fullmatch(value):
        return [f"{where}: the number {value!r} as text"]
    return []
