"""/exportcsv: every learner's progress as a CSV document, written to a temporary file (a
mentor's CSV of their cohort is the same document, of its members).

The rows stream from the database into the file, so memory stays bounded; a file above what
Telegram lets a bot upload is sent gzip-compressed instead.
"""

from __future__ import annotations

import asyncio
import gzip
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import FSInputFile, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.rules.privacy.learners_csv import write_learners_csv
from bot.telegram.views import cohorts, privacy

UPLOAD_LIMIT = 50 * 1024 * 1024  # bytes: the largest document a bot may send


def router() -> Router:
    router = Router(name="admin-export")
    router.message.register(export_csv, Command("exportcsv"))
    return router


async def export_csv(message: Message, session: AsyncSession, now: datetime) -> None:
    await send_csv(message, session, now)


async def send_csv(
    message: Message,
    session: AsyncSession,
    now: datetime,
    *,
    cohort: tuple[int, str] | None = None,
) -> None:
    """Write the CSV (every learner, or a cohort's members) to a temporary file and send it
    in reply to `message`."""
    with tempfile.TemporaryDirectory(prefix="learnbot-export-") as folder:
        path = Path(folder) / f"learners-{now:%Y-%m-%d}.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            cohort_id = cohort[0] if cohort else None
            count = await write_learners_csv(session, out, cohort_id=cohort_id)
        caption = cohorts.csv_caption(cohort[1], count) if cohort else privacy.csv_caption(count)
        if path.stat().st_size > UPLOAD_LIMIT:
            path = await asyncio.to_thread(compress, path)
            caption += "\n" + privacy.csv_compressed()
        if path.stat().st_size > UPLOAD_LIMIT:
            await message.answer(privacy.csv_too_large())
            return
        await message.answer_document(FSInputFile(path), caption=caption)


def compress(path: Path) -> Path:
    packed = path.with_name(path.name + ".gz")
    with path.open("rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    return packed
