"""The declarative base every model shares: a naming convention and UTC-aware timestamps."""

from __future__ import annotations

import enum
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def one_of(column: str, values: type[enum.StrEnum]) -> str:
    """SQL for a check constraint: ``kind IN ('a', 'b')`` from an enum's values."""
    return f"{column} IN ({', '.join(repr(member.value) for member in values)})"


def enum_column(values: type[enum.StrEnum], length: int) -> sa.Enum:
    """The column type of a status or kind: Python sees the enum, the database a string.

    Stored as each member's value in a ``VARCHAR(length)``, as the columns always were, so
    the migrated schema is unchanged; the allowed values are enforced by the table's named
    check constraint (:func:`one_of`), not by one the type would add. Assigning a value
    that is no member fails before the database is asked.
    """
    return sa.Enum(
        values,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def like_pattern(text: str) -> str:
    """``%text%`` for LIKE/ILIKE, with the wildcards a user typed taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL keeps the zone (``timestamptz``); SQLite has no such type, so values are
    stored as naive UTC and given their zone back on the way out. A naive value coming
    in is a programming error: it could mean any zone.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    # One registry carries both, as Flask-SQLAlchemy subclasses this base once more.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # SQLite ignores foreign keys unless asked, and WAL lets the web process and a
    # worker read while the other writes.
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # Each commit reaches the disk before the page answers: what was acknowledged
        # survives a power cut too, whatever the library's build chose as its default.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


@event.listens_for(Engine, "savepoint")
def _sqlite_savepoint_inside_a_transaction(connection, name) -> None:
    # The sqlite3 module opens a transaction only before a write. A SAVEPOINT issued
    # before any write would open one of its own, and releasing it would COMMIT: a
    # service's "try this in a savepoint" would then outlive the request's rollback.
    # IMMEDIATE: a savepoint is there to write, and a transaction that read first and
    # wrote later would fail at once ("database is locked") when another process wrote
    # in between; taking the write lock up front waits for it instead (busy_timeout).
    if connection.dialect.name == "sqlite":
        dbapi_connection = connection.connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            dbapi_connection.execute("BEGIN IMMEDIATE")


def inserted_rows(
    table: sa.Table,
    columns: Sequence[str],
    count: int,
    name: str,
    given: Mapping[str, sa.ColumnElement[Any]] | None = None,
    only_if: tuple[sa.FromClause, sa.ColumnElement[bool]] | None = None,
) -> sa.CTE:
    """The insert of ``count`` rows into ``table``, as a part (WITH) of another statement
    (PostgreSQL runs it whether or not that statement reads it). Row n's values are the
    parameters ``<name>_<n>_<column>`` (:func:`row_parameters`) for ``columns``, and the
    same expression in every row for the ``given`` ones (a column of another part).
    ``only_if``: (a part of the same statement, a condition on it) the rows are inserted
    only if it holds. Written as INSERT … SELECT … UNION ALL: SQLAlchemy keeps that
    compiled, where it compiles a VALUES of several rows anew each time."""
    given = given or {}
    rows = []
    for n in range(count):
        row = sa.select(
            *given.values(),
            *(
                sa.bindparam(f"{name}_{n}_{column}", type_=table.c[column].type)
                for column in columns
            ),
        )
        if only_if is not None:
            row = row.select_from(only_if[0]).where(only_if[1])
        rows.append(row)
    select = rows[0] if count == 1 else sa.union_all(*rows)
    return sa.insert(table).from_select([*given, *columns], select).cte(name)


def row_parameters(name: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The parameters of ``rows`` for :func:`inserted_rows` of that ``name``."""
    return {
        f"{name}_{n}_{column}": value for n, row in enumerate(rows) for column, value in row.items()
    }


# A pooled connection handed back less than this long ago has just answered: it is handed
# out again as it is. One that has lain in the pool longer (the server may have restarted
# meanwhile) is asked a trivial question first. SQLAlchemy's pool_pre_ping asks every
# time, a round trip on every request, the busiest connections' included.
PING_AFTER_IDLE_SECONDS = 1.0
_RETURNED_AT = "expo_returned_at"


def ping_when_idle(engine: Engine) -> None:
    """Check a connection that has been idle before handing it out; one the server no
    longer knows is replaced, and every connection pooled before it with it."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is None or time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
            return  # new, or just used
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # The pool connects again, at most twice, before the request sees it.
                raise InvalidatePoolError(str(error)) from error
            raise
