"""The SQLite driver adapter: a read is one trip to aiosqlite's thread, a write transaction runs
on the event loop's thread unless another process holds the lock, and what comes back (rows,
row counts, new ids, errors) is what SQLAlchemy's own adapter gives.

These run on a SQLite file whatever ``TEST_DATABASE_URL`` says: the adapter is SQLite's.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from db import engine, sqlite_driver
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


async def test_a_read_is_one_trip_and_its_rows_come_back(
    sqlite: Database, trips: list[str]
) -> None:
    async with sqlite.transaction() as session:
        await session.execute(text("INSERT INTO t (name) VALUES ('a'), ('b'), ('c')"))
    trips.clear()
    async with sqlite.sessions() as session:
        result = await session.execute(text("SELECT id, name FROM t ORDER BY id"))
        assert [tuple(row) for row in result] == [(1, "a"), (2, "b"), (3, "c")]
        assert list(result.keys()) == ["id", "name"]
    assert len(trips) == 1  # nothing to roll back at the end


async def test_a_write_transaction_runs_on_the_loop_and_gives_what_the_driver_gives(
    sqlite: Database, trips: list[str]
) -> None:
    async with sqlite.transaction() as session:
        inserted = await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
        assert inserted.lastrowid == 1
        await session.execute(
            text("INSERT INTO t (name) VALUES (:name)"), [{"name": "b"}, {"name": "c"}]
        )
        updated = await session.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
        assert updated.rowcount == 2
        assert await session.scalar(text("SELECT count(*) FROM t")) == 3
    assert trips == []  # no statement, no commit went to the thread
    async with sqlite.sessions() as session:
        names = (await session.scalars(text("SELECT name FROM t ORDER BY id"))).all()
    assert names == ["a", "b!", "c!"]


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


async def test_a_transaction_given_up_keeps_nothing_and_frees_the_lock(
    sqlite: Database, tmp_path: Path
) -> None:
    async def given_up() -> None:
        async with sqlite.transaction() as session:
            await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
            raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError):
        await given_up()
    async with sqlite.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM t")) == 0
    # Had the transaction been left open, it would still hold SQLite's write lock.
    async with aiosqlite.connect(tmp_path / "driver.db", timeout=0.2) as other:
        await other.execute("INSERT INTO t (name) VALUES ('b')")
        await other.commit()


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
    async with aiosqlite.connect(tmp_path / "driver.db", timeout=0.2) as other:
        await other.execute("INSERT INTO t (name) VALUES ('b')")
        await other.commit()


async def test_a_lock_held_by_another_process_is_waited_for_off_the_loop(
    sqlite: Database, tmp_path: Path, trips: list[str]
) -> None:
    """An import in another process holds the write lock: the bot's write waits for it in the
    driver's thread (SQLite's busy timeout), and the bot goes on answering meanwhile."""
    other = sqlite3.connect(tmp_path / "driver.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t (name) VALUES ('import')")

    async def write() -> None:
        async with sqlite.transaction() as session:
            await session.execute(text("INSERT INTO t (name) VALUES ('bot')"))

    writing = asyncio.create_task(write())
    ticks = 0
    for _ in range(20):
        await asyncio.sleep(0.01)
        ticks += 1
    assert not writing.done()  # still waiting for the lock
    assert ticks == 20  # and the loop was free all along
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(writing, 5)
    assert trips  # it went through the thread
    async with sqlite.sessions() as session:
        names = (await session.scalars(text("SELECT name FROM t ORDER BY id"))).all()
    assert names == ["import", "bot"]


SLOW_READ = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) "
    "SELECT count(*) FROM c"
)


async def test_a_read_cancelled_in_the_thread_leaves_the_database_usable(tmp_path: Path) -> None:
    """A statement whose caller was cancelled still runs in its connection's thread: that
    connection is not used again, and the next write commits all the same."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}")
    async with database.transaction() as session:
        await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)"))

    async def slow() -> None:
        async with database.sessions() as session:
            await session.scalar(text(SLOW_READ))

    reading = asyncio.create_task(slow())
    await asyncio.sleep(0.05)
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    async with database.transaction() as session:
        await session.execute(text("INSERT INTO t (name) VALUES ('after')"))
    async with database.sessions() as session:
        assert (await session.scalars(text("SELECT name FROM t"))).all() == ["after"]
    await database.dispose()


async def test_the_log_is_checkpointed_in_the_thread_every_few_hundred_commits(
    sqlite: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite would copy its write-ahead log back at a commit, on the event loop's thread now
    that writes run there: the bot's connections leave it to a checkpoint in the thread."""
    sent: list[str] = []
    original = aiosqlite.Connection._execute

    async def recording(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.extend(arg for arg in args if isinstance(arg, str))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", recording)
    monkeypatch.setattr(engine, "CHECKPOINT_EVERY", 3)
    async with sqlite.sessions() as session:
        assert await session.scalar(text("PRAGMA wal_autocheckpoint")) == 0
    for name in ("a", "b", "c", "d"):
        async with sqlite.transaction() as session:
            await session.execute(text("INSERT INTO t (name) VALUES (:name)"), {"name": name})
        await asyncio.sleep(0.05)
    checkpoints = [statement for statement in sent if "wal_checkpoint" in statement]
    # After the third commit (the fixture's table was the first); the next is due at the sixth.
    assert checkpoints == ["PRAGMA wal_checkpoint(PASSIVE)"]
    # The rows are in the database file itself now: a copy without the log has them.
    copy = tmp_path / "copy.db"
    copy.write_bytes((tmp_path / "driver.db").read_bytes())
    with sqlite3.connect(copy) as plain:
        assert plain.execute("SELECT name FROM t ORDER BY id").fetchall() == [("a",), ("b",)]


async def test_a_small_read_runs_on_the_loop_and_leaves_the_connection_as_it_was(
    sqlite: Database, trips: list[str]
) -> None:
    """Database.read: no trip to the thread (a resident's /status does not wait for the loop a
    second time), the same rows, and after it the connection's busy timeout is back and its
    next statements go to the thread again."""
    async with sqlite.transaction() as session:
        await session.execute(text("INSERT INTO t (name) VALUES ('a'), ('b')"))
    trips.clear()

    async def names(session: Any) -> list[str]:
        return list((await session.scalars(text("SELECT name FROM t ORDER BY id"))).all())

    assert await sqlite.read(names) == ["a", "b"]
    assert trips == []
    async with sqlite.sessions() as session:
        timeout = await session.scalar(text("PRAGMA busy_timeout"))
    assert timeout == engine.SQLITE_BUSY_TIMEOUT_MS
    assert len(trips) == 1  # an ordinary session's read is a trip again


async def test_a_small_read_that_meets_a_busy_database_is_made_again_in_the_thread(
    sqlite: Database, trips: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader of a WAL database is told "busy" only while another connection recovers the
    log: on the loop that must not wait (it would stall every chat), so it is read again in the
    thread, where the busy timeout waits."""
    async with sqlite.transaction() as session:
        await session.execute(text("INSERT INTO t (name) VALUES ('a')"))
    original = sqlite_driver._statement
    loop_thread = threading.get_ident()

    def busy_on_the_loop(*args: Any) -> Any:
        if threading.get_ident() == loop_thread:
            error = sqlite3.OperationalError("database is locked")
            error.sqlite_errorcode = sqlite3.SQLITE_BUSY  # type: ignore[attr-defined]
            raise error
        return original(*args)

    monkeypatch.setattr(sqlite_driver, "_statement", busy_on_the_loop)
    trips.clear()

    async def names(session: Any) -> list[str]:
        return list((await session.scalars(text("SELECT name FROM t"))).all())

    assert await sqlite.read(names) == ["a"]
    assert len(trips) == 1  # once, in the thread
