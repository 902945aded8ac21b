"""What a worker runs. Each task is the edge of its work: it commits, a batch at a time.

A job is split into parts: ``run_document_job`` claims it, counts its items (the event's
approved applications) and queues one ``run_part`` task per part, so every worker process
(on this machine, or on others through Redis) takes parts of the same job at once.

For certificates a part reserves a batch (their serials) and commits, prints them outside
any transaction (laid out as one document, written out one file each), then records the
files and the progress and commits again: the serial lock and, on SQLite, the database's
write lock are held for milliseconds, never during a rendering. For badges a part prints
each enterprise's sheets and records them the same way. The part whose progress completes
the job bundles the results in pieces, which every worker process takes too: it queues the
print file's pieces (the volumes of ``JOBS_VOLUME_PAGES`` documents each; a badge job's
sheet, laid out anew), then makes the ZIP of single files itself. Each piece records its
result under the job's lock, and the last one recorded ends the job.

``TASKS`` names every task; ``expo.jobs.queue`` registers them on the app's queue under
these names, which the web process and every worker share.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from expo import caching, mail
from expo.db import utcnow
from expo.documents import badges, certificates
from expo.documents.models import Certificate
from expo.documents.storage import document_store
from expo.errors import DomainError
from expo.events.models import Event
from expo.extensions import db
from expo.jobs import campaign_runs, delegation_jobs, queue, services
from expo.jobs.models import DocumentJob, DocumentJobFile, JobKind, JobStatus, PrintVolume
from expo.jobs.services import both_languages
from expo.messaging import sending
from expo.outcomes import reminders
from expo.registrations.models import Application, ApplicationStatus
from expo.results import reports
from expo.results.services import Filters

logger = logging.getLogger(__name__)

# What a batch prints: certificates, or the applications whose badges they are.
Document = TypeVar("Document")
NO_LONGER_APPROVED = _l("This application is no longer approved.")


def _claim(job_id: int) -> bool:
    """queued → running, only once: a task queued twice, or a job cancelled while it
    waited, is not run again."""
    claimed: sa.CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        sa.update(DocumentJob)
        .where(
            DocumentJob.id == job_id,
            DocumentJob.status == JobStatus.QUEUED.value,
            DocumentJob.cancel_requested.is_(False),
        )
        .values(status=JobStatus.RUNNING.value, started_at=utcnow(), heartbeat_at=utcnow())
    )
    db.session.commit()
    return claimed.rowcount == 1


def _should_stop(job_id: int) -> bool:
    """Cancelled by an organizer, or no longer this task's (given up as abandoned)."""
    status, cancel = db.session.execute(
        sa.select(DocumentJob.status, DocumentJob.cancel_requested).where(DocumentJob.id == job_id)
    ).one()
    return cancel or status != JobStatus.RUNNING.value


def _stop(job_id: int) -> str:
    job = db.session.get_one(DocumentJob, job_id)
    if job.status == JobStatus.RUNNING.value:
        _finish(job, JobStatus.CANCELLED)
    return job.status


def _finish(job: DocumentJob, status: JobStatus) -> None:
    """Settle a running job; one given up meanwhile (its lease ran out, a new job took
    over) keeps what it was given up as."""
    settled: sa.CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        sa.update(DocumentJob)
        .where(DocumentJob.id == job.id, DocumentJob.status == JobStatus.RUNNING.value)
        .values(status=status.value, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if settled.rowcount:
        db.session.refresh(job)
        # The last event job of a campaign-wide run to end settles the run.
        if campaign_runs.settle_parent(job):
            db.session.commit()


def run_document_job(job_id: int) -> str:
    """Claim the job, count its items and queue its parts (``JOBS_PART_SIZE`` each)."""
    if not _claim(job_id):
        return "skipped"
    try:
        job = db.session.get_one(DocumentJob, job_id)
        if job.kind in WHOLE_JOBS:
            return WHOLE_JOBS[job.kind](job_id)
        if job.kind not in BATCHES:
            raise ValueError(f"unknown job kind {job.kind!r}")
        if job.delegation_id is not None:
            item_ids = delegation_jobs.member_ids(job.delegation_id)
        elif job.event_id is not None:
            item_ids = services.approved_application_ids(job.event_id)
        else:
            raise ValueError(f"job {job_id} of kind {job.kind!r} has no subject")
        job.total = len(item_ids)
        db.session.commit()
        if not item_ids:
            return _bundle(job_id)
        size = max(1, current_app.config["JOBS_PART_SIZE"])
        for start in range(0, len(item_ids), size):
            queue.enqueue(RUN_PART, job_id, item_ids[start : start + size])
    except Exception as error:
        return _fail(job_id, error)
    db.session.expire_all()  # inline (tests), the parts have run already
    return db.session.get_one(DocumentJob, job_id).status


def run_part(job_id: int, application_ids: list[int]) -> str:
    """One part of a job: its items, a batch per commit."""
    batch_size = max(1, current_app.config["JOBS_BATCH_SIZE"])
    try:
        run_batch = BATCHES[
            db.session.execute(
                sa.select(DocumentJob.kind).where(DocumentJob.id == job_id)
            ).scalar_one()
        ]
        complete = False
        for start in range(0, len(application_ids), batch_size):
            if _should_stop(job_id):
                return _stop(job_id)
            complete = run_batch(job_id, application_ids[start : start + batch_size])
            # What the batch loaded is not needed again; a thousand documents later the
            # session would otherwise hold every one of them.
            db.session.expunge_all()
        if complete:
            return _bundle(job_id)
    except Exception as error:
        return _fail(job_id, error)
    return JobStatus.RUNNING.value


def _issue_certificates(job_id: int, application_ids: list[int]) -> bool:
    """Reserve, print and record a batch of certificates; True when it was the job's last."""
    actor = services.requested_by(job_id)
    errors: list[str] = []

    reserved: list[int] = []
    # The batch in one query, its enterprises and event with it; reserved in a few more.
    loaded = {
        application.id: application
        for application in db.session.scalars(
            sa.select(Application)
            .where(Application.id.in_(application_ids))
            .options(joinedload(Application.enterprise), joinedload(Application.event))
        )
    }
    present = [loaded[number] for number in application_ids if number in loaded]
    outcomes = certificates.reserve_certificates(present, actor=actor) if present else []
    for application_id in application_ids:
        if application_id not in loaded:
            errors.append(f"#{application_id}: {both_languages(NO_LONGER_APPROVED)}")
    for application, outcome in zip(present, outcomes, strict=True):
        if isinstance(outcome, DomainError):
            # Refused (no longer approved, the event not begun, nobody checked in): the
            # job goes on and its page says which application was refused and why.
            enterprise = application.enterprise
            name = enterprise.name_zh or enterprise.name_en
            errors.append(f"#{application.id} {name}: {both_languages(outcome)}")
        else:
            reserved.append(outcome.id)
    db.session.commit()
    # What printing reads of them, in one query rather than one per expired object.
    batch = list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.id.in_(reserved))
            .options(
                joinedload(Certificate.application).options(
                    joinedload(Application.enterprise),
                    joinedload(Application.event).joinedload(Event.campaign),
                )
            )
            .order_by(Certificate.serial)
        )
    )

    # Issued before (a job run again): nothing to print.
    printed: list[tuple[Certificate, certificates.Printed | None]] = [
        (certificate, None) for certificate in batch if not certificate.is_pending
    ]
    pending = [certificate for certificate in batch if certificate.is_pending]
    rendered = _render_batch(pending, certificates.render_certificates)
    for certificate, pdf in zip(pending, rendered, strict=True):
        try:
            stored = certificates.print_certificate(certificate, rendered=pdf)
        except Exception as error:
            logger.exception("certificate %s could not be printed", certificate.serial)
            errors.append(f"#{certificate.application_id}: {services.problem(error)}")
            continue
        printed.append((certificate, stored))
    files = {certificate.id: result for certificate, result in printed if result is not None}
    db.session.rollback()  # only read while printing: end that transaction before the lock

    services.lock_job(job_id)
    certificates.finish_certificates(files, actor=actor)
    complete = services.count_batch(
        job_id, len(printed), len(application_ids) - len(printed), errors
    )
    db.session.commit()
    return complete


def _render_batch(
    items: list[Document], render_together: Callable[[list[Document]], list[bytes]]
) -> list[bytes | None]:
    """The batch's PDFs laid out together, or None for each (then each is printed alone):
    one document the batch cannot print, say a certificate too long for its page, must not
    cost the others theirs."""
    if len(items) > 1:
        try:
            return list(render_together(items))
        except Exception:
            logger.warning(
                "a batch of %d documents could not be printed together; printing them "
                "one at a time",
                len(items),
                exc_info=True,
            )
    return [None] * len(items)


def _print_badges(job_id: int, application_ids: list[int]) -> bool:
    """Print and record a batch of enterprises' badge sheets; True when it was the last."""
    errors: list[str] = []
    files = []
    # The batch in three queries, not three per application (delegates, enterprise).
    loaded = {
        application.id: application
        for application in db.session.scalars(
            sa.select(Application)
            .where(Application.id.in_(application_ids))
            .options(
                selectinload(Application.delegates),
                joinedload(Application.enterprise),
                joinedload(Application.event),
            )
        )
    }
    approved = []
    for application_id in application_ids:
        application = loaded.get(application_id)
        if application is None or application.status != ApplicationStatus.APPROVED.value:
            errors.append(f"#{application_id}: {both_languages(NO_LONGER_APPROVED)}")
        else:
            approved.append(application)
    # Laid out together, those with badges; an enterprise without delegates gets the
    # empty sheet it would get alone.
    with_badges = [application for application in approved if application.delegates]
    rendered = dict(
        zip(
            (application.id for application in with_badges),
            _render_batch(with_badges, badges.render_badge_sheets),
            strict=True,
        )
    )
    for application in approved:
        application_id = application.id
        try:
            pdf = rendered.get(application_id) or badges.application_badge_sheet(application)
            sha256 = document_store().put(pdf)
        except Exception as error:
            logger.exception("badges of application %s could not be printed", application_id)
            errors.append(f"#{application_id}: {services.problem(error)}")
            continue
        files.append(
            DocumentJobFile(
                job_id=job_id,
                application_id=application_id,
                name=badges.badge_file_name(application),
                sha256=sha256,
                size_bytes=len(pdf),
            )
        )
    db.session.rollback()  # only read so far: end the read transaction before the lock

    services.lock_job(job_id)
    db.session.add_all(files)
    complete = services.count_batch(job_id, len(files), len(application_ids) - len(files), errors)
    db.session.commit()
    return complete


def _bundle(job_id: int) -> str:
    """The ZIP and the print file, in pieces; the last piece recorded ends the job.

    The print file's pieces are queued first, for the job's other workers to take while
    this one makes the ZIP from the entries it has read already: a range of
    ``JOBS_VOLUME_PAGES`` documents each (one volume of certificates), or a badge job's
    sheet. Nothing is held open meanwhile; the job's row counts the pieces still to come.
    A cancel asked for from here on is too late, as for a job done: every document has
    been issued, and the pieces finish the job.
    """
    if _should_stop(job_id):
        return _stop(job_id)
    services.lock_job(job_id)
    job = db.session.get_one(DocumentJob, job_id, populate_existing=True)
    if job.status != JobStatus.RUNNING.value or job.bundle_pieces_left:
        # Given up meanwhile, or bundled already (its last part run twice): not again.
        db.session.commit()
        return job.status
    badge_sheet = False
    if job.kind in delegation_jobs.KINDS:
        # A file per member; the print file is merged from them, in volumes.
        entries = delegation_jobs.bundle_entries(job_id)
    elif job.event_id is None:
        raise ValueError(f"job {job_id} of kind {job.kind!r} has no event")
    elif job.kind == JobKind.CERTIFICATES:
        entries = services.event_certificate_entries(job.event_id)
    else:
        entries = services.job_file_entries(services.job_files(job_id))
        badge_sheet = True
    size = max(1, current_app.config["JOBS_VOLUME_PAGES"])
    ranges = [] if badge_sheet else list(range(0, len(entries), size))
    job.zip_sha256 = job.merged_sha256 = None
    job.print_volumes = []
    job.bundle_pieces_left = 1 + (1 if badge_sheet else len(ranges))
    # Committed before anything is queued: a worker taking a piece at once reads the count.
    db.session.commit()
    pieces: list[tuple[str, tuple[Any, ...]]] = (
        [(PRINT_BADGE_SHEET, (job_id,))]
        if badge_sheet
        else [
            (PRINT_VOLUMES, (job_id, entries[start : start + size], start + 1)) for start in ranges
        ]
    )
    for name, arguments in pieces:
        try:
            queue.enqueue(name, *arguments)
        except Exception:  # whatever the queue's store raises: the job is issued in full
            logger.warning("job %s: a piece could not be queued, made here", job_id, exc_info=True)
            TASKS[name](*arguments)
    db.session.rollback()  # no transaction stays open during the seconds of bundling
    return _record_piece(job_id, zip_sha256=services.bundle_zip(entries))


def _status(job_id: int) -> str:
    """The job's status as stored. A piece stops unless it is running (not failed, not
    given up as abandoned); a cancel comes too late once the bundling has begun."""
    return str(db.session.scalar(sa.select(DocumentJob.status).where(DocumentJob.id == job_id)))


def print_volumes(job_id: int, entries: list[services.BundleEntry], first: int) -> str:
    """A piece of a job's print file: the volumes of ``entries``, the job's documents
    from number ``first`` on."""
    try:
        if (status := _status(job_id)) != JobStatus.RUNNING.value:
            return status
        db.session.rollback()  # no transaction stays open while the volumes are merged
        volumes = services.print_volumes(entries, first=first)
        return _record_piece(job_id, volumes=volumes)
    except Exception as error:
        return _fail(job_id, error)


def print_badge_sheet(job_id: int) -> str:
    """A badge job's print file, in the layout of the event's badge sheet: the enterprises'
    badges run on, eight to a sheet, rather than a part-empty sheet for each."""
    try:
        if (status := _status(job_id)) != JobStatus.RUNNING.value:
            return status
        job = db.session.get_one(DocumentJob, job_id)
        event = job.event
        if event is None:
            raise ValueError(f"job {job_id} of kind {job.kind!r} has no event")
        files = services.job_files(job_id)
        application_ids = [file.application_id for file in files if file.application_id]
        delegates = badges.approved_delegates(event, application_ids)
        db.session.rollback()  # no transaction stays open while the sheet is laid out
        sheet = None
        if delegates:
            sheet = document_store().put(badges.render_badge_sheet(event, delegates))
        return _record_piece(job_id, merged_sha256=sheet)
    except Exception as error:
        return _fail(job_id, error)


def _record_piece(
    job_id: int,
    *,
    zip_sha256: str | None = None,
    volumes: list[PrintVolume] | None = None,
    merged_sha256: str | None = None,
) -> str:
    """Record a piece of the bundling under the job's lock, so pieces done together count
    one after the other; the last one ends the job. A job failed or given up meanwhile
    records nothing more: its pieces still waiting stop as they come."""
    db.session.rollback()  # what the piece read ends here; the lock begins the transaction
    services.lock_job(job_id)
    job = db.session.get_one(DocumentJob, job_id, populate_existing=True)
    if job.status != JobStatus.RUNNING.value:
        db.session.commit()
        return job.status
    if zip_sha256 is not None:
        job.zip_sha256 = zip_sha256
    if merged_sha256 is not None:
        job.merged_sha256 = merged_sha256
    if volumes:
        # Pieces finish in any order; the job's volumes are numbered by their place.
        recorded = [*job.print_volumes, *(volume.to_json() for volume in volumes)]
        job.print_volumes = sorted(recorded, key=lambda value: value["first"])
    job.bundle_pieces_left = max(0, job.bundle_pieces_left - 1)
    if job.bundle_pieces_left:
        db.session.commit()
        return JobStatus.RUNNING.value
    if job.merged_sha256 is None and job.print_volumes:
        # The print file's address gives its first volume.
        job.merged_sha256 = job.print_volumes[0]["sha256"]
    _finish(job, JobStatus.DONE)
    return job.status


def _print_results_report(job_id: int) -> str:
    """The results report of the job's filters, its progress counted step by step."""
    job = db.session.get_one(DocumentJob, job_id)
    filters = Filters.from_parameters(job.parameters.get("filters", {}))
    db.session.rollback()  # no transaction stays open while printing

    def step() -> bool:
        if _should_stop(job_id):
            return False
        services.lock_job(job_id)
        job = db.session.get_one(DocumentJob, job_id, populate_existing=True)
        job.done = min(job.done + 1, job.total)
        db.session.commit()
        return True

    try:
        pdf = reports.results_pdf(filters, step=step)
    except reports.ReportStopped:
        return _stop(job_id)
    sha256 = document_store().put(pdf)
    job = db.session.get_one(DocumentJob, job_id, populate_existing=True)
    job.merged_sha256 = sha256
    job.done = job.total
    _finish(job, JobStatus.DONE)
    return JobStatus.DONE.value


def _fail(job_id: int, error: Exception) -> str:
    logger.exception("document job %s failed", job_id)
    db.session.rollback()
    job = db.session.get_one(DocumentJob, job_id)
    if job.is_active:
        services.append_error(job, services.problem(error))
        _finish(job, JobStatus.FAILED)
    return JobStatus.FAILED.value


# The work of each kind in the registry (models.JOB_KINDS).
BATCHES: dict[JobKind, Callable[..., bool]] = {
    JobKind.CERTIFICATES: _issue_certificates,
    JobKind.BADGES: _print_badges,
    JobKind.INVITATION_LETTERS: delegation_jobs.print_members,
    JobKind.MEMBER_ITINERARIES: delegation_jobs.print_members,
}
# Kinds done in one piece by one worker rather than split in parts over applications.
WHOLE_JOBS: dict[JobKind, Callable[[int], str]] = {
    JobKind.RESULTS: _print_results_report,
}
RUN_DOCUMENT_JOB = "expo.jobs.run_document_job"
RUN_PART = "expo.jobs.run_part"
# The pieces of the print file a job's bundling queues (``_bundle``).
PRINT_VOLUMES = "expo.jobs.print_volumes"
PRINT_BADGE_SHEET = "expo.jobs.print_badge_sheet"
# The tasks of a document job, its id their first argument: one waiting keeps the job alive.
JOB_TASKS = (RUN_DOCUMENT_JOB, RUN_PART, PRINT_VOLUMES, PRINT_BADGE_SHEET)
SEND_EMAIL = "expo.mail.deliver"
# What releases before the outbox queued: the whole email in the task. Kept so that mail
# still waiting in a queue when Expo is upgraded is delivered.
SEND_EMAIL_QUEUED_WHOLE = "expo.mail.send"
# Ask for outcome reports of events just ended, and remind those due soon.
OUTCOME_ROUND = "expo.outcomes.round"
TASKS: dict[str, Callable[..., Any]] = {
    RUN_DOCUMENT_JOB: run_document_job,
    RUN_PART: run_part,
    PRINT_VOLUMES: print_volumes,
    PRINT_BADGE_SHEET: print_badge_sheet,
    SEND_EMAIL: mail.deliver_outgoing,
    SEND_EMAIL_QUEUED_WHOLE: mail.deliver_queued_whole,
    OUTCOME_ROUND: reminders.run_round,
    # A message to an event's enterprises: claimed, then sent in parts, one email each.
    sending.SEND_MESSAGE: sending.send_message,
    sending.SEND_PART: sending.send_part,
}


def sweep() -> str:
    """Queue again what the queue may have lost: run when a worker starts and every minute.

    A job whose workers went silent for a lease (killed, machine gone) is resumed as a new
    job; a job, an email or a message's recipients still waiting a lease after they were
    queued (a Redis restarted empty, a queue unreachable at the commit) are queued again.
    Claims keep anything from being done twice, however many workers sweep. The file
    cache's values past their time are deleted too (``caching.remove_expired``).
    """
    services.keep_alive(queue.waiting_job_ids(JOB_TASKS))
    db.session.commit()
    resumed = services.resume_orphaned_jobs()
    db.session.commit()
    for job in resumed:
        queue.enqueue(RUN_DOCUMENT_JOB, job.id)
        logger.info("Resuming the %s job of a worker that stopped, as job %d", job.kind, job.id)
    waiting = services.lost_queued_jobs()
    db.session.commit()
    # Runs whose event jobs all ended while the worker that would settle them died.
    settled = campaign_runs.settle_finished_runs()
    db.session.commit()
    if settled:
        logger.info("Settled %d campaign-wide runs whose event jobs had all ended", len(settled))
    for job_id in waiting:
        queue.enqueue(RUN_DOCUMENT_JOB, job_id)
    emails = mail.requeue_mail()
    parts = sending.requeue_messages()
    if waiting or emails or parts:
        logger.info(
            "queued again: %d jobs, %d emails, %d message tasks", len(waiting), emails, parts
        )
    expired = caching.remove_expired()
    return (
        f"{len(resumed)} jobs resumed; queued again: {len(waiting)} jobs, {emails} emails, "
        f"{parts} message tasks; {expired} expired cache files removed"
    )


SWEEP = "expo.jobs.sweep"
# Run every minute by each worker's scheduler (the claims keep two workers from sending
# the same email).
PERIODIC_TASKS: dict[str, Callable[[], Any]] = {SWEEP: sweep}
# huey's options per task: mail goes before the parts of bulk jobs queued earlier, and a
# job's print pieces before other jobs' parts, so a job issued in full is not kept from
# its print file by the next job's issuing. A mail server that is down is tried again by
# the outbox (expo.mail), not by the queue.
TASK_OPTIONS: dict[str, dict[str, int]] = {
    SEND_EMAIL: {"priority": 10},
    PRINT_VOLUMES: {"priority": 5},
    PRINT_BADGE_SHEET: {"priority": 5},
    SEND_EMAIL_QUEUED_WHOLE: {"priority": 10, "retries": 6, "retry_delay": 600},
}
