"""The API answers only what the asker may see, on both databases, in few statements."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.rules.clock import FixedClock
from db.enums import SubmissionStatus
from db.models import Lesson, Submission, User
from tests.support.dashboard import (
    ADMIN,
    LEARNER,
    MENTOR,
    STRANGER,
    TOKEN,
    XSS_NAME,
    Seeded,
    init_data,
)
from tests.support.engine_events import recorded

MAX_STATEMENTS = 4


async def ask(client: TestClient, path: str, raw: str) -> tuple[int, str]:
    response = await client.get(path, headers={"Authorization": f"tma {raw}"})
    return response.status, await response.text()


async def test_a_learner_sees_their_courses_calendar_mastery_and_board(
    client: TestClient, clock: FixedClock, seeded: Seeded
) -> None:
    raw = init_data(LEARNER, clock.now())
    response = await client.get("/app/api/courses", headers={"Authorization": f"tma {raw}"})
    data = await response.json()
    assert response.status == 200
    [course] = data["courses"]
    assert (course["title"], course["done"], course["lessons"]) == ("Git basics", 3, 4)
    assert course["next_lesson"] == "Lesson 2.2"
    assert data["certificates"][0]["code"] == "ABCD2345EF"
    calendar = await (
        await client.get("/app/api/calendar", headers={"Authorization": f"tma {raw}"})
    ).json()
    kinds = [day["kind"] for week in calendar["calendar"]["weeks"] for day in week]
    assert len(kinds) == 84
    assert kinds.count("lesson") == 3
    assert kinds.count("review") == 1
    mastery = await (
        await client.get("/app/api/mastery", headers={"Authorization": f"tma {raw}"})
    ).json()
    assert mastery["modules"][0]["module_title"] == "Module 1"
    assert 0.8 < mastery["modules"][0]["recall"] <= 1
    status, cohort_board = await ask(
        client, f"/app/part/board?period=cohort-{seeded.cohort_id}", raw
    )
    assert status == 200
    assert "Spring &lt;class&gt;" in cohort_board
    assert "&lt;img src=x onerror=alert(1)&gt;" in cohort_board
    status, board = await ask(client, "/app/part/board?period=all", raw)
    assert status == 200
    assert "Ada" in board
    assert "150" in board


async def test_each_answer_reads_at_most_four_statements(
    client: TestClient, engine: AsyncEngine, clock: FixedClock, seeded: Seeded
) -> None:
    paths = {
        LEARNER: [
            "home",
            "courses",
            "calendar",
            "mastery",
            "board?period=week",
            f"board?period=cohort-{seeded.cohort_id}",
        ],
        MENTOR: [
            "home?tab=cohorts",
            f"cohort?cohort={seeded.cohort_id}&sort=streak",
            f"funnel?cohort={seeded.cohort_id}",
            f"waiting?cohort={seeded.cohort_id}",
            f"member?cohort={seeded.cohort_id}&user={seeded.learner_id}",
            f"calendar?cohort={seeded.cohort_id}&user={seeded.learner_id}",
        ],
        ADMIN: ["home?tab=school", "school"],
    }
    for telegram_id, sections in paths.items():
        raw = init_data(telegram_id, clock.now())
        for section in sections:
            with recorded(engine, "before_cursor_execute") as statements:
                status, _body = await ask(client, f"/app/api/{section}", raw)
            assert status == 200, section
            assert len(statements) <= MAX_STATEMENTS, (section, len(statements))


async def test_a_mentor_sees_their_cohort_and_never_another(
    client: TestClient, clock: FixedClock, seeded: Seeded
) -> None:
    raw = init_data(MENTOR, clock.now())
    status, page = await ask(client, f"/app/part/cohort?cohort={seeded.cohort_id}", raw)
    assert status == 200
    assert "Ada" in page
    assert "Spring &lt;class&gt;" in page
    assert XSS_NAME not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    for path in (
        f"cohort?cohort={seeded.other_cohort_id}",
        f"funnel?cohort={seeded.other_cohort_id}",
        f"member?cohort={seeded.other_cohort_id}&user={seeded.other_id}",
        f"member?cohort={seeded.cohort_id}&user={seeded.other_id}",  # not a member of theirs
        f"calendar?cohort={seeded.cohort_id}&user={seeded.other_id}",
        "school",
    ):
        status, page = await ask(client, f"/app/part/{path}", raw)
        assert status == 403, path
        assert "Not yours to see" in page


async def test_a_learner_is_no_mentor_and_no_admin(
    client: TestClient, clock: FixedClock, seeded: Seeded
) -> None:
    raw = init_data(LEARNER, clock.now())
    status, home = await ask(client, "/app/part/home", raw)
    assert status == 200
    assert "Cohorts" not in home
    assert "School" not in home
    for path in (f"cohort?cohort={seeded.cohort_id}", "school"):
        assert (await ask(client, f"/app/api/{path}", raw))[0] == 403


async def test_the_admin_sees_the_school_from_the_daily_figures(
    client: TestClient, clock: FixedClock, seeded: Seeded
) -> None:
    raw = init_data(ADMIN, clock.now())
    data = await (
        await client.get("/app/api/school", headers={"Authorization": f"tma {raw}"})
    ).json()
    school = data["school"]
    assert len(school["days"]) == 30
    yesterday = school["days"][-1]
    assert (yesterday["active"], yesterday["retention"]) == (2, 1.0)  # the XSS lesson, Ada's review
    assert school["usual_hours"][18] == 1
    assert [lesson["started"] for lesson in school["funnels"][0]["lessons"]] == [2, 1, 1, 0]
    status, page = await ask(client, "/app/part/school", raw)
    assert status == 200
    assert page.count("<svg") >= 4
    status, page = await ask(client, f"/app/part/cohort?cohort={seeded.other_cohort_id}", raw)
    assert status == 200
    assert "Bob" in page


@pytest.mark.parametrize(
    "header",
    ["", "tma ", "tma user=1&hash=00", "Bearer x"],
    ids=["none", "empty", "forged", "other-scheme"],
)
async def test_without_valid_init_data_the_answer_is_401_and_says_so(
    client: TestClient, header: str
) -> None:
    response = await client.get(
        "/app/part/home", headers={"Authorization": header} if header else {}
    )
    assert response.status == 401
    assert "could not be verified" in await response.text()


async def test_an_hour_old_or_foreign_init_data_gets_401(
    client: TestClient, clock: FixedClock
) -> None:
    stale = init_data(LEARNER, clock.now() - timedelta(hours=1, seconds=1))
    status, page = await ask(client, "/app/part/home", stale)
    assert status == 401
    assert "more than an hour ago" in page
    foreign = init_data(LEARNER, clock.now(), token="42:SOMEONE-ELSE")
    assert (await ask(client, "/app/api/courses", foreign))[0] == 401
    assert TOKEN not in page


async def test_someone_who_never_started_the_bot_is_asked_to(
    client: TestClient, clock: FixedClock
) -> None:
    status, page = await ask(client, "/app/part/home", init_data(9999, clock.now()))
    assert status == 403
    assert "Start the bot first" in page
    assert (await ask(client, "/app/part/home", init_data(STRANGER, clock.now())))[0] == 200


async def test_every_answer_has_a_content_security_policy_and_no_init_data_is_logged(
    client: TestClient, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    raw = init_data(LEARNER, clock.now())
    with caplog.at_level(logging.DEBUG):
        page = await client.get("/app/")
        part = await client.get("/app/part/courses", headers={"Authorization": f"tma {raw}"})
        refused = await client.get("/app/part/courses", headers={"Authorization": "tma x=1"})
    for response in (page, part, refused):
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self' https://telegram.org" in policy
        assert "unsafe" not in policy
    assert part.headers["Cache-Control"] == "no-store"
    assert "telegram-web-app.js" in await page.text()
    hash_ = dict(p.split("=", 1) for p in raw.split("&"))["hash"]
    assert all(hash_ not in record.getMessage() for record in caplog.records)


async def test_the_page_speaks_the_learners_language(
    client: TestClient, clock: FixedClock, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    async with session_factory() as session, session.begin():
        await session.execute(update(User).where(User.telegram_id == LEARNER).values(language="ru"))
    status, page = await ask(client, "/app/part/courses", init_data(LEARNER, clock.now()))
    assert status == 200
    assert "Ваши курсы" in page


async def test_a_learner_gets_their_own_certificate_picture_and_nobody_elses(
    client: TestClient, clock: FixedClock
) -> None:
    path = "/app/api/certificate.png?code=ABCD2345EF"
    mine = await client.get(
        path, headers={"Authorization": f"tma {init_data(LEARNER, clock.now())}"}
    )
    assert mine.status == 200
    assert mine.content_type == "image/png"
    assert (await mine.read()).startswith(b"\x89PNG")
    theirs = await client.get(
        path, headers={"Authorization": f"tma {init_data(MENTOR, clock.now())}"}
    )
    assert theirs.status == 404
    assert (await client.get(path)).status == 401


async def test_a_mentor_sees_the_cohorts_waiting_submissions_oldest_first(
    client: TestClient,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    seeded: Seeded,
) -> None:
    async with session_factory() as session, session.begin():
        lesson = await session.scalar(select(Lesson).order_by(Lesson.id).limit(1))
        assert lesson is not None
        for user_id, hours in ((seeded.xss_id, 3), (seeded.learner_id, 50)):
            session.add(
                Submission(
                    user_id=user_id,
                    lesson_id=lesson.id,
                    version=1,
                    status=SubmissionStatus.SUBMITTED,
                    cohort_id=seeded.cohort_id,
                    data={},
                    submitted_at=clock.now() - timedelta(hours=hours),
                )
            )
    raw = init_data(MENTOR, clock.now())
    status, body = await ask(client, f"/app/part/waiting?cohort={seeded.cohort_id}", raw)
    assert status == 200
    assert body.index("Ada") < body.index("&lt;img src=x")  # waited 50 hours against 3
    assert XSS_NAME not in body
    assert body.count(f"{lesson.title} · v1") == 2
    assert body.count("https://t.me/learnbot_test_bot?start=reviews") == 2  # into the chat
