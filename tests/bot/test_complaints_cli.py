"""The complaint figures in ``ajung-bot report`` and the register ``complaints export``."""

from __future__ import annotations

import asyncio
import csv
import json
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from bot.tabular import DATETIME_FORMAT as DATETIME
from tests.factories import BotHarness, file_complaint, move


def config_file(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f"[database]\nurl = '{database_url}'\n[complaints]\nphoto_dir = '{tmp_path}/photos'\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def cli(
    bot: BotHarness, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """``ajung-bot --config ...`` on the bot's database, at the bot's clock."""
    monkeypatch.setattr("db.base.utcnow", bot.clock)
    return ["--config", str(config_file(tmp_path, database_url))]


async def run(*args: str) -> int:
    """The CLI as a person runs it (it starts its own event loop, so in a thread here)."""
    return await asyncio.to_thread(main, list(args))


async def report(cli: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert await run(*cli, "report", "--format", "json") == 0
    figures: dict[str, object] = json.loads(capsys.readouterr().out)["complaints"]
    return figures


async def test_report_shows_iku4_of_the_period(
    bot: BotHarness, cli: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert await report(cli, capsys) == {
        "received": 0, "resolved": 0, "percent": None, "open": 0, "overdue": 0, "excluded": 0,
    }  # fmt: skip
    code = await file_complaint(bot.person())
    group = bot.official()
    await move(group, code, "✔️ Verifikasi", "cek lokasi")
    await move(group, code, "▶️ Proses", "proses")
    await move(group, code, "✅ Selesai", "beres")
    assert await report(cli, capsys) == {
        "received": 1, "resolved": 1, "percent": 100.0, "open": 0, "overdue": 0, "excluded": 0,
    }  # fmt: skip

    await file_complaint(bot.person(5550002, first_name="Budi"))
    assert await report(cli, capsys) == {
        "received": 2, "resolved": 1, "percent": 50.0, "open": 1, "overdue": 0, "excluded": 0,
    }  # fmt: skip

    duplicate = await file_complaint(bot.person(5550003, first_name="Joko"))
    await group.tap("✖️ Tolak", message=group.inbox()[-1])
    await group.tap("Duplikat (sudah pernah dilaporkan)")
    await group.send("sama dengan laporan Budi", reply_to=group.last())
    bot.clock.advance(days=4)  # Friday: the open one is past its verification date
    assert await report(cli, capsys) == {
        "received": 2, "resolved": 1, "percent": 50.0, "open": 1, "overdue": 1, "excluded": 1,
    }  # fmt: skip
    assert duplicate == "TRB-2025-0003"

    assert await run(*cli, "report") == 0
    text = capsys.readouterr().out
    assert "4. Laporan trantib terselesaikan: 1 dari 2 laporan, 50,00%" in text
    assert "Masih terbuka: 1 laporan, 1 melewati batas waktu" in text
    assert "Tidak dihitung: 1 laporan ditolak karena duplikat atau tidak benar" in text


async def test_report_period_is_by_date_received(
    bot: BotHarness, cli: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    await file_complaint(bot.person())
    assert (
        await run(*cli, "report", "--from", "2025-02-18", "--to", "2025-02-28", "--format", "json")
        == 0
    )
    assert json.loads(capsys.readouterr().out)["complaints"]["received"] == 0
    assert (
        await run(*cli, "report", "--from", "2025-02-17", "--to", "2025-02-17", "--format", "json")
        == 0
    )
    assert json.loads(capsys.readouterr().out)["complaints"]["received"] == 1


HEADER = [
    "Kode", "Diterima (WIB)", "Jenis", "Desa", "Tempat", "Lintang", "Bujur", "Uraian",
    "Masuk lewat", "Privasi", "Status", "Alasan penolakan", "Ditutup (WIB)",
    "Hari kerja sampai ditutup", "Lewat batas", "Catatan petugas", "Penilaian pelapor",
    "Komentar pelapor",
]  # fmt: skip
WITHHELD = "(isi laporan rahasia tidak diekspor)"


async def filed_three(bot: BotHarness) -> None:
    siti = bot.person(first_name="Siti", last_name="Aminah")
    normal = await file_complaint(siti, location=(-8.2311, 113.6512))
    await file_complaint(
        bot.person(5550002, first_name="Budi", last_name="Santoso"), privacy="Anonim"
    )
    await file_complaint(bot.person(5550003, first_name="Rini"), privacy="Rahasia")
    group = bot.official()
    await move(group, normal, "✔️ Verifikasi", "cek lokasi")
    bot.clock.advance(days=2)
    await move(group, normal, "▶️ Proses", "proses")
    await move(group, normal, "✅ Selesai", "Motor sudah ditertibkan.")
    await siti.tap("3 Puas")
    await siti.send("Cepat.")


async def test_export_xlsx_is_the_register_without_identities(
    bot: BotHarness, cli: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await filed_three(bot)
    out = tmp_path / "register.xlsx"
    assert await run(*cli, "complaints", "export", "--from", "2025-02-01", "--out", str(out)) == 0
    assert capsys.readouterr().out == (
        f"{out}: 3 laporan yang diterima 1 Februari 2025 s.d. 19 Februari 2025\n"
    )
    sheet = load_workbook(out).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    normal, anonim, rahasia = (dict(zip(HEADER, row, strict=True)) for row in rows[1:])
    assert normal["Kode"] == "TRB-2025-0001"
    assert normal["Diterima (WIB)"] == datetime(2025, 2, 17, 9, 0)
    assert normal["Ditutup (WIB)"] == datetime(2025, 2, 19, 9, 0)
    assert normal["Hari kerja sampai ditutup"] == 2
    assert (normal["Lintang"], normal["Bujur"]) == (-8.2311, 113.6512)
    assert normal["Status"] == "Selesai" and normal["Masuk lewat"] == "Chat bot"
    assert normal["Catatan petugas"].splitlines()[-1] == (
        "• 19 Februari 2025 09.00 WIB: Selesai: Motor sudah ditertibkan."
    )
    assert (normal["Penilaian pelapor"], normal["Komentar pelapor"]) == (3, "Cepat.")
    # The labels residents chose in the bot, for every privacy.
    assert [row["Privasi"] for row in (normal, anonim, rahasia)] == ["Biasa", "Anonim", "Rahasia"]
    assert anonim["Uraian"] and anonim["Lintang"] is None
    assert rahasia["Uraian"] == rahasia["Tempat"] == WITHHELD
    everything = str(rows)
    for identity in ("Siti", "Aminah", "Budi", "Santoso", "Rini", "5550002"):
        assert identity not in everything


async def test_export_xlsx_opens_as_a_table(
    bot: BotHarness, cli: list[str], tmp_path: Path
) -> None:
    """Header frozen and filtered, dates in one format, coordinates with six decimals, columns
    as wide as what they hold."""
    await filed_three(bot)
    out = tmp_path / "register.xlsx"
    assert await run(*cli, "complaints", "export", "--out", str(out)) == 0
    sheet = load_workbook(out).active
    assert sheet is not None
    assert (sheet.freeze_panes, sheet.auto_filter.ref) == ("A2", "A1:R4")
    assert all(cell.font.b for cell in sheet[1])
    received, closed, latitude = sheet["B2"], sheet["M2"], sheet["F2"]
    assert (received.value, received.number_format) == (datetime(2025, 2, 17, 9), DATETIME)
    assert (closed.value, closed.number_format) == (datetime(2025, 2, 19, 9), DATETIME)
    assert (latitude.value, latitude.number_format) == (-8.2311, "0.000000")
    widths = {column: sheet.column_dimensions[column].width for column in "ABCDEFGHIJKLMNOPQR"}
    assert all(8 <= width <= 50 for width in widths.values()), widths
    assert widths["A"] == len("TRB-2025-0001") + 2
    assert widths["B"] == len("17-02-2025 09:00") + 2
    assert widths["P"] == 50  # the officials' notes: long lines, wrapped
    assert sheet["P2"].alignment.wrap_text


async def test_export_csv_opens_in_indonesian_excel(
    bot: BotHarness, cli: list[str], tmp_path: Path
) -> None:
    """UTF-8 with a byte order mark, ';' between fields, dates as in the workbooks, a decimal
    comma: what Excel with Indonesian regional settings splits into columns by itself."""
    await filed_three(bot)
    out = tmp_path / "register.csv"
    assert await run(*cli, "complaints", "export", "--out", str(out)) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + b'"Kode";"Diterima (WIB)";')
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0] == HEADER
    normal = dict(zip(HEADER, rows[1], strict=True))
    assert (normal["Diterima (WIB)"], normal["Ditutup (WIB)"]) == (
        "17-02-2025 09:00", "19-02-2025 09:00",
    )  # fmt: skip
    assert (normal["Lintang"], normal["Bujur"]) == ("-8,2311", "113,6512")
    assert (normal["Hari kerja sampai ditutup"], normal["Penilaian pelapor"]) == ("2", "3")
    assert [row[9] for row in rows[1:]] == ["Biasa", "Anonim", "Rahasia"]
    assert rows[3][7] == WITHHELD
    assert "Budi" not in raw.decode("utf-8-sig")


@pytest.mark.parametrize(
    ("separator", "delimiter", "latitude"),
    [(",", ",", "-8.2311"), ("tab", "\t", "-8.2311"), (";", ";", "-8,2311")],
)
async def test_export_csv_with_another_separator(
    bot: BotHarness, cli: list[str], tmp_path: Path, separator: str, delimiter: str, latitude: str
) -> None:
    """For Excel set to English (','), or a tab for other tools; a decimal point then."""
    await filed_three(bot)
    out = tmp_path / "register.csv"
    args = ("complaints", "export", "--out", str(out), "--lang", "en", "--separator", separator)
    assert await run(*cli, *args) == 0
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=delimiter))
    assert rows[0][:3] == ["Code", "Received (WIB)", "Kind"]
    assert rows[1][:2] == ["TRB-2025-0001", "17-02-2025 09:00"]
    assert rows[1][5] == latitude
    assert rows[3][9] == "Confidential"


@pytest.mark.parametrize("day", ["20250110", "2025W021", "2025-W02-1", "２０２５-０１-１０"])
def test_export_dates_are_only_yyyy_mm_dd(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str], day: str
) -> None:
    cli = ["--config", str(config_file(tmp_path, database_url))]
    out = str(tmp_path / "register.xlsx")
    assert main([*cli, "complaints", "export", "--from", day, "--out", out]) == 2
    assert capsys.readouterr().err == (
        f'ajung-bot: --from: "{day}" bukan tanggal seperti 2025-02-16\n'
    )
    assert not Path(out).exists()


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("register.pdf", "register.pdf: nama berkas harus berakhiran .xlsx atau .csv"),
        ("missing/register.xlsx", "/missing tidak ada"),
    ],
)
def test_export_refuses_a_bad_output_with_exit_2(
    tmp_path: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    out: str,
    message: str,
) -> None:
    cli = ["--config", str(config_file(tmp_path, database_url))]
    target = str(tmp_path / out)
    assert main([*cli, "complaints", "export", "--out", target]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


async def test_the_cli_speaks_the_configured_language(
    bot: BotHarness, tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --lang the command prints in [bot] default_language; --lang still chooses."""
    await file_complaint(bot.person())
    config = tmp_path / "config.toml"
    config.write_text(
        f"[database]\nurl = '{database_url}'\n[bot]\ndefault_language = 'en'\n", encoding="utf-8"
    )
    out = tmp_path / "register.csv"
    period = ("--from", "2025-02-01", "--to", "2025-02-28")
    assert (
        await run("--config", str(config), "complaints", "export", *period, "--out", str(out)) == 0
    )
    assert (
        capsys.readouterr().out
        == f"{out}: reports received 1 February 2025 to 28 February 2025: 1\n"
    )
    assert csv_header(out)[:2] == ["Code", "Received (WIB)"]
    args = ("complaints", "export", *period, "--out", str(out), "--lang", "id")
    assert await run("--config", str(config), *args) == 0
    assert capsys.readouterr().out.endswith(
        ": 1 laporan yang diterima 1 Februari 2025 s.d. 28 Februari 2025\n"
    )
    assert csv_header(out)[:2] == ["Kode", "Diterima (WIB)"]
    assert await run("--config", str(config), "complaints", "export", "--out", "x.pdf") == 2
    assert (
        capsys.readouterr().err
        == "ajung-bot: --out x.pdf: the file name must end in .xlsx or .csv\n"
    )


def csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle, delimiter=";"))
