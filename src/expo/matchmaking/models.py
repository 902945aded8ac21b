"""Matchmaking (供采对接): the grid, the two sides, meeting requests and meetings.

The Sichuan side is an event's approved applications (an enterprise with its delegates);
the other side is a :class:`Counterpart`, a foreign buyer or supplier who registered for
the event or was added from an inbound delegation's members. A :class:`MatchRequest`
always joins one of each, so nobody can ask to meet themselves or their own side.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo.db import enum_column, one_of, utcnow
from expo.extensions import Model
from expo.i18n import Bilingual, country_name

if TYPE_CHECKING:
    from expo.delegations.models import Member
    from expo.events.models import Event
    from expo.registrations.models import Application


class CounterpartStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CounterpartRole(enum.StrEnum):
    BUYER = "buyer"
    SUPPLIER = "supplier"


class Side(enum.StrEnum):
    """Who asked for a meeting."""

    SICHUAN = "sichuan"
    COUNTERPART = "counterpart"


class RequestStatus(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Priority(enum.IntEnum):
    LOW = 1
    NORMAL = 2
    HIGH = 3


class Attendance(enum.StrEnum):
    HELD = "held"
    NO_SHOW = "no_show"


class Interest(enum.StrEnum):
    NONE = "none"
    FOLLOW_UP = "follow_up"
    INTENTION = "intention"
    DEAL = "deal"


COUNTERPART_STATUS_LABELS = {
    CounterpartStatus.PENDING: _l("Pending review"),
    CounterpartStatus.APPROVED: _l("Approved"),
    CounterpartStatus.REJECTED: _l("Rejected"),
}
COUNTERPART_ROLE_LABELS = {
    CounterpartRole.BUYER: _l("Buyer"),
    CounterpartRole.SUPPLIER: _l("Supplier"),
}
REQUEST_STATUS_LABELS = {
    RequestStatus.REQUESTED: _l("Requested"),
    RequestStatus.ACCEPTED: _l("Accepted"),
    RequestStatus.DECLINED: _l("Declined"),
    RequestStatus.WITHDRAWN: _l("Withdrawn"),
}
PRIORITY_LABELS = {
    Priority.LOW: _l("Low"),
    Priority.NORMAL: _l("Normal"),
    Priority.HIGH: _l("High"),
}
ATTENDANCE_LABELS = {
    Attendance.HELD: _l("Held"),
    Attendance.NO_SHOW: _l("No-show"),
}
INTEREST_LABELS = {
    Interest.NONE: _l("No interest"),
    Interest.FOLLOW_UP: _l("Follow-up"),
    Interest.INTENTION: _l("Intention"),
    Interest.DEAL: _l("Deal"),
}


def split_codes(text: str) -> list[str]:
    """``"84, 85"`` → ``["84", "85"]``: the stored comma-separated lists."""
    return [part.strip() for part in text.split(",") if part.strip()]


class MatchGrid(Model):
    """An event's meeting grid and the rules of its request window (one per event)."""

    __tablename__ = "match_grids"
    __table_args__ = (
        sa.CheckConstraint("slot_minutes BETWEEN 5 AND 240", name="slot_minutes"),
        sa.CheckConstraint("tables BETWEEN 1 AND 500", name="tables"),
        sa.CheckConstraint("max_requests >= 1", name="max_requests"),
        sa.CheckConstraint("max_meetings >= 1", name="max_meetings"),
        sa.CheckConstraint(
            "requests_close_at IS NULL OR requests_open_at IS NULL"
            " OR requests_close_at > requests_open_at",
            name="request_window",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), unique=True
    )
    slot_minutes: Mapped[int] = mapped_column(default=20)
    tables: Mapped[int] = mapped_column(default=10)
    # When participants may browse the other side and ask for meetings (UTC).
    requests_open_at: Mapped[datetime | None]
    requests_close_at: Mapped[datetime | None]
    # Most requests one participant may send, and most meetings one may be given.
    max_requests: Mapped[int] = mapped_column(default=10)
    max_meetings: Mapped[int] = mapped_column(default=12)
    published_at: Mapped[datetime | None]
    scheduled_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship()
    windows: Mapped[list[MatchWindow]] = relationship(
        back_populates="grid", order_by="MatchWindow.starts_at", cascade="all, delete-orphan"
    )
    interpreters: Mapped[list[MatchInterpreter]] = relationship(
        back_populates="grid", order_by="MatchInterpreter.language", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class MatchWindow(Model):
    """A stretch of meetings (e.g. 09:00–12:00); the gaps between windows are breaks."""

    __tablename__ = "match_windows"
    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(
        sa.ForeignKey("match_grids.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    grid: Mapped[MatchGrid] = relationship(back_populates="windows")


class MatchInterpreter(Model):
    """How many interpreters between Chinese and one language are free in every slot."""

    __tablename__ = "match_interpreters"
    __table_args__ = (
        sa.UniqueConstraint("grid_id", "language"),
        sa.CheckConstraint("available >= 0", name="available"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("match_grids.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(sa.String(8))
    available: Mapped[int] = mapped_column(default=1)

    grid: Mapped[MatchGrid] = relationship(back_populates="interpreters")


class SichuanProfile(Model):
    """What an approved application shows the other side, and the languages it speaks."""

    __tablename__ = "match_sichuan_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), unique=True
    )
    summary_zh: Mapped[str] = mapped_column(sa.Text, default="")
    summary_en: Mapped[str] = mapped_column(sa.Text, default="")
    hs_chapters: Mapped[str] = mapped_column(sa.String(300), default="")
    languages: Mapped[str] = mapped_column(sa.String(100), default="zh")

    application: Mapped[Application] = relationship()

    summary = Bilingual()


class Counterpart(Model):
    """A foreign buyer or supplier on the other side of the tables."""

    __tablename__ = "match_counterparts"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", CounterpartStatus), name="status"),
        sa.CheckConstraint(one_of("role", CounterpartRole), name="role"),
        sa.UniqueConstraint("event_id", "member_id"),
        sa.Index("ix_match_counterparts_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    role: Mapped[CounterpartRole] = mapped_column(
        enum_column(CounterpartRole, 16), default=CounterpartRole.BUYER
    )
    organization_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    organization_en: Mapped[str] = mapped_column(sa.String(200), default="")
    country: Mapped[str] = mapped_column(sa.String(2))
    contact_name_zh: Mapped[str] = mapped_column(sa.String(100), default="")
    contact_name_latin: Mapped[str] = mapped_column(sa.String(100), default="")
    # Private: organizers only, never shown to the Sichuan side.
    email: Mapped[str] = mapped_column(sa.String(254))
    mobile: Mapped[str] = mapped_column(sa.String(32), default="")
    offers: Mapped[str] = mapped_column(sa.Text, default="")
    needs: Mapped[str] = mapped_column(sa.Text, default="")
    hs_chapters: Mapped[str] = mapped_column(sa.String(300), default="")
    languages: Mapped[str] = mapped_column(sa.String(100), default="en")
    # The language of the mail sent to them.
    language: Mapped[str] = mapped_column(sa.String(8), default="en")
    status: Mapped[CounterpartStatus] = mapped_column(
        enum_column(CounterpartStatus, 16), default=CounterpartStatus.PENDING
    )
    # Added from an inbound delegation: their itinerary makes them unavailable.
    member_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegation_members.id", ondelete="SET NULL")
    )
    # A private link opens their matchmaking page without an account (SHA-256 stored).
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    event: Mapped[Event] = relationship()
    member: Mapped[Member | None] = relationship()

    organization = Bilingual()

    @property
    def contact_name(self) -> str:
        both = [part for part in (self.contact_name_zh, self.contact_name_latin) if part]
        return " / ".join(both)

    @property
    def organization_both(self) -> str:
        both = [p for p in (self.organization_zh, self.organization_en) if p]
        return " / ".join(dict.fromkeys(both))

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def status_label(self) -> str:
        return str(COUNTERPART_STATUS_LABELS[CounterpartStatus(self.status)])

    @property
    def role_label(self) -> str:
        return str(COUNTERPART_ROLE_LABELS[CounterpartRole(self.role)])

    @property
    def language_list(self) -> list[str]:
        return split_codes(self.languages)

    @property
    def hs_list(self) -> list[str]:
        return split_codes(self.hs_chapters)


class MatchRequest(Model):
    """One side asking to meet one participant of the other side."""

    __tablename__ = "match_requests"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", RequestStatus), name="status"),
        sa.CheckConstraint(one_of("from_side", Side), name="from_side"),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name="priority"),
        sa.UniqueConstraint("application_id", "counterpart_id"),
        sa.Index("ix_match_requests_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    counterpart_id: Mapped[int] = mapped_column(
        sa.ForeignKey("match_counterparts.id", ondelete="CASCADE"), index=True
    )
    from_side: Mapped[Side] = mapped_column(enum_column(Side, 16))
    priority: Mapped[int] = mapped_column(default=Priority.NORMAL.value)
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, 16), default=RequestStatus.REQUESTED
    )
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    added_by_organizer: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship()
    counterpart: Mapped[Counterpart] = relationship()
    meeting: Mapped[Meeting | None] = relationship(back_populates="request", uselist=False)

    @property
    def status_label(self) -> str:
        return str(REQUEST_STATUS_LABELS[RequestStatus(self.status)])

    @property
    def priority_label(self) -> str:
        return str(PRIORITY_LABELS[Priority(self.priority)])


class Meeting(Model):
    """An accepted request placed at a slot and a table.

    The participants are copied from the request so that the database itself refuses a
    second meeting of the same participant, or of the same table, at the same time.
    """

    __tablename__ = "match_meetings"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "starts_at", "table_number"),
        sa.UniqueConstraint("event_id", "starts_at", "application_id"),
        sa.UniqueConstraint("event_id", "starts_at", "counterpart_id"),
        sa.CheckConstraint("table_number >= 1", name="table_number"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint(
            f"attendance IS NULL OR {one_of('attendance', Attendance)}", name="attendance"
        ),
        sa.CheckConstraint(f"interest IS NULL OR {one_of('interest', Interest)}", name="interest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("match_requests.id", ondelete="CASCADE"), unique=True
    )
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    counterpart_id: Mapped[int] = mapped_column(
        sa.ForeignKey("match_counterparts.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    table_number: Mapped[int]
    # The language an interpreter works in at this meeting, "" when none is needed.
    interpreter_language: Mapped[str] = mapped_column(sa.String(8), default="")
    # Set on publishing; a meeting changed afterwards tells its two participants.
    published: Mapped[bool] = mapped_column(default=False)
    attendance: Mapped[Attendance | None] = mapped_column(enum_column(Attendance, 16))
    interest: Mapped[Interest | None] = mapped_column(enum_column(Interest, 16))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    request: Mapped[MatchRequest] = relationship(back_populates="meeting")
    application: Mapped[Application] = relationship()
    counterpart: Mapped[Counterpart] = relationship()

    def has_begun(self, now: datetime | None = None) -> bool:
        """Published and begun: its two sides may say how it went."""
        return self.published and self.starts_at <= (now or utcnow())

    @property
    def attendance_label(self) -> str:
        return str(ATTENDANCE_LABELS[Attendance(self.attendance)]) if self.attendance else ""

    @property
    def interest_label(self) -> str:
        return str(INTEREST_LABELS[Interest(self.interest)]) if self.interest else ""
