"""Assignments in the chat: the learner's fields, summary and Submit; the reviewer's Accept
and Return (with the comment as the next message), and /reviews.

`review_own_work` (dispatcher data, set by the terminal demo only): the one person there is
learner and admin at once, so their work comes back to them to review."""

from __future__ import annotations

from datetime import datetime

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.assignments.answers import Incoming, is_media
from bot.rules.assignments.drafts import (
    Ask,
    DraftRefusal,
    Step,
    Summary,
    answer_by_button,
    answer_field,
    edit_field,
    open_assignment,
)
from bot.rules.assignments.reviews import (
    AlreadyDecided,
    Decided,
    ReviewRefusal,
    Work,
    decide,
    reviewable,
    submit,
    work_of,
)
from bot.rules.assignments.waiting import waiting_for
from bot.rules.course import Catalogue, CourseMap, FieldKind
from bot.telegram.callbacks import AssignmentAction, AssignmentCb, VerdictAction, VerdictCb
from bot.telegram.views import assignments as views
from db.models import User


class ReviewComment(StatesGroup):
    text = State()  # waiting for the reviewer's comment (data: submission id, accepted)


def router() -> Router:
    router = Router(name="assignments")
    router.callback_query.register(assignment_pressed, AssignmentCb.filter())
    router.callback_query.register(
        comment_asked,
        VerdictCb.filter(F.action.in_({VerdictAction.ACCEPT, VerdictAction.RETURN})),
    )
    router.callback_query.register(
        accepted_now, VerdictCb.filter(F.action == VerdictAction.ACCEPT_NOW)
    )
    router.callback_query.register(work_shown, VerdictCb.filter(F.action == VerdictAction.SHOW))
    router.message.register(reviews, Command("reviews"))
    router.message.register(comment_given, ReviewComment.text)
    router.message.register(field_answered, F.chat.type == "private")
    return router


# --------------------------------------------------------------------------- learners


async def show_step(bot: Bot, chat_id: int, step: Step) -> None:
    match step:
        case Ask():
            await bot.send_message(
                chat_id, views.ask_text(step), reply_markup=views.ask_keyboard(step)
            )
        case Summary():
            await bot.send_message(
                chat_id, views.summary_text(step), reply_markup=views.summary_keyboard(step)
            )
        case DraftRefusal():
            await bot.send_message(chat_id, views.draft_refused(step))


async def assignment_pressed(
    callback: CallbackQuery,
    callback_data: AssignmentCb,
    learner: User,
    session: AsyncSession,
    now: datetime,
    course: CourseMap,
    catalogue: Catalogue,
    admin_ids: frozenset[int],
    bot: Bot,
    review_own_work: bool = False,
) -> None:
    data = callback_data
    step: Step
    match data.action:
        case AssignmentAction.OPEN:
            owner = catalogue.course_of_lesson(data.id) or course
            step = await open_assignment(session, owner, learner, data.id, now)
        case AssignmentAction.EDIT:
            step = await edit_field(session, catalogue, learner, data.id, data.field, now)
        case AssignmentAction.SKIP | AssignmentAction.CHOOSE:
            option = data.option if data.action is AssignmentAction.CHOOSE else None
            step = await answer_by_button(
                session, catalogue, learner, data.id, data.field, option, now
            )
        case AssignmentAction.SUBMIT:
            await submitted(
                callback, learner, session, now, catalogue, admin_ids, bot, data.id, review_own_work
            )
            return
    if isinstance(step, DraftRefusal):
        await callback.answer(views.draft_refused(step), show_alert=True)
        return
    await callback.answer()
    await show_step(bot, learner.telegram_id, step)


async def submitted(
    callback: CallbackQuery,
    learner: User,
    session: AsyncSession,
    now: datetime,
    catalogue: Catalogue,
    admin_ids: frozenset[int],
    bot: Bot,
    submission_id: int,
    alone: bool,
) -> None:
    outcome = await submit(session, catalogue, learner, submission_id, now, admin_ids, alone=alone)
    if isinstance(outcome, DraftRefusal):
        await callback.answer(views.draft_refused(outcome), show_alert=True)
        return
    await callback.answer()
    await bot.send_message(
        learner.telegram_id,
        views.submitted_text(outcome),
        reply_markup=views.submitted_keyboard(outcome),
    )
    for reviewer in outcome.reviewers:
        await send_work(bot, reviewer.telegram_id, outcome.work)


def incoming_of(message: Message) -> Incoming:
    """What a learner's message offers a field (media by file_id: never downloaded)."""
    if message.photo:
        return Incoming(FieldKind.PHOTO, message.caption, message.photo[-1].file_id)
    if message.voice:
        return Incoming(FieldKind.VOICE, message.caption, message.voice.file_id)
    if message.video:
        return Incoming(FieldKind.VIDEO, message.caption, message.video.file_id)
    if message.document:
        document = message.document
        return Incoming(FieldKind.DOCUMENT, message.caption, document.file_id, document.file_name)
    if message.text is not None:
        return Incoming(FieldKind.TEXT, message.text)
    return Incoming(None)


async def field_answered(
    message: Message,
    learner: User,
    session: AsyncSession,
    now: datetime,
    catalogue: Catalogue,
    bot: Bot,
) -> None:
    """A message while a field is open answers it; anything else goes on to the fallback."""
    if (message.text or "").startswith("/"):
        raise SkipHandler
    step = await answer_field(session, catalogue, learner, incoming_of(message), now)
    if step is None:
        raise SkipHandler
    await show_step(bot, learner.telegram_id, step)


# --------------------------------------------------------------------------- reviewers


async def send_work(bot: Bot, chat_id: int, work: Work, now: datetime | None = None) -> None:
    """The work as one message with Accept and Return, then its media by file_id."""
    await bot.send_message(
        chat_id,
        views.work_text(work, now),
        reply_markup=views.work_keyboard(work.summary.submission_id),
    )
    for number, field in enumerate(work.summary.assignment.fields, 1):
        answer = work.summary.answers.get(field.id)
        if not is_media(answer):
            continue
        assert answer is not None
        caption = views.media_caption(number, field)
        match answer.get("kind"):
            case FieldKind.PHOTO.value:
                await bot.send_photo(chat_id, answer["file_id"], caption=caption)
            case FieldKind.VOICE.value:
                await bot.send_voice(chat_id, answer["file_id"], caption=caption)
            case FieldKind.VIDEO.value:
                await bot.send_video(chat_id, answer["file_id"], caption=caption)
            case _:
                await bot.send_document(chat_id, answer["file_id"], caption=caption)


async def reviews(
    message: Message,
    learner: User,
    session: AsyncSession,
    now: datetime,
    catalogue: Catalogue,
    admin_ids: frozenset[int],
    review_own_work: bool = False,
) -> None:
    page = await waiting_for(session, catalogue, learner, admin_ids, alone=review_own_work)
    await message.answer(views.reviews_text(page, now), reply_markup=views.reviews_keyboard(page))


async def work_shown(
    callback: CallbackQuery,
    callback_data: VerdictCb,
    learner: User,
    session: AsyncSession,
    now: datetime,
    catalogue: Catalogue,
    admin_ids: frozenset[int],
    bot: Bot,
    review_own_work: bool = False,
) -> None:
    found = await reviewable(
        session, catalogue, learner, callback_data.submission_id, admin_ids, alone=review_own_work
    )
    if not isinstance(found, tuple):
        await callback.answer(views.review_refused(found), show_alert=True)
        return
    submission, owner, _lesson = found
    work = await work_of(session, catalogue, submission, owner)
    await callback.answer()
    if work is not None:
        await send_work(bot, learner.telegram_id, work, now)


async def comment_asked(
    callback: CallbackQuery,
    callback_data: VerdictCb,
    learner: User,
    session: AsyncSession,
    catalogue: Catalogue,
    admin_ids: frozenset[int],
    state: FSMContext,
    bot: Bot,
    review_own_work: bool = False,
) -> None:
    """Accept or Return pressed: checked now (and again when the comment comes)."""
    found = await reviewable(
        session, catalogue, learner, callback_data.submission_id, admin_ids, alone=review_own_work
    )
    if not isinstance(found, tuple):
        await callback.answer(views.review_refused(found), show_alert=True)
        return
    accepted = callback_data.action is VerdictAction.ACCEPT
    await state.set_state(ReviewComment.text)
    await state.update_data(submission_id=callback_data.submission_id, accepted=accepted)
    await callback.answer()
    text, markup = views.comment_prompt(accepted, callback_data.submission_id)
    await bot.send_message(learner.telegram_id, text, reply_markup=markup)


async def comment_given(
    message: Message,
    learner: User,
    session: AsyncSession,
    now: datetime,
    catalogue: Catalogue,
    admin_ids: frozenset[int],
    state: FSMContext,
    bot: Bot,
    review_own_work: bool = False,
) -> None:
    if not message.text or message.text.startswith("/"):
        if message.text and message.text.startswith("/"):
            await state.clear()
            raise SkipHandler
        await message.answer(views.comment_needs_text())
        return
    data = await state.get_data()
    await state.clear()
    outcome = await decide(
        session,
        catalogue,
        learner,
        int(data["submission_id"]),
        bool(data["accepted"]),
        message.text,
        now,
        admin_ids,
        alone=review_own_work,
    )
    await tell(bot, learner, outcome)


async def accepted_now(
    callback: CallbackQuery,
    callback_data: VerdictCb,
    learner: User,
    session: AsyncSession,
    now: datetime,
    catalogue: Catalogue,
    admin_ids: frozenset[int],
    state: FSMContext,
    bot: Bot,
    review_own_work: bool = False,
) -> None:
    await state.clear()
    outcome = await decide(
        session,
        catalogue,
        learner,
        callback_data.submission_id,
        True,
        None,
        now,
        admin_ids,
        alone=review_own_work,
    )
    if not isinstance(outcome, Decided):
        await callback.answer(views.review_refused(outcome), show_alert=True)
        return
    await callback.answer()
    await tell(bot, learner, outcome)


async def tell(bot: Bot, reviewer: User, outcome: Decided | ReviewRefusal | AlreadyDecided) -> None:
    """The reviewer hears what happened; the learner gets the verdict with the comment."""
    if not isinstance(outcome, Decided):
        await bot.send_message(reviewer.telegram_id, views.review_refused(outcome))
        return
    await bot.send_message(reviewer.telegram_id, views.decided_for_reviewer(outcome))
    await bot.send_message(
        outcome.work.learner_telegram_id,
        views.verdict_for_learner(outcome),
        reply_markup=views.verdict_keyboard(outcome),
    )
