"""The order in which a quiz question's options are shown.

Options are shuffled for every attempt, but deterministically: the order is a pure function of
what identifies one showing of one question (for a lesson quiz: learner, lesson, attempt,
question), so a redelivered update sends the same order, and every new attempt a new one.
Answers are scored against the order that was sent, never against the course file's order.
"""

from __future__ import annotations

import hashlib
import random


def option_order(count: int, *key: int | str) -> tuple[int, ...]:
    """A permutation of ``range(count)``: position ``i`` shows the course's option ``order[i]``.

    The same ``key`` always gives the same order; different keys give independent orders.
    """
    digest = hashlib.blake2b(":".join(map(str, key)).encode(), digest_size=8).digest()
    order = list(range(count))
    random.Random(int.from_bytes(digest, "big")).shuffle(order)
    return tuple(order)


def shown_positions(order: tuple[int, ...], course_options: tuple[int, ...]) -> list[int]:
    """Where the course's options ``course_options`` (0-based) stand in the shown ``order``."""
    return sorted(order.index(option) for option in course_options)


def course_options(order: tuple[int, ...], shown: list[int]) -> list[int]:
    """The course's options behind the shown positions a learner pressed."""
    return sorted(order[position] for position in shown if 0 <= position < len(order))
