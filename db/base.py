"""Declarative base, the constraint naming convention, the UTC datetime type and the column
helpers every model uses."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Enum, Integer, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Every index and constraint gets a predictable name, so migrations can drop and
# recreate them by name on MySQL and SQLite alike. Names stay under MySQL's
# 64-character identifier limit for every table we have.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A DATETIME that always holds UTC.

    Python code sees timezone-aware UTC datetimes; the database stores naive UTC,
    which both MySQL's DATETIME and SQLite's text format keep without surprises.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        # Whole seconds: MySQL rounds fractions while MariaDB and SQLite keep or cut
        # them, and a rounded 23:59:59.7 would land in the next day or week.
        return value.astimezone(UTC).replace(tzinfo=None, microsecond=0)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """Default for created/updated columns; rules pass the injected clock's time instead."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# A 64-bit id that is still SQLite's auto-incrementing rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def enum_column(enum_cls: type[enum.Enum]) -> Enum:
    """Native ENUM on MySQL, VARCHAR on SQLite; values stored by name."""
    return Enum(
        enum_cls, name=enum_cls.__name__.lower(), create_constraint=False, validate_strings=True
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
