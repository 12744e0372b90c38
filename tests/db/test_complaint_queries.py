"""Complaint queries on a real database: gapless codes under concurrency, the optimistic move,
the SQL overdue rule against the pure one, and the IKU 4 counts."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from db import complaints, residents
from db.complaints import NewComplaint
from db.engine import Database
from db.models import Complaint
from iku.complaints import Channel as Ch
from iku.complaints import (
    ClockRules,
    Privacy,
    RejectReason,
    Status,
    overdue_stage,
)
from tests.iku.test_complaints import DUE

NOW = datetime(2025, 2, 17, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
JAKARTA = ZoneInfo("Asia/Jakarta")


def new(privacy: Privacy = Privacy.BIASA, reporter: int | None = None) -> NewComplaint:
    return NewComplaint(
        channel=Ch.CHAT,
        category="Parkir liar",
        desa="Ajung",
        place="depan pasar",
        latitude=None,
        longitude=None,
        description="Motor parkir di trotoar.",
        privacy=privacy,
        reporter=reporter,
    )


async def record(database: Database, complaint: NewComplaint, now: datetime = NOW) -> str:
    async with database.transaction() as session:
        saved = await complaints.record_complaint(
            session, complaint, prefix="TRB", rules=ClockRules(), tz=JAKARTA, now=now
        )
    return saved.code


async def set_status(
    database: Database, code: str, status: Status, reason: RejectReason | None = None
) -> None:
    async with database.transaction() as session:
        await session.execute(
            update(Complaint)
            .where(Complaint.code == code)
            .values(status=status.value, reject_reason=reason.value if reason else None)
        )


async def test_concurrent_submissions_get_consecutive_codes(database: Database) -> None:
    codes = await asyncio.gather(*(record(database, new()) for _ in range(12)))
    assert sorted(codes) == [f"TRB-2025-{n:04d}" for n in range(1, 13)]


async def test_numbers_restart_each_local_year(database: Database) -> None:
    assert await record(database, new()) == "TRB-2025-0001"
    # 31 December 2025, 17:30 UTC is already 1 January 2026 in Jember.
    new_year = datetime(2025, 12, 31, 17, 30, tzinfo=UTC)
    assert await record(database, new(), new_year) == "TRB-2026-0001"
    assert await record(database, new()) == "TRB-2025-0002"


async def test_a_rolled_back_submission_leaves_no_gap(database: Database) -> None:
    async def die_before_commit() -> None:
        async with database.transaction() as session:
            await complaints.record_complaint(
                session, new(), prefix="TRB", rules=ClockRules(), tz=JAKARTA, now=NOW
            )
            raise RuntimeError("the bot died before the commit")

    with pytest.raises(RuntimeError):
        await die_before_commit()
    assert await record(database, new()) == "TRB-2025-0001"


async def test_only_one_of_two_simultaneous_moves_wins(database: Database) -> None:
    code = await record(database, new())
    async with database.sessions() as session:
        complaint = await complaints.fetch_complaint_by_code(session, code)
    assert complaint is not None

    async def move(note: str) -> bool:
        async with database.transaction() as session:
            return await complaints.move_complaint(
                session,
                complaint.id,
                Status.BARU,
                Status.DIVERIFIKASI,
                actor_id=None,
                note=note,
                reason=None,
                now=NOW,
            )

    results = await asyncio.gather(move("pertama"), move("kedua"))
    assert sorted(results) == [False, True]
    async with database.sessions() as session:
        events = await complaints.fetch_events(session, complaint.id)
    assert [e.to_status for e in events] == [Status.BARU, Status.DIVERIFIKASI]


async def test_anonim_reporter_name_never_leaves_the_query_layer(database: Database) -> None:
    async with database.transaction() as session:
        await residents.record_resident(
            session, person=77, display_name="Siti Aminah", language="id", seen_at=NOW
        )
    named = await record(database, new(Privacy.BIASA, reporter=77))
    hidden = await record(database, new(Privacy.ANONIM, reporter=77))
    async with database.sessions() as session:
        shown = await complaints.fetch_complaint_by_code(session, named)
        anonim = await complaints.fetch_complaint_by_code(session, hidden)
        register = await complaints.fetch_register(session, date(2025, 1, 1), date(2025, 12, 31))
    assert shown is not None and shown.reporter_name == "Siti Aminah"
    assert anonim is not None and anonim.reporter_name is None
    assert [entry.complaint.reporter_name for entry in register] == [None, None]


@pytest.mark.parametrize("privacy", [Privacy.BIASA, Privacy.ANONIM])
async def test_the_recorded_complaint_is_what_is_read_back(
    database: Database, privacy: Privacy
) -> None:
    """The complaint handed back at submission (its card, the reporter's receipt) is built
    without reading it again; it must be exactly what a later read finds."""
    async with database.transaction() as session:
        await residents.record_resident(
            session, person=77, display_name="Siti Aminah", language="id", seen_at=NOW
        )
    photo = complaints.NewPhoto("file-1", "unique-1", 2048)
    submitted = replace(new(privacy, reporter=77), recorder=77, photos=(photo,))
    async with database.transaction() as session:
        saved = await complaints.record_complaint(
            session, submitted, prefix="TRB", rules=ClockRules(), tz=JAKARTA, now=NOW
        )
    async with database.sessions() as session:
        found = await complaints.fetch_complaint(session, saved.id)
    assert saved == found
    assert saved.recorded_by_name == "Siti Aminah"
    assert [p.file_id for p in saved.photos] == ["file-1"]


async def test_rating_is_stored_once(database: Database) -> None:
    code = await record(database, new())
    async with database.transaction() as session:
        complaint = await complaints.fetch_complaint_by_code(session, code)
        assert complaint is not None
        assert await complaints.record_rating(session, complaint.id, 3, NOW) is True
        assert await complaints.record_rating(session, complaint.id, 1, NOW) is False
        assert await complaints.fetch_rating(session, complaint.id) == complaints.Rating(3, None)


@pytest.mark.parametrize(
    ("reporter", "rater"),
    [(None, 424242), (None, 78), (77, 424242), (77, 78)],
    ids=["entered-unknown-rater", "entered-known-rater", "chat-unknown-rater", "chat-other"],
)
async def test_only_the_reporter_rates_a_selesai_complaint(
    database: Database, reporter: int | None, rater: int
) -> None:
    """A complaint entered by an official has no reporter; a rater who never wrote to the bot
    has no resident id either. Neither makes a stranger the owner."""
    async with database.transaction() as session:
        for person in (77, 78):
            await residents.record_resident(
                session, person=person, display_name="Warga", language="id", seen_at=NOW
            )
    code = await record(database, new(reporter=reporter))
    await set_status(database, code, Status.SELESAI)
    async with database.transaction() as session:
        complaint = await complaints.fetch_complaint_by_code(session, code)
        assert complaint is not None
        outcome = await complaints.rate_complaint(session, complaint.id, rater, 4, NOW)
        assert outcome == ("not_found", "")
        assert await complaints.fetch_rating(session, complaint.id) is None
        if reporter is not None:
            assert await complaints.rate_complaint(session, complaint.id, reporter, 4, NOW) == (
                "rated",
                code,
            )


# The cases of the pure rule (tests/iku/test_complaints.py), run through the SQL twin.
OVERDUE_CASES = [
    (Status.BARU, date(2025, 3, 12)),
    (Status.BARU, date(2025, 3, 13)),
    (Status.BARU, date(2025, 3, 20)),
    (Status.BARU, date(2025, 5, 31)),
    (Status.DIVERIFIKASI, date(2025, 3, 13)),
    (Status.DIVERIFIKASI, date(2025, 3, 19)),
    (Status.DIVERIFIKASI, date(2025, 3, 20)),
    (Status.DIVERIFIKASI, date(2025, 5, 31)),
    (Status.DIPROSES, date(2025, 3, 20)),
    (Status.DIPROSES, date(2025, 5, 30)),
    (Status.DIPROSES, date(2025, 5, 31)),
    (Status.SELESAI, date(2025, 6, 30)),
    (Status.DITERUSKAN, date(2025, 6, 30)),
    (Status.DITOLAK, date(2025, 6, 30)),
]


@pytest.mark.parametrize(
    ("status", "today"), [pytest.param(s, d, id=f"{s}-{d}") for s, d in OVERDUE_CASES]
)
async def test_sql_overdue_rule_agrees_with_the_pure_one(
    database: Database, status: Status, today: date
) -> None:
    # Received Friday 7 March 2025, so its deadlines are exactly DUE.
    code = await record(database, new(), datetime(2025, 3, 7, 3, tzinfo=UTC))
    async with database.transaction() as session:
        await session.execute(update(Complaint).values(status=status.value))
    async with database.sessions() as session:
        figures = await complaints.fetch_figures(
            session, date(2025, 1, 1), date(2025, 12, 31), today
        )
        listed = await complaints.fetch_overdue_not_noticed(session, today)
    expected = overdue_stage(status, DUE, today) is not None
    assert figures.overdue == int(expected)
    assert [c.code for c in listed] == ([code] if expected else [])


@pytest.mark.parametrize("reason", list(RejectReason))
async def test_figures_leave_out_duplicates_and_false_reports_only(
    database: Database, reason: RejectReason
) -> None:
    """Each rejection reason on its own, through the SQL: Palsu and Duplikat leave IKU 4's
    denominator, a complaint outside the kecamatan's remit stays in it."""
    codes = [await record(database, new()) for _ in range(3)]
    await set_status(database, codes[0], Status.SELESAI)
    await set_status(database, codes[1], Status.DITOLAK, reason)
    async with database.sessions() as session:
        figures = await complaints.fetch_figures(
            session, date(2025, 2, 17), date(2025, 2, 17), date(2025, 2, 17)
        )
    left_out = reason in (RejectReason.PALSU, RejectReason.DUPLIKAT)
    assert (figures.received, figures.excluded, figures.resolved) == (3, int(left_out), 1)
    assert (figures.ratio.numerator, figures.ratio.denominator) == (1, 2 if left_out else 3)


async def test_figures_count_the_period_by_local_date_received(database: Database) -> None:
    day = timedelta(days=1)
    codes = [await record(database, new(), NOW + n * day) for n in range(6)]
    # Sunday 16 February 23:30 WIB belongs to the day before the period.
    await record(database, new(), datetime(2025, 2, 16, 16, 30, tzinfo=UTC))
    await set_status(database, codes[0], Status.SELESAI)
    await set_status(database, codes[1], Status.DITERUSKAN)
    await set_status(database, codes[2], Status.DITOLAK, RejectReason.DUPLIKAT)
    await set_status(database, codes[3], Status.DITOLAK, RejectReason.DI_LUAR_KEWENANGAN)
    await set_status(database, codes[4], Status.DIPROSES)
    async with database.sessions() as session:
        figures = await complaints.fetch_figures(
            session, date(2025, 2, 17), date(2025, 2, 23), date(2025, 2, 28)
        )
    assert (figures.received, figures.excluded, figures.resolved) == (6, 1, 2)
    # codes[5] is still Baru past its verify date (20 Feb) on 28 Feb; codes[4] is on time.
    assert (figures.open, figures.overdue) == (2, 1)
    assert (figures.ratio.numerator, figures.ratio.denominator) == (2, 5)


WA_PERSON = residents.WA_BASE + 6281234567890


@pytest.mark.parametrize(
    ("privacy", "phone", "name"),
    [
        pytest.param(Privacy.BIASA, "+6281234567890", "Bu Siti", id="biasa"),
        pytest.param(Privacy.RAHASIA, "+6281234567890", "Bu Siti", id="rahasia"),
        pytest.param(Privacy.ANONIM, None, None, id="anonim"),
    ],
)
async def test_a_whatsapp_complaint_carries_its_channel_and_a_number_to_call_back(
    database: Database, privacy: Privacy, phone: str | None, name: str | None
) -> None:
    async with database.transaction() as session:
        await residents.record_resident(
            session, person=WA_PERSON, display_name="Bu Siti", language="id", seen_at=NOW
        )
    code = await record(database, new(privacy, reporter=WA_PERSON))
    async with database.sessions() as session:
        found = await complaints.fetch_complaint_by_code(session, code)
        assert found is not None
        contact = await complaints.fetch_reporter_contact(session, found.id)
        open_today = await complaints.count_open_of_person(session, WA_PERSON, found.received_on)
        register = await complaints.fetch_register(session, date(2025, 1, 1), date(2025, 12, 31))
    assert (found.channel, found.reporter_phone, found.reporter_name) == (Ch.WHATSAPP, phone, name)
    assert contact is not None and contact.person == WA_PERSON
    assert open_today == 1
    [entry] = register
    assert (entry.complaint.reporter_phone, entry.complaint.reporter_name) == (None, None)


async def test_a_telegram_complaint_shows_no_number(database: Database) -> None:
    async with database.transaction() as session:
        await residents.record_resident(
            session, person=77, display_name="Siti", language="id", seen_at=NOW
        )
    code = await record(database, new(reporter=77))
    async with database.sessions() as session:
        found = await complaints.fetch_complaint_by_code(session, code)
        assert found is not None
        contact = await complaints.fetch_reporter_contact(session, found.id)
    assert (found.channel, found.reporter_phone) == (Ch.CHAT, None)
    assert contact is not None and contact.person == 77
