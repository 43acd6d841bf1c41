"""The assignment texts at their longest still fit one Telegram message, as TDLib parses it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.entry.app import build_i18n
from bot.rules.assignments.drafts import Summary
from bot.rules.assignments.reviews import Work
from bot.rules.course import TEXT_ANSWER_MAX, AssignmentInfo, FieldInfo, FieldKind
from bot.telegram.views import assignments as views
from db.enums import SubmissionStatus
from tests.support.lessons import lesson_with
from tests.support.telegram_parser import parse_html

ODD = "<b>&amp;</b> 🔥 Zoë's «plan» & <tag> "


def longest_summary(status: SubmissionStatus) -> Summary:
    prompt = "<i>" + ("Your " + ODD) * 40 + "</i>"
    fields = tuple(
        FieldInfo(f"area.f{n}", prompt[:990] + "</i>", FieldKind.TEXT, max=TEXT_ANSWER_MAX)
        for n in range(10)
    )
    lesson = replace(lesson_with(1), title="T" * 200, assignment=AssignmentInfo(fields))
    answers = {f.id: {"kind": "text", "text": (ODD * 200)[:TEXT_ANSWER_MAX]} for f in fields}
    return Summary(1, lesson, 99, status, answers, comment=ODD * 200)


def test_a_summary_and_the_reviewers_copy_fit_one_message_at_their_longest() -> None:
    i18n = build_i18n()
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    for locale in ("en", "ru"):
        with i18n.context(), i18n.use_locale(locale):
            summary = longest_summary(SubmissionStatus.DRAFT)
            work = Work(longest_summary(SubmissionStatus.SUBMITTED), 1, 2, ODD, "C" * 200, now)
            for text in (views.summary_text(summary), views.work_text(work, now)):
                assert len(parse_html(text)) <= 4096
