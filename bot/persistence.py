"""python-telegram-bot persistence on the bot's own database (JSON, never pickle).

What is kept: conversation states (so a restart in the middle of a dialogue resumes it) and the
per-user data (the person's language, dialogue drafts). Chat data, bot-wide data and callback
data are not persisted: the bot keeps none of them (the ``chat_data`` table stays empty).

Each dialogue step is saved as it happens (:meth:`DatabasePersistence.save_step`), and that is
the only way a conversation state is written. Besides, python-telegram-bot calls the
``update_*`` methods concurrently, once per changed key, every ``update_interval`` seconds.
Writing each in its own transaction would make SQLite serialise hundreds of tiny commits;
instead the calls of one round are gathered and written in one short transaction (see
:class:`_WriteBehind`), and every caller awaits that write.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import ConversationDict

from db import conversations as queries
from db import residents
from db.base import utcnow
from db.engine import Database
from db.residents import resident_row
from db.upsert import Direct

Json = dict[str, Any]

log = logging.getLogger(__name__)

# A step that keeps its conversation's state still writes it when the row is this old, so the
# row's time (what the idle sweep reads after a restart) follows a person who is still answering.
ACTIVITY_REFRESH = timedelta(minutes=1)


class DatabasePersistence(BasePersistence[Json, Json, Json]):
    """Stores conversations and user data in ``database``."""

    def __init__(
        self,
        database: Database,
        *,
        update_interval: float = 60.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self.database = database
        self.clock = clock
        self._writes = _WriteBehind(database, clock)
        # What each row holds now (as JSON text), so that unchanged data costs no statement.
        self._written: dict[tuple[Any, ...], str] = {}
        # When each conversation row was last staged, for ACTIVITY_REFRESH.
        self._touched: dict[tuple[Any, ...], datetime] = {}

    async def get_user_data(self) -> dict[int, Json]:
        async with self.database.sessions() as session:
            data = await queries.fetch_user_data(session)
        self._written.update({("user", user): _encode(value) for user, value in data.items()})
        return data

    async def get_chat_data(self) -> dict[int, Json]:
        return {}

    async def get_bot_data(self) -> Json:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> ConversationDict:
        async with self.database.sessions() as session:
            states = await queries.fetch_conversations(session, name)
        self._written.update({("conversation", name, key): _encode(s) for key, s in states.items()})
        return states

    async def update_conversation(
        self, name: str, key: tuple[int | str, ...], new_state: object | None
    ) -> None:
        """Ignored: every change of a conversation is saved by its own step (:meth:`save_step`).

        The library hands over a copy of the states taken a moment before it writes them; in
        between, a dialogue can end and delete its row, and writing the copy brought the
        finished dialogue back, to be "closed for inactivity" after the next restart.
        """

    async def update_user_data(self, user_id: int, data: Json) -> None:
        await self._put_data(("user", user_id), data)

    async def update_chat_data(self, chat_id: int, data: Json) -> None:
        """Chat data is not persisted."""

    async def drop_user_data(self, user_id: int) -> None:
        await self._put_data(("user", user_id), {})

    async def drop_chat_data(self, chat_id: int) -> None:
        """Chat data is not persisted."""

    async def _put_data(self, slot: tuple[str, int], data: Json) -> None:
        # Empty data is no row.
        await self._put(slot, dict(data) if data else None)

    async def save_step(
        self, name: str, key: tuple[int | str, ...], state: object | None, user: int, data: Json
    ) -> None:
        """A dialogue step: its conversation state and the person's data, in one write."""
        slot = ("conversation", name, key)
        now = self.clock()
        touched = self._touched.get(slot)
        if state is None:
            self._touched.pop(slot, None)
        elif touched is None or now - touched >= ACTIVITY_REFRESH:
            self._touched[slot] = now
            self._written.pop(slot, None)  # written again, if only to move its time
        self._stage(slot, state)
        self._stage(("user", user), dict(data) if data else None)
        await self._writes.drain()

    def stage_resident(
        self, person: int, display_name: str, language: str, seen_at: datetime
    ) -> None:
        """Keep the residents row of ``person`` current, in the next batch of steps.

        Not written at once: the dialogue step the message starts commits it with its own
        state (one turn at SQLite's write lock instead of two), and a handler after all the
        others waits for what is still unwritten (:meth:`settle_resident`), so the person's
        next update finds the row.
        """
        self._writes.stage(
            ("resident", person), resident_row(person, display_name, language, seen_at)
        )

    async def settle_resident(self, person: int) -> None:
        """Return once the residents row staged for ``person`` (if any) is committed."""
        await self._writes.settle(("resident", person))

    async def _put(self, slot: tuple[Any, ...], value: Any) -> None:
        self._stage(slot, value)
        await self._writes.drain()

    def _stage(self, slot: tuple[Any, ...], value: Any) -> None:
        """Queue ``value`` (None: no row) for the next write, unless the slot holds exactly that.

        The library hands over every person's data at every interval, and each
        dialogue step has written its own already: an unchanged value costs a comparison here,
        not a statement in a transaction that holds SQLite's write lock.
        """
        encoded = None if value is None else _encode(value)
        if self._written.get(slot) == encoded:
            return
        if encoded is None:
            self._written.pop(slot, None)
        else:
            self._written[slot] = encoded
        self._writes.stage(slot, value)

    async def update_bot_data(self, data: Json) -> None:
        """Bot data is not persisted."""

    async def update_callback_data(self, data: Any) -> None:
        """Callback data is not persisted."""

    async def refresh_user_data(self, user_id: int, user_data: Json) -> None:
        """Nothing to refresh: this process is the only writer."""

    async def refresh_chat_data(self, chat_id: int, chat_data: Json) -> None:
        """Chat data is not persisted."""

    async def refresh_bot_data(self, bot_data: Json) -> None:
        """Bot data is not persisted."""

    async def flush(self) -> None:
        await self._writes.drain()


class _WriteBehind:
    """Coalesces concurrent writes into one transaction.

    Changes put while a transaction is in flight form the next batch; the writer task writes
    batch after batch until nothing is pending. Each caller awaits the commit of the batch that
    holds its own change, not the ones after it: under steady load the writer never rests, and
    waiting for the task would make a step wait for the steps of everyone who came later.
    """

    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self.database = database
        self.clock = clock
        self._pending: dict[tuple[Any, ...], Any] = {}
        # Resolved when what is pending now is committed (created with the batch's first put).
        self._next_commit: asyncio.Future[None] | None = None
        self._in_flight: asyncio.Future[None] | None = None
        self._batch: dict[tuple[Any, ...], Any] = {}  # the changes in flight
        self._writer: asyncio.Task[None] | None = None

    def stage(self, slot: tuple[Any, ...], value: Any) -> None:
        """Add a change to the next batch; :meth:`drain` writes it."""
        self._pending[slot] = value

    async def put(self, slot: tuple[Any, ...], value: Any) -> None:
        self.stage(slot, value)
        await self.drain()

    async def drain(self) -> None:
        """Return once everything put so far is committed (or raise the write's error)."""
        if self._pending:
            if self._next_commit is None:
                self._next_commit = asyncio.get_running_loop().create_future()
            commit = self._next_commit
            if self._writer is None or self._writer.done():
                self._writer = asyncio.create_task(self._write_all())
        elif self._in_flight is not None:
            commit = self._in_flight
        else:
            return
        # Shielded: one caller being cancelled must not cancel the others' write.
        await asyncio.shield(commit)

    async def settle(self, slot: tuple[Any, ...]) -> None:
        """Return once ``slot``'s change is committed; at once when it is not waiting."""
        if slot in self._pending:
            await self.drain()
        elif self._in_flight is not None and slot in self._batch:
            await asyncio.shield(self._in_flight)

    async def _write_all(self) -> None:
        # One turn of the event loop first: the other chats' updates that are ready now add
        # their changes, and all of them share this transaction.
        await asyncio.sleep(0)
        while self._pending:
            try:
                try:
                    await self._write_next()
                except Exception as error:
                    if not await self._without_residents(self._batch, error):
                        raise
            except BaseException as error:
                # Keep what failed for the next round, unless a newer value replaced it; tell
                # everyone waiting, including those whose changes now ride with it.
                self._pending = {**self._batch, **self._pending}
                for waiting in (self._in_flight, self._next_commit):
                    _fail(waiting, error)
                self._next_commit = None
                if isinstance(error, asyncio.CancelledError):
                    raise
                return  # the next put or drain starts a writer that retries
            else:
                assert self._in_flight is not None
                self._in_flight.set_result(None)
            finally:
                self._in_flight, self._batch = None, {}

    async def _write_next(self) -> None:
        """Commit the next batch. The batch is taken once the write lock is ours: whatever was
        put while this waited for it rides along, instead of waiting for this commit and then
        its own."""
        if await self._write_directly():
            return
        async with self._transaction() as session:
            await self._write(session, self._take())

    def _take(self) -> dict[tuple[Any, ...], Any]:
        """What is pending becomes the batch in flight."""
        self._batch, self._pending = self._pending, {}
        self._in_flight = self._next_commit or asyncio.get_running_loop().create_future()
        self._next_commit = None
        return self._batch

    async def _without_residents(self, batch: dict[tuple[Any, ...], Any], error: Exception) -> bool:
        """After ``batch`` failed: whether the dialogue steps in it are written all the same.

        The residents rows riding in a batch are bookkeeping (who wrote, when): one that cannot
        be written must not sink the steps of everyone else in the batch, so the batch is tried
        once more without them, and they are dropped with a log line (the next refresh writes
        them again). A failure that is not theirs fails the second try too, and is reported.
        """
        people = [slot for slot in batch if slot[0] == "resident"]
        if not people:
            return False
        rest = {slot: value for slot, value in batch.items() if slot[0] != "resident"}
        try:
            if rest:
                async with self._transaction() as session:
                    await self._write(session, rest)
        except Exception:
            return False
        log.error(
            "could not record %d resident(s): %s",
            len(people),
            type(error).__name__,
            exc_info=(type(error), error, error.__traceback__),
        )
        return True

    def _transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """The transaction of one batch; entered once SQLite's write lock is ours."""
        return self.database.transaction(first=True)

    async def _write(self, session: AsyncSession, batch: dict[tuple[Any, ...], Any]) -> None:
        conversations, users, people = _split(batch)
        now = self.clock()
        await queries.save_conversations(session, conversations, now)
        await queries.save_user_data(session, users, now)
        if people:
            await residents.record_residents(session, people)

    async def _write_directly(self) -> bool:
        """The next batch, written on SQLite's own connection (:meth:`Database.write_directly`):
        whether it could be."""
        database = self.database

        def write(connection: sqlite3.Connection) -> None:
            conversations, users, people = _split(self._take())
            direct = Direct(connection, database.engine.dialect)
            now = self.clock()
            queries.save_conversations_directly(direct, conversations, now)
            queries.save_user_data_directly(direct, users, now)
            residents.record_residents_directly(direct, people)

        return await database.write_directly(write, first=True)


def _split(
    batch: dict[tuple[Any, ...], Any],
) -> tuple[list[tuple[str, Any, Any]], list[tuple[int, Any]], list[Any]]:
    """A batch's conversation states, users' data and residents rows."""
    conversations = [(s[1], s[2], v) for s, v in batch.items() if s[0] == "conversation"]
    users = [(s[1], v) for s, v in batch.items() if s[0] == "user"]
    people = [v for s, v in batch.items() if s[0] == "resident"]
    return conversations, users, people


def _fail(future: asyncio.Future[None] | None, error: BaseException) -> None:
    if future is None or future.done():
        return
    if isinstance(error, asyncio.CancelledError):
        future.cancel()
        return
    future.set_exception(error)
    future.exception()  # retrieved here: a waiter that was itself cancelled must not log it


def _encode(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
