"""Campaign-wide runs: every certificate of a campaign's events, as one job.

A run is a ``DocumentJob`` of a kind in ``CAMPAIGN_RUNS`` with the campaign's id. It does
no work of its own: starting it starts (or adopts, if one is under way) the certificate job
of each event that has something to issue, linked to it by ``parent_id``. Each of those
runs, resumes and bundles exactly as when it is started from its event's page, so the
memory a worker needs is that of one event's batch and one print volume, whatever the
size of the campaign.

The run's figures are its event jobs' (the newest one of each event, which a resumed job
replaces) summed when read, never counted into its own row while they work: parts of a
dozen events finishing batches at once would otherwise all wait for the run's row lock.
They are written to its row once, when the run is settled: by the event job whose end
leaves none running, under the run's row lock so two ending together settle it once, or
by the sweep if that worker died in between.

Like every service these flush and never commit; the caller queues the event jobs started
(``RunStarted.to_queue``) after its commit.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.db import utcnow
from expo.documents.certificates import certifiable_counts
from expo.events.models import Campaign, Event
from expo.extensions import db
from expo.jobs import services
from expo.jobs.models import (
    ACTIVE_STATUSES,
    CAMPAIGN_RUNS,
    STATUS_LABELS,
    DocumentJob,
    JobKind,
    JobStatus,
)

if TYPE_CHECKING:
    from expo.accounts.models import User


class NothingToIssue(enum.StrEnum):
    """Why a run started no job for one of the campaign's events."""

    NOT_BEGUN = "not_begun"
    NO_APPROVED = "no_approved"
    NOBODY_CERTIFIABLE = "nobody_certifiable"


NOTHING_TO_ISSUE_LABELS = {
    NothingToIssue.NOT_BEGUN: _l("Nothing to issue: the event has not begun."),
    NothingToIssue.NO_APPROVED: _l("Nothing to issue: no approved applications."),
    NothingToIssue.NOBODY_CERTIFIABLE: _l(
        "Nothing to issue: no approved enterprise is verified and checked in."
    ),
}


@dataclass(frozen=True)
class RunStarted:
    run: DocumentJob
    created: bool  # False: the run under way was returned; queue nothing
    to_queue: list[int]  # the event jobs this start created, for the queue after the commit


@dataclass(frozen=True)
class RunEvent:
    """One event of a run, as its page shows it: its job, or why it has none."""

    event: Event
    job: DocumentJob | None
    nothing_to_issue: NothingToIssue | None

    @property
    def nothing_to_issue_label(self) -> str:
        return str(NOTHING_TO_ISSUE_LABELS[self.nothing_to_issue]) if self.nothing_to_issue else ""


@dataclass(frozen=True)
class Figures:
    total: int
    done: int
    failed: int


# --- looking up -----------------------------------------------------------------------


def active_run(
    campaign: Campaign, kind: JobKind = JobKind.CAMPAIGN_CERTIFICATES
) -> DocumentJob | None:
    return services.active_job_of(DocumentJob.campaign_id == campaign.id, kind)


def latest_runs(
    campaign_ids: Collection[int], kind: JobKind = JobKind.CAMPAIGN_CERTIFICATES
) -> dict[int, DocumentJob]:
    """The newest run of this kind of each of the campaigns that has one, by campaign id:
    one query for a whole page of campaigns."""
    if not campaign_ids:
        return {}
    newest = services.newest_job_ids(
        sa.and_(DocumentJob.campaign_id.in_(campaign_ids), DocumentJob.kind == kind.value),
        per=DocumentJob.campaign_id,
    )
    runs = db.session.scalars(sa.select(DocumentJob).where(DocumentJob.id.in_(newest)))
    return {run.campaign_id: run for run in runs if run.campaign_id is not None}


def event_jobs(run_id: int) -> list[DocumentJob]:
    """The run's job of each event: the newest, since a resumed job replaces its first."""
    newest = services.newest_job_ids(DocumentJob.parent_id == run_id, per=DocumentJob.event_id)
    return list(
        db.session.scalars(
            sa.select(DocumentJob)
            .where(DocumentJob.id.in_(newest))
            .options(joinedload(DocumentJob.event))
            .order_by(DocumentJob.id)
            # As they are now: a job adopted by a run may have ended since it was read.
            .execution_options(populate_existing=True)
        )
    )


def run_events(run: DocumentJob) -> list[RunEvent]:
    """Every event of the run, in the order they take place, in two queries."""
    rows = [RunEvent(job.event, job, None) for job in event_jobs(run.id) if job.event]
    skipped = {int(event_id): reason for event_id, reason in _skipped(run).items()}
    if skipped:
        for event in db.session.scalars(sa.select(Event).where(Event.id.in_(skipped))):
            rows.append(RunEvent(event, None, NothingToIssue(skipped[event.id])))
    return sorted(rows, key=lambda row: (row.event.starts_at, row.event.id))


def figures(run: DocumentJob, jobs: list[DocumentJob] | None = None) -> Figures:
    """The run's progress: its event jobs' while it runs, its own once settled."""
    if not run.is_active:
        return Figures(run.total, run.done, run.failed)
    jobs = event_jobs(run.id) if jobs is None else jobs
    return Figures(
        sum(job.total for job in jobs),
        sum(job.done for job in jobs),
        sum(job.failed for job in jobs),
    )


def _skipped(run: DocumentJob) -> dict[str, str]:
    return dict((run.parameters or {}).get("skipped", {}))


# --- starting, settling, stopping ---------------------------------------------------------


def _nothing_to_issue(
    event: Event, approved: int, certifiable: int, now: datetime
) -> NothingToIssue | None:
    """Why the event's certificate job would refuse every application, as
    ``certificates.reserve_certificate`` does: a job started anyway would only fail."""
    if now < event.starts_at:
        return NothingToIssue.NOT_BEGUN
    if not approved:
        return NothingToIssue.NO_APPROVED
    if not certifiable:
        return NothingToIssue.NOBODY_CERTIFIABLE
    return None


def start_certificate_run(
    campaign: Campaign, *, actor: User | None, now: datetime | None = None
) -> RunStarted:
    """A run issuing every certificate of the campaign's events, or the one under way.

    Events with nothing to issue get no job; the run's page says why. An event whose
    certificate job is already under way keeps it: the run adopts it.
    """
    now = now or utcnow()
    existing = active_run(campaign)
    if existing is not None and not settle_run(existing.id):
        return RunStarted(existing, created=False, to_queue=[])
    run = DocumentJob(
        kind=JobKind.CAMPAIGN_CERTIFICATES.value,
        campaign_id=campaign.id,
        requested_by_id=getattr(actor, "id", None),
        # Running at once: nothing is queued for the run itself, only its event jobs.
        status=JobStatus.RUNNING.value,
        started_at=now,
        heartbeat_at=now,
    )
    started = services.add_unless_active(run, lambda: active_run(campaign))
    if not started.created:
        return RunStarted(started.job, created=False, to_queue=[])

    events = list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.campaign_id == campaign.id)
            .order_by(Event.starts_at, Event.id)
        )
    )
    counts = certifiable_counts([event.id for event in events])
    skipped: dict[str, str] = {}
    to_queue = []
    total = 0
    for event in events:
        count = counts[event.id]
        reason = _nothing_to_issue(event, count.approved, count.certifiable, now)
        if reason is not None:
            skipped[str(event.id)] = reason.value
            continue
        started = services.start_job(event, CAMPAIGN_RUNS[JobKind(run.kind)], actor=actor)
        started.job.parent_id = run.id
        total += started.job.total
        if started.created:
            to_queue.append(started.job.id)
    run.parameters = {"skipped": skipped}
    run.total = total
    record(
        actor,
        AuditAction.JOBS_START,
        run,
        kind=run.kind,
        campaign_id=campaign.id,
        events=len(events) - len(skipped),
        total=total,
    )
    db.session.flush()
    settle_run(run.id)  # a campaign with nothing to issue anywhere is done at once
    return RunStarted(run, created=True, to_queue=to_queue)


def _lock(run_id: int, now: datetime) -> bool:
    """The run's row first in the settling transaction (on PostgreSQL its row lock, on
    SQLite the write lock), if it is still running."""
    locked: sa.CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        sa.update(DocumentJob)
        .where(DocumentJob.id == run_id, DocumentJob.status == JobStatus.RUNNING.value)
        .values(heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    return locked.rowcount == 1


def settle_run(run_id: int, *, now: datetime | None = None) -> bool:
    """Finish the run if none of its event jobs is still at work; True if this call did.

    An event job whose worker went silent counts as at work: the sweep resumes it under
    the same run. The run is done when all of them are, cancelled when it was cancelled
    (or some event's job was, and none failed), failed when one failed.
    """
    now = now or utcnow()
    if not _lock(run_id, now):
        return False
    jobs = event_jobs(run_id)
    # The rows as written, not as the pages show them: a job whose worker went silent is
    # still the run's until the sweep resumes it (or someone gives it up).
    statuses = [JobStatus(job.status) for job in jobs]
    if any(status in ACTIVE_STATUSES for status in statuses):
        return False
    run = db.session.get_one(DocumentJob, run_id, populate_existing=True)
    settled = figures(run, jobs)
    run.total, run.done, run.failed = settled.total, settled.done, settled.failed
    if set(statuses) <= {JobStatus.DONE}:
        run.status = JobStatus.DONE  # cancelled too late: every certificate was issued
    elif run.cancel_requested:
        run.status = JobStatus.CANCELLED
    elif JobStatus.FAILED in statuses:
        run.status = JobStatus.FAILED
    else:
        run.status = JobStatus.CANCELLED
    for job, status in zip(jobs, statuses, strict=True):
        if status != JobStatus.DONE and job.event is not None:
            title = job.event.title_zh or job.event.title_en
            label = services.both_languages(STATUS_LABELS[status])
            services.append_error(run, f"#{job.id} {title}: {label}")
    run.finished_at = now
    db.session.flush()
    return True


def settle_finished_runs(*, now: datetime | None = None) -> list[int]:
    """Settle every run whose event jobs have all ended though none settled it (its
    last worker died in between): the sweep's part."""
    at_work = sa.select(DocumentJob.parent_id).where(
        DocumentJob.parent_id.is_not(None),
        DocumentJob.status.in_([status.value for status in ACTIVE_STATUSES]),
    )
    # Read first, locked only if it looks settled: the runs under way are left unwritten.
    candidates = db.session.scalars(
        sa.select(DocumentJob.id).where(
            DocumentJob.kind.in_([kind.value for kind in CAMPAIGN_RUNS]),
            DocumentJob.status == JobStatus.RUNNING.value,
            DocumentJob.id.not_in(at_work),
        )
    ).all()
    return [run_id for run_id in candidates if settle_run(run_id, now=now)]


def settle_parent(job: DocumentJob) -> bool:
    """After an event job ended: settle its run if it was the last at work."""
    return job.parent_id is not None and settle_run(job.parent_id)


def request_cancel(job: DocumentJob, *, actor: User | None) -> DocumentJob:
    """Stop a job. A run stops each of its event jobs (those queued at once, those running
    after their batch) and ends when the last has stopped; an event job that was its run's
    last at work settles the run."""
    if not job.is_campaign_run:
        services.request_cancel(job, actor=actor)
        settle_parent(job)
        return job
    if not job.is_active:
        raise services.JobFinished()
    job.cancel_requested = True
    for event_job in event_jobs(job.id):
        if event_job.is_active:
            services.request_cancel(event_job, actor=actor)
    record(actor, AuditAction.JOBS_CANCEL, job, kind=job.kind, campaign_id=job.campaign_id)
    settle_run(job.id)
    db.session.flush()
    return job
