"""The admins' CSV of learners: one row per learner, streamed from one query (a server-side
cursor on MySQL), a partition at a time, so its memory stays bounded however many learners
there are; the database builds each line, so the driver decodes one column per learner, not
ten.
"""

from __future__ import annotations

from typing import Any, TextIO

from sqlalchemy import ColumnElement, String, case, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from db.models import CohortMember, User, UserStats

CSV_COLUMNS = (
    "telegram_id",
    "first_name",
    "language",
    "lessons_done",
    "points",
    "level",
    "streak",
    "last_active",
    "blocked",
)
CSV_PARTITION = 5_000  # rows fetched from the cursor at a time
# A spreadsheet runs a cell that starts like a formula; a name must stay a name.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_END = "\r\n"  # the csv module's line end
Column = ColumnElement[Any] | QueryableAttribute[Any]
ISO_SECONDS = 19  # "YYYY-MM-DD HH:MM:SS", how both databases render a DATETIME as text


def _text(value: Column) -> ColumnElement[str]:
    return func.coalesce(cast(value, String), "")


def _quoted_name(name: Column) -> ColumnElement[str]:
    """The name as one CSV field: always quoted, inner quotes doubled, formulas defused."""
    defused = case((func.substr(name, 1, 1).in_(FORMULA_STARTS), literal("'")), else_=literal(""))
    return case(
        (func.coalesce(name, "") == "", literal("")),
        else_=literal('"') + defused + func.replace(name, '"', '""') + literal('"'),
    )


def _iso_utc(at: Column) -> ColumnElement[str]:
    as_text = func.replace(func.substr(cast(at, String), 1, ISO_SECONDS), " ", "T")
    return case((at.is_(None), literal("")), else_=as_text + literal("+00:00"))


def _csv_line() -> ColumnElement[str]:
    """A learner's whole CSV line, built by the database.

    Parsing one column per row instead of ten is what keeps a million rows within a minute:
    the MySQL driver decodes rows in Python, column by column.
    """
    fields = [
        _text(User.telegram_id),
        _quoted_name(User.first_name),
        func.coalesce(User.language, User.language_code, ""),
        _text(func.coalesce(UserStats.lessons_completed, 0)),
        _text(func.coalesce(UserStats.points, 0)),
        _text(func.coalesce(UserStats.level, 1)),
        _text(func.coalesce(UserStats.current_streak, 0)),
        _iso_utc(User.last_seen_at),
        case((User.blocked_at.is_(None), literal("false")), else_=literal("true")),
    ]
    line = fields[0]
    for field in fields[1:]:
        line = line + literal(",") + field
    return line


async def write_learners_csv(
    session: AsyncSession, out: TextIO, *, cohort_id: int | None = None
) -> int:
    """One CSV row per learner (CSV_COLUMNS, header first), oldest learner first; with
    `cohort_id`, the cohort's current members only (a mentor's CSV).

    `last_active` is the last update from the learner (ISO-8601, UTC); `blocked` is whether
    they blocked the bot. Returns the number of learners written.
    """
    out.write(",".join(CSV_COLUMNS) + CSV_END)
    query = (
        select(_csv_line())
        .select_from(User)
        .outerjoin(UserStats, UserStats.user_id == User.id)
        .order_by(User.id)
        .execution_options(yield_per=CSV_PARTITION)
    )
    if cohort_id is not None:
        query = query.join(CohortMember, CohortMember.user_id == User.id).where(
            CohortMember.cohort_id == cohort_id, CohortMember.left_at.is_(None)
        )
    written = 0
    connection = await session.connection()
    result = await connection.stream(query)
    async for partition in result.scalars().partitions():
        out.write(CSV_END.join(partition) + CSV_END)
        written += len(partition)
    return written
