"""Broadcasts and the delivery ledger of every push."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import text as sa_text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigId, UTCDateTime, enum_column, utcnow
from db.enums import BroadcastStatus, DeliveryKind, DeliveryStatus


class Broadcast(Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    created_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    photo_file_id: Mapped[str | None] = mapped_column(sa.String(255))
    audience: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[BroadcastStatus] = mapped_column(
        enum_column(BroadcastStatus), default=BroadcastStatus.DRAFT, index=True
    )
    total: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    sent: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    blocked: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    failed: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    progress_chat_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Delivery(Base):
    """The delivery ledger: one row per learner, kind and local date (or broadcast).

    The row is claimed before the message is sent, so no push goes out twice.
    """

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[DeliveryKind] = mapped_column(enum_column(DeliveryKind))
    # The learner's local date (YYYY-MM-DD) or the broadcast id ("b<id>").
    dedup_key: Mapped[str] = mapped_column(sa.String(32))
    broadcast_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("broadcasts.id", ondelete="CASCADE")
    )
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus),
        default=DeliveryStatus.PENDING,
        server_default=DeliveryStatus.PENDING.name,
    )
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default=sa_text("0"))
    error: Mapped[str | None] = mapped_column(sa.String(255))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.UniqueConstraint("user_id", "kind", "dedup_key"),
        sa.Index("ix_deliveries_broadcast_id_status", "broadcast_id", "status"),
        sa.Index("ix_deliveries_status_claimed_at", "status", "claimed_at"),
    )
