"""Admin tools that ask before they act and never make an admin guess: the broadcast's
confirmation, /unpublish's confirmation, /content, and /user's buttons and texts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from aiogram import Dispatcher
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.app import build_i18n
from bot.entry.demo_seed import FIRST_SAMPLE_ID, SAMPLES, seed_sample_learners
from bot.rules import audit
from bot.rules.admin import learners as admin_users
from bot.rules.admin import publishing
from bot.rules.clock import FixedClock
from bot.telegram.callbacks import CALLBACK_DATA_LIMIT, CourseAction, CourseCb, UnpublishCb
from bot.telegram.views.reach import grouped
from db.enums import ProgressStatus, UserRole
from db.models import Broadcast, Lesson, Module, User, UserProgress
from tests.support.chat import Chat
from tests.support.factories import make_course, make_user
from tests.support.flows import onboard

MakeChat = Callable[..., Chat]
ADMIN_ID = 9100


@pytest.fixture
def boss(dispatcher: Dispatcher, make_chat: MakeChat) -> Chat:
    """An admin by ADMIN_IDS, writing in English."""
    dispatcher["admin_ids"] = frozenset({ADMIN_ID})
    return make_chat(user_id=ADMIN_ID, first_name="Boss")


async def learners_in(session: AsyncSession, module: Module, count: int) -> list[User]:
    """`count` onboarded learners, each with the first lesson of `module` started."""
    users = [await make_user(session, 100 + n, language="ru") for n in range(count)]
    first = module.lessons[0]
    for user in users:
        session.add(UserProgress(user_id=user.id, lesson_id=first.id,
                                 status=ProgressStatus.IN_PROGRESS))  # fmt: skip
    await session.commit()
    return users


# ------------------------------------------------------------------ /broadcast


async def test_send_asks_first_with_the_recipient_count_and_back_returns_to_the_preview(
    session: AsyncSession, boss: Chat
) -> None:
    [module] = await make_course(session, [1])
    await learners_in(session, module, 3)
    await boss.send("/broadcast")
    await boss.send("News")
    sent = await boss.press_button("Send to 3")
    assert "Send to <b>3</b> learners (All learners)?" in boss.texts(sent)[0]
    assert [label for label, _ in boss.buttons()] == ["✅ Send now", "◀️ Back"]
    assert (await session.scalar(sa.select(Broadcast.status))).value == "DRAFT"  # type: ignore[union-attr]
    sent = await boss.press_button("Back")
    assert "Recipients: <b>3</b>" in boss.texts(sent)[0]
    await boss.press_button("Send to 3")
    sent = await boss.press_button("Send now")
    assert "sending…" in boss.texts(sent)[0]
    session.expire_all()
    assert (await session.scalar(sa.select(Broadcast.total))) == 3


async def test_an_audience_of_nobody_is_never_offered_a_send_button(
    session: AsyncSession, boss: Chat
) -> None:
    [module] = await make_course(session, [1])
    await learners_in(session, module, 2)  # all of them Russian speakers
    await boss.send("/broadcast")
    await boss.send("News")
    sent = await boss.press_button("English speakers")
    assert "nobody would receive it (English speakers)" in boss.texts(sent)[0]
    labels = [label for label, _ in boss.buttons()]
    assert not any("Send to" in label for label in labels), labels
    assert "✖ Cancel" in labels


@pytest.mark.parametrize(("locale", "shown"), [("en", "1,234"), ("ru", "1\u00a0234")])
def test_counts_are_grouped_the_way_the_language_writes_them(locale: str, shown: str) -> None:
    i18n = build_i18n()
    with i18n.context(), i18n.use_locale(locale):
        assert grouped(1234) == shown
        assert grouped(7) == "7"


# ------------------------------------------------------------------ /unpublish and /content


async def test_unpublish_asks_with_the_learner_count_and_slugs_match_in_any_case(
    session: AsyncSession, boss: Chat
) -> None:
    [module] = await make_course(session, [2])
    await learners_in(session, module, 2)
    sent = await boss.send("/unpublish M1")
    assert "Unpublish the module «Module 1» (<code>m1</code>)?" in boss.texts(sent)[0]
    assert "2 learners have started it" in boss.texts(sent)[0]
    sent = await boss.press_button("Cancel")
    assert "Nothing was unpublished." in boss.texts(sent)[0]
    assert await published("m1", session) is True
    sent = await boss.send("/unpublish m1-L2")
    assert "0 learners have started it" in boss.texts(sent)[0]
    await boss.send("/unpublish m1")
    sent = await boss.press_button("Yes, unpublish")
    assert "Unpublished module m1." in boss.texts(sent)[0]
    assert await published("m1", session) is False
    assert "already unpublished" in boss.texts(await boss.send("/unpublish m1"))[0]
    assert "Published module m1." in boss.texts(await boss.send("/publish M1"))[0]
    assert "see /content" in boss.texts(await boss.send("/unpublish nope"))[0]


async def published(slug: str, session: AsyncSession) -> bool | None:
    session.expire_all()
    return await session.scalar(sa.select(Module.is_published).where(Module.slug == slug))


def test_unpublish_buttons_fit_telegrams_callback_data() -> None:
    data = UnpublishCb(lesson=True, item_id=2**31 - 1, confirmed=False).pack()
    assert len(data.encode()) < CALLBACK_DATA_LIMIT


async def test_content_lists_every_module_and_lesson_with_slug_state_and_learners(
    session: AsyncSession, boss: Chat
) -> None:
    modules = await make_course(session, [2, 1])
    await learners_in(session, modules[0], 3)
    hidden = await session.scalar(sa.select(Lesson).where(Lesson.slug == "m2-l1"))
    assert hidden is not None
    hidden.is_published = False
    await session.commit()
    [text] = boss.texts(await boss.send("/content"))
    assert "<b>✅ <code>m1</code> Module 1 · 👥 3</b>" in text
    assert "✅ <code>m1-l1</code> Lesson 1.1 · 👥 3" in text
    assert "✅ <code>m1-l2</code> Lesson 1.2 · 👥 0" in text
    assert "🙈 <code>m2-l1</code> Lesson 2.1 · 👥 0" in text
    assert text.index("m1-l2") < text.index("<code>m2</code>")


@pytest.fixture
def statements(session: AsyncSession) -> Iterator[list[str]]:
    """The SQL statements the session's engine runs while the test is in this fixture."""
    seen: list[str] = []
    engine = session.bind.sync_engine  # type: ignore[union-attr]

    def record(*args: Any) -> None:
        seen.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


async def test_a_long_content_list_is_two_queries_and_split_into_messages_that_fit(
    session: AsyncSession, boss: Chat, statements: list[str]
) -> None:
    await make_course(session, [12] * 12, questions=0)
    await session.commit()
    statements.clear()
    listed = await publishing.list_content(session)
    assert len(statements) == 2  # the courses, then their modules and lessons
    assert sum(len(module.lessons) for course in listed for module in course.modules) == 144
    sent = boss.texts(await boss.send("/content"))
    assert len(sent) > 1  # each within Telegram's limit (checked by Chat for every text)
    joined = "\n".join(sent)
    assert all(f"<code>m12-l{n}</code>" in joined for n in range(1, 13))


def test_content_is_on_the_admin_menu_and_in_the_command_list() -> None:
    from bot.telegram.commands import admin_commands
    from bot.telegram.views.admin import menu_text

    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("en"):
        assert "/content" in menu_text()
        assert "content" in [command.command for command in admin_commands()]


# ------------------------------------------------------------------ /user


async def test_the_role_buttons_follow_the_real_role(
    session: AsyncSession, boss: Chat, make_chat: MakeChat
) -> None:
    await make_user(session, 77, username="helper")
    await session.commit()
    sent = await boss.send(f"/user {ADMIN_ID}")
    assert "admin by ADMIN_IDS (cannot be demoted from the chat)" in boss.texts(sent)[0]
    assert [label for label, _ in boss.buttons()] == ["♻️ Reset progress", "🎓 Mentor of…"]

    sent = await boss.send("/user @Helper")
    assert "role: learner" in boss.texts(sent)[0]
    assert "⬆️ Promote to admin" in [label for label, _ in boss.buttons()]
    sent = await boss.press_button("Promote")
    assert "role: admin" in boss.texts(sent)[0]  # the profile shows the new role at once
    labels = [label for label, _ in boss.buttons()]
    assert "⬇️ Demote" in labels
    assert "⬆️ Promote to admin" not in labels
    helper = await session.scalar(
        sa.select(User.role).where(User.telegram_id == 77).execution_options(populate_existing=True)
    )
    assert helper is UserRole.ADMIN


async def test_the_reset_prompt_can_be_cancelled(session: AsyncSession, boss: Chat) -> None:
    [module] = await make_course(session, [1])
    [learner] = await learners_in(session, module, 1)
    await boss.send(f"/user {learner.telegram_id}")
    await boss.press_button("Reset")
    assert [label for label, _ in boss.buttons()] == ["Yes, erase their progress", "✖ Cancel"]
    sent = await boss.press_button("Cancel")
    assert "Nothing was erased." in boss.texts(sent)[0]
    assert await session.scalar(sa.select(sa.func.count()).select_from(UserProgress)) == 1


async def test_user_alone_says_what_it_expects(boss: Chat) -> None:
    [text] = boss.texts(await boss.send("/user"))
    assert "Telegram id, @username or name" in text
    assert "<code>/user @ada</code>" in text


async def test_user_finds_learners_by_name_and_lists_them_with_their_ids(
    session: AsyncSession, boss: Chat
) -> None:
    await make_user(session, 301, first_name="Ada", last_name="Lovelace", username="countess")
    await make_user(session, 302, first_name="<Adam & co>")
    await make_user(session, 303, first_name="Grace", last_name="Hopper")
    await make_user(session, 304, first_name="Linus", username="adaptive")
    await make_user(session, 305, first_name="100%_sure")
    await session.commit()
    [text] = boss.texts(await boss.send("/user ada"))
    lines = text.splitlines()
    assert lines[0] == "<b>Learners matching «ada»:</b>"
    assert "• Ada Lovelace @countess — <code>301</code>" in lines
    assert "• &lt;Adam &amp; co&gt; — <code>302</code>" in lines
    assert "• Linus @adaptive — <code>304</code>" in lines
    assert "Grace" not in text
    assert [label for label, _ in boss.buttons()] == ["<Adam & co>", "Ada Lovelace", "Linus"]
    [profile] = boss.texts(await boss.press_button("<Adam & co>"))
    assert "Telegram id: <code>302</code>" in profile
    # Every word counts, wherever it is; LIKE's wildcards are plain characters.
    [profile] = boss.texts(await boss.send("/user lovelace ADA"))
    assert "Telegram id: <code>301</code>" in profile  # one match: the profile at once
    [text] = boss.texts(await boss.send("/user %"))
    assert "<code>305</code>" in text
    assert "<code>301</code>" not in text
    [text] = boss.texts(await boss.send("/user Ada Turing"))
    assert text == "No learner «Ada Turing»."


async def test_user_lists_a_bounded_number_of_matches_in_one_query(
    session: AsyncSession, boss: Chat, statements: list[str]
) -> None:
    for n in range(3):
        await make_user(session, 400 + n, first_name=f"Sam {n}")
    await session.commit()
    await boss.send("/help")  # the admin's row is written at their first message
    statements.clear()
    await boss.send("/user sam")
    few = len(statements)
    for n in range(3, 40):
        await make_user(session, 400 + n, first_name=f"Sam {n:02d}")
    await session.commit()
    statements.clear()
    [text] = boss.texts(await boss.send("/user sam"))
    assert len(statements) == few
    assert text.count("• ") == admin_users.MATCHES_SHOWN
    assert "More learners match: type more of the name." in text
    assert len(boss.buttons()) == admin_users.MATCHES_SHOWN


async def test_the_demo_sample_learners_can_be_found_by_name(
    session: AsyncSession,
    boss: Chat,
    session_factory: async_sessionmaker[AsyncSession],
    clock: FixedClock,
) -> None:
    await make_course(session, [3], questions=1)
    await session.commit()
    await seed_sample_learners(session_factory, clock.now(), 77)
    [profile] = boss.texts(await boss.send("/user Ada"))
    assert "<b>👤 Ada (sample)</b>" in profile
    assert f"Telegram id: <code>{FIRST_SAMPLE_ID}</code>" in profile
    [text] = boss.texts(await boss.send("/user (sample)"))
    assert text.count("• ") == len(SAMPLES)
    assert f"• Grace (sample) — <code>{FIRST_SAMPLE_ID + 2}</code>" in text


async def test_help_tells_an_admin_about_the_admin_menu(
    session: AsyncSession, boss: Chat, make_chat: MakeChat
) -> None:
    [text] = boss.texts(await boss.send("/help"))
    assert "/learn" in text
    assert "🛠 You are an admin: /admin" in text
    learner = make_chat(user_id=55)
    [text] = learner.texts(await learner.send("/help"))
    assert "/admin" not in text


# ------------------------------------------------------------------ /audit


async def test_audit_shows_times_in_the_admins_zone_and_values_in_words(
    session: AsyncSession, boss: Chat, clock: FixedClock
) -> None:
    await boss.send("/help")  # the admin's row
    admin = await session.scalar(sa.select(User).where(User.telegram_id == ADMIN_ID))
    assert admin is not None
    admin.time_zone = "Europe/Berlin"
    now = clock.now()  # 12:00 UTC, 13:00 in Berlin
    await audit.record(session, admin, "broadcast.created", now, photo=False)
    await audit.record(session, admin, "broadcast.sent", now, audience={}, total=1234)
    await audit.record(session, admin, "broadcast.sent", now, audience={"language": "ru"})
    await audit.record(session, admin, "learner.reset", now, telegram_id=77, note=None)
    await session.commit()
    [text] = boss.texts(await boss.send("/audit"))
    lines = text.splitlines()
    assert lines[0] == "<b>🧾 Latest admin actions</b> · times in Europe/Berlin"
    assert lines[1:] == [
        "2026-11-25 13:00 · Boss · <b>learner.reset</b> · telegram id: 77, note: —",
        "2026-11-25 13:00 · Boss · <b>broadcast.sent</b> · audience: Russian speakers",
        "2026-11-25 13:00 · Boss · <b>broadcast.sent</b> · audience: All learners, total: 1234",
        "2026-11-25 13:00 · Boss · <b>broadcast.created</b> · photo: no",
    ]


async def test_last_seen_is_the_latest_activity_not_the_last_refresh(
    session: AsyncSession, boss: Chat, make_chat: MakeChat, clock: FixedClock
) -> None:
    await make_course(session, [2])
    await session.commit()
    learner = make_chat(user_id=55)
    await onboard(learner)  # last_seen_at is written now…
    clock.advance(minutes=12)  # …and not again within half an hour
    await learner.send("/learn")  # opens a lesson
    user = await session.scalar(sa.select(User).where(User.telegram_id == 55))
    assert user is not None
    assert user.last_seen_at == clock.now() - timedelta(minutes=12)
    [profile] = boss.texts(await boss.send("/user 55"))
    assert f"Last seen: {clock.now():%Y-%m-%d %H:%M} UTC" in profile


async def test_unpublishing_a_whole_course_names_its_learners_and_keeps_their_progress(
    session: AsyncSession, boss: Chat, make_chat: MakeChat
) -> None:
    [module] = await make_course(session, [2], slug="git", title="Git")
    await make_course(session, [1], slug="goals", title="Goals")
    await session.commit()
    learner = make_chat(user_id=4242)
    await learner.send("/start")
    await learner.press_button("Berlin")
    await learner.press_button("09:00")
    await learner.press(CourseCb(action=CourseAction.START, course_id=module.course_id).pack())
    await learner.press_button("Start")  # the first lesson: progress
    listing = "\n".join(boss.texts(await boss.send("/content")))
    assert "📘 <b>✅ <code>git</code> Git · 👥 1</b>" in listing
    sent = await boss.send("/unpublish git")
    question = boss.texts(sent)[0]
    assert "Unpublish the whole course «Git» (<code>git</code>)? 1 learner has started it." in (
        question
    )
    sent = await boss.press_button("Yes, unpublish")
    assert "Unpublished course git." in boss.texts(sent)[0]
    sent = await learner.send("/learn")
    assert "Your course «Git» is not available at the moment" in learner.texts(sent)[0]
    assert await session.scalar(sa.select(sa.func.count()).select_from(UserProgress)) == 1
    assert "Published course git." in boss.texts(await boss.send("/publish git"))[0]
    sent = await learner.send("/learn")
    assert "Git Lesson 1.1" in learner.texts(sent)[0]
