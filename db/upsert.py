"""INSERT ... ON CONFLICT DO UPDATE for the two supported backends (same syntax on both)."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


def dialect_insert(session: AsyncSession) -> Any:
    """``insert`` of the session's backend, which knows ON CONFLICT (same syntax on both)."""
    return _insert_of(session.get_bind().dialect.name)


def _insert_of(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: Sequence[str] | None = None,
) -> None:
    """Insert ``rows``; where a row with the same ``keys`` exists, overwrite its other columns
    (or only those named in ``update``).

    The rows go as parameters of one statement (not inlined VALUES), so its compiled form is
    cached and reused: this runs at every dialogue step.
    """
    if not rows:
        return
    columns = [column for column in rows[0] if column not in keys] if update is None else update
    statement = _upsert_statement(
        session.get_bind().dialect.name, model.__table__, tuple(keys), tuple(columns)
    )
    await session.execute(statement, list(rows))


@functools.cache
def _upsert_statement(
    dialect: str, table: Any, keys: tuple[str, ...], columns: tuple[str, ...]
) -> Any:
    """Built once per shape: building it (the ``excluded`` alias of every column) cost more
    than executing it."""
    # The Table, not the mapped class: a Core statement skips the ORM's bulk-insert machinery.
    statement = _insert_of(dialect)(table)
    updated = {column: statement.excluded[column] for column in columns}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=updated)
