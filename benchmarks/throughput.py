"""Throughput: N residents each take the survey and N/4 also file a complaint with a photo,
through the real Application, handlers, persistence and database, fed by polling (so the
per-chat update processor is in the path); then the same updates through a bare
python-telegram-bot Application whose only handlers reply to everything (the floor).

Target: the full bot at least half the floor's rate (ratio >= 0.5), p99 under 20 ms.
Usage: ``python -m benchmarks.throughput [N]`` (default 2,000; PostgreSQL too when
``TEST_DATABASE_URL`` is set).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import sys
import time
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

from benchmarks.harness import file_complaint, percentiles, polling_bot, take_survey
from bot.app import GC_YOUNG_THRESHOLD, settled_memory
from bot.offline import JSONDict, OfflineBotApi

DEFAULT_RESIDENTS = 2000


async def full_bot(
    residents: int, database_url: str | None, think: float = 0
) -> tuple[int, float, list[float], list[JSONDict]]:
    """Updates processed, seconds, per-update durations, and the updates themselves."""
    rng = random.Random(7)
    # Fresh residents each run: on a reused PostgreSQL database yesterday's are still there.
    base = 10_000_000 + random.randrange(10**9)
    async with polling_bot(database_url) as bench:

        async def resident(number: int) -> None:
            person = bench.person(base + number, think)
            if think:
                # Paced residents arrive one by one over a survey's length, as people walk
                # up to a counter, not all in the same second.
                await asyncio.sleep(rng.uniform(0, think * 16))
            await take_survey(person, tuple(rng.randint(1, 4) for _ in range(9)))
            if number % 4 == 0:
                await file_complaint(person)

        started = time.perf_counter()
        await asyncio.gather(*(resident(n) for n in range(residents)))
        elapsed = time.perf_counter() - started
        sent = [update for person in bench.people for update in person.sent]
        return len(bench.processor.durations), elapsed, bench.processor.durations, sent


async def bare_floor(
    updates: list[JSONDict], *, as_sent: bool, bot_gc: bool = False
) -> tuple[int, float]:
    """The same updates through python-telegram-bot with nothing but a reply per update.

    ``as_sent``: each chat sends its next update once the previous one is answered, all chats
    at once, as the residents did to the full bot; otherwise every update is queued up front
    (a backlog, which polling hands over a hundred at a time). ``bot_gc``: with the garbage
    collector tuned as the bot tunes it while running (the floor as shipped uses CPython's).
    """
    api = OfflineBotApi()
    done = asyncio.Event()
    handled = 0
    answered: dict[int, asyncio.Future[None]] = {}

    async def reply(update: Update, _context: Any) -> None:
        nonlocal handled
        if update.callback_query is not None:
            await update.callback_query.answer()
        assert update.effective_chat is not None
        await update.effective_chat.send_message("ok")
        handled += 1
        if (future := answered.pop(update.update_id, None)) is not None:
            future.set_result(None)
        if handled == len(updates):
            done.set()

    application = (
        ApplicationBuilder()
        .token(api.token)
        .request(api.request())
        .get_updates_request(api.request())
        .concurrent_updates(256)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, reply))
    application.add_handler(CallbackQueryHandler(reply))
    chats: dict[int, list[JSONDict]] = {}
    for update in updates:
        if "callback_query" in update:
            api.register_callback_query(update["callback_query"]["id"])
        chat = (update.get("message") or update["callback_query"]["message"])["chat"]
        api.remember_chat(chat)
        chats.setdefault(chat["id"], []).append(update)

    async def chat_sends(own: list[JSONDict]) -> None:
        for update in own:
            future = asyncio.get_running_loop().create_future()
            answered[api.push_update(update)] = future
            await future

    memory = settled_memory() if bot_gc else contextlib.nullcontext()
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        with memory:
            started = time.perf_counter()
            if as_sent:
                await asyncio.gather(*(chat_sends(own) for own in chats.values()))
            else:
                for update in updates:
                    api.push_update(update)
            await asyncio.wait_for(done.wait(), 600)
            elapsed = time.perf_counter() - started
        await application.updater.stop()
        await application.stop()
    return handled, elapsed


async def measure(
    residents: int, database_url: str | None, label: str
) -> list[tuple[str, str, str]]:
    count, elapsed, saturated, updates = await full_bot(residents, database_url)
    floor_count, floor_elapsed = await bare_floor(updates, as_sent=False)
    rate, floor_rate = count / elapsed, floor_count / floor_elapsed
    ratio = rate / floor_rate
    # The floor again with the residents' pacing (each chat waits for its answer): shows the
    # floor's backlog is not what makes the difference.
    sent_count, sent_elapsed = await bare_floor(updates, as_sent=True)
    sent_rate = sent_count / sent_elapsed
    # And with the bot's garbage-collector settings: how much of the difference is the bot's
    # code rather than the process's settings.
    tuned_count, tuned_elapsed = await bare_floor(updates, as_sent=False, bot_gc=True)
    tuned_rate = tuned_count / tuned_elapsed
    # Time per update at half the measured capacity: a tenth of the residents, each taking a
    # moment between taps as people do. (At saturation every update also waits for the ones
    # in flight, so its time says more about the queue than about the update.)
    paced = max(1, residents // 10)
    _, _, durations, _ = await full_bot(paced, database_url, think=paced / (rate / 2))
    p50, p95, p99 = percentiles(durations)
    s50, _, s99 = percentiles(saturated)
    return [
        (f"throughput {label}: full bot (updates/s)", f"{rate:,.0f}", f"{count:,} updates"),
        (f"throughput {label}: bare PTB floor (updates/s)", f"{floor_rate:,.0f}", "same updates"),
        (
            f"throughput {label}: bare floor, paced as sent (updates/s)",
            f"{sent_rate:,.0f}",
            f"each chat waits for its answer; full/this {rate / sent_rate:.2f}",
        ),
        (
            f"throughput {label}: bare floor, bot's GC settings (updates/s)",
            f"{tuned_rate:,.0f}",
            f"young generation collected every {GC_YOUNG_THRESHOLD:,} allocations; "
            f"full/this {rate / tuned_rate:.2f}",
        ),
        (
            f"throughput {label}: ratio full/floor",
            f"{ratio:.2f}",
            "target >= 0.5" + ("" if ratio >= 0.5 else " (MISSED)"),
        ),
        (
            f"per update {label}, half load: p50 / p95 / p99 (ms)",
            f"{p50:.1f} / {p95:.1f} / {p99:.1f}",
            "p99 target < 20" + ("" if p99 < 20 else " (MISSED)"),
        ),
        (
            f"per update {label}, saturated: p50 / p99 (ms)",
            f"{s50:.1f} / {s99:.1f}",
            f"{residents:,} residents at once",
        ),
    ]


def main(residents: int = DEFAULT_RESIDENTS) -> list[tuple[str, str, str]]:
    rows = asyncio.run(measure(residents, None, "SQLite"))
    if url := os.environ.get("TEST_DATABASE_URL"):
        rows += asyncio.run(measure(residents, url, "PostgreSQL"))
    return rows


if __name__ == "__main__":
    for row in main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_RESIDENTS):
        print(" | ".join(row))
