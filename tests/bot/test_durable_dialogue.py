"""Durable conversations: a multi-step dialogue survives a crash, and idle ones end politely."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator

import pytest
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import jobs
from bot.config import Config
from bot.driver import Person
from bot.persistence import DatabasePersistence
from handlers.context import AppContext
from handlers.dialogue import Dialogue
from handlers.replies import keyboard, reply
from tests.factories import BotHarness, Killed, kill_at_next_step_save, make_config

EXPIRED = (
    "Isian Bapak/Ibu yang belum dikirim kami hapus karena tidak ada balasan selama 3 hari. "
    "Ketik /start untuk mulai lagi."
)
USE_BUTTONS = (
    "Silakan pilih salah satu tombol di bawah ini, atau ketik pilihannya. "
    "Untuk berhenti, ketik /batal."
)
NOT_TEXT = "Maaf, pesan suara, stiker, foto, dan berkas tidak bisa kami terima di langkah ini."
RESUMED = (
    "Isian Bapak/Ibu masih berjalan dan jawaban yang sudah diisi tetap tersimpan. "
    "Kita lanjutkan dari pertanyaan terakhir (untuk berhenti, ketik /batal):"
)
COLOURS = ["red", "rose", "blue"]


class Step(enum.IntEnum):
    NAME = 1
    COLOUR = 2
    CONFIRM = 3


def order_dialogue() -> Dialogue:
    """A three-step dialogue standing in for the real ones (complaint, survey)."""
    dialogue: Dialogue

    async def begin(update: Update, context: AppContext) -> Step:
        await reply(update, "name?", reply_markup=keyboard([[("Anonymous", "anon")]]))
        return Step.NAME

    async def name(update: Update, context: AppContext) -> Step:
        if update.callback_query is not None:
            await update.callback_query.answer()
        given = update.message.text if update.message is not None else "(anonymous)"
        dialogue.draft(context)["name"] = given
        await reply(
            update,
            "colour?",
            reply_markup=keyboard([[("red", "c:red"), ("rose", "c:rose")], [("blue", "c:blue")]]),
        )
        return Step.COLOUR

    async def colour(update: Update, context: AppContext) -> Step:
        assert update.callback_query is not None and update.callback_query.data
        await update.callback_query.answer()
        dialogue.draft(context)["colour"] = update.callback_query.data[2:]
        await reply(update, "ok?", reply_markup=keyboard([[("yes", "ok")]]))
        return Step.CONFIRM

    async def confirm(update: Update, context: AppContext) -> int:
        assert update.callback_query is not None
        await update.callback_query.answer()
        draft = dialogue.draft(context)
        await reply(update, f"done: {draft['name']} {draft['colour']}")
        dialogue.drop_draft(context.user_data)
        return Dialogue.END

    dialogue = Dialogue(
        "order",
        entry_points=[CommandHandler("pesan", begin)],
        states={
            Step.NAME: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, name),
                CallbackQueryHandler(name, pattern=r"^anon$"),
            ],
            Step.COLOUR: [CallbackQueryHandler(colour, pattern=r"^c:")],
            Step.CONFIRM: [CallbackQueryHandler(confirm, pattern=r"^ok$")],
        },
    )
    return dialogue


@pytest.fixture
async def bot(config: Config) -> AsyncIterator[BotHarness]:
    harness = BotHarness(config, dialogues=lambda: [order_dialogue()])
    await harness.start()
    yield harness
    await harness.stop()


async def test_dialogue_resumes_after_a_crash_mid_way(bot: BotHarness) -> None:
    await bot.person().send("/pesan")
    await bot.person().send("Siti")
    await bot.restart_after_crash()

    siti = bot.person()
    assert siti.last()["text"] == "colour?"
    await siti.tap("blue")
    await bot.restart_after_crash()
    [done] = await bot.person().tap("yes")
    assert done["text"] == "done: Siti blue"


async def test_a_kill_before_a_step_is_saved_shows_nothing_of_that_step(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next question went out before the step was saved: after a kill in between, the
    person answered a question the bot was not at."""
    await bot.person().send("/pesan")
    kill_at_next_step_save(monkeypatch)
    with pytest.raises(Killed):
        await bot.person().send("Siti")
    await bot.restart_after_crash()
    siti = bot.person()
    assert [m["text"] for m in siti.inbox()] == ["name?"]
    [colour] = await siti.send("Siti")
    assert colour["text"] == "colour?"
    await siti.tap("blue")
    [done] = await siti.tap("yes")
    assert done["text"] == "done: Siti blue"


async def test_a_finished_dialogue_is_not_brought_back_by_an_older_copy(bot: BotHarness) -> None:
    """The library's periodic save hands over states copied a moment earlier; written after
    the dialogue's end, the copy brought it back, "closed for inactivity" after a restart."""
    siti = bot.person()
    await siti.send("/pesan")
    await siti.send("Siti")
    await siti.tap("red")
    [done] = await siti.tap("yes")
    persistence = bot.application.persistence
    assert isinstance(persistence, DatabasePersistence)
    key = (siti.chat_id, siti.user_id)
    await persistence.update_conversation("order", key, Step.CONFIRM)  # the late copy
    await bot.restart_after_crash()
    bot.clock.advance(days=3)
    await jobs.sweep_idle(bot.context())
    assert bot.person().last() == done


async def test_stray_input_keeps_the_step_and_loses_nothing(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/pesan")
    await siti.send("Siti")
    [hint] = await siti.send("merah saja")
    assert (hint["text"], siti.buttons(hint)) == (USE_BUTTONS, COLOURS)
    [hint] = await siti.send_photo()
    assert (hint["text"], siti.buttons(hint)) == (f"{NOT_TEXT}\n{USE_BUTTONS}", COLOURS)
    [help_text] = await siti.send("/bantuan")  # works mid-dialogue
    assert "112" in help_text["text"]
    await siti.tap("red")
    [done] = await siti.tap("yes")
    assert done["text"] == "done: Siti red"


async def test_cancel_ends_the_dialogue_and_drops_the_draft(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/pesan")
    await siti.send("Siti")
    [cancelled] = await siti.send("/batal")
    assert cancelled["text"] == "Baik, isian dihentikan. Data yang belum dikirim tidak disimpan."
    assert "order" not in bot.application.user_data[siti.user_id]
    [again] = await siti.send("/batal")
    assert again["text"] == "Tidak ada isian yang sedang berjalan."


async def test_idle_dialogue_is_closed_politely_by_the_sweep(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/pesan")
    await siti.send("Siti")
    bot.clock.advance(days=3, seconds=-1)
    await jobs.sweep_idle(bot.context())
    assert "colour?" in siti.last()["text"]  # the reminder, at most

    bot.clock.advance(seconds=1)
    await jobs.sweep_idle(bot.context())
    assert siti.last()["text"] == EXPIRED
    [reply_after] = await siti.send("Siti")
    assert reply_after["text"].startswith("Maaf, kami belum mengerti")


async def test_idle_dialogue_left_before_a_restart_is_closed_at_start(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/pesan")
    await bot.crash()
    bot.clock.advance(days=3)
    await bot.start()
    await jobs.sweep_idle(bot.context())
    assert bot.person().last()["text"] == EXPIRED
    # the end is saved: after another restart nothing comes back to life
    await bot.restart_after_crash()
    [reply_after] = await bot.person().send("Siti")
    assert reply_after["text"].startswith("Maaf, kami belum mengerti")


async def test_each_chat_in_order_chats_side_by_side(bot: BotHarness) -> None:
    """Through the update queue and the per-chat processor, as polling delivers them."""
    app = bot.application
    people = [bot.person(6000 + n) for n in range(20)]
    await app.start()
    try:
        for person in people:
            for text in ("/pesan", f"nama{person.user_id}"):
                await app.update_queue.put(Update.de_json(person.text_update(text), app.bot))
        for _ in range(200):
            if all(p.inbox() and p.last()["text"] == "colour?" for p in people):
                break
            await asyncio.sleep(0.01)
    finally:
        await app.stop()
    for person in people:
        assert [m["text"] for m in person.inbox()] == ["name?", "colour?"]
        assert app.user_data[person.user_id]["order"]["name"] == f"nama{person.user_id}"


# ---------------------------------------------------------------------------- typed, not tapped


async def at_colour(bot: BotHarness) -> Person:
    siti = bot.person()
    await siti.send("/pesan")
    await siti.send("Siti")
    return siti


@pytest.mark.parametrize(
    ("typed", "colour"),
    [("blue", "blue"), ("BLUE!", "blue"), ("Rosé", "rose"), ("b", "blue"), ("2", "rose")],
)
async def test_a_button_typed_by_its_label_or_number(
    bot: BotHarness, typed: str, colour: str
) -> None:
    siti = await at_colour(bot)
    [confirm] = await siti.send(typed)
    assert (confirm["text"], siti.buttons(confirm)) == ("ok?", ["yes"])
    [done] = await siti.send("yes")
    assert done["text"] == f"done: Siti {colour}"
    assert not [call for call in bot.api.calls if call.method == "answerCallbackQuery"]


@pytest.mark.parametrize("typed", ["r", "hijau", "4", "0"], ids=["ambiguous", "unknown", "4", "0"])
async def test_ambiguous_or_unknown_text_gets_the_hint_with_the_buttons(
    bot: BotHarness, typed: str
) -> None:
    siti = await at_colour(bot)
    [hint] = await siti.send(typed)
    assert (hint["text"], siti.buttons(hint)) == (USE_BUTTONS, COLOURS)
    await siti.send("red")
    [done] = await siti.send("1")  # "yes", the only button
    assert done["text"] == "done: Siti red"


async def test_the_buttons_to_type_survive_a_restart(bot: BotHarness) -> None:
    await at_colour(bot)
    await bot.restart_after_crash()
    [confirm] = await bot.person().send("rose")
    assert confirm["text"] == "ok?"
    await bot.restart_after_crash()
    [done] = await bot.person().send("yes")
    assert done["text"] == "done: Siti rose"


async def test_a_step_that_takes_text_keeps_it_unless_it_is_a_whole_label(
    bot: BotHarness,
) -> None:
    siti = bot.person()
    await siti.send("/pesan")
    await siti.send("anon")  # a start of "Anonymous", but here typed text is the answer
    await siti.send("blue")
    [done] = await siti.send("yes")
    assert done["text"] == "done: anon blue"

    await siti.send("/pesan")
    await siti.send("anonymous")  # the whole label: the button
    await siti.send("red")
    [done] = await siti.send("yes")
    assert done["text"] == "done: (anonymous) red"


async def test_start_mid_dialogue_shows_the_question_again_with_its_buttons(
    bot: BotHarness,
) -> None:
    siti = await at_colour(bot)
    for _ in range(2):  # never a notice upon a notice
        [again] = await siti.send("/start")
        assert (again["text"], siti.buttons(again)) == (f"{RESUMED}\n\ncolour?", COLOURS)
    await bot.restart_after_crash()
    [again] = await bot.person().send("/start")
    assert (again["text"], siti.buttons(again)) == (f"{RESUMED}\n\ncolour?", COLOURS)
    await siti.send("blue")
    [done] = await siti.send("yes")
    assert done["text"] == "done: Siti blue"


async def test_a_tracking_code_mid_dialogue_is_answered_and_the_step_kept(
    bot: BotHarness,
) -> None:
    siti = await at_colour(bot)
    [status] = await siti.send("trb-2025-0042")
    assert status["text"] == (
        "Laporan dengan kode itu tidak ditemukan. Periksa lagi kodenya, misalnya "
        "/status TRB-2025-0001."
    )
    [status] = await siti.send("/status TRB-2025-0042")  # the command passes through too
    assert status["text"].startswith("Laporan dengan kode itu tidak ditemukan.")
    await siti.send("blue")
    [done] = await siti.send("yes")
    assert done["text"] == "done: Siti blue"


# ------------------------------------------------------------------------- reminded, then dropped

REMINDER = (
    "Isian Bapak/Ibu yang belum dikirim masih kami simpan {left} lagi. Silakan lanjutkan dari "
    "pertanyaan terakhir di bawah ini, atau ketik /batal untuk berhenti.\n\ncolour?"
)


async def test_a_silent_draft_is_reminded_once_with_its_question_then_discarded(
    bot: BotHarness,
) -> None:
    siti = await at_colour(bot)
    bot.clock.advance(hours=3, minutes=59)
    await jobs.sweep_idle(bot.context())
    assert siti.last()["text"] == "colour?"

    bot.clock.advance(minutes=1)
    await jobs.sweep_idle(bot.context())
    reminder = siti.last()
    assert reminder["text"] == REMINDER.format(left="2 hari")
    assert siti.buttons(reminder) == COLOURS

    # Once: not at the next sweep, nor after a restart.
    bot.clock.advance(hours=1)
    await jobs.sweep_idle(bot.context())
    await bot.restart_after_crash()
    await jobs.sweep_idle(bot.context())
    siti = bot.person()
    assert siti.last() == reminder

    # The days count from the last answer, not from the reminder.
    bot.clock.advance(days=3, hours=-5)
    await jobs.sweep_idle(bot.context())
    assert siti.last()["text"] == EXPIRED
    [after] = await siti.send("blue")
    assert after["text"].startswith("Maaf, kami belum mengerti")


async def test_an_answer_after_the_reminder_earns_another_after_the_next_silence(
    bot: BotHarness,
) -> None:
    siti = await at_colour(bot)
    bot.clock.advance(hours=5)
    await jobs.sweep_idle(bot.context())
    await siti.tap("blue", message=siti.last())
    bot.clock.advance(hours=4)
    await jobs.sweep_idle(bot.context())
    assert siti.last()["text"].endswith("\n\nok?")
    assert siti.buttons() == ["yes"]
    [done] = await siti.tap("yes")
    assert done["text"] == "done: Siti blue"


@pytest.fixture
async def patient(database_url: str) -> AsyncIterator[BotHarness]:
    config = make_config(database_url, conversation={"draft_days": 5, "reminder_hours": 0})
    harness = BotHarness(config, dialogues=lambda: [order_dialogue()])
    await harness.start()
    yield harness
    await harness.stop()


async def test_how_long_drafts_are_kept_is_configured(patient: BotHarness) -> None:
    siti = await at_colour(patient)
    patient.clock.advance(days=5, seconds=-1)
    await jobs.sweep_idle(patient.context())
    assert siti.last()["text"] == "colour?"  # no reminder: reminder_hours = 0
    patient.clock.advance(seconds=1)
    await jobs.sweep_idle(patient.context())
    assert siti.last()["text"] == EXPIRED.replace("3 hari", "5 hari")
