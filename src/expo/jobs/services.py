"""The rules of document jobs: start one per event and kind at a time, cancel, count a
batch, bundle.

Like every service these flush and never commit; the view commits, then queues the task
(``expo.jobs.tasks``), which is the edge that commits the job's progress.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

import pikepdf
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute

from expo.accounts.models import User
from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.db import utcnow
from expo.documents.models import Certificate
from expo.documents.storage import document_store
from expo.errors import DomainError
from expo.events.models import Event
from expo.extensions import db
from expo.jobs.models import (
    ABANDONED,
    ACTIVE_STATUSES,
    DocumentJob,
    DocumentJobFile,
    JobKind,
    JobStatus,
    PrintVolume,
    lease,
)
from expo.registrations.models import Application, ApplicationStatus

ERROR_MAX_LENGTH = 4000


class JobFinished(DomainError):
    message = _l("This job has already finished.")
    status_code = 409


# --- looking up -----------------------------------------------------------------------


def active_job_of(subject: sa.ColumnElement[bool], kind: JobKind) -> DocumentJob | None:
    """The queued or running job of this kind among the jobs ``subject`` picks out (an
    event's, a delegation's, a campaign's), if there is one: one at most, as the partial
    unique indexes keep it."""
    return db.session.execute(
        sa.select(DocumentJob).where(
            subject,
            DocumentJob.kind == kind.value,
            DocumentJob.status.in_([status.value for status in ACTIVE_STATUSES]),
        )
    ).scalar_one_or_none()


def newest_job_ids(
    subject: sa.ColumnElement[bool], *, per: QueryableAttribute[Any] = DocumentJob.kind
) -> sa.Select[int]:
    """The id of the newest job of each ``per`` (each kind, unless told) among the jobs
    ``subject`` picks out, as a subquery."""
    return sa.select(sa.func.max(DocumentJob.id)).where(subject).group_by(per)


def latest_jobs_of(subject: sa.ColumnElement[bool]) -> dict[str, DocumentJob]:
    """The newest job of each kind among the jobs ``subject`` picks out, by kind, in one
    query."""
    jobs = db.session.scalars(
        sa.select(DocumentJob).where(DocumentJob.id.in_(newest_job_ids(subject)))
    )
    return {job.kind: job for job in jobs}


def active_job(event: Event, kind: JobKind) -> DocumentJob | None:
    """The event's queued or running job of this kind, if there is one."""
    return active_job_of(DocumentJob.event_id == event.id, kind)


def latest_jobs(event: Event) -> dict[str, DocumentJob]:
    """The newest job of each kind for the event, by kind, in one query."""
    return latest_jobs_of(DocumentJob.event_id == event.id)


def approved_application_ids(event_id: int) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Application.id)
            .where(
                Application.event_id == event_id,
                Application.status == ApplicationStatus.APPROVED.value,
            )
            .order_by(Application.id)
        )
    )


# --- starting and stopping ---------------------------------------------------------------


def give_up(job: DocumentJob, status: JobStatus, reason: str) -> None:
    job.status = status
    job.finished_at = utcnow()
    append_error(job, reason)
    db.session.flush()


@dataclass(frozen=True)
class Started:
    job: DocumentJob
    created: bool  # False: the job already running was returned; queue nothing


def add_unless_active(job: DocumentJob, active: Callable[[], DocumentJob | None]) -> Started:
    """Insert ``job``, unless the partial unique index on its subject, kind and an active
    status refuses it: another click (or organizer) started the same job a moment ago,
    and the one under way (``active()``, read again then) is returned, nothing inserted."""
    try:
        with db.session.begin_nested():
            db.session.add(job)
            db.session.flush()
    except IntegrityError:
        existing = active()
        if existing is None:
            raise
        return Started(existing, created=False)
    return Started(job, created=True)


def start_job(event: Event, kind: JobKind, *, actor: User | None) -> Started:
    """A new job making every document of ``kind`` for the event, or the one under way.

    Two clicks (or two organizers) never start two: the partial unique index on the
    event, kind and an active status refuses the second row.
    """
    existing = active_job(event, kind)
    parent_id = None
    if existing is not None and existing.is_abandoned():
        give_up(existing, JobStatus.FAILED, ABANDONED)
        parent_id = existing.parent_id  # the new job takes its place in a campaign's run
    elif existing is not None:
        return Started(existing, created=False)
    job = DocumentJob(
        kind=kind.value,
        event_id=event.id,
        parent_id=parent_id,
        requested_by_id=getattr(actor, "id", None),
        status=JobStatus.QUEUED.value,
        total=len(approved_application_ids(event.id)),
    )
    started = add_unless_active(job, lambda: active_job(event, kind))
    if started.created:
        record(
            actor, AuditAction.JOBS_START, job, kind=job.kind, event_id=event.id, total=job.total
        )
        db.session.flush()
    return started


def start_results_job(parameters: dict[str, Any], *, total: int, actor: User | None) -> Started:
    """A job printing a results report (``parameters``: what ``tasks`` needs to print it),
    or the one already printing the very same report."""
    for existing in db.session.scalars(
        sa.select(DocumentJob).where(
            DocumentJob.kind == JobKind.RESULTS,
            DocumentJob.status.in_(ACTIVE_STATUSES),
        )
    ):
        if existing.parameters == parameters and not existing.is_abandoned():
            return Started(existing, created=False)
    job = DocumentJob(
        kind=JobKind.RESULTS.value,
        event_id=None,
        parameters=parameters,
        requested_by_id=getattr(actor, "id", None),
        status=JobStatus.QUEUED.value,
        total=total,
    )
    db.session.add(job)
    db.session.flush()
    record(actor, AuditAction.JOBS_START, job, kind=job.kind, total=total)
    return Started(job, created=True)


def keep_alive(job_ids: Collection[int]) -> None:
    """Running jobs with a part still waiting in the queue (behind another job's parts)
    are not silent for a dead worker's sake: their lease is renewed, so neither the sweep
    nor a page takes them for abandoned."""
    if job_ids:
        db.session.execute(
            sa.update(DocumentJob)
            .where(DocumentJob.id.in_(job_ids), DocumentJob.status == JobStatus.RUNNING.value)
            .values(heartbeat_at=utcnow())
        )


def resume_orphaned_jobs(*, now: datetime | None = None) -> list[DocumentJob]:
    """Every running job whose workers went silent for longer than the lease (killed,
    their machine gone), given up and started again as a new job of the same kind, for the
    same event or report, on behalf of the same organizer. What the old one made is
    reused: certificates issued or reserved keep their serials."""
    now = now or utcnow()
    resumed = []
    for job in db.session.scalars(
        sa.select(DocumentJob)
        .where(DocumentJob.status == JobStatus.RUNNING.value)
        .order_by(DocumentJob.id)
    ).all():
        if not job.is_abandoned(now):
            continue
        # Given up only by whoever flips it first: two workers starting (or sweeping) at
        # once resume it once.
        given_up: sa.CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
            sa.update(DocumentJob)
            .where(
                DocumentJob.id == job.id,
                DocumentJob.status == JobStatus.RUNNING.value,
                # Still silent: a heartbeat written since it was read keeps it running.
                sa.func.coalesce(
                    DocumentJob.heartbeat_at, DocumentJob.started_at, DocumentJob.created_at
                )
                < now - lease(),
            )
            .values(status=JobStatus.FAILED.value, finished_at=utcnow())
        )
        if given_up.rowcount != 1:
            continue
        append_error(job, ABANDONED)
        again = DocumentJob(
            kind=job.kind,
            event_id=job.event_id,
            delegation_id=job.delegation_id,
            campaign_id=job.campaign_id,
            parent_id=job.parent_id,  # resumed within the same campaign-wide run
            parameters=dict(job.parameters),
            requested_by_id=job.requested_by_id,
            status=JobStatus.QUEUED.value,
            total=job.total,
        )
        db.session.add(again)
        db.session.flush()
        append_error(job, f"Resumed as job {again.id}.")
        record(
            None,
            AuditAction.JOBS_START,
            again,
            kind=again.kind,
            event_id=again.event_id,
            delegation_id=again.delegation_id,
            total=again.total,
            resumed_from=job.id,
        )
        resumed.append(again)
    db.session.flush()
    return resumed


def lost_queued_jobs(*, now: datetime | None = None) -> list[int]:
    """Jobs still waiting for a worker a lease after they were queued (or last reminded):
    the queue may have lost them (a Redis restarted empty). Each is marked as reminded now,
    so the sweeps of the next lease leave it alone; queuing one twice is harmless anyway, a
    job is taken from ``queued`` to ``running`` once."""
    overdue = (now or utcnow()) - lease()
    reminded = sa.func.coalesce(DocumentJob.heartbeat_at, DocumentJob.created_at)
    return sorted(
        db.session.scalars(
            sa.update(DocumentJob)
            .where(DocumentJob.status == JobStatus.QUEUED.value, reminded < overdue)
            .values(heartbeat_at=utcnow())
            .returning(DocumentJob.id)
        )
    )


def start_certificate_job(event: Event, *, actor: User | None) -> Started:
    """Issue every certificate of the event (each approved application's, once)."""
    return start_job(event, JobKind.CERTIFICATES, actor=actor)


def request_cancel(job: DocumentJob, *, actor: User | None) -> DocumentJob:
    """Ask the job to stop. A queued job stops at once; a running one after its batch."""
    if not job.is_active:
        raise JobFinished()
    job.cancel_requested = True
    if job.status == JobStatus.QUEUED.value or job.is_abandoned():
        job.status = JobStatus.CANCELLED
        job.finished_at = utcnow()
    record(actor, AuditAction.JOBS_CANCEL, job, kind=job.kind, event_id=job.event_id)
    db.session.flush()
    return job


def both_languages(message: object) -> str:
    """A problem line for the job page, read by organizers of either language."""
    texts = []
    for language in ("zh", "en"):
        with force_locale(language):
            texts.append(str(message))
    return " · ".join(dict.fromkeys(texts))


def append_error(job: DocumentJob, line: str) -> None:
    text = f"{job.error}\n{line}" if job.error else line
    job.error = text[:ERROR_MAX_LENGTH]


def problem(error: Exception) -> str:
    """An exception as a problem line: a refusal in both languages (the folder is full),
    anything else by its type and text, for the administrator."""
    if isinstance(error, DomainError):
        return both_languages(error)
    return f"{type(error).__name__}: {error}"


# --- recording a batch ----------------------------------------------------------------------
# The steps every kind's batch shares (``tasks``, ``delegation_jobs``); the batch commits.


def requested_by(job_id: int) -> User | None:
    """The organizer who started the job, if their account is still there."""
    actor_id = db.session.scalar(
        sa.select(DocumentJob.requested_by_id).where(DocumentJob.id == job_id)
    )
    return db.session.get(User, actor_id) if actor_id else None


def lock_job(job_id: int) -> None:
    """The job's row first in a recording transaction: on PostgreSQL its row lock, on
    SQLite the write lock, so parts finishing together count one after the other."""
    db.session.execute(
        sa.update(DocumentJob).where(DocumentJob.id == job_id).values(heartbeat_at=utcnow())
    )


def count_batch(job_id: int, done: int, failed: int, errors: list[str]) -> bool:
    """Add a batch to the job's progress (under :func:`lock_job`); True if it was the last."""
    job = db.session.get_one(DocumentJob, job_id, populate_existing=True)
    job.done += done
    job.failed += failed
    for line in errors:
        append_error(job, line)
    return job.status == JobStatus.RUNNING.value and job.done + job.failed >= job.total


# --- the results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleEntry:
    name: str  # the file's name inside the ZIP
    sha256: str
    dated: datetime  # the ZIP entry's date: the document's, so bundles are reproducible


class _Volumes:
    """The print file in volumes of at most ``max_pages`` pages, merged by qpdf.

    A volume takes whole documents: the next one starts a new volume if its pages would
    not fit (a document longer than a volume makes a volume of its own). Only the open
    volume's documents are held; each volume is saved to a temporary file and stored, so
    the memory used is that of one volume whatever the number of documents.
    """

    def __init__(self, max_pages: int) -> None:
        self.max_pages = max(1, max_pages)
        self.store = document_store()
        self.done: list[PrintVolume] = []
        self._output: pikepdf.Pdf | None = None
        self._sources: list[tuple[pikepdf.Pdf, BinaryIO]] = []
        self._first = 0
        self._last = 0
        self._pages = 0

    def add(self, number: int, sha256: str) -> None:
        # Checked against its SHA-256, as the ZIP's entries are: the print file holds the
        # very bytes issued, or the piece fails and says which file is not. Read from the
        # stored file as qpdf needs it, not copied into memory: a volume's documents
        # would otherwise be held whole until it is saved.
        file = self.store.open(sha256, checked=True)
        try:
            source = pikepdf.open(file)
        except BaseException:
            file.close()
            raise
        pages = len(source.pages)
        if self._output is not None and self._pages + pages > self.max_pages:
            try:
                self.close_volume()
            except BaseException:
                source.close()
                file.close()
                raise
        if self._output is None:
            self._output = pikepdf.new()
            self._first, self._pages = number, 0
        # qpdf copies the pages' objects now and their streams when the volume is saved:
        # the source and its file stay open until then.
        self._output.pages.extend(source.pages)
        self._sources.append((source, file))
        self._last = number
        self._pages += pages

    def close_volume(self) -> None:
        """Save and store the open volume, then let go of its documents."""
        if self._output is None:
            return
        with tempfile.TemporaryFile() as file:
            # A fixed /ID: the same documents make the same volume, byte for byte.
            self._output.save(file, deterministic_id=True)
            file.seek(0)
            sha256 = self.store.put_file(file)
        self.close()
        self.done.append(
            PrintVolume(len(self.done) + 1, sha256, self._first, self._last, self._pages)
        )

    def close(self) -> None:
        """Let go of the open volume and its documents, stored or not (a piece that failed
        closes what it had open, not the garbage collector some time later)."""
        if self._output is not None:
            self._output.close()
        for source, opened in self._sources:
            source.close()
            opened.close()
        self._output, self._sources = None, []


def bundle_zip(entries: Iterable[BundleEntry]) -> str:
    """Store a ZIP of the stored files, the very bytes issued; its SHA-256.

    One document is read at a time (checked against its SHA-256) and written as an entry
    of a temporary file, so the memory used is that of one document, whether the event
    has a hundred documents or ten thousand.
    """
    store = document_store()
    with tempfile.TemporaryFile() as zip_file:
        with zipfile.ZipFile(zip_file, "w", compression=zipfile.ZIP_STORED) as archive:
            for entry in entries:
                data = store.get(entry.sha256)  # checked against its SHA-256
                # PDFs are compressed already: storing is as small and much faster.
                info = zipfile.ZipInfo(entry.name, date_time=entry.dated.timetuple()[:6])
                archive.writestr(info, data)
                del data
        zip_file.seek(0)
        return store.put_file(zip_file)


def print_volumes(
    entries: Iterable[BundleEntry], *, first: int = 1, volume_pages: int | None = None
) -> list[PrintVolume]:
    """Store the print file of ``entries`` in volumes, merged from the stored files (never
    rendered again); the volumes, in order, numbered from 1.

    ``first`` is the number of the first entry among the job's documents, so that each
    volume's ``first`` and ``last`` count the job's documents when a job prints its
    documents a range at a time (``expo.jobs.tasks``). A volume holds ``JOBS_VOLUME_PAGES``
    pages at most (unless ``volume_pages``) and whole documents. With one-page documents
    (certificates) ranges of a volume's size make the very volumes one call over all the
    entries would; with longer ones (itineraries) a range may end with a volume that is
    not full, where the whole would have run on into the next range's documents. The
    memory used stays that of one volume, whatever the number of entries.
    """
    if volume_pages is None:
        volume_pages = current_app.config["JOBS_VOLUME_PAGES"]
    volumes = _Volumes(volume_pages)
    try:
        for number, entry in enumerate(entries, start=first):
            volumes.add(number, entry.sha256)
        volumes.close_volume()
    finally:
        volumes.close()
    return volumes.done


def event_certificate_entries(event_id: int) -> list[BundleEntry]:
    """The valid, printed certificates of the event's approved applications, by serial, as
    bundle entries, read as columns: ten thousand cost a list of tuples, not ten thousand
    loaded certificates."""
    rows = db.session.execute(
        sa.select(Certificate.serial, Certificate.sha256, Certificate.issued_at)
        .join(Application, Certificate.application_id == Application.id)
        .where(
            Application.event_id == event_id,
            Application.status == ApplicationStatus.APPROVED.value,
            Certificate.revoked_at.is_(None),
            Certificate.printed(),
        )
        .order_by(Certificate.serial)
    )
    return [BundleEntry(f"{serial}.pdf", sha256, issued) for serial, sha256, issued in rows]


def certificate_entries(certificates: Iterable[Certificate]) -> list[BundleEntry]:
    """The certificates in a bundle: named by serial, dated when issued."""
    return [
        BundleEntry(certificate.filename, certificate.sha256, certificate.issued_at)
        for certificate in certificates
    ]


def job_files(job_id: int) -> list[DocumentJobFile]:
    """The files a job made, in the order of its applications."""
    return list(
        db.session.scalars(
            sa.select(DocumentJobFile)
            .where(DocumentJobFile.job_id == job_id)
            .order_by(DocumentJobFile.application_id)
        )
    )


def job_file_entries(files: Iterable[DocumentJobFile]) -> list[BundleEntry]:
    return [BundleEntry(file.name, file.sha256, file.created_at) for file in files]
