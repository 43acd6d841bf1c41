"""A learner's right to be forgotten: every row about them, found from the schema itself.

Which rows are "about a learner" is read from the models' metadata, not listed by hand, so a
table added later is covered the day it is added:

- a row of a table with a foreign key to `users` is theirs when that key points at them;
- a row of a table with a foreign key to one of *their* rows is theirs too (transitively);
- except through a nullable key declared ``ON DELETE SET NULL``: that row is someone else's
  record that merely mentions them (a broadcast's author, the ledger's lesson), so it stays
  and the key is set to NULL.

The audit trail is the admins' record: an admin action about the learner (a reset, a role
change) keeps its row, with the learner's id and Telegram id taken out of it. An admin's own
account holds the audit of what they did, so an admin is refused until demoted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from sqlalchemy import (
    Column,
    ColumnElement,
    MetaData,
    Table,
    delete,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from bot.rules.learners import is_admin
from db.base import Base
from db.enums import ActivityType
from db.models import ActivityLog, User

USER_ENTITY = "user"  # `activity_log.entity_type` of an admin action about a learner
# Keys of such a row's details that name the learner: erased with them.
PERSONAL_PATHS = ("$.telegram_id", "$.username", "$.name")


@dataclass(frozen=True)
class Reference:
    """A foreign key column and the column it points at."""

    table: Table
    column: Column[object]
    target: Column[object]
    ondelete: str | None

    @property
    def keeps_the_row(self) -> bool:
        """A nullable `SET NULL` key: the row outlives what it points at."""
        return bool(self.column.nullable) and (self.ondelete or "").upper() == "SET NULL"


@dataclass(frozen=True)
class Ownership:
    """How the rows of one table are found to be a learner's."""

    table: Table
    owned_through: tuple[Reference, ...]  # keys to `users` or to a table of theirs
    mentions: tuple[Reference, ...]  # SET NULL keys: cleared, the row kept


def _references(table: Table) -> list[Reference]:
    return [
        Reference(table, fk.parent, fk.column, fk.ondelete)
        for fk in table.foreign_keys
        if fk.column.table is not table  # a self-reference never changes who owns a row
    ]


def learner_tables(metadata: MetaData = Base.metadata) -> list[Ownership]:
    """Every table holding rows about a learner, parents before children (`users` excluded).

    A table is listed when one of its foreign keys leads to `users`, directly or through
    other tables of the learner's.
    """
    owned: dict[str, Ownership] = {}
    for table in metadata.sorted_tables:
        if table.name == User.__tablename__:
            continue
        through: list[Reference] = []
        mentions: list[Reference] = []
        for reference in _references(table):
            parent = reference.target.table.name
            if parent != User.__tablename__ and not _has_owner(owned.get(parent)):
                continue
            (mentions if reference.keeps_the_row else through).append(reference)
        if through or mentions:
            owned[table.name] = Ownership(table, tuple(through), tuple(mentions))
    return list(owned.values())


def _has_owner(ownership: Ownership | None) -> bool:
    return ownership is not None and bool(ownership.owned_through)


@dataclass(frozen=True)
class LearnerRows:
    """WHERE clauses that find one learner's rows in every table of `learner_tables`."""

    user_id: int
    tables: tuple[Ownership, ...]

    @classmethod
    def of(cls, user_id: int, metadata: MetaData = Base.metadata) -> LearnerRows:
        return cls(user_id, tuple(learner_tables(metadata)))

    def _ownership(self, table: Table) -> Ownership | None:
        return next((o for o in self.tables if o.table is table), None)

    def belongs(self, table: Table) -> ColumnElement[bool]:
        """The learner's own rows of `table` (deleted with them)."""
        if table.name == User.__tablename__:
            return table.c.id == self.user_id
        ownership = self._ownership(table)
        if ownership is None or not ownership.owned_through:
            return false()
        return or_(*(self.points_at(ref) for ref in ownership.owned_through))

    def points_at(self, ref: Reference) -> ColumnElement[bool]:
        """Rows whose `ref` key points at the learner or at one of their rows."""
        if ref.target.table.name == User.__tablename__ and ref.target.name == "id":
            return ref.column == self.user_id
        return ref.column.in_(select(ref.target).where(self.belongs(ref.target.table)))

    def about(self, table: Table) -> ColumnElement[bool]:
        """Rows of `table` that belong to the learner or mention them."""
        ownership = self._ownership(table)
        mentions = ownership.mentions if ownership is not None else ()
        return or_(self.belongs(table), *(self.points_at(ref) for ref in mentions))


class Refusal(Enum):
    IS_ADMIN = "is_admin"


@dataclass(frozen=True)
class Erased:
    """What an erasure removed: rows deleted per table, references cleared per table."""

    deleted: dict[str, int] = field(default_factory=dict)
    cleared: dict[str, int] = field(default_factory=dict)


async def erase_learner(
    session: AsyncSession, user: User, admin_ids: frozenset[int] = frozenset()
) -> Erased | Refusal:
    """Delete the learner and every row about them, in the caller's transaction.

    Rows that only mention them (SET NULL keys, admin actions about them) are kept with the
    reference cleared. Refused for an admin (see the module docstring). After it, the
    learner's `User` object is detached: the next update from them is a brand-new learner.
    """
    if is_admin(user, admin_ids):
        return Refusal.IS_ADMIN
    await session.flush()  # the update's own pending changes, before the rows go
    rows = LearnerRows.of(user.id)
    result = Erased()
    cleared = await _forget_in_audit(session, user.id)
    if cleared:
        result.cleared[ActivityLog.__tablename__] = cleared
    for ownership in rows.tables:
        for ref in ownership.mentions:
            done = await _changed(
                session,
                update(ownership.table).where(rows.points_at(ref)).values({ref.column.name: None}),
            )
            _count(result.cleared, ownership.table.name, done)
    # Children first, while the parents their subqueries select from still exist.
    for ownership in reversed(rows.tables):
        if ownership.owned_through:
            done = await _changed(
                session, delete(ownership.table).where(rows.belongs(ownership.table))
            )
            _count(result.deleted, ownership.table.name, done)
    await session.execute(delete(User).where(User.id == user.id))
    result.deleted[User.__tablename__] = 1
    session.expunge(user)
    return result


def _count(counts: dict[str, int], table: str, rows: int) -> None:
    if rows:
        counts[table] = counts.get(table, 0) + rows


async def _forget_in_audit(session: AsyncSession, user_id: int) -> int:
    """Admin actions about the learner stay; their id and personal details leave the row."""
    return await _changed(
        session,
        update(ActivityLog)
        .where(
            ActivityLog.activity_type == ActivityType.ADMIN_ACTION,
            ActivityLog.entity_type == USER_ENTITY,
            ActivityLog.entity_id == user_id,
        )
        .values(
            entity_id=None,
            # JSON_REMOVE on MySQL and SQLite alike; a missing key is left as it is.
            details=func.json_remove(ActivityLog.details, *PERSONAL_PATHS),
        ),
    )


async def _changed(session: AsyncSession, statement: Executable) -> int:
    """Run an UPDATE or DELETE; the number of rows it changed."""
    result = await session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]
