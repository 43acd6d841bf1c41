"""Every button's callback data, in one place.

Telegram allows 64 bytes of callback data (tests pin every payload under it): prefixes are two
letters, fields small integers or one-letter enum values. An `action` is always an enum, matched
with `F.action == Action.X` in the router or `match` in the handler; its values never change,
so buttons already in learners' chats keep working after an upgrade.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit

# --------------------------------------------------------------------------- onboarding


class ZoneCb(CallbackData, prefix="tz"):
    index: int  # into bot.telegram.zones.ZONES


class ZoneNameCb(CallbackData, prefix="tn"):
    """A zone by its IANA name: the "did you mean …?" button under a mistyped place."""

    zone: str


class MoreZonesCb(CallbackData, prefix="tm"):
    pass


class CommonZonesCb(CallbackData, prefix="tb"):
    """Back from the other zones to the common ones."""


class LessonTimeCb(CallbackData, prefix="lt"):
    minute: int


# --------------------------------------------------------------------------- learning


class LessonCb(CallbackData, prefix="ls"):
    lesson_id: int
    page: int = 1


class QuizCb(CallbackData, prefix="qz"):
    lesson_id: int


class NextCb(CallbackData, prefix="nx"):
    pass


class AssignmentAction(StrEnum):
    OPEN = "o"  # open a lesson's assignment (`id`: the lesson)
    EDIT = "e"  # ask field `field` of draft `id` again
    SKIP = "k"  # skip optional field `field` of draft `id`
    CHOOSE = "c"  # option `option` of choice field `field` of draft `id`
    SUBMIT = "s"  # submit draft `id`


class AssignmentCb(CallbackData, prefix="as"):
    action: AssignmentAction
    id: int
    field: int = 0  # 1-based
    option: int = 0


class VerdictAction(StrEnum):
    ACCEPT = "a"  # accept: asks for an optional comment
    RETURN = "r"  # return: asks for the comment
    ACCEPT_NOW = "n"  # accept without a comment
    SHOW = "s"  # /reviews: send the work again, with Accept and Return


class VerdictCb(CallbackData, prefix="vd"):
    action: VerdictAction
    submission_id: int


class CourseAction(StrEnum):
    OPEN = "o"  # show the course's card
    START = "s"  # start, continue or make current
    LIST = "l"  # back to the catalogue


class CourseCb(CallbackData, prefix="co"):
    action: CourseAction
    course_id: int = 0


class PlacementAction(StrEnum):
    CHECK = "c"  # take the course's placement check (or continue it)
    BEGINNING = "b"  # start from the beginning (a check under way is abandoned)


class PlacementCb(CallbackData, prefix="pc"):
    action: PlacementAction
    course_id: int


class PauseCb(CallbackData, prefix="pa"):
    days: int


class ReviewCb(CallbackData, prefix="rv"):
    """Start (or continue) a review session: the daily push's and the summary's button."""


class BoardTab(StrEnum):
    """The tabs of /leaderboard: the live boards, then the kept ones."""

    TODAY = "d"
    WEEK = "w"
    MONTH = "m"
    ALL_TIME = "a"
    LAST_WEEK = "lw"
    LAST_MONTH = "lm"


class BoardCb(CallbackData, prefix="lb"):
    tab: BoardTab


# --------------------------------------------------------------------------- settings


class SettingsAction(StrEnum):
    ZONE = "zone"
    OTHER_ZONES = "zones"
    TIME = "time"
    REMINDERS = "reminders"
    BOARD = "board"
    LANGUAGE = "lang"
    BACK = "back"


class SettingsCb(CallbackData, prefix="st"):
    action: SettingsAction


class LanguageCb(CallbackData, prefix="lg"):
    code: str


class SettingsTimeCb(CallbackData, prefix="sm"):
    minute: int


class SettingsZoneCb(CallbackData, prefix="sz"):
    index: int


class SettingsZoneNameCb(CallbackData, prefix="sn"):
    """/settings' "did you mean …?" button under a mistyped place."""

    zone: str


# --------------------------------------------------------------------------- privacy


class DeleteMeAction(StrEnum):
    ERASE = "erase"
    KEEP = "keep"


class DeleteMeCb(CallbackData, prefix="dm"):
    """The two buttons under /deleteme's confirmation."""

    action: DeleteMeAction


# --------------------------------------------------------------------------- admins


class AdminAction(StrEnum):
    STATS = "stats"
    BROADCAST = "broadcast"
    AUDIT = "audit"
    HELP = "help"


class AdminCb(CallbackData, prefix="ad"):
    """The /admin menu."""

    action: AdminAction


class LearnerAction(StrEnum):
    RESET = "reset"
    RESET_CONFIRMED = "reset_yes"
    RESET_CANCELLED = "reset_no"
    PROMOTE = "promote"
    DEMOTE = "demote"
    SHOW = "show"  # a learner picked from the matches of a name
    MENTOR_OF = "mentor"  # pick the cohort this learner will mentor


class LearnerCb(CallbackData, prefix="au"):
    """An admin's buttons on a learner's profile (/user), and on the matches of a name."""

    action: LearnerAction
    user_id: int


class ImportCb(CallbackData, prefix="ci"):
    apply: bool


class UnpublishCb(CallbackData, prefix="up"):
    """The confirmation of /unpublish: hide this module or lesson, or not."""

    lesson: bool  # False: a module
    item_id: int
    confirmed: bool


class UnpublishCourseCb(CallbackData, prefix="uc"):
    """The confirmation of /unpublish for a whole course."""

    course_id: int
    confirmed: bool


class BroadcastAction(StrEnum):
    AUDIENCE = "a"
    SEND = "s"  # asks for confirmation with the recipient count
    CONFIRM = "c"  # starts sending
    DROP = "x"
    STOP = "t"


class AudienceChoice(StrEnum):
    """The audiences an admin can pick for a broadcast."""

    ALL = "all"
    RUSSIAN = "ru"
    ENGLISH = "en"
    INACTIVE = "i7"


class BroadcastCb(CallbackData, prefix="bc"):
    """Buttons of the preview and of the progress message (e.g. "bc:a:12:ru")."""

    action: BroadcastAction
    broadcast_id: int
    audience: AudienceChoice = AudienceChoice.ALL


# --------------------------------------------------------------------------- cohorts


class CohortAdminAction(StrEnum):
    LIST = "l"
    NEW = "n"
    CARD = "o"
    ROTATE = "r"
    OPEN = "j"
    CLOSE = "c"
    ADD_MENTOR = "a"  # from /user → "Mentor of…": user_id is the new mentor
    MENTOR_PAGE = "p"  # another page of the cohorts to pick from for user_id
    COURSES = "k"  # the courses to pick the cohort's from
    COURSE = "s"  # user_id is the course's id (0: no course)
    REMOVE_MENTOR = "x"


class CohortAdminCb(CallbackData, prefix="ca"):
    """An admin's /cohorts buttons."""

    action: CohortAdminAction
    cohort_id: int = 0
    user_id: int = 0
    page: int = 0


class CohortAction(StrEnum):
    JOIN = "j"
    LEAVE = "l"  # asks first
    LEAVE_CONFIRMED = "y"
    STAY = "k"


class CohortCb(CallbackData, prefix="cm"):
    """A learner's buttons: join from an invite link, leave a cohort."""

    action: CohortAction
    cohort_id: int


class MentorAction(StrEnum):
    ROSTER = "r"
    MEMBER = "m"
    FUNNEL = "f"
    CSV = "c"
    BROADCAST = "b"


class MentorCb(CallbackData, prefix="mt"):
    """A mentor's buttons; every one is checked against the mentor's cohorts on the server."""

    action: MentorAction
    cohort_id: int
    user_id: int = 0
    page: int = 0


class CohortBoardCb(CallbackData, prefix="cb"):
    """A cohort's board in /leaderboard: this week's or all time."""

    cohort_id: int
    week: bool
