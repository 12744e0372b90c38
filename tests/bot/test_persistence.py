"""The persistence's write-behind: concurrent changes share a transaction, each caller waits
for its own change only, and a failed write is kept and reported, never silently dropped."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.persistence import DatabasePersistence, _WriteBehind
from db import migrate
from db.base import utcnow
from db.engine import Database
from db.residents import resident_row


class Recorder(_WriteBehind):
    """Writes into a list instead of a database; writes can be held open (the n-th write waits
    for ``gates[n]``, if there is one) or made to fail, and the write lock can be held by
    someone else (``lock``: cleared while it is)."""

    def __init__(self) -> None:
        super().__init__(None, utcnow)  # type: ignore[arg-type]
        self.written: list[dict[tuple[Any, ...], Any]] = []
        self.gates: list[asyncio.Event] = []
        self.failures = 0
        self.started = 0
        self._progress = asyncio.Condition()
        self.lock = asyncio.Event()
        self.lock.set()
        self.waiting_for_lock = asyncio.Event()

    async def _write_directly(self) -> bool:
        return False  # every batch through _transaction and _write

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Any]:
        self.waiting_for_lock.set()
        await self.lock.wait()
        yield None

    async def reached(self, writes: int) -> None:
        """Wait until the ``writes``-th write has begun (held at its gate, if it has one)."""
        async with self._progress:
            await asyncio.wait_for(self._progress.wait_for(lambda: self.started >= writes), 5)

    async def _write(self, _session: Any, batch: dict[tuple[Any, ...], Any]) -> None:
        self.started += 1
        async with self._progress:
            self._progress.notify_all()
        if self.started <= len(self.gates):
            await self.gates[self.started - 1].wait()
        if self.failures:
            self.failures -= 1
            raise OSError("disk full")
        if any(slot[0] == "resident" and value == "refused" for slot, value in batch.items()):
            raise OSError("row refused")
        self.written.append(batch)


async def test_changes_made_together_share_one_write() -> None:
    writes = Recorder()
    await asyncio.gather(*(writes.put(("user", n), {"n": n}) for n in range(50)))
    assert len(writes.written) == 1
    assert len(writes.written[0]) == 50


async def test_changes_put_while_the_write_lock_is_busy_ride_in_the_waiting_batch() -> None:
    """Another transaction holds SQLite's write lock: the steps that come meanwhile are
    written with the first one as soon as it is free, not in a batch after it."""
    writes = Recorder()
    writes.lock.clear()
    first = asyncio.create_task(writes.put(("user", 1), {"a": 1}))
    await asyncio.wait_for(writes.waiting_for_lock.wait(), 1)
    later = [asyncio.create_task(writes.put(("user", n), {"n": n})) for n in range(2, 6)]
    for _ in range(5):
        await asyncio.sleep(0)
    writes.lock.set()
    await asyncio.wait_for(asyncio.gather(first, *later), 1)
    assert len(writes.written) == 1
    assert set(writes.written[0]) == {("user", n) for n in range(1, 6)}


async def test_a_residents_row_that_cannot_be_written_sinks_no_step_written_with_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    writes = Recorder()
    writes.stage(("resident", 7), "refused")
    writes.stage(("resident", 8), "fine")
    await writes.put(("conversation", "survey", (1, 1)), 3)  # written: the caller is not failed
    assert writes.written == [{("conversation", "survey", (1, 1)): 3}]
    assert "could not record 2 resident(s): OSError" in caplog.text
    # Dropped, not retried forever with every later batch.
    await writes.put(("user", 1), {"lang": "en"})
    assert writes.written[-1] == {("user", 1): {"lang": "en"}}


async def test_a_caller_does_not_wait_for_the_changes_that_came_after_its_own() -> None:
    writes = Recorder()
    writes.gates = [asyncio.Event(), asyncio.Event()]
    first = asyncio.create_task(writes.put(("user", 1), {"a": 1}))
    await writes.reached(1)  # the first batch is in flight, held at its gate
    second = asyncio.create_task(writes.put(("user", 2), {"b": 2}))
    writes.gates[0].set()
    # The first caller is back once its batch is committed, while the second's is held.
    await asyncio.wait_for(first, 1)
    assert writes.written == [{("user", 1): {"a": 1}}]
    await writes.reached(2)  # the second batch is in flight too, held at its own gate
    assert not second.done()
    writes.gates[1].set()
    await second
    assert writes.written[1] == {("user", 2): {"b": 2}}


async def test_a_failed_write_is_reported_and_written_at_the_next_chance() -> None:
    writes = Recorder()
    writes.failures = 1
    with pytest.raises(OSError, match="disk full"):
        await writes.put(("conversation", "survey", (1, 1)), 3)
    assert writes.written == []
    await writes.put(("user", 1), {"lang": "en"})
    assert writes.written == [{("conversation", "survey", (1, 1)): 3, ("user", 1): {"lang": "en"}}]


async def test_drain_waits_for_the_write_in_flight() -> None:
    writes = Recorder()
    writes.gates = [asyncio.Event()]
    put = asyncio.create_task(writes.put(("user", 1), {}))
    await writes.reached(1)
    drained = asyncio.create_task(writes.drain())
    # drain() has run up to its wait: every task but the held write has had its turn.
    for _ in range(10):
        await asyncio.sleep(0)
    assert not drained.done()
    writes.gates[0].set()
    await asyncio.gather(put, drained)
    assert writes.written == [{("user", 1): {}}]


# ------------------------------------------------- on SQLite: the batch on its own connection

NOON = datetime(2026, 11, 30, 5, 0, 0, 123456, tzinfo=UTC)
BATCH: dict[tuple[Any, ...], Any] = {
    ("conversation", "survey", (11, 11)): 4,
    ("conversation", "survey", (12, 12)): None,  # ended
    ("conversation", "complaint", (11, 11)): "DESCRIPTION",
    ("user", 11): {"lang": "id", "draft": {"teks": "Parkir liar 🚗 di depan pasar", "n": [1, 2]}},
    ("user", 12): None,  # dropped
    ("resident", 11): resident_row(11, "Siti 🌸", "id", NOON),
}
# What was there before: the rows the batch ends, drops and overwrites.
BEFORE: dict[tuple[Any, ...], Any] = {
    ("conversation", "survey", (11, 11)): 2,
    ("conversation", "survey", (12, 12)): 7,
    ("user", 11): {"lang": "en"},
    ("user", 12): {"lang": "id"},
    ("resident", 11): resident_row(11, "Siti", "en", NOON - timedelta(days=3)),
}
TABLES = {
    "conversation_states": "name, key",
    "user_data": "user_id",
    "residents": "channel, external_id",
}


def stored(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the persistence's tables, as SQLite keeps them (text, integers...)."""
    with contextlib.closing(sqlite3.connect(path)) as plain:
        return {
            table: plain.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
            for table, order in TABLES.items()
        }


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, whatever ``TEST_DATABASE_URL`` says: these tests are about
    SQLite's own connection (on PostgreSQL every batch goes through a session)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    asyncio.run(migrate.run_on_url(f"sqlite+aiosqlite:///{path}", migrate.upgrade))
    return path


def sqlite_copy(template: Path, tmp_path: Path, name: str) -> tuple[Path, Database]:
    path = tmp_path / name
    shutil.copyfile(template, path)
    return path, Database(f"sqlite+aiosqlite:///{path}")


async def write_batches(writes: _WriteBehind, *batches: dict[tuple[Any, ...], Any]) -> None:
    for batch in batches:
        for slot, value in batch.items():
            writes.stage(slot, value)
        await writes.drain()


async def test_a_batch_written_on_sqlites_own_connection_is_stored_as_a_session_stores_it(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """The same batch through a session and on the plain connection: the very same rows
    (the JSON text, the time's text, the residents' first_seen kept), and what the bot reads
    back after a restart is the same."""
    rows = {}
    for how in ("session", "directly"):
        path, database = sqlite_copy(sqlite_template, tmp_path, f"{how}.db")
        writes = _WriteBehind(database, lambda: NOON)
        if how == "session":
            writes._write_directly = _never  # type: ignore[method-assign]
        else:
            writes._transaction = _no_session  # type: ignore[method-assign]
        await write_batches(writes, BEFORE, BATCH)
        persistence = DatabasePersistence(database)
        assert await persistence.get_conversations("survey") == {(11, 11): 4}
        assert await persistence.get_conversations("complaint") == {(11, 11): "DESCRIPTION"}
        assert await persistence.get_user_data() == {11: BATCH[("user", 11)]}
        await database.dispose()
        rows[how] = stored(path)
    assert rows["directly"] == rows["session"]
    assert len(rows["session"]["residents"]) == 1
    assert rows["session"]["residents"][0][3:5] == ("Siti 🌸", "id")


async def _never() -> bool:
    return False


def _no_session() -> Any:
    raise AssertionError("written in a session")


async def test_a_lock_held_by_another_process_sends_the_batch_through_a_session(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """An import holds SQLite's write lock: the step does not wait for it on the event loop
    (the bot goes on answering) but in a session's thread, and is written once it is free."""
    path, database = sqlite_copy(sqlite_template, tmp_path, "locked.db")
    writes = _WriteBehind(database, lambda: NOON)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("DELETE FROM user_data")
    step = asyncio.create_task(writes.put(("user", 11), {"lang": "id"}))
    ticks = 0
    for _ in range(20):
        await asyncio.sleep(0.01)
        ticks += 1
    assert ticks == 20 and not step.done()
    other.execute("COMMIT")
    other.close()
    await asyncio.wait_for(step, 15)
    assert stored(path)["user_data"][0][:2] == (11, '{"lang": "id"}')
    await database.dispose()


async def test_a_batch_that_fails_on_sqlites_own_connection_leaves_nothing_behind(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """A statement of the batch fails: none of the batch is kept (the steps before it are
    rolled back), the caller hears of it, and the batch is written whole at the next chance."""
    path, database = sqlite_copy(sqlite_template, tmp_path, "failing.db")
    with contextlib.closing(sqlite3.connect(path)) as plain:
        plain.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON user_data WHEN NEW.user_id = 13 "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
        plain.commit()
    writes = _WriteBehind(database, lambda: NOON)
    writes.stage(("conversation", "survey", (13, 13)), 5)
    with pytest.raises(sqlite3.IntegrityError, match="disk I/O error"):
        await writes.put(("user", 13), {"lang": "id"})
    assert stored(path)["conversation_states"] == []
    with contextlib.closing(sqlite3.connect(path)) as plain:
        plain.execute("DROP TRIGGER refuse")
        plain.commit()
    await writes.put(("user", 14), {"lang": "en"})
    assert [row[:3] for row in stored(path)["conversation_states"]] == [("survey", "[13,13]", 5)]
    assert [row[0] for row in stored(path)["user_data"]] == [13, 14]
    await database.dispose()
