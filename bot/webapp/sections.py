"""The dashboard's sections: each reads one rule's data for one viewer, after its check.

A page is made of sections loaded one by one (`data-load` in the templates), so that each
request reads little: the viewer (one statement), then at most three of the section's
own. The same data is answered as HTML (/app/part/NAME) and as JSON (/app/api/NAME).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.assignments.waiting import REVIEWS_DEEP_LINK
from bot.rules.cohorts.boards import cohort_board
from bot.rules.cohorts.membership import Mentored, member_cohorts
from bot.rules.cohorts.roster import cohort_funnel, member_detail, roster
from bot.rules.course import Catalogue, CourseMap
from bot.rules.dashboard.access import Refusal, Viewer, visible_cohort, visible_member
from bot.rules.dashboard.learner import activity_calendar, mastery, my_courses
from bot.rules.dashboard.mentor import (
    SortKey,
    sort_key,
    sorted_roster,
    viewer_cohorts,
    waiting_submissions,
)
from bot.rules.dashboard.school import school
from bot.rules.motivation.leaderboard import period_board
from db.enums import BoardPeriod
from db.models import Cohort


class Forbidden(Exception):
    """Not this viewer's to see (403)."""


class BadRequest(Exception):
    """A parameter is missing or malformed (400)."""


@dataclass(frozen=True)
class Ask:
    """One request for a section: who asks, for what, and where to read it."""

    session: AsyncSession
    viewer: Viewer
    catalogue: Catalogue
    now: datetime
    query: Mapping[str, str]
    bot_username: str | None

    def number(self, name: str) -> int:
        try:
            return int(self.query[name])
        except (KeyError, ValueError):
            raise BadRequest(name) from None

    async def cohort(self) -> Cohort:
        found = await visible_cohort(self.session, self.viewer, self.number("cohort"))
        if isinstance(found, Refusal):
            raise Forbidden
        return found


@dataclass(frozen=True)
class Answer:
    template: str
    data: dict[str, Any]


Section = Callable[[Ask], Awaitable[Answer]]
TABS = ("me", "cohorts", "school")


async def home(ask: Ask) -> Answer:
    cohorts = await viewer_cohorts(ask.session, ask.viewer)
    tabs = ["me", *(["cohorts"] if cohorts else []), *(["school"] if ask.viewer.is_admin else [])]
    tab = ask.query.get("tab", "me")
    if tab not in tabs:
        tab = "me"
    name = ask.viewer.user.first_name
    return Answer("home.html", {"tabs": tabs, "tab": tab, "cohorts": cohorts, "name": name})


async def courses(ask: Ask) -> Answer:
    mine = await my_courses(ask.session, ask.catalogue, ask.viewer.user, ask.now)
    return Answer("courses.html", {"courses": mine.courses, "certificates": mine.certificates})


async def calendar(ask: Ask) -> Answer:
    user = ask.viewer.user
    if "user" in ask.query:  # a member's calendar, for their mentor
        found = await visible_member(
            ask.session, ask.viewer, ask.number("cohort"), ask.number("user")
        )
        if isinstance(found, Refusal):
            raise Forbidden
        user = found
    return Answer(
        "calendar.html", {"calendar": await activity_calendar(ask.session, user, ask.now)}
    )


async def modules_mastery(ask: Ask) -> Answer:
    found = await mastery(ask.session, ask.catalogue, ask.viewer.user, ask.now)
    return Answer("mastery.html", {"modules": found})


PERIODS = {
    "day": BoardPeriod.DAY,
    "week": BoardPeriod.WEEK,
    "month": BoardPeriod.MONTH,
    "all": BoardPeriod.ALL_TIME,
}


async def board(ask: Ask) -> Answer:
    """A tab of /leaderboard: today, this week, this month, all time, or one of the
    learner's cohorts this week (`?period=cohort-ID`)."""
    tab = ask.query.get("period", "week")
    cohorts = dict(await member_cohorts(ask.session, ask.viewer.user.id))
    tabs = [*PERIODS, *(f"cohort-{cohort_id}" for cohort_id in cohorts)]
    cohort_id = int(tab.removeprefix("cohort-")) if tab.removeprefix("cohort-").isdigit() else 0
    if cohort_id in cohorts:
        shown = await cohort_board(ask.session, cohort_id, ask.viewer.user, week=True)
    else:
        tab = tab if tab in PERIODS else "week"
        shown = await period_board(ask.session, ask.viewer.user, PERIODS[tab])
    names = {f"cohort-{cohort_id}": name for cohort_id, name in cohorts.items()}
    return Answer("board.html", {"tabs": tabs, "tab": tab, "board": shown, "cohorts": names})


def _course_of(ask: Ask, cohort: Cohort) -> CourseMap | None:
    return ask.catalogue.get(cohort.course_id) or (
        ask.catalogue.courses[0] if ask.catalogue.courses else None
    )


async def cohort(ask: Ask) -> Answer:
    found = await ask.cohort()
    key = sort_key(ask.query.get("sort"))
    members = await roster(ask.session, ask.catalogue, found.id, ask.now)
    return Answer(
        "cohort.html",
        {
            "cohort": Mentored(found.id, found.name),
            "members": sorted_roster(members, key),
            "sort": key.value if key else "",
            "sorts": [key.value for key in SortKey],
        },
    )


async def funnel(ask: Ask) -> Answer:
    found = await ask.cohort()
    course = _course_of(ask, found)
    steps = await cohort_funnel(ask.session, course, found.id) if course else []
    return Answer("funnel.html", {"steps": steps, "course": course.title if course else None})


async def waiting(ask: Ask) -> Answer:
    found = await ask.cohort()
    items = await waiting_submissions(ask.session, ask.catalogue, found.id)
    return Answer(
        "waiting.html",
        {"cohort": Mentored(found.id, found.name), "items": items, "start": REVIEWS_DEEP_LINK},
    )


async def member(ask: Ask) -> Answer:
    cohort_id, user_id = ask.number("cohort"), ask.number("user")
    if isinstance(await visible_member(ask.session, ask.viewer, cohort_id, user_id), Refusal):
        raise Forbidden
    detail = await member_detail(ask.session, ask.catalogue, cohort_id, user_id, ask.now)
    if detail is None:  # left between the two reads
        raise Forbidden
    return Answer("member.html", {"cohort_id": cohort_id, "detail": detail})


async def whole_school(ask: Ask) -> Answer:
    if not ask.viewer.is_admin:
        raise Forbidden
    return Answer("school.html", {"school": await school(ask.session, ask.catalogue, ask.now)})


SECTIONS: dict[str, Section] = {
    "home": home,
    "courses": courses,
    "calendar": calendar,
    "mastery": modules_mastery,
    "board": board,
    "cohort": cohort,
    "funnel": funnel,
    "waiting": waiting,
    "member": member,
    "school": whole_school,
}
