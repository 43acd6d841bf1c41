"""Content from the chat: upload a course .zip (validate, preview, confirm), /content
(every module and lesson with its slug, state and learners), /publish a module or lesson
by slug, and /unpublish it after a confirmation that says how many learners it hides it
from.

The course loader (YAML, the zip unpacking) is imported when a course is uploaded: a bot
process that never receives one does not keep it in memory.
"""

from __future__ import annotations

import io
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import audit
from bot.rules.admin import publishing
from bot.rules.admin.publishing import ContentItem, ContentKind
from bot.rules.clock import Clock
from bot.rules.course import CourseCache
from bot.rules.formats.html_split import split_html
from bot.telegram.callbacks import ImportCb, UnpublishCb, UnpublishCourseCb
from bot.telegram.reply import show
from bot.telegram.views import content as view
from db.models import User

if TYPE_CHECKING:
    from bot.rules.content import Problem


def router() -> Router:
    router = Router(name="admin-content")
    router.message.register(course_uploaded, F.document)
    router.callback_query.register(import_decided, ImportCb.filter())
    router.message.register(list_content, Command("content"))
    router.message.register(publish, Command("publish"))
    router.message.register(ask_unpublish, Command("unpublish"))
    router.callback_query.register(unpublish_decided, UnpublishCb.filter())
    router.callback_query.register(unpublish_decided, UnpublishCourseCb.filter())
    return router


async def download(bot: Bot, file_id: str) -> bytes:
    buffer = io.BytesIO()
    await bot.download(file_id, destination=buffer)
    return buffer.getvalue()


async def course_uploaded(
    message: Message, bot: Bot, session: AsyncSession, state: FSMContext
) -> None:
    from bot.rules import content
    from bot.rules.content.upload import MAX_UPLOAD_BYTES, UploadRefused, load_uploaded_course

    document = message.document
    assert document is not None
    if document.file_size and document.file_size > MAX_UPLOAD_BYTES:
        await message.answer(view.too_large(MAX_UPLOAD_BYTES))
        return
    if not (document.file_name or "").lower().endswith(".zip"):
        await message.answer(view.not_a_zip())
        return
    try:
        course = load_uploaded_course(await download(bot, document.file_id))
        plan = await content.plan_import(session, course)  # the database may refuse it too
    except UploadRefused as exc:
        await message.answer(view.refused(str(exc)))
        return
    except content.CourseInvalid as exc:
        await reply_problems(message, exc.problems)
        return
    if plan.is_empty:
        await message.answer(view.up_to_date())
        return
    await state.update_data(course_file_id=document.file_id)
    chunks = split_html(view.preview_text(course, plan))
    for chunk in chunks[:-1]:
        await message.answer(chunk)
    await message.answer(chunks[-1], reply_markup=view.import_keyboard())


async def reply_problems(message: Message, problems: list[Problem]) -> None:
    for chunk in split_html(view.problems_text(problems)):
        await message.answer(chunk)


async def import_decided(
    callback: CallbackQuery,
    callback_data: ImportCb,
    bot: Bot,
    session: AsyncSession,
    state: FSMContext,
    admin: User,
    now: datetime,
    clock: Clock,
    course_cache: CourseCache,
) -> None:
    from bot.rules import content
    from bot.rules.content.upload import UploadRefused, load_uploaded_course

    file_id = (await state.get_data()).get("course_file_id")
    await state.update_data(course_file_id=None)
    if not callback_data.apply or not file_id:
        await callback.answer(view.not_imported(expired=not file_id), show_alert=True)
        return
    try:
        course = load_uploaded_course(await download(bot, file_id))
        # The course its course.yaml names is updated (or added); nothing when refused.
        plan = await content.apply_import(session, course, clock)
    except (UploadRefused, content.CourseInvalid):
        await callback.answer(view.file_gone(), show_alert=True)
        return
    await audit.record(
        session,
        admin,
        "content.imported",
        now,
        title=course.title,
        summary=plan.summary(),
    )
    course_cache.invalidate()
    await callback.answer(view.imported(), show_alert=True)
    await bot.send_message(callback.from_user.id, escape(plan.summary()))


async def item_named(
    message: Message, command: CommandObject, session: AsyncSession
) -> ContentItem | None:
    """The module or lesson the command names; otherwise say what it takes, and None."""
    slug = (command.args or "").strip()
    if not slug:
        await message.answer(view.slug_usage(command.command))
        return None
    found = await publishing.find_item(session, slug)
    if found is None:
        await message.answer(view.no_such_slug(slug))
    return found


async def publish(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    admin: User,
    now: datetime,
    course_cache: CourseCache,
) -> None:
    found = await item_named(message, command, session)
    if found is None:
        return
    await publishing.set_published(session, admin, found.kind, found.id, True, now)
    course_cache.invalidate()
    await message.answer(view.published(found.kind, found.slug))


async def ask_unpublish(message: Message, command: CommandObject, session: AsyncSession) -> None:
    """Hiding content takes a confirmation that says whom it hides it from."""
    found = await item_named(message, command, session)
    if found is None:
        return
    if not found.is_published:
        await message.answer(view.already_unpublished(found.kind, found.slug))
        return
    await message.answer(
        view.unpublish_question(found), reply_markup=view.unpublish_keyboard(found)
    )


async def unpublish_decided(
    callback: CallbackQuery,
    callback_data: UnpublishCb | UnpublishCourseCb,
    session: AsyncSession,
    admin: User,
    now: datetime,
    course_cache: CourseCache,
) -> None:
    await callback.answer()
    if not callback_data.confirmed:
        await show(callback, view.nothing_unpublished())
        return
    match callback_data:
        case UnpublishCourseCb():
            kind, item_id = ContentKind.COURSE, callback_data.course_id
        case UnpublishCb():
            kind = ContentKind.LESSON if callback_data.lesson else ContentKind.MODULE
            item_id = callback_data.item_id
    changed = await publishing.set_published(session, admin, kind, item_id, False, now)
    if changed is None:
        await show(callback, view.item_gone())
        return
    course_cache.invalidate()
    await show(callback, view.unpublished(kind, changed.slug))


async def list_content(message: Message, session: AsyncSession) -> None:
    listed = await publishing.list_content(session)
    if not listed:
        await message.answer(view.no_content())
        return
    for chunk in split_html(view.content_text(listed)):
        await message.answer(chunk)
