"""The zone-and-time picker's answers, shared by onboarding and /settings (its keyboards
are in `bot.telegram.views.settings`)."""

from __future__ import annotations

from datetime import datetime

from aiogram.types import CallbackQuery

from bot.rules import learners
from bot.telegram.callbacks import SettingsZoneCb, SettingsZoneNameCb, ZoneCb, ZoneNameCb
from bot.telegram.views import common
from bot.telegram.zones import zone_by_index
from db.models import User

ZoneButton = ZoneCb | SettingsZoneCb | ZoneNameCb | SettingsZoneNameCb


def button_zone(data: ZoneButton) -> str | None:
    """The zone a zone button stands for; None for a stale or forged one."""
    if isinstance(data, ZoneCb | SettingsZoneCb):
        return zone_by_index(data.index)
    return data.zone if learners.is_valid_zone(data.zone) else None


async def zone_picked(
    callback: CallbackQuery, data: ZoneButton, learner: User, now: datetime
) -> str | None:
    """Set the zone a button names and return it; None (the learner told) when the button
    is stale."""
    zone = button_zone(data)
    if zone is None:
        await callback.answer(common.stale_button(), show_alert=True)
        return None
    learners.set_time_zone(learner, zone, now)
    return zone


async def time_picked(callback: CallbackQuery, minute: int, learner: User, now: datetime) -> bool:
    """Set the lesson time a button names; False (the learner told) when it is stale."""
    try:
        learners.set_lesson_time(learner, minute, now)
    except ValueError:
        await callback.answer(common.stale_button(), show_alert=True)
        return False
    return True
