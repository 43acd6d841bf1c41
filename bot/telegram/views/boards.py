"""What /leaderboard looks like: a tab per board (today, this week, this month, all time),
the kept boards of last week and last month, and the learner's best placings in /progress."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.rules.motivation.board_history import PastBoard, Placing
from bot.rules.motivation.leaderboard import Board
from bot.telegram.callbacks import BoardCb, BoardTab, CohortBoardCb
from db.enums import BoardPeriod

# The live tabs in the order they are shown (a cohort's tab joins them here) and the
# board each shows; then the kept boards.
LIVE_TABS: dict[BoardTab, BoardPeriod] = {
    BoardTab.TODAY: BoardPeriod.DAY,
    BoardTab.WEEK: BoardPeriod.WEEK,
    BoardTab.MONTH: BoardPeriod.MONTH,
    BoardTab.ALL_TIME: BoardPeriod.ALL_TIME,
}
PAST_TABS: dict[BoardTab, BoardPeriod] = {
    BoardTab.LAST_WEEK: BoardPeriod.WEEK,
    BoardTab.LAST_MONTH: BoardPeriod.MONTH,
}
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
CURRENT = "• {label}"  # how the tab on show is marked


def _labels() -> dict[BoardTab, str]:
    """Each tab's button, in the learner's language."""
    return {
        BoardTab.TODAY: _("☀️ Today"),
        BoardTab.WEEK: _("📅 This week"),
        BoardTab.MONTH: _("🗓 This month"),
        BoardTab.ALL_TIME: _("🏆 All time"),
        BoardTab.LAST_WEEK: _("⏮ Last week"),
        BoardTab.LAST_MONTH: _("⏮ Last month"),
    }


def _titles() -> dict[BoardTab, str]:
    """The title of each live board."""
    return {
        BoardTab.TODAY: _("<b>☀️ Today's leaderboard</b>"),
        BoardTab.WEEK: _("<b>📅 This week's leaderboard</b>"),
        BoardTab.MONTH: _("<b>🗓 This month's leaderboard</b>"),
        BoardTab.ALL_TIME: _("<b>🏆 All-time leaderboard</b>"),
    }


def board_keyboard(
    shown: BoardTab, cohorts: Sequence[tuple[int, str]] = ()
) -> InlineKeyboardMarkup:
    """Every tab, the one on show marked: the live boards on a row, the kept ones below,
    then a tab per cohort of the learner (its weekly board)."""
    builder = InlineKeyboardBuilder()
    labels = _labels()
    for tab in (*LIVE_TABS, *PAST_TABS):
        label = labels[tab]
        text = CURRENT.format(label=label) if tab is shown else label
        builder.button(text=text, callback_data=BoardCb(tab=tab))
    for cohort_id, name in cohorts:
        builder.button(
            text=f"🎓 {name}", callback_data=CohortBoardCb(cohort_id=cohort_id, week=True)
        )
    builder.adjust(len(LIVE_TABS), len(PAST_TABS), *([1] * len(cohorts)))
    return builder.as_markup()


def _line(rank: int, name: str | None, points: int, is_me: bool) -> str:
    shown = escape(name) if name else _("a learner")
    line = f"{MEDALS.get(rank, f'{rank}.')} {shown} — {points}"
    return f"<b>{line}</b>" if is_me else line


def board_text(board: Board, tab: BoardTab) -> str:
    lines = [_titles()[tab], ""]
    if not board.top:
        lines.append(_("Nobody has points yet — finish a lesson to be first!"))
    lines += [_line(e.rank, e.name, e.points, e.is_me) for e in board.top]
    lines.append("")
    if board.hidden:
        lines.append(_("🙈 You are hidden from the leaderboard (see /settings)."))
    elif board.me is None:
        lines.append(_("You are not ranked yet: finish a lesson to join."))
    elif not any(entry.is_me for entry in board.top):
        lines.append(
            _("Your rank: #{rank} with {points} points").format(
                rank=board.me.rank, points=board.me.points
            )
        )
    return "\n".join(lines)


def past_board_text(board: PastBoard) -> str:
    """A kept board: its top 10 with the names as they were, and the learner's place."""
    title = (
        _("<b>⏮ Last week's leaderboard</b> · {period}")
        if board.period is BoardPeriod.WEEK
        else _("<b>⏮ Last month's leaderboard</b> · {period}")
    )
    lines = [title.format(period=board.label), ""]
    if not board.top:
        lines.append(
            _(
                "No board kept for that period: nobody earned points then, "
                "or it ended only minutes ago."
            )
        )
    lines += [_line(p.rank, p.name, p.points, p.is_me) for p in board.top]
    if board.top:
        lines.append("")
        if board.me is None:
            lines.append(_("You were not in the top 100."))
        elif board.me not in board.top:
            lines.append(
                _("Your place: #{rank} with {points} points").format(
                    rank=board.me.rank, points=board.me.points
                )
            )
    return "\n".join(lines)


def best_placing_lines(best: Mapping[BoardPeriod, Placing]) -> list[str]:
    """/progress: the learner's best week and best month on the kept boards."""
    lines = []
    if week := best.get(BoardPeriod.WEEK):
        lines.append(_("🏅 Best week: #{rank}, {period}").format(rank=week.rank, period=week.label))
    if month := best.get(BoardPeriod.MONTH):
        lines.append(
            _("🏅 Best month: #{rank}, {period}").format(rank=month.rank, period=month.label)
        )
    return lines
