"""The weekly summary: due by the crontab line, sent once, caught up after downtime."""

from __future__ import annotations

import asyncio
import io
import random
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from PIL import Image
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot import jobs
from bot.config import Config
from bot.offline import OfflineBotApi
from bot.summary import due_week, gather_summary, previous_fire_time
from db import complaints, surveys
from db.complaints import NewComplaint
from db.engine import Database
from db.indicators import ActivityInput, ProgramInput, upsert_activities, upsert_programs
from i18n import Texts, catalog
from iku.chart import render_chart
from iku.complaints import Channel, ClockRules, Privacy, RejectReason, Status
from iku.periods import iso_week
from iku.skm import UNSUR_KEYS, SkmResult
from iku.summary import SummaryData
from iku.survey_forms import PaperForm, SurveyAnswers
from iku.text import utf16_length
from tests.bot_api_server import BotApiServer
from tests.factories import CAMAT_ID, BotHarness, make_config
from tests.iku.test_chart import (
    AMBER,
    GREEN,
    GREY,
    LIGHT_GREEN,
    RED,
    assert_readable,
    bar_colours,
    laid_out,
    panels,
)

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
        "1. Indikator program tercapai (tahun berjalan): 1 dari 2 indikator, 50,00%; target 80,00%",
    ]
    assert "2. IKM minggu lalu: belum ada data" in text["text"]
    assert photo["caption"].startswith("Grafik IKU Kecamatan Ajung, minggu 10-16 Februari 2025")
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

        sent = "Ringkasan minggu 10-16 Februari 2025 (2025-W07) terkirim ke chat Camat.\n"
        assert await send("--week", "2025-W07") == (0, sent)
        assert await send("--week", "2025-W07") == (
            0,
            "Ringkasan minggu 10-16 Februari 2025 (2025-W07) sudah pernah terkirim; tidak "
            "dikirim lagi. Pakai --force untuk mengirim ulang.\n",
        )
        assert await send("--week", "2025-W07", "--force") == (0, sent)
        assert len(server.api.bot_messages(CAMAT_ID)) == 4
        server.api.fail_next("sendMessage", status=500, description="Internal Server Error")
        code, out = await send("--week", "2025-W08")  # then the log's warning, in English
        assert (code, out.splitlines()[0]) == (
            1,
            "Ringkasan minggu 17-23 Februari 2025 (2025-W08) gagal terkirim dan akan dicoba "
            "lagi: NetworkError: Internal Server Error",
        )
        assert await send("--week", "2025-W99") == (
            2,
            'ajung-bot: --week: "2025-W99" bukan minggu seperti 2025-W07\n',
        )


def test_cli_renders_the_chart(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The size as Indonesians write it (61.849 byte, not 61,849 bytes), the week by its dates."""
    from bot.cli import main

    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    out = tmp_path / "chart.png"
    assert main(["--config", str(config), "summary", "--week", "2025-W07", "--out", str(out)]) == 0
    chart = out.read_bytes()
    assert chart.startswith(b"\x89PNG") and len(chart) > 1000
    size = f"{len(chart):,}".replace(",", ".")
    assert capsys.readouterr().out == (
        f"{out}: grafik ringkasan minggu 10-16 Februari 2025, {size} byte\n"
    )
    assert make_config(database_url).schedule.weekly_summary == "0 7 * * mon"


# --- the chart, looked at: an empty week, a busy week, a year of data -----------------------

WEEK = iso_week(2026, 47)  # 16-22 November 2026
AT_NINE = time(9, 0)


def survey_forms(rng: random.Random, day: date, count: int, quality: float) -> list[PaperForm]:
    """``count`` paper forms of ``day``; ``quality`` 0-1 leans the answers towards 4."""
    weights = [1 - quality, 1.5 - quality, 1 + quality, 0.2 + 2 * quality]
    return [
        PaperForm(
            SurveyAnswers(
                rng.choice(["KTP", "SKET", "LEGAL"]),
                rng.choice("LP"),
                rng.randint(18, 70),
                "SMA",
                "PNS",
                {key: rng.choices([1, 2, 3, 4], weights)[0] for key in UNSUR_KEYS},
            ),
            day,
            AT_NINE,
            f"{day.isoformat()}-{number}",
        )
        for number in range(count)
    ]


async def file_complaints(
    session: AsyncSession, rng: random.Random, day: date, count: int, resolved_share: float
) -> None:
    """``count`` complaints received on ``day``, about ``resolved_share`` of them resolved two
    days later, one in ten rejected as a duplicate (left out of IKU 4)."""
    received = datetime.combine(day, AT_NINE, tzinfo=WIB).astimezone(UTC)
    for _ in range(count):
        saved = await complaints.record_complaint(
            session, COMPLAINT, prefix="TRB", rules=ClockRules(), tz=WIB, now=received
        )
        roll = rng.random()
        if roll < 0.1:
            target, reason = Status.DITOLAK, RejectReason.DUPLIKAT
        elif roll < 0.1 + 0.9 * resolved_share:
            target, reason = Status.SELESAI, None
        else:
            continue
        await complaints.move_complaint(
            session, saved.id, Status.BARU, target, actor_id=None, note="ditangani",
            reason=reason, now=received + timedelta(days=2),
        )  # fmt: skip


async def seed_busy_week(database: Database) -> None:
    """Sixty survey forms and thirty complaints in the summary's week, nothing before."""
    rng = random.Random(47)
    async with database.transaction() as session:
        for offset in range(7):
            day = WEEK.start + timedelta(days=offset)
            await surveys.record_paper_forms(
                session, survey_forms(rng, day, 9, 0.55), WIB, datetime.now(UTC)
            )
            await file_complaints(session, rng, day, 4 + offset % 2, 0.6)


async def seed_year(database: Database) -> None:
    """A year up to the summary's week: surveys whose quality climbs, complaints resolved
    more or less well, weeks without surveys or complaints, and the year's plans."""
    rng = random.Random(2026)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    async with database.transaction() as session:
        for number in range(1, WEEK.number + 1):
            week = iso_week(2026, number)
            quality = min(0.9, 0.15 + number / 60)
            forms = 0 if number % 9 == 4 else rng.randint(4, 25)
            day = week.start + timedelta(days=rng.randint(0, 4))
            await surveys.record_paper_forms(
                session, survey_forms(rng, day, forms, quality), WIB, now
            )
            if number % 7 != 3:
                share = 0.9 if number % 4 else 0.25
                await file_complaints(session, rng, day, rng.randint(1, 6), share)
        programs = [
            ProgramInput(
                2026,
                f"P{n}",
                f"Indikator {n}",
                "Program",
                10,
                "kali",
                realization=10 if n <= 7 else 4,
            )
            for n in range(1, 11)
        ]
        await upsert_programs(session, programs, actor="test", now=now)
        activities = [
            ActivityInput(2026, f"Kegiatan {n}", n, date(2026, n, 10) if n <= 5 else None)
            for n in range(1, 13)
        ]
        await upsert_activities(session, activities, actor="test", now=now)


COMPLAINT = NewComplaint(
    Channel.CHAT, "Parkir liar", "Ajung", "depan pasar", None, None,
    "Motor parkir di trotoar depan pasar.", Privacy.BIASA,
)  # fmt: skip
SEEDS = {"empty": None, "busy": seed_busy_week, "year": seed_year}


async def summary_data(database: Database, config: Config, seed: str) -> SummaryData:
    if (seeding := SEEDS[seed]) is not None:
        await seeding(database)
    return await gather_summary(database, config, WEEK, datetime(2026, 11, 23, 0, tzinfo=UTC))


async def seed_two_weeks(bot: BotHarness) -> None:
    """2025-W06 and W07 with figures checked by hand. Surveys: W06 ten forms all 3 (IKM
    75,00); W07 nine forms all 3 and one all 4 (279 of 360 points: 77,50). Complaints: W06 1 of
    2 resolved, W07 1 of 4. Activities: one of two facilitated, on 12 February (W07)."""
    database: Database = bot.application.bot_data["services"].database
    rng = random.Random(0)
    async with database.transaction() as session:
        w06, w07 = date(2025, 2, 4), date(2025, 2, 12)
        forms = [*survey_forms(rng, w06, 10, 0), *survey_forms(rng, w07, 10, 0)]
        forms = [
            PaperForm(
                replace(form.answers, answers=dict.fromkeys(UNSUR_KEYS, 4 if n == 19 else 3)),
                form.local_date,
                form.local_time,
                form.import_key,
            )
            for n, form in enumerate(forms)
        ]
        await surveys.record_paper_forms(session, forms, WIB, bot.clock())
        for day, resolved, received in ((w06, 1, 2), (w07, 1, 4)):
            at = datetime.combine(day, AT_NINE, tzinfo=WIB).astimezone(UTC)
            for number in range(received):
                saved = await complaints.record_complaint(
                    session, COMPLAINT, prefix="TRB", rules=ClockRules(), tz=WIB, now=at
                )
                if number < resolved:
                    await complaints.move_complaint(
                        session, saved.id, Status.BARU, Status.SELESAI, actor_id=None,
                        note="beres", reason=None, now=at + timedelta(hours=3),
                    )  # fmt: skip
        activities = [
            ActivityInput(2025, "Pelatihan UMKM", 2, w07),
            ActivityInput(2025, "Posyandu", 3),
        ]
        await upsert_activities(session, activities, actor="test", now=bot.clock())


async def test_the_camat_reads_each_figure_with_its_change_and_sees_the_chart(
    bot: BotHarness,
) -> None:
    await seed(bot)
    await seed_two_weeks(bot)
    bot.clock.now = wib(2025, 2, 17, 7, 0)
    await jobs.send_due_summary(bot.context())
    text, photo = camat_messages(bot)
    assert text["text"].splitlines()[5:] == [
        "2. IKM minggu lalu: 77,50 (mutu B, Baik) dari 10 responden",
        "   Dibanding minggu sebelumnya: naik 2,50 poin",
        "   IKM tahun berjalan: 76,25 (mutu C, Kurang baik) dari 20 responden",
        "   Selama minggu lalu: naik 1,25 poin",
        "   Unsur terendah: Persyaratan (76,25)",
        "3. Kegiatan pemberdayaan terfasilitasi (tahun berjalan): 1 dari 2 kegiatan, 50,00%; "
        "target 80,00%",
        "   Selama minggu lalu: naik 50,00 poin",
        "4. Laporan trantib terselesaikan minggu lalu: 1 dari 4 laporan, 25,00%; target 80,00%",
        "   Dibanding minggu sebelumnya: turun 25,00 poin",
        "   Tahun berjalan: 2 dari 6 laporan, 33,33%",
        "   Selama minggu lalu: turun 16,67 poin",
        "   Laporan yang melewati batas waktu saat ini: 1",  # the one of 4 February
    ]
    assert utf16_length(photo["caption"]) <= 1024
    chart = bot.api.file_content(photo["photo"][-1]["file_id"])
    with Image.open(io.BytesIO(chart)) as image:
        assert image.size == (1200, 1000)


@pytest.mark.parametrize("seed_name", list(SEEDS))
async def test_the_chart_of_an_empty_week_a_busy_week_and_a_year(
    database: Database, config: Config, seed_name: str, tmp_path: Path
) -> None:
    """The three data sets of the issue, drawn as the bot draws them, then read back: every
    bar coloured by its grade or target, no label on another. The PNGs are left in tmp_path
    to be looked at."""
    data = await summary_data(database, config, seed_name)
    figure = await asyncio.to_thread(laid_out, data)
    assert_readable(figure)
    drawn = panels(figure)
    year, trend = data.year, data.trend
    assert bar_colours(drawn["iku"]) == [
        by_target(year.programs.percent),
        by_grade(year.skm.result),
        by_target(year.empowerment.percent),
        by_target(year.complaints.ratio.percent),
    ]
    assert bar_colours(drawn["ikm"]) == [by_grade(week.skm) for week in trend] + [
        by_grade(year.skm.result)
    ]
    assert bar_colours(drawn["iku4"]) == [by_target(week.resolved_percent) for week in trend] + [
        by_target(year.complaints.ratio.percent)
    ]
    png = await asyncio.to_thread(render_chart, data, catalog().for_language("id"))
    (tmp_path / f"{seed_name}.png").write_bytes(png)
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (1200, 1000)
    expected = EXPECTED_BARS[seed_name]
    assert (len(drawn["unsur"].patches), bar_colours(drawn["iku"])) == expected


def by_target(percent: float | None, target: float = 80.0) -> str:
    """The colour a reader expects against a target of 80 %."""
    if percent is None:
        return GREY
    shown = round(percent, 2)
    return GREEN if shown >= target else AMBER if shown >= target - 10 else RED


def by_grade(result: SkmResult | None) -> str:
    if result is None:
        return GREY
    return {"A": GREEN, "B": LIGHT_GREEN, "C": AMBER, "D": RED}[result.mutu]


# What each data set shows in the IKU panel (looked at: the PNGs of the test above).
EXPECTED_BARS = {
    "empty": (0, [GREY, GREY, GREY, GREY]),
    "busy": (9, [GREY, AMBER, GREY, RED]),
    "year": (9, [AMBER, AMBER, RED, RED]),
}


async def test_the_targets_of_the_configuration_colour_the_chart(database_url: str) -> None:
    """An office whose Perjanjian Kinerja sets IKU 4 at 50 % sees the busy week's 57,14 % green."""
    config = make_config(database_url, targets={"complaints_percent": 50})
    database = Database(database_url)
    try:
        data = await summary_data(database, config, "busy")
    finally:
        await database.dispose()
    assert data.targets.complaints == 50.0
    assert bar_colours(panels(await asyncio.to_thread(laid_out, data))["iku"])[3] == GREEN
    with pytest.raises(ValidationError, match="less than or equal to 100"):
        make_config(database_url, targets={"complaints_percent": 120})


async def test_the_chart_is_drawn_in_another_process(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drawing takes a second of CPU: on the event loop, or in a thread holding the interpreter
    lock, it would hold up every resident. The bot's own process never draws it, and the Camat
    still gets the chart."""
    drawn_here: list[SummaryData] = []

    def draw(data: SummaryData, t: Texts) -> bytes:
        drawn_here.append(data)
        return render_chart(data, t)

    monkeypatch.setattr("bot.chart_worker.render_chart", draw)
    bot.clock.now = wib(2025, 2, 17, 7, 0)
    await jobs.send_due_summary(bot.context())
    _, chart = camat_messages(bot)
    assert drawn_here == []
    assert "photo" in chart
    assert Image.open(io.BytesIO(bot.api.file_content(chart["photo"][-1]["file_id"]))).size == (
        1200,
        1000,
    )
