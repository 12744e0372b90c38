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
from bot.persistence import DatabasePersistence
from handlers.context import AppContext
from handlers.dialogue import Dialogue
from handlers.replies import keyboard, reply
from tests.factories import BotHarness, Killed, kill_at_next_step_save

EXPIRED = (
    "Isian Bapak/Ibu kami tutup karena tidak ada balasan selama 30 menit. "
    "Ketik /start untuk mulai lagi."
)


class Step(enum.IntEnum):
    NAME = 1
    COLOUR = 2
    CONFIRM = 3


def order_dialogue() -> Dialogue:
    """A three-step dialogue standing in for the real ones (complaint, survey)."""
    dialogue: Dialogue

    async def begin(update: Update, context: AppContext) -> Step:
        await reply(update, "name?")
        return Step.NAME

    async def name(update: Update, context: AppContext) -> Step:
        assert update.message is not None
        dialogue.draft(context)["name"] = update.message.text
        await reply(
            update, "colour?", reply_markup=keyboard([[("red", "c:red"), ("blue", "c:blue")]])
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
            Step.NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, name)],
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
    bot.clock.advance(hours=1)
    await jobs.sweep_idle(bot.context())
    assert bot.person().last() == done


async def test_stray_input_keeps_the_step_and_loses_nothing(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/pesan")
    await siti.send("Siti")
    [hint] = await siti.send("merah saja")
    assert (
        hint["text"] == "Silakan pilih salah satu tombol di atas, atau ketik /batal untuk berhenti."
    )
    [hint] = await siti.send_photo()
    assert hint["text"].startswith("Silakan pilih salah satu tombol")
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
    bot.clock.advance(minutes=29)
    await jobs.sweep_idle(bot.context())
    assert siti.last()["text"] == "colour?"

    bot.clock.advance(minutes=2)
    await jobs.sweep_idle(bot.context())
    assert siti.last()["text"] == EXPIRED
    [reply_after] = await siti.send("Siti")
    assert reply_after["text"].startswith("Maaf, kami belum mengerti")


async def test_idle_dialogue_left_before_a_restart_is_closed_at_start(bot: BotHarness) -> None:
    siti = bot.person()
    await siti.send("/pesan")
    await bot.crash()
    bot.clock.advance(hours=3)
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
        assert app.user_data[person.user_id]["order"] == {"name": f"nama{person.user_id}"}
