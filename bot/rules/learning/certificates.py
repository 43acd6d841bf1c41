"""Certificates: finishing the course earns one, with a code anyone can verify.

A learner gets one certificate per course title, issued when the last lesson of the course
is completed. Its code is `CODE_LENGTH` characters drawn with `secrets` from an alphabet
without look-alikes (no 0/O, 1/I/L): 32^10, about 10^15 codes, so a code cannot be guessed;
it is unique in the table. `/verify CODE` (or the deep link `?start=verify-CODE`) answers
anyone: a genuine code names the learner, the course and the date; anything else is refused.
The name and the title are stored as printed, so the answer never changes afterwards.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.formats.certificate_image import CertificateText
from db.models import Certificate, User
from db.upsert import insert_ignore

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
NAME_LIMIT = 200  # the column's width
# A clash of two random codes is astronomically rare; a few tries settle it.
ISSUE_TRIES = 3
_NOT_CODE = re.compile(r"[^A-Z0-9]")


@dataclass(frozen=True)
class CertificateInfo:
    code: str
    learner_name: str
    course_title: str
    issued_at: datetime


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(raw: str) -> str:
    """What a learner typed, as stored: upper case, spaces and dashes dropped."""
    return _NOT_CODE.sub("", raw.upper())


def printed_name(user: User) -> str:
    """The name printed on a certificate: first and last name, else @username."""
    name = " ".join(part for part in (user.first_name, user.last_name) if part).strip()
    if not name and user.username:
        name = "@" + user.username
    return name[:NAME_LIMIT]


async def issue_certificate(
    session: AsyncSession,
    user: User,
    course_title: str,
    now: datetime,
    course_id: int | None = None,
) -> CertificateInfo:
    """The learner's certificate for this course, issued now unless they already hold one.

    Two completions racing on the same learner both end with the one stored row
    (the insert skips a duplicate of `(user_id, course_title)`).
    """
    for _ in range(ISSUE_TRIES):
        row = {
            "user_id": user.id,
            "course_id": course_id or None,
            "learner_name": printed_name(user),
            "course_title": course_title,
            "code": new_code(),
            "issued_at": now,
        }
        await session.execute(insert_ignore(session, Certificate, [row], key="code"))
        held = await learner_certificate(session, user, course_title)
        if held is not None:
            return held
    raise RuntimeError("could not store a certificate code")  # pragma: no cover


async def learner_certificate(
    session: AsyncSession,
    user: User,
    course_title: str | None = None,
    *,
    course_id: int | None = None,
) -> CertificateInfo | None:
    """The learner's certificate for `course_title`, else for `course_id` (their latest one
    when that course has none), else their latest one."""
    query = select(Certificate).where(Certificate.user_id == user.id)
    if course_title is not None:
        query = query.where(Certificate.course_title == course_title)
    order: list[ColumnElement[Any]] = [Certificate.issued_at.desc()]
    if course_id is not None:  # that course's certificate first
        order.insert(0, case((Certificate.course_id == course_id, 0), else_=1))
    row = await session.scalar(query.order_by(*order).limit(1))
    return _info(row) if row is not None else None


async def verify_code(session: AsyncSession, raw: str) -> CertificateInfo | None:
    """The certificate behind a code, or None when no certificate has it."""
    code = normalise_code(raw)
    if len(code) != CODE_LENGTH:
        return None
    row = await session.scalar(select(Certificate).where(Certificate.code == code))
    return _info(row) if row is not None else None


def _info(row: Certificate) -> CertificateInfo:
    return CertificateInfo(row.code, row.learner_name, row.course_title, row.issued_at)


def printed_certificate(
    certificate: CertificateInfo, gettext: Callable[[str], str]
) -> CertificateText:
    """What the certificate image prints, translated by `gettext` (the chat's, or the
    dashboard's): the same texts wherever the picture is drawn."""
    return CertificateText(
        heading=gettext("Certificate of completion"),
        awarded_to=gettext("This certifies that"),
        name=certificate.learner_name,
        fallback_name=gettext("a LearnBot learner"),
        completed=gettext("has completed the course"),
        course_title=certificate.course_title,
        date_line=gettext("Issued on {date}").format(date=f"{certificate.issued_at:%Y-%m-%d}"),
        code_line=gettext("Verification code {code}: send /verify {code} to the bot").format(
            code=certificate.code
        ),
    )
