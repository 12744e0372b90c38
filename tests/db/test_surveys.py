"""Survey queries on a real database: sums in SQL, periods by kecamatan day, the population of
overlapping months, and the constraints that keep answers within 1-4."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db import surveys
from db.engine import Database
from db.models import Resident, SurveyResponse
from db.residents import WA_BASE
from iku.skm import UNSUR_KEYS
from iku.survey_forms import PaperForm, SurveyAnswers

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2025, 3, 1, tzinfo=UTC)


def answers(value: int, service: str = "KTP", age: int = 30) -> SurveyAnswers:
    return SurveyAnswers(service, "L", age, "SMA", "PNS", dict.fromkeys(UNSUR_KEYS, value))


def form(
    day: date, value: int, key: str, *, service: str = "KTP", age: int = 30, at: time | None = None
) -> PaperForm:
    return PaperForm(answers(value, service, age), day, at, key)


async def test_totals_are_summed_per_unsur_for_the_days_and_service(database: Database) -> None:
    async with database.transaction() as session:
        await surveys.record_paper_forms(
            session,
            [
                form(date(2025, 1, 31), 1, "a"),
                form(date(2025, 2, 1), 4, "b"),
                form(date(2025, 2, 28), 3, "c", service="LEGAL"),
                form(date(2025, 3, 1), 2, "d"),
            ],
            WIB,
            NOW,
        )
    async with database.sessions() as session:
        february = surveys.Filter(date(2025, 2, 1), date(2025, 2, 28))
        totals, respondents = await surveys.fetch_skm_totals(session, february)
        assert (totals, respondents) == (dict.fromkeys(UNSUR_KEYS, 7), 2)
        ktp = surveys.Filter(date(2025, 1, 1), date(2025, 3, 31), "KTP")
        totals, respondents = await surveys.fetch_skm_totals(session, ktp)
        assert (totals, respondents) == (dict.fromkeys(UNSUR_KEYS, 7), 3)
        empty = surveys.Filter(date(2024, 1, 1), date(2024, 12, 31))
        assert await surveys.fetch_skm_totals(session, empty) == (dict.fromkeys(UNSUR_KEYS, 0), 0)


async def test_chat_answers_count_on_the_kecamatan_day(database: Database) -> None:
    late = datetime(2025, 2, 28, 17, 30, tzinfo=UTC)  # 1 March 00:30 WIB
    async with database.transaction() as session:
        assert await surveys.record_chat_response(
            session, person=42, answers=answers(3), answered_at=late, tz=WIB, daily_limit=1
        )
        assert not await surveys.record_chat_response(
            session, person=42, answers=answers(4), answered_at=late, tz=WIB, daily_limit=1
        )
    async with database.sessions() as session:
        assert await surveys.fetch_chat_responses_today(session, 42, "KTP", date(2025, 3, 1)) == 1
        assert await surveys.fetch_chat_responses_today(session, 42, "KTP", date(2025, 2, 28)) == 0
        march = surveys.Filter(date(2025, 3, 1), date(2025, 3, 1))
        assert (await surveys.fetch_skm_totals(session, march))[1] == 1


async def test_the_daily_limit_counts_one_service_of_one_resident(database: Database) -> None:
    def record(service: str, limit: int, person: int = 7) -> Any:
        return surveys.record_chat_response(
            session,
            person=person,
            answers=answers(2, service, age=41),
            answered_at=NOW,
            tz=WIB,
            daily_limit=limit,
        )

    async with database.transaction() as session:
        assert [await record("KTP", 2) for _ in range(3)] == [True, True, False]
        assert await record("LEGAL", 2)  # another service has its own count
        assert await record("KTP", 2, person=8)  # and another resident too
        assert await record("KTP", 0)  # 0: no limit
    async with database.sessions() as session:
        rows = (await session.scalars(select(SurveyResponse).order_by(SurveyResponse.id))).all()
    assert [row.service for row in rows] == ["KTP", "KTP", "LEGAL", "KTP", "KTP"]
    assert {(row.channel, row.age, row.local_date, row.answered_at) for row in rows} == {
        ("chat", 41, date(2025, 3, 1), NOW)
    }
    assert len({row.resident_id for row in rows}) == 2
    assert None not in {row.resident_id for row in rows}


async def test_the_daily_limit_counts_each_channel_identity_apart(database: Database) -> None:
    """The same digits on Telegram and on WhatsApp are two people to the bot."""
    whatsapp = WA_BASE + 6281234567890

    def record(person: int) -> Any:
        return surveys.record_chat_response(
            session, person=person, answers=answers(3), answered_at=NOW, tz=WIB, daily_limit=1
        )

    async with database.transaction() as session:
        assert [await record(whatsapp), await record(whatsapp)] == [True, False]
        assert await record(6281234567890)  # a Telegram id with the same digits
    day = NOW.astimezone(WIB).date()
    async with database.sessions() as session:
        assert await surveys.fetch_chat_responses_today(session, whatsapp, "KTP", day) == 1
        channels = await session.scalars(
            select(Resident.channel).join(SurveyResponse).order_by(SurveyResponse.id)
        )
        assert list(channels) == ["whatsapp", "telegram"]


@pytest.mark.parametrize(
    ("person", "channel"),
    [(9, "telegram"), (WA_BASE + 6281234567890, "whatsapp")],
    ids=["telegram", "whatsapp"],
)
async def test_a_submission_key_stores_one_response_however_often_it_is_sent(
    database: Database, person: int, channel: str
) -> None:
    def record(key: str | None, limit: int = 0) -> Any:
        return surveys.record_chat_response(
            session,
            person=person,
            answers=answers(3),
            answered_at=NOW,
            tz=WIB,
            daily_limit=limit,
            submission_key=key,
        )

    async with database.transaction() as session:
        assert [await record("k1") for _ in range(3)] == [True, True, True]
        assert await record("k1", limit=1)  # already stored: not refused by the limit either
        assert await record("k2")
        assert [await record(None) for _ in range(2)] == [True, True]
    async with database.sessions() as session:
        keys = (await session.scalars(select(SurveyResponse.submission_key))).all()
        channels = (await session.scalars(select(Resident.channel).join(SurveyResponse))).all()
    assert sorted(keys, key=str) == sorted(["k1", "k2", None, None], key=str)
    assert set(channels) == {channel}


async def test_population_sums_the_months_that_overlap_the_period(database: Database) -> None:
    async with database.transaction() as session:
        for month, service, count in (
            (date(2025, 1, 1), "KTP", 100),
            (date(2025, 2, 1), "KTP", 200),
            (date(2025, 2, 1), "LEGAL", 50),
            (date(2025, 4, 1), "KTP", 400),
        ):
            await surveys.record_population(
                session, month=month, service=service, service_users=count, recorded_by="t", now=NOW
            )
        # Recording a month again replaces its figure.
        await surveys.record_population(
            session,
            month=date(2025, 1, 20),
            service="KTP",
            service_users=120,
            recorded_by="t",
            now=NOW,
        )
    async with database.sessions() as session:
        cases = [
            (surveys.Filter(date(2025, 1, 15), date(2025, 2, 3)), 370),
            (surveys.Filter(date(2025, 1, 15), date(2025, 2, 3), "KTP"), 320),
            (surveys.Filter(date(2025, 3, 1), date(2025, 3, 31)), None),
            (surveys.Filter(date(2025, 2, 28), date(2025, 4, 1), "LEGAL"), 50),
        ]
        for where, expected in cases:
            assert await surveys.fetch_population(session, where) == expected, where


async def test_profile_counts_in_sql(database: Database) -> None:
    async with database.transaction() as session:
        await surveys.record_paper_forms(
            session,
            [
                form(date(2025, 2, 1), 3, "a", age=15, at=time(8, 0)),
                form(date(2025, 2, 1), 3, "b", age=24, at=time(12, 30)),
                form(date(2025, 2, 1), 3, "c", age=65),
            ],
            WIB,
            NOW,
        )
    async with database.sessions() as session:
        profile = await surveys.fetch_profile(
            session, surveys.Filter(date(2025, 2, 1), date(2025, 2, 1))
        )
    assert profile["age_group"] == {"15-24": 2, "65-100": 1}
    assert profile["time_slot"] == {"08.00-12.00": 1, "luar": 1, "": 1}
    assert profile["gender"] == {"L": 3}


@pytest.mark.parametrize("value", [0, 5])
async def test_the_database_refuses_answers_outside_1_to_4(database: Database, value: int) -> None:
    row = SurveyResponse(
        service="KTP",
        channel="paper",
        local_date=date(2025, 2, 1),
        gender="L",
        age=30,
        education="SMA",
        occupation="PNS",
        **dict.fromkeys(UNSUR_KEYS, 3) | {"sarana": value},
    )
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            session.add(row)


async def test_the_daily_roll_up_follows_every_insert_and_delete(database: Database) -> None:
    """Per service and profile figures come from the roll-up the database keeps: they equal
    the responses' own counts after inserts (chat and paper) and after a delete."""
    async with database.transaction() as session:
        await surveys.record_paper_forms(
            session,
            [
                form(date(2025, 2, 3), 4, "a", age=20, at=time(9, 0)),
                form(date(2025, 2, 3), 2, "b", age=70),
                form(date(2025, 2, 4), 3, "c", service="SKET", age=40),
            ],
            WIB,
            NOW,
        )
    where = surveys.Filter(date(2025, 2, 1), date(2025, 2, 28))
    async with database.sessions() as session:
        per_service = await surveys.fetch_skm_totals_per_service(session, where)
        profile = await surveys.fetch_profile(session, where)
        assert per_service == {
            "KTP": (dict.fromkeys(UNSUR_KEYS, 6), 2),
            "SKET": (dict.fromkeys(UNSUR_KEYS, 3), 1),
        }
        for service in (None, "KTP", "SKET", "LEGAL"):
            scope = surveys.Filter(where.start, where.end, service)
            assert await surveys.fetch_day_totals(session, scope) == (
                await surveys.fetch_skm_totals(session, scope)
            )
        assert profile["age_group"] == {"15-24": 1, "35-44": 1, "65-100": 1}
        assert profile["time_slot"] == {"08.00-12.00": 1, "": 2}
        assert profile["service"] == {"KTP": 2, "SKET": 1}
        one_day = surveys.Filter(date(2025, 2, 4), date(2025, 2, 4), "SKET")
        assert (await surveys.fetch_profile(session, one_day))["gender"] == {"L": 1}
    async with database.transaction() as session:
        row = (await session.scalars(select(SurveyResponse).where(SurveyResponse.age == 70))).one()
        await session.delete(row)
    async with database.sessions() as session:
        assert (await surveys.fetch_skm_totals_per_service(session, where))["KTP"] == (
            dict.fromkeys(UNSUR_KEYS, 4),
            1,
        )
        assert (await surveys.fetch_profile(session, where))["age_group"] == {
            "15-24": 1,
            "35-44": 1,
        }


async def test_the_roll_up_is_filled_from_the_responses_stored_before_it(
    database: Database,
) -> None:
    """Responses stored before migration 0009 are in the roll-up once it exists."""
    from db import migrate

    await migrate.downgrade(database, "0008")
    async with database.transaction() as session:
        await surveys.record_paper_forms(
            session,
            [form(date(2025, 2, 3), 4, "a", age=20), form(date(2025, 2, 3), 2, "b", age=50)],
            WIB,
            NOW,
        )
    await migrate.upgrade(database)
    where = surveys.Filter(date(2025, 2, 1), date(2025, 2, 28))
    async with database.sessions() as session:
        assert await surveys.fetch_skm_totals_per_service(session, where) == {
            "KTP": (dict.fromkeys(UNSUR_KEYS, 6), 2)
        }
        assert (await surveys.fetch_profile(session, where))["age_group"] == {
            "15-24": 1,
            "45-54": 1,
        }
