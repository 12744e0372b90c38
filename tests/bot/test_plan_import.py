"""Importing the yearly plans behind IKU 1 and IKU 3: checked first, all or nothing, by key."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.cli import main
from db.engine import Database
from db.models import EmpowermentActivity, EntryAudit, ProgramIndicator

PROGRAMS = """tahun,kode,nama,program,target,satuan,realisasi,arah
2025,P1,Persentase desa tertib administrasi,Penyelenggaraan pemerintahan,100,%,100,
2025,P2,Jumlah rapat koordinasi,Koordinasi,12,kali,10,
2025,P3,Rata-rata hari penyelesaian surat,Pelayanan,3,hari,2,turun
2025,P4,Indeks kepuasan,Pelayanan,80,indeks,,
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def config_file(tmp_path: Path, database_url: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    return str(path)


def report(config: str, capsys: pytest.CaptureFixture[str], *dates: str) -> dict:
    capsys.readouterr()
    assert main(["--config", config, "report", "--format", "json", *dates]) == 0
    return json.loads(capsys.readouterr().out)


def count(database_url: str, model: type) -> int:
    """Rows in ``model``'s table, read on a connection of its own (the CLI closed its own)."""

    async def read() -> int:
        database = Database(database_url)
        try:
            async with database.sessions() as session:
                return int(await session.scalar(select(func.count()).select_from(model)) or 0)
        finally:
            await database.dispose()

    return asyncio.run(read())


def test_program_import_then_reimport_updates_by_code(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_file(tmp_path, database_url)
    path = write(tmp_path, "program.csv", PROGRAMS)
    assert main(["--config", config, "program", "import", str(path)]) == 0
    assert capsys.readouterr().out == "Selesai: 4 baris baru, 0 baris diperbarui.\n"
    # P1 reaches 100 of 100, P3 needs at most 3 days and took 2: achieved; P2 10 of 12: not yet.
    figures = report(config, capsys, "--from", "2025-01-01", "--to", "2025-03-31")
    assert figures["program_indicators"] == {"total": 4, "achieved": 2, "percent": 50.0}

    path.write_text(PROGRAMS.replace("Koordinasi,12,kali,10", "Koordinasi,12,kali,12"), "utf-8")
    assert main(["--config", config, "program", "import", str(path)]) == 0
    assert capsys.readouterr().out == "Selesai: 0 baris baru, 4 baris diperbarui.\n"
    assert count(database_url, ProgramIndicator) == 4
    assert count(database_url, EntryAudit) == 8
    figures = report(config, capsys, "--from", "2025-01-01", "--to", "2025-03-31")
    assert figures["program_indicators"] == {"total": 4, "achieved": 3, "percent": 75.0}


def test_bad_rows_change_nothing_and_are_named(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_file(tmp_path, database_url)
    bad = PROGRAMS.replace("2025,P2", "2025,P1").replace("80,indeks", "delapan,indeks")
    bad = bad.replace("hari,2,turun", "hari,2,menurun")
    path = write(tmp_path, "program.csv", bad)
    assert main(["--config", config, "program", "import", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "baris 3, kolom kode: sama dengan baris 2",
        'baris 4, kolom arah: "menurun" harus "naik" atau "turun"',
        'baris 5, kolom target: "delapan" bukan angka',
        "Tidak ada yang diimpor: 3 kesalahan. Perbaiki berkas lalu impor lagi.",
    ]
    assert count(database_url, ProgramIndicator) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("", "berkas kosong", id="empty"),
        pytest.param(
            "tahun,kode,nama\n2025,P1,x\n", "kolom kurang: target, satuan", id="missing-columns"
        ),
        pytest.param(
            "tahun,kode,nama,target,satuan,warna\n",
            "kolom tidak dikenal: warna",
            id="unknown-column",
        ),
    ],
)
def test_unusable_files_exit_2_with_one_line(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    config = config_file(tmp_path, database_url)
    path = write(tmp_path, "program.csv", text)
    assert main(["--config", config, "program", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_too_big_and_wrong_type_are_refused_before_reading(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_file(tmp_path, database_url)
    big = tmp_path / "program.csv"
    big.write_bytes(b"x" * 10_000_000)
    assert main(["--config", config, "program", "import", str(big)]) == 2
    assert "berkas 10.000.000 byte melebihi batas 5.000.000 byte" in capsys.readouterr().err
    odd = write(tmp_path, "program.pdf", "x")
    assert main(["--config", config, "program", "import", str(odd)]) == 2
    assert "hanya berkas .csv atau .xlsx yang bisa diimpor" in capsys.readouterr().err


def test_activity_plan_from_xlsx_counts_facilitated_by_period_end(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_file(tmp_path, database_url)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Tahun", "Nama", "Bulan", "Tanggal Fasilitasi", "Peserta", "Catatan"])
    sheet.append([2025, "Pelatihan UMKM", "Februari", "2025-02-10", 30, "Balai desa"])
    sheet.append([2025, "Posyandu remaja", 3, None, None, None])
    sheet.append([2025, "Bimtek BUMDes", "mei", None, None, None])
    sheet.append([2025, "Festival desa", "Agustus", "2025-08-17", 200, ""])
    path = tmp_path / "kegiatan.xlsx"
    workbook.save(path)
    assert main(["--config", config, "kegiatan", "import", str(path)]) == 0
    assert count(database_url, EmpowermentActivity) == 4

    first_quarter = report(config, capsys, "--from", "2025-01-01", "--to", "2025-03-31")
    assert first_quarter["empowerment"] == {"planned": 4, "facilitated": 1, "percent": 25.0}
    whole_year = report(config, capsys, "--from", "2025-01-01", "--to", "2025-12-31")
    assert whole_year["empowerment"] == {"planned": 4, "facilitated": 2, "percent": 50.0}


def test_activity_in_the_future_or_bad_month_is_refused(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_file(tmp_path, database_url)
    text = "tahun,nama,bulan,tanggal_fasilitasi\n2025,A,13,\n2025,B,Juni,2999-01-01\n"
    path = write(tmp_path, "kegiatan.csv", text)
    assert main(["--config", config, "kegiatan", "import", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[:2] == [
        'baris 2, kolom bulan: "13" bukan bulan (1-12 atau nama bulan)',
        "baris 3, kolom tanggal_fasilitasi: 2999-01-01 adalah tanggal yang akan datang",
    ]


PROGRAM = {"tahun": "2025", "kode": "P1", "nama": "Rapat", "target": "12", "satuan": "kali",
           "realisasi": "10"}  # fmt: skip
ACTIVITY = {"tahun": "2025", "nama": "Pelatihan", "bulan": "2", "tanggal_fasilitasi": "2025-01-10",
            "peserta": "30"}  # fmt: skip


def refused_alone(
    tmp_path: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    entity: str,
    row: dict[str, str],
) -> list[str]:
    """Import a file of one ``row`` of ``entity`` (program or kegiatan): refused, nothing
    stored; the lines of standard error."""
    config = config_file(tmp_path, database_url)
    path = write(tmp_path, f"{entity}.csv", ",".join(row) + "\n" + ",".join(row.values()) + "\n")
    assert main(["--config", config, entity, "import", str(path)]) == 1
    model = ProgramIndicator if entity == "program" else EmpowermentActivity
    assert count(database_url, model) == 0
    return capsys.readouterr().err.splitlines()


@pytest.mark.parametrize(
    ("entity", "column", "value", "problem"),
    [
        pytest.param(
            "program", "target", "1e309", '"1e309" bukan angka', id="overflows-to-infinity"
        ),
        pytest.param("program", "realisasi", "-1e309", '"-1e309" bukan angka', id="minus-infinity"),
        pytest.param("program", "target", "inf", '"inf" bukan angka', id="inf"),
        pytest.param("program", "target", "NaN", '"NaN" bukan angka', id="nan"),
        pytest.param("program", "target", "1e20", '"1e20" bukan angka', id="exponent"),
        pytest.param(
            "program",
            "target",
            "100000000000000000000",
            "100000000000000000000 melebihi batas 1.000.000.000.000",
            id="absurd",
        ),
        pytest.param("program", "target", "١٢", '"١٢" bukan angka', id="arabic-indic-digits"),
        pytest.param("program", "target", "1_000", '"1_000" bukan angka', id="underscore"),
        pytest.param(
            "program", "tahun", "２０２５", '"２０２５" bukan bilangan bulat', id="fullwidth-year"
        ),
        pytest.param(
            "kegiatan", "bulan", "²", '"²" bukan bulan (1-12 atau nama bulan)', id="superscript"
        ),
        pytest.param(
            "kegiatan", "bulan", "٣", '"٣" bukan bulan (1-12 atau nama bulan)', id="arabic-indic"
        ),
        pytest.param(
            "kegiatan",
            "tanggal_fasilitasi",
            "20250110",
            '"20250110" bukan tanggal seperti 2025-02-16',
            id="basic-iso-date",
        ),
        pytest.param(
            "kegiatan",
            "tanggal_fasilitasi",
            "2025W021",
            '"2025W021" bukan tanggal seperti 2025-02-16',
            id="iso-week-date",
        ),
        pytest.param(
            "kegiatan",
            "tanggal_fasilitasi",
            "2025-W02-1",
            '"2025-W02-1" bukan tanggal seperti 2025-02-16',
            id="iso-week-date-dashes",
        ),
        pytest.param(
            "kegiatan",
            "tanggal_fasilitasi",
            "２０２５-０１-１０",
            '"２０２５-０１-１０" bukan tanggal seperti 2025-02-16',
            id="fullwidth-date",
        ),
        pytest.param(
            "kegiatan", "peserta", "³0", '"³0" bukan bilangan bulat', id="superscript-count"
        ),
    ],
)
def test_figures_months_dates_and_counts_in_odd_forms_are_refused(
    tmp_path: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    entity: str,
    column: str,
    value: str,
    problem: str,
) -> None:
    row = {**(PROGRAM if entity == "program" else ACTIVITY), column: value}
    assert refused_alone(tmp_path, database_url, capsys, entity, row) == [
        f"baris 2, kolom {column}: {problem}",
        "Tidak ada yang diimpor: 1 kesalahan. Perbaiki berkas lalu impor lagi.",
    ]


def test_plain_figures_from_text_and_from_number_cells(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_file(tmp_path, database_url)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["tahun", "kode", "nama", "target", "satuan", "realisasi"])
    sheet.append([2025, "P1", "Desa tertib", "12,5", "%", 0.00001])
    sheet.append([2025.0, "P2", "Anggaran terserap", 1e12, "rupiah", "-3"])
    sheet.append([2025, "P3", "Anggaran lain", 1e20, "rupiah", None])
    path = tmp_path / "program.xlsx"
    workbook.save(path)
    assert main(["--config", config, "program", "import", str(path)]) == 1
    assert capsys.readouterr().err.splitlines()[0] == (
        "baris 4, kolom target: 100000000000000000000 melebihi batas 1.000.000.000.000"
    )
    sheet.delete_rows(4)
    workbook.save(path)
    assert main(["--config", config, "program", "import", str(path)]) == 0

    async def figures() -> list[tuple[float, float | None]]:
        database = Database(database_url)
        try:
            async with database.sessions() as session:
                query = select(ProgramIndicator.target, ProgramIndicator.realization)
                return [tuple(row) for row in await session.execute(query.order_by("code"))]
        finally:
            await database.dispose()

    assert asyncio.run(figures()) == [(12.5, 0.00001), (1e12, -3.0)]


def test_control_characters_are_stripped_from_imported_text(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_file(tmp_path, database_url)
    programs = (
        "tahun,kode,nama,program,target,satuan\r\n"
        '2025,\x1b[1mP1\x1b[0m,"Rapat\x00 koordinasi\r\nbulanan",\x07Koordinasi,12,kali\x1b\r\n'
    )
    path = tmp_path / "program.csv"
    path.write_bytes(programs.encode())
    assert main(["--config", config, "program", "import", str(path)]) == 0
    activities = (
        "tahun,nama,bulan,tanggal_fasilitasi,peserta,catatan\n"
        '2025,Pelatihan\x0c UMKM,2,2025-02-10,30,"Balai desa\x1b[31m\rbaris dua"\n'
    )
    path = tmp_path / "kegiatan.csv"
    path.write_bytes(activities.encode())
    assert main(["--config", config, "kegiatan", "import", str(path)]) == 0

    async def stored() -> tuple[tuple[str, ...], tuple[str, ...]]:
        database = Database(database_url)
        try:
            async with database.sessions() as session:
                program = (await session.execute(select(
                    ProgramIndicator.code, ProgramIndicator.name, ProgramIndicator.program,
                    ProgramIndicator.unit,
                ))).one()  # fmt: skip
                activity = (
                    await session.execute(
                        select(EmpowermentActivity.name, EmpowermentActivity.note)
                    )
                ).one()
                return tuple(program), tuple(activity)
        finally:
            await database.dispose()

    assert asyncio.run(stored()) == (
        ("P1", "Rapat koordinasi bulanan", "Koordinasi", "kali"),
        ("Pelatihan UMKM", "Balai desa\nbaris dua"),
    )


def test_names_that_differ_only_in_spacing_are_the_same_row(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Names are stored with their spacing tidied, so two that differ only in it are one."""
    text = "tahun,nama,bulan\n2025,Pelatihan UMKM,2\n2025, Pelatihan  UMKM ,3\n"
    path = write(tmp_path, "kegiatan.csv", text)
    assert (
        main(["--config", config_file(tmp_path, database_url), "kegiatan", "import", str(path)])
        == 1
    )
    assert capsys.readouterr().err.splitlines() == [
        "baris 3, kolom nama: sama dengan baris 2",
        "Tidak ada yang diimpor: 1 kesalahan. Perbaiki berkas lalu impor lagi.",
    ]
    assert count(database_url, EmpowermentActivity) == 0
