"""Officials' side of complaints: cards moved with notes, refusals, two officials at once,
/laporan, /catat and the daily overdue list."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.driver import Person
from bot.offline import JSONDict
from db import complaints
from db.complaints import NewComplaint
from db.models import Complaint, ComplaintEvent, ComplaintPendingMove, ComplaintPhoto
from handlers import complaint_card, note_requests, trantib
from handlers import complaint_views as trantib_views
from handlers.context import services_of
from i18n import catalog
from iku.complaints import Channel, Privacy, RejectReason, Status
from iku.text import utf16_length
from tests.factories import (
    CAMAT_ID,
    DESCRIPTION,
    PMKS_ID,
    SEKCAM_ID,
    TRANTIB_GROUP,
    TRANTIB_ID,
    BotHarness,
    card_of,
    file_complaint,
    fill_complaint,
    make_config,
    move,
    stored_directly,
)

NOT_ALLOWED = "Maaf, hanya petugas Trantib, Sekcam, atau Camat yang dapat mengubah laporan."


def texts(messages: list[JSONDict]) -> list[str]:
    return [m.get("text") or "" for m in messages]


def last_answer(bot: BotHarness) -> JSONDict:
    answers = [c for c in bot.api.calls if c.method == "answerCallbackQuery"]
    return answers[-1].params


async def status_of(bot: BotHarness, code: str) -> str:
    async with services_of(bot.application).database.sessions() as session:
        status = await session.scalar(select(Complaint.status).where(Complaint.code == code))
    return str(status)


async def events(bot: BotHarness) -> int:
    async with services_of(bot.application).database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ComplaintEvent)) or 0)


async def test_a_move_asks_for_a_note_addressed_to_the_official(bot: BotHarness) -> None:
    code = await file_complaint(bot.person())
    group = bot.official()
    [prompt] = await group.tap("✔️ Verifikasi", message=card_of(group, code))
    assert prompt["text"] == (
        f"Petugas, balas pesan ini dengan catatan untuk {code} → Diverifikasi: hasil pemeriksaan. "
        "Ketik /batal untuk membatalkan."
    )
    assert prompt["entities"] == [
        {"offset": 0, "length": 7, "type": "text_link", "url": f"tg://user?id={TRANTIB_ID}"}
    ]
    markup = bot.api.sent_markup(group.chat_id, prompt["message_id"])
    assert markup == {"force_reply": True, "selective": True}
    assert await status_of(bot, code) == "baru"  # nothing moves before the note

    shown = await group.send("Sudah dicek ke lokasi.", reply_to=prompt)
    assert f"✅ {code} sekarang Diverifikasi. Catatan tersimpan." in texts(shown)
    card = card_of(group, code)
    assert card["text"].startswith(f"📣 Laporan {code} · Diverifikasi\n")
    assert group.buttons(card) == ["▶️ Proses", "↪️ Teruskan", "✖️ Tolak"]
    assert card["message_id"] == 1  # edited in place

    async with services_of(bot.application).database.sessions() as session:
        event = await session.scalar(select(ComplaintEvent).order_by(ComplaintEvent.id.desc()))
    assert event is not None
    assert (event.from_status, event.to_status, event.note) == (
        "baru",
        "diverifikasi",
        "Sudah dicek ke lokasi.",
    )
    assert event.actor_id is not None and event.at == bot.clock()


async def test_the_next_message_without_reply_also_completes_the_move(bot: BotHarness) -> None:
    code = await file_complaint(bot.person())
    group = bot.official(SEKCAM_ID)
    await group.tap("↪️ Teruskan", message=card_of(group, code))
    await group.send("Diteruskan ke Polsek Ajung.")
    assert await status_of(bot, code) == "diteruskan"
    card = card_of(group, code)
    assert group.buttons(card) == ["🔄 Buka kembali"]  # only a reopening is left
    assert "Ditutup: 17 Februari 2025 09.00 WIB" in card["text"]
    assert bot.person().last()["text"].endswith("Catatan petugas: Diteruskan ke Polsek Ajung.")


async def test_ditolak_asks_for_the_reason_then_the_note(bot: BotHarness) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    group = bot.official(CAMAT_ID)
    [reasons] = await group.tap("✖️ Tolak", message=card_of(group, code))
    assert reasons["text"] == f"Alasan menolak laporan {code}?"
    assert group.buttons(reasons) == [
        "Duplikat (sudah pernah dilaporkan)",
        "Palsu/tidak benar",
        "Di luar kewenangan kecamatan",
    ]
    [prompt] = await group.tap("Palsu/tidak benar")
    assert "→ Ditolak – Palsu/tidak benar: penjelasan untuk pelapor." in prompt["text"]
    await group.send("Tidak ditemukan kejadian di lokasi.", reply_to=prompt)
    assert siti.last()["text"] == (
        f"Kabar laporan {code}: Ditolak – Palsu/tidak benar.\n"
        "Laporan ini tidak dapat kami tindak lanjuti.\n"
        "Catatan petugas: Tidak ditemukan kejadian di lokasi."
    )
    async with services_of(bot.application).database.sessions() as session:
        row = await session.scalar(select(Complaint))
    assert row is not None and (row.status, row.reject_reason) == ("ditolak", "palsu")
    assert row.closed_at == bot.clock()  # a rejection closes it, like the other exits
    assert "Ditutup: 17 Februari 2025 09.00 WIB" in card_of(group, code)["text"]


@pytest.mark.parametrize("user_id", [PMKS_ID, 5550001, 4242], ids=["pmks", "reporter", "stranger"])
async def test_anyone_without_a_role_is_refused_and_nothing_changes(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, user_id: int
) -> None:
    caplog.set_level(logging.INFO)
    code = await file_complaint(bot.person())
    card = card_of(bot.official(), code)
    intruder = bot.official(user_id)
    assert await intruder.tap("✔️ Verifikasi", message=card) == []
    assert last_answer(bot) | {"callback_query_id": ""} == {
        "callback_query_id": "",
        "text": NOT_ALLOWED,
        "show_alert": True,
    }
    assert await intruder.send("catatan palsu") == []
    assert await status_of(bot, code) == "baru"
    assert await events(bot) == 1
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refusals == ["a complaint action was refused: the user holds no official role"]
    assert all(str(user_id) not in r.getMessage() for r in caplog.records)


async def test_two_officials_at_once_one_wins_the_other_is_told(bot: BotHarness) -> None:
    code = await file_complaint(bot.person())
    first, second = bot.official(TRANTIB_ID), bot.official(SEKCAM_ID)
    card = card_of(first, code)
    [prompt_1] = await first.tap("✔️ Verifikasi", message=card)
    [prompt_2] = await second.tap("✔️ Verifikasi", message=card)
    await asyncio.gather(
        first.send("cek oleh petugas satu", reply_to=prompt_1),
        second.send("cek oleh petugas dua", reply_to=prompt_2),
    )
    said = texts(first.inbox())
    assert said.count(f"✅ {code} sekarang Diverifikasi. Catatan tersimpan.") == 1
    assert said.count(f"{code} sudah dipindahkan ke Diverifikasi oleh petugas lain. "
                      "Tidak ada yang diubah.") == 1  # fmt: skip
    assert await events(bot) == 2
    async with services_of(bot.application).database.sessions() as session:
        pending = await session.scalar(select(func.count()).select_from(ComplaintPendingMove))
    assert pending == 0


async def test_a_button_on_an_out_of_date_card(bot: BotHarness) -> None:
    code = await file_complaint(bot.person())
    group = bot.official()
    old_card = card_of(group, code)
    await move(group, code, "✔️ Verifikasi", "cek lokasi")
    # The same card as it was before the move (another official's screen had not refreshed).
    await group.tap_data(old_card["reply_markup"]["inline_keyboard"][1][1]["callback_data"],
                         message=old_card)  # fmt: skip
    assert last_answer(bot)["text"] == (
        f"{code} sudah dipindahkan ke Diverifikasi oleh petugas lain. Tidak ada yang diubah."
    )
    assert await status_of(bot, code) == "diverifikasi"


@pytest.mark.parametrize(
    "data",
    ["tr:1:baru:selesai", "tr:1:selesai:baru", "tr:x:baru:diverifikasi", "tr:1:baru:palsu",
     "tr:1:baru:diteruskan:duplikat", "tr:999:baru:diverifikasi"],
)  # fmt: skip
async def test_forged_card_buttons_change_nothing(bot: BotHarness, data: str) -> None:
    code = await file_complaint(bot.person())
    group = bot.official()
    assert await group.tap_data(data, message=card_of(group, code)) == []
    assert last_answer(bot)["text"] in {
        "Tombol ini sudah tidak berlaku. Silakan pilih dari menu terbaru.",
        "Laporan itu tidak ditemukan.",
    }
    assert await status_of(bot, code) == "baru"


async def test_a_pending_move_survives_a_restart(bot: BotHarness) -> None:
    code = await file_complaint(bot.person())
    group = bot.official()
    [prompt] = await group.tap("✔️ Verifikasi", message=card_of(group, code))
    await bot.restart_after_crash()
    shown = await bot.official().send("Sudah dicek.", reply_to=prompt)
    assert f"✅ {code} sekarang Diverifikasi. Catatan tersimpan." in texts(shown)


async def test_note_must_be_text_and_not_too_long(bot: BotHarness) -> None:
    code = await file_complaint(bot.person())
    group = bot.official()
    [prompt] = await group.tap("✔️ Verifikasi", message=card_of(group, code))
    [refused] = await group.send_sticker()
    assert refused["text"] == (
        "Catatan harus berupa teks. Balas pesan permintaan catatan dengan teks, atau ketik /batal."
    )
    [refused] = await group.send("x" * 1001, reply_to=prompt)
    assert refused["text"] == (
        "Catatan terlalu panjang (1.001 huruf, paling banyak 1.000). Mohon diringkas."
    )
    # Telegram counts an emoji as two units: 501 of them are 1,002.
    [refused] = await group.send("😀" * 501, reply_to=prompt)
    assert refused["text"] == (
        "Catatan terlalu panjang (1.002 huruf, paling banyak 1.000). Mohon diringkas."
    )
    assert await status_of(bot, code) == "baru"
    await group.send("cukup", reply_to=prompt)
    assert await status_of(bot, code) == "diverifikasi"


TOO_SHORT = (
    "Catatan ini akan dikirim ke pelapor: mohon tulis apa yang diperiksa atau dilakukan, "
    'paling sedikit 5 huruf, bukan hanya "ok". Permintaan catatan masih berlaku; balas lagi '
    "pesannya."
)


@pytest.mark.parametrize(
    "note", ["ok", "Oke", "siap!", "OK OK OK", "okeee 👍", "cek", "👍👍👍👍👍👍"]
)
async def test_a_note_that_says_nothing_is_refused_and_the_request_stays(
    bot: BotHarness, note: str
) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    group = bot.official()
    [prompt] = await group.tap("✔️ Verifikasi", message=card_of(group, code))
    [refused] = await group.send(note, reply_to=prompt)
    assert refused["text"] == TOO_SHORT
    assert await status_of(bot, code) == "baru"
    assert not any(m["text"].startswith("Kabar laporan") for m in siti.inbox())
    await group.send("Sudah dicek ke lokasi, benar ada.", reply_to=prompt)
    assert await status_of(bot, code) == "diverifikasi"


async def test_a_note_is_cleaned_before_it_is_kept_and_told(bot: BotHarness) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    await move(bot.official(), code, "✔️ Verifikasi", "\x1b[31mSudah\x00 dicek\x07 ke lokasi.\r\n")
    async with services_of(bot.application).database.sessions() as session:
        note = await session.scalar(select(ComplaintEvent.note).order_by(ComplaintEvent.id.desc()))
    assert note == "Sudah dicek ke lokasi."
    assert siti.last()["text"].endswith("Catatan petugas: Sudah dicek ke lokasi.")


async def test_batal_in_the_group_drops_the_pending_move(bot: BotHarness) -> None:
    code = await file_complaint(bot.person())
    group = bot.official()
    [prompt] = await group.tap("✔️ Verifikasi", message=card_of(group, code))
    request, cancelled = await group.send("/batal")
    assert request["message_id"] == prompt["message_id"]
    assert request["text"] == (
        f"⛔ Permintaan catatan untuk {code} → Diverifikasi dibatalkan. Tidak ada yang diubah."
    )
    assert cancelled["text"] == f"Perubahan {code} dibatalkan; statusnya tetap Baru."
    assert await group.send("obrolan biasa") == []
    [void] = await group.send("Sudah dicek ke lokasi.", reply_to=prompt)
    assert void["text"] == VOID_REPLY
    assert await status_of(bot, code) == "baru"


# ---------------------------------------------------------------------- which move a note completes

VOID_REPLY = (
    "Permintaan catatan itu sudah tidak berlaku (diganti atau dibatalkan), jadi catatan ini tidak "
    "disimpan dan tidak ada yang diubah."
)
EXPIRED_REPLY = (
    "Permintaan catatan itu sudah kedaluwarsa, jadi catatan ini tidak disimpan dan tidak ada yang "
    "diubah. Tekan lagi tombolnya di kartu laporan bila masih perlu."
)


async def iku4(bot: BotHarness) -> tuple[int, int, int, int]:
    """IKU 4 of February 2025 as the report computes it: received, excluded, resolved, open."""
    async with services_of(bot.application).database.sessions() as session:
        figures = await complaints.fetch_figures(
            session, date(2025, 2, 1), date(2025, 2, 28), date(2025, 2, 28)
        )
    return figures.received, figures.excluded, figures.resolved, figures.open


def news_of(person: Person) -> list[str]:
    return [m["text"] for m in person.inbox() if m.get("text", "").startswith("Kabar laporan")]


async def test_a_forgotten_rejection_is_not_completed_by_a_reply_to_another_card(
    bot: BotHarness,
) -> None:
    """The issue's case: Tolak -> Palsu on one complaint, forgotten; three days later a reply to
    another complaint's card must not close the first as false, tell its reporter, or change
    IKU 4."""
    siti, budi = bot.person(), bot.person(5550002, first_name="Budi")
    first = await file_complaint(siti)
    second = await file_complaint(budi, category="Perjudian")
    group = bot.official()
    await group.tap("✖️ Tolak", message=card_of(group, first))
    [request] = await group.tap("Palsu/tidak benar")
    figures = await iku4(bot)
    bot.clock.advance(days=3)
    events_before = await events(bot)

    note = "pak, yang ini tolong dicek besok"
    assert await group.send(note, reply_to=card_of(group, second)) == []
    assert await group.send(note) == []  # nor a plain message
    assert await status_of(bot, first) == "baru"
    assert await status_of(bot, second) == "baru"
    assert news_of(siti) == [] and news_of(budi) == []
    assert await iku4(bot) == figures == (2, 0, 0, 2)
    assert await events(bot) == events_before

    # The old request itself has expired meanwhile: a reply to it changes nothing either.
    shown = await group.send("Tidak ditemukan kejadian.", reply_to=request)
    [notice] = [m for m in shown if m["message_id"] != request["message_id"]]
    assert notice["text"] == (
        f"⌛ Petugas, permintaan catatan untuk {first} → Ditolak – Palsu/tidak benar sudah lewat "
        "30 menit dan tidak berlaku lagi. Tidak ada yang diubah; tekan lagi tombolnya di kartu "
        "laporan bila masih perlu."
    )
    assert await status_of(bot, first) == "baru"
    assert news_of(siti) == []
    assert await iku4(bot) == figures
    [again] = await group.send("Tidak ditemukan kejadian.", reply_to=request)
    assert again["text"] == EXPIRED_REPLY


async def test_a_newer_button_on_the_same_complaint_voids_the_older_request_visibly(
    bot: BotHarness,
) -> None:
    """Verifikasi, then Tolak, then a reply to the Verifikasi request: Tolak replaced it, so
    the reply completes nothing, neither Verifikasi nor Tolak, and says so."""
    siti = bot.person()
    code = await file_complaint(siti)
    group = bot.official()
    [verify_request] = await group.tap("✔️ Verifikasi", message=card_of(group, code))
    shown = await group.tap("✖️ Tolak", message=card_of(group, code))
    voided, reasons = shown
    assert voided["message_id"] == verify_request["message_id"]
    assert voided["text"] == (
        f"⛔ Permintaan catatan untuk {code} → Diverifikasi tidak berlaku lagi: diganti oleh "
        "tombol yang ditekan sesudahnya. Tidak ada yang diubah."
    )
    assert reasons["text"] == f"Alasan menolak laporan {code}?"

    [answer] = await group.send("Sudah dicek, benar ada.", reply_to=verify_request)
    assert answer["text"] == VOID_REPLY
    assert await status_of(bot, code) == "baru"
    assert news_of(siti) == []
    assert await events(bot) == 1

    # The rejection goes on as asked, with its own request.
    [reject_request] = await group.tap("Duplikat (sudah pernah dilaporkan)", message=reasons)
    await group.send("Sama dengan laporan kemarin.", reply_to=reject_request)
    assert await status_of(bot, code) == "ditolak"
    [news] = news_of(siti)
    assert news.startswith(f"Kabar laporan {code}: Ditolak – Duplikat (sudah pernah dilaporkan).")


async def test_pressing_the_same_button_again_voids_the_first_request(bot: BotHarness) -> None:
    code = await file_complaint(bot.person())
    group = bot.official()
    [first] = await group.tap("✔️ Verifikasi", message=card_of(group, code))
    voided, second = await group.tap("✔️ Verifikasi", message=card_of(group, code))
    assert voided["message_id"] == first["message_id"]
    assert voided["text"].startswith(f"⛔ Permintaan catatan untuk {code} → Diverifikasi")
    [answer] = await group.send("Sudah dicek ke lokasi.", reply_to=first)
    assert answer["text"] == VOID_REPLY
    await group.send("Sudah dicek ke lokasi.", reply_to=second)
    assert await status_of(bot, code) == "diverifikasi"


async def test_a_reply_to_anything_but_the_request_completes_nothing(bot: BotHarness) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    group = bot.official()
    colleague = bot.official(SEKCAM_ID)
    [prompt] = await group.tap("✔️ Verifikasi", message=card_of(group, code))
    [talk] = await colleague.send("/laporan")  # any bot message in the group
    said = colleague.new_message(text="Pak, sudah ke lokasi?")  # a colleague's message
    colleague_message = {**said, "from": colleague.user}
    for target in (card_of(group, code), talk, colleague_message):
        assert await group.send("Sudah dicek ke lokasi.", reply_to=target) == []
    # Another official's reply to this official's request is not their note either.
    assert await colleague.send("Sudah dicek ke lokasi.", reply_to=prompt) == []
    assert await status_of(bot, code) == "baru"
    assert news_of(siti) == []
    await group.send("Sudah dicek ke lokasi.", reply_to=prompt)
    assert await status_of(bot, code) == "diverifikasi"


async def test_an_unanswered_request_expires_and_the_official_is_told(bot: BotHarness) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    group = bot.official()
    [prompt] = await group.tap("✔️ Verifikasi", message=card_of(group, code))
    bot.clock.advance(minutes=29)
    await note_requests.expire_note_requests(bot.context())
    assert group.last()["message_id"] == prompt["message_id"]  # nothing yet
    bot.clock.advance(minutes=1)
    await note_requests.expire_note_requests(bot.context())
    notice = group.last()
    assert notice["text"] == (
        f"⌛ Petugas, permintaan catatan untuk {code} → Diverifikasi sudah lewat 30 menit dan "
        "tidak berlaku lagi. Tidak ada yang diubah; tekan lagi tombolnya di kartu laporan bila "
        "masih perlu."
    )
    assert notice["reply_to_message"]["message_id"] == prompt["message_id"]
    assert notice["entities"][0] == {
        "offset": 2, "length": 7, "type": "text_link", "url": f"tg://user?id={TRANTIB_ID}",
    }  # fmt: skip
    await note_requests.expire_note_requests(bot.context())
    assert group.last()["message_id"] == notice["message_id"]  # told once

    [answer] = await group.send("Sudah dicek ke lokasi.", reply_to=prompt)
    assert answer["text"] == EXPIRED_REPLY
    assert await group.send("Sudah dicek ke lokasi.") == []
    assert await status_of(bot, code) == "baru"
    assert news_of(siti) == []


async def test_the_note_timeout_is_configurable(database_url: str) -> None:
    harness = BotHarness(make_config(database_url, complaints={"note_timeout_minutes": 10}))
    await harness.start()
    try:
        code = await file_complaint(harness.person())
        group = harness.official()
        [prompt] = await group.tap("✔️ Verifikasi", message=card_of(group, code))
        harness.clock.advance(minutes=10)
        await note_requests.expire_note_requests(harness.context())
        assert "sudah lewat 10 menit" in group.last()["text"]
        [answer] = await group.send("Sudah dicek ke lokasi.", reply_to=prompt)
        assert answer["text"] == EXPIRED_REPLY
        assert await status_of(harness, code) == "baru"
    finally:
        await harness.stop()


async def test_a_plain_message_completes_only_one_recent_request(bot: BotHarness) -> None:
    first = await file_complaint(bot.person())
    second = await file_complaint(bot.person(5550002, first_name="Budi"))
    group = bot.official()
    [first_request] = await group.tap("✔️ Verifikasi", message=card_of(group, first))
    await group.tap("✔️ Verifikasi", message=card_of(group, second))
    [which] = await group.send("Sudah dicek ke lokasi.")
    assert which["text"] == (
        f"Ada 2 permintaan catatan Bapak/Ibu yang menunggu ({first}, {second}). Balas (reply) "
        "pesan permintaan yang sesuai supaya catatan tidak tertukar. Pesan ini tidak disimpan "
        "sebagai catatan."
    )
    assert (await status_of(bot, first), await status_of(bot, second)) == ("baru", "baru")
    await group.send("Sudah dicek ke lokasi.", reply_to=first_request)
    assert await status_of(bot, first) == "diverifikasi"

    # One request left, but pressed more than five minutes ago: a plain message is talk.
    bot.clock.advance(minutes=6)
    assert await group.send("Nanti siang saya ke sana.") == []
    assert await status_of(bot, second) == "baru"
    # A fresh press makes it recent again.
    await group.tap("✔️ Verifikasi", message=card_of(group, second))
    await group.send("Sudah dicek ke lokasi.")
    assert await status_of(bot, second) == "diverifikasi"


# ---------------------------------------------------------------------------- reopening

REOPEN_NOT_ALLOWED = (
    "Maaf, hanya Camat atau Sekcam yang dapat membuka kembali laporan yang sudah ditutup."
)


async def close(bot: BotHarness, code: str, closing: str) -> None:
    group = bot.official()
    if closing == "selesai":
        await move(group, code, "▶️ Proses", "Petugas menuju lokasi.")
        await move(group, code, "✅ Selesai", "Sudah ditertibkan petugas.")
    elif closing == "diteruskan":
        await move(group, code, "↪️ Teruskan", "Diteruskan ke Polsek Ajung.")
    else:
        await group.tap("✖️ Tolak", message=card_of(group, code))
        await group.tap("Palsu/tidak benar")
        await group.send("Tidak ditemukan kejadian di lokasi.", reply_to=group.last())


@pytest.mark.parametrize(
    ("closing", "label", "before"),
    [
        ("selesai", "Selesai", (1, 0, 1, 0)),
        ("diteruskan", "Diteruskan", (1, 0, 1, 0)),
        ("ditolak", "Ditolak – Palsu/tidak benar", (1, 1, 0, 0)),
    ],
)
@pytest.mark.parametrize("official_id", [CAMAT_ID, SEKCAM_ID], ids=["camat", "sekcam"])
async def test_camat_and_sekcam_reopen_a_closed_complaint_with_a_note(
    bot: BotHarness, closing: str, label: str, before: tuple[int, ...], official_id: int
) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    await close(bot, code, closing)
    assert await iku4(bot) == before
    group = bot.official(official_id)
    card = card_of(group, code)
    assert card["text"].startswith(f"📣 Laporan {code} · {label}\n")
    assert group.buttons(card) == ["🔄 Buka kembali"]

    bot.clock.advance(hours=2)
    [prompt] = await group.tap("🔄 Buka kembali", message=card)
    assert prompt["text"] == (
        f"Petugas, balas pesan ini dengan catatan untuk {code} → Diproses: alasan laporan dibuka "
        "kembali. Ketik /batal untuk membatalkan."
    )
    shown = await group.send("Warga melapor masih terjadi, mohon ditangani.", reply_to=prompt)
    assert f"🔄 {code} dibuka kembali, sekarang Diproses. Catatan tersimpan." in texts(shown)

    card = card_of(group, code)
    assert card["text"].startswith(f"📣 Laporan {code} · Diproses\n")
    assert "Ditutup" not in card["text"] and "Batas waktu" in card["text"]
    assert group.buttons(card) == ["✅ Selesai", "↪️ Teruskan", "✖️ Tolak"]
    assert news_of(siti)[-1] == (
        f"Kabar laporan {code}: Diproses.\n"
        "Laporan ini dibuka kembali dan ditangani lagi oleh petugas.\n"
        "Catatan petugas: Warga melapor masih terjadi, mohon ditangani."
    )
    async with services_of(bot.application).database.sessions() as session:
        row = await session.scalar(select(Complaint).where(Complaint.code == code))
        event = await session.scalar(select(ComplaintEvent).order_by(ComplaintEvent.id.desc()))
    assert row is not None and (row.status, row.reject_reason, row.closed_at) == (
        "diproses", None, None,
    )  # fmt: skip
    assert event is not None
    assert (event.from_status, event.to_status, event.note, event.at) == (
        closing, "diproses", "Warga melapor masih terjadi, mohon ditangani.", bot.clock(),
    )  # fmt: skip
    # IKU 4 is computed from the status now: open again, in the denominator again.
    assert await iku4(bot) == (1, 0, 0, 1)
    [detail] = await group.send(f"/laporan {code}")
    assert detail["text"].endswith(
        "Diproses oleh Petugas\n  Catatan: Warga melapor masih terjadi, mohon ditangani."
    )


async def test_trantib_cannot_reopen(bot: BotHarness) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    await close(bot, code, "diteruskan")
    group = bot.official(TRANTIB_ID)
    assert await group.tap("🔄 Buka kembali", message=card_of(group, code)) == []
    answer = last_answer(bot)
    assert (answer["text"], answer["show_alert"]) == (REOPEN_NOT_ALLOWED, True)
    assert await status_of(bot, code) == "diteruskan"
    assert len(news_of(siti)) == 1


async def test_a_reopening_started_by_a_sekcam_who_lost_the_role_is_refused(
    database_url: str,
) -> None:
    harness = BotHarness(make_config(database_url))
    await harness.start()
    code = await file_complaint(harness.person())
    await close(harness, code, "diteruskan")
    group = harness.official(SEKCAM_ID)
    [prompt] = await group.tap("🔄 Buka kembali", message=card_of(group, code))
    await harness.stop()
    # Before the note, the Sekcam becomes a Trantib officer and the bot is restarted.
    roles = {"sekcam": (), "trantib": (TRANTIB_ID, SEKCAM_ID)}
    harness.config = make_config(database_url, roles=roles)
    await harness.start()
    try:
        [refused] = await harness.official(SEKCAM_ID).send("Dibuka lagi ya.", reply_to=prompt)
        assert refused["text"] == REOPEN_NOT_ALLOWED
        assert await status_of(harness, code) == "diteruskan"
    finally:
        await harness.stop()


@pytest.mark.parametrize(
    "data", ["tr:1:selesai:baru", "tr:1:selesai:diverifikasi", "tr:1:ditolak:selesai",
             "tr:1:diteruskan:ditolak:palsu", "tr:1:selesai:diproses:palsu"],
)  # fmt: skip
async def test_forged_reopenings_change_nothing(bot: BotHarness, data: str) -> None:
    code = await file_complaint(bot.person())
    await close(bot, code, "selesai")
    group = bot.official(CAMAT_ID)
    assert await group.tap_data(data, message=card_of(group, code)) == []
    assert last_answer(bot)["text"] == (
        "Tombol ini sudah tidak berlaku. Silakan pilih dari menu terbaru."
    )
    assert await status_of(bot, code) == "selesai"


# ---------------------------------------------------------------------------- /laporan


async def test_laporan_lists_open_complaints_overdue_first_with_filters(bot: BotHarness) -> None:
    siti, budi = bot.person(), bot.person(5550002, first_name="Budi")
    old = await file_complaint(siti, category="Perjudian", desa="Mangaran")
    bot.clock.advance(days=7)
    newer = await file_complaint(budi, category="Parkir liar", desa="Ajung")
    done = await file_complaint(budi, category="Parkir liar", desa="Ajung")
    group = bot.official()
    await move(group, done, "↪️ Teruskan", "ke Satpol PP")

    [listing] = await group.send("/laporan")
    assert listing["text"] == (
        "Laporan terbuka: 2\n"
        f"⏰ {old} · Baru · Perjudian · Mangaran · 17 Februari 2025\n"
        f"{newer} · Baru · Parkir liar · Ajung · 24 Februari 2025\n"
        "Tekan kode laporan di bawah untuk membukanya."
    )
    [by_desa] = await group.send("/laporan ajung")
    assert by_desa["text"].splitlines()[1:-1] == [
        f"{newer} · Baru · Parkir liar · Ajung · 24 Februari 2025"
    ]
    [by_category] = await group.send("/laporan judi")
    assert by_category["text"].splitlines()[0] == "Laporan terbuka: 1"
    [two_words] = await group.send("/laporan liar parkir")  # both words in one category
    assert two_words["text"].splitlines()[1:-1] == by_desa["text"].splitlines()[1:-1]
    [no_category] = await group.send("/laporan parkir judi")  # no category holds both
    assert no_category["text"] == "Tidak ada laporan terbuka yang cocok."
    [overdue] = await group.send("/laporan terlambat")
    assert overdue["text"].splitlines()[1].startswith(f"⏰ {old}")
    [none] = await group.send("/laporan diproses")
    assert none["text"] == "Tidak ada laporan terbuka yang cocok."
    [unknown] = await group.send("/laporan kemarin")
    assert unknown["text"].startswith("Filter tidak dikenal: kemarin.")

    [private] = await bot.official(CAMAT_ID, in_group=False).send("/laporan")
    assert private["text"] == listing["text"]


async def test_laporan_code_shows_the_history_with_who_did_what(bot: BotHarness) -> None:
    code = await file_complaint(bot.person(), privacy="Anonim")
    group = bot.official()
    await move(group, code, "✔️ Verifikasi", "cek lokasi")
    [detail] = await group.send(f"/laporan {code}")
    assert detail["text"].endswith(
        "Riwayat:\n"
        "• 17 Februari 2025 09.00 WIB: Baru\n"
        "• 17 Februari 2025 09.00 WIB: Diverifikasi oleh Petugas\n"
        "  Catatan: cek lokasi"
    )
    assert "Pelapor: anonim (identitas disembunyikan)" in detail["text"]
    assert "Siti" not in detail["text"]
    [missing] = await group.send("/laporan TRB-2025-0099")
    assert missing["text"] == "Laporan itu tidak ditemukan."


OFFICE_CHATS_ONLY = (
    "Perintah dan tombol laporan hanya dapat dipakai di grup Trantib atau di chat pribadi "
    "dengan bot, agar isi laporan tidak tersebar."
)


@pytest.mark.parametrize("official_id", [TRANTIB_ID, CAMAT_ID, SEKCAM_ID])
async def test_laporan_in_any_other_group_posts_nothing_confidential(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, official_id: int
) -> None:
    caplog.set_level(logging.INFO)
    code = await file_complaint(bot.person(), privacy="Rahasia", description="Rahasia sekali ini.")
    village = bot.person(
        official_id, first_name="Petugas", chat_id=-100777, chat_type="supergroup",
        chat_title="Warga Desa Ajung",
    )  # fmt: skip
    for command in ("/laporan", f"/laporan {code}", "/laporan terlambat"):
        [answer] = await village.send(command)
        assert answer["text"] == OFFICE_CHATS_ONLY
    # A forged card button there is refused too: no note request, no move.
    assert await village.tap_data("tr:1:baru:diverifikasi", message=answer) == []
    assert last_answer(bot)["text"] == OFFICE_CHATS_ONLY
    assert [m["text"] for m in village.inbox()] == [OFFICE_CHATS_ONLY] * 3
    assert await status_of(bot, code) == "baru"
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert str(official_id) not in logged and "-100777" not in logged and "Siti" not in logged
    # The same official still sees it in the group and in private.
    [listing] = await bot.official(official_id).send("/laporan")
    assert code in listing["text"]
    [private] = await bot.official(official_id, in_group=False).send("/laporan")
    assert code in private["text"]


async def test_laporan_in_a_group_when_no_trantib_group_is_configured(
    database_url: str,
) -> None:
    config = make_config(database_url, telegram={"trantib_chat_id": 0})
    harness = BotHarness(config)
    await harness.start()
    try:
        [answer] = await harness.official().send("/laporan")
        assert answer["text"] == OFFICE_CHATS_ONLY
    finally:
        await harness.stop()


async def test_laporan_is_for_officials_only(bot: BotHarness) -> None:
    [refused] = await bot.person().send("/laporan")
    assert refused["text"] == "Perintah ini khusus petugas Trantib, Sekcam, dan Camat."


# ---------------------------------------------------------------------------- /catat


async def test_catat_records_a_complaint_from_another_channel(bot: BotHarness) -> None:
    official = bot.official(TRANTIB_ID, in_group=False)
    [first] = await official.send("/catat")
    assert first["text"] == "Gangguan apa yang dilaporkan?"  # to the official, not a resident
    assert official.buttons(first)[-1] == "❌ Batal"
    await official.tap("Minuman keras")
    await official.tap("Sukamakmur")
    await official.send("warung dekat lapangan")
    await official.tap("Lanjut ➡️")
    [described] = await official.send("Warga melapor ada penjualan miras tiap malam minggu.")
    assert described["text"] == "Laporan ini masuk lewat apa?"
    [channels] = await official.send_sticker()
    assert channels["text"] == (
        "Maaf, stiker tidak bisa kami terima di langkah ini.\n"
        "Silakan pilih saluran masuknya dengan tombol di bawah ini."
    )
    assert official.buttons(channels) == [
        "Datang langsung", "Surat", "Telepon", "WhatsApp", "SP4N-LAPOR!", "Media sosial",
        "⬅️ Kembali", "❌ Batal",
    ]  # fmt: skip
    [when] = await official.tap("SP4N-LAPOR!")
    assert when["text"] == (
        "Kapan laporan ini diterima? Tekan Hari ini atau Kemarin, atau ketik tanggalnya, "
        "misalnya 17/2/2025."
    )
    assert official.buttons(when) == ["Hari ini", "Kemarin", "⬅️ Kembali", "❌ Batal"]
    [summary] = await official.tap("Hari ini")
    assert summary["text"].startswith("Periksa catatan laporan sebelum disimpan:\n")
    assert "Masuk lewat: SP4N-LAPOR!\nDiterima: 17 Februari 2025\n" in summary["text"]
    [saved] = await official.tap("✅ Kirim")
    assert saved["text"] == (
        "Laporan tercatat dengan kode TRB-2025-0001 dan diteruskan ke grup Trantib."
    )
    card = card_of(bot.official(), "TRB-2025-0001")
    assert "Masuk lewat: SP4N-LAPOR!" in card["text"]
    assert "Dicatat oleh: Petugas" in card["text"]
    async with services_of(bot.application).database.sessions() as session:
        row = await session.scalar(select(Complaint))
    assert row is not None
    assert (row.channel, row.reporter_id, row.recorded_by_id is not None) == (
        "span_lapor",
        None,
        True,
    )
    assert (row.received_on, row.received_at) == (date(2025, 2, 17), bot.clock())


async def test_a_whatsapp_message_to_the_office_is_recorded_as_whatsapp(bot: BotHarness) -> None:
    official = bot.official(TRANTIB_ID, in_group=False)
    await official.send("/catat")
    await official.tap("Perjudian")
    await official.tap("Ajung")
    await official.send("pos ronda")
    await official.tap("Lanjut ➡️")
    await official.send("Pesan WhatsApp warga: ada judi kartu tiap malam.")
    await official.tap("WhatsApp")
    [summary] = await official.tap("Kemarin")
    assert "Masuk lewat: WhatsApp\nDiterima: 16 Februari 2025\n" in summary["text"]
    await official.tap("✅ Kirim")
    async with services_of(bot.application).database.sessions() as session:
        row = await session.scalar(select(Complaint))
    assert row is not None and (row.channel, row.received_on) == ("whatsapp", date(2025, 2, 16))


def iku4_line(message: JSONDict) -> str:
    return next(line for line in message["text"].splitlines() if line.startswith("4. "))


async def test_catat_with_an_earlier_date_counts_in_that_weeks_iku4(bot: BotHarness) -> None:
    """Monday 17 February 2025: a letter that came on Wednesday 12 February is recorded now."""
    official = bot.official(TRANTIB_ID, in_group=False)
    await official.send("/catat")
    await official.tap("Perjudian")
    await official.tap("Mangaran")
    await official.send("balai desa")
    await official.tap("Lanjut ➡️")
    await official.send("Surat warga: ada judi sabung ayam di belakang balai desa.")
    await official.tap("Surat")
    hint = (
        "Silakan tekan Hari ini atau Kemarin, atau ketik tanggal diterimanya, misalnya 17/2/2025."
    )
    [future] = await official.send("18/2/2025")
    assert future["text"] == (
        "Tanggal 18 Februari 2025 belum lewat: laporan hanya bisa dicatat sebagai diterima "
        f"hari ini atau sebelumnya.\n{hint}"
    )
    [old] = await official.send("31-12-2023")
    assert old["text"] == (
        f"Tanggal 31 Desember 2023 terlalu lama: paling awal 1 Januari 2024.\n{hint}"
    )
    [unknown] = await official.send("rabu lalu")
    assert unknown["text"] == f"Tanggal itu tidak kami kenali.\n{hint}"
    assert official.buttons(unknown) == ["Hari ini", "Kemarin", "⬅️ Kembali", "❌ Batal"]
    [summary] = await official.send("12/2/2025")
    assert "Diterima: 12 Februari 2025" in summary["text"]
    await official.tap("✅ Kirim")
    async with services_of(bot.application).database.sessions() as session:
        row = await session.scalar(select(Complaint))
    assert row is not None
    # Midday local time of that day; its SP4N clocks start then too.
    assert row.received_on == date(2025, 2, 12)
    assert row.received_at.isoformat() == "2025-02-12T05:00:00+00:00"
    assert row.verify_by == date(2025, 2, 17)
    card = card_of(bot.official(), row.code)
    assert "Diterima: 12 Februari 2025 12.00 WIB" in card["text"]

    camat = bot.person(CAMAT_ID, first_name="Camat")
    [earlier] = await camat.send("/iku 2025-W07")
    assert iku4_line(earlier) == "4. Laporan trantib terselesaikan: 0 dari 1 laporan, 0,00%"
    [this_week] = await camat.send("/iku 2025-W08")
    assert iku4_line(this_week) == "4. Laporan trantib terselesaikan: belum ada data"


async def test_catat_is_for_officials_only(bot: BotHarness) -> None:
    [refused] = await bot.person().send("/catat")
    assert refused["text"] == "Perintah ini khusus petugas Trantib, Sekcam, dan Camat."
    [after] = await bot.person().send("halo")
    assert after["text"].startswith("Maaf, kami belum mengerti")


# ---------------------------------------------------------------------------- jobs


async def test_overdue_list_is_posted_once_per_complaint_per_day(bot: BotHarness) -> None:
    late = await file_complaint(bot.person())
    on_time = await file_complaint(bot.person(5550002, first_name="Budi"))
    group = bot.official()
    await move(group, on_time, "✔️ Verifikasi", "cek lokasi")
    # Monday 17 Feb received; verify by Thursday 20 Feb. Friday 21 Feb, 07:00 WIB: too early.
    bot.clock.advance(days=3, hours=22)
    before = len(group.inbox())
    await trantib.overdue_report(bot.context())
    assert len(group.inbox()) == before

    bot.clock.advance(minutes=30)  # 07:30 WIB
    await trantib.overdue_report(bot.context())
    assert group.last()["text"] == (
        "⏰ Laporan yang melewati batas waktu hari ini: 1\n"
        f"• {late} · Baru · Parkir liar · Ajung: lewat batas verifikasi (20 Februari 2025)"
    )
    posted = len(group.inbox())
    await bot.restart_after_crash()
    await trantib.overdue_report(bot.context())
    assert len(bot.official().inbox()) == posted  # not twice the same day

    bot.clock.advance(days=1)
    await trantib.overdue_report(bot.context())
    assert len(bot.official().inbox()) == posted + 1


async def test_overdue_job_is_scheduled_daily_at_the_configured_time(bot: BotHarness) -> None:
    from bot.jobs import schedule

    [job] = [j for j in schedule(bot.config) if j.name == "complaints.overdue_report"]
    assert job.daily_at is not None
    assert (job.daily_at.hour, job.daily_at.minute) == (7, 30)
    assert job.daily_at.tzinfo == bot.config.kecamatan.tz
    queued = bot.application.job_queue
    assert queued is not None
    assert {j.name for j in queued.jobs()} >= {"complaints.overdue_report", "complaints.catch_up"}


async def test_catch_up_posts_a_card_that_never_reached_the_group(bot: BotHarness) -> None:
    bot.api.block(TRANTIB_GROUP)  # the group cannot be reached for a moment
    code = await file_complaint(bot.person(), photos=1)
    assert "Laporan Bapak/Ibu tercatat" in bot.person().last()["text"]
    group = bot.official()
    assert group.inbox() == []
    bot.api.unblock(TRANTIB_GROUP)
    await complaint_card.catch_up(bot.context())
    assert group.inbox() == []  # too young: its own handler may still be publishing it
    bot.clock.advance(minutes=3)
    await complaint_card.catch_up(bot.context())
    card, photo = group.inbox()
    assert card["text"].startswith(f"📣 Laporan {code} · Baru")
    assert photo["caption"] == f"Foto 1 · {code}"
    await complaint_card.catch_up(bot.context())
    assert len(group.inbox()) == 2  # posted once


async def test_catch_up_walks_past_cards_that_keep_failing(bot: BotHarness) -> None:
    """Twenty cards Telegram keeps refusing must not hold back the twenty-first."""
    stored = [await stored_directly(bot) for _ in range(21)]
    bot.clock.advance(minutes=3)
    bot.api.fail_next("sendMessage", status=400, description="Bad Request: refused", times=20)
    await complaint_card.catch_up(bot.context())
    cards = [m["text"] for m in bot.official().inbox()]
    assert len(cards) == 1
    assert cards[0].startswith(f"📣 Laporan {stored[-1].code} ")


async def test_a_complaint_whose_card_never_posted_is_still_in_officials_hands(
    bot: BotHarness,
) -> None:
    """The card may never reach the group (Telegram refused it, the group was unreachable):
    /laporan CODE shows the complaint with the card's buttons, in private and in the group;
    a move started in private asks for the note there; the overdue list names it."""
    siti = bot.person()
    bot.api.block(TRANTIB_GROUP)
    code = await file_complaint(siti)
    bot.api.unblock(TRANTIB_GROUP)
    group = bot.official()
    assert group.inbox() == []  # no card, and catch_up has not run

    private = bot.official(TRANTIB_ID, in_group=False)
    [detail] = await private.send(f"/laporan {code}")
    assert detail["text"].startswith(f"📣 Laporan {code} · Baru\n")
    assert private.buttons(detail) == ["✔️ Verifikasi", "▶️ Proses", "↪️ Teruskan", "✖️ Tolak"]
    [in_group] = await group.send(f"/laporan {code}")
    assert group.buttons(in_group) == private.buttons(detail)

    [prompt] = await private.tap("✔️ Verifikasi", message=detail)
    assert prompt["text"].startswith(f"Petugas, balas pesan ini dengan catatan untuk {code}")
    [moved] = await private.send("Sudah dicek ke lokasi.", reply_to=prompt)
    assert moved["text"] == f"✅ {code} sekarang Diverifikasi. Catatan tersimpan."
    assert await status_of(bot, code) == "diverifikasi"
    assert news_of(siti)[-1].startswith(f"Kabar laporan {code}: Diverifikasi.")

    # Received Monday 17 Feb; plan by 27 Feb. On Friday 28 Feb at 07:30 WIB it is overdue.
    bot.clock.advance(days=10, hours=22, minutes=30)
    await trantib.overdue_report(bot.context())
    assert group.last()["text"] == (
        "⏰ Laporan yang melewati batas waktu hari ini: 1\n"
        f"• {code} · Diverifikasi · Parkir liar · Ajung: lewat batas rencana tindak lanjut "
        "(27 Februari 2025)"
    )


async def test_the_reopen_button_in_private_only_for_those_who_may(bot: BotHarness) -> None:
    code = await file_complaint(bot.person())
    await close(bot, code, "diteruskan")
    [trantib_view] = await bot.official(TRANTIB_ID, in_group=False).send(f"/laporan {code}")
    [camat_view] = await bot.official(CAMAT_ID, in_group=False).send(f"/laporan {code}")
    assert bot.official().buttons(trantib_view) == []
    assert bot.official().buttons(camat_view) == ["🔄 Buka kembali"]


async def test_a_photo_that_could_not_be_downloaded_is_kept_later(bot: BotHarness) -> None:
    siti = bot.person()
    await fill_complaint(siti, photos=1)
    bot.api.fail_next("getFile", status=502, description="Bad Gateway")
    await siti.tap("✅ Kirim")
    async with services_of(bot.application).database.sessions() as session:
        assert await session.scalar(select(ComplaintPhoto.local_path)) is None
    await complaint_card.catch_up(bot.context())
    kept = Path(bot.config.complaints.photo_dir) / "TRB-2025-0001-1.jpg"
    assert kept.read_bytes() == b"\xff\xd8\xff\xe0 offline jpeg"  # what the phone sent


# ---------------------------------------------------------------------------- what officials read


def nested_brackets(text: str) -> bool:
    """Whether a pair of brackets sits inside another: "Ditolak (Duplikat (sudah ...))"."""
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth > 1:
            return True
    return False


NOTE = "Sudah dicek petugas di lokasi."


@pytest.mark.parametrize(
    ("moves", "confirmation"),
    [
        pytest.param([["✔️ Verifikasi"]], "✅ {code} sekarang Diverifikasi.", id="verified"),
        pytest.param(
            [["✔️ Verifikasi"], ["▶️ Proses"]], "✅ {code} sekarang Diproses.", id="in-progress"
        ),
        pytest.param(
            [["✔️ Verifikasi"], ["▶️ Proses"], ["✅ Selesai"]],
            "✅ {code} sekarang Selesai.",
            id="resolved",
        ),
        pytest.param([["↪️ Teruskan"]], "↪️ {code} sekarang Diteruskan.", id="forwarded"),
        pytest.param(
            [["✖️ Tolak", "Duplikat (sudah pernah dilaporkan)"]],
            "✖️ {code} sekarang Ditolak – Duplikat (sudah pernah dilaporkan).",
            id="rejected-duplicate",
        ),
        pytest.param(
            [["✖️ Tolak", "Palsu/tidak benar"]],
            "✖️ {code} sekarang Ditolak – Palsu/tidak benar.",
            id="rejected-false",
        ),
        pytest.param(
            [["✖️ Tolak", "Di luar kewenangan kecamatan"]],
            "✖️ {code} sekarang Ditolak – Di luar kewenangan kecamatan.",
            id="rejected-outside",
        ),
    ],
)
async def test_each_outcome_is_confirmed_with_its_own_mark_and_no_nested_brackets(
    bot: BotHarness, moves: list[list[str]], confirmation: str
) -> None:
    """✅ says a complaint moved on; a forward or a rejection is not a tick. The reason of a
    rejection is never a bracket inside another bracket, wherever the status is named."""
    siti = bot.person()
    code = await file_complaint(siti)
    group = bot.official()
    for presses in moves:
        await group.tap(presses[0], message=card_of(group, code))
        for label in presses[1:]:
            await group.tap(label)
        request = group.last()
        shown = await group.send(NOTE, reply_to=request)
    told = [text for text in texts(shown) if not text.startswith("📣")]  # the card, edited
    assert told == [f"{confirmation.format(code=code)} Catatan tersimpan."]
    status = confirmation.split(" sekarang ", 1)[1].removesuffix(".")
    assert request["text"].startswith(f"Petugas, balas pesan ini dengan catatan untuk {code} → "
                                       f"{status}: ")  # fmt: skip
    assert card_of(group, code)["text"].startswith(f"📣 Laporan {code} · {status}\n")
    assert news_of(siti)[-1].startswith(f"Kabar laporan {code}: {status}.\n")
    said = [*texts(group.inbox()), *news_of(siti)]
    assert [text for text in said if nested_brackets(text)] == []


OFFICIALS_READ = (
    "trantib.card_title",
    "trantib.moved",
    "trantib.reopened",
    "trantib.last_move",
    "trantib.ask_note",
    "trantib.already_moved",
    "trantib.request_replaced",
    "trantib.request_cancelled",
    "trantib.request_expired",
    "trantib.move_cancelled",
    "status.detail",
    "status.update",
    "status.event",
    "trantib.event",
    "trantib.open_item",
    "trantib.overdue_item",
)


@pytest.mark.parametrize("language", ["id", "en"])
def test_no_status_text_nests_brackets_in_any_language(language: str) -> None:
    """Every text that names a status, with every status and every reason of a rejection."""
    t = catalog().for_language(language)
    labels = [trantib_views.status_label(t, status) for status in Status]
    labels += [trantib_views.status_label(t, Status.DITOLAK, r) for r in RejectReason]
    for key in OFFICIALS_READ:
        filler = {name: "X" for name in catalog().placeholders(language, key)}
        for label in labels:
            text = t(key, **{**filler, "status": label})
            assert not nested_brackets(text), text


@pytest.mark.parametrize("language", ["id", "en"])
def test_only_a_step_forward_is_ticked(language: str) -> None:
    t = catalog().for_language(language)
    ticked = {
        (status, reason): trantib_views.move_confirmation(
            t, "TRB-2025-0001", status, reason
        ).startswith("✅")
        for status, reason in [
            (Status.DIVERIFIKASI, None),
            (Status.DIPROSES, None),
            (Status.SELESAI, None),
            (Status.DITERUSKAN, None),
            *[(Status.DITOLAK, reason) for reason in RejectReason],
        ]
    }
    assert {key for key, tick in ticked.items() if tick} == {
        (Status.DIVERIFIKASI, None),
        (Status.DIPROSES, None),
        (Status.SELESAI, None),
    }
    reopened = trantib_views.move_confirmation(
        t, "TRB-2025-0001", Status.DIPROSES, None, reopened=True
    )
    assert reopened.startswith("🔄 TRB-2025-0001 ")


# ---------------------------------------------------------------------------- the card's last move

DEADLINES = (
    "Batas waktu: verifikasi 20 Februari 2025, rencana tindak lanjut 27 Februari 2025, "
    "selesai 12 Mei 2025"
)


def official_named(bot: BotHarness, user_id: int, name: str) -> Person:
    return bot.person(
        user_id, first_name=name, chat_id=TRANTIB_GROUP, chat_type="supergroup",
        chat_title="Trantib Ajung",
    )  # fmt: skip


async def test_the_card_shows_the_last_move_who_when_and_the_note(bot: BotHarness) -> None:
    code = await file_complaint(bot.person())
    assert card_of(bot.official(), code)["text"].endswith(DEADLINES)  # no move yet
    bot.clock.advance(hours=1, minutes=5)
    await move(official_named(bot, TRANTIB_ID, "Pak Joko"), code, "✔️ Verifikasi", NOTE)
    assert card_of(bot.official(), code)["text"].endswith(
        f"{DEADLINES}\n"
        "Terakhir: Diverifikasi oleh Pak Joko, 17 Februari 2025 10.05 WIB\n"
        f"Catatan: {NOTE}"
    )
    bot.clock.advance(days=1)
    sekcam = official_named(bot, SEKCAM_ID, "Bu Rina")
    await sekcam.tap("✖️ Tolak", message=card_of(sekcam, code))
    await sekcam.tap("Duplikat (sudah pernah dilaporkan)")
    await sekcam.send("Sama dengan laporan TRB-2025-0007.", reply_to=sekcam.last())
    assert card_of(bot.official(), code)["text"].endswith(
        "Ditutup: 18 Februari 2025 10.05 WIB\n"
        "Terakhir: Ditolak – Duplikat (sudah pernah dilaporkan) oleh Bu Rina, "
        "18 Februari 2025 10.05 WIB\n"
        "Catatan: Sama dengan laporan TRB-2025-0007."
    )


async def test_a_long_note_is_shortened_on_the_card_and_the_card_still_fits(
    bot: BotHarness,
) -> None:
    """The longest note with the longest description: the card still reaches the group,
    with its deadlines, and the note in full is in /laporan CODE."""
    code = await file_complaint(bot.person(), description="🚨 " + "Ramai sekali. " * 142)
    note = ("Petugas sudah ke lokasi dan bertemu warga. " * 24)[:999] + "."
    group = bot.official()
    await move(group, code, "✔️ Verifikasi", note)
    card = card_of(group, code)["text"]
    assert utf16_length(card) <= 4096
    *_, deadlines, last, shown = card.split("\n")
    assert deadlines == DEADLINES
    assert last == "Terakhir: Diverifikasi oleh Petugas, 17 Februari 2025 09.00 WIB"
    assert shown.startswith("Catatan: Petugas sudah ke lokasi") and shown.endswith("…")
    assert utf16_length(shown) <= len("Catatan: ") + trantib_views.CARD_NOTE_MAX
    [detail] = await group.send(f"/laporan {code}")
    assert f"  Catatan: {note}" in detail["text"]


async def test_a_card_posted_late_shows_the_move_made_meanwhile(bot: BotHarness) -> None:
    bot.api.block(TRANTIB_GROUP)
    code = await file_complaint(bot.person())
    bot.api.unblock(TRANTIB_GROUP)
    private = bot.official(CAMAT_ID, in_group=False)
    await private.send(f"/laporan {code}")
    await private.tap("↪️ Teruskan")
    await private.send("Diteruskan ke Satpol PP Kabupaten.", reply_to=private.last())
    bot.clock.advance(minutes=3)
    await complaint_card.catch_up(bot.context())
    assert card_of(bot.official(), code)["text"].endswith(
        "Terakhir: Diteruskan oleh Petugas, 17 Februari 2025 09.00 WIB\n"
        "Catatan: Diteruskan ke Satpol PP Kabupaten."
    )


# ---------------------------------------------------------------------------- /laporan buttons


async def stored(bot: BotHarness, count: int, *, desa: str = "Ajung") -> list[str]:
    """``count`` complaints entered by phone, straight into the database (no card)."""
    codes = []
    async with services_of(bot.application).database.transaction() as session:
        for _ in range(count):
            record = await complaints.record_complaint(
                session,
                NewComplaint(
                    channel=Channel.PHONE, category="Parkir liar", desa=desa,
                    place="depan pasar", latitude=None, longitude=None,
                    description=DESCRIPTION, privacy=Privacy.BIASA,
                ),
                prefix="TRB", rules=bot.config.complaints.clock_rules,
                tz=bot.config.kecamatan.tz, now=bot.clock(),
            )  # fmt: skip
            codes.append(record.code)
    return codes


async def test_each_complaint_of_a_list_opens_with_its_actions(bot: BotHarness) -> None:
    """A complaint whose card is far up the group, or was never posted, is a tap away."""
    siti = bot.person()
    old = await file_complaint(siti, category="Perjudian", desa="Mangaran")
    bot.clock.advance(days=7)
    [never_posted] = await stored(bot, 1)
    group = bot.official()
    [listing] = await group.send("/laporan")
    assert listing["text"].endswith("\nTekan kode laporan di bawah untuk membukanya.")
    assert group.buttons(listing) == [f"⏰ {old} · Baru", f"{never_posted} · Baru"]

    [opened] = await group.tap(f"{never_posted} · Baru", message=listing)
    [detail] = await group.send(f"/laporan {never_posted}")
    assert opened["text"] == detail["text"]
    assert group.buttons(opened) == ["✔️ Verifikasi", "▶️ Proses", "↪️ Teruskan", "✖️ Tolak"]
    await group.tap("✔️ Verifikasi", message=opened)
    [*_, done] = await group.send(NOTE, reply_to=group.last())
    assert done["text"] == f"✅ {never_posted} sekarang Diverifikasi. Catatan tersimpan."
    assert await status_of(bot, never_posted) == "diverifikasi"

    # In a private chat the same, with only the buttons this official may use.
    camat = bot.official(CAMAT_ID, in_group=False)
    [private_listing] = await camat.send("/laporan")
    [private_opened] = await camat.tap(f"⏰ {old} · Baru", message=private_listing)
    assert private_opened["text"].startswith(f"📣 Laporan {old} · Baru\n")
    assert camat.buttons(private_opened) == ["✔️ Verifikasi", "▶️ Proses", "↪️ Teruskan", "✖️ Tolak"]


async def test_a_long_list_is_paged_in_place_and_keeps_its_filter(bot: BotHarness) -> None:
    mangaran = await stored(bot, 3, desa="Mangaran")
    ajung = await stored(bot, 23)
    group = bot.official()
    [first] = await group.send("/laporan ajung")
    lines = first["text"].splitlines()
    assert lines[0] == "Laporan terbuka: 23"
    assert [line.split(" · ")[0] for line in lines[1:11]] == ajung[:10]
    assert lines[11:] == ["Halaman 1 dari 3", "Tekan kode laporan di bawah untuk membukanya."]
    assert group.buttons(first) == [f"{code} · Baru" for code in ajung[:10]] + ["Berikutnya »"]

    [second] = await group.tap("Berikutnya »", message=first)
    assert second["message_id"] == first["message_id"]  # the list is edited in place
    assert [line.split(" · ")[0] for line in second["text"].splitlines()[1:11]] == ajung[10:20]
    assert group.buttons(second)[-2:] == ["« Sebelumnya", "Berikutnya »"]
    [third] = await group.tap("Berikutnya »", message=second)
    assert group.buttons(third) == [f"{code} · Baru" for code in ajung[20:]] + ["« Sebelumnya"]
    assert "Halaman 3 dari 3" in third["text"]
    assert not set(mangaran) & set(third["text"].split())
    [back] = await group.tap("« Sebelumnya", message=third)
    assert group.buttons(back)[0] == f"{ajung[10]} · Baru"


async def test_a_page_of_the_longest_labels_fits_in_one_message(database_url: str) -> None:
    long_desa = "D" * 99 + "🏠"  # 101 UTF-16 units, the longest label a config allows
    config = make_config(
        database_url,
        kecamatan={"desa": (long_desa, "Ajung")},
        complaints={"categories": ("Parkir liar", "P" * 100)},
    )
    harness = BotHarness(config)
    await harness.start()
    try:
        await stored(harness, 30, desa=long_desa)
        [page] = await harness.official().send("/laporan")
        assert utf16_length(page["text"]) <= 4096
        assert page["text"].endswith(
            "Halaman 1 dari 3\nTekan kode laporan di bawah untuk membukanya."
        )
        assert len(harness.official().buttons(page)) == 11
    finally:
        await harness.stop()


@pytest.mark.parametrize(
    "data",
    ["lh:0:8:0:-:0", "lh:0:7:9:-:0", "lh:0:7:0:fff:0", "lh:0:7:0:-:2", "lh:x:7:0:-:0", "lo:x"],
)
async def test_forged_list_buttons_show_nothing(bot: BotHarness, data: str) -> None:
    await stored(bot, 1)
    group = bot.official()
    [listing] = await group.send("/laporan")
    assert await group.tap_data(data, message=listing) == []
    assert last_answer(bot)["text"] == (
        "Tombol ini sudah tidak berlaku. Silakan pilih dari menu terbaru."
    )


async def test_an_old_list_button_of_a_page_that_emptied_shows_the_last_page(
    bot: BotHarness,
) -> None:
    codes = await stored(bot, 12)
    group = bot.official()
    [listing] = await group.send("/laporan")
    to_second = listing["reply_markup"]["inline_keyboard"][-1][-1]["callback_data"]
    [second] = await group.tap("Berikutnya »", message=listing)
    for code in codes[:3]:
        await group.tap_data(f"lo:{int(code.rsplit('-', 1)[1])}", message=listing)  # id = number
        await group.tap("↪️ Teruskan")
        await group.send("Diteruskan ke Satpol PP.", reply_to=group.last())
    [still] = await group.tap_data(to_second, message=second)  # pressed on an older screen
    assert still["text"].splitlines()[0] == "Laporan terbuka: 9"
    assert "Halaman" not in still["text"]
    assert group.buttons(still) == [f"{code} · Baru" for code in codes[3:]]
    assert await group.tap_data("lo:999", message=listing) == []
    assert last_answer(bot)["text"] == "Laporan itu tidak ditemukan."
