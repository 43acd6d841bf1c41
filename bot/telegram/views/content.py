"""Content from the chat: a course upload's preview and outcome, /content, /publish and
/unpublish: texts and keyboards."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.rules.admin.publishing import ContentItem, ContentKind, ListedCourse
from bot.telegram.callbacks import ImportCb, UnpublishCb, UnpublishCourseCb

if TYPE_CHECKING:
    from bot.rules.content import Course, ImportPlan, Problem

MAX_PROBLEMS_SHOWN = 20
MAX_CHANGES_SHOWN = 30


def too_large(max_bytes: int) -> str:
    return _("That file is too large: a course archive may be up to {mb} MB.").format(
        mb=max_bytes // 2**20
    )


def not_a_zip() -> str:
    return _("Send the course as a .zip of its folder (course.yaml inside).")


def refused(reason: str) -> str:
    return _("I can't import that: {reason}.").format(reason=escape(reason))


def up_to_date() -> str:
    return _("This course is already up to date: nothing would change.")


def preview_text(course: Course, plan: ImportPlan) -> str:
    lines = plan.lines()
    shown = "\n".join(escape(line) for line in lines[:MAX_CHANGES_SHOWN])
    more = len(lines) - MAX_CHANGES_SHOWN
    text = _("<b>{title}</b>: these changes would be made.").format(title=escape(course.title))
    text += f"\n<pre>{shown}</pre>"
    if more > 0:
        text += "\n" + _("…and {count} more.").format(count=more)
    return text + "\n" + _("Learners affected: {count}").format(count=plan.learners_affected)


def import_keyboard() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=_("✅ Import"), callback_data=ImportCb(apply=True))
    builder.button(text=_("✖ Cancel"), callback_data=ImportCb(apply=False))
    return builder.as_markup()


def problems_text(problems: list[Problem]) -> str:
    lines = [escape(str(problem)) for problem in problems[:MAX_PROBLEMS_SHOWN]]
    text = _("❌ The course has {count} problem(s); nothing was changed:").format(
        count=len(problems)
    )
    return text + "\n<pre>" + "\n".join(lines) + "</pre>"


def not_imported(expired: bool) -> str:
    return _("This preview has expired.") if expired else _("Nothing imported.")


def file_gone() -> str:
    return _("The file changed or expired; send it again.")


def imported() -> str:
    return _("Imported.")


def slug_usage(command: str) -> str:
    return _("Usage: /{command} &lt;module or lesson slug&gt; (see /content)").format(
        command=command
    )


def no_such_slug(slug: str) -> str:
    return _("No module or lesson with the slug {slug}: see /content.").format(slug=escape(slug))


def kind_name(kind: ContentKind) -> str:
    match kind:
        case ContentKind.COURSE:
            return _("course")
        case ContentKind.MODULE:
            return _("module")
        case ContentKind.LESSON:
            return _("lesson")


def published(kind: ContentKind, slug: str) -> str:
    return _("Published {kind} {slug}.").format(kind=kind_name(kind), slug=escape(slug))


def already_unpublished(kind: ContentKind, slug: str) -> str:
    return _("The {kind} {slug} is already unpublished.").format(
        kind=kind_name(kind), slug=escape(slug)
    )


def unpublish_question(found: ContentItem) -> str:
    if found.kind is ContentKind.COURSE:
        return ngettext(
            "Unpublish the whole course «{title}» ({slug})? {count} learner has started it. "
            "Their progress is kept; /courses shows the course as unavailable and /learn "
            "offers them another.",
            "Unpublish the whole course «{title}» ({slug})? {count} learners have started it. "
            "Their progress is kept; /courses shows the course as unavailable and /learn "
            "offers them another.",
            found.learners,
        ).format(
            title=escape(found.title),
            slug=f"<code>{escape(found.slug)}</code>",
            count=found.learners,
        )
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
    builder = InlineKeyboardBuilder()
    for text, confirmed in ((_("🙈 Yes, unpublish"), True), (_("✖ Cancel"), False)):
        data: UnpublishCb | UnpublishCourseCb = (
            UnpublishCourseCb(course_id=found.id, confirmed=confirmed)
            if found.kind is ContentKind.COURSE
            else UnpublishCb(
                lesson=found.kind is ContentKind.LESSON, item_id=found.id, confirmed=confirmed
            )
        )
        builder.button(text=text, callback_data=data)
    return builder.as_markup()


def nothing_unpublished() -> str:
    return _("Nothing was unpublished.")


def item_gone() -> str:
    return _("That module or lesson no longer exists: see /content.")


def unpublished(kind: ContentKind, slug: str) -> str:
    return _("Unpublished {kind} {slug}.").format(kind=kind_name(kind), slug=escape(slug))


def no_content() -> str:
    return _("There is no content yet: send a course .zip to import one.")


def content_text(listed: list[ListedCourse]) -> str:
    lines = [
        _("<b>📚 Content</b>"),
        _("✅ published · 🙈 unpublished · 👥 learners who started it"),
    ]
    for course in listed:
        lines += ["", "📘 <b>" + content_line(course.item) + "</b>"]
        for module in course.modules:
            lines += ["<b>" + content_line(module.item) + "</b>"]
            lines += ["    " + content_line(lesson) for lesson in module.lessons]
    lines += ["", _("/publish &lt;slug&gt; or /unpublish &lt;slug&gt; to change one.")]
    return "\n".join(lines)


def content_line(item: ContentItem) -> str:
    state = "✅" if item.is_published else "🙈"
    return f"{state} <code>{escape(item.slug)}</code> {escape(item.title)} · 👥 {item.learners}"
