"""SQLAlchemy's aiosqlite adapter, with each statement made in one trip to the driver's thread.

aiosqlite runs the sqlite3 connection in a thread of its own; every call is a trip there and
back (a queue put, a thread switch, a wake-up of the event loop). SQLAlchemy's adapter makes
four trips per statement: open a cursor, execute, fetch the rows, close the cursor. Each trip
is cheap alone, but under load every one of them waits for the interpreter lock behind the
busy event loop, so a transaction of a few statements took tens of milliseconds. Here the
cursor is opened, executed, read and closed in the thread in one go; the rows, description,
row count and last row id come back together, with whether a transaction is open, so the
end of a session that only read costs no trip at all.

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
# A statement held back in a transaction of blind writes: operation, parameters, many.
_Deferred = tuple[str, Any, bool]


def _run_deferred(connection: aiosqlite.Connection, deferred: list[_Deferred]) -> None:
    """Runs in aiosqlite's thread: the statements held back, in order."""
    for operation, parameters, many in deferred:
        cursor = connection._conn.cursor()
        try:
            if many:
                cursor.executemany(operation, parameters)
            else:
                cursor.execute(operation, parameters or ())
        finally:
            cursor.close()


def _deferred_and_commit(connection: aiosqlite.Connection, deferred: list[_Deferred]) -> None:
    """Runs in aiosqlite's thread: a transaction of blind writes, whole (or none of it: the
    pool does not roll back a connection it gets back, so a failure must not leave the
    transaction open)."""
    try:
        _run_deferred(connection, deferred)
        connection._conn.commit()
    except BaseException:
        connection._conn.rollback()
        raise


def _is_blind_write(operation: str) -> bool:
    """A write whose outcome (rows, row count, last row id) the caller does not read."""
    head = operation.lstrip()[:7].upper()
    return head.startswith(("INSERT", "UPDATE", "DELETE")) and "RETURNING" not in operation.upper()


def _one_trip(
    connection: aiosqlite.Connection,
    operation: str,
    parameters: Any,
    many: bool,
    deferred: list[_Deferred] | None = None,
) -> _Outcome:
    """Runs in aiosqlite's thread: the whole life of one cursor (after any statements that
    were held back, so they keep their order)."""
    if deferred:
        _run_deferred(connection, deferred)
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


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A DBAPI cursor whose every statement is one trip to the connection's thread."""

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
        connection = self._connection
        adapted = cast(OneTripConnection, self._adapt_connection)
        deferred = adapted._deferred
        if deferred is not None:
            if _is_blind_write(operation):
                # Sent with the commit (or before the next statement that reads).
                deferred.append((operation, parameters, many))
                self._description, self._rowcount, self._lastrowid = None, -1, None
                self._rows = collections.deque()
                return
            adapted._deferred = []
        async with adapted._execute_mutex:
            try:
                outcome: _Outcome = await connection._execute(
                    _one_trip, connection, operation, parameters, many, deferred
                )
            except BaseException:
                # A failed statement may have begun a transaction (sqlite3 opens one before a
                # write) or not: let the rollback that follows reach the driver.
                adapted._in_transaction = True
                raise
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

    In a transaction of blind writes (:meth:`defer_blind_writes`) the writes whose outcome
    nobody reads are held back and sent with the commit: the whole transaction is one trip to
    the thread, so SQLite's write lock is held for that trip alone rather than for one trip per
    statement, each waiting its turn on a busy event loop to come back.
    """

    __slots__ = ("_deferred", "_in_transaction")
    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._in_transaction = False
        self._deferred: list[_Deferred] | None = None

    def defer_blind_writes(self) -> None:
        """Until this transaction ends, hold back writes whose outcome is not read."""
        self._deferred = []

    def commit(self) -> None:
        deferred, self._deferred = self._deferred, None
        if deferred:
            try:
                await_(self._connection._execute(_deferred_and_commit, self._connection, deferred))
            except Exception as error:
                self._in_transaction = False  # rolled back in the thread
                self._handle_exception(error)
            self._in_transaction = False
        elif self._in_transaction:
            super().commit()
            self._in_transaction = False

    def rollback(self) -> None:
        self._deferred = None  # never sent: nothing to undo
        if self._in_transaction:
            super().rollback()
            self._in_transaction = False


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite as SQLAlchemy adapts it, handing out :class:`OneTripConnection` objects."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        stock = super().connect(*arg, **kw)
        return OneTripConnection(self, stock._connection)


def one_trip_dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
