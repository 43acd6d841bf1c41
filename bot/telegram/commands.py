"""The command menu (setMyCommands): learners' commands for everyone in private chats,
and the admin commands on top for each admin's own chat only."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

DEFAULT_LOCALE = "en"


def learner_commands() -> list[BotCommand]:
    return [
        BotCommand(command="learn", description=_("Continue learning")),
        BotCommand(command="review", description=_("Review what is due")),
        BotCommand(command="courses", description=_("Courses: choose, start, switch")),
        BotCommand(command="modules", description=_("Modules and lessons")),
        BotCommand(command="progress", description=_("Level, points, streak")),
        BotCommand(command="achievements", description=_("Achievements")),
        BotCommand(command="leaderboard", description=_("Top learners")),
        BotCommand(command="league", description=_("This week's league")),
        BotCommand(command="cohort", description=_("Your cohorts and their mentors")),
        BotCommand(command="certificate", description=_("Your course certificate")),
        BotCommand(command="verify", description=_("Check a certificate's code")),
        BotCommand(command="pause", description=_("Take a break from learning")),
        BotCommand(command="resume", description=_("End the break")),
        BotCommand(command="settings", description=_("Settings")),
        BotCommand(command="privacy", description=_("Your data, a copy, erasing it")),
        BotCommand(command="help", description=_("What I can do")),
        BotCommand(command="start", description=_("Start or restart")),
    ]


def admin_commands() -> list[BotCommand]:
    return [
        *learner_commands(),
        BotCommand(command="admin", description=_("Admin menu")),
        BotCommand(command="stats", description=_("Learners and the lesson funnel")),
        BotCommand(command="broadcast", description=_("Message the learners")),
        BotCommand(command="user", description=_("A learner's profile")),
        BotCommand(command="content", description=_("Modules and lessons: slugs, learners")),
        BotCommand(command="cohorts", description=_("Cohorts: invite links, mentors")),
        BotCommand(command="reviews", description=_("Assignments waiting for review")),
        BotCommand(command="audit", description=_("Latest admin actions")),
        BotCommand(command="exportcsv", description=_("Learners' progress as CSV")),
    ]


async def set_commands(bot: Bot, i18n: I18n, admins: set[int] | frozenset[int]) -> None:
    """Learners' menu in every language we speak; the admin menu in each admin's chat."""
    with i18n.context():
        for locale in i18n.available_locales:
            with i18n.use_locale(locale):
                language = None if locale == DEFAULT_LOCALE else locale
                await bot.set_my_commands(
                    learner_commands(),
                    scope=BotCommandScopeAllPrivateChats(),
                    language_code=language,
                )
        for chat_id in admins:
            await admin_commands_for(bot, chat_id)


async def admin_commands_for(bot: Bot, chat_id: int) -> None:
    """Show the admin commands in this admin's chat (English: the admins' language)."""
    try:
        await bot.set_my_commands(admin_commands(), scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError:  # the admin never opened the bot: nothing to show yet
        return


async def learner_commands_for(bot: Bot, chat_id: int) -> None:
    """Back to the learners' menu in this chat (after a demotion)."""
    try:
        await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=chat_id))
    except TelegramAPIError:
        return
