"""The residents table: one row per person, refreshed on contact without losing first contact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from db import residents
from db.engine import Database

FIRST = datetime(2025, 3, 1, 8, tzinfo=UTC)


async def test_a_person_seen_again_keeps_first_contact_and_is_refreshed(
    database: Database,
) -> None:
    later = FIRST + timedelta(days=9)
    async with database.transaction() as session:
        await residents.record_resident(
            session, external_id=42, display_name="Siti", language="id", seen_at=FIRST
        )
        await residents.mark_blocked(session, 42)
    async with database.transaction() as session:
        await residents.record_resident(
            session, external_id=42, display_name="Siti Aminah", language="en", seen_at=later
        )
    async with database.sessions() as session:
        person = await residents.fetch_resident(session, 42)
    assert person is not None
    assert (person.first_seen, person.last_seen) == (FIRST, later)
    assert (person.display_name, person.language, person.blocked) == ("Siti Aminah", "en", False)
