"""Insert and ignore duplicates, or insert and update them, written once for MySQL and SQLite.

Neither `INSERT IGNORE` (it also swallows other errors on MySQL) nor `ON CONFLICT` (not
MySQL) is portable: MySQL gets `ON DUPLICATE KEY UPDATE` that sets a key column to itself,
a no-op, and SQLite `ON CONFLICT DO NOTHING`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Insert, Select, insert
from sqlalchemy.dialects.mysql import insert as mysql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable


def insert_ignore(
    session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]], *, key: str
) -> Executable:
    """INSERT of ``rows`` into ``model``'s table that skips rows colliding with a unique key.

    ``key`` names a column of that unique key (it is "updated" to itself on MySQL).
    """
    if session.get_bind().dialect.name == "mysql":
        statement = mysql_insert(model).values(list(rows))
        return statement.on_duplicate_key_update({key: statement.inserted[key]})
    return sqlite_insert(model).values(list(rows)).on_conflict_do_nothing()


def insert_ignore_from_select(
    session: AsyncSession, model: Any, names: Sequence[str], rows: Select[Any], *, key: str
) -> Executable:
    """INSERT … SELECT into ``model``'s table that skips rows colliding with a unique key."""
    if session.get_bind().dialect.name == "mysql":
        statement = mysql_insert(model).from_select(list(names), rows)
        # A no-op on a duplicate; no `AS new` row alias, which belongs to INSERT … VALUES.
        return statement.on_duplicate_key_update({key: model.__table__.c[key]})
    return sqlite_insert(model).from_select(list(names), rows).on_conflict_do_nothing()


def upsert(session: AsyncSession, model: Any, *, key: Sequence[str], update: Sequence[str]) -> Any:
    """An INSERT, to run as ``session.execute(statement, rows)``, that sets the ``update``
    columns to the row's values where a row collides with the unique key ``key`` (its
    columns). Built once per dialect and table, and without ``.values()``, so it is compiled
    once and cached whatever the rows."""
    return _upsert(session.get_bind().dialect.name, model, tuple(key), tuple(update))


@cache
def _upsert(dialect: str, model: Any, key: tuple[str, ...], update: tuple[str, ...]) -> Any:
    if dialect == "mysql":
        mysql = mysql_insert(model)
        return mysql.on_duplicate_key_update({name: mysql.inserted[name] for name in update})
    lite = sqlite_insert(model)
    return lite.on_conflict_do_update(
        index_elements=list(key), set_={name: lite.excluded[name] for name in update}
    )


@cache
def insert_all(model: Any) -> Insert:
    """An INSERT for ``session.execute(insert_all(Model), rows)`` that sends every row in one
    statement. By default the ORM leaves a row's None values out (so server defaults apply),
    which splits rows with and without a value into separate INSERTs. Built once per table.
    Run with one row (a dict) it is an ordinary single-row INSERT, cached like the others."""
    return insert(model).execution_options(render_nulls=True)
