"""Officials record IKU 1 realizations and IKU 3 facilitations in the bot."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from db.engine import Database
from db.indicators import ActivityInput, ProgramInput, upsert_activities, upsert_programs
from db.models import EmpowermentActivity, EntryAudit, ProgramIndicator
from tests.factories import CAMAT_ID, PMKS_ID, RESIDENT_ID, SEKCAM_ID, TRANTIB_ID, BotHarness


@pytest.fixture
async def plans(bot: BotHarness) -> BotHarness:
    """The 2025 plan (the harness clock stands on Monday 17 February 2025)."""
    database: Database = bot.application.bot_data["services"].database
    async with database.transaction() as session:
        await upsert_programs(
            session,
            [
                ProgramInput(2025, "P1", "Rapat koordinasi", "Koordinasi", 12, "kali"),
                ProgramInput(2025, "P2", "Hari penyelesaian surat", "Pelayanan", 3, "hari", False),
            ],
            actor="test",
            now=bot.clock(),
        )
        await upsert_activities(
            session,
            [ActivityInput(2025, "Pelatihan UMKM", 2), ActivityInput(2025, "Posyandu remaja", 3)],
            actor="test",
            now=bot.clock(),
        )
    return bot


async def test_sekcam_records_a_realization_that_reaches_the_target(plans: BotHarness) -> None:
    sekcam = plans.person(SEKCAM_ID, first_name="Sekcam")
    [listing] = await sekcam.send("/program")
    assert listing["text"] == "Indikator program tahun 2025. Pilih yang akan diisi (✅ = tercapai):"
    assert sekcam.buttons() == ["▫️ P1 · Rapat koordinasi", "▫️ P2 · Hari penyelesaian surat"]
    [card] = await sekcam.tap("▫️ P1 · Rapat koordinasi")
    assert card["text"] == (
        "P1 · Rapat koordinasi\nTarget: 12,00 kali\nRealisasi: belum diisi\n"
        "Status: belum tercapai (menurut target)"
    )
    await sekcam.tap("Isi realisasi")
    [hint] = await sekcam.send("dua belas")
    assert hint["text"] == "Mohon ketik angka saja, misalnya 12 atau 87,5."
    [saved] = await sekcam.send("12,0")
    assert saved["text"].startswith("Tersimpan. Terima kasih.\n\nP1 · Rapat koordinasi")
    assert "Status: tercapai (menurut target)" in saved["text"]

    camat = plans.person(CAMAT_ID, first_name="Camat")
    [report] = await camat.send("/iku 2025")
    assert "1. Indikator program tercapai: 1 dari 2 indikator, 50,00%" in report["text"]


async def test_explicit_decision_needs_a_note_and_is_audited(plans: BotHarness) -> None:
    camat = plans.person(CAMAT_ID, first_name="Camat")
    await camat.send("/program")
    await camat.tap("▫️ P2 · Hari penyelesaian surat")
    await camat.tap("Tetapkan tercapai")
    [short] = await camat.send("ok")
    assert short["text"] == "Catatan perlu 3 sampai 500 huruf. Silakan ketik lagi."
    [saved] = await camat.send("Dinilai tercapai oleh inspektorat")
    assert "Status: tercapai (ditetapkan petugas)" in saved["text"]
    database: Database = plans.application.bot_data["services"].database
    async with database.sessions() as session:
        audit = (
            await session.scalars(select(EntryAudit).where(EntryAudit.action == "decision"))
        ).one()
    assert audit.actor == f"telegram:{CAMAT_ID}"
    assert audit.details["note"] == "Dinilai tercapai oleh inspektorat"


@pytest.mark.parametrize(
    "user_id", [RESIDENT_ID, TRANTIB_ID, PMKS_ID], ids=["resident", "trantib", "pmks"]
)
async def test_only_sekcam_and_camat_may_fill_indicators(plans: BotHarness, user_id: int) -> None:
    [refusal] = await plans.person(user_id).send("/program")
    assert refusal["text"] == "Maaf, perintah ini hanya untuk petugas kecamatan yang berwenang."


async def test_pmks_marks_an_activity_facilitated(plans: BotHarness) -> None:
    pmks = plans.person(PMKS_ID, first_name="PMKS")
    await pmks.send("/kegiatan")
    assert pmks.buttons() == ["Feb · Pelatihan UMKM", "Mar · Posyandu remaja"]
    [ask_date] = await pmks.tap("Feb · Pelatihan UMKM")
    assert ask_date["text"].startswith('Kapan "Pelatihan UMKM" dilaksanakan?')
    [future] = await pmks.send("01-03-2025")
    assert future["text"].startswith("Tanggal belum benar.")
    await pmks.send("10-02-2025")
    [bad] = await pmks.send("tiga puluh")
    assert bad["text"] == "Mohon ketik jumlah peserta dengan angka, misalnya 30."
    await pmks.send("30")
    [done] = await pmks.tap("Lewati")
    assert done["text"] == (
        'Tercatat: "Pelatihan UMKM" difasilitasi pada 10 Februari 2025 dengan 30 peserta. '
        "Terima kasih."
    )
    [report] = await plans.person(CAMAT_ID).send("/iku")
    assert "3. Kegiatan pemberdayaan terfasilitasi: 1 dari 2 kegiatan, 50,00%" in report["text"]
    await pmks.send("/kegiatan")
    assert pmks.buttons() == ["Mar · Posyandu remaja"]


async def test_activity_dialogue_resumes_after_a_crash(plans: BotHarness) -> None:
    pmks = plans.person(PMKS_ID)
    await pmks.send("/kegiatan")
    await pmks.tap("Feb · Pelatihan UMKM")
    await pmks.tap("Hari ini")
    await plans.restart_after_crash()
    pmks = plans.person(PMKS_ID)
    await pmks.send("25")
    [done] = await pmks.send("Di balai desa")
    assert done["text"].startswith('Tercatat: "Pelatihan UMKM" difasilitasi pada 17 Februari 2025')


async def test_data_entry_is_private_and_iku_needs_a_role(plans: BotHarness) -> None:
    [group] = await plans.person(
        SEKCAM_ID, chat_id=-100555, chat_type="supergroup", chat_title="Staf"
    ).send("/program")
    assert group["text"] == (
        "Layanan ini hanya bisa dipakai di chat pribadi dengan bot. Silakan buka @ajung_bot."
    )
    [resident] = await plans.person().send("/iku")
    assert resident["text"] == "Maaf, perintah ini hanya untuk petugas kecamatan yang berwenang."
    [bad] = await plans.person(CAMAT_ID).send("/iku kemarin")
    assert bad["text"].startswith("Periode tidak dikenal.")


async def test_empty_plan_says_what_to_do(bot: BotHarness) -> None:
    [reply] = await bot.person(SEKCAM_ID).send("/program")
    assert reply["text"].startswith("Belum ada indikator program untuk tahun 2025.")
    assert date(2025, 2, 17) == bot.clock().date()


async def test_typed_notes_lose_their_control_characters(plans: BotHarness) -> None:
    sekcam = plans.person(SEKCAM_ID, first_name="Sekcam")
    await sekcam.send("/program")
    await sekcam.tap("▫️ P1 · Rapat koordinasi")
    await sekcam.tap("Tetapkan tercapai")
    await sekcam.send("\x1b[31mSudah\x00 dirapatkan\x1b[0m")
    pmks = plans.person(PMKS_ID)
    await pmks.send("/kegiatan")
    await pmks.tap("Feb · Pelatihan UMKM")
    await pmks.tap("Hari ini")
    [refused] = await pmks.send("²5")  # "²".isdigit() is true; int() refused it: a traceback
    assert refused["text"] == "Mohon ketik jumlah peserta dengan angka, misalnya 30."
    await pmks.send("25")
    await pmks.send("Di balai\x00 desa\x1b[0m")
    database: Database = plans.application.bot_data["services"].database
    async with database.sessions() as session:
        program = await session.scalar(
            select(ProgramIndicator).where(ProgramIndicator.code == "P1")
        )
        activity = await session.scalar(
            select(EmpowermentActivity).where(EmpowermentActivity.name == "Pelatihan UMKM")
        )
    assert program is not None and program.explicit_note == "Sudah dirapatkan"
    assert activity is not None and activity.note == "Di balai desa"
