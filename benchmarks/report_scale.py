"""Report speed at scale: 1,000,000 survey responses and 200,000 complaints over three years
(bulk-inserted, not through the bot), then the IKU report for a week, a quarter and a year, and
the weekly summary (text and chart). Targets on SQLite: a year under 1 s, a week under 100 ms.
The query plans (EXPLAIN QUERY PLAN) are written to ``benchmarks/report_scale.log`` to show
the aggregations use indexes.

Usage: ``python -m benchmarks.report_scale [RESPONSES] [COMPLAINTS]``.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from benchmarks import dashboard
from benchmarks.harness import config_for
from bot.reporting import build_report
from bot.summary import build_summary
from db import migrate
from db.engine import Database
from iku.periods import iso_week, quarter, year
from iku.skm import UNSUR_KEYS

FIRST_DAY = date(2023, 1, 1)
DAYS = 3 * 365
LOG = Path(__file__).with_name("report_scale.log")
STATUSES = (
    "baru",
    "diverifikasi",
    "diproses",
    "selesai",
    "selesai",
    "selesai",
    "diteruskan",
    "ditolak",
)


def seed(path: Path, responses: int, complaints: int) -> None:
    """Bulk rows straight into the migrated SQLite file, in one transaction per table."""
    rng = random.Random(2025)
    connection = sqlite3.connect(path)
    columns = ["service", "channel", "local_date", "time_slot", "gender", "age", "education",
               "occupation", *UNSUR_KEYS, "recorded_at"]  # fmt: skip
    insert = (
        f"INSERT INTO survey_responses ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' * len(columns))})"
    )
    now = datetime.now(UTC).isoformat(" ")

    def response() -> tuple[object, ...]:
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        answers = [rng.choice((2, 3, 3, 3, 4, 4)) for _ in UNSUR_KEYS]
        return ("KTP", "paper", day.isoformat(), "08.00-12.00", rng.choice("LP"), 35, "SMA",
                "SWASTA", *answers, now)  # fmt: skip

    connection.executemany(insert, (response() for _ in range(responses)))
    connection.commit()
    complaint_columns = ["code", "year", "number", "channel", "category", "desa", "place",
                         "description", "privacy", "status", "reject_reason", "received_at",
                         "received_on", "verify_by", "plan_by", "resolve_by"]  # fmt: skip
    insert = (
        f"INSERT INTO complaints ({', '.join(complaint_columns)}) "
        f"VALUES ({', '.join('?' * len(complaint_columns))})"
    )

    def complaint(number: int) -> tuple[object, ...]:
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        status = rng.choice(STATUSES)
        reason = (
            rng.choice(("duplikat", "palsu", "di_luar_kewenangan")) if status == "ditolak" else None
        )
        deadlines = [(day + timedelta(days=n)).isoformat() for n in (3, 10, 84)]
        return (f"TRB-{day.year}-{number:06d}", day.year, number, "chat", "Parkir liar", "Ajung",
                "", "uraian", "biasa", status, reason, f"{day.isoformat()} 03:00:00",
                day.isoformat(), *deadlines)  # fmt: skip

    connection.executemany(insert, (complaint(n) for n in range(1, complaints + 1)))
    connection.commit()
    connection.execute("ANALYZE")
    connection.close()


async def timed(work: object, runs: int = 3) -> float:
    """Median seconds of ``runs`` awaits of the coroutine factory ``work``."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def explain(database: Database) -> str:
    queries = {
        "SKM sums for a year": f"SELECT count(*), {', '.join(f'sum({k})' for k in UNSUR_KEYS)} "
        "FROM survey_responses WHERE local_date >= '2025-01-01' AND local_date <= '2025-12-31'",
        "IKU 4 counts for a year": "SELECT count(*), sum(CASE WHEN status = 'selesai' THEN 1 "
        "ELSE 0 END) FROM complaints WHERE received_on >= '2025-01-01' AND "
        "received_on <= '2025-12-31'",
    }
    lines = []
    async with database.engine.connect() as connection:
        for name, query in queries.items():
            plan = await connection.execute(text(f"EXPLAIN QUERY PLAN {query}"))
            lines.append(f"-- {name}\n{query}\n" + "\n".join(str(row[-1]) for row in plan))
    return "\n\n".join(lines)


async def measure(responses: int, complaints: int) -> list[tuple[str, str, str]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scale.db"
        url = f"sqlite+aiosqlite:///{path}"
        config = config_for(url, Path(folder))
        await migrate.run_on_url(url, migrate.upgrade)
        started = time.perf_counter()
        seed(path, responses, complaints)
        seeded = time.perf_counter() - started
        database = Database(url)
        now = datetime(2025, 12, 31, 12, tzinfo=UTC)
        try:
            results = {}
            for name, period in (("week", iso_week(2025, 20)), ("quarter", quarter(2025, 2)),
                                 ("year", year(2025))):  # fmt: skip
                results[name] = await timed(lambda p=period: build_report(database, config, p, now))
            summary = await timed(
                lambda: build_summary(database, config, iso_week(2025, 20), now), 2
            )
            report = await build_report(database, config, year(2025), now)
            LOG.write_text(await explain(database) + "\n", encoding="utf-8")
        finally:
            await database.dispose()
        # The dashboard's pages on the same data (benchmarks/dashboard.py).
        pages = await dashboard.time_pages(url, Path(folder), dashboard.locate(path))
    week_ok = "ok" if results["week"] < 0.1 else "MISSED"
    year_ok = "ok" if results["year"] < 1 else "MISSED"
    ms = {name: f"{seconds * 1000:.0f}" for name, seconds in results.items()}
    data = f"{responses:,} responses, {complaints:,} complaints"
    held = f"seeded in {seeded:.0f} s; a year holds {report.skm.respondents:,} responses"
    return [
        ("report scale: data", data, held),
        ("report scale: a week (ms)", ms["week"], f"target < 100 ({week_ok})"),
        ("report scale: a quarter (ms)", ms["quarter"], ""),
        ("report scale: a year (ms)", ms["year"], f"target < 1000 ({year_ok})"),
        ("report scale: weekly summary job (ms)", f"{summary * 1000:.0f}", "reports and chart"),
        *pages,
    ]


def main(responses: int = 1_000_000, complaints: int = 200_000) -> list[tuple[str, str, str]]:
    return asyncio.run(measure(responses, complaints))


if __name__ == "__main__":
    arguments = [int(value) for value in sys.argv[1:3]]
    for row in main(*arguments):
        print(" | ".join(row))
