"""Where sign-in links come from: ``/web`` in a private chat with the bot, and
``ajung-bot web-link`` for operators; and the dashboard served beside or without the bot."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from bot.cli import main
from bot.config import Config
from bot.web.app import create_app
from bot.web.links import LINK_MINUTES
from bot.web.server import WebServer
from db import migrate
from db.engine import Database
from i18n import catalog
from tests.factories import (
    CAMAT_ID,
    PMKS_ID,
    RESIDENT_ID,
    SEKCAM_ID,
    TRANTIB_ID,
    BotHarness,
    make_config,
)
from tests.handlers.test_roles import OTHER_GROUP
from tests.web.conftest import WebClient, page_text

t = catalog().for_language("id")
LINK = re.compile(r"http://127\.0\.0\.1:8080/masuk/[A-Za-z0-9_-]{40,}")


@pytest.mark.parametrize("official", [TRANTIB_ID, CAMAT_ID, SEKCAM_ID, PMKS_ID])
async def test_an_official_gets_a_link_in_a_private_chat_that_signs_in(
    bot: BotHarness, official: int
) -> None:
    person = bot.person(official, first_name="Petugas")
    await person.send("/web")
    message = person.last()
    url = LINK.search(message["text"])
    assert url is not None
    assert message["text"] == t("web.link", url=url.group())
    sent = [call for call in bot.api.calls if call.method == "sendMessage"][-1]
    assert sent.params["link_preview_options"] == {"is_disabled": True}
    app = create_app(bot.config, Database(bot.config.database.url), clock=bot.clock)
    async with WebClient(app, bot.config.web.base_url) as client:
        assert (await client.get(urlsplit(url.group()).path)).status_code == 303
        assert (await client.get("/")).status_code == 200
        await app.state.services.database.dispose()
    assert LINK_MINUTES == 10


async def test_a_resident_gets_the_polite_refusal(bot: BotHarness) -> None:
    resident = bot.person(RESIDENT_ID)
    await resident.send("/web")
    assert resident.last()["text"] == t("web.not_allowed")
    assert "/masuk/" not in str(bot.api.bot_messages(RESIDENT_ID))


async def test_no_link_is_posted_in_a_group(bot: BotHarness) -> None:
    official = bot.official(TRANTIB_ID)
    await official.send("/web")
    assert "/masuk/" not in official.last()["text"]
    assert official.last()["text"] == t("fallback.private_only", bot=bot.application.bot.username)
    elsewhere = bot.person(
        CAMAT_ID, chat_id=OTHER_GROUP, chat_type="supergroup", chat_title="Warga Ajung"
    )
    await elsewhere.send("/web")
    assert "/masuk/" not in elsewhere.last()["text"]


def _config_file(tmp_path: Path, database_url: str, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\nurl = "{database_url}"\n[roles]\ntrantib = [{TRANTIB_ID}]\n{extra}',
        encoding="utf-8",
    )
    return path


async def test_web_link_prints_a_working_link_for_an_official(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _config_file(tmp_path, database_url)
    import asyncio

    code = await asyncio.to_thread(
        main, ["--config", str(path), "web-link", "--user", str(TRANTIB_ID)]
    )
    assert code == 0
    out = capsys.readouterr().out.strip()
    assert LINK.fullmatch(out)
    config = make_config(database_url, roles={"trantib": (TRANTIB_ID,)})
    database = Database(database_url)
    async with WebClient(create_app(config, database), config.web.base_url) as client:
        assert (await client.get(urlsplit(out).path)).status_code == 303
        assert (await client.get(urlsplit(out).path)).status_code == 403  # used
    await database.dispose()


@pytest.mark.parametrize("user", [str(RESIDENT_ID), str(CAMAT_ID), "abc"])
def test_web_link_refuses_anyone_not_in_roles(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str], user: str
) -> None:
    path = _config_file(tmp_path, database_url)
    assert main(["--config", str(path), "web-link", "--user", user]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == "ajung-bot: " + t("cli.web_user_not_official", user=user)


async def test_the_server_answers_over_http_and_stops(config: Config, database: Database) -> None:
    config = make_config(config.database.url, web={"port": 0})
    await migrate.upgrade_if_needed(database)
    server = WebServer(config, database)
    await server.start()
    try:
        async with httpx.AsyncClient() as http:
            response = await http.get(f"http://127.0.0.1:{server.port}/")
        assert response.status_code == 401
        assert t("web.error.signed_out") in page_text(response.text)
    finally:
        await server.stop()
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as http:
            await http.get(f"http://127.0.0.1:{server.port}/")


async def test_a_port_in_use_is_an_error_for_the_caller(config: Config, database: Database) -> None:
    config = make_config(config.database.url, web={"port": 0})
    first = WebServer(config, database)
    await first.start()
    try:
        taken = make_config(config.database.url, web={"port": first.port})
        with pytest.raises(OSError, match="in use"):
            await WebServer(taken, database).start()
    finally:
        await first.stop()


@pytest.mark.parametrize(
    ("extra", "args", "taken"),
    [
        pytest.param(
            "[telegram]\nwebhook_port = 8080\n", ["--webhook", "https://x.example/t"],
            "[telegram] webhook_port", id="telegram webhook",
        ),
        pytest.param(
            '[whatsapp]\nenabled = true\nport = 8080\nphone_number_id = "1"\n', [],
            "[whatsapp] port", id="whatsapp",
        ),
    ],
)  # fmt: skip
def test_check_config_refuses_a_dashboard_port_already_taken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, args: list[str], taken: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"{extra}[web]\nenabled = true\nport = 8080\n", encoding="utf-8")
    assert main(["--config", str(path), "check-config", *args]) == 2
    err = capsys.readouterr().err
    assert f"[web] port: 8080 on 127.0.0.1 is already {taken}" in err
