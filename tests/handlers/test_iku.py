"""``/iku``: period buttons, periods in words or codes, and a hint with this year's examples."""

from __future__ import annotations

import pytest

from bot.driver import Person
from bot.offline import JSONDict
from tests.factories import CAMAT_ID, PMKS_ID, TRANTIB_GROUP, BotHarness, file_complaint

CHOOSE = (
    "Angka IKU untuk periode mana?\n"
    "Minggu ini = Senin 17 Februari 2025 sampai hari ini, 19 Februari 2025.\n"
    "Bisa juga diketik, misalnya /iku bulan lalu, /iku 2025-Q1, /iku 2025-W08."
)
PERIOD_BUTTONS = ["Minggu ini", "Minggu lalu", "Bulan ini", "Tahun ini"]


def period_line(report: JSONDict) -> str:
    [line] = [line for line in report["text"].splitlines() if line.startswith("Periode: ")]
    return line


def iku4_line(report: JSONDict) -> str:
    [line] = [line for line in report["text"].splitlines() if line.startswith("4. ")]
    return line


async def a_week_of_complaints(bot: BotHarness) -> None:
    """One complaint in the week of 10 February and one this week; now Wednesday 19 February.

    The harness starts on Monday 17 February 2025, 09:00 WIB.
    """
    bot.clock.advance(days=-5)
    await file_complaint(bot.person(5550010, first_name="Ani"))
    bot.clock.advance(days=6)
    await file_complaint(bot.person(5550011, first_name="Budi"))
    bot.clock.advance(days=1)


@pytest.mark.parametrize(
    ("button", "period", "received"),
    [
        ("Minggu ini", "17 Februari 2025 s.d. 19 Februari 2025", 1),
        ("Minggu lalu", "10 Februari 2025 s.d. 16 Februari 2025", 1),
        ("Bulan ini", "1 Februari 2025 s.d. 19 Februari 2025", 2),
        ("Tahun ini", "1 Januari 2025 s.d. 19 Februari 2025", 2),
    ],
)
async def test_iku_without_a_period_offers_period_buttons(
    bot: BotHarness, button: str, period: str, received: int
) -> None:
    await a_week_of_complaints(bot)
    camat = bot.person(CAMAT_ID, first_name="Camat")
    [choose] = await camat.send("/iku")
    assert choose["text"] == CHOOSE
    assert camat.buttons(choose) == PERIOD_BUTTONS
    [report] = await camat.tap(button, message=choose)
    assert report["text"].startswith("Laporan IKU Kecamatan Ajung\n")
    assert period_line(report) == f"Periode: {period}"
    assert iku4_line(report) == (
        f"4. Laporan trantib terselesaikan: 0 dari {received} laporan, 0,00%"
    )
    # The buttons stay: another period is one more press.
    [again] = await camat.tap("Minggu lalu", message=choose)
    assert period_line(again) == "Periode: 10 Februari 2025 s.d. 16 Februari 2025"


@pytest.mark.parametrize(
    ("typed", "period"),
    [
        ("minggu ini", "17 Februari 2025 s.d. 19 Februari 2025"),
        ("Minggu Lalu", "10 Februari 2025 s.d. 16 Februari 2025"),
        ("bulan lalu", "1 Januari 2025 s.d. 31 Januari 2025"),
        ("tahun lalu", "1 Januari 2024 s.d. 31 Desember 2024"),
        ("triwulan ini", "1 Januari 2025 s.d. 19 Februari 2025"),
        ("last month", "1 Januari 2025 s.d. 31 Januari 2025"),
        ("2025-W07", "10 Februari 2025 s.d. 16 Februari 2025"),
        ("2025-02", "1 Februari 2025 s.d. 28 Februari 2025"),
        ("2025-Q1", "1 Januari 2025 s.d. 31 Maret 2025"),
        ("2025", "1 Januari 2025 s.d. 31 Desember 2025"),
    ],
)
async def test_iku_reads_words_and_codes(bot: BotHarness, typed: str, period: str) -> None:
    bot.clock.advance(days=2)
    [report] = await bot.person(PMKS_ID).send(f"/iku {typed}")
    assert period_line(report) == f"Periode: {period}"


async def test_an_unknown_period_gets_examples_of_this_year(bot: BotHarness) -> None:
    bot.clock.advance(days=365 + 2)  # Thursday 19 February 2026
    [hint] = await bot.person(CAMAT_ID).send("/iku kemarin dulu")
    assert hint["text"] == (
        "Periode tidak dikenal. Contoh: /iku minggu ini, /iku bulan lalu, /iku tahun lalu, "
        "/iku 2026, /iku 2026-Q1, /iku 2026-02, /iku 2026-W08."
    )


async def test_iku_in_english(bot: BotHarness) -> None:
    bot.clock.advance(days=2)
    camat = bot.person(CAMAT_ID)
    await camat.send("/bahasa en")
    [choose] = await camat.send("/iku")
    assert choose["text"] == (
        "IKU figures for which period?\n"
        "This week = Monday 17 February 2025 up to today, 19 February 2025.\n"
        "You can also type it, e.g. /iku last month, /iku 2025-Q1, /iku 2025-W08."
    )
    assert camat.buttons(choose) == ["This week", "Last week", "This month", "This year"]
    [bad] = await camat.send("/iku yesterday")
    assert bad["text"] == (
        "Unknown period. Examples: /iku this week, /iku last month, /iku last year, "
        "/iku 2025, /iku 2025-Q1, /iku 2025-02, /iku 2025-W08."
    )


async def test_a_period_button_is_for_officials_only(bot: BotHarness) -> None:
    camat = bot.person(CAMAT_ID)
    [choose] = await camat.send("/iku")
    resident = bot.person()
    assert await resident.tap_data("iku:this_week", message=choose) == []
    answers = [c.params for c in bot.api.calls if c.method == "answerCallbackQuery"]
    assert answers[-1]["text"] == (
        "Maaf, perintah ini hanya untuk petugas kecamatan yang berwenang."
    )
    assert resident.inbox() == []


async def test_period_buttons_work_in_a_group_too(bot: BotHarness) -> None:
    """Like /iku itself: the figures are the office's, not a resident's."""
    group = Person(
        bot.application, bot.api, user_id=CAMAT_ID, first_name="Camat",
        chat_id=TRANTIB_GROUP, chat_type="supergroup", chat_title="Trantib Ajung",
    )  # fmt: skip
    [choose] = await group.send("/iku")
    [report] = await group.tap("Tahun ini", message=choose)
    assert period_line(report) == "Periode: 1 Januari 2025 s.d. 17 Februari 2025"


@pytest.mark.parametrize("data", ["iku:next_week", "iku:", "iku:this_week:1", "iku:2025"])
async def test_forged_period_buttons_do_nothing(bot: BotHarness, data: str) -> None:
    camat = bot.person(CAMAT_ID)
    [choose] = await camat.send("/iku")
    shown = await camat.tap_data(data, message=choose)
    assert [m["text"] for m in shown] == ["Silakan pilih layanan di bawah ini, Bapak/Ibu."]
