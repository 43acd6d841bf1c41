"""Points and levels.

Points: a lesson's `points` on its first completion; `FIRST_TRY_BONUS` more when its quiz
was passed at the first attempt; an achievement's own points; a right review answer's.

Level: level n starts at `LEVEL_STEP · n · (n − 1)` points (0, 100, 300, 600, 1000, 1500,
2100, …): each level takes 100 points more than the one before, so early levels come
quickly and later ones mark real work. The bundled course (about 1,300 to 1,700 points
with its achievements) ends at level 5 or 6.
"""

from __future__ import annotations

import math

FIRST_TRY_BONUS = 25
LEVEL_STEP = 50  # level n starts at LEVEL_STEP * n * (n - 1) points


def level_threshold(level: int) -> int:
    """The points at which `level` starts."""
    return LEVEL_STEP * level * (level - 1)


def level_for(points: int) -> int:
    """The highest level whose threshold `points` reaches."""
    # n(n-1) <= q  <=>  (2n-1)^2 <= 4q+1, exact in integers.
    return (math.isqrt(4 * (max(points, 0) // LEVEL_STEP) + 1) + 1) // 2


def level_progress(points: int) -> tuple[int, int]:
    """Points gained within the current level, and points the current level takes."""
    level = level_for(points)
    start = level_threshold(level)
    return points - start, level_threshold(level + 1) - start
