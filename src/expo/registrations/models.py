from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo.db import enum_column, one_of, utcnow
from expo.extensions import Model
from expo.privacy import mask_passport

if TYPE_CHECKING:
    from expo.accounts.models import User
    from expo.enterprises.models import Enterprise
    from expo.events.models import Event, Question


class ApplicationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    WAITLISTED = "waitlisted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"


ACTIVE_STATUSES = (
    ApplicationStatus.PENDING,
    ApplicationStatus.APPROVED,
    ApplicationStatus.WAITLISTED,
)

STATUS_LABELS = {
    ApplicationStatus.PENDING: _l("Pending review"),
    ApplicationStatus.APPROVED: _l("Approved"),
    ApplicationStatus.WAITLISTED: _l("On the waiting list"),
    ApplicationStatus.REJECTED: _l("Rejected"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
    ApplicationStatus.CANCELLED: _l("Cancelled"),
}


def status_label(value: object) -> str:
    """An application status in the reader's language (an unknown value as it is)."""
    try:
        return str(STATUS_LABELS[ApplicationStatus(str(value))])
    except ValueError:
        return str(value)


_ACTIVE_SQL = "status IN ('pending', 'approved', 'waitlisted')"


class Application(Model):
    """An enterprise's registration for an event, with its delegates and answers."""

    __tablename__ = "applications"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", ApplicationStatus), name="status"),
        sa.CheckConstraint("booths_requested >= 1", name="booths_requested"),
        # One active application per enterprise and event, whatever the concurrency.
        sa.Index(
            "uq_applications_active_enterprise_event",
            "event_id",
            "enterprise_id",
            unique=True,
            postgresql_where=sa.text(_ACTIVE_SQL),
            sqlite_where=sa.text(_ACTIVE_SQL),
        ),
        sa.Index("ix_applications_event_status", "event_id", "status"),
        # The review list's default order (oldest first): a page is read from the index,
        # not sorted out of every application of the event.
        sa.Index("ix_applications_event_created", "event_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="RESTRICT"))
    enterprise_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="RESTRICT"), index=True
    )
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column(ApplicationStatus, 16), default=ApplicationStatus.PENDING
    )
    booths_requested: Mapped[int] = mapped_column(default=1)
    exhibits: Mapped[str] = mapped_column(sa.Text, default="")
    consent_version: Mapped[str] = mapped_column(sa.String(32))
    consented_at: Mapped[datetime]
    # Set when the application joins the waiting list; the list is served in this order.
    waitlisted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    enterprise: Mapped[Enterprise] = relationship()
    submitted_by: Mapped[User | None] = relationship()
    delegates: Mapped[list[Delegate]] = relationship(
        back_populates="application", order_by="Delegate.position", cascade="all, delete-orphan"
    )
    answers: Mapped[list[Answer]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    transitions: Mapped[list[Transition]] = relationship(
        back_populates="application", order_by="Transition.id", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def __repr__(self) -> str:
        return f"<Application {self.id} event={self.event_id} {self.status}>"


class Delegate(Model):
    __tablename__ = "delegates"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    name_zh: Mapped[str] = mapped_column(sa.String(100), default="")
    name_latin: Mapped[str] = mapped_column(sa.String(100), default="")
    title: Mapped[str] = mapped_column(sa.String(100), default="")
    mobile: Mapped[str] = mapped_column(sa.String(32), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    passport_number: Mapped[str | None] = mapped_column(sa.String(20))

    application: Mapped[Application] = relationship(back_populates="delegates")

    @property
    def masked_passport(self) -> str:
        return mask_passport(self.passport_number)


class Answer(Model):
    __tablename__ = "answers"
    __table_args__ = (sa.UniqueConstraint("application_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE")
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    # Text, number, bool, ISO date or a list of choice values, by the question's kind.
    value: Mapped[Any] = mapped_column(sa.JSON)

    application: Mapped[Application] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


class Transition(Model):
    """One change of an application's status: who, when, from, to and why."""

    __tablename__ = "application_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ApplicationStatus | None] = mapped_column(
        enum_column(ApplicationStatus, 16)
    )
    to_status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus, 16))
    # None when the system moved it (first come, first served; the waiting list).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[Application] = relationship(back_populates="transitions")
    actor: Mapped[User | None] = relationship()

    @property
    def to_label(self) -> str:
        return status_label(self.to_status)
