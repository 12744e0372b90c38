"""Reading options residents type, and the clock of a half-filled dialogue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from iku.dialogues import DraftClock, choose_option, normalise, whole_duration
from iku.skm import UNSUR_BY_KEY, parse_typed_age

SESUAI = list(UNSUR_BY_KEY["persyaratan"].options)  # Tidak sesuai .. Sangat sesuai
MENU = ["Laporkan gangguan", "Cek laporan saya", "Isi survei kepuasan", "ℹ️ Bantuan"]
GENDER = ["Laki-laki", "Perempuan", "⬅️ Kembali", "❌ Batal"]
DESA = ["Ajung", "Klompangan", "Mangaran", "Di luar Kecamatan Ajung"]
CATEGORIES = ["Perkelahian/tawuran", "Pedagang kaki lima (PKL) liar", "Parkir liar", "Perjudian"]
RATING = ["1 Tidak puas", "2 Kurang puas", "3 Puas", "4 Sangat puas"]
EDIT = ["Layanan", "1. Persyaratan", "2. Sistem, Mekanisme, dan Prosedur"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("✅ Kirim!", "kirim"),
        ("Laki-laki", "laki laki"),
        ("  SÉSUAI  ", "sesuai"),
        ("ℹ️ Bantuan", "bantuan"),
        ("⬅️ Kembali", "kembali"),
        ("Pelajar/Mahasiswa", "pelajar mahasiswa"),
        ("👍👍", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("typed", "labels", "expected"),
    [
        ("Sesuai", SESUAI, "Sesuai"),  # the whole label beats "Tidak sesuai" containing it
        ("sesuai.", SESUAI, "Sesuai"),
        ("sangat", SESUAI, "Sangat sesuai"),
        ("KURANG", SESUAI, "Kurang sesuai"),
        ("perempuan", GENDER, "Perempuan"),
        ("laki laki", GENDER, "Laki-laki"),
        ("laki", GENDER, "Laki-laki"),
        ("kembali", GENDER, "⬅️ Kembali"),
        ("batal", GENDER, "❌ Batal"),
        ("ajung", DESA, "Ajung"),  # not "Di luar Kecamatan Ajung"
        ("di luar", DESA, "Di luar Kecamatan Ajung"),
        ("mangaran", DESA, "Mangaran"),
        ("Parkir", CATEGORIES, "Parkir liar"),
        ("pkl", CATEGORIES, "Pedagang kaki lima (PKL) liar"),
        ("tawuran", CATEGORIES, "Perkelahian/tawuran"),
        ("Laporkan gangguan", MENU, "Laporkan gangguan"),
        ("isi survei", MENU, "Isi survei kepuasan"),
        ("survei", MENU, "Isi survei kepuasan"),
        ("bantuan", MENU, "ℹ️ Bantuan"),
        ("puas", RATING, "3 Puas"),
        ("sangat puas", RATING, "4 Sangat puas"),
        ("4", RATING, "4 Sangat puas"),
        ("1", SESUAI, "Tidak sesuai"),
        ("3", SESUAI, "Sesuai"),
        ("4.", SESUAI, "Sangat sesuai"),
        ("persyaratan", EDIT, "1. Persyaratan"),
        ("2", EDIT, "1. Persyaratan"),  # the button's place, not the number in its label
    ],
)
def test_an_option_typed_instead_of_tapped(typed: str, labels: list[str], expected: str) -> None:
    assert choose_option(typed, labels) == labels.index(expected)


@pytest.mark.parametrize(
    ("typed", "labels"),
    [
        ("p", CATEGORIES),  # three start with P
        ("s", ["SD", "SMP", "SMA"]),
        ("liar", CATEGORIES),  # two labels have the word
        ("5", SESUAI),  # only four buttons
        ("0", SESUAI),
        ("murah sekali", ["Mahal", "Cukup mahal", "Murah", "Gratis"]),
        ("halo pak", MENU),
        ("👍", MENU),
        ("", MENU),
    ],
)
def test_ambiguous_or_unknown_text_presses_nothing(typed: str, labels: list[str]) -> None:
    assert choose_option(typed, labels) is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("Lewati", 0), ("kembali", 1), ("lew", None), ("1", None), ("Sungai kering", None)],
)
def test_at_a_text_step_only_a_whole_label_is_a_press(typed: str, expected: int | None) -> None:
    assert choose_option(typed, ["Lewati", "⬅️ Kembali"], exact_only=True) == expected


@pytest.mark.parametrize(
    ("typed", "age"),
    [
        ("35", 35),
        ("35 tahun", 35),
        ("35 th", 35),
        ("35th.", 35),
        ("umur 35", 35),
        ("Umur saya 35 tahun", 35),
        ("usia: 61", 61),
        ("15", 15),
        ("tiga puluh", None),
        ("35,5", None),
        ("-20", None),
        ("35 tahun 2 bulan", None),
        ("３５", None),
        ("14 tahun", None),
        ("lahir 1990", None),
        ("35 😊", None),
    ],
)
def test_a_typed_age(typed: str, age: int | None) -> None:
    assert parse_typed_age(typed) == age


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(days=3), (3, "days")),
        (timedelta(days=2, hours=20), (2, "days")),
        (timedelta(hours=5, minutes=59), (5, "hours")),
        (timedelta(minutes=30), (30, "minutes")),
        (timedelta(seconds=10), (1, "minutes")),
    ],
)
def test_whole_duration(delta: timedelta, expected: tuple[int, str]) -> None:
    assert whole_duration(delta) == expected


START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("silence", "reminded", "due"),
    [
        (timedelta(hours=3, minutes=59), False, None),
        (timedelta(hours=4), False, "remind"),
        (timedelta(hours=30), True, None),
        (timedelta(days=3) - timedelta(seconds=1), True, None),
        (timedelta(days=3), True, "expire"),
        (timedelta(days=3), False, "expire"),  # never a reminder in the place of the end
    ],
)
def test_a_draft_is_reminded_once_then_discarded(
    silence: timedelta, reminded: bool, due: str | None
) -> None:
    clock = DraftClock(keep=timedelta(days=3), remind=timedelta(hours=4))
    assert clock.due(START, START + silence, reminded=reminded) == due


def test_a_clock_without_reminder_only_expires() -> None:
    clock = DraftClock(keep=timedelta(minutes=30))
    assert clock.due(START, START + timedelta(minutes=29), reminded=False) is None
    assert clock.due(START, START + timedelta(minutes=30), reminded=False) == "expire"
    assert clock.left(START, START + timedelta(minutes=40)) == timedelta(0)
