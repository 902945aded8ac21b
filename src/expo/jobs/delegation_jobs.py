"""Every member's document of a delegation, made as a job: invitation letters, itineraries.

A 200-member buyers' delegation needs 200 visa invitation letters and 200 itineraries;
printed in one request they take minutes and hold every page in memory. As a job they
are made like an event's badges (``expo.jobs.tasks``): the job's items are the
delegation's member ids, split in parts and batches, one PDF per member stored and
recorded as a ``DocumentJobFile`` with the progress, then bundled as a ZIP and a print
file in volumes (``services.bundle_zip``, ``services.print_volumes``), the memory that of
one document and one volume.

Letters and itineraries number their pages ("Page x of y"), and WeasyPrint cannot reset
the page counter between documents laid out together, so each member's document is laid
out on its own. The letter names as contact the organizer who started the job, as the
single letter names the organizer who downloads it.

Which language a member's itinerary is printed in: the member's, as far as Expo can
tell. Chinese for members from China (Hong Kong, Macao and Taiwan included), English for
those of another nationality; without a nationality, the delegation's side decides
(Chinese for an outbound delegation of Sichuan enterprises, English for inbound buyers).
The single itinerary on the member's row prints either language on request.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.delegations import services as delegation_services
from expo.delegations.models import Delegation, Direction, Member
from expo.documents import itineraries, letters
from expo.documents.storage import document_store
from expo.errors import DomainError
from expo.extensions import db
from expo.jobs import services
from expo.jobs.models import (
    ABANDONED,
    DocumentJob,
    DocumentJobFile,
    JobKind,
    JobStatus,
)

if TYPE_CHECKING:
    from expo.accounts.models import User

logger = logging.getLogger(__name__)

KINDS = (JobKind.INVITATION_LETTERS, JobKind.MEMBER_ITINERARIES)
# Nationalities whose members read their itinerary in Chinese.
CHINESE_READERS = frozenset({"CN", "HK", "MO", "TW"})

NO_LONGER_A_MEMBER = _l("This person is no longer a member of the delegation.")


class NoMembers(DomainError):
    message = _l("The delegation has no members yet: there is nothing to print.")
    status_code = 409


# --- looking up -----------------------------------------------------------------------


def member_ids(delegation_id: int) -> list[int]:
    """The job's items: the delegation's members, in the order of its list."""
    return list(
        db.session.scalars(
            sa.select(Member.id)
            .where(Member.delegation_id == delegation_id)
            .order_by(Member.position, Member.id)
        )
    )


def active_job(delegation: Delegation, kind: JobKind) -> DocumentJob | None:
    """The delegation's queued or running job of this kind, if there is one."""
    return services.active_job_of(DocumentJob.delegation_id == delegation.id, kind)


def latest_jobs(delegation: Delegation) -> dict[str, DocumentJob]:
    """The newest job of each kind for the delegation, by kind, in one query."""
    return services.latest_jobs_of(DocumentJob.delegation_id == delegation.id)


# --- starting -----------------------------------------------------------------------------


def start_delegation_job(
    delegation: Delegation, kind: JobKind, *, actor: User | None
) -> services.Started:
    """A new job printing every member's document of ``kind``, or the one under way.

    As for an event's jobs, the partial unique index on the delegation, the kind and an
    active status keeps two clicks (or two organizers) from starting two.
    """
    if kind not in KINDS:
        raise ValueError(f"{kind!r} is not a delegation's job")
    if kind == JobKind.INVITATION_LETTERS and not letters.has_letters(delegation):
        raise letters.NotInbound()
    existing = active_job(delegation, kind)
    if existing is not None and existing.is_abandoned():
        # Its workers went silent: given up, so a new job may start.
        services.give_up(existing, JobStatus.FAILED, ABANDONED)
    elif existing is not None:
        return services.Started(existing, created=False)
    total = len(member_ids(delegation.id))
    if not total:
        raise NoMembers()
    job = DocumentJob(
        kind=kind.value,
        delegation_id=delegation.id,
        requested_by_id=getattr(actor, "id", None),
        status=JobStatus.QUEUED.value,
        total=total,
    )
    started = services.add_unless_active(job, lambda: active_job(delegation, kind))
    if started.created:
        record(
            actor,
            AuditAction.JOBS_START,
            job,
            kind=job.kind,
            delegation_id=delegation.id,
            total=total,
        )
        db.session.flush()
    return started


# --- printing -----------------------------------------------------------------------------


def itinerary_language(member: Member, delegation: Delegation) -> str:
    """The language of the member's printed itinerary (see the module's docstring)."""
    if member.nationality:
        return "zh" if member.nationality.upper() in CHINESE_READERS else "en"
    return "zh" if delegation.direction == Direction.OUTBOUND.value else "en"


def _safe(text: str) -> str:
    """``text`` fit for a file name in a ZIP, at most 80 characters."""
    kept = "".join(" " if char in '/\\:*?"<>|' or not char.isprintable() else char for char in text)
    return " ".join(kept.split())[:80]


def file_name(kind: JobKind, member: Member, language: str = "") -> str:
    """``invitation-NAGY Anna-12.pdf``, ``itinerary-NAGY Anna-12-en.pdf``: the member,
    readable at a glance, and unique by their id."""
    name = _safe(member.name_latin or member.name_zh or "") or "member"
    if kind == JobKind.INVITATION_LETTERS:
        return f"invitation-{name}-{member.id}.pdf"
    return f"itinerary-{name}-{member.id}-{language}.pdf"


def render_member_document(
    kind: JobKind, delegation: Delegation, member: Member, *, contact: User | None
) -> tuple[bytes, str]:
    """One member's document of ``kind`` and its name in the ZIP."""
    if kind == JobKind.INVITATION_LETTERS:
        pdf = letters.render_invitation_letters(delegation, [member], contact=contact)
        return pdf, file_name(kind, member)
    language = itinerary_language(member, delegation)
    pdf = itineraries.render_itinerary(delegation, language=language, member=member)
    return pdf, file_name(kind, member, language)


def print_members(job_id: int, member_ids: list[int]) -> bool:
    """Print and record a batch of members' documents; True when it was the job's last.

    Each document is laid out alone and stored at once, so the batch holds one PDF at a
    time. Nothing is written while printing: the files and the progress are recorded
    together afterwards, under the job's lock.
    """
    job = db.session.get_one(DocumentJob, job_id)
    kind = JobKind(job.kind)
    delegation = (
        delegation_services.load_delegation(job.delegation_id) if job.delegation_id else None
    )
    contact = services.requested_by(job_id) if kind == JobKind.INVITATION_LETTERS else None
    members = {member.id: member for member in delegation.members} if delegation else {}
    files: list[DocumentJobFile] = []
    errors: list[str] = []
    for member_id in member_ids:
        member = members.get(member_id)
        if delegation is None or member is None:
            errors.append(f"#{member_id}: {services.both_languages(NO_LONGER_A_MEMBER)}")
            continue
        try:
            pdf, name = render_member_document(kind, delegation, member, contact=contact)
            sha256 = document_store().put(pdf)
        except Exception as error:
            logger.exception("the %s of member %s could not be printed", kind.value, member_id)
            errors.append(f"#{member_id} {member.display_name}: {services.problem(error)}")
            continue
        files.append(
            DocumentJobFile(
                job_id=job_id, member_id=member_id, name=name, sha256=sha256, size_bytes=len(pdf)
            )
        )
        del pdf
    db.session.rollback()  # only read so far: end the read transaction before the lock

    services.lock_job(job_id)
    db.session.add_all(files)
    complete = services.count_batch(job_id, len(files), len(member_ids) - len(files), errors)
    db.session.commit()
    return complete


def bundle_entries(job_id: int) -> list[services.BundleEntry]:
    """The job's files in the order of the delegation's member list, read as columns.

    A member removed since keeps no file (it went with them), so is not bundled.
    """
    rows = db.session.execute(
        sa.select(DocumentJobFile.name, DocumentJobFile.sha256, DocumentJobFile.created_at)
        .join(Member, DocumentJobFile.member_id == Member.id)
        .where(DocumentJobFile.job_id == job_id)
        .order_by(Member.position, Member.id)
    )
    return [services.BundleEntry(name, sha256, created) for name, sha256, created in rows]
