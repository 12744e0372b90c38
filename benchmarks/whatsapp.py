"""The WhatsApp path: a signed webhook POST in, the bot's answer out at the Graph API.

N residents take the survey on WhatsApp at once, through the real webhook server (HTTP on
127.0.0.1, signature checked, message stored before the 200), the channel, the Application and
the database; the Graph API is the in-process stand-in. Per update: from the POST to the last
message the bot sent for it (its answer), p50 and p99; and how long the webhook took to answer
200 (the part Meta waits for).

Then the same at half that rate (residents pausing between messages): the webhook's row of the
per-kind table (:mod:`benchmarks.throughput`).

Usage: ``python -m benchmarks.whatsapp [N]`` (default 200; a smaller N is a lighter run). The
last row is the half-load run's p50/p95/p99.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import percentiles
from bot.app import build_application, running
from bot.config import Config
from bot.offline import OfflineBotApi
from bot.whatsapp.channel import whatsapp_of
from bot.whatsapp.driver import options, reply, signature, text, webhook
from bot.whatsapp.offline import OfflineGraphApi, SentMessage
from bot.whatsapp.webhook import WebhookServer

DEFAULT_RESIDENTS = 200
SECRET = "bench-secret"


def config_for(folder: Path, database_url: str | None = None) -> Config:
    return Config.model_validate(
        {
            "database": {"url": database_url or f"sqlite+aiosqlite:///{folder / 'bench.db'}"},
            "whatsapp": {
                "enabled": True,
                "phone_number_id": "106540352242922",
                "access_token": "OFFLINE-WHATSAPP-TOKEN",
                "app_secret": SECRET,
                "verify_token": "bench",
            },
            "survey": {"daily_limit_per_service": 0},
        }
    )


class Resident:
    def __init__(self, number: int, graph: OfflineGraphApi, port: int, think: float = 0):
        self.wa_id = f"62857{number:08d}"
        self.think = think  # mean seconds before each message (0: at once)
        self.graph = graph
        self.port = port
        self.answered = asyncio.Event()
        self.latencies: list[float] = []
        self.acks: list[float] = []
        self.inbox: list[dict[str, object]] = []
        self._stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def post(self, raw: bytes) -> int:
        """One keep-alive HTTP/1.1 POST (a pool-less client: httpx's pool costs more than the
        bot when 200 connections are open in the same process)."""
        if self._stream is None:
            self._stream = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self._stream
        head = (
            f"POST /whatsapp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(raw)}\r\n"
            f"Content-Type: application/json\r\n"
            f"X-Hub-Signature-256: {signature(SECRET, raw)}\r\n\r\n"
        )
        writer.write(head.encode() + raw)
        await writer.drain()
        status = int((await reader.readline()).split()[1])
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        return status

    async def close(self) -> None:
        if self._stream is not None:
            self._stream[1].close()

    def receive(self, sent: SentMessage) -> None:
        self.inbox.append(sent.message)
        if options(sent.message) or sent.message["type"] == "text":
            self.answered.set()

    async def say(self, message: dict[str, object]) -> None:
        if self.think:
            await asyncio.sleep(self.think * random.uniform(0.5, 1.5))
        body = webhook(self.graph.phone_number_id, self.wa_id, "Warga", message, sent_at=_now())
        raw = json.dumps(body).encode()
        self.graph.note_inbound(self.wa_id, _now())
        self.answered.clear()
        started = time.perf_counter()
        status = await self.post(raw)
        self.acks.append(time.perf_counter() - started)
        assert status == 200
        async with asyncio.timeout(60):
            await self.answered.wait()
            await asyncio.sleep(0)  # the rest of the answer's messages, sent in the same go
        self.latencies.append(time.perf_counter() - started)

    async def take_survey(self) -> None:
        if self.think:
            await asyncio.sleep(random.uniform(0, self.think * 16))  # arriving one by one
        await self.say(text("skm_KTP"))
        await self.say(reply(self.inbox[-1], "Perempuan"))
        await self.say(text("34"))
        await self.say(reply(self.inbox[-1], "SMA"))
        await self.say(reply(self.inbox[-1], "Swasta"))
        for _ in range(9):
            await self.say(reply(self.inbox[-1], options(self.inbox[-1])[2]))
        await self.say(reply(self.inbox[-1], "Lewati"))
        await self.say(reply(self.inbox[-1], "Kirim"))


def _now() -> object:
    from datetime import UTC, datetime

    return datetime.now(UTC)


async def run(
    residents: int, database_url: str | None = None, think: float = 0
) -> tuple[float, list[float], list[float]]:
    """Seconds, and per update the time from POST to answer and to the 200."""
    # Fresh numbers each run: on a reused PostgreSQL database earlier runs' are still there.
    base = random.randrange(10**7)
    with tempfile.TemporaryDirectory() as folder:
        config = config_for(Path(folder), database_url)
        api, graph = OfflineBotApi(), OfflineGraphApi()
        application = build_application(
            config,
            token=api.token,
            request=api.request(),
            updates_request=api.request(),
            whatsapp_transport=graph.transport(),
        )
        async with running(application, set_commands=False):
            channel = whatsapp_of(application)
            assert channel is not None
            server = WebhookServer(channel, config.whatsapp.model_copy(update={"port": 0}))
            await server.start()
            people = [Resident(base + n, graph, server.port, think) for n in range(residents)]
            by_number = {person.wa_id: person for person in people}
            graph.subscribers.append(lambda sent: by_number[sent.wa_id].receive(sent))
            started = time.perf_counter()
            await asyncio.gather(*(person.take_survey() for person in people))
            elapsed = time.perf_counter() - started
            for person in people:
                await person.close()
            await server.stop()
    latencies = [value for person in people for value in person.latencies]
    acks = [value for person in people for value in person.acks]
    return elapsed, latencies, acks


async def measure(
    residents: int, database_url: str | None = None
) -> tuple[list[tuple[str, str, str]], list[float], list[float]]:
    """The table's rows, and the times from POST to answer at half load and at saturation."""
    elapsed, latencies, acks = await run(residents, database_url)
    rate = len(latencies) / elapsed
    paced = max(1, residents // 2)
    _, half, _ = await run(paced, database_url, think=paced / (rate / 2))
    p50, _, p99 = percentiles(latencies)
    ack50, _, ack99 = percentiles(acks)
    label = "SQLite" if database_url is None else "PostgreSQL"
    note = f"{residents} residents x {len(latencies) // residents} updates, {label}"
    rows = [
        ("whatsapp webhook->reply p50", f"{p50:.1f} ms", note),
        ("whatsapp webhook->reply p99", f"{p99:.1f} ms", note),
        (
            "whatsapp webhook 200 p99",
            f"{ack99:.1f} ms",
            f"stored before the 200; p50 {ack50:.1f} ms",
        ),
        ("whatsapp updates/s", f"{len(latencies) / elapsed:.0f}", note),
    ]
    return rows, half, latencies


def main(residents: int = DEFAULT_RESIDENTS) -> list[tuple[str, str, str]]:
    rows, half, _ = asyncio.run(measure(residents))
    p50, p95, p99 = percentiles(half)
    note = f"{max(1, residents // 2)} residents pausing, half the measured rate"
    return [
        *rows,
        ("whatsapp half load p50/p95/p99", f"{p50:.1f} / {p95:.1f} / {p99:.1f} ms", note),
    ]


if __name__ == "__main__":
    for row in main(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_RESIDENTS):
        print(" | ".join(row))
