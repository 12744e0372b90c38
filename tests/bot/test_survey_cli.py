"""The officials' survey commands: paper-form import, service users, the SKM workbook, QR
posters, and the report's skm block, all through ``ajung-bot`` itself."""

from __future__ import annotations

import asyncio
import io
import json
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PIL import Image
from sqlalchemy import select

from bot.cli import main
from db.engine import Database
from db.models import SurveyPopulation, SurveyResponse
from iku.skm import UNSUR_KEYS, score_responses

HEADER = [
    "tanggal",
    "jam",
    "layanan",
    "jenis_kelamin",
    "usia",
    "pendidikan",
    "pekerjaan",
    *UNSUR_KEYS,
    "saran",
]
# Two paper forms, scored by hand below (test_export_workbook_holds_the_hand_computed_report).
FORM_A = ["2025-02-03", "08:15", "KTP", "L", "25", "SMA", "PNS", 4, 3, 2, 4, 3, 4, 4, 3, 1, "Antre"]
FORM_B = ["2025-02-04", "", "legal", "p", "40", "S1", "swasta", 3, 3, 3, 4, 3, 3, 4, 2, 2, ""]


class Cli:
    """Runs ``ajung-bot --config <test config> ...`` and keeps what it printed."""

    def __init__(self, config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.config_path = config_path
        self.capsys = capsys
        self.out = self.err = ""

    def __call__(self, *args: str) -> int:
        code = main(["--config", str(self.config_path), *args])
        captured = self.capsys.readouterr()
        self.out, self.err = captured.out, captured.err
        return code


@pytest.fixture
def cli(database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    return Cli(path, capsys)


def write_csv(path: Path, rows: Sequence[Sequence[object]], delimiter: str = ";") -> Path:
    text = "\n".join(delimiter.join(str(cell) for cell in row) for row in rows) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def stored(database_url: str) -> list[SurveyResponse]:
    async def fetch() -> list[SurveyResponse]:
        database = Database(database_url)
        try:
            async with database.sessions() as session:
                query = select(SurveyResponse).order_by(SurveyResponse.id)
                return list(await session.scalars(query))
        finally:
            await database.dispose()

    return asyncio.run(fetch())


def report(cli: Cli, *args: str) -> dict[str, Any]:
    assert (
        cli("report", "--format", "json", "--from", "2025-01-01", "--to", "2025-12-31", *args) == 0
    )
    result: dict[str, Any] = json.loads(cli.out)
    return result


# --- import ---------------------------------------------------------------------------------


def test_import_a_valid_csv(cli: Cli, database_url: str, tmp_path: Path) -> None:
    forms = write_csv(tmp_path / "formulir.csv", [HEADER, FORM_A, FORM_B])
    assert cli("survey", "import", str(forms)) == 0
    assert cli.out.strip() == (
        "formulir.csv: 2 formulir baru diimpor, 0 sudah pernah diimpor, 0 baris salah dilewati."
    )
    first, second = stored(database_url)
    assert (first.service, first.gender, first.age, first.education, first.occupation) == (
        "KTP",
        "L",
        25,
        "SMA",
        "PNS",
    )
    assert [getattr(first, key) for key in UNSUR_KEYS] == [4, 3, 2, 4, 3, 4, 4, 3, 1]
    assert (first.channel, first.resident_id, first.saran) == ("paper", None, "Antre")
    assert first.local_date == date(2025, 2, 3)
    assert first.answered_at == datetime(2025, 2, 3, 1, 15, tzinfo=UTC)  # 08:15 WIB
    assert first.time_slot == "08.00-12.00"
    # Codes are read in any case and from labels; no time means no slot.
    assert (second.service, second.gender, second.education, second.occupation) == (
        "LEGAL",
        "P",
        "D4/S1",
        "SWASTA",
    )
    assert (second.answered_at, second.time_slot, second.saran) == (None, None, None)
    assert first.import_key and second.import_key and first.import_key != second.import_key


def test_import_a_valid_xlsx_with_typed_cells(cli: Cli, database_url: str, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([name.upper() for name in HEADER])  # header case does not matter
    sheet.append([date(2025, 3, 1), time(13, 5), "NIKAH", "Perempuan", 19, "SMP", "Pelajar",
                  *[4.0] * 9, "Ramah sekali"])  # fmt: skip
    sheet.append([None] * len(HEADER))  # blank rows at the end are common
    path = tmp_path / "formulir.xlsx"
    workbook.save(path)
    assert cli("survey", "import", str(path)) == 0
    [row] = stored(database_url)
    assert (row.local_date, row.time_slot, row.age, row.occupation) == (
        date(2025, 3, 1),
        "13.00-17.00",
        19,
        "PELAJAR",
    )
    assert [getattr(row, key) for key in UNSUR_KEYS] == [4] * 9
    assert row.saran == "Ramah sekali"


def test_comma_separated_csv_with_a_byte_order_mark(
    cli: Cli, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    text = "\n".join(",".join(str(c) for c in row) for row in [HEADER, FORM_A])
    path.write_bytes("\ufeff".encode() + text.encode())
    assert cli("survey", "import", str(path)) == 0
    assert len(stored(database_url)) == 1


def test_reimporting_the_same_file_adds_nothing(
    cli: Cli, database_url: str, tmp_path: Path
) -> None:
    twin = list(FORM_A)  # two residents may give identical answers on the same day
    forms = write_csv(tmp_path / "f.csv", [HEADER, FORM_A, twin, FORM_B])
    assert cli("survey", "import", str(forms)) == 0
    assert cli("survey", "import", str(forms)) == 0
    assert cli.out.strip().startswith("f.csv: 0 formulir baru diimpor, 3 sudah pernah diimpor")
    # The same forms re-typed in another order, with one new form, add only the new one.
    new = ["2025-02-05", "09:00", "KTP", "P", "33", "SD", "LAINNYA", *[2] * 9, ""]
    again = write_csv(tmp_path / "g.csv", [HEADER, FORM_B, new, twin, FORM_A])
    assert cli("survey", "import", str(again)) == 0
    assert cli.out.strip().startswith("g.csv: 1 formulir baru diimpor, 3 sudah pernah diimpor")
    assert len(stored(database_url)) == 4


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            [c for c in HEADER if c not in ("usia", "sarana")],
            "f.csv: kolom wajib tidak ada: usia, sarana",
        ),
        (
            [*HEADER[:-1], "sarana_prasarana"],
            "f.csv: kolom tidak dikenal: sarana_prasarana. Kolom yang dipakai: "
            + ", ".join(HEADER),
        ),
        ([*HEADER, "usia"], "f.csv: kolom tertulis dua kali: usia"),
    ],
    ids=["missing", "unknown", "duplicate"],
)
def test_wrong_columns_import_nothing(
    cli: Cli, database_url: str, tmp_path: Path, header: list[str], message: str
) -> None:
    forms = write_csv(tmp_path / "f.csv", [header, FORM_A[: len(header)]])
    assert cli("survey", "import", str(forms)) == 2
    assert cli.err.strip() == f"ajung-bot: {message}"
    assert stored(database_url) == []


def test_every_bad_cell_is_listed_and_nothing_is_imported(
    cli: Cli, database_url: str, tmp_path: Path
) -> None:
    bad = ["2025-02-30", "8 pagi", "PASPOR", "X", "14", "SMK", "Petani", 0, 5, "a", 3, 3, 3, 3, 3,
           2.5, ""]  # fmt: skip
    missing = ["", "", "KTP", "L", "", "SMA", "PNS", *[3] * 8, "", ""]
    forms = write_csv(tmp_path / "f.csv", [HEADER, FORM_A, bad, missing])
    assert cli("survey", "import", str(forms)) == 2
    assert cli.err.strip().splitlines() == [
        'baris 3, kolom tanggal: "2025-02-30" bukan tanggal TTTT-BB-HH (contoh 2025-02-16)',
        'baris 3, kolom jam: "8 pagi" bukan jam JJ:MM (contoh 08:30)',
        'baris 3, kolom layanan: kode layanan "PASPOR" tidak dikenal (yang dikenal: KTP, SKET, '
        "LEGAL, REKOM, IUMK, RAMAI, NIKAH, LAIN)",
        'baris 3, kolom jenis_kelamin: "X" bukan L atau P',
        'baris 3, kolom usia: "14" bukan usia 15 sampai 100',
        'baris 3, kolom pendidikan: "SMK" bukan pendidikan yang dikenal (SD, SMP, SMA, D1-D3, '
        "D4/S1, S2, S3, TIDAK_SEKOLAH)",
        'baris 3, kolom pekerjaan: "Petani" bukan pekerjaan yang dikenal (PNS, TNI, POLRI, '
        "SWASTA, WIRAUSAHA, PELAJAR, LAINNYA)",
        'baris 3, kolom persyaratan: "0" bukan nilai 1 sampai 4',
        'baris 3, kolom prosedur: "5" bukan nilai 1 sampai 4',
        'baris 3, kolom waktu: "a" bukan nilai 1 sampai 4',
        'baris 3, kolom pengaduan: "2.5" bukan nilai 1 sampai 4',
        "baris 4, kolom tanggal: wajib diisi",
        "baris 4, kolom usia: wajib diisi",
        "baris 4, kolom pengaduan: wajib diisi",
        "ajung-bot: Tidak ada yang diimpor: 14 kesalahan pada 2 baris. Perbaiki berkasnya, atau "
        "pakai --skip-invalid untuk mengimpor baris yang benar saja.",
    ]
    assert stored(database_url) == []


def test_only_the_first_thousand_problems_are_listed(
    cli: Cli, database_url: str, tmp_path: Path
) -> None:
    """A file typed into the wrong columns has a problem in every cell: the listing stops at
    1,000 (which is more than anyone reads) and says how many more there are."""
    bad = [*FORM_A[:4], "x", *FORM_A[5:9], 9, *FORM_A[10:]]
    forms = write_csv(tmp_path / "f.csv", [HEADER, *[bad] * 600])
    assert cli("survey", "import", str(forms)) == 2
    lines = cli.err.splitlines()
    assert len(lines) == 1002
    assert lines[:2] == [
        'baris 2, kolom usia: "x" bukan usia 15 sampai 100',
        'baris 2, kolom waktu: "9" bukan nilai 1 sampai 4',
    ]
    assert lines[999] == 'baris 501, kolom waktu: "9" bukan nilai 1 sampai 4'
    assert lines[1000:] == [
        "... dan 200 kesalahan lain yang tidak ditampilkan",
        "ajung-bot: Tidak ada yang diimpor: 1.200 kesalahan pada 600 baris. Perbaiki berkasnya, "
        "atau pakai --skip-invalid untuk mengimpor baris yang benar saja.",
    ]
    assert stored(database_url) == []


def test_skip_invalid_imports_the_good_rows_and_lists_the_others(
    cli: Cli, database_url: str, tmp_path: Path
) -> None:
    bad = [*FORM_B[:7], *[3] * 8, 7, ""]
    forms = write_csv(tmp_path / "f.csv", [HEADER, FORM_A, bad, FORM_B])
    assert cli("survey", "import", str(forms), "--skip-invalid") == 0
    assert cli.err.strip() == 'baris 3, kolom pengaduan: "7" bukan nilai 1 sampai 4'
    assert cli.out.strip() == (
        "f.csv: 2 formulir baru diimpor, 0 sudah pernah diimpor, 1 baris salah dilewati."
    )
    assert len(stored(database_url)) == 2


def test_digits_that_are_not_ascii_are_refused(cli: Cli, database_url: str, tmp_path: Path) -> None:
    fullwidth = ["２０２５-０２-０３", "０８:１５", *FORM_A[2:]]
    forms = write_csv(tmp_path / "f.csv", [HEADER, fullwidth])
    assert cli("survey", "import", str(forms)) == 2
    assert cli.err.splitlines()[:2] == [
        'baris 2, kolom tanggal: "２０２５-０２-０３" bukan tanggal TTTT-BB-HH (contoh 2025-02-16)',
        'baris 2, kolom jam: "０８:１５" bukan jam JJ:MM (contoh 08:30)',
    ]
    assert stored(database_url) == []


def test_control_characters_are_stripped_from_imported_forms(
    cli: Cli, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "f.csv"
    rows = [
        HEADER,
        [*FORM_A[:2], "K\x07TP", *FORM_A[3:-1], '"\x1b[31mAntre\x1b[0m\x00 lama\r\nsekali"'],
    ]
    path.write_bytes("\n".join(";".join(str(cell) for cell in row) for row in rows).encode())
    assert cli("survey", "import", str(path)) == 0, cli.err
    [row] = stored(database_url)
    assert (row.service, row.saran) == ("KTP", "Antre lama\nsekali")


def test_dates_in_the_future_are_refused(cli: Cli, database_url: str, tmp_path: Path) -> None:
    later = (date.today() + timedelta(days=2)).isoformat()
    forms = write_csv(tmp_path / "f.csv", [HEADER, [later, *FORM_A[1:]]])
    assert cli("survey", "import", str(forms)) == 2
    assert cli.err.splitlines()[0] == f"baris 2, kolom tanggal: tanggal {later} belum terjadi"
    assert stored(database_url) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "f.csv: berkas kosong"),
        (b"\n\n", "f.csv: berkas kosong"),
        (
            ";".join(HEADER).encode() + b"\n",
            "f.csv: tidak ada baris data di bawah baris judul kolom",
        ),
        (
            ";".join(HEADER).encode() + b"\n;;;\n",
            "f.csv: tidak ada baris data di bawah baris judul kolom",
        ),
    ],
    ids=["zero-bytes", "blank-lines", "header-only", "blank-rows"],
)
def test_an_empty_file(cli: Cli, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert cli("survey", "import", str(path)) == 2
    assert cli.err.strip() == f"ajung-bot: {message}"


def test_a_10_mb_file_is_refused_before_reading(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "besar.xlsx"
    path.write_bytes(b"\0" * 10_000_000)  # not even a workbook: it is never opened
    assert cli("survey", "import", str(path)) == 2
    assert cli.err.strip() == (
        "ajung-bot: besar.xlsx: berkas 10.000.000 byte melebihi batas 5.000.000 byte"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("f.txt", b"tanggal", "f.txt: hanya berkas .csv atau .xlsx yang bisa diimpor"),
        ("f.xlsx", b"PK not a workbook", "f.xlsx: tidak bisa dibaca: File is not a zip file"),
        ("missing.csv", None, "missing.csv: berkas tidak ada"),
    ],
    ids=["type", "broken-xlsx", "missing"],
)
def test_files_that_cannot_be_read(
    cli: Cli, tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert cli("survey", "import", str(path)) == 2
    assert cli.err.strip() == f"ajung-bot: {message}"


def test_english_messages_with_lang_en(cli: Cli, tmp_path: Path) -> None:
    forms = write_csv(tmp_path / "f.csv", [HEADER, [*FORM_A[:4], "abc", *FORM_A[5:]]])
    assert cli("survey", "import", str(forms), "--lang", "en") == 2
    assert cli.err.splitlines()[0] == 'row 2, column usia: "abc" is not an age from 15 to 100'


def test_published_results_imported_give_the_regulation_index(cli: Cli, tmp_path: Path) -> None:
    """Paper forms of a whole published survey: the report equals the regulation's method."""
    chooser = random.Random(1417)
    sheets = [{key: chooser.choice([2, 3, 3, 4, 4]) for key in UNSUR_KEYS} for _ in range(250)]
    rows = [HEADER]
    for number, sheet in enumerate(sheets):
        day = date(2025, 1, 2) + timedelta(days=number % 300)
        profile = [
            day.isoformat(),
            "",
            "KTP",
            "LP"[number % 2],
            str(20 + number % 60),
            "SMA",
            "PNS",
        ]
        rows.append([*profile, *(sheet[key] for key in UNSUR_KEYS), ""])
    forms = write_csv(tmp_path / "sukma.csv", rows, delimiter=",")
    assert cli("survey", "import", str(forms)) == 0
    expected = score_responses(sheets)
    assert expected is not None
    skm = report(cli)["skm"]
    assert skm["respondents"] == 250
    assert skm["ikm"] == expected.ikm
    assert skm["ikm_converted"] == expected.ikm_converted
    assert (skm["mutu"], skm["kinerja"]) == (expected.mutu, expected.kinerja)
    assert {key: skm["unsur"][key]["nrr"] for key in UNSUR_KEYS} == {
        key: expected.unsur[key].nrr for key in UNSUR_KEYS
    }


# --- service users --------------------------------------------------------------------------


def test_population_from_the_command_line(cli: Cli, database_url: str, tmp_path: Path) -> None:
    assert (
        cli("survey", "population", "--month", "2025-02", "--service", "ktp", "--count", "1200")
        == 0
    )
    assert cli.out.strip() == (
        "Tercatat: 1.200 pengguna layanan Pengantar KTP-el dan KK pada Februari 2025. "
        "Sampel minimal untuk jumlah itu: 291 responden."
    )
    assert cli("survey", "import", str(write_csv(tmp_path / "f.csv", [HEADER, FORM_A]))) == 0
    assert report(cli)["skm"]["sample"] == {"population": 1200, "required": 291, "reached": False}

    async def recorded_by() -> str | None:
        database = Database(database_url)
        try:
            async with database.sessions() as session:
                return await session.scalar(select(SurveyPopulation.recorded_by))
        finally:
            await database.dispose()

    assert asyncio.run(recorded_by()) == "cli"


@pytest.mark.parametrize(
    ("month", "service", "count", "message"),
    [
        ("2025/02", "KTP", "10", 'Bulan "2025/02" tidak dikenal. Tulis seperti 2025-01.'),
        ("2999-01", "KTP", "10", "Bulan 2999-01 belum berjalan."),
        (
            "2025-02",
            "XX",
            "10",
            'Kode layanan "XX" tidak dikenal. Kode layanan: KTP, SKET, '
            "LEGAL, REKOM, IUMK, RAMAI, NIKAH, LAIN",
        ),
        ("2025-02", "KTP", "-3", 'Jumlah "-3" harus bilangan bulat dari 1 sampai 10.000.000.'),
        ("2025-02", "KTP", "1..2", 'Jumlah "1..2" harus bilangan bulat dari 1 sampai 10.000.000.'),
        ("2025-02", "KTP", "²", 'Jumlah "²" harus bilangan bulat dari 1 sampai 10.000.000.'),
        (
            "２０２５-０２",
            "KTP",
            "10",
            'Bulan "２０２５-０２" tidak dikenal. Tulis seperti 2025-01.',
        ),
    ],
    ids=["month", "future", "service", "count", "dots", "superscript", "fullwidth-month"],
)
def test_population_errors(cli: Cli, month: str, service: str, count: str, message: str) -> None:
    assert (
        cli("survey", "population", "--month", month, "--service", service, "--count", count) == 2
    )
    assert cli.err.strip() == f"ajung-bot: {message}"


# --- the SKM workbook -----------------------------------------------------------------------


def sheet_rows(path: Path, title: str) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(path)
    return [tuple(row) for row in workbook[title].iter_rows(values_only=True)]


def test_export_workbook_holds_the_hand_computed_report(cli: Cli, tmp_path: Path) -> None:
    """Forms A and B by hand: unsur totals 7 6 5 8 6 7 8 5 3 over 2 respondents; NRR 3,5 3 2,5
    4 3 3,5 4 2,5 1,5 (sum 27,5); IKM = 27,5 / 9 = 3,0556; x 25 = 76,39: mutu C, Kurang baik."""
    forms = write_csv(tmp_path / "f.csv", [HEADER, FORM_A, FORM_B])
    assert cli("survey", "import", str(forms)) == 0
    assert (
        cli("survey", "population", "--month", "2025-02", "--service", "KTP", "--count", "100") == 0
    )
    out = tmp_path / "skm.xlsx"
    assert (
        cli("survey", "export", "--from", "2025-02-01", "--to", "2025-02-28", "--out", str(out))
        == 0
    )
    assert cli.out.strip() == f"{out}: rekap SKM 1 Februari 2025 s.d. 28 Februari 2025, 2 responden"

    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == [
        "Rekap SKM",
        "Urutan unsur",
        "Profil responden",
        "Saran",
        "Data responden",
    ]
    summary = workbook["Rekap SKM"]
    assert summary["A1"].value == "Indeks Kepuasan Masyarakat (PermenPANRB No. 14 Tahun 2017)"
    assert summary["A2"].value == "Unit pelayanan: Kecamatan Ajung, Kabupaten Jember"
    assert summary["A3"].value == "Periode: 1 Februari 2025 s.d. 28 Februari 2025"
    assert summary["A4"].value == "Layanan: semua layanan"
    assert [c.value for c in summary[6]] == [
        "No",
        "Unsur pelayanan",
        "Kode",
        "Jumlah nilai",
        "NRR",
        "NRR x 25",
        "Mutu",
    ]
    expected = [
        (1, "Persyaratan", "persyaratan", 7, 3.5, 87.5, "B"),
        (2, "Sistem, Mekanisme, dan Prosedur", "prosedur", 6, 3, 75, "C"),
        (3, "Waktu Penyelesaian", "waktu", 5, 2.5, 62.5, "D"),
        (4, "Biaya/Tarif", "biaya", 8, 4, 100, "A"),
        (5, "Produk Spesifikasi Jenis Pelayanan", "produk", 6, 3, 75, "C"),
        (6, "Kompetensi Pelaksana", "kompetensi", 7, 3.5, 87.5, "B"),
        (7, "Perilaku Pelaksana", "perilaku", 8, 4, 100, "A"),
        (8, "Sarana dan Prasarana", "sarana", 5, 2.5, 62.5, "D"),
        (9, "Penanganan Pengaduan, Saran dan Masukan", "pengaduan", 3, 1.5, 37.5, "D"),
    ]
    assert [tuple(c.value for c in summary[row]) for row in range(7, 16)] == expected
    assert summary["E7"].number_format == "0.0000" and summary["F7"].number_format == "0.00"
    assert summary["A17"].value == "Jumlah responden" and summary["B17"].value == 2
    assert summary["A18"].value == "IKM (1-4)"
    assert summary["B18"].value == pytest.approx(27.5 / 9, abs=1e-12)
    assert summary["A19"].value == "Nilai IKM unit pelayanan (IKM x 25)"
    assert summary["B19"].value == pytest.approx(76.38888888888889, abs=1e-12)
    assert summary["B19"].number_format == "0.00"
    assert (summary["A20"].value, summary["B20"].value) == ("Mutu pelayanan", "C")
    assert (summary["A21"].value, summary["B21"].value) == ("Kinerja unit pelayanan", "Kurang baik")
    assert (summary["A22"].value, summary["B22"].value) == ("Pengguna layanan (N)", 100)
    assert (summary["A23"].value, summary["B23"].value) == ("Sampel minimal (Krejcie-Morgan)", 80)
    assert (summary["A24"].value, summary["B24"].value) == ("Sampel tercapai", "tidak")

    priority = sheet_rows(out, "Urutan unsur")
    assert [row[2] for row in priority[2:]] == [
        "pengaduan",
        "waktu",
        "sarana",
        "prosedur",
        "produk",
        "persyaratan",
        "kompetensi",
        "biaya",
        "perilaku",
    ]
    assert priority[2] == (
        1,
        "Penanganan Pengaduan, Saran dan Masukan",
        "pengaduan",
        1.5,
        37.5,
        "D",
    )

    profile = sheet_rows(out, "Profil responden")
    assert profile[0] == ("Uraian", "Jumlah", "Persen")
    assert profile[2:5] == [
        ("Jenis kelamin", None, None),
        ("Laki-laki", 1, 50),
        ("Perempuan", 1, 50),
    ]
    assert ("25-34", 1, 50) in profile and ("15-24", 0, 0) in profile
    assert ("D4/S1", 1, 50) in profile and ("Swasta", 1, 50) in profile
    assert ("Legalisasi dokumen", 1, 50) in profile
    assert ("08.00-12.00", 1, 50) in profile and ("jam tidak tercatat", 1, 50) in profile

    assert sheet_rows(out, "Saran") == [
        ("Tanggal", "Layanan", "Saran"),
        (datetime(2025, 2, 3), "Pengantar KTP-el dan KK", "Antre"),
    ]
    raw = sheet_rows(out, "Data responden")
    assert raw[0] == (
        "Tanggal", "Jam (WIB)", "Waktu", "Cara mengisi", "Layanan", "Jenis kelamin", "Usia",
        "Pendidikan", "Pekerjaan", *UNSUR_KEYS, "Saran",
    )  # fmt: skip
    assert raw[1] == (
        datetime(2025, 2, 3), time(8, 15), "08.00-12.00", "kertas", "Pengantar KTP-el dan KK",
        "Laki-laki", 25, "SMA", "PNS", 4, 3, 2, 4, 3, 4, 4, 3, 1, "Antre",
    )  # fmt: skip
    assert len(raw) == 3


def test_export_filters_by_service_and_says_when_there_is_no_data(cli: Cli, tmp_path: Path) -> None:
    assert (
        cli("survey", "import", str(write_csv(tmp_path / "f.csv", [HEADER, FORM_A, FORM_B]))) == 0
    )
    out = tmp_path / "legal.xlsx"
    args = ("--from", "2025-02-01", "--to", "2025-02-28", "--service", "legal")
    assert cli("survey", "export", *args, "--out", str(out)) == 0
    summary = openpyxl.load_workbook(out)["Rekap SKM"]
    assert summary["A4"].value == "Layanan: Legalisasi dokumen"
    assert (summary["D7"].value, summary["B17"].value) == (3, 1)
    assert len(sheet_rows(out, "Data responden")) == 2

    empty = tmp_path / "empty.xlsx"
    assert (
        cli("survey", "export", "--from", "2024-01-01", "--to", "2024-12-31", "--out", str(empty))
        == 0
    )
    summary = openpyxl.load_workbook(empty)["Rekap SKM"]
    assert (summary["A17"].value, summary["B17"].value) == ("Jumlah responden", 0)
    assert summary["A18"].value == "Belum ada data survei pada periode ini."
    assert (summary["A19"].value, summary["B19"].value) == ("Pengguna layanan (N)", "belum diisi")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--out", "rekap.csv"), "--out rekap.csv: nama berkas harus berakhiran .xlsx"),
        (
            ("--service", "XX", "--out", "r.xlsx"),
            "--service XX: bukan kode layanan di [survey] services",
        ),
        (
            ("--from", "2025-03-01", "--to", "2025-02-01", "--out", "r.xlsx"),
            "Periode berakhir 1 Februari 2025, sebelum mulainya 1 Maret 2025.",
        ),
    ],
    ids=["suffix", "service", "period"],
)
def test_export_usage_errors(cli: Cli, args: tuple[str, ...], message: str) -> None:
    assert cli("survey", "export", *args) == 2
    assert cli.err.strip() == f"ajung-bot: {message}"


# --- QR posters -----------------------------------------------------------------------------


def test_a_qr_poster_for_one_service(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "ktp.png"
    assert cli("qr", "KTP", "--out", str(out), "--bot-username", "@ajung_bot") == 0
    assert cli.out.strip() == f"{out}: poster KTP https://t.me/ajung_bot?start=skm_KTP"
    content = out.read_bytes()
    assert content.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(content)) as image:
        assert image.size == (874, 1240)
        assert image.text["Link"] == "https://t.me/ajung_bot?start=skm_KTP"
        # Mostly white paper, with a good deal of black: the QR code and the words.
        dark = sum(image.convert("L").histogram()[:128])
        assert 0.08 < dark / (874 * 1240) < 0.5


def test_qr_posters_for_every_service_from_the_configured_username(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "{database_url}"\n[survey]\nbot_username = "kec_ajung_bot"\n',
        encoding="utf-8",
    )
    out = tmp_path / "poster"
    assert Cli(path, capsys)("qr", "--all", "--out", str(out)) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        f"skm_{code}.png"
        for code in ("KTP", "SKET", "LEGAL", "REKOM", "IUMK", "RAMAI", "NIKAH", "LAIN")
    )
    with Image.open(out / "skm_NIKAH.png") as image:
        assert image.text["Link"] == "https://t.me/kec_ajung_bot?start=skm_NIKAH"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("KTP",),
            "Username bot belum ada: pakai --bot-username NAMA atau isi [survey] bot_username.",
        ),
        (
            ("PASPOR", "--bot-username", "ajung_bot"),
            'Layanan "PASPOR" tidak dikenal; kode layanan: KTP, SKET, LEGAL, REKOM, IUMK, RAMAI, '
            "NIKAH, LAIN",
        ),
        (
            ("--bot-username", "ajung_bot"),
            "Sebutkan satu kode LAYANAN, atau pakai --all (jangan keduanya).",
        ),
        (
            ("KTP", "--all", "--bot-username", "ajung_bot"),
            "Sebutkan satu kode LAYANAN, atau pakai --all (jangan keduanya).",
        ),
        (
            ("KTP", "--bot-username", "a b"),
            '"a b" bukan username bot Telegram (5 sampai 32 huruf, angka atau _, diawali huruf)',
        ),
    ],
    ids=["username", "service", "neither", "both", "bad-username"],
)
def test_qr_usage_errors(cli: Cli, args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    assert cli("qr", *args, "--out", str(tmp_path / "x.png")) == 2
    assert not (tmp_path / "x.png").exists()
    assert cli.err.strip() == f"ajung-bot: {message}"


# --- the report -----------------------------------------------------------------------------


def test_report_without_survey_data_says_null(cli: Cli) -> None:
    skm = report(cli)["skm"]
    assert skm["respondents"] == 0
    assert skm["ikm"] is None and skm["mutu"] is None
    assert set(skm["unsur"]) == set(UNSUR_KEYS)
    assert skm["sample"] == {"population": None, "required": None, "reached": None}


def test_report_json_keys_and_full_precision(cli: Cli, tmp_path: Path) -> None:
    assert (
        cli("survey", "import", str(write_csv(tmp_path / "f.csv", [HEADER, FORM_A, FORM_B]))) == 0
    )
    skm = report(cli)["skm"]
    # 55 / 18 and 1375 / 18 exactly, as floats: no rounding before display.
    assert skm["ikm"] == float(Fraction(55, 18))
    assert skm["ikm_converted"] == float(Fraction(1375, 18))
    assert (skm["mutu"], skm["kinerja"]) == ("C", "Kurang baik")
    assert skm["unsur"]["pengaduan"] == {"total": 3, "nrr": 1.5, "converted": 37.5, "mutu": "D"}


def test_report_text_shows_the_index_the_lowest_unsur_and_the_sample(
    cli: Cli, tmp_path: Path
) -> None:
    assert (
        cli("survey", "import", str(write_csv(tmp_path / "f.csv", [HEADER, FORM_A, FORM_B]))) == 0
    )
    assert (
        cli("survey", "population", "--month", "2025-02", "--service", "KTP", "--count", "3") == 0
    )
    assert cli("report", "--from", "2025-02-01", "--to", "2025-02-28") == 0
    lines = cli.out.splitlines()
    assert lines[1] == "Periode: 1 Februari 2025 s.d. 28 Februari 2025"
    assert lines[3:6] == [
        "2. Indeks Kepuasan Masyarakat (IKM): 76,39 (mutu C, Kurang baik) dari 2 responden",
        "   Unsur terendah: Penanganan Pengaduan, Saran dan Masukan (37,50)",
        "   Sampel minimal 3 dari 3 pengguna layanan: belum tercapai",
    ]


def test_the_help_lists_the_paper_form_columns(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main
    from iku.survey_forms import COLUMNS

    with pytest.raises(SystemExit):
        main(["survey", "import", "--help"])
    assert ", ".join(COLUMNS) in " ".join(capsys.readouterr().out.split())
