"""Shared fixtures: a real database per test (SQLite file, or PostgreSQL when
``TEST_DATABASE_URL`` is set) and the real Application on the offline Bot API."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.config import Config
from db import migrate
from db.base import Base
from db.engine import Database
from tests.factories import BotHarness, make_config

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL ' + POSTGRES_URL if POSTGRES_URL else 'SQLite files'}"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database at the newest revision: a SQLite file to copy, or the PostgreSQL test database."""
    if POSTGRES_URL:
        asyncio.run(_reset_postgres(POSTGRES_URL))
        yield POSTGRES_URL
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(migrate.run_on_url(url, migrate.upgrade))
    yield str(path)


@pytest.fixture
def database_url(migrated_template: str, tmp_path: Path) -> str:
    """A fresh, migrated, empty database for one test."""
    if POSTGRES_URL:
        asyncio.run(_truncate_postgres(POSTGRES_URL))
        return POSTGRES_URL
    path = tmp_path / "ajung.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    yield db
    await db.dispose()


@pytest.fixture
def config(database_url: str, tmp_path: Path) -> Config:
    return make_config(database_url, complaints={"photo_dir": str(tmp_path / "photos")})


@pytest.fixture
async def bot(config: Config) -> AsyncIterator[BotHarness]:
    """The real bot, started on the offline Bot API, with people to play."""
    harness = BotHarness(config)
    await harness.start()
    yield harness
    await harness.stop()


async def _reset_postgres(url: str) -> None:
    database = Database(url)
    async with database.engine.begin() as connection:
        await connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        await connection.exec_driver_sql("CREATE SCHEMA public")
    await migrate.upgrade(database)
    await database.dispose()


async def _truncate_postgres(url: str) -> None:
    """Empty every table and restart every sequence, as a fresh database would be.

    DELETE in reverse dependency order, not TRUNCATE: on tables this small TRUNCATE costs
    about half a second per test (it swaps every table's files), DELETE a few milliseconds.
    """
    import db.models  # noqa: F401  (registers every table on Base.metadata)

    database = Database(url)
    async with database.engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(table.delete())
        await connection.exec_driver_sql(
            "SELECT setval(c.oid, 1, false) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'S' AND n.nspname = 'public'"
        )
    await database.dispose()
