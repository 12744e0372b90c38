"""Residents (and officials) type instead of tapping: a button's label or number, a menu entry, a
bare tracking code. Each is handled as the tap or the command it stands for, in every dialogue."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.driver import Person
from db.indicators import ActivityInput, ProgramInput, upsert_activities, upsert_programs
from db.models import Complaint, ComplaintRating, EmpowermentActivity, ProgramIndicator
from handlers.context import services_of
from tests.factories import PMKS_ID, SEKCAM_ID, TRANTIB_ID, BotHarness, file_complaint, move

EMERGENCY = (
    "⚠️ Darurat (kejahatan sedang terjadi, kebakaran, kecelakaan)? "
    "Segera hubungi 112 atau polisi 110."
)
ASK_CATEGORY = "Gangguan apa yang ingin Bapak/Ibu laporkan?"
CHOOSE_SERVICE_END = "Layanan apa yang Bapak/Ibu terima?"
UNKNOWN = "Maaf, kami belum mengerti pesan itu. Silakan pilih dari menu."
NOT_FOUND = (
    "Laporan dengan kode itu tidak ditemukan. Periksa lagi kodenya, misalnya /status {code}."
)


# ---------------------------------------------------------------------------- outside dialogues


@pytest.mark.parametrize(
    ("typed", "starts"),
    [
        ("Laporkan gangguan", f"{EMERGENCY}\n\n{ASK_CATEGORY}"),
        ("laporkan", f"{EMERGENCY}\n\n{ASK_CATEGORY}"),
        ("1", f"{EMERGENCY}\n\n{ASK_CATEGORY}"),
        ("isi survei", "Survei Kepuasan Masyarakat Kecamatan Ajung"),
        ("Survei", "Survei Kepuasan Masyarakat Kecamatan Ajung"),
        ("bantuan", "Layanan chat Kecamatan Ajung:"),
        ("cek laporan", "Bapak/Ibu belum punya laporan."),
    ],
)
async def test_the_main_menu_understands_its_labels_typed(
    bot: BotHarness, typed: str, starts: str
) -> None:
    siti = bot.person()
    await siti.send("/start")
    [answer] = await siti.send(typed)
    assert answer["text"].startswith(starts)
    assert not [call for call in bot.api.calls if call.method == "answerCallbackQuery"]


async def test_a_report_opened_by_typing_goes_on_by_typing(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("Laporkan gangguan")
    [desa] = await siti.send("Parkir")
    assert desa["text"] == "Di desa mana kejadiannya?"
    [place] = await siti.send("ajung")
    assert place["text"].startswith("Di mana tepatnya?")
    await siti.send("depan pasar")
    [description] = await siti.send("lanjut")  # the whole label of "Lanjut ➡️"
    assert description["text"].startswith("Ceritakan apa yang terjadi")
    await siti.send("Banyak motor parkir di trotoar setiap sore.")
    await siti.send("lewati")
    [summary] = await siti.send("biasa")
    assert summary["text"].startswith("Periksa laporan sebelum dikirim:")
    assert "Jenis: Parkir liar" in summary["text"] and "Desa: Ajung" in summary["text"]
    [saved] = await siti.send("kirim")
    assert saved["text"].startswith("Laporan Bapak/Ibu tercatat dengan kode TRB-2025-0001.")
    async with services_of(bot.application).database.sessions() as session:
        row = await session.scalar(select(Complaint))
    assert row is not None
    assert (row.category, row.desa, row.place) == ("Parkir liar", "Ajung", "depan pasar")


async def test_unknown_text_outside_a_dialogue_still_gets_the_menu(bot: BotHarness) -> None:
    siti = bot.person()
    for text in ("halo pak", "laporan saya kemarin bagaimana"):
        [reply] = await siti.send(text)
        assert reply["text"] == UNKNOWN
        assert "Laporkan gangguan" in siti.buttons(reply)


@pytest.mark.parametrize("typed", ["TRB-2025-0001", "trb-2025-0001", " trb-2025-1 "])
async def test_a_bare_tracking_code_is_answered_as_status(bot: BotHarness, typed: str) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    typed_answer = [m["text"] for m in await siti.send(typed)]
    assert typed_answer[0].startswith(f"Laporan {code}\nJenis: Parkir liar\nDesa: Ajung")
    assert typed_answer == [m["text"] for m in await siti.send(f"/status {code}")]


async def test_a_bare_code_of_somebody_else_is_not_found_with_this_years_example(
    bot: BotHarness,
) -> None:
    await file_complaint(bot.person())
    bot.clock.now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    [reply] = await bot.person(777).send("TRB-2025-0001")
    assert reply["text"] == NOT_FOUND.format(code="TRB-2026-0001")


async def test_a_bare_code_in_the_trantib_group_is_not_a_residents_question(
    bot: BotHarness,
) -> None:
    code = await file_complaint(bot.person())
    assert await bot.official().send(code) == []


# ---------------------------------------------------------------------------- officials' dialogues


async def test_catat_by_typing(bot: BotHarness) -> None:
    official = bot.official(TRANTIB_ID, in_group=False)
    await official.send("/catat")
    await official.send("perjudian")
    await official.send("mangaran")
    await official.send("balai desa")
    await official.send("Lanjut")
    await official.send("Warga melapor ada judi kartu di pos ronda.")
    await official.send("telepon")
    [summary] = await official.send("hari ini")
    assert "Masuk lewat: Telepon" in summary["text"]
    assert "Diterima: 17 Februari 2025" in summary["text"]
    assert "Jenis: Perjudian" in summary["text"] and "Desa: Mangaran" in summary["text"]
    [saved] = await official.send("1")  # "✅ Kirim", the first button
    assert saved["text"].startswith("Laporan tercatat dengan kode TRB-2025-0001")


@pytest.fixture
async def plans(bot: BotHarness) -> BotHarness:
    async with services_of(bot.application).database.transaction() as session:
        await upsert_programs(
            session,
            [ProgramInput(2025, "P1", "Rapat koordinasi", "Koordinasi", 12, "kali")],
            actor="test",
            now=bot.clock(),
        )
        await upsert_activities(
            session, [ActivityInput(2025, "Pelatihan UMKM", 2)], actor="test", now=bot.clock()
        )
    return bot


async def test_program_by_typing(plans: BotHarness) -> None:
    sekcam = plans.person(SEKCAM_ID, first_name="Sekcam")
    await sekcam.send("/program")
    [card] = await sekcam.send("p1")
    assert card["text"].startswith("P1 · Rapat koordinasi")
    [ask] = await sekcam.send("isi realisasi")
    assert ask["text"] == "Ketik angka realisasinya, misalnya 12 atau 87,5."
    [saved] = await sekcam.send("12")
    assert saved["text"].startswith("Tersimpan. Terima kasih.")
    async with services_of(plans.application).database.sessions() as session:
        program = await session.scalar(select(ProgramIndicator))
    assert program is not None and program.realization == 12


async def test_kegiatan_by_typing(plans: BotHarness) -> None:
    pmks = plans.person(PMKS_ID)
    await pmks.send("/kegiatan")
    [ask_date] = await pmks.send("1")
    assert ask_date["text"].startswith('Kapan "Pelatihan UMKM" dilaksanakan?')
    [participants] = await pmks.send("Hari ini")  # a text step: only the whole label presses
    assert participants["text"] == "Berapa jumlah peserta? Ketik angkanya saja."
    await pmks.send("30")
    [saved] = await pmks.send("lewati")
    assert saved["text"].startswith('Tercatat: "Pelatihan UMKM" difasilitasi pada 17 Februari 2025')
    async with services_of(plans.application).database.sessions() as session:
        activity = await session.scalar(select(EmpowermentActivity))
    assert activity is not None and activity.note in ("", None)


async def resolved(bot: BotHarness) -> tuple[str, Person]:
    siti = bot.person()
    code = await file_complaint(siti)
    group = bot.official()
    for button, note in (
        ("✔️ Verifikasi", "cek lokasi"),
        ("▶️ Proses", "proses penertiban"),
        ("✅ Selesai", "sudah ditertibkan"),
    ):
        await move(group, code, button, note)
    return code, siti


# ---------------------------------------------------------------------------- the rating


async def test_lewati_typed_at_the_rating_comment_is_the_button(bot: BotHarness) -> None:
    _, siti = await resolved(bot)
    await siti.tap("4 Sangat puas")
    [skipped] = await siti.send("Lewati")
    assert skipped["text"] == "Terima kasih atas penilaiannya."
    async with services_of(bot.application).database.sessions() as session:
        rating = await session.scalar(select(ComplaintRating))
    assert rating is not None and (rating.score, rating.comment) == (4, None)


@pytest.mark.parametrize(
    ("typed", "score"), [("4", 4), ("Sangat puas", 4), ("puas", 3), ("kurang", 2), ("1", 1)]
)
async def test_a_rating_typed_after_the_news(bot: BotHarness, typed: str, score: int) -> None:
    code, siti = await resolved(bot)
    [given] = await siti.send(typed)
    assert given["text"].startswith(f"Penilaian Bapak/Ibu untuk {code}: ")
    async with services_of(bot.application).database.sessions() as session:
        rating = await session.scalar(select(ComplaintRating))
    assert rating is not None and rating.score == score
    await siti.send("lewati")
    # Rated: the same words are now the menu's.
    [menu] = await siti.send("1")
    assert menu["text"].startswith(EMERGENCY)


# ---------------------------------------------------------------------------- /start mid-way

RESUMED = (
    "Isian Bapak/Ibu masih berjalan dan jawaban yang sudah diisi tetap tersimpan. "
    "Kita lanjutkan dari pertanyaan terakhir (untuk berhenti, ketik /batal):"
)


async def test_start_in_the_report_form_shows_the_question_again(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/lapor")
    [desa] = await siti.tap("Parkir liar")
    [again] = await siti.send("/start")
    assert again["text"] == f"{RESUMED}\n\nDi desa mana kejadiannya?"
    assert siti.buttons(again) == siti.buttons(desa)
    [place] = await siti.send("ajung")
    [again] = await siti.send("/start")
    assert again["text"] == f"{RESUMED}\n\n{place['text']}"
    assert siti.reply_keyboard() == ["📍 Kirim lokasi"]
    await siti.send_location(-8.2, 113.6)
    [description] = await siti.tap("Lanjut ➡️")
    assert description["text"].startswith("Ceritakan apa yang terjadi")
