"""The SQLite driver adapter: every statement is one trip to aiosqlite's thread, and what comes
back (rows, row counts, new ids, errors) is what SQLAlchemy's own adapter gives.

These run on a SQLite file whatever ``TEST_DATABASE_URL`` says: the adapter is SQLite's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from db.engine import Database


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    yield database
    await database.dispose()


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the functions sent to aiosqlite's thread."""
    sent: list[str] = []
    original = aiosqlite.Connection._execute

    async def counting(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return sent


async def test_a_statement_is_one_trip_and_its_rows_come_back(
    sqlite: Database, trips: list[str]
) -> None:
    async with sqlite.transaction() as session:
        await session.execute(text("INSERT INTO t (name) VALUES ('a'), ('b'), ('c')"))
        trips.clear()
        result = await session.execute(text("SELECT id, name FROM t ORDER BY id"))
        assert len(trips) == 1
        assert [tuple(row) for row in result] == [(1, "a"), (2, "b"), (3, "c")]
        assert list(result.keys()) == ["id", "name"]


async def test_a_read_is_one_trip_and_a_write_two(sqlite: Database, trips: list[str]) -> None:
    async with sqlite.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM t")) == 0
    assert len(trips) == 1  # nothing to roll back at the end
    trips.clear()
    async with sqlite.transaction() as session:
        await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
    assert len(trips) == 2  # the statement and the commit
    async with sqlite.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM t")) == 1


async def test_row_counts_and_new_ids_come_back(sqlite: Database) -> None:
    async with sqlite.transaction() as session:
        inserted = await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.lastrowid == 1
        await session.execute(text("INSERT INTO t (name) VALUES ('b'), ('c')"))
        updated = await session.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert updated.rowcount == 2
    async with sqlite.sessions() as session:
        names = (await session.scalars(text("SELECT name FROM t ORDER BY id"))).all()
    assert names == ["a", "b!", "c!"]


async def test_many_rows_at_once_is_one_trip(sqlite: Database, trips: list[str]) -> None:
    async with sqlite.transaction() as session:
        trips.clear()
        await session.execute(
            text("INSERT INTO t (name) VALUES (:name)"), [{"name": n} for n in "abcde"]
        )
        assert len(trips) == 1
        assert await session.scalar(text("SELECT count(*) FROM t")) == 5


async def test_a_failed_statement_raises_and_rolls_back(sqlite: Database) -> None:
    async def insert_twice() -> None:
        async with sqlite.transaction() as session:
            await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
            await session.execute(text("INSERT INTO t (name) VALUES ('a')"))

    with pytest.raises(IntegrityError):
        await insert_twice()
    async with sqlite.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM t")) == 0
    # The connection is still good after the error.
    async with sqlite.transaction() as session:
        await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
    async with sqlite.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM t")) == 1


async def test_a_transaction_whose_first_statement_fails_is_still_rolled_back(
    sqlite: Database, tmp_path: Path
) -> None:
    async with sqlite.transaction() as session:
        await session.execute(text("INSERT INTO t (name) VALUES ('a')"))

    async def insert_again() -> None:
        async with sqlite.transaction() as session:
            await session.execute(text("INSERT INTO t (name) VALUES ('a')"))

    with pytest.raises(IntegrityError):
        await insert_again()
    # Had the failed transaction been left open, it would still hold SQLite's write lock.
    async with aiosqlite.connect(tmp_path / "driver.db", timeout=0.2) as other:
        await other.execute("INSERT INTO t (name) VALUES ('b')")
        await other.commit()


async def test_blind_writes_go_with_the_commit_in_one_trip(
    sqlite: Database, trips: list[str]
) -> None:
    async with sqlite.blind_writes() as session:
        await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
        await session.execute(text("INSERT INTO t (name) VALUES (:name)"), [{"name": "b"}])
        await session.execute(text("UPDATE t SET name = 'c' WHERE name = 'b'"))
        assert trips == []  # held back
    assert len(trips) == 1
    async with sqlite.sessions() as session:
        names = (await session.scalars(text("SELECT name FROM t ORDER BY id"))).all()
    assert names == ["a", "c"]


async def test_a_read_among_blind_writes_sees_them(sqlite: Database, trips: list[str]) -> None:
    async with sqlite.blind_writes() as session:
        await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert await session.scalar(text("SELECT count(*) FROM t")) == 1
        await session.execute(text("INSERT INTO t (name) VALUES ('b')"))
    assert len(trips) == 2  # the read (after the held insert), then the rest with the commit
    async with sqlite.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM t")) == 2


async def test_a_failed_blind_write_raises_at_the_commit_and_keeps_nothing(
    sqlite: Database,
) -> None:
    async def twice() -> None:
        async with sqlite.blind_writes() as session:
            await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
            await session.execute(text("INSERT INTO t (name) VALUES ('a')"))

    with pytest.raises(IntegrityError):
        await twice()
    async with sqlite.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM t")) == 0
    # The connection is usable again, and not left holding writes back.
    async with sqlite.transaction() as session:
        inserted = await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.lastrowid == 1


async def test_blind_writes_given_up_are_never_sent(sqlite: Database, trips: list[str]) -> None:
    async def given_up() -> None:
        async with sqlite.blind_writes() as session:
            await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
            raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError):
        await given_up()
    assert trips == []
    async with sqlite.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM t")) == 0
