from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo.db import utcnow
from expo.extensions import Model

if TYPE_CHECKING:
    from expo.accounts.models import User
    from expo.registrations.models import Application

_VALID_SQL = "revoked_at IS NULL"


class Certificate(Model):
    """A participation certificate: issued once, its PDF stored unchanged, maybe revoked.

    The PDF lives in the document store under its SHA-256 (recorded here), so every host
    serves the very bytes that were issued. The serial (``SGG-2027-000123``) and the
    verification code are printed on it; the code is the certificate's public key on
    ``/verify/<code>``.
    """

    __tablename__ = "certificates"
    __table_args__ = (
        # Serials count per prefix and year, without gaps caused by races: the database
        # refuses a second holder of a number and the service takes the next one.
        sa.UniqueConstraint("serial_prefix", "serial_year", "serial_number"),
        # At most one valid certificate per application, also under concurrency.
        sa.Index(
            "uq_certificates_valid_application",
            "application_id",
            unique=True,
            postgresql_where=sa.text(_VALID_SQL),
            sqlite_where=sa.text(_VALID_SQL),
        ),
        sa.CheckConstraint("serial_number >= 1", name="serial_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="RESTRICT"), index=True
    )
    serial: Mapped[str] = mapped_column(sa.String(24), unique=True)
    serial_prefix: Mapped[str] = mapped_column(sa.String(8))
    serial_year: Mapped[int]
    serial_number: Mapped[int]
    verification_code: Mapped[str] = mapped_column(sa.String(43), unique=True)
    # Empty while the certificate is reserved and being printed (see is_pending).
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # What the paper says (names, event, dates, in zh and en), kept as printed so the
    # verification page matches the paper even after the enterprise renames itself.
    facts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    size_bytes: Mapped[int] = mapped_column(default=0)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    revocation_reason: Mapped[str] = mapped_column(sa.Text, default="")
    replaced_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("certificates.id", ondelete="SET NULL")
    )

    application: Mapped[Application] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    replaced_by: Mapped[Certificate | None] = relationship(remote_side=[id])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def is_pending(self) -> bool:
        """Reserved (serial and code allocated) but not printed yet: no file to serve."""
        return not self.sha256

    @classmethod
    def printed(cls) -> sa.ColumnElement[bool]:
        """In a query: printed and stored (its SHA-256 recorded), not only reserved."""
        return cls.sha256 != ""

    @property
    def filename(self) -> str:
        return f"{self.serial}.pdf"

    def __repr__(self) -> str:
        return f"<Certificate {self.serial} {'valid' if self.is_valid else 'revoked'}>"


class AttendanceWaiver(Model):
    """An organizer's word that an application's delegates came, though no badge was scanned
    (say, checked in on paper at a desk without a network): its certificate may be issued.

    One per application; the reason is required and the grant is in the audit log.
    """

    __tablename__ = "attendance_waivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), unique=True
    )
    reason: Mapped[str] = mapped_column(sa.Text)
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    application: Mapped[Application] = relationship()
    granted_by: Mapped[User | None] = relationship()
