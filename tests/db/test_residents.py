"""The residents table: one row per person, refreshed on contact without losing first contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db import residents
from db.engine import Database
from db.models import Resident

FIRST = datetime(2025, 3, 1, 8, tzinfo=UTC)


async def test_a_person_seen_again_keeps_first_contact_and_is_refreshed(
    database: Database,
) -> None:
    later = FIRST + timedelta(days=9)
    async with database.transaction() as session:
        await residents.record_resident(
            session, person=42, display_name="Siti", language="id", seen_at=FIRST
        )
        await residents.mark_blocked(session, 42)
    async with database.transaction() as session:
        await residents.record_resident(
            session, person=42, display_name="Siti Aminah", language="en", seen_at=later
        )
    async with database.sessions() as session:
        person = await residents.fetch_resident(session, 42)
    assert person is not None
    assert (person.first_seen, person.last_seen) == (FIRST, later)
    assert (person.display_name, person.language, person.blocked) == ("Siti Aminah", "en", False)


WA_ID = "6281234567890"
WA_PERSON = residents.WA_BASE + int(WA_ID)


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        pytest.param(42, ("telegram", "42"), id="telegram-user"),
        pytest.param(2**52 - 1, ("telegram", str(2**52 - 1)), id="largest-telegram-id"),
        pytest.param(-1001234567890, ("telegram", "-1001234567890"), id="telegram-group"),
        pytest.param(WA_PERSON, ("whatsapp", WA_ID), id="whatsapp"),
        pytest.param(residents.WA_BASE + 10**15 - 1, ("whatsapp", "9" * 15), id="longest-wa-id"),
    ],
)
def test_one_number_per_person_maps_to_channel_and_own_id(
    person: int, expected: tuple[str, str]
) -> None:
    assert residents.identity(person) == expected
    assert residents.person_of(*expected) == person


@pytest.mark.parametrize("wa_id", ["", "62 812", "+62812", "1" * 16, "６２８１"])
def test_a_whatsapp_id_must_be_1_to_15_ascii_digits(wa_id: str) -> None:
    with pytest.raises(ValueError, match="1 to 15 digits"):
        residents.person_of("whatsapp", wa_id)


async def test_a_whatsapp_resident_is_stored_under_their_number(database: Database) -> None:
    """The same digits on Telegram are somebody else: each channel keeps its own people."""
    async with database.transaction() as session:
        await residents.record_resident(
            session, person=WA_PERSON, display_name="Bu Siti", language="id", seen_at=FIRST
        )
        await residents.record_resident(
            session, person=int(WA_ID), display_name="Pak Budi", language="en", seen_at=FIRST
        )
        await residents.mark_blocked(session, WA_PERSON)
    async with database.sessions() as session:
        rows = (await session.execute(select(Resident).order_by(Resident.id))).scalars().all()
        whatsapp = await residents.fetch_resident(session, WA_PERSON)
    assert [(r.channel, r.external_id, r.display_name, r.blocked) for r in rows] == [
        ("whatsapp", WA_ID, "Bu Siti", True),
        ("telegram", WA_ID, "Pak Budi", False),
    ]
    assert whatsapp is not None and whatsapp.display_name == "Bu Siti"
