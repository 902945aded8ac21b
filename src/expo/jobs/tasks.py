"""What a worker runs. Each task is the edge of its work: it commits, a batch at a time.

``TASKS`` names every task; ``expo.jobs.queue`` registers them on the app's queue under
these names, which the web process and every worker share.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app

from expo.accounts.models import User
from expo.db import utcnow
from expo.documents.certificates import issue_certificate
from expo.errors import DomainError
from expo.extensions import db
from expo.jobs import services
from expo.jobs.models import DocumentJob, JobKind, JobStatus
from expo.registrations.models import Application

logger = logging.getLogger(__name__)

RUN_DOCUMENT_JOB = "expo.jobs.run_document_job"
# Certificates issued per commit: small enough that progress moves every second or two
# and a cancel is heard soon (on SQLite the batch holds the write lock), large enough
# that commits cost little beside rendering.


def _claim(job_id: int) -> bool:
    """queued → running, only once: a task queued twice, or a job cancelled while it
    waited, is not run again."""
    claimed = db.session.execute(
        sa.update(DocumentJob)
        .where(
            DocumentJob.id == job_id,
            DocumentJob.status == JobStatus.QUEUED.value,
            DocumentJob.cancel_requested.is_(False),
        )
        .values(status=JobStatus.RUNNING.value, started_at=utcnow(), heartbeat_at=utcnow())
    ).rowcount
    db.session.commit()
    return claimed == 1


def _should_stop(job_id: int) -> bool:
    """Cancelled by an organizer, or no longer this task's (given up as abandoned)."""
    status, cancel = db.session.execute(
        sa.select(DocumentJob.status, DocumentJob.cancel_requested).where(DocumentJob.id == job_id)
    ).one()
    return cancel or status != JobStatus.RUNNING.value


def _stop(job_id: int) -> str:
    job = db.session.get(DocumentJob, job_id)
    if job.status == JobStatus.RUNNING.value:
        _finish(job, JobStatus.CANCELLED)
    return job.status


def _finish(job: DocumentJob, status: JobStatus) -> None:
    job.status = status.value
    job.finished_at = utcnow()
    db.session.commit()


def run_document_job(job_id: int) -> str:
    """Run the job: issue each item, a batch per commit, then bundle the results."""
    if not _claim(job_id):
        return "skipped"
    try:
        return _run_certificates(job_id)
    except Exception as error:
        logger.exception("document job %s failed", job_id)
        db.session.rollback()
        job = db.session.get(DocumentJob, job_id)
        services.append_error(job, f"{type(error).__name__}: {error}")
        _finish(job, JobStatus.FAILED)
        return JobStatus.FAILED.value


def _run_certificates(job_id: int) -> str:
    job = db.session.get(DocumentJob, job_id)
    if job.kind != JobKind.CERTIFICATES.value:
        raise ValueError(f"unknown job kind {job.kind!r}")
    event_id, actor_id = job.event_id, job.requested_by_id
    batch_size = max(1, current_app.config["JOBS_BATCH_SIZE"])
    application_ids = services.approved_application_ids(event_id)
    job.total = len(application_ids)
    db.session.commit()

    done = failed = 0
    errors: list[str] = []
    for start in range(0, len(application_ids), batch_size):
        if _should_stop(job_id):
            return _stop(job_id)
        actor = db.session.get(User, actor_id) if actor_id else None
        for application_id in application_ids[start : start + batch_size]:
            application = db.session.get(Application, application_id)
            try:
                with db.session.begin_nested():
                    issue_certificate(application, actor=actor)
            except DomainError as error:  # e.g. no longer approved: recorded, not fatal
                failed += 1
                errors.append(f"#{application_id}: {error}")
            except Exception as error:
                logger.exception("certificate for application %s failed", application_id)
                failed += 1
                errors.append(f"#{application_id}: {type(error).__name__}: {error}")
            else:
                done += 1
        job = db.session.get(DocumentJob, job_id)
        job.done, job.failed, job.heartbeat_at = done, failed, utcnow()
        for line in errors:
            services.append_error(job, line)
        errors.clear()
        db.session.commit()
        # What the batch loaded is not needed again; a thousand certificates later the
        # session would otherwise hold every one of them.
        db.session.expunge_all()

    if _should_stop(job_id):
        return _stop(job_id)
    zip_sha256, merged_sha256 = services.bundle_certificates(services.event_certificates(event_id))
    job = db.session.get(DocumentJob, job_id)
    job.zip_sha256, job.merged_sha256 = zip_sha256, merged_sha256
    _finish(job, JobStatus.DONE)
    return JobStatus.DONE.value


TASKS = {RUN_DOCUMENT_JOB: run_document_job}
