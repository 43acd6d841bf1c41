"""Content from the chat: upload a course .zip (validate, preview, confirm), and
/publish or /unpublish a module or lesson by slug."""

from __future__ import annotations

import io
from datetime import datetime
from html import escape

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import audit, content, publishing
from bot.rules.clock import Clock
from bot.rules.content.upload import MAX_UPLOAD_BYTES, UploadRefused, load_uploaded_course
from bot.rules.course import CourseCache
from bot.rules.telegram_html import split_html
from bot.telegram.callbacks import ImportCb
from db.models import User

MAX_PROBLEMS_SHOWN = 20
MAX_CHANGES_SHOWN = 30


def router() -> Router:
    router = Router(name="admin-content")
    router.message.register(course_uploaded, F.document)
    router.callback_query.register(import_decided, ImportCb.filter())
    router.message.register(publish, Command("publish", "unpublish"))
    return router


async def download(bot: Bot, file_id: str) -> bytes:
    buffer = io.BytesIO()
    await bot.download(file_id, destination=buffer)
    return buffer.getvalue()


async def course_uploaded(
    message: Message, bot: Bot, session: AsyncSession, state: FSMContext
) -> None:
    document = message.document
    assert document is not None
    if document.file_size and document.file_size > MAX_UPLOAD_BYTES:
        await message.answer(
            _("That file is too large: a course archive may be up to {mb} MB.").format(
                mb=MAX_UPLOAD_BYTES // 2**20
            )
        )
        return
    if not (document.file_name or "").lower().endswith(".zip"):
        await message.answer(_("Send the course as a .zip of its folder (course.yaml inside)."))
        return
    try:
        course = load_uploaded_course(await download(bot, document.file_id))
    except UploadRefused as exc:
        await message.answer(_("I can't import that: {reason}.").format(reason=escape(str(exc))))
        return
    except content.CourseInvalid as exc:
        await reply_problems(message, exc.problems)
        return
    plan = await content.plan_import(session, course)
    if plan.is_empty:
        await message.answer(_("This course is already up to date: nothing would change."))
        return
    await state.update_data(course_file_id=document.file_id)
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Import"), callback_data=ImportCb(apply=True))
    builder.button(text=_("✖ Cancel"), callback_data=ImportCb(apply=False))
    lines = plan.lines()
    shown = "\n".join(escape(line) for line in lines[:MAX_CHANGES_SHOWN])
    more = len(lines) - MAX_CHANGES_SHOWN
    text = _("<b>{title}</b>: these changes would be made.").format(title=escape(course.title))
    text += f"\n<pre>{shown}</pre>"
    if more > 0:
        text += "\n" + _("…and {count} more.").format(count=more)
    text += "\n" + _("Learners affected: {count}").format(count=plan.learners_affected)
    chunks = split_html(text)
    for chunk in chunks[:-1]:
        await message.answer(chunk)
    await message.answer(chunks[-1], reply_markup=builder.as_markup())


async def reply_problems(message: Message, problems: list[content.Problem]) -> None:
    lines = [escape(str(problem)) for problem in problems[:MAX_PROBLEMS_SHOWN]]
    text = _("❌ The course has {count} problem(s); nothing was changed:").format(
        count=len(problems)
    )
    text += "\n<pre>" + "\n".join(lines) + "</pre>"
    for chunk in split_html(text):
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
    file_id = (await state.get_data()).get("course_file_id")
    await state.update_data(course_file_id=None)
    if not callback_data.apply or not file_id:
        await callback.answer(
            _("Nothing imported.") if file_id else _("This preview has expired."), show_alert=True
        )
        return
    try:
        course = load_uploaded_course(await download(bot, file_id))
    except (UploadRefused, content.CourseInvalid):
        await callback.answer(_("The file changed or expired; send it again."), show_alert=True)
        return
    plan = await content.apply_import(session, course, clock)
    await audit.record(
        session,
        admin,
        "content.imported",
        now,
        title=course.title,
        summary=plan.summary(),
    )
    course_cache.invalidate()
    await callback.answer(_("Imported."), show_alert=True)
    await bot.send_message(callback.from_user.id, escape(plan.summary()))


async def publish(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    admin: User,
    now: datetime,
    course_cache: CourseCache,
) -> None:
    published = command.command == "publish"
    slug = (command.args or "").strip()
    if not slug:
        await message.answer(
            _("Usage: /{command} &lt;module or lesson slug&gt;").format(command=command.command)
        )
        return
    kind = await publishing.set_published(session, admin, slug, published, now)
    if kind is None:
        await message.answer(
            _("No module or lesson with the slug {slug}.").format(slug=escape(slug))
        )
        return
    course_cache.invalidate()
    what = _("module") if kind == "module" else _("lesson")
    text = _("Published {kind} {slug}.") if published else _("Unpublished {kind} {slug}.")
    await message.answer(text.format(kind=what, slug=escape(slug)))
