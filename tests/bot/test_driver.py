"""The driver plays a person against a real Application and reports what the person sees."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.driver import Person, command_entities, deliver
from bot.offline import OfflineBotApi

OFFICIALS = -1009998887776
App = Application[Any, Any, Any, Any, Any, Any]


def menu() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Lapor", callback_data="menu:lapor"),
                InlineKeyboardButton("Survei", callback_data="menu:survei"),
            ],
            [InlineKeyboardButton("Situs", url="https://example.invalid")],
        ]
    )


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    assert update.effective_user is not None
    name = update.effective_user.first_name
    await update.effective_message.reply_text(f"Selamat datang, {name}", reply_markup=menu())


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer()
    back = InlineKeyboardMarkup([[InlineKeyboardButton("Kembali", callback_data="back")]])
    await query.edit_message_text(f"Anda memilih {query.data}", reply_markup=back)
    if query.data == "menu:lapor":
        await context.bot.send_message(OFFICIALS, "Laporan baru masuk")


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer("Tombol kedaluwarsa", show_alert=True)
    await context.bot.send_message(query.message.chat.id, "Tombol tidak dikenal")


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    try:
        file = await context.bot.get_file(message.photo[-1].file_id)
    except BadRequest as exc:
        await message.reply_text(f"Foto ditolak: {exc.message}")
        return
    content = await file.download_as_bytearray()
    await message.reply_text(f"Foto diterima: {len(content)} byte, keterangan {message.caption}")


async def describe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None
    if message.location:
        text = f"Lokasi {message.location.latitude:.2f},{message.location.longitude:.2f}"
    elif message.contact:
        text = f"Nomor {message.contact.phone_number} milik {message.contact.user_id}"
    elif message.document:
        text = f"Dokumen {message.document.file_name} ({message.document.mime_type})"
    elif message.sticker:
        text = "Stiker"
    elif message.voice:
        text = f"Suara {message.voice.mime_type}"
    else:
        text = "?"
    await message.reply_text(text)


async def keys(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    markup = ReplyKeyboardMarkup(
        [["Ya", "Tidak"], [KeyboardButton("Lokasi", request_location=True)]]
    )
    await update.effective_message.reply_text("Setuju?", reply_markup=markup)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.chat is not None
    replied = message.reply_to_message
    suffix = f" (membalas: {replied.text})" if replied else ""
    await message.reply_text(f"{message.chat.type}: {message.text}{suffix}")


@pytest.fixture
def api() -> OfflineBotApi:
    return OfflineBotApi()


@pytest.fixture
async def app(api: OfflineBotApi) -> AsyncIterator[App]:
    application = (
        ApplicationBuilder()
        .token(api.token)
        .request(api.request())
        .get_updates_request(api.request())
        .updater(None)
        .build()
    )
    application.add_handlers(
        [
            CommandHandler("start", start),
            CommandHandler("kunci", keys),
            CallbackQueryHandler(choose, pattern="^menu:"),
            CallbackQueryHandler(unknown_button),
            MessageHandler(filters.PHOTO, photo),
            MessageHandler(filters.TEXT & ~filters.COMMAND, echo),
            MessageHandler(filters.ALL, describe),
        ]
    )
    async with application:
        yield application


@pytest.fixture
def siti(app: App, api: OfflineBotApi) -> Person:
    return Person(app, api, user_id=1001)


async def test_command_gets_a_menu(siti: Person) -> None:
    shown = await siti.send("/start")
    assert [m["text"] for m in shown] == ["Selamat datang, Siti"]
    assert siti.buttons() == ["Lapor", "Survei", "Situs"]
    assert siti.last() == shown[0]
    # Addressed commands, as in groups, are commands too.
    assert len(await siti.send("/start@ajung_bot")) == 1


def test_command_entity_counts_utf16() -> None:
    assert command_entities("/lapor jalan rusak") == [
        {"type": "bot_command", "offset": 0, "length": 6}
    ]
    assert command_entities("halo /start") == []


async def test_tap_edits_the_card(siti: Person, api: OfflineBotApi) -> None:
    [card] = await siti.send("/start")
    shown = await siti.tap("Lapor")
    assert [(m["message_id"], m["text"]) for m in shown] == [
        (card["message_id"], "Anda memilih menu:lapor")
    ]
    assert siti.buttons() == ["Kembali"]
    assert len(siti.inbox()) == 1
    [answered] = api.callback_answers.values()
    assert "text" not in answered
    # The notification went to the officials' chat, not into Siti's result.
    assert [m["text"] for m in api.bot_messages(OFFICIALS)] == ["Laporan baru masuk"]


async def test_tap_a_specific_older_message(siti: Person) -> None:
    [first] = await siti.send("/start")
    await siti.send("/start")
    [edited] = await siti.tap("Survei", message=first)
    assert edited["message_id"] == first["message_id"]
    assert siti.buttons() == ["Lapor", "Survei", "Situs"]  # the newer menu is untouched


async def test_tap_without_such_button_lists_what_is_visible(siti: Person) -> None:
    await siti.send("/start")
    with pytest.raises(AssertionError, match=r"'Hapus'.*\['Lapor', 'Survei', 'Situs'\]"):
        await siti.tap("Hapus")
    with pytest.raises(AssertionError, match="not a callback button"):
        await siti.tap("Situs")


async def test_forged_callback_data(siti: Person, api: OfflineBotApi) -> None:
    [card] = await siti.send("/start")
    shown = await siti.tap_data("hapus:semua", message=card)
    assert [m["text"] for m in shown] == ["Tombol tidak dikenal"]
    [answered] = api.callback_answers.values()
    assert answered["show_alert"] is True


async def test_photo_is_downloaded_by_the_bot(siti: Person) -> None:
    [reply] = await siti.send_photo(b"12345", caption="jalan rusak")
    assert reply["text"] == "Foto diterima: 5 byte, keterangan jalan rusak"
    [refusal] = await siti.send_photo(file_size=21 * 1024 * 1024)
    assert refusal["text"] == "Foto ditolak: File is too big"


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (lambda p: p.send_location(-8.2311, 113.6122), "Lokasi -8.23,113.61"),
        (lambda p: p.send_contact("+6281234567890"), "Nomor +6281234567890 milik 1001"),
        (lambda p: p.send_document(file_name="ktp.pdf"), "Dokumen ktp.pdf (application/pdf)"),
        (lambda p: p.send_sticker(), "Stiker"),
        (lambda p: p.send_voice(), "Suara audio/ogg"),
    ],
)
async def test_other_kinds_of_message(siti: Person, action: Any, expected: str) -> None:
    shown = await action(siti)
    assert [m["text"] for m in shown] == [expected]


async def test_reply_keyboard(siti: Person) -> None:
    [question] = await siti.send("/kunci")
    assert siti.buttons(question) == []
    assert siti.reply_keyboard() == ["Ya", "Tidak", "Lokasi"]
    assert siti.reply_keyboard(question) == ["Ya", "Tidak", "Lokasi"]
    [answer] = await siti.press_key("Ya")
    assert answer["text"] == "private: Ya"
    with pytest.raises(AssertionError, match="no reply-keyboard button 'Mungkin'"):
        await siti.press_key("Mungkin")


async def test_reply_to_a_bot_message(siti: Person) -> None:
    [card] = await siti.send("/start")
    [answer] = await siti.send("ini jawaban", reply_to=card)
    assert answer["text"] == "private: ini jawaban (membalas: Selamat datang, Siti)"
    assert "reply_to_message" not in answer  # PTB quotes only in groups by default


async def test_group_member(app: App, api: OfflineBotApi) -> None:
    camat = Person(
        app,
        api,
        user_id=2002,
        first_name="Budi",
        username="camat_ajung",
        chat_id=OFFICIALS,
        chat_type="supergroup",
        chat_title="Pejabat Kecamatan",
    )
    [reply] = await camat.send("rapat jam 9")
    assert reply["text"] == "supergroup: rapat jam 9"
    assert reply["chat"]["title"] == "Pejabat Kecamatan"
    # In groups PTB quotes the person's message: the API knows it, so the reply carries it.
    assert reply["reply_to_message"]["text"] == "rapat jam 9"
    assert reply["reply_to_message"]["from"]["username"] == "camat_ajung"
    assert camat.inbox() == [reply]


async def test_people_see_only_their_chat(app: App, api: OfflineBotApi, siti: Person) -> None:
    andi = Person(app, api, user_id=1002, first_name="Andi", language_code="en")
    await siti.send("/start")
    assert [m["text"] for m in await andi.send("/start")] == ["Selamat datang, Andi"]
    assert len(siti.inbox()) == 1
    with pytest.raises(AssertionError, match="sent nothing"):
        Person(app, api, user_id=1003).last()


async def test_deliver_raw_update(app: App, api: OfflineBotApi, siti: Person) -> None:
    update = siti.text_update("mentah")
    del update["update_id"]  # deliver assigns one
    await deliver(app, api, update)
    assert siti.last()["text"] == "private: mentah"
