"""/certificate sends the learner's certificate again; /verify CODE (and the deep link
?start=verify-CODE) tells anyone whether a code is genuine."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.course import CourseMap
from bot.rules.formats.certificate_image import render_certificate
from bot.rules.learning.certificates import CertificateInfo, learner_certificate, verify_code
from bot.telegram.views import learning
from db.models import User

VERIFY_DEEP_LINK = "verify-"  # t.me/<bot>?start=verify-CODE


def router() -> Router:
    router = Router(name="certificates")
    router.message.register(show_certificate, Command("certificate"))
    router.message.register(verify, Command("verify"))
    return router


async def show_certificate(
    message: Message, learner: User, session: AsyncSession, course: CourseMap
) -> None:
    """The current course's certificate, else the learner's latest one."""
    certificate = await learner_certificate(session, learner, course_id=course.id or None)
    if certificate is None:
        await message.answer(learning.no_certificate())
        return
    await send_certificate(message.bot, message.chat.id, certificate)


async def verify(message: Message, command: CommandObject, session: AsyncSession) -> None:
    await answer_verification(message, session, command.args or "")


async def answer_verification(message: Message, session: AsyncSession, raw: str) -> None:
    if not raw.strip():
        await message.answer(learning.verify_usage())
        return
    certificate = await verify_code(session, raw)
    if certificate is None:
        await message.answer(learning.not_verified(raw.strip()))
    else:
        await message.answer(learning.verified(certificate))


async def send_certificate(bot: Bot | None, chat_id: int, certificate: CertificateInfo) -> None:
    """The certificate as a photo, rendered off the event loop (it takes a fraction of a second)."""
    assert bot is not None
    png = await asyncio.to_thread(render_certificate, learning.certificate_text(certificate))
    await bot.send_photo(
        chat_id,
        BufferedInputFile(png, filename=f"certificate-{certificate.code}.png"),
        caption=learning.certificate_caption(certificate),
    )
