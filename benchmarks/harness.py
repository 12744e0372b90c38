"""Shared pieces of the benchmarks: the real bot on the offline Bot API, fed by polling, with
people who wait for the bot to finish each of their updates before the next one."""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import Update

from bot.app import BotApplication, build_application, running
from bot.config import Config
from bot.driver import Person
from bot.offline import JSONDict, OfflineBotApi
from bot.processor import PerChatUpdateProcessor
from iku.skm import UNSUR

TRANTIB_ID, TRANTIB_GROUP = 9001, -1009001


class TimedProcessor(PerChatUpdateProcessor):
    """The bot's own per-chat processor, timing every update and telling who waits for it."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self.durations: list[float] = []
        self.waiting: dict[int, asyncio.Future[None]] = {}

    async def do_process_update(self, update: object, coroutine: Any) -> None:
        started = time.perf_counter()
        try:
            await super().do_process_update(update, coroutine)
        finally:
            self.durations.append(time.perf_counter() - started)
            if isinstance(update, Update):
                future = self.waiting.pop(update.update_id, None)
                if future is not None and not future.done():
                    future.set_result(None)


class PollingPerson(Person):
    """A person whose updates reach the bot by getUpdates, as on Telegram."""

    def __init__(
        self, api: OfflineBotApi, processor: TimedProcessor, think: float = 0, **kwargs: Any
    ) -> None:
        super().__init__(None, api, **kwargs)  # type: ignore[arg-type]
        self.processor = processor
        self.think = think  # seconds "reading" before each action (0: as fast as possible)
        self.sent: list[JSONDict] = []

    async def _act(self, update: JSONDict) -> list[JSONDict]:
        if self.think:
            await asyncio.sleep(self.think * random.uniform(0.5, 1.5))
        mark = self.api.revision
        done = asyncio.get_running_loop().create_future()
        update_id = self.api.push_update(update)  # the queue gives it a fresh id
        self.processor.waiting[update_id] = done
        self.sent.append({**update, "update_id": update_id})
        # asyncio.timeout, not wait_for: the waiting is the harness's, and wait_for's extra task
        # per update would be counted against the bot.
        async with asyncio.timeout(60):
            await done
        return self.api.changes_since(self.chat_id, mark)


def config_for(database_url: str, folder: Path) -> Config:
    return Config.model_validate(
        {
            "database": {"url": database_url},
            # No Camat chat: the weekly summary (a one-off chart at start) is timed elsewhere.
            "telegram": {"trantib_chat_id": TRANTIB_GROUP},
            "roles": {"trantib": (TRANTIB_ID,)},
            "complaints": {"photo_dir": str(folder / "photos"), "max_open_per_resident": 100},
        }
    )


@dataclass
class Bench:
    api: OfflineBotApi
    application: BotApplication
    processor: TimedProcessor
    people: list[PollingPerson] = field(default_factory=list)

    def person(self, user_id: int, think: float = 0) -> PollingPerson:
        person = PollingPerson(self.api, self.processor, think, user_id=user_id, first_name="Warga")
        self.people.append(person)
        return person


@asynccontextmanager
async def polling_bot(database_url: str | None = None) -> AsyncIterator[Bench]:
    """The full bot, started and polling the offline Bot API (a SQLite file by default)."""
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite+aiosqlite:///{folder}/bench.db"
        api = OfflineBotApi()
        processor = TimedProcessor()
        application = build_application(
            config_for(url, Path(folder)),
            token=api.token,
            request=api.request(),
            updates_request=api.request(),
            rate_limit=False,
            update_processor=processor,
        )
        async with running(application, set_commands=False):
            updater = application.updater
            assert updater is not None
            await updater.start_polling(poll_interval=0, timeout=1)
            try:
                yield Bench(api, application, processor)
            finally:
                await updater.stop()


async def take_survey(person: Person, answers: tuple[int, ...]) -> None:
    """The nine-question survey, as a resident at the counter takes it (16 updates)."""
    await person.send("/survei")
    await person.tap(person.buttons()[0])
    await person.tap("Perempuan")
    await person.send("37")
    await person.tap(person.buttons()[2])
    await person.tap(person.buttons()[3])
    for unsur, score in zip(UNSUR, answers, strict=True):
        await person.tap(unsur.options[score - 1])
    await person.tap(person.buttons()[0])
    await person.tap("Kirim")


async def file_complaint(person: Person) -> None:
    """A complaint with a shared location and one photo (10 updates)."""
    await person.send("/lapor")
    await person.tap("Parkir liar")
    await person.tap("Ajung")
    await person.send_location(-8.2311, 113.6512)
    await person.send("depan pasar")
    await person.send("Banyak motor parkir di bahu jalan sampai macet setiap pagi.")
    await person.send_photo(b"\xff\xd8 bench photo")
    await person.tap("Lanjut ➡️")
    await person.tap("Biasa")
    await person.tap("✅ Kirim")


def percentiles(durations: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in milliseconds."""
    cuts = statistics.quantiles(durations, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000
