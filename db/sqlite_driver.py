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


def _one_trip(
    connection: aiosqlite.Connection, operation: str, parameters: Any, many: bool
) -> _Outcome:
    """Runs in aiosqlite's thread: the whole life of one cursor."""
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
        async with adapted._execute_mutex:
            try:
                outcome: _Outcome = await connection._execute(
                    _one_trip, connection, operation, parameters, many
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
    rollback with none open (a read session's end) are no-ops in sqlite3, and skip the trip."""

    __slots__ = ("_in_transaction",)
    _cursor_cls = OneTripCursor

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._in_transaction = False

    def commit(self) -> None:
        if self._in_transaction:
            super().commit()
            self._in_transaction = False

    def rollback(self) -> None:
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
