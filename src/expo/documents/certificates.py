"""Participation certificates: issue, store, revoke, reissue and verify.

A certificate is issued once per approved application. Its PDF is rendered at that
moment, stored in the document store under its SHA-256 and served from there ever after,
so the paper an enterprise printed and the file downloaded a year later are the same
bytes. It names its serial (``SGG-2027-000123``: campaign kind, event year, a number
counted per kind and year) and a random verification code, printed as a QR code that
opens ``/verify/<code>``, where anyone sees whether it is valid or was revoked, and why.

Like every service these functions flush and never commit: the view, command or job
that calls them commits once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from expo.attendance.models import CheckIn
from expo.attendance.services import attended_application_ids, has_attended
from expo.attendance.signals import check_in_undone
from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.db import utcnow
from expo.documents.models import AttendanceWaiver, Certificate
from expo.documents.render import (
    ISSUER_TIMEZONE,
    PageMetadata,
    qr_data_uri,
    render_html,
    render_pdf,
    stylesheet_names,
    write_pdf_pages,
)
from expo.documents.storage import document_store
from expo.enterprises.models import Enterprise
from expo.enterprises.services import active_organizers
from expo.errors import DomainError, InvalidInput
from expo.events.models import CampaignKind, Event, EventKind
from expo.extensions import db
from expo.i18n import country_name, document_date, local_document_date_range, pick, to_local
from expo.mail import send_templated_email
from expo.registrations.models import Application, ApplicationStatus
from expo.registrations.notifications import recipients
from expo.registrations.signals import application_closed
from expo.urls import external_url

if TYPE_CHECKING:
    from expo.accounts.models import User

SERIAL_PREFIXES = {
    CampaignKind.GOING_GLOBAL.value: "SGG",  # Sichuan Going Global, 川行天下
    CampaignKind.IMPORT_EXPANSION.value: "SIE",  # Sichuan Import Expansion, 扩大进口
}
TEMPLATE = "documents/certificate.html"
# A job's batch: its certificates laid out at once, then written one file each.
BATCH_TEMPLATE = "documents/certificate_batch.html"
BATCH_STYLESHEET = "certificate_batch"
REASON_MAX_LENGTH = 500
# A serial taken by a concurrent issuer is skipped, a few times at most (a safety net:
# the serial lock makes it rare).
SERIAL_ATTEMPTS = 5
_CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,43}$")
# A serial typed from paper: hyphens may be left out (SGG2027000123).
_TYPED_SERIAL = re.compile(r"^([A-Z]{3})-?([0-9]{4})-?([0-9]{6})$")

# What the certificate calls itself, by the kind of event.
TITLES = {
    EventKind.TRADE_FAIR.value: ("参展证明", "Certificate of Exhibition"),
}
DEFAULT_TITLE = ("参会证明", "Certificate of Participation")


class NotApproved(DomainError):
    message = _l("Only an approved application receives a certificate.")
    status_code = 409


class EnterpriseNotVerified(DomainError):
    message = _l(
        "%(enterprise)s is not verified: an organizer must confirm its name, credit code and "
        "prefecture on its page before it receives a certificate."
    )
    status_code = 409


class AlreadyRevoked(DomainError):
    message = _l("This certificate has already been revoked.")
    status_code = 409


class EventNotStarted(DomainError):
    message = _l(
        "The event has not started yet: a certificate of participation can be issued once "
        "it has begun."
    )
    status_code = 409


class NotCheckedIn(DomainError):
    message = _l(
        "None of this application's delegates has been checked in. If they came (say, "
        "checked in on paper), record that with a reason first."
    )
    status_code = 409


class SerialUnavailable(DomainError):
    message = _l("No serial number could be allocated just now. Please try again.")
    status_code = 503


# --- looking up ---------------------------------------------------------------------


def valid_certificate(application: Application) -> Certificate | None:
    """The application's certificate in force, if one was issued and not revoked."""
    return db.session.execute(
        sa.select(Certificate).where(
            Certificate.application_id == application.id, Certificate.revoked_at.is_(None)
        )
    ).scalar_one_or_none()


def printed_certificate(application: Application) -> Certificate | None:
    """The certificate in force once its file exists (what people may download)."""
    certificate = valid_certificate(application)
    return None if certificate is None or certificate.is_pending else certificate


def application_certificates(application: Application) -> list[Certificate]:
    """Every certificate issued for the application, newest first."""
    query = (
        sa.select(Certificate)
        .where(Certificate.application_id == application.id)
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    return list(db.session.execute(query).scalars())


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate a printed verification code belongs to (the /verify page): one
    reserved but never printed (its file could not be stored) is no certificate yet."""
    if not _CODE_PATTERN.match(code or ""):
        return None
    return db.session.execute(
        sa.select(Certificate).where(Certificate.verification_code == code, Certificate.printed())
    ).scalar_one_or_none()


def normalized_serial(typed: str | None) -> str | None:
    """A serial as printed (``SGG-2027-000123``) from what someone typed, or None.

    Full-width characters of a Chinese input method, spaces and lower case are accepted.
    """
    text = "".join(unicodedata.normalize("NFKC", typed or "").split()).upper()
    text = re.sub(r"[‐‑‒–—―－]", "-", text)  # noqa: RUF001 - the dashes people type
    match = _TYPED_SERIAL.match(text)
    return "-".join(match.groups()) if match else None


def certificate_by_serial(serial: str, credit_code: str) -> Certificate | None:
    """The certificate with this serial, if it was issued to this credit code (both as
    printed on the paper). A wrong pair answers as an unknown serial does: the form tells
    a guesser nothing about which serials exist or whose they are."""
    certificate = db.session.execute(
        sa.select(Certificate).where(Certificate.serial == serial, Certificate.printed())
    ).scalar_one_or_none()
    if certificate is None:
        return None
    printed = (certificate.facts or {}).get("zh", {}).get("credit_code")
    printed = printed or certificate.application.enterprise.credit_code
    if not hmac.compare_digest(printed.encode(), credit_code.encode()):
        return None
    return certificate


def verification_url(code: str) -> str:
    """The address printed on the paper: always ``BASE_URL``, the one people use.

    Not the host of the request that happened to issue it (an organizer on an internal
    address would otherwise print that address on every certificate).
    """
    return external_url("documents.verify", code=code)


# --- serials --------------------------------------------------------------------------


def serial_prefix(event: Event) -> str:
    return SERIAL_PREFIXES[event.campaign.kind]


def event_year(event: Event) -> int:
    """The year the event starts, where it takes place."""
    return event.starts_at.astimezone(ZoneInfo(event.timezone)).year


def format_serial(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:06d}"


def _lock_serials(prefix: str, year: int) -> None:
    """Make issuers of the same prefix and year take turns until their transaction ends.

    On PostgreSQL a transaction-scoped advisory lock: without it, concurrent issuers would
    read the same highest number, and all but one would fail on the unique constraint and
    try again, one after another. On SQLite, which has one writer at a time, a write that
    changes nothing takes the database's write lock before the highest number is read.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(
            sa.update(Certificate).where(sa.false()).values(serial_number=Certificate.serial_number)
        )
        return
    digest = hashlib.sha256(f"expo.certificate_serial:{prefix}:{year}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _next_serial_number(prefix: str, year: int) -> int:
    taken = db.session.scalar(
        sa.select(sa.func.max(Certificate.serial_number)).where(
            Certificate.serial_prefix == prefix, Certificate.serial_year == year
        )
    )
    return (taken or 0) + 1


# --- issuing ------------------------------------------------------------------------------


def issue_certificate(
    application: Application, *, actor: User | None, now: datetime | None = None
) -> Certificate:
    """The application's certificate: the one in force, or a new one issued now.

    Only approved applications get one, once the event has started and one of their
    delegates was checked in (or an organizer said they came). Calling it twice (a double
    click, a bulk job run again) returns the certificate the first call issued; one
    reserved but never printed (a worker stopped halfway) is printed now, under its own
    serial.
    """
    certificate = reserve_certificate(application, actor=actor, now=now)
    if certificate.is_pending:
        finish_certificate(certificate, print_certificate(certificate), actor=actor)
    return certificate


def reserve_certificate(
    application: Application, *, actor: User | None, now: datetime | None = None
) -> Certificate:
    """The certificate in force, or a new one holding the next serial, not printed yet.

    The bulk job reserves a batch, commits (the serial lock is held only that long),
    prints outside any transaction, so several workers print at once, and then records
    what it printed with :func:`finish_certificate`.
    """
    if application.status != ApplicationStatus.APPROVED:
        raise NotApproved()
    existing = valid_certificate(application)
    if existing is not None:
        return existing
    check_certifiable(application, now=now)
    # A certificate prints the enterprise's name and code as they are now: only ones the
    # organizers have checked, so an enterprise cannot be certified under another's name.
    enterprise = application.enterprise
    if not enterprise.verified:
        raise EnterpriseNotVerified(enterprise=enterprise.name_zh or enterprise.name_en)
    return _allocate(application, actor, now or utcnow())


def reserve_certificates(
    applications: Sequence[Application], *, actor: User | None, now: datetime | None = None
) -> list[Certificate | DomainError]:
    """:func:`reserve_certificate` for each of ``applications`` (all of one event), or
    why it was refused, in a handful of statements rather than a dozen per application.

    The same rules in the same order and under the same locks: the serials' lock, then
    the applications' rows, whose status is read under the lock; a certificate in force
    is returned as it is; the new ones take consecutive serials, inserted together.
    """
    if not applications:
        return []
    event = applications[0].event
    if any(application.event_id != event.id for application in applications):
        raise ValueError("the applications of one event at a time")
    now = now or utcnow()
    ids = [application.id for application in applications]
    prefix, year = serial_prefix(event), event_year(event)
    _lock_serials(prefix, year)
    statuses: dict[int, str] = {
        number: status
        for number, status in db.session.execute(
            sa.select(Application.id, Application.status)
            .where(Application.id.in_(ids))
            .order_by(Application.id)
            .with_for_update()
        )
    }
    in_force = {
        certificate.application_id: certificate
        for certificate in db.session.scalars(
            sa.select(Certificate).where(
                Certificate.application_id.in_(ids), Certificate.revoked_at.is_(None)
            )
        )
    }
    came = attended_application_ids(ids) | set(
        db.session.scalars(
            sa.select(AttendanceWaiver.application_id).where(
                AttendanceWaiver.application_id.in_(ids)
            )
        )
    )
    outcomes: dict[int, Certificate | DomainError] = {}
    new: list[Application] = []
    for application in applications:
        enterprise = application.enterprise
        if statuses.get(application.id) != ApplicationStatus.APPROVED:
            outcomes[application.id] = NotApproved()
        elif application.id in in_force:
            outcomes[application.id] = in_force[application.id]
        elif now < event.starts_at:
            outcomes[application.id] = EventNotStarted()
        elif application.id not in came:
            outcomes[application.id] = NotCheckedIn()
        elif not enterprise.verified:
            outcomes[application.id] = EnterpriseNotVerified(
                enterprise=enterprise.name_zh or enterprise.name_en
            )
        else:
            new.append(application)
    first = _next_serial_number(prefix, year)
    reserved = [
        _new_certificate(application, prefix, year, first + offset, actor, now)
        for offset, application in enumerate(new)
    ]
    try:
        with db.session.begin_nested():
            db.session.add_all(reserved)
            db.session.flush()
    except IntegrityError:
        # Taken meanwhile, though the lock should have kept it so: one at a time, each
        # with its own retries, as a single certificate is reserved.
        for application in new:
            try:
                outcomes[application.id] = _allocate(application, actor, now)
            except DomainError as refusal:
                outcomes[application.id] = refusal
    else:
        outcomes.update(zip((application.id for application in new), reserved, strict=True))
    return [outcomes[application.id] for application in applications]


def attendance_waiver(application: Application) -> AttendanceWaiver | None:
    return db.session.execute(
        sa.select(AttendanceWaiver).where(AttendanceWaiver.application_id == application.id)
    ).scalar_one_or_none()


def check_certifiable(application: Application, *, now: datetime | None = None) -> None:
    """Refuse a certificate for what has not happened: an event not begun, or an
    application none of whose delegates came (no check-in and no organizer's waiver)."""
    if (now or utcnow()) < application.event.starts_at:
        raise EventNotStarted()
    if not has_attended(application.id) and attendance_waiver(application) is None:
        raise NotCheckedIn()


def certificate_refusal(application: Application, *, now: datetime | None = None) -> str | None:
    """Why the application's certificate cannot be issued now, for the organizer's page."""
    try:
        check_certifiable(application, now=now)
    except DomainError as refusal:
        return str(refusal)
    return None


@dataclass(frozen=True)
class Certifiable:
    """An event's approved applications, and how many of them may have a certificate."""

    approved: int
    certifiable: int


def certifiable_counts(event_ids: list[int]) -> dict[int, Certifiable]:
    """Per event, what :func:`reserve_certificate` would not refuse (the event's start
    aside): an approved application with a certificate in force, or one checked in (or
    waived) of a verified enterprise. One grouped query, however many events."""
    if not event_ids:
        return {}
    in_force = sa.exists().where(
        Certificate.application_id == Application.id, Certificate.revoked_at.is_(None)
    )
    came = sa.or_(
        sa.exists().where(CheckIn.application_id == Application.id, CheckIn.undone_at.is_(None)),
        sa.exists().where(AttendanceWaiver.application_id == Application.id),
    )
    certifiable = sa.or_(in_force, sa.and_(Enterprise.verified.is_(True), came))
    rows = db.session.execute(
        sa.select(
            Application.event_id,
            sa.func.count(Application.id),
            sa.func.count(Application.id).filter(certifiable),
        )
        .join(Enterprise, Application.enterprise_id == Enterprise.id)
        .where(
            Application.event_id.in_(event_ids),
            Application.status == ApplicationStatus.APPROVED.value,
        )
        .group_by(Application.event_id)
    )
    counts = {event_id: Certifiable(0, 0) for event_id in event_ids}
    for event_id, approved, able in rows:
        counts[event_id] = Certifiable(approved, able)
    return counts


def waive_attendance(
    application: Application, *, reason: str, actor: User | None
) -> AttendanceWaiver:
    """An organizer records that the application's delegates came though no badge was
    scanned, so its certificate may be issued. The reason is kept and audited."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": _l("Give a reason: it is kept in the audit log.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise InvalidInput(
            {"reason": _l("Keep the reason under %(count)d characters.", count=REASON_MAX_LENGTH)}
        )
    if application.status != ApplicationStatus.APPROVED:
        raise NotApproved()
    waiver = attendance_waiver(application)
    if waiver is None:
        waiver = AttendanceWaiver(application_id=application.id, reason=reason)
        db.session.add(waiver)
    waiver.reason = reason
    waiver.granted_at = utcnow()
    waiver.granted_by_id = getattr(actor, "id", None)
    record(actor, AuditAction.APPLICATION_ATTENDANCE_WAIVED, application, reason=reason)
    db.session.flush()
    return waiver


@dataclass(frozen=True)
class Printed:
    sha256: str
    size: int


def print_certificate(certificate: Certificate, *, rendered: bytes | None = None) -> Printed:
    """Render a reserved certificate (unless it was, with its batch: ``rendered``) and keep
    the file in the document store.

    Writes no database row, so it needs no transaction and holds no lock.
    """
    pdf = render_certificate(certificate) if rendered is None else rendered
    return Printed(document_store().put(pdf), len(pdf))


def finish_certificate(
    certificate: Certificate, printed: Printed, *, actor: User | None
) -> Certificate:
    """Record the printed file on a reserved certificate: it is issued from now on.

    Should two printers have raced (a worker and an organizer's click), the first one
    recorded stays, and the certificate is what the database says it is.
    """
    recorded = db.session.execute(  # type: ignore[attr-defined]  # a CursorResult
        sa.update(Certificate)
        .where(Certificate.id == certificate.id, sa.not_(Certificate.printed()))
        .values(sha256=printed.sha256, size_bytes=printed.size)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(certificate)
    if recorded:
        record(
            actor,
            AuditAction.CERTIFICATE_ISSUE,
            certificate,
            serial=certificate.serial,
            application_id=certificate.application_id,
            sha256=certificate.sha256,
        )
        db.session.flush()
    return certificate


def finish_certificates(files: Mapping[int, Printed], *, actor: User | None) -> list[Certificate]:
    """:func:`finish_certificate` for a batch, the files by certificate id: one statement
    records them all, and a certificate another printer recorded first keeps that one's."""
    if not files:
        return []
    recorded = set(
        db.session.scalars(
            sa.update(Certificate)
            .where(Certificate.id.in_(files), sa.not_(Certificate.printed()))
            .values(
                sha256=sa.case(
                    {number: result.sha256 for number, result in files.items()},
                    value=Certificate.id,
                ),
                size_bytes=sa.case(
                    {number: result.size for number, result in files.items()},
                    value=Certificate.id,
                ),
            )
            .returning(Certificate.id)
            .execution_options(synchronize_session=False)
        )
    )
    finished = list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.id.in_(files))
            .order_by(Certificate.serial)
            .execution_options(populate_existing=True)
        )
    )
    for certificate in finished:
        if certificate.id in recorded:
            record(
                actor,
                AuditAction.CERTIFICATE_ISSUE,
                certificate,
                serial=certificate.serial,
                application_id=certificate.application_id,
                sha256=certificate.sha256,
            )
    db.session.flush()
    return finished


def _allocate(application: Application, actor: User | None, now: datetime) -> Certificate:
    """A new row holding the next serial, or the certificate a concurrent issuer made.

    The number is the highest so far plus one, read under the serial lock; should two
    issuers still pick the same one, the unique constraint refuses the second, which
    takes the next. Inserting before rendering means a lost race costs a row, not a
    rendering. The row records what the paper will say (``facts``) from the start.
    """
    event = application.event
    prefix, year = serial_prefix(event), event_year(event)
    _lock_serials(prefix, year)
    # The application's row lock: a withdrawal or cancellation committed meanwhile is seen
    # here, and one that comes later waits for this certificate and then revokes it.
    status = db.session.execute(
        sa.select(Application.status).where(Application.id == application.id).with_for_update()
    ).scalar_one()
    if status != ApplicationStatus.APPROVED:
        raise NotApproved()
    existing = valid_certificate(application)  # issued while this one waited for the lock
    if existing is not None:
        return existing
    for _attempt in range(SERIAL_ATTEMPTS):
        number = _next_serial_number(prefix, year)
        certificate = _new_certificate(application, prefix, year, number, actor, now)
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
                db.session.flush()
        except IntegrityError:
            existing = valid_certificate(application)
            if existing is not None:
                return existing
            continue
        return certificate
    raise SerialUnavailable()


def _new_certificate(
    application: Application,
    prefix: str,
    year: int,
    number: int,
    actor: User | None,
    now: datetime,
) -> Certificate:
    """A reserved certificate of serial ``number``: not printed yet, its facts recorded."""
    certificate = Certificate(
        application=application,
        serial=format_serial(prefix, year, number),
        serial_prefix=prefix,
        serial_year=year,
        serial_number=number,
        verification_code=secrets.token_urlsafe(16),
        sha256="",  # reserved: not printed yet
        issued_at=now,
        issued_by_id=getattr(actor, "id", None),
    )
    certificate.facts = _texts(certificate)
    return certificate


def render_certificate(certificate: Certificate) -> bytes:
    """The certificate's PDF: bilingual, A4 landscape, with its QR code."""
    context = certificate_context(certificate)
    return render_pdf(TEMPLATE, language="zh", title=_document_title(context), **context)


def render_certificates(batch: list[Certificate]) -> list[bytes]:
    """Each certificate's PDF, as :func:`render_certificate` makes it, laid out together.

    The batch is laid out as one document, a page per certificate, then each page is
    written as a file of its own (its own font subset, title and QR code): what printing
    them one by one costs per document is paid once a batch (docs/benchmarks.md). Raises
    :class:`~expo.documents.render.PagesMismatch` if a certificate did not fit its page.
    """
    pages = []
    metadata = []
    for number, certificate in enumerate(batch):
        context = certificate_context(certificate)
        anchor = f"certificate-{number}"
        title = _document_title(context)
        pages.append({**context, "anchor": anchor})
        metadata.append(PageMetadata(anchor, title, title, (certificate.serial,)))
    html = render_html(BATCH_TEMPLATE, language="zh", title=metadata[0].title, pages=pages)
    return write_pdf_pages(
        html, metadata, stylesheets=[*stylesheet_names(TEMPLATE), BATCH_STYLESHEET]
    )


def _document_title(context: dict[str, Any]) -> str:
    """The PDF's title (and description): the certificate's name in both languages."""
    return f"{context['zh']['title']} {context['certificate'].serial} · {context['en']['title']}"


def certificate_title(certificate: Certificate) -> tuple[str, str]:
    return TITLES.get(certificate.application.event.kind, DEFAULT_TITLE)


def _local_date(moment: datetime, tz_name: str) -> date:
    return to_local(moment, tz_name).date()


def _texts(certificate: Certificate) -> dict[str, dict[str, str]]:
    """The certificate's facts in Chinese and in English, each falling back to the other."""
    application = certificate.application
    event, enterprise = application.event, application.enterprise
    campaign = event.campaign
    issued = _local_date(certificate.issued_at, ISSUER_TIMEZONE)
    titles = dict(zip(("zh", "en"), certificate_title(certificate), strict=True))
    # Issued while the event still runs, the paper says "is taking part", not "took part".
    tense = "ongoing" if certificate.issued_at < event.ends_at else "past"
    texts = {}
    for language in ("zh", "en"):
        texts[language] = {
            "title": titles[language],
            "credit_code": enterprise.credit_code,
            "enterprise": pick(enterprise.name_zh, enterprise.name_en, language),
            "event": pick(event.title_zh, event.title_en, language),
            "campaign": pick(campaign.title_zh, campaign.title_en, language),
            "city": pick(event.city_zh, event.city_en, language),
            "venue": pick(event.venue_zh, event.venue_en, language),
            "country": country_name(event.country, language),
            "dates": local_document_date_range(
                event.starts_at, event.ends_at, event.timezone, language
            ),
            "issued": document_date(issued, language),
            "tense": tense,
        }
    return texts


def certificate_context(certificate: Certificate) -> dict[str, Any]:
    """What the certificate template prints, in both languages side by side."""
    texts = certificate.facts or _texts(certificate)
    url = verification_url(certificate.verification_code)
    return {
        "certificate": certificate,
        "zh": texts["zh"],
        "en": texts["en"],
        "verification_url": url,
        "qr_code": qr_data_uri(url),
    }


def verification_context(certificate: Certificate) -> dict[str, object]:
    """What ``/verify`` shows, in both languages: whoever holds the paper may read either.

    The facts are those printed on the paper, not today's names.
    """
    facts = certificate.facts or _texts(certificate)
    texts = {language: dict(facts[language]) for language in ("zh", "en")}
    if certificate.revoked_at is not None:
        revoked = _local_date(certificate.revoked_at, ISSUER_TIMEZONE)
        for language in ("zh", "en"):
            texts[language]["revoked"] = document_date(revoked, language)
    return {"zh": texts["zh"], "en": texts["en"]}


# --- revoking -----------------------------------------------------------------------------


def _revoke(certificate: Certificate, *, reason: str, actor: User | None) -> None:
    if not certificate.is_valid:
        raise AlreadyRevoked()
    if len(reason) > REASON_MAX_LENGTH:
        raise InvalidInput(
            {"reason": _l("Keep the reason under %(count)d characters.", count=REASON_MAX_LENGTH)}
        )
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = getattr(actor, "id", None)
    certificate.revocation_reason = reason
    # The partial unique index must see this before a replacement is inserted.
    db.session.flush()


def revoke_certificate(certificate: Certificate, *, reason: str, actor: User | None) -> Certificate:
    """Withdraw a certificate; ``/verify`` says so from now on, with the reason."""
    reason = (reason or "").strip()
    if certificate.is_valid and not reason:
        raise InvalidInput(
            {"reason": _l("Give a reason: anyone checking the certificate will read it.")}
        )
    _revoke(certificate, reason=reason, actor=actor)
    record(
        actor, AuditAction.CERTIFICATE_REVOKE, certificate, serial=certificate.serial, reason=reason
    )
    db.session.flush()
    return certificate


def reissue_certificate(
    certificate: Certificate, *, actor: User | None, reason: str = ""
) -> Certificate:
    """Revoke ``certificate`` and issue its application a new one (say, after a renaming).

    The old one's page then points to its replacement.
    """
    application = certificate.application
    if application.status != ApplicationStatus.APPROVED:
        raise NotApproved()
    _revoke(certificate, reason=(reason or "").strip(), actor=actor)
    replacement = issue_certificate(application, actor=actor)
    certificate.replaced_by = replacement
    record(
        actor,
        AuditAction.CERTIFICATE_REISSUE,
        certificate,
        serial=certificate.serial,
        replaced_by=replacement.serial,
    )
    db.session.flush()
    return replacement


# Why a certificate was revoked with its application, as the verification page shows it
# to whoever holds the paper: in both languages at once, like the paper itself.
CLOSED_REASONS = {
    ApplicationStatus.WITHDRAWN.value: (
        "企业已撤回参展申请。The enterprise withdrew its application."
    ),
    ApplicationStatus.CANCELLED.value: (
        "主办方已取消该参展申请。The organizers cancelled the application."
    ),
}
NOT_ATTENDED = "not_attended"
NOT_ATTENDED_REASON = (
    "签到记录已撤销，参会未获确认。The check-in was undone: attendance is not confirmed."
)


def valid_certificate_count(applications: list[Application]) -> int:
    """How many certificates in force closing these applications would revoke."""
    if not applications:
        return 0
    return (
        db.session.scalar(
            sa.select(sa.func.count(Certificate.id)).where(
                Certificate.application_id.in_([application.id for application in applications]),
                Certificate.revoked_at.is_(None),
            )
        )
        or 0
    )


@application_closed.connect
def revoke_with_application(
    application: Application,
    *,
    status: ApplicationStatus | str,
    reason: str = "",
    actor: User | None = None,
    **_signal_data: object,
) -> list[Certificate]:
    """A withdrawn or cancelled application's certificates are revoked with it, in the same
    transaction; the enterprise and the organizers are told once it commits.

    Run by ``registrations.services`` through ``registrations.signals.application_closed``.
    """
    status = ApplicationStatus(status).value
    return _revoke_valid(
        application,
        CLOSED_REASONS[status],
        status,
        actor=actor,
        application_status=status,
        stated_reason=reason,
    )


@check_in_undone.connect
def revoke_when_not_attended(
    application: Application,
    *,
    reason: str = "",
    actor: User | None = None,
    **_signal_data: object,
) -> list[Certificate]:
    """A check-in undone that leaves the application with none standing and no waiver: its
    certificate attests nothing any more and is revoked, in the same transaction; the
    enterprise and the organizers are told once it commits.

    Run by ``attendance.services`` through ``attendance.signals.check_in_undone``.
    """
    if has_attended(application.id) or attendance_waiver(application) is not None:
        return []
    return _revoke_valid(
        application, NOT_ATTENDED_REASON, NOT_ATTENDED, actor=actor, stated_reason=reason
    )


def _revoke_valid(
    application: Application,
    public_reason: str,
    why: str,
    *,
    actor: User | None,
    **audit_details: object,
) -> list[Certificate]:
    """Revoke the application's valid certificates with ``public_reason`` (what the
    verification page says), each audited; the enterprise and the organizers are told
    (``why`` picks the email's words) once the transaction commits."""
    revoked = [
        certificate for certificate in application_certificates(application) if certificate.is_valid
    ]
    for certificate in revoked:
        _revoke(certificate, reason=public_reason, actor=actor)
        record(
            actor,
            AuditAction.CERTIFICATE_REVOKE,
            certificate,
            serial=certificate.serial,
            reason=public_reason,
            **audit_details,
        )
    # A certificate reserved but never printed is revoked too (it must not be printed
    # later), but nobody holds it: the email names the ones on paper.
    printed = [certificate for certificate in revoked if not certificate.is_pending]
    if printed:
        _tell_revoked(application, printed, why)
    db.session.flush()
    return revoked


def _tell_revoked(application: Application, revoked: list[Certificate], status: str) -> None:
    """Mail (after the commit) the enterprise's users and the organizers, each in their
    own language."""
    serials = [certificate.serial for certificate in revoked]
    readers = {user.id: user for user in [*recipients(application), *active_organizers()]}
    for user in readers.values():
        send_templated_email(
            user.email,
            "certificate_revoked",
            user.locale,
            application=application,
            event=application.event,
            serials=serials,
            status=status,
            links=[verification_url(certificate.verification_code) for certificate in revoked],
            user=user,
        )


# --- reading back -----------------------------------------------------------------------


def certificate_pdf(certificate: Certificate) -> bytes:
    """The stored bytes, exactly as issued (checked against the recorded SHA-256)."""
    return document_store().get(certificate.sha256)
