"""The bot with WhatsApp enabled, its Graph API in process (``bot.graph``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import Config
from tests.factories import WHATSAPP, BotHarness, make_config


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    return make_config(
        database_url, complaints={"photo_dir": str(tmp_path / "photos")}, whatsapp=WHATSAPP
    )


@pytest.fixture
async def bot(config: Config) -> AsyncIterator[BotHarness]:
    harness = BotHarness(config)
    await harness.start()
    yield harness
    await harness.stop()
