"""The first dialogue a person meets: greeting, menu, help, language, ids, and polite fallbacks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import jobs
from bot.driver import Person
from bot.persistence import DatabasePersistence
from db.indicators import ActivityInput, ProgramInput, upsert_activities, upsert_programs
from db.models import ConversationState, Resident
from handlers.context import services_of
from tests.factories import (
    PMKS_ID,
    RESIDENT_ID,
    SEKCAM_ID,
    TRANTIB_GROUP,
    TRANTIB_ID,
    BotHarness,
    card_of,
    file_complaint,
    make_config,
    move,
)

STALE = "Tombol ini sudah tidak berlaku. Silakan pilih dari menu terbaru."
APOLOGY = (
    "Maaf, sedang ada gangguan. Silakan coba lagi sebentar lagi. Isian Bapak/Ibu tidak hilang."
)


def last_answer(bot: BotHarness) -> str | None:
    answers = [call for call in bot.api.calls if call.method == "answerCallbackQuery"]
    return answers[-1].params.get("text") if answers else None


async def test_start_greets_in_indonesian_with_the_menu(bot: BotHarness) -> None:
    siti = bot.person()
    [reply] = await siti.send("/start")
    assert reply["text"].startswith(
        "Selamat datang di layanan chat Kecamatan Ajung, Kabupaten Jember."
    )
    assert siti.buttons(reply) == [
        "Laporkan gangguan",
        "Cek laporan saya",
        "Isi survei kepuasan",
        "ℹ️ Bantuan",
        "🌐 Bahasa / Language",
    ]


async def test_help_from_command_and_from_menu(bot: BotHarness) -> None:
    siti = bot.person()
    [by_command] = await siti.send("/bantuan")
    assert "112" in by_command["text"] and "/batal" in by_command["text"]
    await siti.send("/start")
    [by_button] = await siti.tap("ℹ️ Bantuan")
    assert by_button["text"] == by_command["text"]
    [english] = await siti.send("/help")
    assert english["text"] == by_command["text"]


async def test_language_switch_is_remembered_across_a_crash(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/bahasa")
    assert siti.buttons() == ["Bahasa Indonesia", "English"]
    [changed] = await siti.tap("English")
    assert changed["text"] == "Language changed to English."
    assert siti.buttons(changed) == [
        "Report a disturbance",
        "My reports",
        "Satisfaction survey",
        "ℹ️ Help",
        "🌐 Bahasa / Language",
    ]

    # Saved with the choice itself, not at the next background save: a crash keeps it too.
    await bot.restart_after_crash()
    [reply] = await bot.person().send("/start")
    assert reply["text"].startswith("Welcome to the chat service of Kecamatan Ajung")

    [back] = await bot.person().send("/bahasa id")
    assert back["text"] == "Bahasa diganti ke Bahasa Indonesia."
    async with bot.application.bot_data["services"].database.sessions() as session:
        resident = await session.scalar(select(Resident))
    assert resident is not None and resident.language == "id"


async def test_id_tells_user_and_group_ids(bot: BotHarness) -> None:
    [private] = await bot.person(4242).send("/id")
    assert private["text"] == "ID Telegram Bapak/Ibu: 4242"
    [group] = await bot.official(TRANTIB_ID).send("/id")
    assert group["text"] == f"ID Telegram Bapak/Ibu: {TRANTIB_ID}\nID grup ini: {TRANTIB_GROUP}"


async def test_unknown_text_gets_a_hint_and_the_menu_never_silence(bot: BotHarness) -> None:
    siti = bot.person()
    for action in (
        siti.send("halo pak"),
        siti.send("/entahlah"),
        siti.send_sticker(),
        siti.send_voice(),
    ):
        [reply] = await action
        assert reply["text"] == "Maaf, kami belum mengerti pesan itu. Silakan pilih dari menu."
        assert "ℹ️ Bantuan" in siti.buttons(reply)


async def test_group_chatter_is_not_answered(bot: BotHarness) -> None:
    assert await bot.official().send("rapat jam 9 ya") == []


async def test_old_or_forged_button_is_answered_politely(bot: BotHarness) -> None:
    siti = bot.person()
    [menu] = await siti.send("/start")
    [reply] = await siti.tap_data("x" * 40, message=menu)
    answers = [call for call in bot.api.calls if call.method == "answerCallbackQuery"]
    assert (
        answers[-1].params["text"]
        == "Tombol ini sudah tidak berlaku. Silakan pilih dari menu terbaru."
    )
    assert reply["text"] == "Silakan pilih layanan di bawah ini, Bapak/Ibu."


async def test_cancel_with_nothing_in_progress(bot: BotHarness) -> None:
    [reply] = await bot.person().send("/batal")
    assert reply["text"] == "Tidak ada isian yang sedang berjalan."


async def test_a_failing_handler_apologises_without_leaking_details(bot: BotHarness) -> None:
    siti = bot.person()
    bot.api.fail_next("sendMessage", status=500, description="Internal Server Error")
    replies = await siti.send("/start")
    assert [reply["text"] for reply in replies] == [
        "Maaf, sedang ada gangguan. Silakan coba lagi sebentar lagi. Isian Bapak/Ibu tidak hilang."
    ]


async def test_residents_are_recorded_and_blocking_is_remembered(bot: BotHarness) -> None:
    siti = bot.person(777, first_name="Siti", last_name="Aminah")
    await siti.send("/start")
    bot.api.block(777)
    await siti.send("/start")
    async with bot.application.bot_data["services"].database.sessions() as session:
        resident = await session.scalar(select(Resident).where(Resident.external_id == "777"))
    assert resident is not None
    assert resident.display_name == "Siti Aminah"
    assert resident.blocked is True


async def test_a_first_message_records_the_person_in_the_commit_of_its_step(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Who wrote rides with the dialogue step the message starts: one transaction, not two
    (each waits its turn at SQLite's single writer while the resident waits)."""
    database = services_of(bot.application).database
    opened = 0
    transaction, write_directly = database.transaction, database.write_directly

    def counting(**turn: bool) -> Any:
        nonlocal opened
        opened += 1
        return transaction(**turn)

    async def counting_directly(*args: Any, **turn: bool) -> bool:
        nonlocal opened
        written = await write_directly(*args, **turn)
        opened += written
        return written

    monkeypatch.setattr(database, "transaction", counting)
    monkeypatch.setattr(database, "write_directly", counting_directly)
    siti = bot.person(778, first_name="Siti")
    await siti.send("/survei")
    assert opened == 1
    async with database.sessions() as session:
        names = (await session.scalars(select(Resident.display_name))).all()
    assert names == ["Siti"]


async def test_a_name_of_control_characters_is_recorded_cleaned(bot: BotHarness) -> None:
    await bot.person(779, first_name="Si\x00ti\x1b", last_name="\ud800Aminah").send("/start")
    database = services_of(bot.application).database
    async with database.sessions() as session:
        names = (await session.scalars(select(Resident.display_name))).all()
    assert names == ["Siti Aminah"]


async def test_a_button_without_data_opens_nothing(bot: BotHarness) -> None:
    """Empty data matched every patterned handler: the first, the report form, opened."""
    siti = bot.person()
    [menu] = await siti.send("/start")
    assert await siti.tap_data("", message=menu) == []
    assert last_answer(bot) == STALE

    [question] = await siti.send("/lapor")
    assert await siti.tap_data("", message=question) == []
    assert last_answer(bot) == STALE
    [desa] = await siti.tap("Perjudian")  # the form is still at its first step
    assert desa["text"] == "Di desa mana kejadiannya?"


async def _seed_plans(bot: BotHarness) -> None:
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


async def _in_category_step(bot: BotHarness) -> tuple[Person, dict[str, object]]:
    siti = bot.person()
    [question] = await siti.send("/lapor")
    return siti, question


async def _in_program_list(bot: BotHarness) -> tuple[Person, dict[str, object]]:
    await _seed_plans(bot)
    sekcam = bot.person(SEKCAM_ID, first_name="Sekcam")
    [listing] = await sekcam.send("/program")
    return sekcam, listing


async def _in_activity_list(bot: BotHarness) -> tuple[Person, dict[str, object]]:
    await _seed_plans(bot)
    pmks = bot.person(PMKS_ID)
    [listing] = await pmks.send("/kegiatan")
    return pmks, listing


async def _reporter_with_menu(bot: BotHarness) -> tuple[Person, dict[str, object]]:
    siti = bot.person()
    await file_complaint(siti)
    [menu] = await siti.send("/start")
    return siti, menu


async def _official_at_card(bot: BotHarness) -> tuple[Person, dict[str, object]]:
    code = await file_complaint(bot.person())
    group = bot.official()
    return group, card_of(group, code)


HUGE = "9" * 25
ARABIC_THREE = "\u0663"  # a digit of another script: int() reads it, a pattern must not


@pytest.mark.parametrize(
    ("setup", "data"),
    [
        (_in_category_step, f"lp:cat:{HUGE}"),
        (_in_category_step, f"lp:cat:{ARABIC_THREE}"),
        (_in_program_list, f"pg:pick:{HUGE}"),
        (_in_program_list, f"pg:page:{HUGE}"),
        (_in_activity_list, f"kg:pick:{HUGE}"),
        (_reporter_with_menu, f"rt:{HUGE}:1"),
        (_official_at_card, f"tr:{HUGE}:baru:diverifikasi"),
    ],
    ids=[
        "category-huge",
        "category-other-script",
        "program-pick",
        "program-page",
        "activity-pick",
        "rating-complaint",
        "card-move",
    ],
)
async def test_numbers_in_button_data_are_bounded(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, setup: object, data: str
) -> None:
    """A forged 25-digit id overflowed the database driver: a traceback, an unanswered press."""
    person, message = await setup(bot)  # type: ignore[operator]
    with caplog.at_level(logging.ERROR):
        shown = await person.tap_data(data, message=message)
    assert last_answer(bot) == STALE
    assert APOLOGY not in [m.get("text") for m in shown]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_huge_rating_score_is_told_the_range_without_a_traceback(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """A 25-digit score is a score outside 1-4: the plain answer, not an overflow."""
    person, message = await _reporter_with_menu(bot)
    with caplog.at_level(logging.ERROR):
        await person.tap_data("rt:1:" + HUGE, message=message)
    assert last_answer(bot) == bot.application.bot_data["services"].catalog.for_language("id")(
        "complaint.rating.invalid_score"
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


# ---------------------------------------------------------------------------- private chats only

PRIVATE_ONLY = "Layanan ini hanya bisa dipakai di chat pribadi dengan bot. Silakan buka @ajung_bot."
PUBLIC_GROUP = -1009876543210


def in_public_group(bot: BotHarness, user_id: int = RESIDENT_ID) -> Person:
    """The resident, writing in a residents' group the bot was added to."""
    return bot.person(
        user_id, chat_id=PUBLIC_GROUP, chat_type="supergroup", chat_title="Warga Ajung"
    )


@pytest.mark.parametrize(
    "command",
    ["/start", "/lapor", "/status", "/status {code}", "/survei", "/start skm_KTP", "/catat",
     "/program"],
)  # fmt: skip
async def test_resident_commands_in_a_group_point_to_the_private_chat(
    bot: BotHarness, command: str
) -> None:
    code = await file_complaint(bot.person(), privacy="Rahasia")
    group = in_public_group(bot)
    shown = await group.send(command.format(code=code))
    assert [m["text"] for m in shown] == [PRIVATE_ONLY]
    assert group.buttons(shown[0]) == []
    [menu] = await bot.person().send("/start")  # nothing was started in the private chat either
    assert menu["text"].startswith("Selamat datang")


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        ("menu:status", PRIVATE_ONLY),
        ("st:{code}", PRIVATE_ONLY),
        ("menu:lapor", PRIVATE_ONLY),
        ("menu:survey", PRIVATE_ONLY),
        ("rt:1:4", PRIVATE_ONLY),
        ("s:service:KTP", STALE),
        ("lp:cat:1", STALE),
    ],
    ids=["status", "status-code", "report", "survey", "rating", "survey-step", "report-step"],
)
async def test_resident_buttons_in_a_group_post_nothing_there(
    bot: BotHarness, data: str, answer: str
) -> None:
    """ "Cek laporan saya" pressed in a group listed anonim and rahasia complaints there."""
    siti = bot.person()
    code = await file_complaint(siti, privacy="Anonim")
    await file_complaint(siti, privacy="Rahasia", description="Ada judi sabung ayam tiap malam.")
    group = in_public_group(bot)
    [pointer] = await group.send("/start")
    assert await group.tap_data(data.format(code=code), message=pointer) == []
    assert last_answer(bot) == answer
    assert [m["text"] for m in group.inbox()] == [PRIVATE_ONLY]


async def test_the_menu_pressed_in_the_trantib_group_never_captures_an_official_note(
    bot: BotHarness,
) -> None:
    code = await file_complaint(bot.person())
    group = bot.official()
    card = card_of(group, code)
    assert await group.tap_data("menu:lapor", message=card) == []
    assert last_answer(bot) == PRIVATE_ONLY
    shown = await move(group, code, "✔️ Verifikasi", "Sudah dicek ke lokasi.")
    assert f"✅ {code} sekarang Diverifikasi. Catatan tersimpan." in [m["text"] for m in shown]


async def test_a_dialogue_left_in_a_group_by_an_older_version_stays_out_of_the_way(
    bot: BotHarness,
) -> None:
    """The report form opened in the Trantib group before took the officials' notes there."""
    code = await file_complaint(bot.person())
    persistence = bot.application.persistence
    assert isinstance(persistence, DatabasePersistence)
    draft = {"complaint": {"step": 3, "category": "Parkir liar", "desa": "Ajung"}}
    await persistence.save_step("complaint", (TRANTIB_GROUP, TRANTIB_ID), 3, TRANTIB_ID, draft)
    await bot.restart_after_crash()

    group = bot.official()
    shown = await move(group, code, "✔️ Verifikasi", "Sudah dicek ke lokasi.")
    assert f"✅ {code} sekarang Diverifikasi. Catatan tersimpan." in [m["text"] for m in shown]

    before = len(group.inbox())
    bot.clock.advance(hours=5)
    await jobs.sweep_idle(bot.context())  # no reminder in a group either
    bot.clock.advance(days=3)
    await jobs.sweep_idle(bot.context())
    assert len(group.inbox()) == before  # ended without a word to the group
    async with services_of(bot.application).database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConversationState)) == 0


async def test_help_and_language_work_in_a_group_without_the_residents_menu(
    bot: BotHarness,
) -> None:
    group = in_public_group(bot)
    [help_text] = await group.send("/bantuan")
    assert "112" in help_text["text"] and group.buttons(help_text) == []
    await group.send("/bahasa")
    [changed] = await group.tap("English")
    assert changed["text"] == "Language changed to English."
    assert group.buttons(changed) == []


# ---------------------------------------------------------------------------- help that helps

HELP = """Layanan chat Kecamatan Ajung:
• /start: menu utama
• /lapor: laporkan gangguan ketertiban
• /status: cek laporan Bapak/Ibu; untuk satu laporan ketik kodenya, misalnya {example}
• /survei: isi survei kepuasan layanan
• /bahasa: ganti bahasa
• /batal: hentikan isian yang sedang berjalan
Pilihan boleh ditekan, atau diketik namanya atau nomornya.
Khusus petugas kecamatan: /id menampilkan nomor ID Telegram untuk didaftarkan.{contact}

Untuk keadaan darurat hubungi 112 atau polisi 110."""
OFFICE = {
    "address": "Jl. Raya Ajung No. 1, Ajung, Jember",
    "phone": "(0331) 123456",
    "office_hours": "Senin-Jumat 07.30-15.30",
}
CONTACT = """

Kantor Kecamatan Ajung:
Alamat: Jl. Raya Ajung No. 1, Ajung, Jember
Telepon: (0331) 123456
Jam layanan: Senin-Jumat 07.30-15.30"""


@pytest.fixture
async def office(database_url: str) -> AsyncIterator[BotHarness]:
    harness = BotHarness(make_config(database_url, kecamatan=OFFICE))
    await harness.start()
    yield harness
    await harness.stop()


async def test_help_lists_every_resident_command_and_an_example_of_this_year(
    bot: BotHarness,
) -> None:
    bot.clock.now = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    [shown] = await bot.person().send("/bantuan")
    assert shown["text"] == HELP.format(example="TRB-2026-0001", contact="")


async def test_help_gives_the_office_contact_when_configured(office: BotHarness) -> None:
    [shown] = await office.person().send("/bantuan")
    assert shown["text"] == HELP.format(example="TRB-2025-0001", contact=CONTACT)


async def test_a_report_for_another_kecamatan_is_given_the_office_contact(
    office: BotHarness,
) -> None:
    siti = office.person()
    await siti.send("/lapor")
    await siti.tap("Parkir liar")
    [answer] = await siti.tap("Di luar Kecamatan Ajung")
    assert answer["text"] == (
        "Mohon maaf, kami hanya menangani wilayah Kecamatan Ajung. Silakan sampaikan ke "
        "kecamatan setempat atau lewat SP4N-LAPOR! (lapor.go.id). Terima kasih." + CONTACT
    )


async def test_only_the_given_parts_of_the_contact_are_shown(database_url: str) -> None:
    harness = BotHarness(make_config(database_url, kecamatan={"phone": "(0331) 123456"}))
    await harness.start()
    try:
        [shown] = await harness.person().send("/bantuan")
    finally:
        await harness.stop()
    assert "\n\nKantor Kecamatan Ajung:\nTelepon: (0331) 123456\n\nUntuk keadaan" in shown["text"]
    assert "Alamat" not in shown["text"]
