"""``ajung-bot export``: one workbook with every IKU, the SKM sheets, the plans and the register."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.config import Config
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
    assert "must end in .xlsx" in capsys.readouterr().err
