"""Alembic migrations, run from the application (at start) and from ``ajung-bot db``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from db.engine import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema up to ``revision``; a no-op when it is already there."""
    await _run(database, command.upgrade, revision)


async def downgrade(database: Database, revision: str) -> None:
    await _run(database, command.downgrade, revision)


async def current_revision(database: Database) -> str | None:
    async with database.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def _run(database: Database, action: Any, revision: str) -> None:
    async with database.engine.begin() as connection:
        await connection.run_sync(lambda sync: action(alembic_config(sync), revision))


async def run_on_url(url: str, action: Any, *args: str) -> str | None:
    """Open ``url``, apply ``action`` (upgrade/downgrade, or None to just look), close it.

    Returns the revision the database is at afterwards.
    """
    database = Database(url)
    try:
        if action is not None:
            await action(database, *args)
        return await current_revision(database)
    finally:
        await database.dispose()
