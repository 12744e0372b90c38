"""Start-up: seconds from launching ``ajung-bot run`` to its first getUpdates (ready to poll).

The bot runs as a real process against the offline Bot API served on 127.0.0.1, on a fresh
SQLite file (so the time includes creating the schema) and again on the now-migrated file.
Target: ready within 2 seconds.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.offline import OfflineBotApi
from tests.bot_api_server import BotApiServer

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5


def polls(server: BotApiServer) -> int:
    return sum(1 for method, _ in server.arrivals if method == "getUpdates")


async def time_to_first_poll(config: Path, server: BotApiServer) -> float:
    api = server.api
    polls_before = polls(server)
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), "run",
        cwd=ROOT, env={**os.environ, "TELEGRAM_BOT_TOKEN": api.token},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while polls(server) == polls_before:
            if process.returncode is not None:
                raise RuntimeError("ajung-bot run exited before polling")
            await asyncio.sleep(0.005)
        first_poll = next(t for m, t in server.arrivals[::-1] if m == "getUpdates")
        return first_poll - started
    finally:
        process.terminate()
        await process.wait()


async def measure() -> list[tuple[str, str, str]]:
    api = OfflineBotApi()
    async with BotApiServer(api) as server:
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "config.toml"
            config.write_text(
                f'[telegram]\nbase_url = "{server.base_url}"\n'
                f'base_file_url = "{server.base_file_url}"\n'
                f'[database]\nurl = "sqlite+aiosqlite:///{folder}/bench.db"\n',
                encoding="utf-8",
            )
            first = await time_to_first_poll(config, server)
            again = [await time_to_first_poll(config, server) for _ in range(RUNS)]
    median = statistics.median(again)
    verdict = "ok" if max(first, median) < 2 else "OVER TARGET"
    return [
        ("start-up, new database (s)", f"{first:.2f}", f"< 2 ({verdict})"),
        (f"start-up, median of {RUNS} (s)", f"{median:.2f}", f"< 2 ({verdict})"),
    ]


def main() -> list[tuple[str, str, str]]:
    return asyncio.run(measure())


if __name__ == "__main__":
    for row in main():
        print(" | ".join(row))
