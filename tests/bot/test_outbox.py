"""The reporter's news and the card's refresh go through the outbox: written with the move,
delivered right after, tried again with back-off, never lost to a Bot API error or a kill."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select
from telegram.error import TimedOut

from bot.jobs import schedule
from bot.offline import JSONDict, OfflineBotApi
from db import outbox
from db.models import OutboxMessage, Resident
from db.outbox import NewMessage
from handlers import delivery
from handlers.context import services_of
from tests.factories import TRANTIB_GROUP, BotHarness, card_of, file_complaint, move

MOVED = "✅ {code} sekarang {status}. Catatan tersimpan."
RATING = ["1 Tidak puas", "2 Kurang puas", "3 Puas", "4 Sangat puas"]


def news_of(messages: list[JSONDict], code: str) -> list[str]:
    return [m["text"] for m in messages if m.get("text", "").startswith(f"Kabar laporan {code}")]


def fail_in_chat(
    api: OfflineBotApi,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    chat_id: int,
    error: Callable[[], Exception] | tuple[int, str],
    *,
    times: int = 1,
    after_arriving: bool = False,
) -> list[int]:
    """Make the next ``times`` calls of ``method`` to ``chat_id`` fail: with a Telegram error
    answer (status, description), or by raising (a timeout), then, with ``after_arriving``,
    only after the call took effect (the message arrived but the bot never heard)."""
    real: Callable[..., Awaitable[tuple[int, JSONDict]]] = api.call
    left = [times]

    async def call(name: str, params: JSONDict, uploads: Any = None) -> tuple[int, JSONDict]:
        if name != method or int(params.get("chat_id", 0)) != chat_id or left[0] == 0:
            return await real(name, params, uploads)
        left[0] -= 1
        if isinstance(error, tuple):
            status, description = error
            return status, {"ok": False, "error_code": status, "description": description}
        if after_arriving:
            await real(name, params, uploads)
        raise error()

    monkeypatch.setattr(api, "call", call)
    return left


async def outbox_rows(bot: BotHarness) -> list[tuple[str, str, int]]:
    async with services_of(bot.application).database.sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.kind, OutboxMessage.status, OutboxMessage.attempts).order_by(
                OutboxMessage.id
            )
        )
    return [(kind, status, attempts) for kind, status, attempts in rows]


async def test_a_bot_api_500_on_the_news_does_not_lose_it(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    group = bot.official()
    await move(group, code, "▶️ Proses", "Petugas menuju lokasi.")
    fail_in_chat(bot.api, monkeypatch, "sendMessage", siti.chat_id, (500, "Internal Server Error"))
    shown = await move(group, code, "✅ Selesai", "Sudah ditertibkan petugas.")
    # The move is saved and the group is told so; the card shows it at once.
    assert MOVED.format(code=code, status="Selesai") in [m.get("text") for m in shown]
    assert card_of(group, code)["text"].startswith(f"📣 Laporan {code} · Selesai")
    assert len(news_of(siti.inbox(), code)) == 1  # only the Diproses news so far
    assert await outbox_rows(bot) == [
        ("card", "sent", 1), ("news", "sent", 1), ("card", "sent", 1), ("news", "pending", 1),
    ]  # fmt: skip

    bot.clock.advance(seconds=4)
    await delivery.deliver_job(bot.context())
    assert len(news_of(siti.inbox(), code)) == 1  # back-off: not before 5 s
    bot.clock.advance(seconds=1)
    await delivery.deliver_job(bot.context())
    news = siti.last()
    assert news["text"].startswith(f"Kabar laporan {code}: Selesai.")
    assert siti.buttons(news) == RATING
    await siti.tap("4 Sangat puas")  # the rating invitation works as if nothing happened
    assert siti.last()["text"].startswith(f"Penilaian Bapak/Ibu untuk {code}: 4 Sangat puas")
    assert (await outbox_rows(bot))[-1] == ("news", "sent", 2)


async def test_the_back_off_doubles_and_never_gives_up(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    fail_in_chat(bot.api, monkeypatch, "sendMessage", siti.chat_id, (502, "Bad Gateway"), times=12)
    await move(bot.official(), code, "✔️ Verifikasi", "Sudah dicek ke lokasi.")
    waits = []
    for _ in range(11):
        seconds = 0
        while (await outbox_rows(bot))[-1][2] == len(waits) + 1:
            bot.clock.advance(seconds=5)
            seconds += 5
            await delivery.deliver_job(bot.context())
        waits.append(seconds)
    assert waits == [5, 10, 20, 40, 80, 160, 320, 600, 600, 600, 600]
    assert news_of(siti.inbox(), code) == []
    bot.clock.advance(minutes=10)
    await delivery.deliver_job(bot.context())
    assert len(news_of(siti.inbox(), code)) == 1
    assert (await outbox_rows(bot))[-1] == ("news", "sent", 13)


async def test_a_429_is_tried_again_after_the_time_telegram_asks(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    bot.api.fail_next(
        "editMessageText", status=429, description="Too Many Requests: retry after 30",
        retry_after=30,
    )  # fmt: skip
    await move(bot.official(), code, "✔️ Verifikasi", "Sudah dicek ke lokasi.")
    group = bot.official()
    assert card_of(group, code)["text"].startswith(f"📣 Laporan {code} · Baru")
    bot.clock.advance(seconds=29)
    await delivery.deliver_job(bot.context())
    assert card_of(group, code)["text"].startswith(f"📣 Laporan {code} · Baru")
    bot.clock.advance(seconds=1)
    await delivery.deliver_job(bot.context())
    assert card_of(group, code)["text"].startswith(f"📣 Laporan {code} · Diverifikasi")


async def test_news_waiting_for_a_retry_holds_back_later_news_to_the_same_person(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    siti = bot.person()
    budi = bot.person(5550002, first_name="Budi")
    code = await file_complaint(siti)
    other = await file_complaint(budi)
    group = bot.official()
    fail_in_chat(bot.api, monkeypatch, "sendMessage", siti.chat_id, (500, "Internal Server Error"))
    await move(group, code, "▶️ Proses", "Petugas menuju lokasi.")
    await move(group, code, "✅ Selesai", "Sudah ditertibkan petugas.")
    await move(group, other, "✔️ Verifikasi", "Sudah dicek ke lokasi.")
    assert news_of(siti.inbox(), code) == []  # Selesai must not come before Diproses
    assert len(news_of(budi.inbox(), other)) == 1  # somebody else's news is not held back
    bot.clock.advance(seconds=5)
    await delivery.deliver_job(bot.context())
    [first, second] = news_of(siti.inbox(), code)
    assert first.startswith(f"Kabar laporan {code}: Diproses.")
    assert second.startswith(f"Kabar laporan {code}: Selesai.")


async def test_a_reporter_who_blocked_the_bot_is_not_tried_again(bot: BotHarness) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    bot.api.block(siti.chat_id)
    await move(bot.official(), code, "✔️ Verifikasi", "Sudah dicek ke lokasi.")
    assert (await outbox_rows(bot))[-1] == ("news", "blocked", 1)
    tries = len([c for c in bot.api.calls if c.params.get("chat_id") == siti.chat_id])
    bot.clock.advance(hours=1)
    await delivery.deliver_job(bot.context())
    assert len([c for c in bot.api.calls if c.params.get("chat_id") == siti.chat_id]) == tries
    async with services_of(bot.application).database.sessions() as session:
        blocked = await session.scalar(
            select(Resident.blocked).where(Resident.external_id == str(siti.user_id))
        )
    assert blocked is True
    # Marked: the next move does not even write news for them.
    await move(bot.official(), code, "▶️ Proses", "Petugas menuju lokasi.")
    assert [kind for kind, _, _ in await outbox_rows(bot)].count("news") == 1


async def test_a_refusal_for_good_is_recorded_and_not_repeated(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    refusal = (400, "Bad Request: chat not found")
    fail_in_chat(bot.api, monkeypatch, "sendMessage", siti.chat_id, refusal)
    await move(bot.official(), code, "✔️ Verifikasi", "Sudah dicek ke lokasi.")
    assert (await outbox_rows(bot))[-1] == ("news", "failed", 1)
    bot.clock.advance(hours=1)
    await delivery.deliver_job(bot.context())
    assert news_of(siti.inbox(), code) == []


async def test_a_news_that_timed_out_is_not_sent_twice_but_a_card_edit_is_tried_again(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    fail_in_chat(bot.api, monkeypatch, "sendMessage", siti.chat_id, TimedOut, after_arriving=True)
    await move(bot.official(), code, "✔️ Verifikasi", "Sudah dicek ke lokasi.")
    assert len(news_of(siti.inbox(), code)) == 1  # it did arrive
    assert (await outbox_rows(bot))[-1] == ("news", "unconfirmed", 1)
    bot.clock.advance(hours=1)
    await delivery.deliver_job(bot.context())
    assert len(news_of(siti.inbox(), code)) == 1  # and is not sent a second time

    fail_in_chat(bot.api, monkeypatch, "editMessageText", TRANTIB_GROUP, TimedOut)
    await move(bot.official(), code, "▶️ Proses", "Petugas menuju lokasi.")
    group = bot.official()
    assert card_of(group, code)["text"].startswith(f"📣 Laporan {code} · Diverifikasi")
    bot.clock.advance(seconds=5)
    await delivery.deliver_job(bot.context())
    assert card_of(group, code)["text"].startswith(f"📣 Laporan {code} · Diproses")


async def test_a_kill_right_after_a_move_loses_neither_news_nor_card(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    siti = bot.person()
    code = await file_complaint(siti)
    group = bot.official()
    # The process dies right after the commit, before the delivery it would start.
    monkeypatch.setattr(delivery, "kick", lambda application: None)
    shown = await move(group, code, "▶️ Proses", "Petugas menuju lokasi.")
    assert MOVED.format(code=code, status="Diproses") in [m.get("text") for m in shown]
    await bot.restart_after_crash()
    monkeypatch.undo()
    assert news_of(siti.inbox(), code) == []
    assert card_of(group, code)["text"].startswith(f"📣 Laporan {code} · Baru")

    await delivery.deliver_job(bot.context())  # the job's first run at start
    assert card_of(group, code)["text"].startswith(f"📣 Laporan {code} · Diproses")
    assert news_of(siti.inbox(), code) == [
        f"Kabar laporan {code}: Diproses.\n"
        "Petugas sedang menangani laporan ini.\n"
        "Catatan petugas: Petugas menuju lokasi."
    ]
    await delivery.deliver_job(bot.context())
    assert len(news_of(siti.inbox(), code)) == 1  # once


async def test_the_delivery_job_runs_at_start_and_every_few_seconds(bot: BotHarness) -> None:
    [job] = [j for j in schedule(bot.config) if j.name == "outbox.deliver"]
    assert (job.every, job.first, job.callback) == (10, 1, delivery.deliver_job)
    queued = bot.application.job_queue
    assert queued is not None
    assert "outbox.deliver" in {j.name for j in queued.jobs()}


async def test_another_channel_plugs_its_own_sender_in(bot: BotHarness) -> None:
    """The outbox is channel-neutral: entries for another channel go to that channel's
    sender, with the same bookkeeping."""
    delivered: list[tuple[str, str]] = []

    class Recorder:
        async def deliver(self, entry: outbox.OutboxEntry) -> delivery.Outcome:
            delivered.append((entry.chat_id, entry.payload["text"]))
            return delivery.SENT

    delivery.add_sender(bot.application, "whatsapp", Recorder())
    async with services_of(bot.application).database.transaction() as session:
        message = NewMessage("news", "whatsapp", "6281234567890", {"text": "Kabar"})
        await outbox.queue_message(session, message, bot.clock())
    await delivery.deliver_job(bot.context())
    assert delivered == [("6281234567890", "Kabar")]
    assert await outbox_rows(bot) == [("news", "sent", 1)]
