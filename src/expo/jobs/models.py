from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo.db import utcnow
from expo.extensions import db

if TYPE_CHECKING:
    from expo.accounts.models import User
    from expo.events.models import Event


class JobKind(enum.StrEnum):
    CERTIFICATES = "certificates"


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)
_ACTIVE_SQL = "status IN ('queued', 'running')"

STATUS_LABELS = {
    JobStatus.QUEUED: _l("Waiting for a worker"),
    JobStatus.RUNNING: _l("Running"),
    JobStatus.DONE: _l("Done"),
    JobStatus.CANCELLED: _l("Cancelled"),
    JobStatus.FAILED: _l("Failed"),
}
KIND_LABELS = {JobKind.CERTIFICATES: _l("Certificates of participation")}


class DocumentJob(db.Model):
    """Documents made in bulk for one event by a worker, e.g. every certificate.

    The worker writes the progress here (``done``/``failed`` of ``total``) after every
    small batch, and reads ``cancel_requested`` between batches: the web process only
    ever reads this row and flips that flag, so any web host can show or stop any job.
    The results (a ZIP of single PDFs, one merged print file) are in the document store.
    """

    __tablename__ = "document_jobs"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'cancelled', 'failed')", name="status"
        ),
        sa.CheckConstraint("kind IN ('certificates')", name="kind"),
        # One job of a kind at a time per event, also when two organizers click at once.
        sa.Index(
            "uq_document_jobs_active_event_kind",
            "event_id",
            "kind",
            unique=True,
            postgresql_where=sa.text(_ACTIVE_SQL),
            sqlite_where=sa.text(_ACTIVE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(sa.String(16), default=JobStatus.QUEUED.value)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    zip_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    merged_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    # The worker's last sign of life (each batch): a running job silent for long lost its
    # worker (killed, machine gone) and no longer blocks a new one.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    requested_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[JobStatus(self.status)])

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[JobKind(self.kind)])

    def __repr__(self) -> str:
        return f"<DocumentJob {self.id} {self.kind} event={self.event_id} {self.status}>"
