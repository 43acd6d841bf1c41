"""The dashboard's daily aggregates: one row per closed UTC day, written by the
`dashboard-days` job, so the admin's 30-day charts read thirty rows instead of a
million learners' history."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class DashboardDay(Base):
    __tablename__ = "dashboard_days"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)  # a UTC day
    learners: Mapped[int] = mapped_column(sa.Integer)  # registered by the day's end
    new_learners: Mapped[int] = mapped_column(sa.Integer)  # registered that day
    active: Mapped[int] = mapped_column(sa.Integer)  # completed a lesson or answered a review
    lessons: Mapped[int] = mapped_column(sa.Integer)  # lessons completed
    reviews: Mapped[int] = mapped_column(sa.Integer)  # review-session answers
    recalled: Mapped[int] = mapped_column(sa.Integer)  # of those, not "again"
    # Snapshots as of the day's computation (NULL on days filled in afterwards):
    # learners by their usual local hour (24 counts), and the funnel by lesson id.
    usual_hours: Mapped[list[int] | None] = mapped_column(sa.JSON)
    funnel: Mapped[dict[str, list[int]] | None] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
