"""The rules of messages to an event's enterprises: who receives one, in which language,
and what was sent to whom.

An organizer chooses the enterprises by the state of their application (its status,
whether a delegate has been checked in, whether an outcome report is due); every active
user of each enterprise, and the enterprise's contact address, receives one copy in their
own language. These are operational messages about an application, so they go to every
recipient whatever their mail preferences; the footer says why.

Like every service these flush and never commit; the view commits, then queues the
sending (``expo.messaging.sending``), which records each delivery.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from expo.attendance.services import attended_application_ids
from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.enterprises.models import Enterprise
from expo.errors import DomainError, InvalidInput
from expo.events.models import Event
from expo.extensions import db
from expo.messaging.models import DeliveryStatus, Message, MessageDelivery, MessageStatus
from expo.outcomes.models import OPEN_STATUSES as OPEN_REPORT_STATUSES
from expo.outcomes.models import OutcomeReport
from expo.registrations.models import Application, ApplicationStatus

if TYPE_CHECKING:
    from expo.accounts.models import User

# The statuses a message may be addressed to: those of applications still under way.
AUDIENCE_STATUSES = (
    ApplicationStatus.APPROVED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.PENDING,
)
LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"  # an enterprise's contact address has no language of its own


class Attendance(enum.StrEnum):
    ANY = "any"
    CHECKED_IN = "checked_in"
    NOT_CHECKED_IN = "not_checked_in"


ATTENDANCE_LABELS = {
    Attendance.ANY: _l("Checked in or not"),
    Attendance.CHECKED_IN: _l("Only enterprises with a delegate checked in"),
    Attendance.NOT_CHECKED_IN: _l("Only enterprises with no delegate checked in"),
}

NO_STATUS = _l("Choose at least one status.")
NO_RECIPIENTS = _l("No enterprise of this event matches these choices.")
TEXT_REQUIRED = _l("Write this in both languages.")


class NotStalled(DomainError):
    message = _l("This message is still being sent: nothing to resume.")
    status_code = 409


@dataclass
class MessageData:
    subject_zh: str = ""
    subject_en: str = ""
    body_zh: str = ""
    body_en: str = ""
    statuses: list[str] = field(default_factory=list)
    attendance: str = Attendance.ANY.value
    report_due: bool = False
    send_key: str = ""  # the preview's: see Message.send_key

    def audience(self) -> dict[str, object]:
        return {
            "statuses": list(self.statuses),
            "attendance": self.attendance,
            "report_due": self.report_due,
        }


@dataclass(frozen=True)
class Recipient:
    application_id: int
    user_id: int | None
    email: str
    language: str


@dataclass(frozen=True)
class Preview:
    applications: int
    recipients: list[Recipient]

    def count(self, language: str) -> int:
        return sum(1 for recipient in self.recipients if recipient.language == language)


def _check(data: MessageData) -> None:
    errors: dict[str, object] = {}
    for name in ("subject_zh", "subject_en", "body_zh", "body_en"):
        if not str(getattr(data, name) or "").strip():
            errors[name] = [TEXT_REQUIRED]
    allowed = {status.value for status in AUDIENCE_STATUSES}
    if not data.statuses or not set(data.statuses) <= allowed:
        errors["statuses"] = [NO_STATUS]
    if data.attendance not in {member.value for member in Attendance}:
        errors["attendance"] = [NO_STATUS]
    if errors:
        raise InvalidInput(errors)


def matching_applications(event: Event, data: MessageData) -> list[Application]:
    """The event's applications the choices select, with their enterprise's users loaded."""
    query = (
        sa.select(Application)
        .where(Application.event_id == event.id, Application.status.in_(data.statuses))
        .options(joinedload(Application.enterprise).selectinload(Enterprise.users))
        .order_by(Application.id)
    )
    if data.report_due:
        query = query.where(
            sa.exists().where(
                OutcomeReport.application_id == Application.id,
                OutcomeReport.status.in_([status.value for status in OPEN_REPORT_STATUSES]),
            )
        )
    applications = list(db.session.scalars(query).unique())
    if data.attendance != Attendance.ANY:
        attended = attended_application_ids(application.id for application in applications)
        wanted = data.attendance == Attendance.CHECKED_IN
        applications = [a for a in applications if (a.id in attended) == wanted]
    return applications


def recipients_of(applications: list[Application]) -> list[Recipient]:
    """Each enterprise's active users in their language, then its contact address; every
    address once."""
    seen: set[str] = set()
    found: list[Recipient] = []

    def add(application: Application, user_id: int | None, email: str, language: str) -> None:
        key = email.strip().lower()
        if key and key not in seen:
            seen.add(key)
            language = language if language in LANGUAGES else DEFAULT_LANGUAGE
            found.append(Recipient(application.id, user_id, email.strip(), language))

    for application in applications:
        enterprise = application.enterprise
        for user in sorted(enterprise.users, key=lambda user: user.id):
            if user.active:
                add(application, user.id, user.email, user.locale)
        add(application, None, enterprise.contact_email or "", DEFAULT_LANGUAGE)
    return found


def preview_message(event: Event, data: MessageData) -> Preview:
    """Who the message would reach; refused when it reaches nobody."""
    _check(data)
    applications = matching_applications(event, data)
    recipients = recipients_of(applications)
    if not recipients:
        raise InvalidInput({"statuses": [NO_RECIPIENTS]})
    return Preview(len(applications), recipients)


def _plain(text: str) -> str:
    """Text as stored: plain line feeds (a browser posts CR LF), no outer blanks."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


@dataclass(frozen=True)
class Sent:
    message: Message
    created: bool  # False: the preview was sent before; queue nothing


def _sent_before(event: Event, send_key: str) -> Message | None:
    if not send_key:
        return None
    return db.session.scalars(
        sa.select(Message).where(Message.event_id == event.id, Message.send_key == send_key)
    ).one_or_none()


def create_message(event: Event, data: MessageData, *, actor: User | None) -> Sent:
    """Record the message and one delivery per recipient, waiting for the worker; or the
    message already made from the same preview (Send clicked twice).

    The view queues ``sending.SEND_MESSAGE`` after the commit when it was created.
    """
    existing = _sent_before(event, data.send_key)
    if existing is not None:
        return Sent(existing, created=False)
    preview = preview_message(event, data)
    message = Message(
        event_id=event.id,
        sent_by_id=getattr(actor, "id", None),
        subject_zh=_plain(data.subject_zh),
        subject_en=_plain(data.subject_en),
        body_zh=_plain(data.body_zh),
        body_en=_plain(data.body_en),
        audience=data.audience(),
        send_key=data.send_key or None,
        status=MessageStatus.QUEUED,
        total=len(preview.recipients),
    )
    try:
        with db.session.begin_nested():  # the same preview sent at the same moment twice
            db.session.add(message)
            db.session.flush()
    except IntegrityError:
        existing = _sent_before(event, data.send_key)
        if existing is None:
            raise
        return Sent(existing, created=False)
    db.session.execute(
        sa.insert(MessageDelivery),
        [
            {
                "message_id": message.id,
                "application_id": recipient.application_id,
                "user_id": recipient.user_id,
                "email": recipient.email,
                "language": recipient.language,
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "error": "",
            }
            for recipient in preview.recipients
        ],
    )
    record(
        actor,
        AuditAction.MESSAGE_SENT,
        message,
        event_id=event.id,
        title=message.subject_zh or message.subject_en,
        audience=message.audience,
        applications=preview.applications,
        recipients=message.total,
    )
    db.session.flush()
    return Sent(message, created=True)


def resume_message(message: Message, *, actor: User | None) -> Message:
    """Hand a stalled message to the workers again: they send what is still pending.

    The view queues ``sending.SEND_MESSAGE`` after the commit.
    """
    if not message.is_stalled():
        raise NotStalled()
    message.status = MessageStatus.QUEUED
    record(actor, AuditAction.MESSAGE_RESUMED, message, event_id=message.event_id)
    db.session.flush()
    return message


def event_messages(event: Event) -> list[Message]:
    """The event's messages, newest first."""
    return list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.event_id == event.id)
            .options(joinedload(Message.sent_by))
            .order_by(Message.id.desc())
        )
    )


def message_deliveries(message: Message, page: int, per_page: int = 100) -> Pagination:
    """One page of a message's deliveries, with their application's enterprise."""
    return db.paginate(
        sa.select(MessageDelivery)
        .where(MessageDelivery.message_id == message.id)
        .options(joinedload(MessageDelivery.application).joinedload(Application.enterprise))
        .order_by(MessageDelivery.id),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def application_deliveries(application: Application) -> list[MessageDelivery]:
    """What was sent to the enterprise about this application, newest first: its history."""
    return list(
        db.session.scalars(
            sa.select(MessageDelivery)
            .where(MessageDelivery.application_id == application.id)
            .options(
                selectinload(MessageDelivery.message).joinedload(Message.sent_by),
            )
            .order_by(MessageDelivery.id.desc())
        )
    )
