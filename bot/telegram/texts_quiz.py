"""Texts of quizzes that teach: what was missed, milestones, certificates and /verify.

Question texts, options and explanations come from the course as plain text (they are sent
as poll text without parse mode), so here they are HTML-escaped like user data.
"""

from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.rules.certificate_image import CertificateText
from bot.rules.certificates import CertificateInfo
from bot.rules.course import QuestionInfo
from bot.rules.milestones import Milestone
from bot.rules.shorten import shorten
from bot.rules.telegram_html import split_html

TYPED_CODE_CHARS = 40  # of a code typed to /verify, echoed back


def missed_questions(missed: tuple[QuestionInfo, ...]) -> list[str]:
    """One message (split into several only past Telegram's limit): every question answered
    wrongly, its right answer and the course's explanation."""
    if not missed:
        return []
    blocks = [
        ngettext(
            "<b>📋 What you missed: {count} question</b>",
            "<b>📋 What you missed: {count} questions</b>",
            len(missed),
        ).format(count=len(missed))
    ]
    for question in missed:
        answers = " · ".join(escape(question.options[i]) for i in question.correct_option_ids)
        block = f"❌ <b>{escape(question.question)}</b>\n" + _("✅ Right: {answers}").format(
            answers=answers
        )
        if question.explanation:
            block += f"\n💡 <i>{escape(question.explanation)}</i>"
        blocks.append(block)
    return split_html("\n\n".join(blocks))


def milestone_text(milestone: Milestone) -> str:
    module = escape(milestone.module.title)
    if milestone.certificate is not None:
        code = escape(milestone.certificate.code)
        return _(
            "🎓 <b>You finished the whole course «{course}»!</b>\n"
            "Here is your certificate. Its code <code>{code}</code> lets anyone check it: "
            "/verify {code}. Send /certificate whenever you want it again."
        ).format(course=escape(milestone.certificate.course_title), code=code)
    text = _("🎉 <b>Module «{module}» finished!</b>").format(module=module)
    upcoming = milestone.next_module
    if upcoming is not None:
        text += "\n" + ngettext(
            "Next up: «{next}», {count} lesson, starting with «{first}».",
            "Next up: «{next}», {count} lessons, starting with «{first}».",
            len(upcoming.lessons),
        ).format(
            next=escape(upcoming.title),
            count=len(upcoming.lessons),
            first=escape(upcoming.lessons[0].title),
        )
    return text


def certificate_text(certificate: CertificateInfo) -> CertificateText:
    """What the certificate image prints, in the learner's language."""
    return CertificateText(
        heading=_("Certificate of completion"),
        awarded_to=_("This certifies that"),
        name=certificate.learner_name,
        fallback_name=_("a LearnBot learner"),
        completed=_("has completed the course"),
        course_title=certificate.course_title,
        date_line=_("Issued on {date}").format(date=f"{certificate.issued_at:%Y-%m-%d}"),
        code_line=_("Verification code {code}: send /verify {code} to the bot").format(
            code=certificate.code
        ),
    )


def certificate_caption(certificate: CertificateInfo) -> str:
    return _("🎓 {name} · «{course}» · code <code>{code}</code>").format(
        name=escape(certificate.learner_name),
        course=escape(certificate.course_title),
        code=escape(certificate.code),
    )


def no_certificate() -> str:
    return _("🎓 Finish every lesson of the course to earn your certificate. /learn continues.")


def verify_usage() -> str:
    return _("Send /verify followed by the code printed on the certificate.")


def verified(certificate: CertificateInfo) -> str:
    return _(
        "✅ Certificate <code>{code}</code> is genuine: {name} finished «{course}» on {date}."
    ).format(
        code=escape(certificate.code),
        name=escape(certificate.learner_name),
        course=escape(certificate.course_title),
        date=f"{certificate.issued_at:%Y-%m-%d}",
    )


def not_verified(code: str) -> str:
    return _("❌ No certificate has the code <code>{code}</code>.").format(
        code=escape(shorten(code, TYPED_CODE_CHARS))
    )
