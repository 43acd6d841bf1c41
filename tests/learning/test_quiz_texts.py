"""The missed-questions message at the largest sizes a course allows: valid Telegram HTML,
every piece under the message limit, nothing lost."""

from __future__ import annotations

from dataclasses import replace

from bot.entry.app import build_i18n
from bot.rules.formats.telegram_html import validate_telegram_html, visible_text
from bot.telegram.views import learning
from tests.support.lessons import lesson_with

MESSAGE_LIMIT = 4096


def test_the_longest_missed_questions_split_into_valid_messages_under_the_limit() -> None:
    question_text = ("Which <tag> & which &amp; entity? " * 10)[:300]
    explanation = ("Because <b> is not bold & never was. " * 6)[:200]
    lesson = lesson_with(10, text=question_text, explanation=explanation)
    long_option = ("A <long> & tricky option " * 5)[:100]
    missed = tuple(replace(q, options=(long_option, *q.options[1:])) for q in lesson.questions)
    with build_i18n().context(), build_i18n().use_locale("en"):
        messages = learning.missed_questions(missed)
    assert len(messages) >= 2
    for message in messages:
        assert validate_telegram_html(message) == []
        assert len(visible_text(message)) <= MESSAGE_LIMIT  # Telegram counts after parsing
    joined = "\n".join(messages)
    assert joined.count("✅ Right: A &lt;long&gt; &amp; tricky option") == 10
    assert joined.count("💡 <i>Because &lt;b&gt; is not bold &amp; never was.") == 10
    assert "<tag>" not in joined


def test_a_quiz_without_mistakes_sends_no_missed_questions_message() -> None:
    with build_i18n().context(), build_i18n().use_locale("en"):
        assert learning.missed_questions(()) == []
