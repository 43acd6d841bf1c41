"""The scheduled jobs by name, and how often each runs. Light: the CLI imports it to parse
`learnbot jobs run JOB` without importing aiogram."""

from __future__ import annotations

from datetime import time, timedelta
from enum import StrEnum


class JobName(StrEnum):
    DAILY_LESSONS = "daily-lessons"
    STREAK_REMINDERS = "streak-reminders"
    LEADERBOARD = "leaderboard"
    BROADCASTS = "broadcasts"
    LEAGUE_WEEK = "league-week"
    COHORT_BOARDS = "cohort-boards"
    REVIEWS_WAITING = "reviews-waiting"  # a reviewer's note of work waiting over 48 hours
    LEADERBOARD_REBUILD = "leaderboard-rebuild"  # once a day, at LEADERBOARD_REBUILD_AT
    DASHBOARD_DAYS = "dashboard-days"  # the dashboard's figures of each closed day


# The jobs that run at an interval; the others run once a day at a set time.
JOB_EVERY: dict[JobName, timedelta] = {
    JobName.DAILY_LESSONS: timedelta(minutes=1),
    JobName.STREAK_REMINDERS: timedelta(minutes=1),
    JobName.LEADERBOARD: timedelta(minutes=5),
    JobName.BROADCASTS: timedelta(seconds=10),
    JobName.LEAGUE_WEEK: timedelta(minutes=1),
    JobName.COHORT_BOARDS: timedelta(minutes=1),
    # Usually one statement that finds yesterday already summarised.
    JobName.DASHBOARD_DAYS: timedelta(minutes=10),
    JobName.REVIEWS_WAITING: timedelta(minutes=10),  # the ledger keeps it to once a day
}

# The default hour of the leaderboard's nightly rebuild (UTC; the LEADERBOARD_REBUILD_AT
# setting): quiet in Europe, the Americas and most of Asia.
REBUILD_AT = time(4, 0)
