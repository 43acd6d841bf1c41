"""Admins in the chat: who may do what, /user, roles, content, publishing, the audit."""

from __future__ import annotations

import enum
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiogram import Bot, Dispatcher, Router
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData, CallbackQueryFilter
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import Document
from aiogram.types import User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.entry.app import build_dispatcher
from bot.entry.offline import OfflineSession
from bot.rules.clock import FixedClock
from bot.rules.course import CourseCache
from bot.telegram.handlers import admin
from bot.telegram.views import common
from db.enums import ActivityType, ProgressStatus
from db.models import ActivityLog, Course, Lesson, User, UserProgress
from tests.support.chat import Chat
from tests.support.factories import make_course

ADMIN_ID = 9001
BUNDLED = Path(__file__).resolve().parents[2] / "content" / "git-essentials"


@pytest.fixture
def admin_dispatcher(
    session_factory: async_sessionmaker[AsyncSession], clock: FixedClock
) -> Dispatcher:
    return build_dispatcher(
        session_factory, clock, course_cache=CourseCache(ttl=0), admin_ids={ADMIN_ID}
    )


@pytest.fixture
def chat_as(
    admin_dispatcher: Dispatcher, bot: Bot, offline_session: OfflineSession
) -> Callable[[int], Chat]:
    def make(user_id: int, first_name: str = "Ada") -> Chat:
        user = TgUser(id=user_id, is_bot=False, first_name=first_name, language_code="en",
                      username=f"user{user_id}")  # fmt: skip
        return Chat(admin_dispatcher, bot, offline_session, user)

    return make


# ------------------------------------------------------------------ authorization


def admin_handlers() -> list[tuple[str, HandlerObject]]:
    """Every handler of the admin router and its sub-routers, by event type."""
    found = []
    routers: list[Router] = [admin.router()]
    while routers:
        router = routers.pop()
        routers.extend(router.sub_routers)
        for name in ("message", "callback_query"):
            found.extend((name, handler) for handler in router.observers[name].handlers)
    return found


def sample_callback(cls: type[CallbackData]) -> str:
    values: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            values[name] = next(iter(kind))
        else:
            values[name] = 1 if kind is int else True if kind is bool else "stats"
    return cls(**values).pack()


def triggers() -> list[tuple[str, str]]:
    """(kind, payload) that would reach each admin handler."""
    out: list[tuple[str, str]] = []
    for event, handler in admin_handlers():
        for flt in handler.filters or []:
            if isinstance(flt.callback, Command):
                out += [("command", f"/{c} x") for c in flt.callback.commands]  # type: ignore[str-bytes-safe]
            if isinstance(flt.callback, CallbackQueryFilter):
                out.append(("callback", sample_callback(flt.callback.callback_data)))
        if event == "message" and not any(
            isinstance(f.callback, Command) for f in handler.filters or []
        ):
            out.append(("document", "course.zip"))
    return sorted(set(out))


def test_every_admin_handler_is_enumerated() -> None:
    kinds = {kind for kind, _ in triggers()}
    assert kinds == {"command", "callback", "document"}
    commands = {payload.split()[0] for kind, payload in triggers() if kind == "command"}
    assert {"/admin", "/user", "/audit", "/publish", "/unpublish"} <= commands


async def send_document(chat: Chat, offline: OfflineSession, data: bytes, name: str) -> list[Any]:
    file_id = f"file-{len(offline.files)}"
    offline.files[file_id] = data
    document = Document(file_id=file_id, file_unique_id=file_id, file_name=name,
                        file_size=len(data))  # fmt: skip
    return await chat.send_message(document=document)


async def test_a_non_admin_gets_exactly_what_an_unknown_command_gets(
    session: AsyncSession, chat_as: Callable[[int], Chat], offline_session: OfflineSession
) -> None:
    chat = chat_as(42)
    unknown = chat.texts(await chat.send("/frobnicate"))
    for kind, payload in triggers():
        if kind == "command":
            sent = await chat.send(payload)
            assert chat.texts(sent) == unknown, payload
        elif kind == "callback":
            sent = await chat.press(payload)
            answers = [m for m in sent if isinstance(m, AnswerCallbackQuery)]
            assert [a.text for a in answers] == [texts_stale()], payload
            assert not [m for m in sent if isinstance(m, SendMessage)]
        else:
            sent = await send_document(chat, offline_session, b"PK", payload)
            assert chat.texts(sent) == unknown


def texts_stale() -> str:
    from bot.entry.app import build_i18n

    i18n = build_i18n()
    with i18n.context(), i18n.use_locale("en"):
        return common.stale_button()


async def test_admin_ids_and_promoted_admins_are_let_in_and_a_demoted_one_is_refused_at_once(
    session: AsyncSession, chat_as: Callable[[int], Chat]
) -> None:
    boss = chat_as(ADMIN_ID)
    assert "Admin" in boss.texts(await boss.send("/admin"))[0]
    helper = chat_as(77)
    await helper.send("/start")
    assert "Admin" not in helper.texts(await helper.send("/admin"))[0]
    await boss.send("/user 77")
    await boss.press_button("Promote")
    assert "Admin" in helper.texts(await helper.send("/admin"))[0]
    await boss.send("/user @user77")
    await boss.press_button("Demote")
    assert "Admin" not in helper.texts(await helper.send("/admin"))[0]
    actions = (await session.scalars(
        sa.select(ActivityLog.details).where(ActivityLog.activity_type == ActivityType.ADMIN_ACTION)
    )).all()  # fmt: skip
    assert any("role.promote" in (a or "") for a in actions)
    assert any("role.demote" in (a or "") for a in actions)


# ------------------------------------------------------------------ /user


async def test_user_profile_and_a_confirmed_reset(
    session: AsyncSession, chat_as: Callable[[int], Chat]
) -> None:
    modules = await make_course(session, [2])
    await session.commit()
    learner = chat_as(55, first_name="<Zoë & co>")
    await learner.send("/start")
    user = await session.scalar(sa.select(User).where(User.telegram_id == 55))
    assert user is not None
    session.add(UserProgress(user_id=user.id, lesson_id=modules[0].lessons[0].id,
                             status=ProgressStatus.COMPLETED))  # fmt: skip
    await session.commit()
    boss = chat_as(ADMIN_ID)
    sent = await boss.send("/user 55")
    profile = boss.texts(sent)[0]
    assert "&lt;Zoë &amp; co&gt;" in profile
    assert "1/2" in profile
    sent = await boss.press_button("Reset")
    assert "cannot be undone" in boss.texts(sent)[0]
    await boss.press_button("Yes, erase")
    left = await session.scalar(sa.select(sa.func.count()).select_from(UserProgress))
    assert left == 0
    assert "No learner" in boss.texts(await boss.send("/user @nobody"))[0]


# ------------------------------------------------------------------ content


def zipped(folder: Path, edit: Callable[[str, str], str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                name = str(path.relative_to(folder.parent))
                archive.writestr(name, edit(name, text) if edit else text)
    return buffer.getvalue()


async def test_content_upload_previews_then_imports_and_keeps_progress(
    session: AsyncSession, chat_as: Callable[[int], Chat], offline_session: OfflineSession
) -> None:
    boss = chat_as(ADMIN_ID)
    await boss.send("/start")
    sent = await send_document(boss, offline_session, zipped(BUNDLED), "course.zip")
    assert "would be made" in boss.texts(sent)[-1]
    sent = await boss.press_button("Import")
    assert await session.scalar(sa.select(sa.func.count()).select_from(Lesson)) == 17
    first = await session.scalar(sa.select(Lesson).where(Lesson.slug == "what-is-git"))
    user = await session.scalar(sa.select(User).where(User.telegram_id == ADMIN_ID))
    assert first is not None
    assert user is not None
    session.add(UserProgress(user_id=user.id, lesson_id=first.id, status=ProgressStatus.COMPLETED))
    await session.commit()
    edited = zipped(BUNDLED, lambda name, text: text.replace(
        "title: What Git is and why you want it", "title: What Git is"))  # fmt: skip
    sent = await send_document(boss, offline_session, edited, "course.zip")
    assert "what-is-git" in boss.texts(sent)[-1]
    assert "Learners affected: 1" in boss.texts(sent)[-1]
    await boss.press_button("Import")
    lesson = await session.scalar(
        sa.select(Lesson)
        .where(Lesson.slug == "what-is-git")
        .execution_options(populate_existing=True)
    )
    assert lesson is not None
    assert lesson.title == "What Git is"
    assert await session.scalar(sa.select(sa.func.count()).select_from(UserProgress)) == 1


async def test_a_broken_course_is_refused_with_file_line_and_reason(
    session: AsyncSession, chat_as: Callable[[int], Chat], offline_session: OfflineSession
) -> None:
    boss = chat_as(ADMIN_ID)
    await boss.send("/start")
    broken = zipped(BUNDLED, lambda name, text: text.replace("correct: 2", "correct: 9", 1)
                    if name.endswith("01-what-is-git.md") else text)  # fmt: skip
    sent = await send_document(boss, offline_session, broken, "course.zip")
    text = boss.texts(sent)[0]
    assert "nothing was changed" in text
    assert "01-first-steps/01-what-is-git.md:" in text
    assert await session.scalar(sa.select(sa.func.count()).select_from(Lesson)) == 0


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b"hello", "notes.txt", ".zip"),
        (b"not a zip at all", "course.zip", "not a .zip"),
        (b"x" * (5 * 2**20 + 1), "big.zip", "too large"),
    ],
)
async def test_documents_that_are_not_courses_are_refused_politely(
    session: AsyncSession, chat_as: Callable[[int], Chat], offline_session: OfflineSession,
    data: bytes, name: str, says: str,
) -> None:  # fmt: skip
    boss = chat_as(ADMIN_ID)
    sent = await send_document(boss, offline_session, data, name)
    assert says in boss.texts(sent)[0]


async def test_a_zip_slip_is_refused(
    session: AsyncSession, chat_as: Callable[[int], Chat], offline_session: OfflineSession
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.md", "x")
    boss = chat_as(ADMIN_ID)
    sent = await send_document(boss, offline_session, buffer.getvalue(), "course.zip")
    assert "unsafe path" in boss.texts(sent)[0]


async def test_publish_and_unpublish_by_slug_are_audited(
    session: AsyncSession, chat_as: Callable[[int], Chat]
) -> None:
    await make_course(session, [2])
    await session.commit()
    boss = chat_as(ADMIN_ID)
    await boss.send("/unpublish m1-l2")
    assert "Unpublished lesson m1-l2" in boss.texts(await boss.press_button("Yes, unpublish"))[0]
    assert "Published module m1" in boss.texts(await boss.send("/publish m1"))[0]
    assert "No module or lesson" in boss.texts(await boss.send("/publish nope"))[0]
    lesson = await session.scalar(
        sa.select(Lesson).where(Lesson.slug == "m1-l2").execution_options(populate_existing=True)
    )
    assert lesson is not None
    assert lesson.is_published is False
    audit_text = boss.texts(await boss.send("/audit"))[0]
    assert "content.unpublish" in audit_text


async def test_an_upload_updates_the_course_it_names_and_leaves_the_others_alone(
    session: AsyncSession, chat_as: Callable[[int], Chat], offline_session: OfflineSession
) -> None:
    boss = chat_as(ADMIN_ID)
    await boss.send("/start")
    await send_document(boss, offline_session, zipped(BUNDLED), "course.zip")
    await boss.press_button("Import")
    second = BUNDLED.parent / "github-collaboration"
    sent = await send_document(boss, offline_session, zipped(second), "github.zip")
    assert (
        "+ course github-collaboration" in "\n".join(boss.texts(sent))
        or "would be made" in (boss.texts(sent)[-1])
    )
    await boss.press_button("Import")
    courses = (await session.execute(sa.select(Course.slug).order_by(Course.order))).all()
    assert [slug for (slug,) in courses] == ["git-essentials", "github-collaboration"]
    edited = zipped(second, lambda name, text: text.replace(
        "title: Collaborating on GitHub", "title: GitHub together"))  # fmt: skip
    sent = await send_document(boss, offline_session, edited, "github.zip")
    await boss.press_button("Import")
    titles = (
        await session.execute(
            sa.select(Course.slug, Course.title)
            .order_by(Course.order)
            .execution_options(populate_existing=True)
        )
    ).all()
    assert [tuple(row) for row in titles] == [
        ("git-essentials", "Git essentials"),
        ("github-collaboration", "GitHub together"),
    ]
    # A course whose requirement the database lacks is refused with file and line.
    lone = zipped(second, lambda name, text: text.replace("[git-essentials]", "[nope]"))
    sent = await send_document(boss, offline_session, lone, "github.zip")
    assert "course.yaml:3" in "\n".join(boss.texts(sent))
