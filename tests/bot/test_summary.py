"""The weekly summary: due by the crontab line, sent once, caught up after downtime."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent

from bot import jobs
from bot.config import Config
from bot.offline import OfflineBotApi
from bot.summary import due_week, previous_fire_time
from db.engine import Database
from db.indicators import ProgramInput, upsert_programs
from tests.bot_api_server import BotApiServer
from tests.factories import CAMAT_ID, BotHarness, make_config

WIB = ZoneInfo("Asia/Jakarta")
ROOT = Path(__file__).resolve().parents[2]


def wib(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=WIB).astimezone(UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("crontab", "now", "fired"),
    [
        pytest.param(
            "0 7 * * mon", wib(2025, 2, 17, 7, 0), wib(2025, 2, 17, 7, 0), id="at-the-minute"
        ),
        pytest.param(
            "0 7 * * mon", wib(2025, 2, 17, 6, 59), wib(2025, 2, 10, 7, 0), id="just-before"
        ),
        pytest.param("0 7 * * mon", wib(2025, 2, 19, 12, 0), wib(2025, 2, 17, 7, 0), id="midweek"),
        pytest.param(
            "* * * * *", wib(2025, 2, 19, 12, 0, 30), wib(2025, 2, 19, 12, 0), id="every-minute"
        ),
        pytest.param("0 7 1 1 *", wib(2025, 6, 1), wib(2025, 1, 1, 7, 0), id="yearly"),
    ],
)
def test_previous_fire_time(crontab: str, now: datetime, fired: datetime) -> None:
    assert previous_fire_time(crontab, WIB, now) == fired


@pytest.mark.parametrize(
    ("now", "week"),
    [
        pytest.param(wib(2025, 2, 17, 7, 0), "2025-W07", id="monday-at-seven"),
        pytest.param(wib(2025, 2, 17, 6, 0), "2025-W06", id="monday-before-seven"),
        pytest.param(wib(2025, 2, 23, 23, 0), "2025-W07", id="sunday-night"),
        pytest.param(wib(2025, 1, 6, 8, 0), "2025-W01", id="first-week-spans-new-year"),
    ],
)
def test_due_week_for_the_default_schedule(now: datetime, week: str) -> None:
    assert (period := due_week(Config(), now)) is not None and period.key == week


def camat_messages(bot: BotHarness) -> list[dict]:
    return bot.api.bot_messages(CAMAT_ID)


async def seed(bot: BotHarness) -> None:
    database: Database = bot.application.bot_data["services"].database
    async with database.transaction() as session:
        await upsert_programs(
            session,
            [
                ProgramInput(2025, "P1", "Rapat", "Koordinasi", 12, "kali", realization=12),
                ProgramInput(2025, "P2", "Surat", "Pelayanan", 3, "hari", False, 5),
            ],
            actor="test",
            now=bot.clock(),
        )


async def test_sent_once_with_text_and_chart_and_never_again_after_restart(bot: BotHarness) -> None:
    await seed(bot)
    bot.clock.now = wib(2025, 2, 17, 7, 0)
    await jobs.send_due_summary(bot.context())
    text, photo = camat_messages(bot)
    assert text["text"].splitlines()[:5] == [
        "Ringkasan IKU Kecamatan Ajung",
        "Minggu lalu: 10 Februari 2025 s.d. 16 Februari 2025 (2025-W07)",
        "Tahun berjalan: 1 Januari 2025 s.d. 16 Februari 2025",
        "",
        "1. Indikator program tercapai (tahun berjalan): 1 dari 2 indikator, 50,00%",
    ]
    assert "2. IKM minggu lalu: belum ada data" in text["text"]
    assert "photo" in photo
    chart = bot.api.file_content(photo["photo"][-1]["file_id"])
    assert chart.startswith(b"\x89PNG")

    await jobs.send_due_summary(bot.context())
    await bot.restart_after_crash()
    bot.clock.advance(minutes=5)
    await jobs.send_due_summary(bot.context())
    assert len(camat_messages(bot)) == 2


async def test_a_summary_missed_while_down_arrives_at_start(bot: BotHarness) -> None:
    bot.clock.now = wib(2025, 2, 10, 9, 0)
    await jobs.send_due_summary(bot.context())
    assert "(2025-W06)" in camat_messages(bot)[0]["text"]
    await bot.crash()
    bot.clock.now = wib(2025, 2, 18, 10, 0)  # down over Monday 07:00
    await bot.start()
    await jobs.send_due_summary(bot.context())
    assert "(2025-W07)" in camat_messages(bot)[2]["text"]
    assert len(camat_messages(bot)) == 4


async def test_a_failed_send_is_retried_at_the_next_tick(bot: BotHarness) -> None:
    bot.clock.now = wib(2025, 2, 17, 7, 0)
    bot.api.fail_next("sendMessage", status=500, description="Internal Server Error")
    await jobs.send_due_summary(bot.context())
    assert camat_messages(bot) == []
    bot.clock.advance(minutes=5)
    await jobs.send_due_summary(bot.context())
    assert len(camat_messages(bot)) == 2


async def test_the_schedule_is_installed_with_stable_names(bot: BotHarness) -> None:
    assert bot.application.job_queue is not None
    names = {job.name for job in bot.application.job_queue.jobs()}
    assert names == {
        "conversations.sweep_idle",
        "summary.weekly",
        "summary.catch_up",
        "complaints.overdue_report",
        "complaints.catch_up",
        "outbox.deliver",
        "complaints.expire_note_requests",
    }


async def test_every_minute_schedule_through_the_real_job_queue(config: Config) -> None:
    """With the crontab line at every minute the Camat gets the summary once, from the jobs."""
    every_minute = config.model_copy(
        update={"schedule": config.schedule.model_copy(update={"weekly_summary": "* * * * *"})}
    )
    bot = BotHarness(every_minute)
    await bot.start()
    try:
        app = bot.application
        await app.start()
        assert app.job_queue is not None
        summary_jobs = {"summary.weekly", "summary.catch_up"}
        finished: list[str] = []
        ran = asyncio.Event()

        def count(event: JobExecutionEvent) -> None:
            job = app.job_queue.scheduler.get_job(event.job_id)  # type: ignore[union-attr]
            if job is not None and job.name in summary_jobs:
                finished.append(job.name)
                if len(finished) % len(summary_jobs) == 0:
                    ran.set()

        app.job_queue.scheduler.add_listener(count, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        for _ in range(2):  # fire them all now, twice: the second round must send nothing
            ran.clear()
            for job in app.job_queue.jobs():
                job.job.modify(next_run_time=datetime.now(UTC))
            await asyncio.wait_for(ran.wait(), 10)
        await app.stop()
    finally:
        await bot.stop()
    assert len(camat_messages(bot)) == 2


async def test_cli_send_summary_is_idempotent_and_forceable(
    tmp_path: Path, database_url: str
) -> None:
    async with BotApiServer(OfflineBotApi()) as server:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[telegram]\nbase_url = "{server.base_url}"\n'
            f'base_file_url = "{server.base_file_url}"\n'
            f'token = "{server.api.token}"\ncamat_chat_id = {CAMAT_ID}\n'
            f'[database]\nurl = "{database_url}"\n',
            encoding="utf-8",
        )

        async def send(*args: str) -> tuple[int, str]:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "--config", str(config), "send-summary", *args,
                cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await process.communicate()
            return process.returncode or 0, (out + err).decode()

        assert await send("--week", "2025-W07") == (0, "2025-W07: sent\n")
        assert await send("--week", "2025-W07") == (0, "2025-W07: already-sent\n")
        assert await send("--week", "2025-W07", "--force") == (0, "2025-W07: sent\n")
        assert len(server.api.bot_messages(CAMAT_ID)) == 4
        code, out = await send("--week", "2025-W99")
        assert code == 2 and "'2025-W99' is not a week like 2025-W07" in out


def test_cli_renders_the_chart(tmp_path: Path, database_url: str) -> None:
    from bot.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    out = tmp_path / "chart.png"
    assert main(["--config", str(config), "summary", "--week", "2025-W07", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert make_config(database_url).schedule.weekly_summary == "0 7 * * mon"
