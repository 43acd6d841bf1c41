"""Enumerations stored in the database (by name)."""

from __future__ import annotations

import enum


class ProgressStatus(enum.Enum):
    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


class JourneyStatus(enum.Enum):
    """A learner's journey through one course (the original design's journeystatus): ACTIVE is the
    current course, PAUSED a started course that is not current, COMPLETED a finished one."""

    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    PAUSED = "PAUSED"


class PlacementStatus(enum.Enum):
    """A placement check (the original design's assessment): under way, finished, or abandoned (the
    learner chose to start from the beginning)."""

    IN_PROGRESS = "IN_PROGRESS"
    FINISHED = "FINISHED"
    ABANDONED = "ABANDONED"


class AchievementType(enum.Enum):
    LESSON_COMPLETED = "LESSON_COMPLETED"
    MODULE_COMPLETED = "MODULE_COMPLETED"
    STREAK = "STREAK"
    CHALLENGES_SOLVED = "CHALLENGES_SOLVED"
    MILESTONE = "MILESTONE"


class ActivityType(enum.Enum):
    LESSON_STARTED = "LESSON_STARTED"
    LESSON_COMPLETED = "LESSON_COMPLETED"
    CHALLENGE_ATTEMPTED = "CHALLENGE_ATTEMPTED"
    CHALLENGE_SOLVED = "CHALLENGE_SOLVED"
    ACHIEVEMENT_EARNED = "ACHIEVEMENT_EARNED"
    LOGIN = "LOGIN"
    ADMIN_ACTION = "ADMIN_ACTION"  # LearnBot: the audit trail of admin actions
    COHORT_ACTION = "COHORT_ACTION"  # a learner's or a mentor's action in a cohort


class UserRole(enum.Enum):
    LEARNER = "LEARNER"
    ADMIN = "ADMIN"


class PointsReason(enum.Enum):
    LESSON = "LESSON"
    FIRST_TRY_BONUS = "FIRST_TRY_BONUS"
    ACHIEVEMENT = "ACHIEVEMENT"
    ADJUSTMENT = "ADJUSTMENT"
    REVIEW = "REVIEW"  # a right answer in a review session


class DeliveryKind(enum.Enum):
    DAILY_LESSON = "DAILY_LESSON"
    STREAK_REMINDER = "STREAK_REMINDER"
    BROADCAST = "BROADCAST"
    REMINDERS_PAUSED = "REMINDERS_PAUSED"  # the one message after 14 days away
    LEAGUE_RESULT = "LEAGUE_RESULT"  # a league week's place and result
    COHORT_BOARD = "COHORT_BOARD"  # a cohort's weekly board, posted to its linked group
    REVIEWS_WAITING = "REVIEWS_WAITING"  # a reviewer's daily note of work waiting over 48 h


class DeliveryStatus(enum.Enum):
    PENDING = "PENDING"
    SENT = "SENT"
    BLOCKED = "BLOCKED"
    FAILED = "FAILED"


class BroadcastStatus(enum.Enum):
    DRAFT = "DRAFT"
    SENDING = "SENDING"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


class ReviewSource(enum.Enum):
    """Where a review card was answered: a lesson's quiz or a /review session."""

    LESSON = "LESSON"
    REVIEW = "REVIEW"


class LeagueTier(enum.IntEnum):
    """League tiers, stored as their number (promotion adds one, demotion takes one)."""

    BRONZE = 0
    SILVER = 1
    GOLD = 2
    SAPPHIRE = 3
    DIAMOND = 4


class CohortRole(enum.Enum):
    """A role a learner holds in one cohort (the user role of the whole bot stays as it is)."""

    MENTOR = "MENTOR"


class BoardPeriod(enum.Enum):
    """The stretch of time a leaderboard counts points over (UTC); ALL_TIME: since ever."""

    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"
    ALL_TIME = "ALL_TIME"


class SubmissionStatus(enum.Enum):
    """One version of a learner's answers to an assignment (the original design's submissions):
    DRAFT → SUBMITTED → RETURNED (a new version follows) … → ACCEPTED."""

    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    RETURNED = "RETURNED"
    ACCEPTED = "ACCEPTED"
