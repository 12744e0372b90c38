"""Import files larger than they look: an XLSX sheet's real extent is checked before its cells are
read, whatever dimension it declares; a sheet reaching beyond the limits is refused in one line
with exit 2; parts that unpack to far more than the file are refused unread; and 100,000 forms
import within 200 MB.

The imports that could exhaust the memory run as a process of their own under an address-space
limit, so that a regression fails the test instead of the machine."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main
from db.models import ProgramIndicator, SurveyResponse
from iku.survey_forms import COLUMNS
from tests.bot.test_plan_import import count
from tests.workbooks import write_xlsx

ROOT = Path(__file__).resolve().parents[2]
FORM = ["2025-02-03", "08:15", "KTP", "L", 25, "SMA", "PNS", *[3] * 9, "Antre"]
PROGRAM_HEADER = ["tahun", "kode", "nama", "target", "satuan"]
ROWS_REFUSED = (
    "{file}: lembar pertama sampai baris {row}, padahal batasnya {limit} baris data di bawah "
    "baris judul kolom. Bagi menjadi beberapa berkas, atau hapus isi baris di bawah tabel."
)
COLUMNS_REFUSED = (
    "{file}: lembar pertama sampai kolom {column}, padahal batasnya 50 kolom. Hapus isi kolom "
    "di kanan tabel."
)


def config_file(tmp_path: Path, database_url: str, max_import_bytes: int = 5_000_000) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "{database_url}"\n[survey]\nmax_import_bytes = {max_import_bytes}\n',
        encoding="utf-8",
    )
    return path


@dataclass(frozen=True)
class Finished:
    code: int
    out: str
    err: str
    peak_mb: float


# Runs the CLI with its address space limited, then writes its peak resident memory (KiB).
# VmHWM, not getrusage's ru_maxrss: Linux carries the maxrss of the process that forked (here
# pytest, already large) over into the child, while VmHWM is this program's own.
RUNNER = """
import resource, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
from bot.cli import main
code = main(sys.argv[3:])
with open("/proc/self/status") as status:
    peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
with open(sys.argv[2], "w") as report:
    report.write(peak)
sys.exit(code)
"""


def run_limited(tmp_path: Path, *args: str, address_space: int = 2_000_000_000) -> Finished:
    """``ajung-bot ARGS`` as its own process, within ``address_space`` bytes."""
    report = tmp_path / "peak.txt"
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(address_space), str(report), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=300,
        check=False,
    )
    peak = int(report.read_text()) / 1024 if report.exists() else float("nan")
    return Finished(done.returncode, done.stdout, done.stderr, peak)


# --- a sheet's extent -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "header", "row", "limit"),
    [
        pytest.param(("survey", "import"), list(COLUMNS), FORM, "100.000", id="survey"),
        pytest.param(
            ("program", "import"), PROGRAM_HEADER, [2025, "P1", "Rapat", 12, "kali"], "10.000",
            id="program",
        ),
    ],
)  # fmt: skip
def test_a_5_kb_workbook_with_one_cell_at_xfd1048576_is_refused_at_once(
    tmp_path: Path,
    database_url: str,
    command: tuple[str, str],
    header: list[object],
    row: list[object],
    limit: str,
) -> None:
    """Once, the import built a sheet of 1,048,576 rows of 16,384 cells and died at 5.8 GB."""
    path = write_xlsx(
        tmp_path / "formulir.xlsx",
        [header, row],
        dimension="A1:XFD1048576",
        far_cells=[("XFD1048576", "x")],
    )
    assert path.stat().st_size < 5_000
    config = str(config_file(tmp_path, database_url))
    finished = run_limited(tmp_path, "--config", config, *command, str(path))
    refused = ROWS_REFUSED.format(file="formulir.xlsx", row="1.048.576", limit=limit)
    assert (finished.code, finished.out, finished.err) == (2, "", f"ajung-bot: {refused}\n")
    assert finished.peak_mb < 150


def forms(count: int) -> Iterator[list[object]]:
    """``count`` different forms (the import keys differ), on dates of 2025."""
    for number in range(count):
        day = f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}"
        at = f"{8 + number % 8:02d}:{number % 60:02d}"
        answers = [1 + (number + unsur) % 4 for unsur in range(9)]
        saran = f"Antre terlalu lama di loket {number}"
        yield [day, at, "KTP", "LP"[number % 2], 18 + number % 60, "SMA", "PNS", *answers, saran]


def test_a_false_dimension_hides_no_rows(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """openpyxl in read-only mode believes the declared dimension: A1:Q2 gave one form of five."""
    path = write_xlsx(tmp_path / "f.xlsx", [list(COLUMNS), *forms(5)], dimension="A1:Q2")
    config = str(config_file(tmp_path, database_url))
    assert main(["--config", config, "survey", "import", str(path)]) == 0
    assert capsys.readouterr().out.startswith("f.xlsx: 5 formulir baru diimpor")
    assert count(database_url, SurveyResponse) == 5


@pytest.mark.parametrize(
    ("far", "refused"),
    [
        pytest.param(
            "A100002",
            ROWS_REFUSED.format(file="f.xlsx", row="100.002", limit="100.000"),
            id="row-past-the-limit",
        ),
        pytest.param("AY3", COLUMNS_REFUSED.format(file="f.xlsx", column="AY"), id="column-51"),
    ],
)
def test_a_cell_beyond_the_limits_is_refused_whatever_the_dimension_says(
    tmp_path: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    far: str,
    refused: str,
) -> None:
    path = write_xlsx(
        tmp_path / "f.xlsx", [list(COLUMNS), FORM], dimension="A1:Q2", far_cells=[(far, "x")]
    )
    config = str(config_file(tmp_path, database_url))
    assert main(["--config", config, "survey", "import", str(path)]) == 2
    assert capsys.readouterr().err == f"ajung-bot: {refused}\n"
    assert count(database_url, SurveyResponse) == 0


def write_csv(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    path.write_text("\n".join(";".join(str(cell) for cell in row) for row in rows) + "\n")
    return path


def test_a_csv_past_the_row_limit_is_refused_blank_lines_or_not(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(config_file(tmp_path, database_url))
    blank_then_form = [COLUMNS, *[[]] * 100_000, FORM]
    path = write_csv(tmp_path / "f.csv", blank_then_form)
    assert main(["--config", config, "survey", "import", str(path)]) == 2
    refused = ROWS_REFUSED.format(file="f.csv", row="100.002", limit="100.000")
    assert capsys.readouterr().err == f"ajung-bot: {refused}\n"
    # Blank lines past the limit are nothing to refuse.
    path = write_csv(tmp_path / "f.csv", [COLUMNS, FORM, *[[]] * 100_001])
    assert main(["--config", config, "survey", "import", str(path)]) == 0
    assert count(database_url, SurveyResponse) == 1


def test_a_csv_past_the_column_limit_is_refused_trailing_separators_are_not(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(config_file(tmp_path, database_url))
    path = write_csv(tmp_path / "f.csv", [COLUMNS, [*FORM, *[""] * 33, "x"]])
    assert main(["--config", config, "survey", "import", str(path)]) == 2
    refused = COLUMNS_REFUSED.format(file="f.csv", column="AY")
    assert capsys.readouterr().err == f"ajung-bot: {refused}\n"
    path = write_csv(tmp_path / "f.csv", [COLUMNS, [*FORM, *[""] * 100]])
    assert main(["--config", config, "survey", "import", str(path)]) == 0
    assert count(database_url, SurveyResponse) == 1


def test_plan_imports_stop_at_10_000_rows(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [[2025, f"P{number}", "Rapat", 12, "kali"] for number in range(10_001)]
    path = write_csv(tmp_path / "program.csv", [PROGRAM_HEADER, *rows])
    config = str(config_file(tmp_path, database_url))
    assert main(["--config", config, "program", "import", str(path)]) == 2
    refused = ROWS_REFUSED.format(file="program.csv", row="10.002", limit="10.000")
    assert capsys.readouterr().err == f"ajung-bot: {refused}\n"
    assert count(database_url, ProgramIndicator) == 0


# --- parts that unpack to far more than the file --------------------------------------------


@pytest.mark.parametrize(
    ("part", "size", "limit"),
    [
        pytest.param("xl/media/padding.bin", 300_000_001, "300.000.000", id="all-parts"),
        pytest.param("xl/styles.xml", 50_000_001, "50.000.000", id="parts-held-whole"),
    ],
)
def test_a_workbook_that_unpacks_beyond_the_limits_is_refused_unread(
    tmp_path: Path, database_url: str, part: str, size: int, limit: str
) -> None:
    path = write_xlsx(tmp_path / "f.xlsx", [list(COLUMNS), FORM], extra_parts=[(part, size)])
    assert path.stat().st_size < 1_000_000
    config = str(config_file(tmp_path, database_url))
    finished = run_limited(tmp_path, "--config", config, "survey", "import", str(path))
    assert finished.code == 2
    assert finished.err.startswith("ajung-bot: f.xlsx: isi berkas xlsx ")
    assert finished.err.endswith(f" byte setelah dibuka melebihi batas {limit} byte\n")
    assert finished.peak_mb < 150


# --- 100,000 forms --------------------------------------------------------------------------


def test_100_000_forms_import_within_200_mb(tmp_path: Path, database_url: str) -> None:
    path = write_xlsx(tmp_path / "formulir.xlsx", [list(COLUMNS), *forms(100_000)])
    config = str(config_file(tmp_path, database_url, max_import_bytes=10_000_000))
    finished = run_limited(tmp_path, "--config", config, "survey", "import", str(path))
    assert (finished.code, finished.err) == (0, "")
    assert finished.out == (
        "formulir.xlsx: 100.000 formulir baru diimpor, 0 sudah pernah diimpor, "
        "0 baris salah dilewati.\n"
    )
    print(f"peak resident memory of the 100,000-form import: {finished.peak_mb:.0f} MB")
    assert finished.peak_mb < 200
    assert count(database_url, SurveyResponse) == 100_000


def damaged(path: Path, part: str, content: bytes) -> Path:
    """A copy of a good workbook at ``path`` with ``part`` replaced by ``content``."""
    good = write_xlsx(path.with_suffix(".good.xlsx"), [list(COLUMNS), FORM])
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = content if item.filename == part else source.read(item.filename)
            target.writestr(item.filename, data)
    return path


@pytest.mark.parametrize(
    ("part", "content", "reason"),
    [
        pytest.param("xl/workbook.xml", b"<workbook", "unclosed token", id="workbook-xml"),
        pytest.param(
            "xl/worksheets/sheet1.xml",
            b'<worksheet><sheetData><row r="1"><c r="A1">',
            "no element found",
            id="sheet-xml",
        ),
        pytest.param(
            "xl/worksheets/sheet1.xml",
            b'<worksheet><sheetData><row r="1"><c r="1A"/></row></sheetData></worksheet>',
            "worksheet: cell reference '1A'",
            id="cell-reference",
        ),
    ],
)
def test_a_damaged_workbook_is_refused_in_one_line(
    tmp_path: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    part: str,
    content: bytes,
    reason: str,
) -> None:
    path = damaged(tmp_path / "f.xlsx", part, content)
    config = str(config_file(tmp_path, database_url))
    assert main(["--config", config, "survey", "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ajung-bot: f.xlsx: tidak bisa dibaca: {reason}")
    assert err.count("\n") == 1
