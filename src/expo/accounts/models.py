from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from expo.db import utcnow
from expo.extensions import Model

if TYPE_CHECKING:
    from expo.enterprises.models import Enterprise


class Role(enum.StrEnum):
    ADMIN = "admin"
    ORGANIZER = "organizer"
    ENTERPRISE = "enterprise"


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role IN ('admin', 'organizer', 'enterprise')", name="role"),
        sa.CheckConstraint("locale IN ('zh', 'en')", name="locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased by the services, so the unique index is case-insensitive in effect.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str] = mapped_column(sa.String(100))
    mobile: Mapped[str] = mapped_column(sa.String(32), default="")
    role: Mapped[str] = mapped_column(sa.String(16), default=Role.ENTERPRISE.value)
    locale: Mapped[str] = mapped_column(sa.String(5), default="zh")
    # The clock history is shown on (submissions, reviews, jobs, audit): China time unless
    # the user picks another on the profile page.
    timezone: Mapped[str] = mapped_column(
        sa.String(64), default="Asia/Shanghai", server_default="Asia/Shanghai"
    )
    active: Mapped[bool] = mapped_column(default=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enterprises.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the user proved the address is theirs by opening the link mailed at sign-up.
    # Accounts made otherwise (an invitation mailed to the address, the command line, the
    # demo) count as proved when made; None only for a sign-up not confirmed yet.
    email_verified_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    # When the user last ended every session at once ("sign out everywhere", or signing
    # out of a browser that was remembered); None until they first do.
    sessions_ended_at: Mapped[datetime | None]

    enterprise: Mapped[Enterprise | None] = relationship(back_populates="users")

    @property
    def session_stamp(self) -> str:
        """Carried by every session and remember-me cookie; when it changes they all end."""
        moment = max(self.password_changed_at, self.sessions_ended_at or self.password_changed_at)
        return str(round(moment.timestamp() * 1_000_000))

    def get_id(self) -> str:
        return f"{self.id}:{self.session_stamp}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_organizer(self) -> bool:
        """Organizers and admins manage campaigns, events and reviews."""
        return self.role in (Role.ORGANIZER, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
