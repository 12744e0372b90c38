"""The WhatsApp channel's connections live and die with the bot's run, however the run ends."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import Stopped, build_application, running
from bot.config import Config
from bot.offline import OfflineBotApi
from bot.whatsapp.channel import whatsapp_of
from bot.whatsapp.offline import OfflineGraphApi


async def test_a_start_stopped_while_the_bot_api_fails_closes_the_graph_connections(
    config: Config,
) -> None:
    api, graph = OfflineBotApi(), OfflineGraphApi()
    api.fail_next("getMe", status=502, description="Bad Gateway", times=10_000)
    application = build_application(
        config,
        token=api.token,
        request=api.request(),
        rate_limit=False,
        whatsapp_transport=graph.transport(),
    )
    channel = whatsapp_of(application)
    assert channel is not None
    stop = asyncio.Event()
    stop.set()  # SIGTERM while the Bot API is still being waited for
    with pytest.raises(Stopped):
        async with running(application, set_commands=False, stop=stop):
            raise AssertionError("the bot never got ready")
    assert channel.graph._client.is_closed
