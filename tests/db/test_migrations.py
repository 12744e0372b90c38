"""Every migration walks up and down, and the newest schema matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from db import migrate
from db.base import Base
from db.engine import Database


def revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def test_revision_ids_are_sequential_and_files_named_after_them() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    ordered = revisions()
    assert ordered == [f"{n:04d}" for n in range(1, len(ordered) + 1)]
    for rev in script.walk_revisions():
        assert rev.path.rsplit("/", 1)[-1].startswith(f"{rev.revision}_")
        assert rev.doc, f"migration {rev.revision} needs a docstring saying why"


async def test_stairway_up_and_down_every_revision(database: Database) -> None:
    await migrate.downgrade(database, "base")
    previous = None
    for revision in revisions():
        await migrate.upgrade(database, revision)
        assert await migrate.current_revision(database) == revision
        await migrate.downgrade(database, previous or "base")
        assert await migrate.current_revision(database) == previous
        await migrate.upgrade(database, revision)
        previous = revision
    assert previous == migrate.head_revision()


async def test_models_and_migrations_agree(database: Database) -> None:
    async with database.engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    assert differences == []


def test_newest_file_is_the_alembic_head() -> None:
    assert migrate.newest_revision_file() == migrate.head_revision()


async def test_start_up_migrates_a_new_database_and_leaves_a_current_one(
    database: Database,
) -> None:
    await migrate.downgrade(database, "base")
    await migrate.upgrade_if_needed(database)
    assert await migrate.current_revision(database) == migrate.head_revision()
    await migrate.upgrade_if_needed(database)
    assert await migrate.current_revision(database) == migrate.head_revision()
