"""What a worker runs. Each task is the edge of its work: it commits, a batch at a time.

A job is split into parts: ``run_document_job`` claims it, counts its items and queues one
``issue_certificates`` task per part, so every worker process (on this machine, or on
others through Redis) takes parts of the same job at once. A part reserves a batch of
certificates (their serials) and commits, prints them outside any transaction, then
records the files and the progress and commits again: the serial lock and, on SQLite, the
database's write lock are held for milliseconds, never during a rendering. The part whose
progress completes the job bundles the results.

``TASKS`` names every task; ``expo.jobs.queue`` registers them on the app's queue under
these names, which the web process and every worker share.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app

from expo.accounts.models import User
from expo.db import utcnow
from expo.documents import certificates
from expo.errors import DomainError
from expo.extensions import db
from expo.jobs import queue, services
from expo.jobs.models import DocumentJob, JobKind, JobStatus
from expo.registrations.models import Application

logger = logging.getLogger(__name__)


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
    """Claim the job, count its items and queue its parts (``JOBS_PART_SIZE`` each)."""
    if not _claim(job_id):
        return "skipped"
    try:
        job = db.session.get(DocumentJob, job_id)
        if job.kind != JobKind.CERTIFICATES.value:
            raise ValueError(f"unknown job kind {job.kind!r}")
        application_ids = services.approved_application_ids(job.event_id)
        job.total = len(application_ids)
        db.session.commit()
        if not application_ids:
            return _bundle(job_id)
        size = max(1, current_app.config["JOBS_PART_SIZE"])
        for start in range(0, len(application_ids), size):
            queue.enqueue(ISSUE_CERTIFICATES, job_id, application_ids[start : start + size])
    except Exception as error:
        return _fail(job_id, error)
    db.session.expire_all()  # inline (tests), the parts have run already
    return db.session.get(DocumentJob, job_id).status


def issue_certificates(job_id: int, application_ids: list[int]) -> str:
    """One part of a job: its certificates, a batch per reservation and per record."""
    batch_size = max(1, current_app.config["JOBS_BATCH_SIZE"])
    try:
        complete = False
        for start in range(0, len(application_ids), batch_size):
            if _should_stop(job_id):
                return _stop(job_id)
            complete = _issue_batch(job_id, application_ids[start : start + batch_size])
            # What the batch loaded is not needed again; a thousand certificates later
            # the session would otherwise hold every one of them.
            db.session.expunge_all()
        if complete:
            return _bundle(job_id)
    except Exception as error:
        return _fail(job_id, error)
    return JobStatus.RUNNING.value


def _issue_batch(job_id: int, application_ids: list[int]) -> bool:
    """Reserve, print and record one batch; True when it was the job's last."""
    actor_id = db.session.scalar(
        sa.select(DocumentJob.requested_by_id).where(DocumentJob.id == job_id)
    )
    actor = db.session.get(User, actor_id) if actor_id else None
    errors: list[str] = []

    reserved = []
    for application_id in application_ids:
        try:
            with db.session.begin_nested():
                application = db.session.get(Application, application_id)
                reserved.append(certificates.reserve_certificate(application, actor=actor))
        except DomainError as error:  # e.g. no longer approved: recorded, not fatal
            errors.append(f"#{application_id}: {error}")
    db.session.commit()

    printed = []
    for certificate in reserved:
        if not certificate.is_pending:  # issued before (a job run again)
            printed.append((certificate, None))
            continue
        try:
            printed.append((certificate, certificates.print_certificate(certificate)))
        except Exception as error:
            logger.exception("certificate %s could not be printed", certificate.serial)
            errors.append(f"#{certificate.application_id}: {type(error).__name__}: {error}")

    # The job's row first: on PostgreSQL its row lock, on SQLite the write lock, so
    # parts finishing together count one after the other.
    db.session.execute(
        sa.update(DocumentJob).where(DocumentJob.id == job_id).values(heartbeat_at=utcnow())
    )
    for certificate, result in printed:
        if result is not None:
            certificates.finish_certificate(certificate, result, actor=actor)
    job = db.session.get(DocumentJob, job_id, populate_existing=True)
    job.done += len(printed)
    job.failed += len(application_ids) - len(printed)
    for line in errors:
        services.append_error(job, line)
    complete = job.status == JobStatus.RUNNING.value and job.done + job.failed >= job.total
    db.session.commit()
    return complete


def _bundle(job_id: int) -> str:
    """The ZIP and the merged print file, then the job is done."""
    if _should_stop(job_id):
        return _stop(job_id)
    job = db.session.get(DocumentJob, job_id)
    event_certificates = services.event_certificates(job.event_id)
    zip_sha256, merged_sha256 = services.bundle_certificates(event_certificates)
    job = db.session.get(DocumentJob, job_id)
    job.zip_sha256, job.merged_sha256 = zip_sha256, merged_sha256
    _finish(job, JobStatus.DONE)
    return JobStatus.DONE.value


def _fail(job_id: int, error: Exception) -> str:
    logger.exception("document job %s failed", job_id)
    db.session.rollback()
    job = db.session.get(DocumentJob, job_id)
    if job.is_active:
        services.append_error(job, f"{type(error).__name__}: {error}")
        _finish(job, JobStatus.FAILED)
    return JobStatus.FAILED.value


RUN_DOCUMENT_JOB = "expo.jobs.run_document_job"
ISSUE_CERTIFICATES = "expo.jobs.issue_certificates"
TASKS = {RUN_DOCUMENT_JOB: run_document_job, ISSUE_CERTIFICATES: issue_certificates}
