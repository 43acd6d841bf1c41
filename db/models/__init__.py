"""Typed SQLAlchemy models, a module per domain; every model is importable from here.

The first eight tables are the seed schema with its exact names;
the rest, and the extra columns marked in the modules, are LearnBot's extensions.

ON DELETE, on purpose:
- a learner's own rows (progress, achievements, stats, points, deliveries, polls,
  activity, leaderboard row and kept placings) go with the learner: deleting a user
  erases them;
- content that learners have progress on is never deleted by accident: lessons,
  modules and achievements RESTRICT (the importer unpublishes instead of deleting);
- quiz questions belong to their lesson (CASCADE), and an open poll belongs to its
  question (CASCADE);
- a learner's submissions and field outputs go with the learner; a verdict on someone
  else's work stays when its reviewer is deleted (reviewer SET NULL);
- audit references that may outlive what they point at (the ledger's lesson or
  achievement, a broadcast's author) are SET NULL.
"""

from db.base import Base
from db.models.assignments import FieldOutput, Submission, SubmissionReview
from db.models.cohorts import Cohort, CohortMember, CohortRoleRow
from db.models.dashboard import DashboardDay
from db.models.learners import ActivityLog, User, UserStats
from db.models.learning import (
    Certificate,
    Course,
    CoursePrerequisite,
    Journey,
    Lesson,
    Module,
    ModulePrerequisite,
    QuizPoll,
    QuizQuestion,
    UserProgress,
)
from db.models.motivation import (
    Achievement,
    LeaderboardCache,
    LeaderboardHidden,
    LeaderboardRank,
    LeaderboardRefresh,
    LeaderboardSnapshot,
    LeagueMember,
    LeagueWeek,
    PointsLedger,
    UserAchievement,
)
from db.models.placement import PlacementAnswer, PlacementCheck
from db.models.reach import Broadcast, Delivery
from db.models.review import ReviewCard, ReviewLog, ReviewPoll, ReviewSession

__all__ = [
    "Achievement",
    "ActivityLog",
    "Base",
    "Broadcast",
    "Certificate",
    "Cohort",
    "CohortMember",
    "CohortRoleRow",
    "Course",
    "CoursePrerequisite",
    "DashboardDay",
    "Delivery",
    "FieldOutput",
    "Journey",
    "LeaderboardCache",
    "LeaderboardHidden",
    "LeaderboardRank",
    "LeaderboardRefresh",
    "LeaderboardSnapshot",
    "LeagueMember",
    "LeagueWeek",
    "Lesson",
    "Module",
    "ModulePrerequisite",
    "PlacementAnswer",
    "PlacementCheck",
    "PointsLedger",
    "QuizPoll",
    "QuizQuestion",
    "ReviewCard",
    "ReviewLog",
    "ReviewPoll",
    "ReviewSession",
    "Submission",
    "SubmissionReview",
    "User",
    "UserAchievement",
    "UserProgress",
    "UserStats",
]
