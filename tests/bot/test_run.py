"""``ajung-bot run`` as a real process against a Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.offline import OfflineBotApi
from tests.bot.test_logs import SECRET_NAME, SECRET_PLACE, SECRET_TEXT, refuse_writes
from tests.bot_api_server import BotApiServer
from tests.factories import file_complaint, fill_complaint
from tests.remote import RemotePerson

RESIDENT = 5551234
ROOT = Path(__file__).resolve().parents[2]


def text_update(api: OfflineBotApi, text: str, user_id: int = RESIDENT) -> dict[str, Any]:
    chat = {"id": user_id, "type": "private", "first_name": "Siti"}
    message: dict[str, Any] = {
        "message_id": api.next_message_id(user_id),
        "from": {"id": user_id, "is_bot": False, "first_name": "Siti", "language_code": "id"},
        "chat": chat,
        "date": int(time.time()),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    api.remember_chat(chat)
    api.remember_message(message)
    return {"update_id": api.next_update_id(), "message": message}


async def wait_for(predicate: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the bot")
        await asyncio.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotProcess:
    def __init__(self, tmp_path: Path, server: BotApiServer, database_url: str) -> None:
        self.config = tmp_path / "config.toml"
        self.config.write_text(
            f'[telegram]\nbase_url = "{server.base_url}"\n'
            f'base_file_url = "{server.base_file_url}"\n'
            f'webhook_port = {free_port()}\n[database]\nurl = "{database_url}"\n',
            encoding="utf-8",
        )
        self.env = {**os.environ, "TELEGRAM_BOT_TOKEN": server.api.token, "AJUNG_BOT_CONFIG": ""}
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, *args: str) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(self.config),
            "run",
            *args,
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            umask=0o022,  # a usual login's: the bot makes its files private by itself
        )

    async def finish(self, *argv: str) -> tuple[int, str, str]:
        """Run ``ajung-bot --config CONFIG *argv`` to its end: exit code, stdout, stderr."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(self.config), *argv,
            cwd=ROOT, env=self.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 60)
        return process.returncode or 0, out.decode(), err.decode()

    async def terminate(self) -> tuple[int, str]:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(self.process.communicate(), 30)
        return self.process.returncode or 0, err.decode()


@pytest.fixture
async def server() -> AsyncIterator[BotApiServer]:
    async with BotApiServer(OfflineBotApi()) as running:
        yield running


async def test_polling_answers_and_survives_a_flaky_server(
    tmp_path: Path, server: BotApiServer, database_url: str
) -> None:
    api = server.api
    bot = BotProcess(tmp_path, server, database_url)
    api.fail_next("getMe", status=502, description="Bad Gateway")
    await bot.start()

    api.push_update(text_update(api, "/start"))
    await wait_for(lambda: len(api.bot_messages(RESIDENT)) == 1)
    [greeting] = api.bot_messages(RESIDENT)
    assert greeting["text"].startswith("Selamat datang di layanan chat Kecamatan Ajung")
    buttons = [b["text"] for row in greeting["reply_markup"]["inline_keyboard"] for b in row]
    assert "ℹ️ Bantuan" in buttons
    commands = [c for c in api.calls if c.method == "setMyCommands" and c.ok]
    assert {c["command"] for c in commands[0].params["commands"]} >= {"start", "bantuan", "batal"}

    api.fail_next("getUpdates", status=500, description="Internal Server Error", times=2)
    api.fail_next(
        "sendMessage", status=429, description="Too Many Requests: retry after 1", retry_after=1
    )
    api.push_update(text_update(api, "/id"))
    # Updates of one chat are answered in order: once the next one is answered, a duplicate
    # of the throttled answer (a retry sent twice) would already be there.
    api.push_update(text_update(api, "/bantuan"))
    await wait_for(lambda: len(api.bot_messages(RESIDENT)) >= 3)
    texts = [m["text"] for m in api.bot_messages(RESIDENT)]
    assert texts[1] == f"ID Telegram Bapak/Ibu: {RESIDENT}"
    assert texts[2].startswith("Layanan chat Kecamatan Ajung")
    assert len(texts) == 3

    code, err = await bot.terminate()
    assert code == 0, err
    assert "Traceback" not in err
    assert api.token not in err  # no URL with the token in the logs


async def test_webhook_refuses_requests_without_the_secret(
    tmp_path: Path, server: BotApiServer, database_url: str
) -> None:
    api = server.api
    bot = BotProcess(tmp_path, server, database_url)
    port = int(bot.config.read_text().split("webhook_port = ")[1].split()[0])
    url = f"http://127.0.0.1:{port}/telegram"
    await bot.start("--webhook", url)
    await wait_for(lambda: any(c.method == "setWebhook" and c.ok for c in api.calls))
    [registration] = [c for c in api.calls if c.method == "setWebhook"]
    assert registration.params["url"] == url
    secret = registration.params["secret_token"]
    update = text_update(api, "/start")
    async with httpx.AsyncClient() as client:
        await wait_for_port(port)
        forged = await client.post(url, json=update)
        assert forged.status_code == 403
        wrong = await client.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "x"}
        )
        assert wrong.status_code == 403
        assert api.bot_messages(RESIDENT) == []
        real = await client.post(
            url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
        )
        assert real.status_code == 200
    await wait_for(lambda: len(api.bot_messages(RESIDENT)) == 1)
    code, err = await bot.terminate()
    assert code == 0, err


async def wait_for_port(port: int) -> None:
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise AssertionError(f"nothing listens on {port}")


async def test_a_failed_write_puts_no_personal_data_on_standard_error(
    tmp_path: Path, server: BotApiServer, database_url: str
) -> None:
    """What an operator reads in the journal when the disk fails under the residents' writes."""
    api = server.api
    bot = BotProcess(tmp_path, server, database_url)
    async with refuse_writes(database_url):
        await bot.start()
        siti = RemotePerson(api, user_id=RESIDENT, first_name="Siti", last_name=SECRET_NAME)
        # Her residents row (bookkeeping) cannot be written: she is helped all the same.
        [helped] = await siti.send("/bantuan")
        budi = RemotePerson(api, user_id=RESIDENT + 1, first_name="Budi")
        await fill_complaint(budi, place=SECRET_PLACE, description=SECRET_TEXT)
        [refused] = await budi.tap("✅ Kirim")
        code, err = await bot.terminate()
    assert code == 0, err
    assert helped["text"].startswith("Layanan chat Kecamatan Ajung:")
    assert refused["text"].startswith("Maaf, sedang ada gangguan.")
    assert err.count("ERROR handlers.common: error while handling update") == 1
    assert err.count("ERROR bot.persistence: could not record 1 resident(s)") == 1
    for secret in (SECRET_NAME, SECRET_PLACE, SECRET_TEXT, "Gang Mawar", str(RESIDENT)):
        assert secret not in err


@pytest.mark.parametrize(
    "command", [["run"], ["send-summary", "--week", "2025-W07"]], ids=["run", "send-summary"]
)
async def test_a_token_the_server_rejects_is_not_printed(
    tmp_path: Path, server: BotApiServer, database_url: str, command: list[str]
) -> None:
    """A wrong base_url makes the Bot API answer 404, and python-telegram-bot quotes the token."""
    api = server.api
    bot = BotProcess(tmp_path, server, database_url)
    text = bot.config.read_text().replace("[telegram]\n", "[telegram]\ncamat_chat_id = 9002\n")
    bot.config.write_text(text, encoding="utf-8")
    api.fail_next("getMe", status=404, description="Not Found")
    code, out, err = await bot.finish(*command)
    assert code == 1
    assert err == "ajung-bot: InvalidToken: The token `[hidden]` was rejected by the server.\n"
    assert api.token.split(":")[1] not in out + err


async def test_a_server_error_quoting_the_token_is_masked_in_log_and_output(
    tmp_path: Path, server: BotApiServer, database_url: str
) -> None:
    """A self-hosted Bot API server that echoes the request URL in its error descriptions."""
    api = server.api
    bot = BotProcess(tmp_path, server, database_url)
    text = bot.config.read_text().replace("[telegram]\n", "[telegram]\ncamat_chat_id = 9002\n")
    bot.config.write_text(text, encoding="utf-8")
    echoed = f"Internal Server Error at {server.base_url}{api.token}/sendPhoto"
    api.fail_next("sendPhoto", status=500, description=echoed)
    api.fail_next("sendMessage", status=500, description=echoed)
    code, out, err = await bot.finish("send-summary", "--week", "2025-W07")
    assert code == 1
    assert out == (
        "Ringkasan minggu 10-16 Februari 2025 (2025-W07) gagal terkirim dan akan dicoba lagi: "
        f"NetworkError: Internal Server Error at http://127.0.0.1:{server.port}/bot[hidden]/sendPhoto\n"
    )
    assert "WARNING bot.summary: weekly summary 2025-W07 not delivered" in err
    assert api.token.split(":")[1] not in out + err


@pytest.mark.parametrize("method", ["getMe", "deleteWebhook"], ids=["initialize", "bootstrap"])
async def test_sigterm_stops_a_bot_still_waiting_for_the_bot_api(
    tmp_path: Path, server: BotApiServer, database_url: str, method: str
) -> None:
    """The Bot API answers 502 at start (getMe, then the polling's deleteWebhook) for ever."""
    api = server.api
    bot = BotProcess(tmp_path, server, database_url)
    api.fail_next(method, status=502, description="Bad Gateway", times=10_000)
    await bot.start()
    try:
        await wait_for(lambda: sum(call.method == method for call in api.calls) >= 2)
        asked = time.monotonic()
        code, err = await bot.terminate()
        assert time.monotonic() - asked < 5
    finally:
        assert bot.process is not None
        if bot.process.returncode is None:
            bot.process.kill()
            await bot.process.wait()
    assert code == 0, err
    assert "Traceback" not in err
    assert "stopped before the bot was ready" in err


async def test_the_photo_copies_are_private(
    tmp_path: Path, server: BotApiServer, database_url: str
) -> None:
    api = server.api
    bot = BotProcess(tmp_path, server, database_url)
    photos = tmp_path / "var" / "photos"
    text = bot.config.read_text() + f'[complaints]\nphoto_dir = "{photos}"\n'
    bot.config.write_text(text, encoding="utf-8")
    await bot.start()
    siti = RemotePerson(api, user_id=RESIDENT, first_name="Siti")
    code = await file_complaint(siti, photos=1)
    await wait_for(lambda: (photos / f"{code}-1.jpg").exists())
    exit_code, err = await bot.terminate()
    assert exit_code == 0, err
    assert [oct(mode(folder)) for folder in (photos.parent, photos)] == ["0o700", "0o700"]
    assert oct(mode(photos / f"{code}-1.jpg")) == "0o600"


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777
