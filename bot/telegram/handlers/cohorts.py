"""Cohorts in a learner's private chat: joining through an invite link, /cohort (their
cohorts with the mentors' names, Leave), and a mentor's views of the cohorts they mentor
(members, a member, the funnel, a CSV, a message to the cohort).

Every mentor button names its cohort, and `mentored_cohort` checks on the server that the
learner mentors it right now: a forged button, or one left on screen after the mentor was
removed, gets a refusal and changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InaccessibleMessage, Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.cohorts import membership, roster
from bot.rules.cohorts.boards import cohort_board
from bot.rules.cohorts.membership import Invite, JoinRefusal
from bot.rules.course import Catalogue, CourseMap
from bot.rules.learners import is_admin
from bot.rules.learning.journeys import Started, StartRefusal, StartRefused, start_course
from bot.rules.reach import broadcasts
from bot.rules.reach.broadcasts import BroadcastInvalid, Tally
from bot.telegram.callbacks import (
    BroadcastAction,
    BroadcastCb,
    CohortAction,
    CohortBoardCb,
    CohortCb,
    MentorAction,
    MentorCb,
)
from bot.telegram.handlers.admin.export import send_csv
from bot.telegram.reply import show
from bot.telegram.views import cohorts as view
from bot.telegram.views import reach
from db.enums import BroadcastStatus
from db.models import Broadcast, Cohort, User


class CohortMessage(StatesGroup):
    message = State()  # a mentor's message for their cohort (the cohort id is in the data)


def router() -> Router:
    router = Router(name="cohorts")
    router.message.register(my_cohorts, Command("cohort"))
    router.message.register(link_in_private, Command("link", "unlink"))
    router.callback_query.register(join_pressed, CohortCb.filter(F.action == CohortAction.JOIN))
    router.callback_query.register(ask_leave, CohortCb.filter(F.action == CohortAction.LEAVE))
    router.callback_query.register(
        leave_confirmed, CohortCb.filter(F.action == CohortAction.LEAVE_CONFIRMED)
    )
    router.callback_query.register(stay, CohortCb.filter(F.action == CohortAction.STAY))
    router.callback_query.register(mentor_button, MentorCb.filter())
    router.callback_query.register(board_tab, CohortBoardCb.filter())
    router.message.register(stop_composing, CohortMessage.message, Command("cancel"))
    router.message.register(
        message_received, CohortMessage.message, F.text | F.photo, ~F.text.startswith("/")
    )
    return router


# --------------------------------------------------------------------------- joining


async def offer_to_join(
    message: Message, session: AsyncSession, learner: User, catalogue: Catalogue, code: str
) -> None:
    """The answer to `?start=join-<code>`: "Join «Spring class»?" (and the course it
    starts) or why not."""
    invite = await membership.invite_for(session, learner, code)
    match invite:
        case Invite(cohort_id, name, course_id):
            text = view.join_question(name, catalogue.title_of(course_id))
            await message.answer(text, reply_markup=view.join_keyboard(cohort_id))
        case refusal:
            await message.answer(refusal_text(refusal))


def refusal_text(refusal: JoinRefusal) -> str:
    match refusal:
        case JoinRefusal.UNKNOWN:
            return view.unknown_code()
        case JoinRefusal.CLOSED:
            return view.joining_closed()
        case _:
            return view.already_member()


async def join_pressed(
    callback: CallbackQuery,
    callback_data: CohortCb,
    session: AsyncSession,
    learner: User,
    now: datetime,
    catalogue: Catalogue,
) -> None:
    """Join; a cohort with a course starts it as the learner's current course."""
    joined = await membership.join(session, learner, callback_data.cohort_id, now)
    if isinstance(joined, JoinRefusal):
        await callback.answer(refusal_text(joined), show_alert=True)
        return
    text = view.joined(joined.name)
    if joined.course_id is not None:
        started = await start_course(session, catalogue, learner, joined.course_id, now)
        match started:
            case Started(course):
                text += "\n" + view.course_started(course.title)
            case StartRefused(StartRefusal.LOCKED, needs):
                title = catalogue.title_of(joined.course_id) or ""
                text += "\n" + view.course_locked(title, [c.title for c in needs])
    await callback.answer()
    await show(callback, text)


# --------------------------------------------------------------------------- /cohort


async def my_cohorts(
    message: Message, session: AsyncSession, learner: User, now: datetime, catalogue: Catalogue
) -> None:
    """A learner's cohorts; a mentor of one cohort (and member of none) sees its members at
    once, a mentor of several picks one."""
    mentored = await membership.mentored_cohorts(session, learner)
    mine = await membership.learner_cohorts(session, learner)
    if len(mentored) == 1 and not mine:
        cohort = mentored[0]
        rows = await roster.roster(session, catalogue, cohort.id, now)
        text = view.roster_text(cohort.name, rows, 0, now)
        await message.answer(text, reply_markup=view.roster_keyboard(cohort.id, rows, 0))
        return
    markup = view.my_cohorts_keyboard(mine, mentored)
    await message.answer(view.my_cohorts_text(mine, mentored), reply_markup=markup)


async def ask_leave(
    callback: CallbackQuery, callback_data: CohortCb, session: AsyncSession, learner: User
) -> None:
    cohort = await session.get(Cohort, callback_data.cohort_id)
    if cohort is None or callback_data.cohort_id not in await membership.member_cohort_ids(
        session, learner.id
    ):
        await callback.answer(view.not_a_member(), show_alert=True)
        return
    await callback.answer()
    await show(callback, view.leave_question(cohort.name), view.leave_keyboard(cohort.id))


async def leave_confirmed(
    callback: CallbackQuery,
    callback_data: CohortCb,
    session: AsyncSession,
    learner: User,
    now: datetime,
) -> None:
    cohort = await session.get(Cohort, callback_data.cohort_id)
    if cohort is None or not await membership.leave(session, learner, cohort.id, now):
        await callback.answer(view.not_a_member(), show_alert=True)
        return
    await callback.answer()
    await show(callback, view.left(cohort.name))


async def stay(callback: CallbackQuery) -> None:
    await callback.answer()
    await show(callback, view.stayed())


async def link_in_private(message: Message) -> None:
    await message.answer(view.link_in_private())


# --------------------------------------------------------------------------- mentors


async def mentor_button(
    callback: CallbackQuery,
    callback_data: MentorCb,
    session: AsyncSession,
    learner: User,
    now: datetime,
    course: CourseMap,
    catalogue: Catalogue,
    state: FSMContext,
) -> None:
    cohort = await membership.mentored_cohort(session, learner, callback_data.cohort_id)
    if cohort is None:
        await callback.answer(view.not_your_cohort(), show_alert=True)
        return
    match callback_data.action:
        case MentorAction.ROSTER:
            rows = await roster.roster(session, catalogue, cohort.id, now)
            page = max(0, min(callback_data.page, (len(rows) - 1) // view.ROSTER_PAGE))
            await callback.answer()
            markup = view.roster_keyboard(cohort.id, rows, page)
            await show(callback, view.roster_text(cohort.name, rows, page, now), markup)
        case MentorAction.MEMBER:
            detail = await roster.member_detail(
                session, catalogue, cohort.id, callback_data.user_id, now
            )
            if detail is None:
                await callback.answer(view.not_in_cohort(), show_alert=True)
                return
            await callback.answer()
            markup = view.back_to_roster(cohort.id, callback_data.page)
            await show(callback, view.member_text(detail, now), markup)
        case MentorAction.FUNNEL:
            funnel_course = catalogue.get(cohort.course_id) or course
            steps = await roster.cohort_funnel(session, funnel_course, cohort.id)
            await callback.answer()
            await show(
                callback, view.funnel_text(cohort.name, steps), view.back_to_roster(cohort.id)
            )
        case MentorAction.CSV:
            await callback.answer()
            await membership.record(session, learner, "cohort.csv_exported", cohort.id, now)
            if callback.message is not None and not isinstance(
                callback.message, InaccessibleMessage
            ):
                await send_csv(callback.message, session, now, cohort=(cohort.id, cohort.name))
        case MentorAction.BROADCAST:
            await state.set_state(CohortMessage.message)
            await state.update_data(cohort_id=cohort.id)
            await callback.answer()
            await callback.bot.send_message(  # type: ignore[union-attr]
                callback.from_user.id, view.ask_broadcast(cohort.name)
            )


async def stop_composing(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(reach.cancelled())


async def message_received(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    learner: User,
    now: datetime,
) -> None:
    """The mentor's message: a draft broadcast to the cohort, previewed with its count."""
    cohort_id = (await state.get_data()).get("cohort_id")
    cohort = await membership.mentored_cohort(session, learner, int(cohort_id or 0))
    if cohort is None:
        await state.clear()
        await message.answer(view.not_your_cohort())
        return
    photo = message.photo[-1].file_id if message.photo else None
    audience = {"cohort_id": cohort.id}
    try:
        draft = await broadcasts.create(session, learner, message.html_text, photo, audience, now)
    except BroadcastInvalid as exc:
        await message.answer(reach.cannot_send(exc.problems))
        return
    await state.clear()
    if photo is not None:
        await message.answer_photo(photo, caption=draft.text or None)
    else:
        await message.answer(draft.text)
    count = await broadcasts.count_audience(session, audience, now)
    markup = view.broadcast_preview_keyboard(draft.id, count)
    await message.answer(view.broadcast_preview(cohort.name, count), reply_markup=markup)


# --------------------------------------------------------------------------- the board tab


async def board_tab(
    callback: CallbackQuery,
    callback_data: CohortBoardCb,
    session: AsyncSession,
    learner: User,
) -> None:
    """The cohort's tab of /leaderboard: only for the cohort's members."""
    names = dict(await membership.member_cohorts(session, learner.id))
    if callback_data.cohort_id not in names:
        await callback.answer(view.not_a_member(), show_alert=True)
        return
    board = await cohort_board(session, callback_data.cohort_id, learner, week=callback_data.week)
    await callback.answer()
    text = view.cohort_board_text(names[callback_data.cohort_id], board, callback_data.week)
    tabs = view.board_tabs(list(names.items()), callback_data.cohort_id, callback_data.week)
    await show(callback, text, tabs)


# --------------------------------------------------------------------------- a cohort's broadcast


class CohortBroadcast(Filter):
    """A broadcast button of a draft or broadcast addressed to one cohort: handled here, for
    the cohort's mentors and for admins (before the admin router, whose texts speak of
    the whole audience). The handler receives the broadcast and its cohort."""

    async def __call__(self, event: TelegramObject, **data: Any) -> bool | dict[str, Any]:
        callback_data = data.get("callback_data")
        if not isinstance(callback_data, BroadcastCb):
            return False
        session: AsyncSession = data["session"]
        found = await session.get(Broadcast, callback_data.broadcast_id)
        cohort_id = (found.audience or {}).get("cohort_id") if found is not None else None
        if found is None or cohort_id is None:
            return False
        return {"cohort_broadcast": found, "cohort_id": int(cohort_id)}


def broadcast_router() -> Router:
    router = Router(name="cohort-broadcasts")
    router.callback_query.register(cohort_broadcast_button, BroadcastCb.filter(), CohortBroadcast())
    return router


async def cohort_broadcast_button(
    callback: CallbackQuery,
    callback_data: BroadcastCb,
    cohort_broadcast: Broadcast,
    cohort_id: int,
    session: AsyncSession,
    learner: User,
    now: datetime,
    admin_ids: frozenset[int],
) -> None:
    """Send (asks with the count), Send now, Discard, Stop: checked against the cohort."""
    cohort = await membership.mentored_cohort(session, learner, cohort_id)
    if cohort is None and is_admin(learner, admin_ids):
        cohort = await session.get(Cohort, cohort_id)
    if cohort is None:
        await callback.answer(view.not_your_cohort(), show_alert=True)
        return
    draft = cohort_broadcast
    action = callback_data.action
    if action is BroadcastAction.STOP:
        stopped = await broadcasts.cancel(session, draft.id, now, admin=learner)
        if stopped is None:
            await callback.answer(reach.already_finished(), show_alert=True)
            return
        counts = await broadcasts.tally(session, stopped)
        await callback.answer(reach.stopped())
        await show(callback, reach.progress_text(stopped.id, counts, BroadcastStatus.CANCELLED))
        return
    if draft.status is not BroadcastStatus.DRAFT:
        await callback.answer(reach.not_a_draft(), show_alert=True)
        return
    if action is BroadcastAction.DROP:
        await broadcasts.cancel(session, draft.id, now, admin=learner)
        await callback.answer()
        await show(callback, reach.cancelled())
        return
    count = await broadcasts.count_audience(session, draft.audience, now)
    if not count:
        await callback.answer(reach.nobody(), show_alert=True)
        return
    if action is not BroadcastAction.CONFIRM:  # Send: ask first, with the count
        await callback.answer()
        markup = view.broadcast_confirm_keyboard(draft.id)
        await show(callback, view.broadcast_confirm(cohort.name, count), markup)
        return
    message = callback.message
    if message is None or isinstance(message, InaccessibleMessage):
        await callback.answer(reach.preview_too_old(), show_alert=True)
        return
    started = await broadcasts.start(
        session, draft.id, message.chat.id, message.message_id, now, admin=learner
    )
    if started is None:
        await callback.answer(reach.not_a_draft(), show_alert=True)
        return
    await callback.answer(reach.sending_started())
    await message.edit_text(
        reach.progress_text(started.id, Tally(total=started.total), BroadcastStatus.SENDING),
        reply_markup=reach.progress_keyboard(started.id),
    )
