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
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules import audit
from bot.rules.admin import publishing
from bot.rules.admin.publishing import ContentItem, ContentKind, ListedModule
from bot.rules.clock import Clock
from bot.rules.course import CourseCache
from bot.rules.formats.html_split import split_html
from bot.telegram.callbacks import ImportCb, UnpublishCb
from bot.telegram.reply import show
from db.models import User

if TYPE_CHECKING:
    from bot.rules.content import Problem

MAX_PROBLEMS_SHOWN = 20
MAX_CHANGES_SHOWN = 30


def router() -> Router:
    router = Router(name="admin-content")
    router.message.register(course_uploaded, F.document)
    router.callback_query.register(import_decided, ImportCb.filter())
    router.message.register(list_content, Command("content"))
    router.message.register(publish, Command("publish"))
    router.message.register(ask_unpublish, Command("unpublish"))
    router.callback_query.register(unpublish_decided, UnpublishCb.filter())
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


async def reply_problems(message: Message, problems: list[Problem]) -> None:
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
    from bot.rules import content
    from bot.rules.content.upload import UploadRefused, load_uploaded_course

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


async def item_named(
    message: Message, command: CommandObject, session: AsyncSession
) -> ContentItem | None:
    """The module or lesson the command names; otherwise say what it takes, and None."""
    slug = (command.args or "").strip()
    if not slug:
        await message.answer(
            _("Usage: /{command} &lt;module or lesson slug&gt; (see /content)").format(
                command=command.command
            )
        )
        return None
    found = await publishing.find_item(session, slug)
    if found is None:
        await message.answer(
            _("No module or lesson with the slug {slug}: see /content.").format(slug=escape(slug))
        )
    return found


def kind_name(kind: ContentKind) -> str:
    return _("module") if kind is ContentKind.MODULE else _("lesson")


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
    await message.answer(
        _("Published {kind} {slug}.").format(kind=kind_name(found.kind), slug=escape(found.slug))
    )


async def ask_unpublish(message: Message, command: CommandObject, session: AsyncSession) -> None:
    """Hiding content takes a confirmation that says whom it hides it from."""
    found = await item_named(message, command, session)
    if found is None:
        return
    if not found.is_published:
        await message.answer(
            _("The {kind} {slug} is already unpublished.").format(
                kind=kind_name(found.kind), slug=escape(found.slug)
            )
        )
        return
    await message.answer(unpublish_question(found), reply_markup=unpublish_keyboard(found))


def unpublish_question(found: ContentItem) -> str:
    return ngettext(
        "Unpublish the {kind} «{title}» ({slug})? {count} learner has started it and will "
        "no longer see it; their progress is kept.",
        "Unpublish the {kind} «{title}» ({slug})? {count} learners have started it and will "
        "no longer see it; their progress is kept.",
        found.learners,
    ).format(
        kind=kind_name(found.kind),
        title=escape(found.title),
        slug=f"<code>{escape(found.slug)}</code>",
        count=found.learners,
    )


def unpublish_keyboard(found: ContentItem) -> InlineKeyboardMarkup:
    lesson = found.kind is ContentKind.LESSON
    builder = InlineKeyboardBuilder()
    builder.button(
        text=_("🙈 Yes, unpublish"),
        callback_data=UnpublishCb(lesson=lesson, item_id=found.id, confirmed=True),
    )
    builder.button(
        text=_("✖ Cancel"),
        callback_data=UnpublishCb(lesson=lesson, item_id=found.id, confirmed=False),
    )
    return builder.as_markup()


async def unpublish_decided(
    callback: CallbackQuery,
    callback_data: UnpublishCb,
    session: AsyncSession,
    admin: User,
    now: datetime,
    course_cache: CourseCache,
) -> None:
    await callback.answer()
    if not callback_data.confirmed:
        await show(callback, _("Nothing was unpublished."))
        return
    kind = ContentKind.LESSON if callback_data.lesson else ContentKind.MODULE
    changed = await publishing.set_published(
        session, admin, kind, callback_data.item_id, False, now
    )
    if changed is None:
        await show(callback, _("That module or lesson no longer exists: see /content."))
        return
    course_cache.invalidate()
    await show(
        callback,
        _("Unpublished {kind} {slug}.").format(kind=kind_name(kind), slug=escape(changed.slug)),
    )


async def list_content(message: Message, session: AsyncSession) -> None:
    listed = await publishing.list_content(session)
    if not listed:
        await message.answer(_("There is no content yet: send a course .zip to import one."))
        return
    for chunk in split_html(content_text(listed)):
        await message.answer(chunk)


def content_text(listed: list[ListedModule]) -> str:
    lines = [
        _("<b>📚 Content</b>"),
        _("✅ published · 🙈 unpublished · 👥 learners who started it"),
    ]
    for module in listed:
        lines += ["", "<b>" + content_line(module.item) + "</b>"]
        lines += ["    " + content_line(lesson) for lesson in module.lessons]
    lines += ["", _("/publish &lt;slug&gt; or /unpublish &lt;slug&gt; to change one.")]
    return "\n".join(lines)


def content_line(item: ContentItem) -> str:
    state = "✅" if item.is_published else "🙈"
    return f"{state} <code>{escape(item.slug)}</code> {escape(item.title)} · 👥 {item.learners}"
