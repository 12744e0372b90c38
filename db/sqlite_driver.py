"""SQLAlchemy's aiosqlite adapter: a read is one trip to the driver's thread, and a write
transaction runs on the event loop's thread.

aiosqlite runs the sqlite3 connection in a thread of its own; every call is a trip there and
back (a queue put, a thread switch, a wake-up of the event loop). SQLAlchemy's adapter makes
four trips per statement: open a cursor, execute, fetch the rows, close the cursor. Each trip
is cheap alone, but under load every one of them waits for the interpreter lock behind the
busy event loop. Here a read's cursor is opened, executed, read and closed in the thread in
one go; the rows, description, row count and last row id come back together, with whether a
transaction is open, so the end of a session that only read costs no trip at all.

A write transaction holds SQLite's one write lock, and every other write waits for it (the
dialogue step each resident's answer waits for among them): it runs on the event loop's
thread instead (:meth:`OneTripConnection.begin_on_loop`), its statements back to back, and
passes the lock on as soon as SQLite is done. Reads stay in the thread: one of them may be a
year's report.

Plugged in as the engine's DBAPI module (``create_async_engine(..., module=...)``), so the URL
stays ``sqlite+aiosqlite://`` and everything else (dialect, pool, transactions) is stock.
Server-side cursors (``stream()``) keep SQLAlchemy's own adapter.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any, cast

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

# description, rows (None for a statement without), rowcount, lastrowid, in_transaction
_Outcome = tuple[Any, list[Any] | None, int, int | None, bool]


def _statement(
    connection: aiosqlite.Connection, operation: str, parameters: Any, many: bool
) -> _Outcome:
    """The whole life of one cursor: in aiosqlite's thread, or on the event loop's in a
    transaction run there (:meth:`OneTripConnection.begin_on_loop`)."""
    cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else None
        in_transaction = connection._conn.in_transaction
        return cursor.description, rows, cursor.rowcount, cursor.lastrowid, in_transaction
    finally:
        cursor.close()


def begin_immediate(raw: sqlite3.Connection, busy_timeout_ms: int) -> bool:
    """Take SQLite's write lock now, without waiting: whether it was free. ``busy_timeout_ms``
    is the connection's own busy timeout, set again afterwards (0: it never waits, as is)."""
    if busy_timeout_ms:
        raw.execute("PRAGMA busy_timeout=0")
    try:
        raw.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if error.sqlite_errorcode not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise
        return False
    finally:
        if busy_timeout_ms:
            raw.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    return True


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A DBAPI cursor whose every statement is one trip to the connection's thread, or none in a
    transaction run on the event loop's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        # No driver cursor is opened here (that was a trip of its own).
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            await_(self._run(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        try:
            await_(self._run(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _run(self, operation: str, parameters: Any, *, many: bool) -> None:
        connection = cast(aiosqlite.Connection, self._connection)
        adapted = cast(OneTripConnection, self._adapt_connection)
        if adapted._on_loop:
            try:
                outcome = _statement(connection, operation, parameters, many)
            except BaseException:
                adapted._in_transaction = connection._conn.in_transaction
                raise
        else:
            async with adapted._execute_mutex:
                adapted._stale = True  # until the trip is back
                try:
                    outcome = await connection._execute(
                        _statement, connection, operation, parameters, many
                    )
                except Exception:
                    # A failed statement may have begun a transaction (sqlite3 opens one
                    # before a write) or not: let the rollback that follows reach the driver.
                    adapted._stale = False
                    adapted._in_transaction = True
                    raise
                except BaseException:
                    # Cancelled while waiting: the statement may still be running there.
                    adapted._in_transaction = True
                    raise
                adapted._stale = False
        self._description, rows, self._rowcount, self._lastrowid, in_transaction = outcome
        adapted._in_transaction = in_transaction
        self._rows = collections.deque(rows) if rows is not None else collections.deque()

    async def _async_soft_close(self) -> None:
        """Nothing to close: the rows are already here (see :meth:`close`)."""

    def close(self) -> None:
        # The driver's cursor was closed in the thread, right after the rows were read.
        self._rows.clear()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """Also knows, from the last statement's trip, whether a transaction is open: commit and
    rollback with none open (a read session's end) are no-ops in sqlite3, and skip the trip.

    A write transaction can run on the event loop's thread instead (:meth:`begin_on_loop`).
    It holds SQLite's one write lock from its first statement to its commit, and everyone
    else's write waits for it: in the driver's thread each of its statements was a trip that,
    on a busy loop, waited a turn of the loop to come back (a millisecond or more each, for a
    statement that takes SQLite tens of microseconds), and the lock was held across all of
    them. On the loop, the statements run back to back and the lock is held for the time
    SQLite needs. The loop is blocked meanwhile, for less time than the trips cost it.

    A rollback never waits for the thread unless a statement may still be running there
    (one whose caller was cancelled): then it goes after it, in the thread.
    """

    __slots__ = ("_in_transaction", "_on_loop", "_stale")
    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._in_transaction = False
        # This transaction's statements run on the event loop's thread.
        self._on_loop = False
        # A trip to the thread has not come back (its caller was cancelled): until one does,
        # the connection belongs to the thread.
        self._stale = False

    def begin_on_loop(self, busy_timeout_ms: int) -> bool:
        """Begin a write transaction that runs on the event loop's thread, taking SQLite's
        write lock now: whether it could. It cannot when the lock is held by another process
        (an import run beside the bot): waiting for it would block the loop, so the transaction
        then runs in the thread as usual, where SQLite's busy timeout waits."""
        if self._stale or self._in_transaction:
            return False
        if not begin_immediate(self._connection._conn, busy_timeout_ms):
            return False
        self._on_loop = self._in_transaction = True
        return True

    def read_on_loop(self) -> bool:
        """Run the next statements, a small read outside any transaction, on the event loop's
        thread: whether they will (not while a trip is out or a transaction open). SQLite's
        busy timeout is 0 meanwhile: a reader of a WAL database is not blocked by writers, and
        in the rare case it would be (another connection recovering the log) the read fails at
        once with SQLITE_BUSY instead of blocking the loop; see :meth:`end_read_on_loop`."""
        if self._stale or self._in_transaction or self._on_loop:
            return False
        self._connection._conn.execute("PRAGMA busy_timeout=0")
        self._on_loop = True
        return True

    def end_read_on_loop(self, busy_timeout_ms: int) -> None:
        """Back to the connection's thread, with its busy timeout (after :meth:`read_on_loop`)."""
        self._on_loop = False
        self._in_transaction = self._connection._conn.in_transaction
        self._connection._conn.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")

    def commit(self) -> None:
        if self._on_loop:
            self._end_here(self._connection._conn.commit)
        elif self._in_transaction:
            super().commit()
            self._in_transaction = False
            self._stale = False  # the thread has done everything queued before

    def rollback(self) -> None:
        if self._on_loop or (self._in_transaction and not self._stale):
            # The thread is idle: no need to wait for it.
            self._end_here(self._connection._conn.rollback)
        elif self._in_transaction:
            super().rollback()
            self._in_transaction = False
            self._stale = False

    def _end_here(self, end: Any) -> None:
        """Commit or roll back (``end``) on the calling thread, the event loop's: the
        connection's own thread has nothing of it in hand."""
        raw = self._connection._conn
        try:
            end()
        except Exception as error:
            self._handle_exception(error)
        finally:
            self._in_transaction = raw.in_transaction
            self._on_loop = self._on_loop and self._in_transaction


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite as SQLAlchemy adapts it, handing out :class:`OneTripConnection` objects."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        stock = super().connect(*arg, **kw)
        return OneTripConnection(self, stock._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
