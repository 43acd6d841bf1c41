"""/cohorts: every cohort with its member count; New (a name); a cohort's card with its
invite link, a new code, joining open or closed, its mentors (added from /user →
"Mentor of…", removed here) and its numbers. The admin filter sits on the parent router.
"""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.cohorts import membership
from bot.rules.cohorts.membership import CohortNameInvalid
from bot.rules.cohorts.roster import cohort_stats
from bot.rules.course import Catalogue
from bot.telegram.callbacks import CohortAdminAction, CohortAdminCb, LearnerAction, LearnerCb
from bot.telegram.reply import acknowledge, show
from bot.telegram.views import cohorts as view
from db.models import Cohort, User


class NewCohort(StatesGroup):
    name = State()  # waiting for the new cohort's name


def router() -> Router:
    router = Router(name="admin-cohorts")
    router.message.register(list_cohorts, Command("cohorts"))
    router.callback_query.register(
        list_cohorts, CohortAdminCb.filter(F.action == CohortAdminAction.LIST)
    )
    router.callback_query.register(
        ask_name, CohortAdminCb.filter(F.action == CohortAdminAction.NEW)
    )
    router.message.register(cancel_new, NewCohort.name, Command("cancel"))
    router.message.register(name_received, NewCohort.name, F.text, ~F.text.startswith("/"))
    router.callback_query.register(
        change_cohort,
        CohortAdminCb.filter(
            F.action.in_(
                {
                    CohortAdminAction.CARD,
                    CohortAdminAction.COURSE,
                    CohortAdminAction.ROTATE,
                    CohortAdminAction.OPEN,
                    CohortAdminAction.CLOSE,
                    CohortAdminAction.REMOVE_MENTOR,
                }
            )
        ),
    )
    router.callback_query.register(
        add_mentor, CohortAdminCb.filter(F.action == CohortAdminAction.ADD_MENTOR)
    )
    router.callback_query.register(
        choose_course, CohortAdminCb.filter(F.action == CohortAdminAction.COURSES)
    )

    router.callback_query.register(
        choose_cohort_to_mentor, LearnerCb.filter(F.action == LearnerAction.MENTOR_OF)
    )
    router.callback_query.register(
        choose_cohort_to_mentor, CohortAdminCb.filter(F.action == CohortAdminAction.MENTOR_PAGE)
    )
    return router


async def list_cohorts(
    event: Message | CallbackQuery,
    session: AsyncSession,
    callback_data: CohortAdminCb | None = None,
) -> None:
    await acknowledge(event)
    found = await membership.cohorts_with_counts(
        session, callback_data.page if callback_data else 0
    )
    text, markup = view.cohorts_text(found), view.cohorts_keyboard(found)
    if isinstance(event, CallbackQuery):
        await show(event, text, markup)
    else:
        await event.answer(text, reply_markup=markup)


async def ask_name(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(NewCohort.name)
    await callback.answer()
    await callback.bot.send_message(callback.from_user.id, view.ask_name())  # type: ignore[union-attr]


async def cancel_new(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(view.cancelled())


async def name_received(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    admin: User,
    now: datetime,
    bot: Bot,
    catalogue: Catalogue,
) -> None:
    try:
        cohort = await membership.create_cohort(session, admin, message.text or "", now)
    except CohortNameInvalid:
        await message.answer(view.bad_name())
        return
    await state.clear()
    text, markup = await card(session, bot, cohort, now, catalogue)
    await message.answer(text, reply_markup=markup)


async def card(
    session: AsyncSession, bot: Bot, cohort: Cohort, now: datetime, catalogue: Catalogue
) -> tuple[str, InlineKeyboardMarkup]:
    mentors = await membership.mentors_of_cohort(session, cohort.id)
    stats = await cohort_stats(session, cohort.id, now)
    me = await bot.me()
    link = view.invite_link(me.username or "", cohort.code)
    course = catalogue.title_of(cohort.course_id)
    text = view.card_text(cohort, link, mentors, stats, course)
    return text, view.card_keyboard(cohort, mentors)


async def choose_course(
    callback: CallbackQuery, callback_data: CohortAdminCb, catalogue: Catalogue
) -> None:
    await callback.answer()
    courses = [(course.id, course.title) for course in catalogue.courses]
    await show(callback, view.which_course(), view.course_choice(callback_data.cohort_id, courses))


async def change_cohort(
    callback: CallbackQuery,
    callback_data: CohortAdminCb,
    session: AsyncSession,
    admin: User,
    now: datetime,
    bot: Bot,
    catalogue: Catalogue,
) -> None:
    """Open the card, or rotate the code, open or close joining, set the course, remove a
    mentor; then the card (again)."""
    cohort_id = callback_data.cohort_id
    note: str | None = None
    match callback_data.action:
        case CohortAdminAction.CARD:
            cohort = await session.get(Cohort, cohort_id)
        case CohortAdminAction.COURSE:
            course_id = callback_data.user_id or None  # a course that is gone: no course
            course_id = course_id if catalogue.get(course_id) is not None else None
            cohort = await membership.set_course(session, admin, cohort_id, course_id, now)
        case CohortAdminAction.ROTATE:
            cohort = await membership.rotate_code(session, admin, cohort_id, now)
            note = view.code_rotated()
        case CohortAdminAction.OPEN | CohortAdminAction.CLOSE:
            is_open = callback_data.action is CohortAdminAction.OPEN
            cohort = await membership.set_joining(session, admin, cohort_id, is_open, now)
        case _:
            removed = await membership.remove_mentor(
                session, admin, cohort_id, callback_data.user_id, now
            )
            note = view.mentor_removed() if removed else view.not_a_mentor()
            cohort = await session.get(Cohort, cohort_id)
    if cohort is None:
        await callback.answer(view.cohort_gone(), show_alert=True)
        return
    await callback.answer(note)
    text, markup = await card(session, bot, cohort, now, catalogue)
    await show(callback, text, markup)


async def choose_cohort_to_mentor(
    callback: CallbackQuery, callback_data: LearnerCb | CohortAdminCb, session: AsyncSession
) -> None:
    """/user → "Mentor of…": the cohorts to pick from (a page at a time)."""
    user = await session.get(User, callback_data.user_id)
    if user is None:
        await callback.answer(view.mentor_not_added(), show_alert=True)
        return
    page = callback_data.page if isinstance(callback_data, CohortAdminCb) else 0
    found = await membership.cohorts_with_counts(session, page)
    if not found.total:
        await callback.answer(view.no_cohorts_to_mentor(), show_alert=True)
        return
    await callback.answer()
    markup = view.mentor_choice_keyboard(user.id, found)
    await show(callback, view.mentor_choice_text(user.first_name), markup)


async def add_mentor(
    callback: CallbackQuery,
    callback_data: CohortAdminCb,
    session: AsyncSession,
    admin: User,
    now: datetime,
) -> None:
    cohort_id, user_id = callback_data.cohort_id, callback_data.user_id
    if not await membership.add_mentor(session, admin, cohort_id, user_id, now):
        await callback.answer(view.mentor_not_added(), show_alert=True)
        return
    cohort = await session.get(Cohort, cohort_id)
    user = await session.get(User, user_id)
    assert cohort is not None  # add_mentor found both
    assert user is not None
    await callback.answer()
    await show(callback, view.mentor_added(user.first_name, cohort.name))
