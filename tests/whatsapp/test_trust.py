"""The trust rules hold for what arrives from WhatsApp too: typed text cleaned and measured in
UTF-16 by the same handlers, forged reply ids refused like forged buttons, no resident's number,
name or words in a log when a write fails."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.whatsapp.driver import body_of, options
from db.models import Complaint
from db.residents import WHATSAPP, person_of
from handlers.context import services_of
from tests.bot.test_logs import SECRET_NAME, SECRET_PLACE, SECRET_TEXT, refuse_writes
from tests.factories import WA_ID, BotHarness, card_of
from tests.handlers.test_common import APOLOGY, HUGE, STALE
from tests.handlers.test_complaint import HOSTILE_DESCRIPTION, HOSTILE_PLACE
from tests.whatsapp.test_dialogues import report_by_whatsapp


async def test_typed_text_is_cleaned_and_measured_as_on_telegram(bot: BotHarness) -> None:
    siti = bot.whatsapp_person(name="\x1b[31mSiti\x00 Aminah\n")
    await siti.send("/lapor")
    await siti.tap("Perjudian")
    await siti.tap("Mangaran")
    await siti.send(HOSTILE_PLACE)
    await siti.tap("Lanjut ➡️")
    # 1,001 emoji are 2,002 UTF-16 units: over the 2,000 limit although Python counts 1,001.
    [refused] = await siti.send("😀" * 1001)
    assert body_of(refused) == (
        "Uraian terlalu panjang (2.002 huruf, paling banyak 2.000; satu emoji dihitung 2 huruf). "
        "Mohon diringkas lalu kirim lagi."
    )
    await siti.send(HOSTILE_DESCRIPTION)
    await siti.tap("Lewati")
    [summary] = await siti.tap("Biasa")
    assert "Tempat: depan pasar Krajan\n" in body_of(summary)
    assert "Uraian: Banyak motor parkir di trotoar\nsetiap sore.\n" in body_of(summary)
    [saved] = await siti.tap("✅ Kirim")
    code = body_of(saved).split("kode ", 1)[1].split(".", 1)[0]
    async with services_of(bot.application).database.sessions() as session:
        row = await session.scalar(select(Complaint))
    assert row is not None
    assert (row.place, row.description) == (
        "depan pasar Krajan",
        "Banyak motor parkir di trotoar\nsetiap sore.",
    )
    # The WhatsApp profile name is text the resident typed too.
    card = card_of(bot.official(), code)["text"]
    assert "Pelapor: Siti Aminah · WhatsApp +6281234567890\n" in card


INVALID_SCORE = (
    "Penilaian hanya 1 sampai 4. Silakan tekan salah satu tombol penilaian di bawah kabar laporan."
)
NOT_FOUND = (
    "Laporan dengan kode itu tidak ditemukan. Periksa lagi kodenya, misalnya /status TRB-2025-0001."
)


@pytest.mark.parametrize(
    ("reply_id", "answer"),
    [
        (f"rt:{HUGE}:1", STALE),
        ("rt:1:" + HUGE, INVALID_SCORE),
        (f"lp:cat:{HUGE}", STALE),
        ("st:TRB-2025-0001", NOT_FOUND),
        ("x" * 300, STALE),
    ],
    ids=["rating-id", "rating-score", "category", "status-of-nothing", "long-garbage"],
)
async def test_a_forged_reply_id_is_answered_as_a_forged_button(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, reply_id: str, answer: str
) -> None:
    """WhatsApp sends back whatever id a reply carries: a forged one gets the answer a forged
    button gets on Telegram (there a short notice on the button, here a message), never the
    apology or a traceback."""
    siti = bot.whatsapp_person()
    [menu] = await siti.send("halo")
    assert options(menu)
    forged = {"type": "interactive", "interactive": {"type": "list_reply"}}
    forged["interactive"]["list_reply"] = {"id": reply_id, "title": "Pilih"}
    with caplog.at_level(logging.ERROR):
        shown = await siti.post(forged)
    texts = [body_of(message) for message in shown]
    assert texts[0] == answer
    assert APOLOGY not in texts
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_failed_write_logs_no_number_name_or_words(
    bot: BotHarness, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # what `ajung-bot run` logs
    async with refuse_writes(database_url):
        siti = bot.whatsapp_person(name=f"Siti {SECRET_NAME}")
        # Her residents row (bookkeeping) cannot be written: she is helped all the same.
        [helped] = await siti.send("/bantuan")
        assert "/lapor" in body_of(helped)
        budi = bot.whatsapp_person(wa_id="6285700000001", name="Budi")
        await budi.send("/lapor")
        await budi.tap("Perjudian")
        await budi.tap("Mangaran")
        await budi.send(SECRET_PLACE)
        await budi.tap("Lanjut ➡️")
        await budi.send(SECRET_TEXT)
        await budi.tap("Lewati")
        await budi.tap("Biasa")
        [refused] = await budi.tap("✅ Kirim")
    assert body_of(refused).startswith("Maaf, sedang ada gangguan.")
    failures = [r for r in caplog.records if r.getMessage().startswith("error while handling")]
    [bookkeeping] = [r for r in caplog.records if r.getMessage().startswith("could not record")]
    assert len(failures) == 1 and all(r.exc_info for r in (*failures, bookkeeping))
    logged = caplog.text
    assert "disk I/O error" in logged or "violates check constraint" in logged
    people = [str(person_of(WHATSAPP, wa_id)) for wa_id in (WA_ID, "6285700000001")]
    for secret in (SECRET_NAME, SECRET_PLACE, SECRET_TEXT, WA_ID, "6285700000001", *people):
        assert secret not in logged


async def test_a_whatsapp_chat_is_private_to_the_resident(bot: BotHarness) -> None:
    """The resident's own list (anonim and rahasia included) is a private-chat service."""
    code = await report_by_whatsapp(bot, privacy="Rahasia")
    siti = bot.whatsapp_person()
    [listing] = await siti.send("/status")
    assert code in body_of(listing)
