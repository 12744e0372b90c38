"""Throughput and the time per update by kind.

N residents each take the survey; a quarter of them also file a complaint with a photo and then
ask ``/status``; the Trantib official moves half of the complaints filed (a card button, then a
note in reply to the bot's request) and lists the open ones with ``/laporan`` now and then. All
through the real Application, handlers, persistence and database, fed by polling (so the
per-chat update processor is in the path). Then the same updates through a bare
python-telegram-bot Application whose only handlers reply to everything (the floor).

Every update is labelled with its kind; the table gives each kind's p50/p95/p99 wait (from
the update's sending to the end of its handling) at half load and at saturation, and its share
of the bot's time. The WhatsApp webhook's row comes from :mod:`benchmarks.whatsapp`.

Targets: the full bot at least half the floor's rate (ratio >= 0.5); at half load, p99 under
20 ms for every kind a resident sends, under 50 ms for the complaint's Kirim.
Saturation: updates arriving at 1.5 times the maximum rate for 5 s, regardless of answers, then
none: each chat's are handled in order, none is lost (both asserted), and the table gives the
time the backlog takes to drain; and the highest paced rate at which the p99 wait stays under
100 ms (a bisection).

Usage: ``python -m benchmarks.throughput [N]`` (default 2,000). With ``TEST_DATABASE_URL`` set,
the same on PostgreSQL, in a database ``ajung_bench`` on that server dropped and created anew
first.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import random
import sys
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url
from telegram import Update
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

from benchmarks import whatsapp
from benchmarks.harness import (
    COMPLAINT_SUBMIT,
    KINDS,
    RESIDENT_KINDS,
    WHATSAPP,
    Bench,
    PollingPerson,
    Timing,
    ask_status,
    by_kind,
    file_complaint,
    list_complaints,
    move_complaint,
    percentiles,
    polling_bot,
    take_survey,
)
from bot.app import GC_YOUNG_THRESHOLD, settled_memory
from bot.offline import JSONDict, OfflineBotApi
from iku.skm import UNSUR

DEFAULT_RESIDENTS = 2000
# With TEST_DATABASE_URL: the database on that server that the bench drops and creates anew.
BENCH_DATABASE = "ajung_bench"
# Residents of a paced run (half load, the rate search), taking turns at this many seats; each
# pauses between taps, so the seats send updates at a steady rate.
PACED_RESIDENTS = 200
PACED_SEATS = 40
# The official lists the open complaints after every this many moves.
LAPORAN_EVERY = 5

Row = tuple[str, str, str]


@dataclass
class Run:
    """What one run of the workload gave."""

    elapsed: float
    timings: list[Timing]
    updates: list[JSONDict]

    @property
    def count(self) -> int:
        return len(self.timings)

    @property
    def rate(self) -> float:
        return self.count / self.elapsed


async def warm_up(bench: Bench, base: int) -> None:
    """Every kind of update once before the clock starts, and forgotten: the first of each
    on a new bot compiles its statements and fills its caches, which a bot that has been
    running a while has long done (a restart's first second is not its steady state)."""
    person, official = bench.person(base), bench.official()
    await take_survey(person, (4,) * len(UNSUR))
    code = await file_complaint(person)
    await ask_status(person)
    await move_complaint(official, code)
    await list_complaints(official)
    bench.forget()


async def full_bot(residents: int, database_url: str | None, think: float = 0) -> Run:
    """The workload through the full bot, after a :func:`warm_up`; ``think``: each person's
    mean pause before an action (0: as fast as the bot answers). Checks that every update
    sent was handled, once, and each chat's in the order sent."""
    rng = random.Random(7)
    # Fresh residents each run: on a reused PostgreSQL database yesterday's are still there.
    base = 10_000_000 + random.randrange(10**9)
    async with polling_bot(database_url) as bench:
        await warm_up(bench, base - 1)
        filed: asyncio.Queue[str] = asyncio.Queue()
        residents_done = asyncio.Event()

        async def resident(number: int) -> None:
            person = bench.person(base + number, think)
            await take_survey(person, tuple(rng.randint(1, 4) for _ in range(9)))
            if number % 4 == 0:
                code = await file_complaint(person)
                if number % 8 == 0:
                    filed.put_nowait(code)
                await ask_status(person)

        numbers = iter(range(residents))

        async def seat(first_wait: float) -> None:
            """A place at the counter: residents take it one after another, each pausing
            ``think`` on average before every tap (so the seats make a steady rate)."""
            await asyncio.sleep(first_wait)
            for number in numbers:
                await resident(number)

        async def official(person: PollingPerson) -> None:
            """Moves complaints as they come in, until the residents are done."""
            moves = 0
            while not residents_done.is_set():
                waiting = asyncio.ensure_future(filed.get())
                stop = asyncio.ensure_future(residents_done.wait())
                await asyncio.wait({waiting, stop}, return_when=asyncio.FIRST_COMPLETED)
                stop.cancel()
                if not waiting.done():
                    waiting.cancel()
                    break
                await move_complaint(person, waiting.result())
                moves += 1
                if moves % LAPORAN_EVERY == 0:
                    await list_complaints(person)

        async def everyone() -> None:
            if think:
                # Seats fill one by one over one pause, as people walk up to a counter.
                seats = min(PACED_SEATS, residents)
                await asyncio.gather(*(seat(rng.uniform(0, think)) for _ in range(seats)))
            else:
                await asyncio.gather(*(resident(n) for n in range(residents)))
            residents_done.set()

        started = time.perf_counter()
        await asyncio.gather(everyone(), official(bench.official(think)))
        elapsed = time.perf_counter() - started
        updates = [update for person in bench.people for update in person.sent]
        processor = bench.processor
        # None lost, none handled twice, each chat's in order.
        assert not processor.sent and not processor.waiting, "updates sent but not handled"
        handled = processor.handled
        assert len(handled) == len(set(handled)) == len(updates), "an update lost or repeated"
        for chat, started_ids in processor.started.items():
            assert started_ids == sorted(started_ids), f"chat {chat} handled out of order"
        return Run(elapsed, list(processor.timings), updates)


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


# Overload: updates arrive at this multiple of the measured maximum rate for OVERLOAD_SECONDS.
OVERLOAD = 1.5
OVERLOAD_SECONDS = 5
# What each chat of the overload sends, in this order, again and again.
OVERLOAD_TEXTS = ("/start", "/survei", "/batal", "/status")
# The rate search: the highest rate (updates/s) at which the p99 wait stays under this (ms).
SUSTAINABLE_P99_MS = 100


@dataclass(frozen=True)
class Backlog:
    """An overload: ``sent`` updates arriving faster than the bot answers, then none."""

    sent: int
    offered_rate: float
    peak: int  # most updates waiting at once
    drain: float  # seconds from the last arrival to the last update answered
    p99: float  # ms, the wait of an update sent during the overload


async def overload(rate: float, database_url: str | None) -> Backlog:
    """Updates from many chats arriving at ``OVERLOAD`` times ``rate`` regardless of answers
    (people do not wait for a busy bot): each chat's in order, none lost, and the time the
    backlog takes to drain once they stop."""
    offered = rate * OVERLOAD
    total = int(offered * OVERLOAD_SECONDS)
    chats = max(1, total // len(OVERLOAD_TEXTS))
    base = 20_000_000 + random.randrange(10**9)
    async with polling_bot(database_url) as bench:
        people = [bench.person(base + n) for n in range(chats)]
        processor = bench.processor
        peak = 0
        started = time.perf_counter()
        for number in range(total):
            # Arrivals on a fixed schedule: behind it, catch up at once (a burst).
            ahead = started + number / offered - time.perf_counter()
            if ahead > 0:
                await asyncio.sleep(ahead)
            person = people[number % chats]
            update = person.text_update(OVERLOAD_TEXTS[(number // chats) % len(OVERLOAD_TEXTS)])
            update_id = bench.api.push_update(update)
            processor.sent[update_id] = ("overload", time.perf_counter())
            peak = max(peak, len(processor.sent))
        last_arrival = time.perf_counter()
        async with asyncio.timeout(600):
            while processor.sent:
                peak = max(peak, len(processor.sent))
                await asyncio.sleep(0.005)
        drained = time.perf_counter()
        handled = processor.handled
        assert len(handled) == len(set(handled)) == total, "an update lost or repeated"
        for chat, started_ids in processor.started.items():
            assert started_ids == sorted(started_ids), f"chat {chat} handled out of order"
        _, _, p99 = percentiles([timing.wait for timing in processor.timings])
    return Backlog(total, offered, peak, drained - last_arrival, p99)


async def sustainable_rate(rate: float, database_url: str | None) -> tuple[float, float, int]:
    """The highest paced rate found whose p99 wait stays under SUSTAINABLE_P99_MS: a bisection
    between a tenth of ``rate`` and ``rate`` (the saturated maximum); (rate reached, its p99,
    runs made)."""
    low, high = rate / 10, rate
    best = (0.0, float("nan"))
    runs = 0
    for _ in range(5):
        target = (low + high) / 2
        run = await full_bot(PACED_RESIDENTS, database_url, think=paced_think(target))
        runs += 1
        _, _, p99 = percentiles([t.wait for t in run.timings])
        if p99 < SUSTAINABLE_P99_MS:
            best = max(best, (run.rate, p99))
            low = target
        else:
            high = target
    return best[0], best[1], runs


def paced_think(rate: float) -> float:
    """The mean pause between a paced person's actions that makes the seats send about
    ``rate`` updates a second (the official's few are extra)."""
    return PACED_SEATS / rate


@dataclass(frozen=True)
class KindStats:
    kind: str
    count: int
    half: tuple[float, float, float]  # p50, p95, p99 of the wait at half load (ms)
    saturated: tuple[float, float, float]  # the same at saturation
    share: float | None  # of the bot's processing time at half load

    @property
    def target(self) -> float | None:
        if self.kind == COMPLAINT_SUBMIT:
            return 50
        return 20 if self.kind in RESIDENT_KINDS else None


def kind_stats(half: list[Timing], saturated: list[Timing]) -> list[KindStats]:
    half_by, saturated_by = by_kind(half), by_kind(saturated)
    total = sum(timing.processing for timing in half) or 1.0
    stats = []
    for kind in KINDS:
        if kind not in half_by:
            continue
        own = half_by[kind]
        stats.append(
            KindStats(
                kind,
                len(own),
                percentiles([t.wait for t in own]),
                percentiles([t.wait for t in saturated_by.get(kind, [])]),
                sum(t.processing for t in own) / total,
            )
        )
    return stats


def _three(values: tuple[float, float, float]) -> str:
    """p50 / p95 / p99, or a dash when the kind did not occur in that run."""
    if any(math.isnan(value) for value in values):
        return "-"
    return " / ".join(f"{value:.1f}" for value in values)


def kind_table(label: str, stats: list[KindStats], note: str) -> str:
    """The per-kind table as text."""
    header = ("kind", "updates", "half load p50 / p95 / p99", "saturated p50 / p95 / p99", "share")
    lines = []
    for row in stats:
        verdict = ""
        if row.target is not None:
            missed = row.half[2] >= row.target
            verdict = f"p99 < {row.target:.0f}" + (" (MISSED)" if missed else " ok")
        share = "-" if row.share is None else f"{row.share * 100:.1f} %"
        lines.append(
            (
                row.kind,
                f"{row.count:,}",
                _three(row.half),
                _three(row.saturated),
                share,
                verdict,
            )
        )
    widths = [max(len(str(cells[i])) for cells in [header, *lines]) for i in range(len(header))]
    out = [f"per kind of update, {label} (wait from sending to answered, ms; {note})"]
    out.append(
        " | ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True))
        + " | target"
    )
    out.append("-+-".join("-" * width for width in widths) + "-+-" + "-" * 16)
    for cells in lines:
        body = " | ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells[:-1], widths, strict=True))
        )
        out.append(f"{body} | {cells[-1]}")
    return "\n".join(out)


async def measure(residents: int, database_url: str | None, label: str) -> tuple[list[Row], str]:
    saturated = await full_bot(residents, database_url)
    rate = saturated.rate
    floor_count, floor_elapsed = await bare_floor(saturated.updates, as_sent=False)
    floor_rate = floor_count / floor_elapsed
    ratio = rate / floor_rate
    # The floor again with the residents' pacing (each chat waits for its answer): shows the
    # floor's backlog is not what makes the difference.
    sent_count, sent_elapsed = await bare_floor(saturated.updates, as_sent=True)
    sent_rate = sent_count / sent_elapsed
    # And with the bot's garbage-collector settings: how much of the difference is the bot's
    # code rather than the process's settings.
    tuned_count, tuned_elapsed = await bare_floor(saturated.updates, as_sent=False, bot_gc=True)
    tuned_rate = tuned_count / tuned_elapsed
    # Half the measured capacity: fewer residents, each taking a moment between taps as people
    # do. (At saturation every update also waits for the ones in flight, so its time says more
    # about the queue than about the update.)
    half = await full_bot(PACED_RESIDENTS, database_url, think=paced_think(rate / 2))
    p50, p95, p99 = percentiles([t.wait for t in half.timings])
    s50, _, s99 = percentiles([t.wait for t in saturated.timings])
    stats = kind_stats(half.timings, saturated.timings)
    wa_rows, wa_half, wa_saturated = await whatsapp.measure(
        whatsapp.DEFAULT_RESIDENTS, database_url
    )
    stats.append(
        KindStats(WHATSAPP, len(wa_half), percentiles(wa_half), percentiles(wa_saturated), None)
    )
    backlog = await overload(rate, database_url)
    sustainable, sustainable_p99, runs = await sustainable_rate(rate, database_url)
    table = kind_table(
        label,
        stats,
        f"half load: {PACED_RESIDENTS} residents at {PACED_SEATS} seats pausing between taps, "
        f"{half.rate:,.0f} updates/s"
        f"; saturated: {residents:,} at once; share: of the bot's time at half load",
    )
    rows = [
        (
            f"throughput {label}: full bot (updates/s)",
            f"{rate:,.0f}",
            f"{saturated.count:,} updates",
        ),
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
            f"all kinds; {half.count:,} updates at ~{half.rate:,.0f}/s",
        ),
        (
            f"per update {label}, saturated: p50 / p99 (ms)",
            f"{s50:.1f} / {s99:.1f}",
            f"{residents:,} residents at once",
        ),
        (
            f"saturation {label}: backlog drain (s)",
            f"{backlog.drain:.1f}",
            f"{backlog.sent:,} updates arriving at {backlog.offered_rate:,.0f}/s "
            f"({OVERLOAD:g} x max) for {OVERLOAD_SECONDS} s; at most {backlog.peak:,} waiting; "
            f"none lost, each chat in order; p99 wait {backlog.p99:,.0f} ms",
        ),
        (
            f"saturation {label}: max sustainable rate (updates/s)",
            f"{sustainable:,.0f}" if sustainable else f"< {rate / 10:,.0f}",
            f"highest paced rate found with p99 < {SUSTAINABLE_P99_MS} ms "
            + (
                f"(p99 {sustainable_p99:.1f} ms; bisection, {runs} runs)"
                if sustainable
                else f"(none of {runs} rates tried down to {rate / 10:,.0f}/s; MISSED)"
            ),
        ),
        *wa_rows,
    ]
    return rows, table


async def fresh_database(url: str, name: str = BENCH_DATABASE) -> str:
    """The URL of database ``name`` on the server of ``url``, dropped and created anew (on the
    server's ``postgres`` database), so earlier runs' dead rows do not slow this one."""
    import asyncpg  # only with PostgreSQL

    server = make_url(url)
    connection = await asyncpg.connect(
        user=server.username,
        password=server.password,
        host=server.host,
        port=server.port,
        database="postgres",
    )
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return server.set(database=name).render_as_string(hide_password=False)


def main(residents: int = DEFAULT_RESIDENTS) -> tuple[list[Row], list[str]]:
    rows, table = asyncio.run(measure(residents, None, "SQLite"))
    tables = [table]
    if server := os.environ.get("TEST_DATABASE_URL"):
        url = asyncio.run(fresh_database(server))
        more, table = asyncio.run(measure(residents, url, "PostgreSQL"))
        rows += more
        tables.append(table)
    return rows, tables


if __name__ == "__main__":
    found, kind_tables = main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_RESIDENTS)
    for row in found:
        print(" | ".join(row))
    for text in kind_tables:
        print(f"\n{text}")
