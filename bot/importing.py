"""Storing an import without stopping the bot: many short transactions, not one long one.

The import commands run beside the bot, as processes of their own. On SQLite the two take turns
on the file's one write lock through SQLite's busy timeout (the bot's asyncio lock in
:meth:`db.engine.Database.transaction` knows nothing of another process): an import held in one
transaction kept the lock for as long as it wrote, 80 s for 100,000 forms, and every resident
who reported meanwhile got "database is locked". Here every batch is a transaction of its own
(tens of milliseconds), and on SQLite a pause follows it that is longer than the gaps between
the busy handler's early retries (1 to 25 ms), so a write that waits gets its turn within about
one batch.

Every row is checked before the first batch is written, so a file with a wrong row still writes
nothing. An import stopped between batches (killed, disk full) has stored the batches before:
running it again stores the rest, because what is stored already is recognised (a form's import
key; an indicator's year and code, an activity's year and name) and not added twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import Database

T = TypeVar("T")
R = TypeVar("R")

# Between two batches on SQLite: the bot's waiting write polls the lock at least every 25 ms in
# its first 100 ms of waiting, so a 50 ms gap always holds one of its polls.
PAUSE_SECONDS = 0.05


async def store_in_batches(
    database: Database,
    batches: Iterable[Sequence[T]],
    store: Callable[[AsyncSession, Sequence[T]], Awaitable[R]],
) -> list[R]:
    """``store`` each batch in a transaction of its own; what each returned, in order."""
    results = []
    for batch in batches:
        async with database.transaction() as session:
            results.append(await store(session, batch))
        if database.is_sqlite:
            await asyncio.sleep(PAUSE_SECONDS)
    return results


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter)."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
