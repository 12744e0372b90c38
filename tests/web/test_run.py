"""``ajung-bot run`` with ``[web] enabled`` serves the dashboard in the same process, which
follows the configuration file's ``[roles]`` and stops with the bot; ``ajung-bot web`` alone."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from bot.offline import OfflineBotApi
from tests.bot.test_run import ROOT, BotProcess, free_port, text_update, wait_for, wait_for_port
from tests.bot_api_server import BotApiServer
from tests.factories import TRANTIB_ID

LINK = re.compile(r"http://127\.0\.0\.1:\d+/masuk/[A-Za-z0-9_-]+")


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer(OfflineBotApi()) as running:
        yield running


def add_web(config: Path, port: int, roles: str) -> None:
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'[web]\nenabled = true\nport = {port}\nbase_url = "http://127.0.0.1:{port}"\n'
        + roles,
        encoding="utf-8",
    )


async def test_run_serves_the_dashboard_and_stops_it(
    tmp_path: Path, server: BotApiServer, database_url: str
) -> None:
    api = server.api
    bot = BotProcess(tmp_path, server, database_url)
    port = free_port()
    add_web(bot.config, port, f"[roles]\ntrantib = [{TRANTIB_ID}]\n")
    await bot.start()
    api.push_update(text_update(api, "/web", user_id=TRANTIB_ID))
    await wait_for(lambda: len(api.bot_messages(TRANTIB_ID)) == 1)
    found = LINK.search(api.bot_messages(TRANTIB_ID)[0]["text"])
    assert found is not None
    await wait_for_port(port)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        assert (await client.get(urlsplit(found.group()).path)).status_code == 303
        assert (await client.get("/")).status_code == 200
        # The operator takes the official out of [roles]: refused at the next request.
        text = bot.config.read_text(encoding="utf-8").replace(f"trantib = [{TRANTIB_ID}]", "")
        bot.config.write_text(text + "\n", encoding="utf-8")
        assert (await client.get("/")).status_code == 403
    code, err = await bot.terminate()
    assert code == 0, err
    assert "/masuk/" not in err  # no link in the logs
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{port}/")


async def test_web_serves_the_dashboard_alone(tmp_path: Path, database_url: str) -> None:
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    add_web(config, port, f"[roles]\ncamat = [{TRANTIB_ID}]\n")
    env = {**os.environ, "AJUNG_BOT_CONFIG": ""}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), "web",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await wait_for_port(port)
        link = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config),
            "web-link", "--user", str(TRANTIB_ID),
            cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await link.communicate()
        assert link.returncode == 0
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await client.get(urlsplit(out.decode().strip()).path)).status_code == 303
            assert (await client.get("/")).status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert "Traceback" not in err.decode()
