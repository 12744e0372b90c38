"""SQLite's write turns: one writer at a time, in arrival order, the batched dialogue steps
before the others waiting, and a waiter that gives up never keeps the turn."""

from __future__ import annotations

import asyncio

import pytest

from db.engine import FIRST_PASSES, WriteTurns


async def _take(
    turns: WriteTurns, name: str, order: list[str], release: asyncio.Event, *, first: bool = False
) -> None:
    async with turns.turn(first=first):
        order.append(name)
        await release.wait()


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_one_writer_at_a_time_in_arrival_order_with_the_steps_first() -> None:
    turns = WriteTurns()
    order: list[str] = []
    gates = {name: asyncio.Event() for name in ("a", "b", "c", "steps")}
    tasks = [asyncio.create_task(_take(turns, "a", order, gates["a"]))]
    await _settle()
    tasks.append(asyncio.create_task(_take(turns, "b", order, gates["b"])))
    await _settle()
    tasks.append(asyncio.create_task(_take(turns, "c", order, gates["c"])))
    await _settle()
    tasks.append(asyncio.create_task(_take(turns, "steps", order, gates["steps"], first=True)))
    await _settle()
    assert order == ["a"]  # the others wait
    for name in ("a", "steps", "b", "c"):
        gates[name].set()
        await _settle()
    await asyncio.wait_for(asyncio.gather(*tasks), 1)
    assert order == ["a", "steps", "b", "c"]


async def test_the_steps_pass_a_few_of_those_waiting_not_a_long_queue() -> None:
    """At an ordinary load the steps' batch goes before the few waiting; at saturation (a long
    queue) it takes its place after all but FIRST_PASSES of those who came before it."""
    turns = WriteTurns()
    order: list[str] = []
    go = asyncio.Event()
    go.set()
    early = [f"o{n}" for n in range(FIRST_PASSES + 2)]
    tasks = []
    async with turns.turn():
        for name in early:
            tasks.append(asyncio.create_task(_take(turns, name, order, go)))
            await _settle()
        tasks.append(asyncio.create_task(_take(turns, "steps", order, go, first=True)))
        await _settle()
        tasks.append(asyncio.create_task(_take(turns, "late", order, go)))
        await _settle()
    await asyncio.wait_for(asyncio.gather(*tasks), 1)
    passed = early[-FIRST_PASSES:]
    assert order == [*early[:-FIRST_PASSES], "steps", *passed, "late"]


async def test_a_waiter_that_gives_up_never_keeps_the_turn() -> None:
    turns = WriteTurns()
    order: list[str] = []
    hold, never = asyncio.Event(), asyncio.Event()
    holder = asyncio.create_task(_take(turns, "holder", order, hold))
    await _settle()
    quitter = asyncio.create_task(_take(turns, "quitter", order, never))
    await _settle()
    quitter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await quitter
    hold.set()
    await holder
    # Free again: the next one gets it at once.
    done = asyncio.Event()
    done.set()
    await asyncio.wait_for(_take(turns, "next", order, done), 1)
    assert order == ["holder", "next"]


async def test_a_turn_handed_over_to_a_waiter_cancelled_meanwhile_goes_on() -> None:
    turns = WriteTurns()
    order: list[str] = []
    never, done = asyncio.Event(), asyncio.Event()
    done.set()
    async with turns.turn():
        unlucky = asyncio.create_task(_take(turns, "unlucky", order, never))
        after = asyncio.create_task(_take(turns, "after", order, done))
        await _settle()
    # The turn was handed to "unlucky" on the way out; it is cancelled before it could run.
    unlucky.cancel()
    with pytest.raises(asyncio.CancelledError):
        await unlucky
    await asyncio.wait_for(after, 1)
    assert order == ["after"]
