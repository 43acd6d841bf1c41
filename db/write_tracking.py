"""Speed trick: an update that only read ends without a COMMIT.

The session middleware commits only when `has_writes` says the session wrote (or holds
changes a flush would write); otherwise closing the session hands the connection back,
whose reset rolls back the empty transaction. The notes are taken by listeners on the
session class of LearnBot's session factory (`WriteTrackingSession`), not on
SQLAlchemy's global `Session`. Pinned by tests/db/test_tuning.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session

_WROTE = "learnbot.wrote"


class WriteTrackingSession(Session):
    """A session that notes whether it wrote anything."""


@event.listens_for(WriteTrackingSession, "do_orm_execute")
def _note_writes(state: ORMExecuteState) -> None:
    # Anything that is not a plain SELECT (INSERT, UPDATE, DELETE, textual SQL) counts.
    if not state.is_select:
        state.session.info[_WROTE] = True


@event.listens_for(WriteTrackingSession, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    # A flush (autoflush before a query included) wrote the changes it found.
    session.info[_WROTE] = True


def has_writes(session: AsyncSession) -> bool:
    """Whether the session wrote, or holds changes a flush would write.

    An update that only read needs no COMMIT: closing the session returns its connection to
    the pool, which rolls the (empty) transaction back.
    """
    sync = session.sync_session
    return bool(sync.info.get(_WROTE) or sync.new or sync.dirty or sync.deleted)
