"""``/``: the four IKU for this week, this month and the year to date (and a typed period),
the survey's grade and sample, the overdue complaints, the trends and the unsur."""

from __future__ import annotations

from datetime import date, timedelta

from bot.reporting import build_overview, build_report, build_trend
from db import complaints, surveys
from db.engine import Database
from i18n import catalog
from iku.complaints import RejectReason, Status
from iku.format import format_number
from iku.periods import current_keys, local_today, relative_period
from iku.skm import UNSUR_BY_KEY, UNSUR_KEYS, skm_index
from iku.survey_forms import PaperForm, SurveyAnswers
from tests.factories import CAMAT_ID, PMKS_ID, TRANTIB_ID, BotHarness, stored_directly
from tests.web.conftest import WebClient, page_text, signed_in

t = catalog().for_language("id")


def answers(value: int) -> dict[str, int]:
    """``value`` for every unsur but the last, which gets 1: the lowest."""
    return {**dict.fromkeys(UNSUR_KEYS, value), UNSUR_KEYS[-1]: 1}


async def seed(bot: BotHarness) -> list[str]:
    """Three complaints received today (one resolved, one rejected as duplicate, one open and
    received 40 days ago so it is overdue) and four paper survey forms."""
    database = Database(bot.config.database.url)
    now = bot.clock()
    tz = bot.config.kecamatan.tz
    today = local_today(tz, now)
    codes = []
    old = now - timedelta(days=40)
    for at in (now, now, old):
        bot.clock.now = at
        codes.append((await stored_directly(bot)).code)
    bot.clock.now = now
    async with database.transaction() as session:
        first = await complaints.fetch_complaint_by_code(session, codes[0])
        second = await complaints.fetch_complaint_by_code(session, codes[1])
        assert first is not None and second is not None
        await complaints.move_complaint(
            session, first.id, Status.BARU, Status.SELESAI, actor_id=None, note="sudah beres",
            reason=None, now=now,
        )  # fmt: skip
        await complaints.move_complaint(
            session, second.id, Status.BARU, Status.DITOLAK, actor_id=None, note="sama",
            reason=RejectReason.DUPLIKAT, now=now,
        )  # fmt: skip
        forms = [
            PaperForm(
                SurveyAnswers("KTP", "L", 30, "SMA", "PNS", answers(value)),
                today,
                None,
                f"k{n}",
            )
            for n, value in enumerate((4, 3, 3, 4))
        ]
        await surveys.record_paper_forms(session, forms, tz, now)
    await database.dispose()
    return codes


async def test_the_four_iku_with_numerator_and_denominator(
    bot: BotHarness, bot_client: WebClient
) -> None:
    codes = await seed(bot)
    await signed_in(bot_client, CAMAT_ID)
    text = page_text((await bot_client.get("/")).text)
    # This week and this month hold the two complaints of today; the duplicate is left out.
    assert text.count(t("report.ratio", numerator="1", denominator="1", unit="laporan",
                        percent="100,00%")) >= 2  # fmt: skip
    result = skm_index({**dict.fromkeys(UNSUR_KEYS, 14), UNSUR_KEYS[-1]: 4}, 4)
    assert result is not None
    ikm = t(
        "report.skm",
        index=format_number(result.ikm_converted, 2),
        mutu=result.mutu,
        kinerja=result.kinerja,
        respondents="4",
    )
    assert text.count(ikm) == 3  # week, month, year to date
    assert t("web.overview.no_population") in text
    assert t("web.overview.overdue_total", count="1") in text
    assert codes[2] in text  # the overdue one, listed for the Camat
    assert t("report.no_data") in text  # IKU 1 and 3: nothing planned


async def test_a_typed_period_adds_a_column(bot: BotHarness, bot_client: WebClient) -> None:
    await seed(bot)
    await signed_in(bot_client, CAMAT_ID)
    text = page_text((await bot_client.get("/", params={"periode": "bulan lalu"})).text)
    # Last month held the old complaint only: 0 of 1 resolved.
    assert t("report.ratio", numerator="0", denominator="1", unit="laporan",
             percent="0,00%") in text  # fmt: skip
    today = local_today(bot.config.kecamatan.tz, bot.clock())
    wrong = page_text((await bot_client.get("/", params={"periode": "kemarin dulu"})).text)
    assert t("web.overview.bad_period", **current_keys(today)) in wrong


async def test_pmks_sees_the_figures_but_no_complaint(
    bot: BotHarness, bot_client: WebClient
) -> None:
    codes = await seed(bot)
    await signed_in(bot_client, PMKS_ID)
    response = await bot_client.get("/")
    assert response.status_code == 200
    text = page_text(response.text)
    assert t("web.overview.overdue_total", count="1") in text
    assert not any(code in response.text for code in codes)


async def test_the_trend_has_a_year_of_weeks_and_the_unsur_lowest_first(
    bot: BotHarness, bot_client: WebClient
) -> None:
    await seed(bot)
    await signed_in(bot_client, TRANTIB_ID)
    html = (await bot_client.get("/")).text
    assert html.count('<svg viewBox="0 0 720 260"') == 2
    this_week = local_today(bot.config.kecamatan.tz, bot.clock()).isocalendar()
    assert f"{this_week.year}-W{this_week.week:02d}" in html
    year_ago = date.fromisocalendar(this_week.year, this_week.week, 1) - timedelta(weeks=51)
    iso = year_ago.isocalendar()
    assert f'<th scope="row">{iso.year}-W{iso.week:02d}</th>' in html
    text = page_text(html)
    lowest, *others = [UNSUR_BY_KEY[UNSUR_KEYS[-1]], *(UNSUR_BY_KEY[k] for k in UNSUR_KEYS[:-1])]
    unsur_part = text.split(t("web.overview.unsur_heading", period=""), 1)[1]
    assert unsur_part.index(lowest.name) < min(unsur_part.index(u.name) for u in others)


async def test_the_overview_figures_are_the_reports_and_the_trend(bot: BotHarness) -> None:
    """One pass for all figures gives exactly what build_report and build_trend give."""
    await seed(bot)
    database = Database(bot.config.database.url)
    now = bot.clock()
    today = local_today(bot.config.kecamatan.tz, now)
    periods = [relative_period(name, today) for name in ("this_week", "this_month", "this_year")]
    periods.append(relative_period("last_month", today))
    last = relative_period("this_week", today)
    reports, trend = await build_overview(database, bot.config, periods, last, now, weeks=52)
    assert reports == [await build_report(database, bot.config, p, now) for p in periods]
    assert trend == await build_trend(database, bot.config, last, now, weeks=52)
    assert sum(week.complaints.denominator for week in trend) == 2  # the duplicate left out
    await database.dispose()


async def test_a_year_of_days_adds_up(bot: BotHarness) -> None:
    """Survey forms far apart over the year are each counted once, in the right weeks and in
    every column that holds their day."""
    database = Database(bot.config.database.url)
    now = bot.clock()
    tz = bot.config.kecamatan.tz
    today = local_today(tz, now)
    days = [today - timedelta(days=n) for n in (0, 1, 100, 181, 182, 183, 300, 350)]
    async with database.transaction() as session:
        forms = [
            PaperForm(SurveyAnswers("KTP", "L", 30, "SMA", "PNS", answers(3)), day, None, f"h{n}")
            for n, day in enumerate(days)
        ]
        await surveys.record_paper_forms(session, forms, tz, now)
    periods = [relative_period(name, today) for name in ("this_week", "this_month", "this_year")]
    last = relative_period("this_week", today)
    reports, trend = await build_overview(database, bot.config, periods, last, now, weeks=52)
    assert reports == [await build_report(database, bot.config, p, now) for p in periods]
    assert trend == await build_trend(database, bot.config, last, now, weeks=52)
    assert sum(week.skm.respondents for week in trend if week.skm) == len(days)
    await database.dispose()
