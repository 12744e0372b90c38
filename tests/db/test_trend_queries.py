"""The trend's grouped queries: twelve weeks of IKM and IKU 4 in one query each, with the same
counts as one query per week, weeks by the kecamatan's local day, empty weeks as zeros."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event

from db import complaints, surveys
from db.complaints import NewComplaint
from db.engine import Database
from iku.complaints import Channel, ClockRules, Privacy, RejectReason, Status
from iku.periods import iso_week
from iku.skm import UNSUR_KEYS
from iku.survey_forms import PaperForm, SurveyAnswers

WIB = ZoneInfo("Asia/Jakarta")
WEEKS = [iso_week(2025, number) for number in range(1, 13)]
SPANS = [(week.start, week.end) for week in WEEKS]
TODAY = date(2025, 3, 24)


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(args[2])

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


def paper(day: date, value: int, key: str) -> PaperForm:
    answers = SurveyAnswers("KTP", "L", 30, "SMA", "PNS", dict.fromkeys(UNSUR_KEYS, value))
    return PaperForm(answers, day, None, key)


async def test_skm_totals_per_week_in_one_query(database: Database) -> None:
    # Week 1 starts on 2024-12-30 (the day before is outside), week 12 ends on 23 March.
    days = [(date(2024, 12, 30), 4), (date(2025, 1, 5), 2), (date(2025, 1, 6), 3),
            (date(2025, 3, 9), 1), (date(2025, 3, 17), 4), (date(2024, 12, 29), 1),
            (date(2025, 3, 24), 1), (date(2025, 2, 12), 3), (date(2025, 2, 12), 2)]  # fmt: skip
    async with database.transaction() as session:
        forms = [paper(day, value, f"k{n}") for n, (day, value) in enumerate(days)]
        await surveys.record_paper_forms(session, forms, WIB, datetime(2025, 3, 25, tzinfo=UTC))
    async with database.sessions() as session:
        with statements(database) as sent:
            per_week = await surveys.fetch_skm_totals_per_span(session, SPANS)
        one_by_one = [
            await surveys.fetch_skm_totals(session, surveys.Filter(start, end))
            for start, end in SPANS
        ]
    assert len(sent) == 1
    assert per_week == one_by_one
    assert [respondents for _, respondents in per_week] == [2, 1, 0, 0, 0, 0, 2, 0, 0, 1, 0, 1]
    assert per_week[0][0] == dict.fromkeys(UNSUR_KEYS, 6)
    assert per_week[6][0] == dict.fromkeys(UNSUR_KEYS, 5)


def new() -> NewComplaint:
    return NewComplaint(
        Channel.CHAT, "Parkir liar", "Ajung", "depan pasar", None, None, "Motor parkir di trotoar.",
        Privacy.BIASA,
    )  # fmt: skip


async def test_complaint_figures_per_week_in_one_query(database: Database) -> None:
    # 17:30 UTC on Sunday 5 January is Monday 6 January in Jember: week 2, not week 1.
    received = [
        datetime(2025, 1, 1, 3, tzinfo=UTC),
        datetime(2025, 1, 5, 17, 30, tzinfo=UTC),
        datetime(2025, 1, 7, 3, tzinfo=UTC),
        datetime(2025, 2, 20, 3, tzinfo=UTC),
        datetime(2025, 3, 3, 3, tzinfo=UTC),
        datetime(2025, 3, 4, 3, tzinfo=UTC),
    ]
    moves = {
        0: (Status.SELESAI, None),
        2: (Status.DITERUSKAN, None),
        3: (Status.DITOLAK, RejectReason.DUPLIKAT),
        4: (Status.DITOLAK, RejectReason.DI_LUAR_KEWENANGAN),
    }
    async with database.transaction() as session:
        for number, at in enumerate(received):
            saved = await complaints.record_complaint(
                session, new(), prefix="TRB", rules=ClockRules(), tz=WIB, now=at
            )
            if number in moves:
                target, reason = moves[number]
                await complaints.move_complaint(
                    session, saved.id, Status.BARU, target, actor_id=None, note="catatan",
                    reason=reason, now=at + timedelta(hours=1),
                )  # fmt: skip
    async with database.sessions() as session:
        with statements(database) as sent:
            per_week = await complaints.fetch_figures_per_span(session, SPANS, TODAY)
        one_by_one = [
            await complaints.fetch_figures(session, start, end, TODAY) for start, end in SPANS
        ]
    assert len(sent) == 1
    assert per_week == one_by_one
    assert [(f.received, f.resolved, f.excluded) for f in per_week[:2]] == [(1, 1, 0), (2, 1, 0)]
    assert (per_week[7].received, per_week[7].excluded) == (1, 1)
    assert (per_week[9].received, per_week[9].resolved, per_week[9].open) == (2, 0, 1)
    assert per_week[9].overdue == 1  # Baru since 4 March, past its 3 working days on 24 March
    assert all(figures.received == 0 for figures in per_week[10:])


async def test_no_spans_no_query(database: Database) -> None:
    async with database.sessions() as session:
        with statements(database) as sent:
            assert await surveys.fetch_skm_totals_per_span(session, []) == []
            assert await complaints.fetch_figures_per_span(session, [], TODAY) == []
    assert sent == []
