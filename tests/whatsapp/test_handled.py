"""Marking a WhatsApp message handled: off the resident's path, never lost, replay-safe."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.whatsapp.channel import WhatsAppChannel, whatsapp_of
from bot.whatsapp.driver import WhatsAppPerson, body_of, options, text
from db import whatsapp as queries
from db.models import WhatsAppInbound
from db.upsert import Direct
from handlers.context import services_of
from tests.factories import WA_ID, BotHarness


def channel_of(bot: BotHarness) -> WhatsAppChannel:
    channel = whatsapp_of(bot.application)
    assert channel is not None
    return channel


async def answered(siti: WhatsAppPerson, count: int) -> None:
    """Wait until the resident has ``count`` messages, without waiting for anything else."""
    arrived = asyncio.Event()
    siti.graph.subscribers.append(lambda _sent: arrived.set())
    async with asyncio.timeout(10):
        while len(siti.inbox()) < count:
            arrived.clear()
            await arrived.wait()


async def rows(bot: BotHarness) -> list[tuple[bool, bool]]:
    """Per stored message, oldest first: (handled, content still kept)."""
    async with services_of(bot.application).database.sessions() as session:
        result = await session.execute(
            select(WhatsAppInbound.handled_at, WhatsAppInbound.payload).order_by(WhatsAppInbound.id)
        )
        return [(handled is not None, payload is not None) for handled, payload in result]


async def test_the_next_message_does_not_wait_for_the_previous_one_marked_handled(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = channel_of(bot)
    siti = bot.whatsapp_person()
    gate = asyncio.Event()
    batches: list[list[int]] = []
    original = WhatsAppChannel._mark

    async def slow(self: WhatsAppChannel, ids: list[int]) -> None:
        """The "handled" writes wait (before taking SQLite's write turn), nothing else."""
        await gate.wait()
        batches.append(list(ids))
        await original(self, ids)

    monkeypatch.setattr(WhatsAppChannel, "_mark", slow)
    await channel.receive(json.dumps(siti.payload(text("/lapor"))).encode())
    await answered(siti, 2)
    categories, cancel = siti.inbox()
    assert body_of(categories).startswith("⚠️ Darurat")
    assert options(cancel) == ["❌ Batal"]
    # The first message's "handled" write is still waiting; the resident's next one is
    # answered all the same.
    await channel.receive(json.dumps(siti.payload(text("/batal"))).encode())
    await answered(siti, 3)
    assert batches == []
    assert await rows(bot) == [(False, True), (False, True)]
    gate.set()
    await channel.settle()
    # The first write marked the first message, the second the one that arrived meanwhile.
    assert batches == [[1], [2]]
    assert await rows(bot) == [(True, False), (True, False)]
    # Handled, so a restart replays nothing: the resident hears nothing more.
    before = siti.inbox()
    await bot.restart_after_crash()
    await channel_of(bot).settle()
    assert siti.inbox() == before


async def test_a_failed_handled_write_is_tried_again_with_the_next_one(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    siti = bot.whatsapp_person()
    failures = [OSError("disk full")]

    def flaky(*args: Any) -> None:
        raise failures.pop()

    # Whichever way the write goes (SQLite's own connection, else a session), it fails once.
    for name in ("mark_inbound_handled", "mark_inbound_handled_directly"):
        monkeypatch.setattr(queries, name, flaky)
    await siti.send("/lapor")
    assert await rows(bot) == [(False, True)]  # left for a restart, or the next write
    assert not failures
    monkeypatch.undo()
    await siti.send("/batal")
    assert await rows(bot) == [(True, False), (True, False)]


async def test_a_message_processed_but_not_yet_marked_when_the_bot_died_is_replayed(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Acknowledged means stored: without its "handled" mark the message is not forgotten."""
    channel = channel_of(bot)
    siti = bot.whatsapp_person()
    never = asyncio.Event()

    async def stuck(self: WhatsAppChannel, ids: list[int]) -> None:
        await never.wait()

    monkeypatch.setattr(WhatsAppChannel, "_mark", stuck)
    await channel.receive(json.dumps(siti.payload(text("/lapor"))).encode())
    await answered(siti, 2)
    async with services_of(bot.application).database.sessions() as session:
        [pending] = await queries.fetch_pending_inbound(session)
    assert pending.wa_id == WA_ID
    monkeypatch.undo()
    await bot.restart_after_crash()
    await channel_of(bot).settle()
    assert await rows(bot) == [(True, False)]


async def test_bodies_arriving_together_are_stored_in_one_write_and_handled_in_order(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = channel_of(bot)
    siti = bot.whatsapp_person()
    budi = bot.whatsapp_person(wa_id="6285700000001", name="Budi")
    writes: list[int] = []  # per body stored: its transaction's connection or session
    original, directly = queries.record_inbound, queries.record_inbound_directly

    async def recorded(session: AsyncSession, *args: Any) -> list[queries.PendingInbound]:
        writes.append(id(session))
        return await original(session, *args)

    def recorded_directly(direct: Direct, *args: Any) -> list[queries.PendingInbound]:
        writes.append(id(direct))
        return directly(direct, *args)

    monkeypatch.setattr(queries, "record_inbound", recorded)
    monkeypatch.setattr(queries, "record_inbound_directly", recorded_directly)
    bodies = [
        siti.payload(text("/lapor")),
        budi.payload(text("/lapor")),
        siti.payload(text("/batal")),
    ]
    counts = await asyncio.gather(*(channel.receive(json.dumps(b).encode()) for b in bodies))
    assert counts == [1, 1, 1]  # each POST answered only once its message was stored
    assert len(writes) == 3 and len(set(writes)) == 1
    await channel.settle()
    categories, cancel, cancelled = siti.inbox()
    assert body_of(categories).startswith("⚠️ Darurat")
    assert options(cancel) == ["❌ Batal"]
    assert "❌ Batal" not in options(cancelled)
    assert body_of(budi.inbox()[0]).startswith("⚠️ Darurat")
    assert await rows(bot) == [(True, False)] * 3


async def test_a_failed_store_fails_every_body_in_it_and_the_retries_are_stored(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = channel_of(bot)
    siti = bot.whatsapp_person()
    budi = bot.whatsapp_person(wa_id="6285700000001", name="Budi")
    original, directly = queries.record_inbound, queries.record_inbound_directly
    failures = [OSError("disk full")]

    # After the first body's insert, whichever way the write goes: the whole write rolls back.
    async def flaky(session: AsyncSession, *args: Any) -> list[queries.PendingInbound]:
        stored = await original(session, *args)
        if failures:
            raise failures.pop()
        return stored

    def flaky_directly(direct: Direct, *args: Any) -> list[queries.PendingInbound]:
        stored = directly(direct, *args)
        if failures:
            raise failures.pop()
        return stored

    monkeypatch.setattr(queries, "record_inbound", flaky)
    monkeypatch.setattr(queries, "record_inbound_directly", flaky_directly)
    raws = [json.dumps(p.payload(text("/lapor"))).encode() for p in (siti, budi)]
    outcomes = await asyncio.gather(*(channel.receive(raw) for raw in raws), return_exceptions=True)
    assert [type(outcome) for outcome in outcomes] == [OSError, OSError]  # both 500
    assert await rows(bot) == []
    assert siti.inbox() == [] and budi.inbox() == []
    assert [await channel.receive(raw) for raw in raws] == [1, 1]  # Meta's retries
    await channel.settle()
    assert body_of(siti.inbox()[0]).startswith("⚠️ Darurat")
    assert body_of(budi.inbox()[0]).startswith("⚠️ Darurat")
