"""Per-chat sequential update processing.

Different chats are handled concurrently (one slow database write must not hold up the whole
kecamatan), but the updates of one chat run strictly in order: a conversation's state machine
would otherwise see a button press before the message that created the button was handled.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# True while an update is being handled (in its task, and in tasks it starts, unless they are
# started as background work: see handlers.context.run_in_background).
HANDLING: ContextVar[bool] = ContextVar("handling_update", default=False)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs updates of the same chat one after another, others side by side."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self._in_flight = 0
        self._quiet = asyncio.Event()
        self._quiet.set()

    async def quiet(self, longest: float) -> None:
        """Return once no update is being handled, or after ``longest`` seconds.

        For the bot's own background work (posting a card, delivering news): started in a
        quiet moment, one of its steps holds up only the updates that arrive during it, not
        also the ones already waiting their turn. Under a flood there is no quiet moment, and
        ``longest`` keeps the work going all the same. Called while handling an update (an
        official's entry publishes its card before answering), it returns at once: that work
        is the update's own.
        """
        if self._in_flight == 0 or HANDLING.get():
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(longest):
                await self._quiet.wait()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        self._in_flight += 1
        self._quiet.clear()
        handling = HANDLING.set(True)
        try:
            await self._in_turn(update, coroutine)
        finally:
            HANDLING.reset(handling)
            self._in_flight -= 1
            if not self._in_flight:
                self._quiet.set()

    async def _in_turn(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat_id = _chat_id(update)
        if chat_id is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._waiting[chat_id] = self._waiting.get(chat_id, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            # Forget idle chats so the lock table does not grow with every resident ever seen.
            self._waiting[chat_id] -= 1
            if not self._waiting[chat_id]:
                del self._waiting[chat_id]
                del self._locks[chat_id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def _chat_id(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None
