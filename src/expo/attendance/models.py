"""Check-ins at an event's door: one standing check-in per delegate.

A delegate is checked in once; scanning the badge again answers "already checked in at
HH:MM by …" and records nothing. An organizer may undo a check-in (it stays on record,
marked undone), after which the delegate can be checked in anew. The database refuses a
second standing check-in for a delegate, so desks scanning at the same moment never count
one arrival twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo.db import utcnow
from expo.extensions import Model

if TYPE_CHECKING:
    from expo.accounts.models import User
    from expo.registrations.models import Application, Delegate

_STANDING_SQL = "undone_at IS NULL"


class CheckIn(Model):
    __tablename__ = "check_ins"
    __table_args__ = (
        sa.Index(
            "uq_check_ins_standing_delegate",
            "delegate_id",
            unique=True,
            postgresql_where=sa.text(_STANDING_SQL),
            sqlite_where=sa.text(_STANDING_SQL),
        ),
        sa.Index("ix_check_ins_event_id_undone_at", "event_id", "undone_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    delegate_id: Mapped[int] = mapped_column(sa.ForeignKey("delegates.id", ondelete="CASCADE"))
    # When the badge was scanned at the desk (maybe offline, synced later) and when the
    # server recorded it.
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The desk's own name for itself ("Hall 3 entrance"), as typed on the check-in page.
    desk: Mapped[str] = mapped_column(sa.String(60), default="")
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    undo_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Scans of the badge after this check-in, answered "already checked in" and counted
    # nowhere else: the desks' duplicates, shown to the organizers.
    repeat_scans: Mapped[int] = mapped_column(default=0, server_default="0")

    delegate: Mapped[Delegate] = relationship()
    application: Mapped[Application] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])

    @property
    def is_standing(self) -> bool:
        return self.undone_at is None

    def __repr__(self) -> str:
        state = "standing" if self.is_standing else "undone"
        return f"<CheckIn delegate={self.delegate_id} {state}>"


class CheckInDesk(Model):
    """A person an organizer let check delegates in at one event's door, and nothing else.

    The person is named by e-mail: when they have an account the row points at it; when
    they have none yet, the row waits and applies once an account with that address,
    its address confirmed, signs in.
    """

    __tablename__ = "check_in_desks"
    __table_args__ = (sa.UniqueConstraint("event_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    granted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])

    def __repr__(self) -> str:
        return f"<CheckInDesk event={self.event_id} {self.email}>"
