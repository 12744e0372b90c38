"""INSERT ... ON CONFLICT DO UPDATE for the two supported backends (same syntax on both), and
:class:`Direct`, which runs such statements on a plain sqlite3 connection."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql import Executable


def dialect_insert(session: AsyncSession) -> Any:
    """``insert`` of the session's backend, which knows ON CONFLICT (same syntax on both)."""
    return insert_of(session.get_bind().dialect.name)


def insert_of(dialect: str) -> Any:
    """``insert`` of the backend named ``dialect``."""
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
    statement = _statement_for(session.get_bind().dialect.name, model, rows, keys, update)
    await session.execute(statement, list(rows))


def _statement_for(
    dialect: str,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    update: Sequence[str] | None,
) -> Any:
    columns = [column for column in rows[0] if column not in keys] if update is None else update
    return _upsert_statement(dialect, model.__table__, tuple(keys), tuple(columns))


@functools.cache
def _upsert_statement(
    dialect: str, table: Any, keys: tuple[str, ...], columns: tuple[str, ...]
) -> Any:
    """Built once per shape: building it (the ``excluded`` alias of every column) cost more
    than executing it."""
    # The Table, not the mapped class: a Core statement skips the ORM's bulk-insert machinery.
    statement = insert_of(dialect)(table)
    updated = {column: statement.excluded[column] for column in columns}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=updated)


class Direct:
    """Statements run at once on a plain sqlite3 connection, in the transaction
    :meth:`db.engine.Database.write_directly` has begun: the same statements a session would run,
    compiled by SQLAlchemy once per shape, each value converted by its column's type (JSON to
    text, an aware time to SQLite's text) exactly as a session converts it."""

    def __init__(self, connection: sqlite3.Connection, dialect: Dialect) -> None:
        self.connection = connection
        self.dialect = dialect

    def execute(self, statement: Executable, rows: Sequence[Mapping[str, Any]]) -> None:
        """``statement`` once per row (its parameters named as the row's keys)."""
        if not rows:
            return
        compiled = _compiled(self.dialect, statement, tuple(rows[0]))
        self.connection.executemany(compiled.sql, [compiled.parameters(row) for row in rows])

    def first_value(self, statement: Executable, row: Mapping[str, Any]) -> Any:
        """``statement`` once (its parameters named as ``row``'s keys): the first column of the
        first row it returns (an INSERT's RETURNING), or None when it returns none."""
        compiled = _compiled(self.dialect, statement, tuple(row))
        # fetchall: SQLite's statement must run to its end before the transaction commits.
        found = self.connection.execute(compiled.sql, compiled.parameters(row)).fetchall()
        return found[0][0] if found else None

    def upsert(
        self,
        model: type[DeclarativeBase],
        rows: Sequence[dict[str, Any]],
        *,
        keys: Sequence[str],
        update: Sequence[str] | None = None,
    ) -> None:
        """:func:`upsert`, here."""
        if rows:
            self.execute(_statement_for(self.dialect.name, model, rows, keys, update), rows)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters, in the order of the statement's ``?``
    processors: tuple[Callable[[Any], Any] | None, ...]

    def parameters(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(
            row[name] if process is None else process(row[name])
            for name, process in zip(self.names, self.processors, strict=True)
        )


@functools.lru_cache(maxsize=64)  # a few statements of the one engine (a test makes many)
def _compiled(dialect: Dialect, statement: Executable, columns: tuple[str, ...]) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=list(columns))  # type: ignore[attr-defined]
    names = tuple(compiled.positiontup or ())
    processors = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    return _Compiled(compiled.string, names, processors)
