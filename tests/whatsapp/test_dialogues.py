"""A resident on WhatsApp goes through the same dialogues as on Telegram, in WhatsApp's form:
the complaint with a location and a photo, the card in the Trantib group, the news inside and
outside the 24-hour window, the rating, the survey from the QR code's text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.whatsapp.channel import whatsapp_of
from bot.whatsapp.driver import body_of, options
from bot.whatsapp.rules import HELD_PAYLOAD
from db import whatsapp as queries
from db.models import ComplaintRating, Resident, SurveyResponse
from handlers.context import services_of
from iku.skm import UNSUR, UNSUR_KEYS
from tests.factories import (
    WA_ID,
    BotHarness,
    card_of,
    move,
)

PHOTO = b"\xff\xd8\xff\xe0 a photo taken on WhatsApp"
MENU = ["Laporkan gangguan", "Cek laporan saya", "Isi survei kepuasan", "ℹ️ Bantuan"]


def kind(message: dict[str, Any]) -> str:
    if message["type"] == "interactive":
        return str(message["interactive"]["type"])
    return str(message["type"])


async def report_by_whatsapp(bot: BotHarness, privacy: str = "Biasa") -> str:
    """Siti reports on WhatsApp with a location and a photo; the tracking code she is given."""
    siti = bot.whatsapp_person(name="Siti Aminah")
    [menu] = await siti.send("halo")
    assert options(menu)[:4] == MENU
    # Ten categories and Batal: a list of ten, then the rest in a second one.
    first, rest = await siti.tap("Laporkan gangguan")
    assert (kind(first), kind(rest)) == ("list", "list")
    assert first["interactive"]["action"]["button"] == "Pilih"
    assert options(rest) == ["❌ Batal"]
    await siti.tap("Parkir liar")
    [ask_place] = await siti.tap("Ajung")
    assert kind(ask_place) == "location_request_message"
    [next_step] = await siti.send_location(-8.2311, 113.6512)
    assert (kind(next_step), options(next_step)) == ("button", ["Lanjut ➡️", "❌ Batal"])
    await siti.send("depan pasar Ajung")
    await siti.send("Banyak motor parkir di trotoar setiap sore.")
    [received] = await siti.send_image(PHOTO)
    assert body_of(received).startswith("Foto 1 dari 3 diterima.")
    [privacy_question] = await siti.tap("Lanjut ➡️")
    assert (kind(privacy_question), options(privacy_question)) == (
        "list",
        ["Biasa", "Anonim", "Rahasia", "⬅️ Kembali", "❌ Batal"],
    )
    [summary] = await siti.tap(privacy)
    assert options(summary) == ["✅ Kirim", "✏️ Ubah", "❌ Batal"]
    assert "Foto: 1" in body_of(summary)
    [saved] = await siti.tap("✅ Kirim")
    return body_of(saved).split("kode ", 1)[1].split(".", 1)[0]


async def test_a_complaint_from_whatsapp_is_a_card_in_the_trantib_group(
    bot: BotHarness, tmp_path: Path
) -> None:
    code = await report_by_whatsapp(bot)
    group = bot.official()
    card = card_of(group, code)["text"]
    assert "Masuk lewat: WhatsApp" in card
    assert "Pelapor: Siti Aminah · WhatsApp +6281234567890" in card
    assert "Tempat: depan pasar Ajung (📍 lokasi terkirim)" in card
    under_card = group.inbox()[1:]
    assert under_card[0]["location"] == {"latitude": -8.2311, "longitude": 113.6512}
    photo_id = under_card[1]["photo"][0]["file_id"]
    assert bot.api.file_content(photo_id) == PHOTO  # uploaded to Telegram from WhatsApp
    [kept] = list((tmp_path / "photos").iterdir())
    assert (kept.name, kept.read_bytes()) == (f"{code}-1.jpg", PHOTO)
    async with services_of(bot.application).database.sessions() as session:
        [resident] = await session.scalars(select(Resident))
    assert (resident.channel, resident.external_id) == ("whatsapp", WA_ID)
    assert resident.display_name == "Siti Aminah"


async def test_an_anonim_card_shows_neither_name_nor_number(bot: BotHarness) -> None:
    code = await report_by_whatsapp(bot, privacy="Anonim")
    card = card_of(bot.official(), code)["text"]
    assert "Pelapor: anonim (identitas disembunyikan)" in card
    assert "Siti" not in card and WA_ID not in card


async def test_the_news_reaches_whatsapp_inside_and_outside_the_window(bot: BotHarness) -> None:
    code = await report_by_whatsapp(bot)
    siti = bot.whatsapp_person()
    group = bot.official()

    seen = len(siti.inbox())
    await move(group, code, "✔️ Verifikasi", "Sudah dicek ke lokasi oleh petugas.")
    [news] = siti.inbox()[seen:]
    assert body_of(news) == (
        f"Kabar laporan {code}: Diverifikasi.\nLaporan sudah diperiksa dan akan ditangani.\n"
        "Catatan petugas: Sudah dicek ke lokasi oleh petugas."
    )

    bot.clock.advance(hours=25)  # Siti has not written for more than a day
    seen = len(siti.inbox())
    await move(group, code, "▶️ Proses", "Petugas dijadwalkan datang besok pagi.")
    [template] = siti.inbox()[seen:]
    assert template["template"]["name"] == "ajung_kabar_laporan"
    assert template["template"]["language"] == {"code": "id"}
    assert body_of(template) == (
        f"[ajung_kabar_laporan] {code} | Diproses | Petugas dijadwalkan datang besok pagi."
    )
    assert bot.graph.refused == []  # known from her last message, not learnt by a refusal

    [held] = await siti.post(
        {"type": "button", "button": {"payload": HELD_PAYLOAD, "text": "Buka"}}
    )
    assert body_of(held).startswith(f"Kabar laporan {code}: Diproses.")
    assert "Catatan petugas: Petugas dijadwalkan datang besok pagi." in body_of(held)

    seen = len(siti.inbox())
    await move(group, code, "✅ Selesai", "Sudah ditertibkan, motor dipindahkan.")
    [done] = siti.inbox()[seen:]
    assert options(done) == ["1 Tidak puas", "2 Kurang puas", "3 Puas", "4 Sangat puas"]
    [thanks] = await siti.tap("3 Puas")
    assert body_of(thanks).startswith(f"Penilaian Bapak/Ibu untuk {code}: 3 Puas")
    [saved] = await siti.send("Cepat sekali, terima kasih")
    assert body_of(saved) == "Terima kasih, komentar Bapak/Ibu sudah kami catat."
    async with services_of(bot.application).database.sessions() as session:
        [rating] = await session.scalars(select(ComplaintRating))
    assert (rating.score, rating.comment) == (3, "Cepat sekali, terima kasih")


async def test_news_refused_for_the_window_goes_as_the_template(bot: BotHarness) -> None:
    """WhatsApp knows best: error 131047 on the news sends the template and holds the rest."""
    code = await report_by_whatsapp(bot)
    siti = bot.whatsapp_person()
    bot.graph.fail_next(status=400, code=131047)
    seen = len(siti.inbox())
    await move(bot.official(), code, "✔️ Verifikasi", "Sudah dicek ke lokasi oleh petugas.")
    [template] = siti.inbox()[seen:]
    assert template["type"] == "template"
    [(_, refused, error)] = bot.graph.refused
    assert (kind(refused), error) == ("text", 131047)
    [held, menu] = await siti.send("halo")  # writing again opens the window: held news first
    assert body_of(held).startswith(f"Kabar laporan {code}: Diverifikasi.")
    assert options(menu)[:4] == MENU


async def test_a_number_that_cannot_be_reached_is_marked_like_a_blocked_user(
    bot: BotHarness,
) -> None:
    code = await report_by_whatsapp(bot)
    bot.graph.fail_next(status=400, code=131026)
    await move(bot.official(), code, "✔️ Verifikasi", "Sudah dicek ke lokasi oleh petugas.")
    async with services_of(bot.application).database.sessions() as session:
        blocked = await session.scalar(
            select(Resident.blocked).where(Resident.external_id == WA_ID)
        )
    assert blocked is True


async def test_the_survey_starts_from_the_qr_text_with_the_service_chosen(bot: BotHarness) -> None:
    budi = bot.whatsapp_person(wa_id="6285700000001", name="Budi")
    prefilled = "Saya ingin mengisi survei kepuasan layanan Pengantar KTP-el dan KK (kode skm_KTP)"
    [gender] = await budi.send(prefilled)
    assert body_of(gender).startswith("Layanan: Pengantar KTP-el dan KK")
    assert options(gender) == ["Laki-laki", "Perempuan", "⬅️ Kembali", "❌ Batal"]
    await budi.tap("Laki-laki")
    [education] = await budi.send("41")
    assert kind(education) == "list" and len(options(education)) == 10
    await budi.tap("SMA")
    await budi.tap("Wirausaha")
    answers = dict(zip(UNSUR_KEYS, (4, 3, 2, 4, 1, 3, 1, 2, 2), strict=True))
    for unsur in UNSUR:
        question = budi.last()
        assert body_of(question).startswith("Pertanyaan ")
        titles = options(question)
        assert len(set(titles)) == 6  # four answers, Kembali and Batal, all distinguishable
        await budi.tap(titles[answers[unsur.key] - 1])
    [summary] = await budi.send("lewati")  # typed, it names the Lewati button
    assert "7. Perilaku Pelaksana: Tidak sopan dan ramah" in body_of(summary)
    assert "9. Penanganan Pengaduan, Saran dan Masukan: Ada tetapi tidak berfungsi" in (
        body_of(summary)
    )
    shown = await budi.tap("Kirim")
    assert body_of(shown[-1]).startswith("Terima kasih")
    async with services_of(bot.application).database.sessions() as session:
        [row] = await session.scalars(select(SurveyResponse))
    assert {key: getattr(row, key) for key in UNSUR_KEYS} == answers
    assert (row.service, row.channel, row.gender, row.age, row.saran) == (
        "KTP",
        "chat",
        "L",
        41,
        None,
    )


async def test_a_typed_answer_naming_an_option_counts_as_choosing_it(bot: BotHarness) -> None:
    siti = bot.whatsapp_person()
    await siti.send("/lapor")
    [desa] = await siti.send("parkir liar")
    assert body_of(desa) == "Di desa mana kejadiannya?"
    [place] = await siti.send("AJUNG")
    assert kind(place) == "location_request_message"


async def test_edits_become_new_messages(bot: BotHarness) -> None:
    """On Telegram the survey edits its question in place; WhatsApp cannot edit."""
    budi = bot.whatsapp_person(wa_id="6285700000001", name="Budi")
    await budi.send("/survei")
    before = len(budi.inbox())
    [gender] = await budi.tap("Surat keterangan")
    assert len(budi.inbox()) == before + 1
    assert body_of(gender).startswith("Layanan: Surat keterangan")


async def test_a_message_stored_but_not_handled_before_a_crash_is_handled_at_start(
    bot: BotHarness,
) -> None:
    """The webhook answered 200 once the message was stored; the bot died before handling it."""
    siti = bot.whatsapp_person()
    payload = siti.payload({"type": "text", "text": {"body": "/lapor"}})
    [message] = payload["entry"][0]["changes"][0]["value"]["messages"]
    new = queries.NewInbound(
        message["id"],
        WA_ID,
        bot.clock(),
        {
            "wa_id": WA_ID,
            "name": "Siti",
            "sent_at": int(bot.clock().timestamp()),
            "message": message,
        },
    )
    async with services_of(bot.application).database.transaction() as session:
        await queries.record_inbound(session, [new], bot.clock())
    assert siti.inbox() == []
    await bot.restart_after_crash()
    channel = whatsapp_of(bot.application)
    assert channel is not None
    await channel.settle()
    categories, rest = bot.graph.messages_to(WA_ID)
    assert body_of(categories).startswith("⚠️ Darurat")
    assert options(rest) == ["❌ Batal"]
    await channel.settle()
    async with services_of(bot.application).database.sessions() as session:
        assert await queries.fetch_pending_inbound(session) == []


async def test_a_failed_status_for_the_window_sends_the_template_and_holds_the_news(
    bot: BotHarness,
) -> None:
    """WhatsApp may accept a message and report 131047 later, in a status callback."""
    code = await report_by_whatsapp(bot)
    siti = bot.whatsapp_person()
    await move(bot.official(), code, "✔️ Verifikasi", "Sudah dicek ke lokasi oleh petugas.")
    news = bot.graph.sent[-1]
    status = {
        "id": news.message_id,
        "status": "failed",
        "timestamp": "1739757660",
        "recipient_id": WA_ID,
        "errors": [{"code": 131047, "title": "Re-engagement message"}],
    }
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "106540352242922"}}
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [{"field": "messages", "value": {**value, "statuses": [status]}}],
            }
        ],
    }
    seen = len(siti.inbox())
    assert await siti.deliver(body) != []
    [template] = siti.inbox()[seen:]
    assert body_of(template).startswith(f"[ajung_kabar_laporan] {code} | Diverifikasi |")
    [again, _menu] = await siti.send("halo")
    assert body_of(again) == body_of(news.message)


async def test_texts_that_name_telegram_things_read_as_whatsapp_has_them(bot: BotHarness) -> None:
    """The same handlers answer; the channel gives WhatsApp its own wording for /id (an
    official's tool on Telegram), the help, and the location button WhatsApp does not keep."""
    siti = bot.whatsapp_person()
    [ids] = await siti.send("/id")
    assert body_of(ids) == (
        "Perintah /id dipakai petugas kecamatan di Telegram. Di WhatsApp Bapak/Ibu tidak "
        "memerlukannya: cukup pilih dari menu, atau ketik /start."
    )
    [help_text, *_] = await siti.send("/bantuan")
    assert body_of(help_text) == (
        "Layanan chat Kecamatan Ajung:\n"
        "• /start: menu utama\n"
        "• /lapor: laporkan gangguan ketertiban\n"
        "• /status: cek laporan Bapak/Ibu; untuk satu laporan ketik kodenya, misalnya "
        "TRB-2025-0001\n"
        "• /survei: isi survei kepuasan layanan\n"
        "• /bahasa: ganti bahasa\n"
        "• /batal: hentikan isian yang sedang berjalan\n"
        "Pilihan boleh ditekan, atau diketik namanya atau nomornya.\n"
        "\n"
        "Untuk keadaan darurat hubungi 112 atau polisi 110."
    )
    await siti.send("/lapor")
    await siti.tap("Parkir liar")
    [ask_place] = await siti.tap("Ajung")
    assert (kind(ask_place), body_of(ask_place)) == (
        "location_request_message",
        "Di mana tepatnya? Tekan tombol kirim lokasi di bawah, atau ketik nama jalan, dusun, "
        "atau patokannya. Boleh keduanya.",
    )
    [hint] = await siti.post({"type": "sticker", "sticker": {"id": "1", "animated": False}})
    assert kind(hint) == "location_request_message"
    assert body_of(hint).endswith("Silakan tekan tombol kirim lokasi, atau ketik nama tempatnya.")
    [noted] = await siti.send("depan pasar Ajung")
    assert body_of(noted) == (
        "Tempat dicatat. Tekan Lanjut, atau langsung ketik apa yang terjadi. "
        "Bisa juga kirim lokasi lewat 📎 lalu Lokasi."
    )
    # Telegram's residents read the catalog's own texts, unchanged.
    [telegram_ids] = await bot.person().send("/id")
    assert telegram_ids["text"] == "ID Telegram Bapak/Ibu: 5550001"


async def test_a_voice_note_on_whatsapp_is_asked_to_be_typed(bot: BotHarness) -> None:
    siti = bot.whatsapp_person()
    await siti.send("/lapor")
    await siti.tap("Parkir liar")
    await siti.tap("Ajung")
    await siti.send("depan pasar Ajung")
    await siti.tap("Lanjut ➡️")
    voice = {"type": "audio", "audio": {"id": "77", "mime_type": "audio/ogg", "voice": True}}
    [hint] = await siti.post(voice)
    assert body_of(hint) == (
        "Maaf, pesan suara belum bisa kami terima. Mohon ketik dengan huruf.\n"
        "Silakan ketik uraian kejadian sebagai pesan teks, 10 sampai 2.000 huruf."
    )
    [sticker] = await siti.post({"type": "sticker", "sticker": {"id": "1", "animated": False}})
    assert body_of(sticker).startswith("Maaf, stiker tidak bisa kami terima di langkah ini.\n")
    [photos] = await siti.send("Banyak motor parkir di trotoar setiap sore.")
    assert body_of(photos).startswith("Ada foto kejadian?")
