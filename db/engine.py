"""The one engine and session factory of the process.

SQLite (the default) runs in WAL mode with a busy timeout and foreign keys on, so the bot's
concurrent chats and a CLI export can use the same file; PostgreSQL is chosen by the URL alone.
Queries never commit: the handler or job that owns the unit of work uses
:meth:`Database.transaction`.

A failed statement never carries a person's data into a log or onto the terminal: the engine
hides the statement's parameters, and the row values PostgreSQL quotes in its error details are
removed from the error (see :func:`_without_row_values`).
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from db.sqlite_driver import begin_immediate, one_trip_dbapi

log = logging.getLogger(__name__)

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 10_000
# SQLite's write-ahead log is copied back into the database file after this many commits, in
# the driver's thread (a few pages each: about SQLite's own 1,000 pages).
CHECKPOINT_EVERY = 300
# What a driver's error quotes of the row it refused: PostgreSQL's DETAIL line ("Failing row
# contains (...)", "Key (external_id)=(5550001) already exists") and asyncpg's value it could
# not encode ("invalid input for query argument $3: 'Siti' (...)").
ROW_VALUES = (
    (re.compile(r"\nDETAIL: .*?(?=\nHINT: |\Z)", re.DOTALL), "\nDETAIL:  (hidden)"),
    (re.compile(r"(invalid input for query argument \$\d+): .*"), r"\1: (hidden)"),
)


class Database:
    """Owns the engine; hands out sessions, one per unit of work."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            _ensure_parent_dir(self.url.database)
        # Parameters are residents' ids, names and words: a failed write logs the statement only.
        self.engine: AsyncEngine = create_async_engine(
            self.url, echo=echo, hide_parameters=True, **_engine_options(self.is_sqlite)
        )
        event.listen(self.engine.sync_engine, "handle_error", _without_row_values)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(
            self.engine,
            expire_on_commit=False,
            class_=_SQLiteSession if self.is_sqlite else AsyncSession,
        )
        self._write_turns = WriteTurns() if self.is_sqlite else None
        self._commits = 0
        self._checkpoint: asyncio.Task[None] | None = None
        # The plain sqlite3 connection of write_directly, opened at its first use.
        self._direct: sqlite3.Connection | None = None

    @asynccontextmanager
    async def transaction(self, *, first: bool = False) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any error.

        On SQLite, write transactions take turns (:class:`WriteTurns`): SQLite allows one
        writer, and letting its busy handler arbitrate means sleeping threads (tens to hundreds
        of milliseconds each under load) and "database is locked" when a reader upgrades. Reads
        (:meth:`sessions`) still run side by side in WAL mode. ``first``: this transaction may
        pass a few of the others waiting (the batch of many people's dialogue steps).

        Once its turn comes, the transaction takes SQLite's write lock and runs on the event
        loop's thread (:meth:`db.sqlite_driver.OneTripConnection.begin_on_loop`), unless another
        process holds the lock.
        """
        if self._write_turns is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        # The turn is passed on at the commit, before the session is closed.
        turn = self._write_turns.turn(first=first)
        async with self.sessions() as session, turn, session.begin():
            connection = await (await session.connection()).get_raw_connection()
            driver = connection.dbapi_connection
            driver.begin_on_loop(SQLITE_BUSY_TIMEOUT_MS)  # type: ignore[union-attr]
            yield session
        self._committed()

    async def read(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """``work``'s reads in a session of their own; on SQLite, on the event loop's thread.

        For a small indexed read a person waits on (``/status``): in the driver's thread the
        read is a trip whose answer waits for a turn of the busy loop, so the person waits for
        the loop twice, once for their update and once for the read. A read of a few rows takes
        SQLite tens of microseconds on the loop. Not for reads that may take long (a report,
        an export): those block everyone meanwhile. Should SQLite answer "busy" (a reader of a
        WAL database meets it only while another connection recovers the log), the read is
        made again in the driver's thread, where the busy timeout waits.
        """
        if self._write_turns is not None:
            async with self.sessions() as session:
                connection = await (await session.connection()).get_raw_connection()
                driver: Any = connection.dbapi_connection
                if driver.read_on_loop():
                    try:
                        return await work(session)
                    except OperationalError as error:
                        if not _busy(error):
                            raise
                    finally:
                        driver.end_read_on_loop(SQLITE_BUSY_TIMEOUT_MS)
                else:
                    return await work(session)
        async with self.sessions() as session:
            return await work(session)

    async def write_directly(
        self, work: Callable[[sqlite3.Connection], None], *, first: bool = False
    ) -> bool:
        """Run ``work`` in a write transaction of the plain sqlite3 module, on the event loop's
        thread: whether it ran. Committed if ``work`` returns, rolled back if it raises.

        For the one write made at almost every update, the batch of dialogue steps (see
        :class:`bot.persistence.DatabasePersistence`): through a session it cost about a
        millisecond of the loop (the session, the pool, the greenlet of each statement, the
        compiled statement's lookup), ten times what SQLite takes. ``work`` runs the same
        statements, compiled by SQLAlchemy (:class:`db.upsert.Direct`).

        It does not run (False, nothing done) on PostgreSQL, on an in-memory or URI database
        (another connection would not see the same one), and when another process holds the
        write lock: the caller then uses :meth:`transaction`, which waits for the lock off the
        loop. It takes its turn among the transactions like :meth:`transaction` (``first``).
        """
        if self._write_turns is None or not _own_file(self.url.database):
            return False
        async with self._write_turns.turn(first=first):
            connection = self._direct_connection()
            if not begin_immediate(connection, 0):
                return False
            try:
                work(connection)
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
        self._committed()
        return True

    def _direct_connection(self) -> sqlite3.Connection:
        if self._direct is None:
            assert self.url.database is not None
            # Autocommit mode: write_directly begins and ends each transaction itself. Only ever
            # used on the event loop's thread, by the one holding the write turn.
            connection = sqlite3.connect(
                self.url.database, isolation_level=None, check_same_thread=False
            )
            _sqlite_pragmas(connection, None)
            connection.execute("PRAGMA busy_timeout=0")  # never wait on the loop
            self._direct = connection
        return self._direct

    def _committed(self) -> None:
        self._commits += 1
        if self._commits % CHECKPOINT_EVERY == 0 and self._checkpoint is None:
            self._checkpoint = asyncio.create_task(self._checkpoint_wal())

    async def _checkpoint_wal(self) -> None:
        """Copy the write-ahead log back into the database file, in the driver's thread.

        SQLite does it itself at a commit once the log has 1,000 pages, in the committing
        thread: with the commit on the event loop's thread, the copy and its fsync stopped
        every chat for several milliseconds. So the connections leave it to this (see
        :func:`_sqlite_pragmas`), which runs beside the writers (a passive checkpoint takes
        no write lock). An import in another process counts its own commits the same way;
        its log is copied back by the next checkpoint of either process (or by SQLite when
        the last connection closes).
        """
        try:
            async with self.sessions() as session:
                await session.execute(text("PRAGMA wal_checkpoint(PASSIVE)"))
        except Exception as error:
            # The log only grows until the next one: worth a line, not a failure.
            log.warning("write-ahead log checkpoint failed: %s", type(error).__name__)
        finally:
            self._checkpoint = None

    async def dispose(self) -> None:
        if self._checkpoint is not None:
            await self._checkpoint
        if self._direct is not None:
            self._direct.close()
            self._direct = None
        await self.engine.dispose()


class _SQLiteSession(AsyncSession):
    """A session that, on SQLite, is closed without a task of its own.

    SQLAlchemy closes a session leaving ``async with`` in a task of its own, shielded, so that
    a cancellation cannot abandon the close halfway (the connection would not go back to the
    pool). That task costs a turn or two of the event loop at the end of every unit of work,
    a millisecond or more of a resident's wait on a busy loop. On SQLite the close waits for
    nothing, so nothing can interrupt it: a transaction has ended at its commit, a read opens
    none (the driver knows, and skips the rollback), and a connection whose statement was
    cancelled is thrown away by SQLAlchemy there and then.
    """

    async def __aexit__(self, type_: Any, value: Any, traceback: Any) -> None:
        await self.close()


class WriteTurns:
    """SQLite's one writer at a time, handed over in arrival order, except that those asking
    to go ``first`` pass at most :data:`FIRST_PASSES` of the others waiting before them.

    At an ordinary load the queue is short, and the batch of dialogue steps (many residents
    waiting on one short transaction) goes before a complaint's submission that came a moment
    earlier. At saturation the queue is long and the order stays close to arrival: the steps
    then wait, and their batches grow, which is what keeps the throughput (strictly first,
    the saturated rate fell by a tenth, the batches being small and many).

    The lock is handed straight to the next in line on release (nobody arriving meanwhile
    takes it), so a transaction waits for those ahead of it only.
    """

    def __init__(self) -> None:
        self._held = False
        self._arrivals = itertools.count()
        self._first: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()
        self._others: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

    @asynccontextmanager
    async def turn(self, *, first: bool = False) -> AsyncIterator[None]:
        await self._acquire(first)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, first: bool) -> None:
        if not self._held and not self._first and not self._others:
            self._held = True
            return
        line = self._first if first else self._others
        waiting = asyncio.get_running_loop().create_future()
        entry = (next(self._arrivals), waiting)
        line.append(entry)
        try:
            await waiting
        except asyncio.CancelledError:
            if waiting.done() and not waiting.cancelled():
                self._release()  # handed over just as the waiter was cancelled: pass it on
            else:
                line.remove(entry)
            raise

    def _release(self) -> None:
        for line in (self._first, self._others):
            while line and line[0][1].done():  # cancelled while waiting
                line.popleft()
        if not self._first and not self._others:
            self._held = False
            return
        line = self._first if self._first and self._passes() else self._others
        line.popleft()[1].set_result(None)  # still held: now by the one woken

    def _passes(self) -> bool:
        """Whether the first of the ``first`` line may go before the others waiting."""
        arrived = self._first[0][0]
        ahead = 0
        for seq, waiting in self._others:
            if seq > arrived:
                break
            if not waiting.done():
                ahead += 1
                if ahead > FIRST_PASSES:
                    return False
        return True


# How many of the others waiting before it a transaction asking to go first may pass.
FIRST_PASSES = 2


def _engine_options(is_sqlite: bool) -> dict[str, Any]:
    if is_sqlite:
        return {
            "module": one_trip_dbapi(),
            # A write transaction runs on the event loop's thread (see Database.transaction),
            # the rest in aiosqlite's; never both at once.
            "connect_args": {
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                "check_same_thread": False,
            },
            # Every unit of work ends its own transaction (transaction() commits or rolls back,
            # a read session rolls back on close), so the pool's rollback on return would be
            # one more round trip to the connection's thread for nothing.
            "pool_reset_on_return": None,
        }
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 10}


def _without_row_values(context: ExceptionContext) -> None:
    """Remove the refused row's values from a failed statement's error, before anyone logs it.

    The values are in the text of every exception of the chain (the driver's, SQLAlchemy's
    wrapper of it, SQLAlchemy's own), and asyncpg also keeps the DETAIL apart and adds it to
    its text each time the error is printed.
    """
    seen: set[int] = set()
    # SQLAlchemy's exception is raised "from" the driver's after this hook: two chains to walk.
    for error in (context.sqlalchemy_exception, context.original_exception):
        while error is not None and id(error) not in seen:
            seen.add(id(error))
            if getattr(error, "detail", None):
                error.detail = None  # type: ignore[attr-defined]
            if error.args and isinstance(error.args[0], str):
                error.args = (_hide_row_values(error.args[0]), *error.args[1:])
            error = error.__cause__ or error.__context__


def _hide_row_values(text: str) -> str:
    for pattern, replacement in ROW_VALUES:
        text = pattern.sub(replacement, text)
    return text


def _busy(error: OperationalError) -> bool:
    """Whether ``error`` is SQLite's "busy" or "locked"."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _own_file(database: str | None) -> bool:
    """Whether ``database`` (a SQLite URL's) is a file any connection opens by its name."""
    return database not in (None, "", ":memory:") and not str(database).startswith("file:")


def _ensure_parent_dir(database: str | None) -> None:
    if _own_file(database):
        Path(database).parent.mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # NORMAL is durable across application crashes in WAL mode; only a power loss may lose
    # the last transactions, which is the usual trade-off for a small server.
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Database._checkpoint_wal does it, off the event loop's thread.
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()
