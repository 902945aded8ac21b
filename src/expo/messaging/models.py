from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo.db import enum_column, one_of, utcnow
from expo.extensions import Model
from expo.i18n import Bilingual

if TYPE_CHECKING:
    from expo.accounts.models import User
    from expo.events.models import Event
    from expo.registrations.models import Application


class MessageStatus(enum.StrEnum):
    QUEUED = "queued"  # recorded, waiting for a worker
    SENDING = "sending"
    DONE = "done"  # every recipient delivered or given up


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # not sent yet, or waiting to be tried again
    DELIVERED = "delivered"  # accepted by the mail server
    FAILED = "failed"  # refused for good, or still refused after the last attempt


MESSAGE_STATUS_LABELS = {
    MessageStatus.QUEUED: _l("Waiting for a worker"),
    MessageStatus.SENDING: _l("Sending"),
    MessageStatus.DONE: _l("Sent"),
}

# A message being sent whose workers have recorded nothing for this long lost them (killed,
# machine gone): far longer than a batch takes or than the longest wait before a retry.
STALLED_AFTER = timedelta(minutes=30)

DELIVERY_STATUS_LABELS = {
    DeliveryStatus.PENDING: _l("Waiting to be sent"),
    DeliveryStatus.DELIVERED: _l("Delivered"),
    DeliveryStatus.FAILED: _l("Not delivered"),
}


class Message(Model):
    """One message written by an organizer to the enterprises of an event, in both languages.

    ``audience`` keeps the filter it was sent with (statuses, attendance, report due); the
    recipients it matched at the time are its deliveries.
    """

    __tablename__ = "messages"
    __table_args__ = (sa.CheckConstraint(one_of("status", MessageStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="RESTRICT"), index=True
    )
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    subject_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    subject_en: Mapped[str] = mapped_column(sa.String(200), default="")
    body_zh: Mapped[str] = mapped_column(sa.Text, default="")
    body_en: Mapped[str] = mapped_column(sa.Text, default="")
    audience: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Made for each preview: Send clicked twice (or the preview page posted again) finds
    # the message of the first click instead of writing to everyone twice.
    send_key: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    status: Mapped[MessageStatus] = mapped_column(
        enum_column(MessageStatus, 16), default=MessageStatus.QUEUED
    )
    total: Mapped[int] = mapped_column(default=0)
    delivered: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    # The last batch recorded: the row is touched first in every recording transaction.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    sent_by: Mapped[User | None] = relationship()
    deliveries: Mapped[list[MessageDelivery]] = relationship(
        back_populates="message", order_by="MessageDelivery.id", cascade="all, delete-orphan"
    )

    subject = Bilingual()

    @property
    def is_active(self) -> bool:
        return self.status != MessageStatus.DONE.value

    @property
    def status_label(self) -> str:
        return str(MESSAGE_STATUS_LABELS[MessageStatus(self.status)])

    def is_stalled(self, now: datetime | None = None) -> bool:
        """Being sent, but no worker has recorded anything for ``STALLED_AFTER``."""
        if self.status != MessageStatus.SENDING.value:
            return False
        last = self.heartbeat_at or self.started_at or self.created_at
        return last < (now or utcnow()) - STALLED_AFTER

    def __repr__(self) -> str:
        return f"<Message {self.id} event={self.event_id} {self.status}>"


class MessageDelivery(Model):
    """The message to one recipient: which address, in which language, and what came of it."""

    __tablename__ = "message_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("message_id", "email"),
        sa.CheckConstraint(one_of("status", DeliveryStatus), name="status"),
        sa.CheckConstraint("language IN ('zh', 'en')", name="language"),
        sa.Index("ix_message_deliveries_application_id", "application_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE")
    )
    # The enterprise's user it went to; none for the enterprise's contact address.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(5), default="zh")
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, 16), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    # Taken by a worker's batch (until its outcome is recorded, or JOBS_LEASE_SECONDS pass):
    # no two workers send the same email.
    claimed_at: Mapped[datetime | None]
    # Turned away for now: not to be tried again before this.
    next_attempt_at: Mapped[datetime | None]

    message: Mapped[Message] = relationship(back_populates="deliveries")
    application: Mapped[Application] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return str(DELIVERY_STATUS_LABELS[DeliveryStatus(self.status)])
