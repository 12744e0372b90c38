"""Paper-form checking and the respondent profile (iku.survey_forms), case by case."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import pytest

from iku.skm import UNSUR_KEYS
from iku.survey_forms import (
    COLUMNS,
    REQUIRED_COLUMNS,
    FileProblem,
    RowProblem,
    Share,
    age_group,
    check_rows,
    parse_month,
    parse_service_users,
    shares,
)

TODAY = datetime.date(2025, 2, 17)
SERVICES = ("KTP", "LEGAL")
GOOD = {
    "tanggal": "2025-02-17",
    "jam": "16:59",
    "layanan": "KTP",
    "jenis_kelamin": "P",
    "usia": "30",
    "pendidikan": "SMA",
    "pekerjaan": "PNS",
    **dict.fromkeys(UNSUR_KEYS, "3"),
    "saran": "",
}


def table(*rows: dict[str, object], header: Sequence[str] = COLUMNS) -> list[list[object]]:
    return [list(header), *([row.get(column) for column in header] for row in rows)]


def test_columns_are_the_unsur_keys_and_the_profile() -> None:
    assert COLUMNS == (
        "tanggal",
        "jam",
        "layanan",
        "jenis_kelamin",
        "usia",
        "pendidikan",
        "pekerjaan",
        "persyaratan",
        "prosedur",
        "waktu",
        "biaya",
        "produk",
        "kompetensi",
        "perilaku",
        "sarana",
        "pengaduan",
        "saran",
    )
    assert set(COLUMNS) - set(REQUIRED_COLUMNS) == {"jam", "saran"}


def test_a_good_row_becomes_a_form() -> None:
    check = check_rows(table(GOOD), SERVICES, TODAY)
    assert check.valid
    [form] = check.forms
    assert form.local_date == TODAY  # today itself is not in the future
    assert form.local_time == datetime.time(16, 59)
    assert form.answers.answers == dict.fromkeys(UNSUR_KEYS, 3)
    assert form.answers.saran is None
    assert len(form.import_key) == 64


def test_columns_in_any_order_and_case() -> None:
    header = [name.upper() for name in reversed(COLUMNS)]
    rows = [header, [GOOD[name.lower()] for name in header]]
    assert check_rows(rows, SERVICES, TODAY).valid


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("tanggal", "17-02-2025", "date"),
        ("tanggal", "2025-02-29", "date"),
        ("tanggal", "2025-02-18", "future_date"),
        ("tanggal", datetime.date(2026, 1, 1), "future_date"),
        ("jam", "24:00", "time"),
        ("jam", "8", "time"),
        ("layanan", "KK", "service"),
        ("jenis_kelamin", "W", "gender"),
        ("usia", "101", "age"),
        ("usia", 14, "age"),
        ("usia", 30.5, "age"),
        ("pendidikan", "SMK", "education"),
        ("pekerjaan", "Petani", "occupation"),
        ("waktu", "0", "answer"),
        ("waktu", 5, "answer"),
        ("waktu", "d", "answer"),
        ("waktu", 2.5, "answer"),
        ("waktu", True, "answer"),
        ("biaya", None, "required"),
        ("layanan", "  ", "required"),
        ("saran", "x" * 1001, "saran_too_long"),
        ("tanggal", "２０２５-０２-１７", "date"),
        ("tanggal", "٢٠٢٥-٠٢-١٧", "date"),
        ("tanggal", "20250217", "date"),
        ("tanggal", "2025W021", "date"),
        ("jam", "０８:３０", "time"),
        ("jam", "٨:٣٠", "time"),
        ("usia", "³0", "age"),
        ("usia", "٣٠", "age"),
        ("usia", float("inf"), "age"),
        ("waktu", "²", "answer"),
        ("waktu", float("nan"), "answer"),
    ],
    ids=lambda value: str(value)[:20],
)
def test_each_bad_cell_is_named_by_row_and_column(column: str, value: object, code: str) -> None:
    check = check_rows(table(GOOD, {**GOOD, column: value}), SERVICES, TODAY)
    assert check.forms != () and not check.valid
    [problem] = check.row_problems
    assert (problem.row, problem.column, problem.code) == (3, column, code)
    assert check.bad_rows == 1


@pytest.mark.parametrize(
    ("column", "value", "stored"),
    [
        ("tanggal", datetime.datetime(2025, 1, 5, 0, 0), datetime.date(2025, 1, 5)),
        ("jam", datetime.time(8, 30, 45), datetime.time(8, 30)),
        ("jam", "08.30", datetime.time(8, 30)),
        ("jam", "", None),
        ("usia", 45.0, 45),
        ("waktu", 4.0, 4),
        ("waktu", " 2 ", 2),
        ("layanan", "legal", "LEGAL"),
        ("jenis_kelamin", "laki-laki", "L"),
        ("pendidikan", "S1", "D4/S1"),
        ("pekerjaan", "mahasiswa", "PELAJAR"),
        ("saran", "  Ruang tunggu panas  ", "Ruang tunggu panas"),
        ("saran", "\x1b[31mRuang\x1b[0m tunggu\x00 panas\x07", "Ruang tunggu panas"),
        ("saran", "Antre\r\nlama\tsekali", "Antre\nlama sekali"),
    ],
    ids=lambda value: str(value),
)
def test_spreadsheet_values_are_read_kindly(column: str, value: object, stored: object) -> None:
    [form] = check_rows(table({**GOOD, column: value}), SERVICES, TODAY).forms
    read = {
        "tanggal": form.local_date,
        "jam": form.local_time,
        "usia": form.answers.age,
        "waktu": form.answers.answers["waktu"],
        "layanan": form.answers.service,
        "jenis_kelamin": form.answers.gender,
        "pendidikan": form.answers.education,
        "pekerjaan": form.answers.occupation,
        "saran": form.answers.saran,
    }
    assert read[column] == stored


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([], FileProblem("empty")),
        ([[None, ""]], FileProblem("empty")),
        ([list(COLUMNS)], FileProblem("no_rows")),
        ([list(COLUMNS), [None] * len(COLUMNS), [""]], FileProblem("no_rows")),
        ([list(REQUIRED_COLUMNS[1:])], FileProblem("missing_columns", ("tanggal",))),
        ([[*COLUMNS, "nama"]], FileProblem("unknown_columns", ("nama",))),
        ([[*COLUMNS, "Usia "]], FileProblem("duplicate_columns", ("usia",))),
    ],
    ids=["nothing", "blank-header", "header-only", "blank-rows", "missing", "unknown", "twice"],
)
def test_file_problems(rows: list[list[object]], problem: FileProblem) -> None:
    check = check_rows(rows, SERVICES, TODAY)
    assert check.file_problem == problem
    assert check.forms == ()


def test_nameless_empty_columns_and_blank_rows_are_ignored() -> None:
    rows = table(GOOD, {}, GOOD)
    rows[0].append(None)
    for row in rows[1:]:
        row.append(None)
    check = check_rows(rows, SERVICES, TODAY)
    assert check.valid and len(check.forms) == 2


def test_all_problems_of_a_row_are_reported_in_column_order() -> None:
    bad = {**GOOD, "usia": "x", "pengaduan": "9", "tanggal": "kemarin"}
    check = check_rows(table(bad), SERVICES, TODAY)
    assert check.row_problems == (
        RowProblem(2, "tanggal", "date", "kemarin"),
        RowProblem(2, "usia", "age", "x"),
        RowProblem(2, "pengaduan", "answer", "9"),
    )


def test_import_keys_follow_content_and_repetition_not_position() -> None:
    other = {**GOOD, "usia": "31"}
    first = check_rows(table(GOOD, other, GOOD), SERVICES, TODAY).forms
    again = check_rows(table(other, GOOD, GOOD), SERVICES, TODAY).forms
    keys = [form.import_key for form in first]
    assert len(set(keys)) == 3  # two identical rows still count twice
    assert sorted(keys) == sorted(form.import_key for form in again)
    # Spelling differences that mean the same form give the same key.
    respelled = {**GOOD, "layanan": "ktp", "jenis_kelamin": "Perempuan", "jam": "16.59"}
    [same] = check_rows(table(respelled), SERVICES, TODAY).forms
    assert same.import_key == first[0].import_key


def test_shares_of_the_profile() -> None:
    result = shares({"P": 2, "L": 1}, ["L", "P"], 3)
    assert result == (Share("L", 1, 100 / 3), Share("P", 2, 200 / 3))
    assert shares({}, ["L", "P"], 0) == (Share("L", 0, None), Share("P", 0, None))
    assert shares({"X": 1}, ["L"], 1) == (Share("L", 0, 0.0), Share("X", 1, 100.0))


@pytest.mark.parametrize(
    ("age", "group"),
    [(15, "15-24"), (24, "15-24"), (25, "25-34"), (64, "55-64"), (65, "65-100"), (100, "65-100")],
)
def test_age_groups(age: int, group: str) -> None:
    assert age_group(age) == group


def test_age_outside_every_group() -> None:
    with pytest.raises(ValueError, match="14"):
        age_group(14)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2025-01", datetime.date(2025, 1, 1)),
        (" 2025-12 ", datetime.date(2025, 12, 1)),
        ("2025-13", None),
        ("2025-00", None),
        ("2025-1", None),
        ("Januari 2025", None),
        ("２０２５-０１", None),
        ("٢٠٢٥-٠١", None),
    ],
)
def test_parse_month(text: str, month: datetime.date | None) -> None:
    assert parse_month(text) == month


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("250", 250),
        ("1.200", 1200),
        ("10000000", 10_000_000),
        ("10000001", None),
        ("0", None),
        ("-3", None),
        ("12,5", None),
        ("dua", None),
        ("1..2", None),
        ("1.2", None),
        ("12.34.567", None),
        (".250", None),
        ("250.", None),
        ("1.234.567", 1_234_567),
        ("１２", None),
        ("²", None),
    ],
)
def test_parse_service_users(text: str, count: int | None) -> None:
    assert parse_service_users(text) == count
