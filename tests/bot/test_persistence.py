"""The persistence's write-behind: concurrent changes share a transaction, each caller waits
for its own change only, and a failed write is kept and reported, never silently dropped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.persistence import _WriteBehind
from db.base import utcnow


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
