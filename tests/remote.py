"""People who talk to a bot running as its own process (``ajung-bot run``) through the offline
Bot API served over HTTP: updates go out by getUpdates, as from Telegram."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.driver import Person
from bot.offline import JSONDict, OfflineBotApi

QUIET = 0.3  # seconds without a new call that count as "the bot has finished answering"
# A fetched update is normally answered; on a loaded machine the answer may come later than
# QUIET after the fetch, so wait this long for a first call before calling it quiet.
FIRST_ANSWER = 3.0


class RemotePerson(Person):
    """A :class:`Person` whose updates are fetched by the bot's own polling."""

    def __init__(self, api: OfflineBotApi, **kwargs: Any) -> None:
        super().__init__(None, api, **kwargs)  # type: ignore[arg-type]

    async def _act(self, update: JSONDict) -> list[JSONDict]:
        mark = self.api.revision
        self.api.push_update(update)
        await settle(self.api)
        return self.api.changes_since(self.chat_id, mark)


async def settle(api: OfflineBotApi, seconds: float = 30) -> None:
    """Wait until the bot fetched every update, answered (or stayed silent for
    :data:`FIRST_ANSWER` seconds) and made no call for :data:`QUIET` seconds."""
    deadline = time.monotonic() + seconds
    seen, quiet_since = len(api.calls), time.monotonic()
    answered = False
    while time.monotonic() < deadline:
        await asyncio.sleep(0.02)
        busy = [call for call in api.calls[seen:] if call.method != "getUpdates"]
        seen = len(api.calls)
        answered = answered or bool(busy)
        if busy or api.pending_updates:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= (QUIET if answered else FIRST_ANSWER):
            return
    raise AssertionError("the bot did not finish answering in time")
