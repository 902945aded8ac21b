"""Who came, and checking them in at the door: the rules desks and other areas share."""

from __future__ import annotations

import enum
import hmac
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from expo.accounts.services import create_user, find_user_by_email
from expo.attendance.models import CheckIn, CheckInDesk
from expo.attendance.signals import check_in_undone
from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.db import like_pattern, utcnow
from expo.documents import badges
from expo.enterprises.models import Enterprise
from expo.errors import DomainError, InvalidInput
from expo.events.models import Event
from expo.extensions import db
from expo.i18n import format_local_time, format_zone, to_local
from expo.mail import send_templated_email
from expo.registrations.models import Application, ApplicationStatus, Delegate
from expo.security import signing_keys
from expo.urls import external_url
from expo.validation import InvalidValue, check_email, has_control_characters

if TYPE_CHECKING:
    from expo.accounts.models import User


def attended_application_ids(application_ids: Iterable[int]) -> set[int]:
    """Those of ``application_ids`` with at least one delegate checked in (and not undone)."""
    ids = list(application_ids)
    if not ids:
        return set()
    query = (
        sa.select(CheckIn.application_id)
        .where(CheckIn.application_id.in_(ids), CheckIn.undone_at.is_(None))
        .distinct()
    )
    return set(db.session.execute(query).scalars())


def has_attended(application_id: int) -> bool:
    """Whether at least one of the application's delegates has been checked in."""
    return bool(attended_application_ids([application_id]))


# --- checking in at the door ---------------------------------------------------------------


class CheckInOutcome(enum.StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY_CHECKED_IN = "already_checked_in"
    NOT_APPROVED = "not_approved"
    UNKNOWN_BADGE = "unknown_badge"
    WRONG_EVENT = "wrong_event"


# A desk's clock may run a little fast; a scan from further ahead is taken as made now.
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_SCAN_BEFORE_START = timedelta(days=1)
# The address a badge's QR code holds ends in the token: ``…/check-in/<token>``.
_TOKEN_IN_ADDRESS = re.compile(r"/check-in/([A-Za-z0-9_.\-]+)/?(?:[?#].*)?$")
DESK_NAME_LENGTH = 60
REASON_LENGTH = 1000


@dataclass(frozen=True)
class CheckInResult:
    """What the desk is told about one scan."""

    outcome: CheckInOutcome
    event: Event
    delegate: Delegate | None = None
    check_in: CheckIn | None = None

    @property
    def is_checked_in(self) -> bool:
        return self.outcome is CheckInOutcome.CHECKED_IN

    @property
    def name(self) -> str:
        if self.delegate is None:
            return ""
        parts = [self.delegate.name_zh.strip(), self.delegate.name_latin.strip()]
        return " · ".join(part for part in parts if part)

    @property
    def enterprise(self) -> str:
        return self.delegate.application.enterprise.name if self.delegate else ""

    @property
    def time(self) -> str:
        """When the standing check-in was made, on the event's clock, zone named."""
        if self.check_in is None:
            return ""
        moment = self.check_in.scanned_at
        return (
            f"{format_local_time(moment, self.event.timezone)} "
            f"{format_zone(moment, self.event.timezone)}"
        )

    @property
    def checked_in_by(self) -> str:
        if self.check_in is None:
            return ""
        who = self.check_in.user.name if self.check_in.user else ""
        desk = self.check_in.desk
        return f"{who} ({desk})" if who and desk else who or desk

    @property
    def message(self) -> str:
        """The answer, in the reader's language."""
        return str(self._message())

    def _message(self) -> object:
        if self.outcome is CheckInOutcome.CHECKED_IN:
            return _(
                "Checked in: %(name)s, %(enterprise)s.", name=self.name, enterprise=self.enterprise
            )
        if self.outcome is CheckInOutcome.ALREADY_CHECKED_IN:
            if self.checked_in_by:
                return _(
                    "Already checked in at %(time)s by %(who)s.",
                    time=self.time,
                    who=self.checked_in_by,
                )
            return _("Already checked in at %(time)s.", time=self.time)
        if self.outcome is CheckInOutcome.NOT_APPROVED:
            assert self.delegate is not None
            return _(
                "Not admitted: the application is %(status)s.",
                status=self.delegate.application.status_label,
            )
        if self.outcome is CheckInOutcome.WRONG_EVENT:
            return _("This badge is for another event.")
        return _("Unknown badge: it was not printed by Expo.")

    def as_dict(self) -> dict[str, str | bool]:
        return {
            "outcome": self.outcome.value,
            "checked_in": self.is_checked_in,
            "message": self.message,
            "name": self.name,
            "enterprise": self.enterprise,
            "time": self.time,
            "by": self.checked_in_by,
        }


def token_from_scan(text: str) -> str:
    """The badge token in what a scanner typed: the badge's whole address or the token."""
    text = (text or "").strip()
    found = _TOKEN_IN_ADDRESS.search(text)
    return found.group(1) if found else text


def standing_check_in(delegate_id: int) -> CheckIn | None:
    return db.session.execute(
        sa.select(CheckIn).where(CheckIn.delegate_id == delegate_id, CheckIn.undone_at.is_(None))
    ).scalar_one_or_none()


def _delegate_of_scan(event: Event, scan: str) -> Delegate | CheckInOutcome:
    holder = badges.badge_holder(token_from_scan(scan))
    if holder is None:
        return CheckInOutcome.UNKNOWN_BADGE
    event_id, delegate_id = holder
    delegate = db.session.get(Delegate, delegate_id)
    if delegate is None:
        return CheckInOutcome.UNKNOWN_BADGE
    if event_id != event.id or delegate.application.event_id != event.id:
        return CheckInOutcome.WRONG_EVENT
    return delegate


def check_in(
    event: Event,
    token_or_delegate: str | Delegate,
    *,
    desk: str,
    actor: User | None,
    scanned_at: datetime | None = None,
) -> CheckInResult:
    """Check a delegate in at ``event``'s door, from a scanned badge or a chosen delegate.

    Idempotent: a delegate already checked in is answered "already checked in" and nothing
    is recorded, except that a scan made earlier (offline, synced later) than the standing
    check-in moves it to the earlier time: the delegate arrived then. Two desks scanning
    at once meet the database's one-standing-check-in index: the loser's insert is rolled
    back to a savepoint and it answers "already checked in" too.
    """
    if isinstance(token_or_delegate, Delegate):
        found: Delegate | CheckInOutcome = token_or_delegate
        if token_or_delegate.application.event_id != event.id:
            found = CheckInOutcome.WRONG_EVENT
    else:
        found = _delegate_of_scan(event, token_or_delegate)
    if isinstance(found, CheckInOutcome):
        return CheckInResult(found, event)
    delegate = found
    if delegate.application.status != ApplicationStatus.APPROVED:
        return CheckInResult(CheckInOutcome.NOT_APPROVED, event, delegate)
    now = utcnow()
    # A device's clock is believed within reason only: not in the future, and not more
    # than a day before the event (or today): a tablet reset to 1970 scans "now".
    earliest = min(event.starts_at, now) - EARLIEST_SCAN_BEFORE_START
    if scanned_at is None or not earliest <= scanned_at <= now + CLOCK_SKEW:
        scanned_at = now
    # Offline scans arrive as JSON, past the forms' checks: no control characters kept.
    desk = "".join(ch for ch in (desk or "") if ch.isprintable()).strip()[:DESK_NAME_LENGTH]
    standing = standing_check_in(delegate.id)
    if standing is None:
        row = CheckIn(
            event_id=event.id,
            application_id=delegate.application_id,
            delegate_id=delegate.id,
            scanned_at=scanned_at,
            recorded_at=now,
            desk=desk,
            user_id=getattr(actor, "id", None),
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            standing = standing_check_in(delegate.id)
        else:
            record(
                actor,
                AuditAction.CHECK_IN_RECORDED,
                event,
                delegate_id=delegate.id,
                name=delegate.name_zh or delegate.name_latin,
                desk=desk,
                scanned_at=scanned_at.isoformat(),
            )
            return CheckInResult(CheckInOutcome.CHECKED_IN, event, delegate, row)
    assert standing is not None  # the index let no row in because one stands
    if scanned_at < standing.scanned_at:
        standing.scanned_at = scanned_at
        standing.desk = desk
        standing.user_id = getattr(actor, "id", None)
        db.session.flush()
    # Counted in the database, so desks refusing the same badge at once all count.
    db.session.execute(
        sa.update(CheckIn)
        .where(CheckIn.id == standing.id)
        .values(repeat_scans=CheckIn.repeat_scans + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(standing)
    return CheckInResult(CheckInOutcome.ALREADY_CHECKED_IN, event, delegate, standing)


class CheckInAlreadyUndone(DomainError):
    message = _l("This check-in has already been undone.")
    status_code = 409


def undo_check_in(check_in: CheckIn, *, actor: User, reason: str) -> CheckIn:
    """An organizer takes a check-in back (scanned by mistake); it stays on record, undone.

    A certificate resting on it alone is revoked (``signals.check_in_undone``)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": _l("Say why the check-in is undone.")})
    if len(reason) > REASON_LENGTH:
        raise InvalidInput({"reason": _l("Use at most %(max)d characters.", max=REASON_LENGTH)})
    if not check_in.is_standing:
        raise CheckInAlreadyUndone()
    # Taken back only if still standing when the row is written: two organizers undoing
    # the same check-in at once would otherwise both record it (and revoke twice). On
    # PostgreSQL the second waits for the first's row lock and then finds it undone.
    undone: sa.CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        sa.update(CheckIn)
        .where(CheckIn.id == check_in.id, CheckIn.undone_at.is_(None))
        .values(undone_at=utcnow(), undone_by_id=actor.id, undo_reason=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(check_in)  # as written, by this undo or by the one before it
    if undone.rowcount != 1:
        raise CheckInAlreadyUndone()
    application = check_in.delegate.application
    record(
        actor,
        AuditAction.CHECK_IN_UNDONE,
        application.event,
        delegate_id=check_in.delegate_id,
        name=check_in.delegate.name_zh or check_in.delegate.name_latin,
        reason=reason,
    )
    check_in_undone.send(application, reason=reason, actor=actor)
    return check_in


def find_delegates(event: Event, text: str, *, limit: int = 20) -> list[Delegate]:
    """The event's delegates whose name (Chinese or Latin) or enterprise contains ``text``."""
    text = (text or "").strip()
    if not text or has_control_characters(text):
        return []
    pattern = like_pattern(unicodedata.normalize("NFKC", text))
    query = (
        sa.select(Delegate)
        .join(Delegate.application)
        .join(Application.enterprise)
        .where(
            Application.event_id == event.id,
            sa.or_(
                Delegate.name_zh.ilike(pattern, escape="\\"),
                Delegate.name_latin.ilike(pattern, escape="\\"),
                Enterprise.name_zh.ilike(pattern, escape="\\"),
                Enterprise.name_en.ilike(pattern, escape="\\"),
            ),
        )
        .options(selectinload(Delegate.application).selectinload(Application.enterprise))
        .order_by(Delegate.name_latin, Delegate.id)
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


def standing_check_ins(delegate_ids: Iterable[int]) -> dict[int, CheckIn]:
    ids = list(delegate_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(CheckIn)
        .where(CheckIn.delegate_id.in_(ids), CheckIn.undone_at.is_(None))
        .options(selectinload(CheckIn.user))
    ).scalars()
    return {row.delegate_id: row for row in rows}


# --- desk staff ----------------------------------------------------------------------------


def grant_desk_access(event: Event, email: str, *, actor: User) -> CheckInDesk:
    """Let the person with ``email`` check delegates in at ``event``, and nothing else.

    With an account, the access is theirs at once; without one, it waits for an account
    with that address (its address confirmed), and the person is told by e-mail either way.
    """
    try:
        email = check_email(email)
    except InvalidValue as invalid:
        raise InvalidInput({"email": invalid.message}) from None
    if not email:
        raise InvalidInput({"email": _l("Enter the desk person's email address.")})
    user = find_user_by_email(email)
    if user is not None and user.is_organizer:
        raise InvalidInput(
            {"email": _l("Organizers check delegates in already: they need no desk access.")}
        )
    taken = db.session.execute(
        sa.select(CheckInDesk.id).where(
            CheckInDesk.event_id == event.id, CheckInDesk.email == email
        )
    ).first()
    if taken:
        raise InvalidInput({"email": _l("This address has desk access to this event already.")})
    desk = CheckInDesk(
        event_id=event.id, email=email, user_id=user.id if user else None, granted_by_id=actor.id
    )
    db.session.add(desk)
    db.session.flush()
    record(actor, AuditAction.CHECK_IN_DESK_GRANTED, event, email=email)
    send_templated_email(
        email,
        "check_in_desk_granted",
        user.locale if user else actor.locale,
        event=event,
        has_account=user is not None,
        link=external_url("attendance.desk", event_id=event.id),
        accept_link=external_url(
            "attendance.accept_invitation", token=make_desk_invitation_token(desk)
        ),
        organizer=actor,
    )
    return desk


DESK_INVITATION_SALT = "expo.check-in-desk-invitation"
# An invitation link to staff a desk works this long: long enough for an event weeks ahead.
DESK_INVITATION_MAX_AGE = timedelta(days=30)


def _desk_invitation_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(), salt=DESK_INVITATION_SALT)


def make_desk_invitation_token(desk: CheckInDesk) -> str:
    return _desk_invitation_serializer().dumps([desk.id, desk.email])


def desk_from_invitation_token(token: str) -> CheckInDesk | None:
    """The waiting desk access a link was mailed for; None when forged, expired, revoked
    or taken up already."""
    try:
        desk_id, email = _desk_invitation_serializer().loads(
            token, max_age=int(DESK_INVITATION_MAX_AGE.total_seconds())
        )
    except (BadSignature, TypeError, ValueError):
        return None
    if not isinstance(desk_id, int):
        return None
    desk = db.session.get(CheckInDesk, desk_id)
    if desk is None or desk.email != email or desk.user_id is not None:
        return None
    return desk


class DeskInvitationInvalid(DomainError):
    message = _l("This invitation link has expired, was withdrawn or has been used already.")


def accept_desk_invitation(
    token: str, *, name: str, password: str, mobile: str, locale: str
) -> User:
    """The invited desk person's own account, at the address the invitation went to (the
    link proves it is theirs); it staffs the desk and, like any account, sees nothing of
    the organizers' pages."""
    desk = desk_from_invitation_token(token)
    if desk is None:
        raise DeskInvitationInvalid()
    user = create_user(email=desk.email, password=password, name=name, mobile=mobile, locale=locale)
    desk.user_id = user.id
    db.session.flush()
    return user


def revoke_desk_access(desk: CheckInDesk, *, actor: User) -> None:
    event = db.session.get(Event, desk.event_id)
    assert event is not None  # the row goes with its event
    db.session.delete(desk)
    db.session.flush()
    record(actor, AuditAction.CHECK_IN_DESK_REVOKED, event, email=desk.email)


def desks_of(event: Event) -> list[CheckInDesk]:
    query = (
        sa.select(CheckInDesk)
        .where(CheckInDesk.event_id == event.id)
        .options(selectinload(CheckInDesk.user))
        .order_by(CheckInDesk.email)
    )
    return list(db.session.execute(query).scalars())


def _desk_rows_of(user: User) -> sa.ColumnElement[bool]:
    """A desk row is the user's by account, or by a confirmed address it still waits for."""
    mine = CheckInDesk.user_id == user.id
    if user.email_verified:
        mine = sa.or_(mine, sa.and_(CheckInDesk.user_id.is_(None), CheckInDesk.email == user.email))
    return mine


def can_check_in(user: User, event_id: int) -> bool:
    """Whether ``user`` may check delegates in at the event: organizers and its desk staff."""
    if user.is_organizer:
        return True
    query = sa.select(CheckInDesk.id).where(CheckInDesk.event_id == event_id, _desk_rows_of(user))
    return db.session.execute(query.limit(1)).first() is not None


def desk_events(user: User) -> list[Event]:
    """The events whose door ``user`` staffs, soonest first."""
    query = (
        sa.select(Event)
        .join(CheckInDesk, CheckInDesk.event_id == Event.id)
        .where(_desk_rows_of(user))
        .order_by(Event.starts_at)
    )
    return list(db.session.execute(query).scalars().unique())


# --- the desk offline ----------------------------------------------------------------------

# How many scans one sync may carry: a day at a busy door, in a few posts.
SYNC_BATCH_LIMIT = 500


def badge_list_key(event_id: int, user_id: int, secret: str | None = None) -> bytes:
    """The key a desk's badge list is signed with: the event's and the desk user's own,
    derived from ``secret`` (the application's ``SECRET_KEY`` unless given).

    The page holds it to check the list it keeps offline, so one derived for this event
    and this person, never the application's secret, which no browser may hold.
    """
    if secret is None:
        secret = str(current_app.config["SECRET_KEY"])
    derived = f"expo.badge-list:{event_id}:{user_id}".encode()
    return hmac.new(secret.encode(), derived, "sha256").digest()


def _list_signature(event_id: int, user_id: int, body: str, secret: str | None = None) -> str:
    key = badge_list_key(event_id, user_id, secret)
    return hmac.new(key, body.encode(), "sha256").hexdigest()


def badge_list(event: Event, user: User) -> dict[str, str]:
    """The event's badges for a desk offline, signed: ``{"body": json, "signature": hex}``.

    The body lists every delegate of the event's applications (approved or not, so an
    offline desk can say "not admitted" too) with the token their badge carries and their
    standing check-in, if any.
    """
    query = (
        sa.select(Delegate)
        .join(Delegate.application)
        .where(Application.event_id == event.id)
        .options(selectinload(Delegate.application).selectinload(Application.enterprise))
        .order_by(Delegate.id)
    )
    delegates = list(db.session.execute(query).scalars())
    standing = standing_check_ins(delegate.id for delegate in delegates)
    entries = [
        {
            "token": badges.check_in_token(delegate),
            "delegate_id": delegate.id,
            "name": CheckInResult(CheckInOutcome.CHECKED_IN, event, delegate).name,
            "enterprise": delegate.application.enterprise.name,
            "approved": delegate.application.status == ApplicationStatus.APPROVED,
            "checked_in": delegate.id in standing,
        }
        for delegate in delegates
    ]
    payload = {"event_id": event.id, "made_at": utcnow().isoformat(), "badges": entries}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return {"body": body, "signature": _list_signature(event.id, user.id, body)}


def is_genuine_badge_list(event: Event, user: User, signed: object) -> bool:
    """Whether ``signed`` is a badge list this server made for this event and desk user.

    One signed before the secret key was changed still counts while the old key is kept
    in ``SECRET_KEY_FALLBACKS``: a desk that scanned offline with the list it fetched that
    morning syncs its scans whatever was rotated meanwhile."""
    if not isinstance(signed, dict):
        return False
    body, signature = signed.get("body"), signed.get("signature")
    if not isinstance(body, str) or not isinstance(signature, str):
        return False
    return any(
        hmac.compare_digest(_list_signature(event.id, user.id, body, secret), signature)
        for secret in signing_keys()
    )


class BadgeListRefused(DomainError):
    message = _l("The badge list was altered or is not this desk's: the scans were not synced.")


@dataclass(frozen=True)
class OfflineScan:
    code: str
    scanned_at: datetime | None
    desk: str


def sync_offline_scans(
    event: Event, signed_list: object, scans: list[OfflineScan], *, actor: User
) -> list[CheckInResult]:
    """Record the scans a desk made offline, each at the time it was made.

    Each is an ordinary check-in (idempotent: a scan synced twice, or a delegate also
    scanned online, stays one check-in; the earliest scan's time wins). The desk sends the
    signed badge list it worked from: a list altered on the device is refused whole.
    """
    if not is_genuine_badge_list(event, actor, signed_list):
        raise BadgeListRefused()
    return [
        check_in(event, scan.code, desk=scan.desk, actor=actor, scanned_at=scan.scanned_at)
        for scan in scans[:SYNC_BATCH_LIMIT]
    ]


# --- arrivals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrival:
    """An approved delegate and their standing check-in, if they have come."""

    delegate: Delegate
    check_in: CheckIn | None

    @property
    def enterprise(self) -> Enterprise:
        return self.delegate.application.enterprise


@dataclass(frozen=True)
class EnterpriseArrivals:
    enterprise: Enterprise
    arrived: int
    expected: int


@dataclass(frozen=True)
class Arrivals:
    """Who of the event's approved delegates has come: the organizers' live count."""

    rows: list[Arrival]

    @property
    def expected(self) -> int:
        return len(self.rows)

    @property
    def arrived(self) -> int:
        return sum(1 for row in self.rows if row.check_in is not None)

    @property
    def repeat_scans(self) -> int:
        """Badges scanned again after their check-in: refused, counted here only."""
        return sum(row.check_in.repeat_scans for row in self.rows if row.check_in)

    @property
    def not_arrived(self) -> list[Arrival]:
        return [row for row in self.rows if row.check_in is None]

    @property
    def by_enterprise(self) -> list[EnterpriseArrivals]:
        groups: dict[int, list[Arrival]] = {}
        for row in self.rows:
            groups.setdefault(row.enterprise.id, []).append(row)
        return [
            EnterpriseArrivals(
                rows[0].enterprise, sum(1 for row in rows if row.check_in), len(rows)
            )
            for rows in groups.values()
        ]


def arrivals(event: Event) -> Arrivals:
    """Every approved delegate of the event, by enterprise, with their check-in and who
    made it: the same few statements whatever the number of delegates."""
    delegates = badges.approved_delegates(event)
    standing = standing_check_ins(delegate.id for delegate in delegates)
    rows = [Arrival(delegate, standing.get(delegate.id)) for delegate in delegates]
    rows.sort(key=lambda row: (row.enterprise.name, row.delegate.position, row.delegate.id))
    return Arrivals(rows)


def arrival_rows(event: Event) -> list[list[object]]:
    """The arrivals as a sheet: a header, then a row per approved delegate. Times are on
    the event's clock, its zone named in the header."""
    zone = format_zone(event.starts_at, event.timezone)
    rows: list[list[object]] = [
        [
            _("Enterprise"),
            _("Name (Chinese)"),
            _("Name (Latin letters)"),
            _("Position"),
            _("Checked in"),
            _("Checked in at (%(zone)s)", zone=zone),
            _("Desk"),
            _("Checked in by"),
        ]
    ]
    for row in arrivals(event).rows:
        check_in = row.check_in
        when = (
            to_local(check_in.scanned_at, event.timezone).replace(tzinfo=None) if check_in else None
        )
        rows.append(
            [
                row.enterprise.name,
                row.delegate.name_zh,
                row.delegate.name_latin,
                row.delegate.title,
                _("Yes") if check_in else _("No"),
                when,
                check_in.desk if check_in else "",
                check_in.user.name if check_in and check_in.user else "",
            ]
        )
    return rows
