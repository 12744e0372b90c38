"""The per-chat processor's quiet moments: the bot's background work (a complaint's card, the
outbox) waits for them, so residents waiting for an answer go first."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from telegram import Update

from bot.processor import PerChatUpdateProcessor
from handlers.context import run_in_background, when_quiet


def update(update_id: int, chat_id: int) -> Update:
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": chat_id, "is_bot": False, "first_name": "Warga"},
                "text": "hai",
            },
        },
        None,
    )


async def held(release: asyncio.Event, log: list[str], name: str) -> None:
    log.append(f"{name} starts")
    await release.wait()
    log.append(f"{name} ends")


async def test_quiet_at_once_when_no_update_is_handled() -> None:
    processor = PerChatUpdateProcessor()
    async with asyncio.timeout(0.5):
        await processor.quiet(longest=60)


async def test_quiet_waits_for_the_updates_being_handled() -> None:
    processor = PerChatUpdateProcessor()
    first, second = asyncio.Event(), asyncio.Event()
    log: list[str] = []
    handling = [
        asyncio.create_task(processor.process_update(update(1, 11), held(first, log, "a"))),
        asyncio.create_task(processor.process_update(update(2, 12), held(second, log, "b"))),
    ]
    await asyncio.sleep(0)
    waiting = asyncio.create_task(processor.quiet(longest=60))
    first.set()
    await asyncio.sleep(0.01)
    assert not waiting.done(), "quiet while another chat's update is still being handled"
    second.set()
    async with asyncio.timeout(1):
        await waiting
    assert log == ["a starts", "b starts", "a ends", "b ends"]
    await asyncio.gather(*handling)


async def test_under_a_flood_quiet_gives_up_after_its_longest_wait() -> None:
    processor = PerChatUpdateProcessor()
    release = asyncio.Event()
    busy = asyncio.create_task(processor.process_update(update(1, 11), held(release, [], "a")))
    await asyncio.sleep(0)
    started = asyncio.get_running_loop().time()
    await processor.quiet(longest=0.05)
    assert 0.04 <= asyncio.get_running_loop().time() - started < 1
    release.set()
    await busy


async def test_an_updates_own_work_does_not_wait_for_itself() -> None:
    """An official's entry publishes its card before answering: quiet() inside the update
    returns at once instead of waiting for the update to end (it never would)."""
    processor = PerChatUpdateProcessor()

    async def own_work() -> float:
        started = asyncio.get_running_loop().time()
        await processor.quiet(longest=5)
        return asyncio.get_running_loop().time() - started

    async def handler(result: list[float]) -> None:
        result.append(await own_work())

    result: list[float] = []
    async with asyncio.timeout(1):
        await processor.process_update(update(1, 11), handler(result))
    assert result[0] < 0.5


async def test_background_work_started_by_an_update_waits_until_it_is_answered() -> None:
    """run_in_background: the card of a complaint is posted after the reporter's answer, in a
    quiet moment, not while the reporter still waits."""
    processor = PerChatUpdateProcessor()
    application: Any = SimpleNamespace(
        update_processor=processor, bot_data={"services": SimpleNamespace(background=set())}
    )
    log: list[str] = []
    answered = asyncio.Event()

    async def card() -> None:
        await when_quiet(application)
        log.append("card posted")

    async def submission() -> None:
        run_in_background(application, card(), name="publish")
        await asyncio.sleep(0.01)  # the card's task has run up to its wait
        log.append("reporter answered")
        await answered.wait()

    handling = asyncio.create_task(processor.process_update(update(1, 11), submission()))
    await asyncio.sleep(0.02)
    assert log == ["reporter answered"]
    answered.set()
    await handling
    async with asyncio.timeout(1):
        await asyncio.gather(*application.bot_data["services"].background)
    assert log == ["reporter answered", "card posted"]
