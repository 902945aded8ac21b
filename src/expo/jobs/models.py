from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from expo.db import enum_column, one_of, utcnow
from expo.extensions import Model

if TYPE_CHECKING:
    from expo.accounts.models import User
    from expo.delegations.models import Delegation
    from expo.events.models import Campaign, Event


class JobKind(enum.StrEnum):
    CERTIFICATES = "certificates"  # each approved application's certificate, issued once
    BADGES = "badges"  # each approved application's name badges, on sheets of its own
    RESULTS = "results"  # the results report of a campaign or year, one PDF
    # A delegation's: each member's visa invitation letter (inbound only), each member's
    # own itinerary; one PDF per member (jobs.delegation_jobs).
    INVITATION_LETTERS = "invitations"
    MEMBER_ITINERARIES = "itineraries"
    # Every certificate of a campaign: a run that starts one certificate job per event.
    CAMPAIGN_CERTIFICATES = "campaign_certs"


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

# A running job holds a lease its worker renews with every batch (a few seconds each; a
# bundle or a report's layout at most a few minutes); one silent for longer than the lease
# (``JOBS_LEASE_SECONDS``) lost its worker, and the next worker to start resumes it.
STALE_AFTER = timedelta(minutes=5)


def lease() -> timedelta:
    """The lease of this installation (``JOBS_LEASE_SECONDS``), else ``STALE_AFTER``."""
    seconds = current_app.config.get("JOBS_LEASE_SECONDS") if has_app_context() else None
    return timedelta(seconds=seconds) if seconds else STALE_AFTER


ABANDONED = "The worker stopped answering."


@dataclass(frozen=True)
class JobState:
    """A job as its pages show it at one moment: the row read with the clock."""

    status: JobStatus
    error: str

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass(frozen=True)
class PrintVolume:
    """One volume of a job's print file: documents ``first`` to ``last`` (from 1)."""

    number: int
    sha256: str
    first: int
    last: int
    pages: int

    @classmethod
    def from_json(cls, number: int, value: dict[str, Any]) -> PrintVolume:
        return cls(
            number=number,
            sha256=str(value["sha256"]),
            first=int(value["first"]),
            last=int(value["last"]),
            pages=int(value["pages"]),
        )

    def to_json(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "first": self.first, "last": self.last, "pages": self.pages}


@dataclass(frozen=True)
class JobKindInfo:
    """What the pages say about a kind of job. The work itself is ``tasks.BATCHES[kind]``."""

    label: str
    item_label: str  # what the job page counts
    zip_label: str  # the link to the ZIP of single files
    already_running: str  # the message when someone starts it twice
    download_label: str = _l("Download one print file (PDF)")


# The registry of job kinds: a new kind is a member of JobKind, an entry here and a batch
# function in tasks.BATCHES (tests/jobs check that none is missing).
JOB_KINDS: dict[JobKind, JobKindInfo] = {
    JobKind.CERTIFICATES: JobKindInfo(
        label=_l("Certificates of participation"),
        item_label=_l("Certificates processed"),
        zip_label=_l("Download ZIP (one PDF per certificate)"),
        already_running=_l("Certificates are already being issued for this event."),
    ),
    JobKind.BADGES: JobKindInfo(
        label=_l("Name badges"),
        item_label=_l("Enterprises processed"),
        zip_label=_l("Download ZIP (one PDF of badges per enterprise)"),
        already_running=_l("Name badges are already being printed for this event."),
    ),
    JobKind.RESULTS: JobKindInfo(
        label=_l("Results report"),
        item_label=_l("Steps done: figures, charts, a page per event, the layout"),
        zip_label="",
        already_running="",
        download_label=_l("Download the results report (PDF)"),
    ),
    JobKind.INVITATION_LETTERS: JobKindInfo(
        label=_l("Invitation letters"),
        item_label=_l("Members processed"),
        zip_label=_l("Download ZIP (one invitation letter per member)"),
        already_running=_l("Invitation letters are already being printed for this delegation."),
    ),
    JobKind.MEMBER_ITINERARIES: JobKindInfo(
        label=_l("Members' itineraries"),
        item_label=_l("Members processed"),
        zip_label=_l("Download ZIP (one itinerary per member)"),
        already_running=_l("Itineraries are already being printed for this delegation."),
    ),
    JobKind.CAMPAIGN_CERTIFICATES: JobKindInfo(
        label=_l("Certificates of participation of a campaign"),
        item_label=_l("Certificates processed in all events"),
        zip_label="",
        already_running=_l("Certificates are already being issued for this campaign."),
    ),
}
# Campaign-wide runs and the kind of the event jobs each starts (``campaign_runs``): a run
# does no work of its own, so it has no batch in ``tasks`` and no lease of its own.
CAMPAIGN_RUNS: dict[JobKind, JobKind] = {JobKind.CAMPAIGN_CERTIFICATES: JobKind.CERTIFICATES}


class DocumentJob(Model):
    """Documents made in bulk for one event by a worker, e.g. every certificate.

    The worker writes the progress here (``done``/``failed`` of ``total``) after every
    small batch, and reads ``cancel_requested`` between batches: the web process only
    ever reads this row and flips that flag, so any web host can show or stop any job.
    The results (a ZIP of single PDFs, one merged print file) are in the document store.
    """

    __tablename__ = "document_jobs"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", JobStatus), name="status"),
        sa.CheckConstraint(one_of("kind", JobKind), name="kind"),
        # One job of a kind at a time per event, also when two organizers click at once.
        sa.Index(
            "uq_document_jobs_active_event_kind",
            "event_id",
            "kind",
            unique=True,
            postgresql_where=sa.text(_ACTIVE_SQL),
            sqlite_where=sa.text(_ACTIVE_SQL),
        ),
        # One job of a kind at a time per delegation.
        sa.Index(
            "uq_document_jobs_active_delegation_kind",
            "delegation_id",
            "kind",
            unique=True,
            postgresql_where=sa.text(_ACTIVE_SQL),
            sqlite_where=sa.text(_ACTIVE_SQL),
        ),
        # One campaign-wide run of a kind at a time per campaign.
        sa.Index(
            "uq_document_jobs_active_campaign_kind",
            "campaign_id",
            "kind",
            unique=True,
            postgresql_where=sa.text(_ACTIVE_SQL),
            sqlite_where=sa.text(_ACTIVE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(enum_column(JobKind, 16))
    # The event whose documents are made; none for a results report, which covers what
    # ``parameters`` (the results page's filters) select.
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    # The delegation whose members' documents are made (letters, itineraries), if any.
    delegation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegations.id", ondelete="CASCADE"), index=True
    )
    # A campaign-wide run's campaign; its event jobs point to it through ``parent_id``.
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("document_jobs.id", ondelete="SET NULL"), index=True
    )
    parameters: Mapped[dict[str, Any]] = mapped_column(
        sa.JSON, default=dict, server_default=sa.text("'{}'")
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, 16), default=JobStatus.QUEUED)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    zip_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # The print file; with a large event its first volume.
    merged_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # The print file in volumes of at most JOBS_VOLUME_PAGES pages, in order, each
    # ``{"sha256", "first", "last", "pages"}`` (first and last: which documents, from 1).
    print_volumes: Mapped[list[dict[str, Any]]] = mapped_column(
        sa.JSON, default=list, server_default=sa.text("'[]'")
    )
    # The pieces of the bundling still to record (the ZIP, each range of the print file,
    # a badge job's sheet), taken by whichever workers are free; the last done ends the job.
    bundle_pieces_left: Mapped[int] = mapped_column(default=0, server_default="0")
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    # The worker's last sign of life (each batch): a running job silent for long lost its
    # worker (killed, machine gone) and no longer blocks a new one.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    event: Mapped[Event | None] = relationship()
    delegation: Mapped[Delegation | None] = relationship()
    campaign: Mapped[Campaign | None] = relationship()
    requested_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[JobStatus(self.status)])

    @property
    def is_campaign_run(self) -> bool:
        return self.kind in CAMPAIGN_RUNS

    def is_abandoned(self, now: datetime | None = None) -> bool:
        """Running, but its worker has said nothing for longer than the lease. A campaign
        run has no worker: it is running while its event jobs are."""
        if self.status != JobStatus.RUNNING.value or self.is_campaign_run:
            return False
        last = self.heartbeat_at or self.started_at or self.created_at
        return last < (now or utcnow()) - lease()

    def effective_state(self, now: datetime | None = None) -> JobState:
        """What the pages show: an abandoned job as failed, which may be started again.

        Computed, never written: reading a page changes nothing. The row itself is
        settled by whoever acts on the job next (``services.start_job`` gives the
        abandoned job up before it starts a new one, ``services.request_cancel`` stops it).
        """
        if self.is_abandoned(now):
            error = f"{self.error}\n{ABANDONED}" if self.error else ABANDONED
            return JobState(JobStatus.FAILED, error)
        return JobState(JobStatus(self.status), self.error)

    @property
    def subject_title(self) -> str:
        """What the job makes documents of, by its title: its event, delegation or campaign."""
        subject = self.event or self.delegation or self.campaign
        return str(subject.title) if subject is not None else ""

    @property
    def kind_label(self) -> str:
        return str(JOB_KINDS[JobKind(self.kind)].label)

    @property
    def item_label(self) -> str:
        return str(JOB_KINDS[JobKind(self.kind)].item_label)

    @property
    def zip_label(self) -> str:
        return str(JOB_KINDS[JobKind(self.kind)].zip_label)

    @property
    def download_label(self) -> str:
        return str(JOB_KINDS[JobKind(self.kind)].download_label)

    @property
    def results_ready(self) -> bool:
        """Whether its ZIP and print file are offered: once it is done. While it bundles,
        the pieces record their parts one at a time (a volume numbered by what has come
        so far), and a job stopped meanwhile keeps the parts it had, not the whole."""
        return self.status == JobStatus.DONE.value

    @property
    def volumes(self) -> list[PrintVolume]:
        """The print file's volumes, in order: none for a job without volumes (badges,
        a results report, or one made before volumes), whose print file is one file."""
        return [
            PrintVolume.from_json(number, value)
            for number, value in enumerate(self.print_volumes or [], start=1)
        ]

    def __repr__(self) -> str:
        return f"<DocumentJob {self.id} {self.kind} event={self.event_id} {self.status}>"


class DocumentJobFile(Model):
    """A file a job made for one application (its badge sheet) or one delegation member
    (their invitation letter, their itinerary), kept for the bundles.

    Certificates need no such row: the certificate itself records its file.
    """

    __tablename__ = "document_job_files"
    __table_args__ = (
        sa.UniqueConstraint("job_id", "application_id"),
        sa.UniqueConstraint("job_id", "member_id"),
        # An application's file (badges) or a member's (letters, itineraries), one of them.
        sa.CheckConstraint("(application_id IS NULL) <> (member_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(
        sa.ForeignKey("document_jobs.id", ondelete="CASCADE"), index=True
    )
    application_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegation_members.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))  # the file's name in the ZIP
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size_bytes: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
