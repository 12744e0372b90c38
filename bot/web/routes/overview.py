"""``/``: the overview. The four IKU for this week, this month and the year to date (and a
period typed with the same words and codes as ``/iku``), each with numerator and denominator;
the IKM grade and the survey's sample; the overdue complaints; the trends of IKM and IKU 4 by
week over the last twelve months; the SKM unsur from lowest to highest.

Every figure comes from ``bot.reporting`` (the IKU report and the trend of the weekly
summary): nothing is counted here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.reporting import build_overview
from bot.web.auth import page
from bot.web.charts import Point, bar_chart, line_chart
from bot.web.permissions import allowed
from bot.web.render import render, services_of, texts_of, viewer_of
from db.complaint_search import Listed, Search, count_complaints, search_complaints
from i18n import Texts
from iku.format import format_number
from iku.periods import Period, current_keys, local_today, read_period, relative_period
from iku.ratio import Ratio
from iku.report import IkuReport, format_period, ikm_line, ratio_text
from iku.skm import GRADE_BANDS
from iku.trend import Standing, Targets, WeekFigures, standing

# The columns always shown (labels: iku.period.<name>).
COLUMNS = ("this_week", "this_month", "this_year")
TREND_WEEKS = 52
OVERDUE_SHOWN = 10
PERIOD_FIELD = "periode"


def routes() -> list[BaseRoute]:
    return [page("/", overview, "overview")]


@dataclass(frozen=True)
class Column:
    label: str
    period_text: str
    report: IkuReport


async def overview(request: Request) -> Response:
    services = services_of(request)
    config, database = services.config, services.database
    t = texts_of(request)
    viewer = viewer_of(request)
    assert viewer is not None
    now = services.clock()
    today = local_today(config.kecamatan.tz, now)
    periods: list[tuple[str, Period]] = [
        (t(f"iku.period.{name}"), relative_period(name, today)) for name in COLUMNS
    ]
    overdue_search = Search(overdue_only=True, descending=False)
    may_see_complaints = allowed(services.roles(), viewer.user_id, "complaints")

    async def overdue_complaints() -> tuple[int, list[Listed]]:
        tz = config.kecamatan.tz
        async with database.sessions() as session:
            total = await count_complaints(session, overdue_search, today, tz)
            if not (may_see_complaints and total):
                return total, []
            shown = await search_complaints(session, overdue_search, today, tz, limit=OVERDUE_SHOWN)
            return total, shown

    typed = request.query_params.get(PERIOD_FIELD, "").strip()[:60]
    problem = ""
    chosen: Period | None = None
    if typed:
        try:
            chosen = read_period(typed, today)
        except ValueError:
            problem = t("web.overview.bad_period", **current_keys(today))

    if chosen is not None:
        periods.append((typed, chosen))

    # The figures (all columns and the trend in one pass) and the overdue list come from
    # different queries: side by side, each on its own connection.
    (reports, trend), (overdue_total, overdue) = await asyncio.gather(
        build_overview(
            database,
            config,
            [period for _, period in periods],
            relative_period("this_week", today),
            now,
            weeks=TREND_WEEKS,
        ),
        overdue_complaints(),
    )
    columns = [
        Column(label, format_period(report.period, t), report)
        for (label, _), report in zip(periods, reports, strict=True)
    ]
    unsur_report = reports[-1]
    targets = config.targets.targets
    return render(
        request,
        "overview.html",
        {
            "typed": typed,
            "problem": problem,
            "examples": current_keys(today),
            "columns": columns,
            "rows": _rows(columns, t, targets),
            "overdue": overdue,
            "overdue_total": overdue_total,
            "may_see_complaints": may_see_complaints,
            "trend": trend,
            "ikm_chart": _ikm_chart(trend, t),
            "iku4_chart": _iku4_chart(trend, t, targets.complaints),
            "unsur_column": columns[-1],
            "unsur": unsur_report.skm.result.by_priority if unsur_report.skm.result else (),
            "unsur_chart": _unsur_chart(unsur_report, t),
            "role_names": ", ".join(t(f"web.role.{role}") for role in viewer.roles),
        },
    )


@dataclass(frozen=True)
class Cell:
    text: str
    standing: str  # met, near, below, no_data: a class, and a word for who cannot see colour
    note: str = ""


@dataclass(frozen=True)
class Row:
    label: str
    cells: list[Cell]


def _rows(columns: list[Column], t: Texts, targets: Targets) -> list[Row]:
    def share(ratio: Ratio, unit: str, target: float) -> Cell:
        judged = standing(ratio.percent, target)
        return Cell(ratio_text(ratio, t, unit), judged.value, _standing_word(t, judged, target))

    rows = [
        Row(
            t("web.overview.iku1"),
            [share(c.report.programs, "report.unit_indicators", targets.program) for c in columns],
        ),
        Row(t("web.overview.iku2"), [_ikm_cell(c.report, t) for c in columns]),
        Row(t("web.overview.sample"), [_sample_cell(c.report, t) for c in columns]),
        Row(
            t("web.overview.iku3"),
            [
                share(c.report.empowerment, "report.unit_activities", targets.empowerment)
                for c in columns
            ],
        ),
        Row(
            t("web.overview.iku4"),
            [
                share(c.report.complaints.ratio, "report.unit_complaints", targets.complaints)
                for c in columns
            ],
        ),
        Row(
            t("web.overview.open"),
            [
                Cell(
                    t(
                        "web.overview.open_figures",
                        open=format_number(c.report.complaints.open),
                        overdue=format_number(c.report.complaints.overdue),
                    ),
                    "no_data" if not c.report.complaints.open else "",
                )
                for c in columns
            ],
        ),
    ]
    return rows


def _standing_word(t: Texts, judged: Standing, target: float) -> str:
    if judged is Standing.NO_DATA:
        return ""
    return t(f"web.overview.standing_{judged.value}", target=format_number(target, 2))


def _ikm_cell(report: IkuReport, t: Texts) -> Cell:
    result = report.skm.result
    if result is None:
        return Cell(t("report.no_data"), "no_data")
    text = ikm_line(result, t)
    grade_class = {"A": "met", "B": "met", "C": "near", "D": "below"}[result.mutu]
    return Cell(text, grade_class)


def _sample_cell(report: IkuReport, t: Texts) -> Cell:
    sample = report.skm.sample
    if sample.required is None or sample.population is None:
        return Cell(t("web.overview.no_population"), "no_data")
    key = "web.overview.sample_reached" if sample.reached else "web.overview.sample_short"
    return Cell(
        t(
            key,
            respondents=format_number(report.skm.respondents),
            required=format_number(sample.required),
            population=format_number(sample.population),
        ),
        "met" if sample.reached else "below",
    )


def _ikm_chart(trend: tuple[WeekFigures, ...], t: Texts) -> Markup:
    points = [Point(week.week.key, week.ikm) for week in trend]
    grade_b = next(lower for lower, grade in GRADE_BANDS if grade.mutu == "B")
    return line_chart(
        points,
        low=25,
        high=100,
        ticks=(25, 50, 75, 100),
        target=grade_b,
        target_label=t("web.overview.grade_b_line", value=format_number(grade_b, 2)),
        title=t("web.overview.ikm_trend"),
        description=t("web.overview.trend_description", weeks=len(points)),
        chart_id="tren-ikm",
    )


def _iku4_chart(trend: tuple[WeekFigures, ...], t: Texts, target: float) -> Markup:
    points = [Point(week.week.key, week.resolved_percent) for week in trend]
    return line_chart(
        points,
        low=0,
        high=100,
        ticks=(0, 25, 50, 75, 100),
        target=target,
        target_label=t("web.overview.target_line", value=format_number(target, 2)),
        title=t("web.overview.iku4_trend"),
        description=t("web.overview.trend_description", weeks=len(points)),
        chart_id="tren-iku4",
    )


def _unsur_chart(report: IkuReport, t: Texts) -> Markup:
    result = report.skm.result
    if result is None:
        return Markup("")
    bars = [(score.unsur.name, score.converted) for score in result.by_priority]
    return bar_chart(
        bars,
        low=25,
        high=100,
        title=t("web.overview.unsur_title", period=format_period(report.period, t)),
        description=t("web.overview.unsur_description"),
        chart_id="unsur",
    )
