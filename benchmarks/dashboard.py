"""The dashboard's pages at the report benchmark's scale (1,000,000 survey responses and
200,000 complaints over three years, half of the complaints with a location): each page asked
over HTTP in process (httpx on the ASGI app, signed in through a real link), median of a few
runs after a first one. Target: every page under 300 ms.

``report_scale`` times these on its own seeded database; ``python -m benchmarks.dashboard``
seeds one for itself.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from benchmarks.harness import TRANTIB_ID, config_for
from bot.web.app import create_app
from bot.web.links import issue_link
from db import migrate
from db.engine import Database

TARGET_MS = 300
RUNS = 5
NOW = datetime(2025, 12, 31, 5, tzinfo=UTC)  # as report_scale: the last day of its data
# (name, path); {code} is a complaint of the data.
PAGES = (
    ("overview", "/"),
    ("overview, typed period", "/?periode=2024"),
    ("register", "/laporan"),
    ("register, status + sort", "/laporan?status=baru&status=diproses&urut=desa"),
    ("register, overdue", "/laporan?terlambat=1"),
    ("register, text", "/laporan?q=trotoar"),
    ("register, dates + page 10", "/laporan?dari=2024-01-01&sampai=2024-06-30&hal=10"),
    ("register, page 2000", "/laporan?hal=2000"),
    ("complaint", "/laporan/{code}"),
    ("survey, year to date", "/skm"),
    ("survey, a year", "/skm?periode=2024"),
    ("survey, one service, a quarter", "/skm?periode=2025-Q2&layanan=KTP"),
    ("programs (IKU 1)", "/program"),
    ("activities (IKU 3)", "/kegiatan"),
    ("downloads", "/ekspor"),
)


def locate(path: Path) -> str:
    """Half the complaints get a point (the map's pins); a complaint's code to open."""
    connection = sqlite3.connect(path)
    connection.execute(
        "UPDATE complaints SET latitude = -8.25 + (id % 100) * 0.001, "
        "longitude = 113.65 + (id % 77) * 0.001 WHERE id % 2 = 0"
    )
    connection.commit()
    code = connection.execute("SELECT code FROM complaints ORDER BY id DESC LIMIT 1").fetchone()[0]
    connection.close()
    return str(code)


async def time_pages(url: str, folder: Path, code: str) -> list[tuple[str, str, str]]:
    config = config_for(url, folder)
    # The same official also holds the Camat's role: the plans pages are the Camat's and Sekcam's.
    roles = config.roles.model_copy(update={"camat": (TRANTIB_ID,)})
    config = config.model_copy(update={"roles": roles})
    database = Database(url)
    app = create_app(config, database, clock=lambda: NOW)
    rows = []
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=config.web.base_url) as client:
            link = await issue_link(database, config, TRANTIB_ID, NOW)
            assert (await client.get(urlsplit(link).path)).status_code == 303
            for name, path in PAGES:
                target = path.format(code=code)
                first = await _timed(client, target)
                runs = [await _timed(client, target) for _ in range(RUNS)]
                median = statistics.median(runs) * 1000
                verdict = "ok" if median < TARGET_MS else "MISSED"
                rows.append(
                    (
                        f"dashboard: {name} (ms)",
                        f"{median:.0f}",
                        f"first {first * 1000:.0f}; target < {TARGET_MS} ({verdict})",
                    )
                )
    finally:
        await database.dispose()
    return rows


async def _timed(client: httpx.AsyncClient, path: str) -> float:
    started = time.perf_counter()
    response = await client.get(path)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}")
    return elapsed


async def measure(responses: int, complaints: int) -> list[tuple[str, str, str]]:
    from benchmarks.report_scale import seed

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scale.db"
        url = f"sqlite+aiosqlite:///{path}"
        await migrate.run_on_url(url, migrate.upgrade)
        seed(path, responses, complaints)
        code = locate(path)
        return await time_pages(url, Path(folder), code)


def main(responses: int = 1_000_000, complaints: int = 200_000) -> list[tuple[str, str, str]]:
    return asyncio.run(measure(responses, complaints))


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:3]]
    for row in main(*arguments):
        print(" | ".join(row))
