"""A WhatsApp reporter's news goes through the outbox as a Telegram reporter's does: written
with the move, tried again with back-off after a Graph API outage, in order, given up when the
number cannot be reached; the template it carries for WhatsApp never reaches Telegram."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.config import Config
from bot.whatsapp.channel import whatsapp_of
from bot.whatsapp.driver import body_of
from db.models import OutboxMessage, Resident
from db.residents import WA_BASE
from handlers import delivery
from handlers.context import services_of
from tests.factories import WA_ID, BotHarness, file_complaint, move
from tests.whatsapp.test_dialogues import report_by_whatsapp

NOTE = "Sudah dicek ke lokasi oleh petugas."


async def news_rows(bot: BotHarness) -> list[tuple[str, str, int, dict[str, Any]]]:
    """(channel, status, attempts, payload) of each news entry, oldest first."""
    async with services_of(bot.application).database.sessions() as session:
        rows = await session.execute(
            select(
                OutboxMessage.channel,
                OutboxMessage.status,
                OutboxMessage.attempts,
                OutboxMessage.payload,
            )
            .where(OutboxMessage.kind == "news")
            .order_by(OutboxMessage.id)
        )
    return [(channel, status, attempts, payload) for channel, status, attempts, payload in rows]


def without_graph_waits(bot: BotHarness) -> list[float]:
    """The Graph client's own short retries, recorded instead of slept (the outbox's sends
    have none: it backs off itself, and must not be held up meanwhile)."""
    channel = whatsapp_of(bot.application)
    assert channel is not None
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    channel.graph._sleep = sleep
    return waits


async def test_the_news_outlasts_a_graph_outage_and_keeps_its_order(bot: BotHarness) -> None:
    code = await report_by_whatsapp(bot)
    siti = bot.whatsapp_person()
    group = bot.official()
    waits = without_graph_waits(bot)
    bot.graph.fail_next(status=500, code=1)
    seen = len(siti.inbox())
    shown = await move(group, code, "✔️ Verifikasi", NOTE)
    assert f"✅ {code} sekarang Diverifikasi. Catatan tersimpan." in [m.get("text") for m in shown]
    await move(group, code, "▶️ Proses", "Petugas dijadwalkan datang besok pagi.")
    assert siti.inbox()[seen:] == []
    assert waits == []
    # The second news waits behind the first, untried: Siti must not read Diproses first.
    assert [row[:3] for row in await news_rows(bot)] == [
        ("whatsapp", "pending", 1),
        ("whatsapp", "pending", 0),
    ]

    bot.clock.advance(seconds=5)
    await delivery.deliver_job(bot.context())
    first, second = siti.inbox()[seen:]
    assert body_of(first).startswith(f"Kabar laporan {code}: Diverifikasi.")
    assert body_of(second).startswith(f"Kabar laporan {code}: Diproses.")
    assert [row[:3] for row in await news_rows(bot)] == [
        ("whatsapp", "sent", 2),
        ("whatsapp", "sent", 1),
    ]


async def test_a_429_from_the_graph_api_is_tried_again_when_whatsapp_asks(
    bot: BotHarness,
) -> None:
    code = await report_by_whatsapp(bot)
    siti = bot.whatsapp_person()
    waits = without_graph_waits(bot)
    bot.graph.fail_next(status=429, code=130429, retry_after=30)
    seen = len(siti.inbox())
    await move(bot.official(), code, "✔️ Verifikasi", NOTE)
    assert waits == []
    assert siti.inbox()[seen:] == []
    assert [row[:3] for row in await news_rows(bot)] == [("whatsapp", "pending", 1)]
    bot.clock.advance(seconds=29)
    await delivery.deliver_job(bot.context())
    assert siti.inbox()[seen:] == []
    bot.clock.advance(seconds=1)
    await delivery.deliver_job(bot.context())
    [news] = siti.inbox()[seen:]
    assert body_of(news).startswith(f"Kabar laporan {code}: Diverifikasi.")


async def test_a_number_that_cannot_be_reached_is_given_up_and_not_written_to_again(
    bot: BotHarness,
) -> None:
    code = await report_by_whatsapp(bot)
    bot.graph.fail_next(status=400, code=131026)
    group = bot.official()
    await move(group, code, "✔️ Verifikasi", NOTE)
    await move(group, code, "▶️ Proses", "Petugas dijadwalkan datang besok pagi.")
    # Blocked after the first; the second move writes no news for a blocked reporter.
    assert [row[:3] for row in await news_rows(bot)] == [("whatsapp", "blocked", 1)]
    async with services_of(bot.application).database.sessions() as session:
        blocked = await session.scalar(
            select(Resident.blocked).where(Resident.external_id == WA_ID)
        )
    assert blocked is True
    bot.clock.advance(minutes=30)
    await delivery.deliver_job(bot.context())
    assert [refused[2] for refused in bot.graph.refused] == [131026]


async def test_only_a_whatsapp_reporters_news_names_the_template(bot: BotHarness) -> None:
    """Code, status and the note on one line, shortened, in the reporter's language."""
    whatsapp_code = await report_by_whatsapp(bot)
    telegram_code = await file_complaint(bot.person())
    group = bot.official()
    note = "Sudah dicek ke lokasi.\n" + "Motor dipindahkan satu per satu. " * 10
    await move(group, whatsapp_code, "✔️ Verifikasi", note)
    await move(group, telegram_code, "✔️ Verifikasi", note)
    (_, _, _, on_whatsapp), (_, _, _, on_telegram) = await news_rows(bot)
    assert "template" not in on_telegram
    template = on_whatsapp["template"]
    assert (template["name"], template["language"]) == ("status_update", "id")
    shown_code, status, shortened = template["parameters"]
    assert (shown_code, status) == (whatsapp_code, "Diverifikasi")
    assert shortened.startswith("Sudah dicek ke lokasi. Motor dipindahkan satu per satu.")
    assert "\n" not in shortened and len(shortened) == 200 and shortened.endswith("…")


def whatsapp_off(config: Config) -> Config:
    return config.model_copy(
        update={"whatsapp": config.whatsapp.model_copy(update={"enabled": False})}
    )


async def test_no_telegram_call_carries_whatsapp_news_even_with_whatsapp_turned_off(
    bot: BotHarness,
) -> None:
    """A WhatsApp reporter's news waits for the WhatsApp channel; it never falls back to the
    Bot API, where its template and its WhatsApp chat would mean nothing."""
    whatsapp_code = await report_by_whatsapp(bot)
    telegram_code = await file_complaint(bot.person())
    group = bot.official()
    await move(group, whatsapp_code, "✔️ Verifikasi", NOTE)
    bot.clock.advance(hours=25)  # outside the window: the template goes to WhatsApp
    await move(group, whatsapp_code, "▶️ Proses", "Petugas dijadwalkan datang besok pagi.")
    enabled = bot.config
    bot.config = whatsapp_off(enabled)
    await bot.restart_after_crash()
    group = bot.official()
    await move(group, whatsapp_code, "✅ Selesai", "Sudah ditertibkan, motor dipindahkan.")
    await move(group, telegram_code, "▶️ Proses", "Petugas dijadwalkan datang besok pagi.")
    bot.clock.advance(minutes=10)
    await delivery.deliver_job(bot.context())
    assert [row[:2] for row in await news_rows(bot)] == [
        ("whatsapp", "sent"),
        ("whatsapp", "sent"),
        ("whatsapp", "pending"),  # no WhatsApp here: kept for when it is back
        ("telegram", "sent"),
    ]
    for call in bot.api.calls:
        assert "template" not in call.params, call.method
        assert int(call.params.get("chat_id") or 0) < WA_BASE, call.method

    bot.config = enabled
    await bot.restart_after_crash()
    siti = bot.whatsapp_person()
    bot.clock.advance(minutes=10)  # its next try, after the back-off
    await delivery.deliver_job(bot.context())
    assert body_of(siti.last()).startswith(f"[ajung_kabar_laporan] {whatsapp_code} | Selesai |")
    [held, *_menu] = await siti.send("halo")
    assert body_of(held).startswith(f"Kabar laporan {whatsapp_code}: Diproses.")
    assert [row[1] for row in await news_rows(bot)] == ["sent"] * 4


async def test_a_template_that_failed_is_tried_again_without_holding_the_news_twice(
    bot: BotHarness,
) -> None:
    code = await report_by_whatsapp(bot)
    siti = bot.whatsapp_person()
    without_graph_waits(bot)
    bot.clock.advance(hours=25)
    bot.graph.fail_next(status=503, code=131000)
    seen = len(siti.inbox())
    await move(bot.official(), code, "✔️ Verifikasi", NOTE)
    assert siti.inbox()[seen:] == []
    bot.clock.advance(seconds=5)
    await delivery.deliver_job(bot.context())
    [template] = siti.inbox()[seen:]
    assert body_of(template) == f"[ajung_kabar_laporan] {code} | Diverifikasi | {NOTE}"
    *held, _menu = await siti.send("halo")  # the news once, then the menu
    assert [body_of(m).split(".", 1)[0] for m in held] == [f"Kabar laporan {code}: Diverifikasi"]
