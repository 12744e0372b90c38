"""What reaches the logs when something fails: never a person's name, id or words."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot import cli, logs
from db import residents
from db.engine import Database
from tests.factories import BotHarness, fill_complaint

# What one resident typed and who she is; none of it may appear in a log.
SECRET_NAME = "Rahasiawati"
SECRET_PLACE = "Gang Mawar Tujuh"
SECRET_TEXT = "Tetangga berjudi di Gang Mawar setiap malam Jumat."


@asynccontextmanager
async def refuse_writes(database_url: str) -> AsyncIterator[None]:
    """Writes that carry this resident's name or words fail, as on a full or broken disk.

    PostgreSQL is made to refuse them with a CHECK constraint, whose error quotes the whole
    failing row; SQLite with a trigger. Removed again on the way out (the PostgreSQL test
    database is shared by the tests that follow).
    """
    rules = {"residents": "display_name", "complaints": "description"}
    database = Database(database_url)
    async with database.engine.begin() as connection:
        for table, column in rules.items():
            marker = SECRET_NAME if table == "residents" else SECRET_PLACE.split()[1]
            if database.is_sqlite:
                for event in ("INSERT", "UPDATE"):
                    await connection.exec_driver_sql(
                        f"CREATE TRIGGER refuse_{table}_{event.lower()} BEFORE {event} ON {table} "
                        f"WHEN NEW.{column} LIKE '%{marker}%' "
                        "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
                    )
            else:
                await connection.exec_driver_sql(
                    f"ALTER TABLE {table} ADD CONSTRAINT ck_{table}_refused "
                    f"CHECK ({column} NOT LIKE '%{marker}%') NOT VALID"
                )
    try:
        yield
    finally:
        async with database.engine.begin() as connection:
            for table in rules:
                if database.is_sqlite:
                    for event in ("insert", "update"):
                        await connection.exec_driver_sql(
                            f"DROP TRIGGER IF EXISTS refuse_{table}_{event}"
                        )
                else:
                    await connection.exec_driver_sql(
                        f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS ck_{table}_refused"
                    )
        await database.dispose()


async def test_a_failed_write_logs_no_name_id_or_words(
    bot: BotHarness, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # what `ajung-bot run` logs
    async with refuse_writes(database_url):
        siti = bot.person(first_name="Siti", last_name=SECRET_NAME)
        # Her residents row (bookkeeping) cannot be written: she is helped all the same.
        [still_helped] = await siti.send("/bantuan")
        budi = bot.person(5550002, first_name="Budi")
        await fill_complaint(budi, place=SECRET_PLACE, description=SECRET_TEXT)
        [refused] = await budi.tap("✅ Kirim")
    assert still_helped["text"].startswith("Layanan chat Kecamatan Ajung:")
    assert refused["text"].startswith("Maaf, sedang ada gangguan.")
    failures = [r for r in caplog.records if r.getMessage().startswith("error while handling")]
    [bookkeeping] = [r for r in caplog.records if r.getMessage().startswith("could not record")]
    assert len(failures) == 1 and all(r.exc_info for r in (*failures, bookkeeping))
    logged = caplog.text
    assert "disk I/O error" in logged or "violates check constraint" in logged
    for secret in (SECRET_NAME, SECRET_PLACE, SECRET_TEXT, "Gang Mawar", str(siti.user_id)):
        assert secret not in logged


TOKEN = "7012345678:AAH-kx0Zq1w2e3r4t5y6u7i8o9p0Asdfghj"


@pytest.mark.parametrize(
    "quoted",
    [
        pytest.param(f"The token `{TOKEN}` was rejected by the server.", id="invalid-token"),
        pytest.param(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed", id="api-url"),
        pytest.param(
            "GET http://127.0.0.1:8081/file/bot7012345678%3AAAH-kx0Zq1w2e3r4t5y6u7i8o9p0Asdfghj"
            "/photos/file_1.jpg",
            id="quoted-file-url",
        ),
    ],
)
def test_the_token_is_masked_in_messages_and_tracebacks(quoted: str) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.REDACTING)
    log = logging.getLogger("tests.redaction")
    log.addHandler(handler)
    try:
        try:
            raise ValueError(quoted)
        except ValueError:
            log.exception("start failed: %s", quoted)
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert written.count(logs.MASK) == 2
    assert "AAH-kx0Zq1w2e3r4t5y6u7i8o9p0Asdfghj" not in written
    assert "start failed: " in written and "ValueError: " in written


def test_a_secret_of_any_shape_is_masked_once_known() -> None:
    odd = "token-of-a-self-hosted-api"  # not shaped like Telegram's
    assert logs.redact(f"rejected: {odd}") == f"rejected: {odd}"
    logs.keep_secret(odd, "")
    assert logs.redact(f"rejected: {odd}") == f"rejected: {logs.MASK}"
    assert logs.redact("File /srv/bot/app.py, line 3; 2025-02-17") == (
        "File /srv/bot/app.py, line 3; 2025-02-17"
    )


def test_whatsapps_secrets_are_masked_once_the_configuration_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        "[whatsapp]\nenabled = true\nphone_number_id = '106540352242922'\n"
        "access_token = 'EAAGm0PX4ZCpsBAKr1tW2'\napp_secret = 'a1b2c3d4e5f60718293a4b5c6d7e8f90'\n"
        "verify_token = 'tanya-kecamatan-ajung'\n",
        encoding="utf-8",
    )
    config = cli._config(cli.build_parser().parse_args(["--config", str(path), "check-config"]))
    secrets = (
        config.whatsapp.access_token,
        config.whatsapp.app_secret,
        config.whatsapp.verify_token,
    )
    line = logs.redact("Graph API refused " + " ".join(secrets))
    assert line == "Graph API refused " + " ".join([logs.MASK] * 3)


def test_a_whatsapp_residents_number_is_masked_in_any_line() -> None:
    """The bot knows a WhatsApp resident by WA_BASE plus the phone number: it is the number."""
    person = residents.person_of(residents.WHATSAPP, "6281234567890")
    assert (logs.WA_BASE, logs.WA_LIMIT) == (
        residents.WA_BASE,
        residents.WA_BASE + 10**residents.WA_ID_DIGITS,
    )
    assert logs.redact(f"KeyError: {person}") == f"KeyError: {logs.MASK}"
    highest = residents.person_of(residents.WHATSAPP, "9" * residents.WA_ID_DIGITS)
    assert logs.redact(f"chat {highest}.") == f"chat {logs.MASK}."
    # Telegram ids, outbox ids, dates and longer numbers stay as they are.
    for kept in ("5550001", "-1001234567890", "9007199254740991", "10007199254740992"):
        assert logs.redact(f"update {kept}") == f"update {kept}"
