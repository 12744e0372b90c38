"""The offline Bot API answers python-telegram-bot like Telegram does, with no network."""

from __future__ import annotations

import asyncio
import datetime as dtm
import re
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, RetryAfter
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.offline import ApiCall, ApiError, JSONDict, OfflineBotApi, parse_html, utf16_length

CHAT = 1001
GROUP = -1002003004005
NOT_MODIFIED = (
    "Message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def exactly(text: str) -> str:
    """A pytest.raises(match=...) pattern for exactly this exception text.

    PTB drops the "Bad Request: " prefix and capitalizes what follows.
    """
    return f"^{re.escape(text)}$"


@pytest.fixture
def api() -> OfflineBotApi:
    return OfflineBotApi()


@pytest.fixture
async def bot(api: OfflineBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, request=api.request(), get_updates_request=api.request()) as bot:
        yield bot


def keyboard(*labels: str, data_prefix: str = "pick:") -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data_prefix + label)] for label in labels]
    )


def text_update(text: str, chat_id: int = CHAT) -> JSONDict:
    return {
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Siti"},
            "text": text,
        }
    }


# ---------------------------------------------------------------------- wire format


async def test_initialize_asks_get_me(api: OfflineBotApi, bot: Bot) -> None:
    assert bot.username == "ajung_bot"
    assert bot.id == 7000000001
    assert api.calls[0] == ApiCall("getMe", {}, ok=True)


async def test_raw_answers_are_telegram_shaped(api: OfflineBotApi) -> None:
    request = api.request()
    url = f"https://api.telegram.org/bot{api.token}/sendMessage"
    params = [RequestParameter.from_input("chat_id", CHAT), RequestParameter.from_input("text", "")]
    status, body = await request.do_request(url, "POST", RequestData(params))
    assert status == 400
    assert body == (
        b'{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}'
    )

    params[1] = RequestParameter.from_input("text", "Halo")
    status, body = await request.do_request(url, "POST", RequestData(params))
    assert status == 200
    assert body.startswith(b'{"ok":true,"result":{"message_id":1,')


async def test_wrong_token_is_unauthorized(api: OfflineBotApi) -> None:
    status, body = await api.request().do_request("https://api.telegram.org/bot1:x/getMe", "POST")
    assert (status, body) == (401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}')


async def test_unknown_method_is_not_found(api: OfflineBotApi, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": CHAT})
    assert api.calls[-1] == ApiCall("sendTelepathy", {"chat_id": CHAT}, ok=False)


# ---------------------------------------------------------------------- sending


async def test_sent_message_is_a_proper_message(api: OfflineBotApi, bot: Bot) -> None:
    first = await bot.send_message(CHAT, "Halo", reply_markup=keyboard("Ya"))
    second = await bot.send_message(GROUP, "Rapat")

    assert first.message_id == 1
    assert first.chat.type == "private"
    assert first.from_user is not None
    assert first.from_user.username == "ajung_bot"
    assert first.reply_markup == keyboard("Ya")
    assert second.chat.type == "supergroup"
    assert [m["text"] for m in api.bot_messages(CHAT)] == ["Halo"]
    stored = api.message(GROUP, second.message_id)
    assert stored is not None
    assert Message.de_json(stored, bot).to_dict() == second.to_dict()


async def test_message_ids_are_shared_with_the_person(api: OfflineBotApi, bot: Bot) -> None:
    assert api.next_message_id(CHAT) == 1
    sent = await bot.send_message(CHAT, "Halo")
    assert sent.message_id == 2
    assert api.next_message_id(CHAT) == 3


async def test_reply_keyboard_is_kept_aside(api: OfflineBotApi, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Pilih", reply_markup=ReplyKeyboardMarkup([["A", "B"]]))
    assert sent.reply_markup is None  # Telegram never echoes reply keyboards
    shown = api.reply_keyboard(CHAT)
    assert shown is not None
    assert [b["text"] for b in shown["keyboard"][0]] == ["A", "B"]


async def test_reply_to_a_known_message(api: OfflineBotApi, bot: Bot) -> None:
    original = await bot.send_message(CHAT, "Pertanyaan")
    reply = await bot.send_message(
        CHAT, "Jawaban", reply_parameters=ReplyParameters(original.message_id)
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "Pertanyaan"
    with pytest.raises(BadRequest, match=exactly("Message to be replied not found")):
        await bot.send_message(CHAT, "x", reply_parameters=ReplyParameters(99))


async def test_html_becomes_entities(bot: Bot) -> None:
    sent = await bot.send_message(
        CHAT, '\N{GRINNING FACE} <b>Laporan</b> &lt;1&gt; <a href="https://x.id">x</a>', "HTML"
    )
    assert sent.text == "\N{GRINNING FACE} Laporan <1> x"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 3, 7),
        ("text_link", 15, 1),
    ]


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("nilai < 3", 'Unsupported start tag "" at byte offset 6'),
        ("<b>tebal", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<marquee>x</marquee>", 'Unsupported start tag "marquee" at byte offset 0'),
    ],
)
def test_malformed_html_is_refused(source: str, reason: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_html(source)
    assert caught.value.status == 400
    assert caught.value.description == f"Bad Request: can't parse entities: {reason}"


async def test_unescaped_html_fails_like_production(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"^Can't parse entities: unsupported start tag"):
        await bot.send_message(CHAT, "<b>Skor</b> < 3", parse_mode="HTML")


async def test_photo_upload_round_trip(api: OfflineBotApi, bot: Bot) -> None:
    sent = await bot.send_photo(CHAT, b"\xff\xd8jpeg", caption="<i>Foto</i>", parse_mode="HTML")
    assert sent.caption == "Foto"
    file = await bot.get_file(sent.photo[-1].file_id)
    assert await file.download_as_bytearray() == bytearray(b"\xff\xd8jpeg")
    assert api.calls[-1].method == "downloadFile"
    # Forwarding by file_id reuses the file; an invented id is refused.
    again = await bot.send_photo(GROUP, sent.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
    with pytest.raises(BadRequest, match=exactly("Wrong file identifier/http url specified")):
        await bot.send_photo(CHAT, "no-such-file")


async def test_document_and_location(bot: Bot) -> None:
    document = await bot.send_document(CHAT, b"a,b\n1,2\n", filename="rekap.csv")
    assert document.document is not None
    assert document.document.file_name == "rekap.csv"
    assert document.document.mime_type == "text/csv"
    location = await bot.send_location(CHAT, latitude=-8.23, longitude=113.6)
    assert location.location is not None
    assert location.location.latitude == pytest.approx(-8.23)


async def test_person_file_download(api: OfflineBotApi, bot: Bot) -> None:
    file_id, _ = api.add_file(b"bukti", mime_type="image/jpeg")
    file = await bot.get_file(file_id)
    assert file.file_size == 5
    assert bytes(await file.download_as_bytearray()) == b"bukti"


async def test_a_store_keeps_files_and_chats_across_a_restart(tmp_path: Path) -> None:
    """What a restart of local mode meets: the photo a person sent before still downloads, the
    card posted before can be edited, ids go on (never a second message 2), the keyboard shown
    is still shown, and a new file gets a new id."""
    first = OfflineBotApi(store=tmp_path / "telegram")
    file_id, unique_id = first.add_file(b"bukti", mime_type="image/jpeg")
    async with Bot(first.token, request=first.request()) as bot:
        card = await bot.send_message(CHAT, "Kartu", reply_markup=keyboard("Verifikasi"))
        await bot.send_message(CHAT, "Di mana?", reply_markup=ReplyKeyboardMarkup([["Lokasi"]]))

    again = OfflineBotApi(store=tmp_path / "telegram")
    async with Bot(again.token, request=again.request()) as bot:
        file = await bot.get_file(file_id)
        assert bytes(await file.download_as_bytearray()) == b"bukti"
        edited = await bot.edit_message_text("Kartu (diverifikasi)", CHAT, card.message_id)
        assert edited.text == "Kartu (diverifikasi)"
        assert again.next_message_id(CHAT) == 3
    assert [m["text"] for m in again.bot_messages(CHAT)] == ["Kartu (diverifikasi)", "Di mana?"]
    shown = again.reply_keyboard(CHAT)
    assert shown is not None and shown["keyboard"] == [[{"text": "Lokasi"}]]
    new_id, new_unique = again.add_file(b"lain", mime_type="image/jpeg")
    assert (new_id, new_unique) != (file_id, unique_id)
    assert again.file_content(file_id) == b"bukti"
    assert again.file_content(new_id) == b"lain"
    # The files as they arrived; the chats in one file, replaced whole (no partial left over).
    assert sorted(p.name for p in (tmp_path / "telegram").iterdir()) == ["chats.json", "files"]


# ---------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("a" * 4097, "Message is too long"),
        ("\N{GRINNING FACE}" * 2049, "Message is too long"),  # 4098 UTF-16 units
        ("", "Message text is empty"),
        ("   \n", "Message text is empty"),
    ],
)
async def test_text_refusals(bot: Bot, text: str, error: str) -> None:
    with pytest.raises(BadRequest, match=exactly(error)):
        await bot.send_message(CHAT, text)


async def test_text_limit_counts_utf16_units(bot: Bot) -> None:
    text = "\N{GRINNING FACE}" * 2048
    assert utf16_length(text) == 4096
    assert (await bot.send_message(CHAT, text)).text == text
    assert (await bot.send_message(CHAT, "a" * 4096)).text == "a" * 4096


async def test_caption_refusal(bot: Bot) -> None:
    await bot.send_photo(CHAT, b"jpeg", caption="c" * 1024)
    with pytest.raises(BadRequest, match=exactly("Message caption is too long")):
        await bot.send_photo(CHAT, b"jpeg", caption="c" * 1025)


@pytest.mark.parametrize("data", ["x" * 65, "\N{LATIN SMALL LETTER E WITH ACUTE}" * 33])
async def test_callback_data_over_64_bytes(bot: Bot, data: str) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data=data)]])
    with pytest.raises(BadRequest, match=exactly("Button_data_invalid")):
        await bot.send_message(CHAT, "Pilih", reply_markup=markup)
    fine = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="x" * 64)]])
    await bot.send_message(CHAT, "Pilih", reply_markup=fine)


async def test_edit_refusals_and_effects(api: OfflineBotApi, bot: Bot) -> None:
    card = await bot.send_message(CHAT, "Kartu", reply_markup=keyboard("Ya", "Tidak"))
    with pytest.raises(BadRequest, match=exactly(NOT_MODIFIED)):
        await bot.edit_message_text(
            "Kartu", CHAT, card.message_id, reply_markup=keyboard("Ya", "Tidak")
        )
    with pytest.raises(BadRequest, match=exactly(NOT_MODIFIED)):
        await bot.edit_message_reply_markup(
            CHAT, card.message_id, reply_markup=keyboard("Ya", "Tidak")
        )
    with pytest.raises(BadRequest, match=exactly("Message to edit not found")):
        await bot.edit_message_text("x", CHAT, 404)

    # Like Telegram, an edit without reply_markup removes the inline keyboard.
    edited = await bot.edit_message_text("Kartu", CHAT, card.message_id)
    assert isinstance(edited, type(card))
    assert edited.reply_markup is None
    assert edited.edit_date is not None
    stored = api.message(CHAT, card.message_id)
    assert stored is not None
    assert stored["text"] == "Kartu"
    assert "reply_markup" not in stored


async def test_edit_caption(bot: Bot) -> None:
    photo = await bot.send_photo(CHAT, b"jpeg", caption="lama")
    edited = await bot.edit_message_caption(CHAT, photo.message_id, caption="baru")
    assert not isinstance(edited, bool)
    assert edited.caption == "baru"
    with pytest.raises(BadRequest, match=exactly(NOT_MODIFIED)):
        await bot.edit_message_caption(CHAT, photo.message_id, caption="baru")


async def test_answer_callback_query_once(api: OfflineBotApi, bot: Bot) -> None:
    api.register_callback_query("q1")
    assert await bot.answer_callback_query("q1", text="Oke")
    assert api.callback_answers["q1"]["text"] == "Oke"
    too_old = exactly("Query is too old and response timeout expired or query id is invalid")
    for query_id in ("q1", "never-issued"):
        with pytest.raises(BadRequest, match=too_old):
            await bot.answer_callback_query(query_id)


async def test_get_file_refusals(api: OfflineBotApi, bot: Bot) -> None:
    file_id, _ = api.add_file(b"big", file_size=20 * 1024 * 1024 + 1)
    with pytest.raises(BadRequest, match=exactly("File is too big")):
        await bot.get_file(file_id)
    at_limit, _ = api.add_file(b"ok", file_size=20 * 1024 * 1024)
    assert (await bot.get_file(at_limit)).file_size == 20 * 1024 * 1024
    with pytest.raises(BadRequest, match=exactly("Invalid file_id")):
        await bot.get_file("nope")


async def test_delete_message(api: OfflineBotApi, bot: Bot) -> None:
    sent = await bot.send_message(CHAT, "Hapus saya")
    assert await bot.delete_message(CHAT, sent.message_id)
    assert api.bot_messages(CHAT) == []
    with pytest.raises(BadRequest, match=exactly("Message to delete not found")):
        await bot.delete_message(CHAT, sent.message_id)


async def test_blocked_chat(api: OfflineBotApi, bot: Bot) -> None:
    api.block(CHAT)
    with pytest.raises(Forbidden, match=exactly("Forbidden: bot was blocked by the user")):
        await bot.send_message(CHAT, "Halo")
    with pytest.raises(Forbidden):
        await bot.send_photo(CHAT, b"jpeg")
    await bot.send_message(CHAT + 1, "others still reachable")
    api.unblock(CHAT)
    await bot.send_message(CHAT, "Halo lagi")


# Reading RetryAfter.retry_after as an int is deprecated in PTB 22.2+; str() reads it too.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fault_injection(api: OfflineBotApi, bot: Bot) -> None:
    api.fail_next(
        "sendMessage",
        status=429,
        description="Too Many Requests: retry after 5",
        retry_after=5,
        times=2,
    )
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "Halo")
        assert str(caught.value) == "Flood control exceeded. Retry in 5 seconds"
    await bot.send_message(CHAT, "Halo")
    assert [c.ok for c in api.calls if c.method == "sendMessage"] == [False, False, True]

    api.fail_next("getFile", status=400, description="Bad Request: custom")
    with pytest.raises(BadRequest, match=exactly("Custom")):
        await bot.get_file("anything")


# ---------------------------------------------------------------------- other methods


async def test_commands_and_webhook(api: OfflineBotApi, bot: Bot) -> None:
    await bot.set_my_commands([("start", "Mulai"), ("lapor", "Buat laporan")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "lapor"]
    assert await bot.get_my_commands(language_code="en") == ()
    with pytest.raises(BadRequest, match=exactly("Bot_command_invalid")):
        await bot.set_my_commands([("Bad Command", "x")])

    await bot.set_webhook("https://example.invalid/hook")
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()
    assert await bot.send_chat_action(CHAT, "typing")


async def test_subscribers_see_results(api: OfflineBotApi, bot: Bot) -> None:
    seen: list[tuple[str, JSONDict | None]] = []
    api.subscribe(lambda call, result: seen.append((call.method, result)))
    sent = await bot.send_message(CHAT, "Halo")
    await bot.delete_message(CHAT, sent.message_id)
    with pytest.raises(BadRequest):
        await bot.send_message(CHAT, "")
    assert [method for method, _ in seen] == ["sendMessage", "deleteMessage"]
    assert seen[0][1] is not None
    assert seen[0][1]["message_id"] == sent.message_id
    assert seen[1][1] is None


async def test_changes_since(api: OfflineBotApi, bot: Bot) -> None:
    card = await bot.send_message(CHAT, "Kartu", reply_markup=keyboard("Ya"))
    mark = api.revision
    await bot.send_message(CHAT, "Baru")
    await bot.edit_message_text("Kartu 2", CHAT, card.message_id)
    await bot.send_message(CHAT + 1, "chat lain")
    assert [m["text"] for m in api.changes_since(CHAT, mark)] == ["Kartu 2", "Baru"]


# ---------------------------------------------------------------------- getUpdates


async def test_get_updates_long_poll(api: OfflineBotApi, bot: Bot) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=dtm.timedelta(seconds=0.1)) == ()
    assert loop.time() - started >= 0.09

    loop.call_later(0.05, api.push_update, text_update("satu"))
    updates = await bot.get_updates(timeout=5)
    assert loop.time() - started < 1
    assert [u.message.text for u in updates if u.message] == ["satu"]

    second = api.push_update(text_update("dua"))
    api.push_update(text_update("tiga"))
    # Not confirmed yet: served again, honouring limit.
    assert [u.update_id for u in await bot.get_updates(limit=2)] == [1, second]
    assert [u.update_id for u in await bot.get_updates(offset=second + 1)] == [second + 1]
    assert api.pending_updates == 1


async def test_push_from_another_thread_wakes_the_poll(api: OfflineBotApi, bot: Bot) -> None:
    timer = threading.Timer(0.05, api.push_update, args=(text_update("dari thread"),))
    timer.start()
    updates = await bot.get_updates(timeout=5)
    timer.join()
    assert len(updates) == 1


async def test_cancelled_poll_loses_nothing(api: OfflineBotApi, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.01)
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll
    api.push_update(text_update("masih ada"))
    assert len(await bot.get_updates()) == 1


async def test_polling_application_echoes(api: OfflineBotApi) -> None:
    app = (
        ApplicationBuilder()
        .token(api.token)
        .request(api.request())
        .get_updates_request(api.request())
        .build()
    )
    echoed = asyncio.Event()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")
        echoed.set()

    app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)
    try:
        api.push_update(text_update("halo"))
        await asyncio.wait_for(echoed.wait(), timeout=2)
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
    assert [m["text"] for m in api.bot_messages(CHAT)] == ["echo: halo"]
    assert api.pending_updates == 0  # the updater confirmed what it fetched on stop
    assert any(c.method == "deleteWebhook" for c in api.calls)
