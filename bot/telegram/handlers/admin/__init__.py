"""The admin side: one filter on the parent router guards every admin handler.

A non-admin's update fails the filter and falls through to the fallback router,
so they get exactly what an unknown command gets: admin features are not advertised.
"""

from __future__ import annotations

from aiogram import Router

from bot.telegram.filters import IsAdmin, LearnerKnown
from bot.telegram.handlers.admin import (
    audit,
    broadcast,
    cohorts,
    content,
    export,
    menu,
    stats,
    users,
)


def router() -> Router:
    admin = Router(name="admin")
    for observer in (admin.message, admin.callback_query):
        observer.filter(LearnerKnown())
        observer.filter(IsAdmin())
    admin.include_routers(
        menu.router(),
        stats.router(),
        broadcast.router(),
        users.router(),
        content.router(),
        audit.router(),
        export.router(),
        cohorts.router(),
    )
    return admin
