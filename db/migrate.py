"""Alembic migrations, run from the application (at start) and from ``ajung-bot db``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from db.engine import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Any:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def newest_revision_file() -> str:
    """The head revision read from the file names (``NNNN_topic.py``, a meta test keeps them so),
    without importing Alembic."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


async def upgrade_if_needed(database: Database) -> None:
    """What the bot does at start: one query when the schema is current (the common case);
    Alembic, slow to import, is loaded only when there is something to migrate."""
    try:
        async with database.engine.connect() as connection:
            current = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    except DBAPIError:
        current = None
    if current != newest_revision_file():
        await upgrade(database)


async def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema up to ``revision``; a no-op when it is already there."""
    from alembic import command

    await _run(database, command.upgrade, revision)


async def downgrade(database: Database, revision: str) -> None:
    from alembic import command

    await _run(database, command.downgrade, revision)


async def current_revision(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

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
