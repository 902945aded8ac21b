"""The application workflow: submitting, reviewing, capacity and the waiting list.

Capacity is counted in booths. Every change that can take or free booths locks the
event's row first (``SELECT … FOR NO KEY UPDATE`` on PostgreSQL, the database write lock on
SQLite) and counts the approved booths from the rows themselves, so two organizers
approving at once, or twenty enterprises racing for the last booth of a first-come event,
can never approve more than the event holds.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from expo import caching, mail
from expo.accounts.models import User
from expo.audit.actions import AuditAction
from expo.audit.services import record
from expo.db import inserted_rows, row_parameters, utcnow
from expo.enterprises.models import Enterprise
from expo.errors import DomainError, InvalidInput, InvalidTransition
from expo.events.answers import answer_field_data, validate_answers
from expo.events.models import Event, Moderation
from expo.events.signals import capacity_changed
from expo.extensions import db
from expo.mail import Email
from expo.privacy import current_notice
from expo.registrations.models import (
    ACTIVE_STATUSES,
    Answer,
    Application,
    ApplicationStatus,
    Delegate,
    Transition,
    status_label,
)
from expo.registrations.notifications import (
    compose_status,
    enterprise_users,
    notify_status,
)
from expo.registrations.signals import application_closed
from expo.validation import (
    check_email,
    check_latin_name,
    check_passport,
    check_phone,
    checked,
    text_check,
)

EXHIBITS_LENGTH = 5000

PENDING = ApplicationStatus.PENDING
APPROVED = ApplicationStatus.APPROVED
WAITLISTED = ApplicationStatus.WAITLISTED
REJECTED = ApplicationStatus.REJECTED
WITHDRAWN = ApplicationStatus.WITHDRAWN
CANCELLED = ApplicationStatus.CANCELLED


class RegistrationClosed(DomainError):
    message = _l("Registration for this event is not open.")


class EmailNotVerified(DomainError):
    message = _l(
        "Confirm your email address first: open the link we emailed you when you signed up."
    )
    status_code = 403


class AlreadyApplied(DomainError):
    message = _l("Your enterprise has already applied to this event.")
    status_code = 409


class CapacityReached(DomainError):
    message = _l("The event is full: approving this application would exceed its capacity.")
    status_code = 409


class ReasonRequired(InvalidInput):
    def __init__(self) -> None:
        super().__init__({"reason": _l("Give a reason: the enterprise will read it.")})


# Who may move an application where. Organizers review; enterprises only withdraw.
ORGANIZER_MOVES: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    PENDING: frozenset({APPROVED, WAITLISTED, REJECTED, CANCELLED}),
    WAITLISTED: frozenset({APPROVED, PENDING, REJECTED, CANCELLED}),
    APPROVED: frozenset({CANCELLED}),
}
ENTERPRISE_MOVES = frozenset({PENDING, WAITLISTED, APPROVED})  # → withdrawn
REASON_REQUIRED = frozenset({REJECTED, CANCELLED})


# --- input -----------------------------------------------------------------------------


@dataclass
class DelegateData:
    name_zh: str = ""
    name_latin: str = ""
    title: str = ""
    mobile: str = ""
    email: str = ""
    passport_number: str = ""
    # On the edit form: the saved delegate the row shows. Its passport number is never
    # shown in full, so an empty passport field keeps it unless remove_passport is ticked.
    delegate_id: int | None = None
    remove_passport: bool = False


# What a delegate's row holds besides what the person typed.
ROW_KEYS = ("delegate_id", "remove_passport")


def _typed(delegate: DelegateData) -> list[str]:
    return [
        str(value or "").strip() for key, value in vars(delegate).items() if key not in ROW_KEYS
    ]


@dataclass
class ApplicationData:
    delegates: list[DelegateData]
    booths_requested: int = 1
    exhibits: str = ""
    consent: bool = False
    # The version of the personal-information notice the applicant was shown and agreed
    # to (the form sends it back); None for the version in force.
    consent_version: str | None = None
    # Raw answers as the form posted them: {"answer_<question id>": value}.
    answers: Mapping[str, object] = field(default_factory=dict)


def _latin_name(raw: str | None) -> str:
    return check_latin_name(text_check(100)(raw))


def _missing_delegate_details(
    event: Event, delegate: DelegateData, prefix: str
) -> dict[str, object]:
    """What a named delegate must have: a name and a way to reach them.

    Abroad the name in Latin letters is required, as in the passport: badges, visa
    letters and the hosts use it, and their fonts and forms cannot take a Chinese name.
    A mobile or an email will do there, since a Chinese mobile may not ring abroad.
    """
    missing: dict[str, object] = {}
    has_contact = bool(delegate.mobile.strip() or delegate.email.strip())
    if event.is_abroad:
        if delegate.name_latin.strip():
            pass
        elif delegate.name_zh.strip():
            missing[prefix + "name_latin"] = _l(
                "This event is abroad: also enter the name in Latin letters exactly as in "
                "the passport (such as ZHANG San). Badges, visa letters and the hosts "
                "abroad use it, and cannot use a name in Chinese."
            )
        else:
            missing[prefix + "name_latin"] = _l(
                "Enter the name in Latin letters as in the passport (such as ZHANG San)."
            )
        if not has_contact:
            missing[prefix + "mobile"] = _l(
                "Enter a mobile number or an email address, so the organizers can reach "
                "this delegate during the trip."
            )
        return missing
    if not (delegate.name_zh.strip() or delegate.name_latin.strip()):
        missing[prefix + "name_zh"] = _l("Enter the name in Chinese or in Latin letters.")
    if not delegate.mobile.strip():
        missing[prefix + "mobile"] = _l("Enter a mobile number.")
    return missing


def check_application(
    event: Event, data: ApplicationData, *, new: bool = True, now: datetime | None = None
) -> None:
    """Raise :class:`InvalidInput` with every mistake of an application (a ``new`` one
    or an edit), saving nothing.

    For a form that has mistakes of its own: its page can then show the rules' messages
    (consent, delegates) beside them, all in one round.
    """
    _validate(event, replace(data, delegates=list(data.delegates)), new=new, now=now)


def _validate(
    event: Event, data: ApplicationData, *, new: bool, now: datetime | None = None
) -> dict[int, object]:
    errors: dict[str, object] = {}
    # Blank delegate rows of the form are skipped; messages keep the row's own number.
    numbered = [
        (index, delegate) for index, delegate in enumerate(data.delegates) if any(_typed(delegate))
    ]
    if not numbered:
        errors["delegates"] = _l("Name at least one delegate.")
    elif len(numbered) > event.max_delegates:
        errors["delegates"] = lazy_ngettext(
            "This event takes at most %(num)d delegate per enterprise.",
            "This event takes at most %(num)d delegates per enterprise.",
            event.max_delegates,
        )
    delegates = []
    for index, delegate in numbered:
        prefix = f"delegates-{index}-"
        errors.update(_missing_delegate_details(event, delegate, prefix))
        # The rules a delegation member follows too: a delegate becomes one unchanged.
        delegates.append(
            DelegateData(
                name_zh=checked(errors, prefix + "name_zh", text_check(100), delegate.name_zh),
                name_latin=checked(errors, prefix + "name_latin", _latin_name, delegate.name_latin),
                title=checked(errors, prefix + "title", text_check(100), delegate.title),
                mobile=checked(errors, prefix + "mobile", check_phone, delegate.mobile),
                email=checked(errors, prefix + "email", check_email, delegate.email),
                passport_number=checked(
                    errors, prefix + "passport_number", check_passport, delegate.passport_number
                ),
            )
        )
    exhibits = checked(
        errors, "exhibits", text_check(EXHIBITS_LENGTH, multiline=True), data.exhibits
    )
    if not 1 <= (data.booths_requested or 0) <= event.capacity:
        errors["booths_requested"] = lazy_ngettext(
            "Request %(num)d booth.", "Request between 1 and %(num)d booths.", event.capacity
        )
    if new and not data.consent:
        errors["consent"] = _l("Agree to the processing of your delegates' data to apply.")
    elif new and data.consent_version not in (None, current_notice(now).version):
        errors["consent"] = _l(
            "The personal information notice has changed since this page was opened: "
            "read the new version and agree again."
        )
    try:
        answers = validate_answers(list(event.questions), data.answers)
    except InvalidInput as invalid:
        errors.update(invalid.errors)
        answers = {}
    if errors:
        raise InvalidInput(errors)
    data.delegates = delegates
    data.exhibits = exhibits
    return answers


def _delegate_rows(data: ApplicationData) -> list[dict[str, object]]:
    return [
        {
            "position": index,
            "name_zh": d.name_zh.strip(),
            "name_latin": d.name_latin.strip(),
            "title": d.title.strip(),
            "mobile": d.mobile.strip(),
            "email": d.email.strip().lower(),
            "passport_number": d.passport_number.strip().upper() or None,
        }
        for index, d in enumerate(data.delegates)
    ]


def _fill(application: Application, data: ApplicationData, answers: dict[int, object]) -> None:
    application.booths_requested = data.booths_requested
    application.exhibits = data.exhibits.strip()
    application.delegates = [Delegate(**row) for row in _delegate_rows(data)]
    existing = {answer.question_id: answer for answer in application.answers}
    kept = []
    for question_id, value in answers.items():
        answer = existing.get(question_id) or Answer(question_id=question_id)
        answer.value = value
        kept.append(answer)
    application.answers = kept


# --- capacity --------------------------------------------------------------------------


_EVENTS = cast(sa.Table, Event.__table__)
_DECIDING = (_EVENTS.c.moderation, _EVENTS.c.capacity)  # what a decision reads of the event


# What is sent on every decision is built once, its values parameters: building the
# statements and their cache keys on every call was some 9 % of a submission's time.
_READ_DECIDING = sa.select(*_DECIDING).where(_EVENTS.c.id == sa.bindparam("event_id"))
# FOR NO KEY UPDATE: decisions wait on each other, while a row that only refers to the
# event (an application inserted before its decision) does not wait, nor make the lock
# wait for it.
_LOCK_DECIDING = _READ_DECIDING.with_for_update(key_share=True)


def lock_event(event: Event) -> Event:
    """Take the event's row lock for the rest of the transaction and read again what a
    decision reads of it (its moderation and capacity)."""
    db.session.flush()  # pending changes must reach the database before it is re-read
    read = _LOCK_DECIDING
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks; a write takes the database's write lock, which other
        # writers wait for (busy_timeout) until this transaction ends.
        db.session.execute(sa.update(Event).where(Event.id == event.id).values(id=Event.id))
        read = _READ_DECIDING
    # Plain columns, set as loaded: a refresh of the instance costs the submission that
    # waits on the lock several times as much.
    row = db.session.execute(read, {"event_id": event.id}).one()
    for column, value in zip(_DECIDING, row, strict=True):
        set_committed_value(event, column.key, value)
    return event


_APPLICATIONS = cast(sa.Table, Application.__table__)
_TRANSITIONS = cast(sa.Table, Transition.__table__)
# Inline: no new id read back, which no caller needs.
_WRITE_TRANSITION = sa.insert(_TRANSITIONS).inline()
# The mapped columns, not the table's: the session then flushes what is pending before it
# counts.
_BOOTHS_TAKEN = sa.select(sa.func.coalesce(sa.func.sum(Application.booths_requested), 0)).where(
    Application.event_id == sa.bindparam("event_id"), Application.status == APPROVED
)


def booths_taken(event: Event) -> int:
    return int(db.session.execute(_BOOTHS_TAKEN, {"event_id": event.id}).scalar_one())


def _booths_held_for_review(event: Event) -> int:
    """Booths of waitlisted applications sent back to review: kept for them until decided."""
    return db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Application.booths_requested), 0)).where(
            Application.event_id == event.id,
            Application.status == PENDING,
            Application.waitlisted_at.is_not(None),
        )
    ).scalar_one()


@dataclass(frozen=True)
class CapacityCount:
    capacity: int
    approved: int
    pending: int
    waitlisted: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.approved, 0)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.approved / self.capacity)) if self.capacity else 100


def capacity_count(event: Event) -> CapacityCount:
    rows = db.session.execute(
        sa.select(Application.status, sa.func.sum(Application.booths_requested))
        .where(Application.event_id == event.id, Application.status.in_(ACTIVE_STATUSES))
        .group_by(Application.status)
    ).all()
    return capacity_of(event, {status: int(total or 0) for status, total in rows})


def capacity_of(event: Event, booths: Mapping[str, int]) -> CapacityCount:
    """The event's capacity beside the booths its applications ask, by status."""
    return CapacityCount(
        capacity=event.capacity,
        approved=booths.get(APPROVED, 0),
        pending=booths.get(PENDING, 0),
        waitlisted=booths.get(WAITLISTED, 0),
    )


def booths_left(events: Iterable[Event]) -> dict[int, int]:
    """The booths each event can still give, by event id, in one query: its capacity less
    the approved booths and those held for applications sent back from the waiting list."""
    events = list(events)
    if not events:
        return {}
    held = (Application.status == APPROVED) | (
        (Application.status == PENDING) & Application.waitlisted_at.is_not(None)
    )
    rows = db.session.execute(
        sa.select(Application.event_id, sa.func.sum(Application.booths_requested))
        .where(Application.event_id.in_([event.id for event in events]), held)
        .group_by(Application.event_id)
    ).all()
    taken = {event_id: int(total or 0) for event_id, total in rows}
    return {event.id: max(event.capacity - taken.get(event.id, 0), 0) for event in events}


def kept_booths_left(events: Iterable[Event]) -> dict[int, int]:
    """:func:`booths_left` for pages that only show it (the catalogue, the home page),
    kept until an application or an event changes. Never for deciding: a decision counts
    under the event's lock."""
    events = list(events)
    key = ("booths-left", *(event.id for event in events))
    return caching.remember("results", key, lambda: booths_left(events))


# --- transitions -----------------------------------------------------------------------


def _move(
    application: Application,
    to: ApplicationStatus,
    *,
    actor: User | None,
    reason: str = "",
    now: datetime | None = None,
    notice: str | None = None,
) -> None:
    """Change the status, record who did it and why, and tell the enterprise."""
    now = now or utcnow()
    from_status = application.status
    application.status = to
    application.waitlisted_at = _waitlisted_since(application, to, now)
    history = _history_line(from_status, to, actor=actor, reason=reason, now=now)
    # Added through the relationship's other side: the history is not loaded to grow it.
    db.session.add(Transition(application=application, **history))
    notify_status(application, notice or to.value, reason)
    if to in (WITHDRAWN, CANCELLED):
        application_closed.send(application, status=to, reason=reason, actor=actor)


def _waitlisted_since(
    application: Application, to: ApplicationStatus, now: datetime
) -> datetime | None:
    """When the application joined the waiting list, once it has moved ``to``: kept while
    it waits or is reviewed again, none once it is decided otherwise."""
    if to == WAITLISTED:
        return application.waitlisted_at or now
    if to in (APPROVED, REJECTED, WITHDRAWN, CANCELLED):
        return None
    return application.waitlisted_at


def _history_line(
    from_status: ApplicationStatus | None,
    to: ApplicationStatus,
    *,
    actor: User | None,
    reason: str,
    now: datetime,
) -> dict[str, object]:
    return {
        "from_status": from_status,
        "to_status": to.value,
        "actor_id": getattr(actor, "id", None),
        "reason": reason,
        "created_at": now,
    }


def submit_application(
    event: Event,
    enterprise: Enterprise,
    data: ApplicationData,
    *,
    actor: User | None,
    now: datetime | None = None,
) -> Application:
    """Apply ``enterprise`` to ``event``; first-come events decide at once."""
    now = now or utcnow()
    # Whoever applies must have proved their address: the organizers write to it.
    if actor is not None and not actor.is_organizer and not actor.email_verified:
        raise EmailNotVerified()
    if not event.registration_is_open(now):
        raise RegistrationClosed()
    answers = _validate(event, data, new=True, now=now)
    # A second active application of the enterprise is refused by the partial unique
    # index; ON CONFLICT DO NOTHING inserts no row then, and leaves the transaction as it
    # was. Inserted before the event's lock is taken: a pending row counts for no booths.
    # Its delegates and answers are written, and its notice's readers read, before the
    # lock too, so that submissions to one event do not wait on each other for them.
    values = {
        "event_id": event.id,
        "enterprise_id": enterprise.id,
        "submitted_by_id": getattr(actor, "id", None),
        "status": PENDING,
        "booths_requested": data.booths_requested,
        "exhibits": data.exhibits.strip(),
        "consent_version": current_notice(now).version,
        "consented_at": now,
        "created_at": now,
        "updated_at": now,
    }
    rows = (_delegate_rows(data), [{"question_id": k, "value": v} for k, v in answers.items()])
    if db.session.get_bind().dialect.name == "postgresql":
        application, readers, taken = _insert_at_once(values, *rows)
    else:
        application, readers, taken = _insert_one_by_one(values, *rows)
    if application is None:
        raise AlreadyApplied()
    expected = notice = None
    if event.moderation == Moderation.FIRST_COME:
        if taken is not None:
            # The notice of the decision the booths taken so far foretell, rendered before
            # the lock; rendered again under it only when the count there decides the
            # other way (the submissions that meet the last free booths).
            expected = APPROVED if taken + data.booths_requested <= event.capacity else WAITLISTED
            notice = compose_status(application, expected.value, readers=readers)
        # Decided under the event's row lock, held until the commit: no other submission
        # or decision for this event can change the count before then. What is done from
        # here to the commit (the count, the status, its history and the notice's rows)
        # is all that submissions to one event wait on each other for.
        event = lock_event(event)
    if event.moderation != Moderation.FIRST_COME:  # review, or switched to it meanwhile
        _begin_history(application, PENDING, actor=actor, now=now, readers=readers)
    elif db.session.get_bind().dialect.name == "postgresql":
        _decide(application, event, now=now, readers=readers, expected=expected, notice=notice)
    else:
        fits = booths_taken(event) + data.booths_requested <= event.capacity
        status = APPROVED if fits else WAITLISTED
        _begin_history(application, status, actor=None, now=now, readers=readers)
    db.session.flush()
    return application


# A new application's first status, built once (SQLite; PostgreSQL: _decide).
_MOVE = (
    sa.update(_APPLICATIONS)
    .where(_APPLICATIONS.c.id == sa.bindparam("moved_id"))
    .values(
        status=sa.bindparam("moved_status", type_=_APPLICATIONS.c.status.type),
        waitlisted_at=sa.bindparam("moved_waitlisted_at", type_=_APPLICATIONS.c.waitlisted_at.type),
    )
)


def _begin_history(
    application: Application,
    to: ApplicationStatus,
    *,
    actor: User | None,
    now: datetime,
    readers: list[Any],
) -> None:
    """A new application's first status, its first line of history and its notice, as
    :func:`_move` writes them, as statements of their own: what a first-come submission
    does under the event's lock costs a fraction of the unit of work's flush of them."""
    expired = ["transitions"]  # read again if asked for
    history = _history_line(None, to, actor=actor, reason="", now=now)
    history["application_id"] = application.id
    if to != application.status:
        waitlisted_at = _waitlisted_since(application, to, now)
        db.session.execute(
            _MOVE,
            {"moved_id": application.id, "moved_status": to, "moved_waitlisted_at": waitlisted_at},
        )
        set_committed_value(application, "status", to)
        set_committed_value(application, "waitlisted_at", waitlisted_at)
        expired.append("updated_at")  # the column's own clock, as for any other change
    db.session.execute(_WRITE_TRANSITION, history)
    db.session.expire(application, expired)
    notify_status(application, "submitted" if to == PENDING else to.value, readers=readers)


def _decide(
    application: Application,
    event: Event,
    *,
    now: datetime,
    readers: list[Any],
    expected: ApplicationStatus | None,
    notice: list[Email] | None,
) -> None:
    """PostgreSQL: a first-come application decided under the event's lock in one
    statement, the only one made between the lock and the commit. It counts the booths
    approved (begun after the lock was granted, it sees every decision committed before),
    sets the status and the time it joined the waiting list, writes the line of history
    and, if the decision is the ``expected`` one, the ``notice`` rendered for it before
    the lock. The other decision's notice is rendered and written after it."""
    rows = mail.outgoing_rows(notice or [])
    parameters = {
        "decided_event_id": event.id,
        "decided_capacity": event.capacity,
        "decided_booths": application.booths_requested,
        "approved": APPROVED,
        "waitlisted": WAITLISTED,
        "decided_id": application.id,
        "decided_at": now,
        "decided_updated_at": utcnow(),
        "expected": expected,
        **mail.outgoing_parameters(rows),
    }
    status = db.session.execute(_decision(len(rows)), parameters).scalar_one()
    caching.note_written(db.session(), "applications", "application_transitions", "outgoing_mail")
    set_committed_value(application, "status", status)
    set_committed_value(application, "waitlisted_at", _waitlisted_since(application, status, now))
    db.session.expire(application, ["transitions", "updated_at"])  # read again if asked for
    if rows and status == expected:
        mail.written(rows)
    else:
        notify_status(application, status.value, readers=readers)


@functools.cache
def _decision(messages: int) -> sa.Executable:
    """:func:`_decide`'s statement, built once for each number of messages. Its
    parameters are named after no column of the table: a parameter of an UPDATE that is
    named as a column sets it."""
    status = _APPLICATIONS.c.status
    counted = _APPLICATIONS.alias("counted")  # not the row being decided
    taken = (
        sa.select(sa.func.coalesce(sa.func.sum(counted.c.booths_requested), 0))
        .where(
            counted.c.event_id == sa.bindparam("decided_event_id"),
            counted.c.status == sa.bindparam("approved", type_=status.type),
        )
        .scalar_subquery()
    )
    fits = taken + sa.bindparam("decided_booths", type_=sa.Integer) <= sa.bindparam(
        "decided_capacity", type_=sa.Integer
    )
    decided_at = sa.bindparam("decided_at", type_=_APPLICATIONS.c.waitlisted_at.type)
    decided = (
        sa.update(_APPLICATIONS)
        .where(_APPLICATIONS.c.id == sa.bindparam("decided_id"))
        .values(
            status=sa.case(
                (fits, sa.bindparam("approved", type_=status.type)),
                else_=sa.bindparam("waitlisted", type_=status.type),
            ),
            waitlisted_at=sa.case((fits, sa.null()), else_=decided_at),
            # Given, as no column default is computed for a part of a statement: the
            # clock's time, as any other change stamps it.
            updated_at=sa.bindparam("decided_updated_at", type_=decided_at.type),
        )
        .returning(_APPLICATIONS.c.id, status)
        .cte("decided")
    )
    history = (
        sa.insert(_TRANSITIONS)
        .from_select(
            ["application_id", "to_status", "reason", "created_at"],
            sa.select(decided.c.id, decided.c.status, sa.literal(""), decided_at),
        )
        .cte("history")
    )
    parts = [history]
    if messages:
        expected = decided.c.status == sa.bindparam("expected", type_=status.type)
        parts.append(mail.insert_outgoing(messages, only_if=(decided, expected)))
    return sa.select(decided.c.status).add_cte(*parts)


_NEW_APPLICATION = (
    "event_id",
    "enterprise_id",
    "submitted_by_id",
    "status",
    "booths_requested",
    "exhibits",
    "consent_version",
    "consented_at",
    "created_at",
    "updated_at",
)
_DELEGATES = cast(sa.Table, Delegate.__table__)
_ANSWERS = cast(sa.Table, Answer.__table__)
_DELEGATE_COLUMNS = (
    "position",
    "name_zh",
    "name_latin",
    "title",
    "mobile",
    "email",
    "passport_number",
)
_USERS = cast(sa.Table, User.__table__)


def _insert_at_once(
    values: dict[str, Any], delegates: list[dict[str, Any]], answers: list[dict[str, Any]]
) -> tuple[Application | None, list[Any], int | None]:
    """PostgreSQL: a new application, its delegates and its answers inserted, and what
    its notice needs read, in one statement: the application (None when the partial
    unique index refused it), the enterprise's active users (id, email, name, locale) and
    the booths approved so far (not under the event's lock: a forecast, not a count to
    decide by)."""
    parameters = {f"new_{column}": values[column] for column in _NEW_APPLICATION}
    parameters.update(row_parameters(_DELEGATES.name, delegates))
    parameters.update(row_parameters(_ANSWERS.name, answers))
    found = db.session.execute(_everything_new(len(delegates), len(answers)), parameters).all()
    if not found:
        return None, [], None
    # The statement writes through its parts, which the session's hook does not see.
    caching.note_written(db.session(), "applications", "delegates", "answers")
    # The new row as the unit of work would have left it, without reading it back: what
    # was inserted is what was sent.
    application = Application(**values, waitlisted_at=None)
    application.id = found[0].application_id
    make_transient_to_detached(application)
    db.session.add(application)
    readers = [row for row in found if row.id is not None]
    return application, readers, found[0].taken


@functools.cache
def _everything_new(delegates: int, answers: int) -> sa.Executable:
    """:func:`_insert_at_once`'s statement, built once for each number of delegates and
    answers: the inserts are parts (WITH) of the select of the readers, one row for each
    (one with no reader's columns if the enterprise has none, none if nothing was
    inserted)."""
    new = (
        pg_insert(_APPLICATIONS)
        .values(
            {
                column: sa.bindparam(f"new_{column}", type_=_APPLICATIONS.c[column].type)
                for column in _NEW_APPLICATION
            }
        )
        .on_conflict_do_nothing()
        .returning(_APPLICATIONS.c.id)
        .cte("new_application")
    )
    parts = [
        inserted_rows(table, columns, count, table.name, given={"application_id": new.c.id})
        for table, columns, count in (
            (_DELEGATES, _DELEGATE_COLUMNS, delegates),
            (_ANSWERS, ("question_id", "value"), answers),
        )
        if count
    ]
    taken = (
        sa.select(sa.func.coalesce(sa.func.sum(_APPLICATIONS.c.booths_requested), 0))
        .where(
            _APPLICATIONS.c.event_id == sa.bindparam("new_event_id"),
            _APPLICATIONS.c.status == APPROVED,
        )
        .scalar_subquery()
    )
    readers = new.outerjoin(
        _USERS,
        (_USERS.c.enterprise_id == sa.bindparam("new_enterprise_id")) & _USERS.c.active.is_(True),
    )
    return (
        sa.select(
            new.c.id.label("application_id"),
            _USERS.c.id,
            _USERS.c.email,
            _USERS.c.name,
            _USERS.c.locale,
            taken.label("taken"),
        )
        .select_from(readers)
        .order_by(_USERS.c.id)
        .add_cte(*parts)
    )


@functools.cache
def _new_application() -> sa.Executable:
    """SQLite's insert of a new application, built once: its values are parameters
    (``new_<column>``), executed as they are ("orm": not the ORM's bulk insert, which
    builds the statement again for each set of parameters)."""
    return (
        sqlite_insert(Application)
        .values(
            {
                column: sa.bindparam(f"new_{column}", type_=_APPLICATIONS.c[column].type)
                for column in _NEW_APPLICATION
            }
        )
        .on_conflict_do_nothing()
        .returning(Application)
        .execution_options(dml_strategy="orm")
    )


def _insert_one_by_one(
    values: dict[str, Any], delegates: list[dict[str, Any]], answers: list[dict[str, Any]]
) -> tuple[Application | None, list[Any], None]:
    """SQLite (no writes inside a WITH): :func:`_insert_at_once`'s work as a statement for
    each table and one for the readers; no forecast. A fraction of the unit of work's flush
    of the same rows, and less than the ORM's bulk insert, which builds what it inserts
    again."""
    parameters = {f"new_{column}": values[column] for column in _NEW_APPLICATION}
    application = db.session.scalars(_new_application(), parameters).one_or_none()
    if application is None:
        return None, [], None
    for model, written in ((Delegate, delegates), (Answer, answers)):
        if written:
            for row in written:
                row["application_id"] = application.id
            db.session.execute(sa.insert(cast(sa.Table, model.__table__)).inline(), written)
    db.session.expire(application, ["delegates", "answers"])  # read as stored, if asked for
    return application, enterprise_users(application.enterprise_id), None


def update_application(
    application: Application,
    data: ApplicationData,
    *,
    actor: User | None,
    now: datetime | None = None,
) -> Application:
    """The enterprise edits delegates, exhibits and answers until registration closes."""
    now = now or utcnow()
    event = application.event
    if not application.is_active:
        raise InvalidTransition(_l("This application is closed and can no longer be changed."))
    if now >= event.registration_closes_at:
        raise RegistrationClosed(_l("Registration has closed: the application can't be changed."))
    if data.booths_requested != application.booths_requested and application.status == APPROVED:
        raise InvalidInput(
            {"booths_requested": _l("Booths of an approved application can't be changed.")}
        )
    _keep_stored_passports(application, data)
    answers = _validate(event, data, new=False)
    _fill(application, data, answers)
    db.session.flush()
    return application


def _keep_stored_passports(application: Application, data: ApplicationData) -> None:
    """A saved delegate's row left with an empty passport field keeps the number on file."""
    stored = {d.id: d.passport_number for d in application.delegates if d.passport_number}
    for delegate in data.delegates:
        number = stored.get(delegate.delegate_id) if delegate.delegate_id else None
        if (
            number
            and not delegate.remove_passport
            and not delegate.passport_number.strip()
            and any(_typed(delegate))  # a row emptied removes the delegate
        ):
            delegate.passport_number = number


def active_application(event: Event, enterprise: Enterprise) -> Application | None:
    return db.session.execute(
        sa.select(Application).where(
            Application.event_id == event.id,
            Application.enterprise_id == enterprise.id,
            Application.status.in_(ACTIVE_STATUSES),
        )
    ).scalar_one_or_none()


def review(
    application: Application,
    to: ApplicationStatus | str,
    *,
    actor: User | None,
    reason: str = "",
    now: datetime | None = None,
) -> Application:
    """An organizer approves, waitlists, rejects, cancels or re-opens an application."""
    to = ApplicationStatus(to)
    current = ApplicationStatus(application.status)
    if to not in ORGANIZER_MOVES.get(current, ()):
        raise InvalidTransition(
            _l(
                "An application that is “%(current)s” can't become “%(target)s”.",
                current=application.status_label,
                target=status_label(to),
            )
        )
    reason = reason.strip()
    if to in REASON_REQUIRED and not reason:
        raise ReasonRequired()
    event = lock_event(application.event)
    if to == APPROVED and booths_taken(event) + application.booths_requested > event.capacity:
        raise CapacityReached()
    # Booths come free when an approved application is cancelled, or when one that was
    # held for review after the waiting list is turned down.
    frees_booths = _frees_booths(application, to)
    _move(application, to, actor=actor, reason=reason, now=now)
    record(
        actor,
        AuditAction.for_application_status(to),
        application,
        reason=reason,
        previous=current.value,
    )
    db.session.flush()
    if frees_booths:
        promote_waitlist(event, now=now)
    return application


def withdraw(
    application: Application, *, actor: User | None, reason: str = "", now: datetime | None = None
) -> Application:
    """The enterprise withdraws; booths it held go to the waiting list."""
    if ApplicationStatus(application.status) not in ENTERPRISE_MOVES:
        raise InvalidTransition(_l("This application is closed already."))
    event = lock_event(application.event)
    held_booths = application.status == APPROVED
    _move(application, WITHDRAWN, actor=actor, reason=reason.strip(), now=now)
    db.session.flush()
    if held_booths:
        promote_waitlist(event, now=now)
    return application


def promote_waitlist(event: Event, *, now: datetime | None = None) -> list[Application]:
    """Move the earliest waitlisted applications that fit into the free booths.

    First-come events approve them; reviewed events send them back to review, holding
    their booths until an organizer decides. Call with the event locked.
    """
    free = event.capacity - booths_taken(event)
    review_mode = event.moderation == Moderation.REVIEW
    if review_mode:
        free -= _booths_held_for_review(event)
    moved = []
    waiting = db.session.execute(
        sa.select(Application)
        .where(Application.event_id == event.id, Application.status == WAITLISTED)
        .options(selectinload(Application.enterprise).selectinload(Enterprise.users))
        .order_by(Application.waitlisted_at, Application.id)
    ).scalars()
    for application in waiting:
        if application.booths_requested > free:
            continue
        free -= application.booths_requested
        # In review the application keeps waitlisted_at, which holds its booths.
        target = PENDING if review_mode else APPROVED
        _move(application, target, actor=None, now=now, notice="promoted")
        moved.append(application)
    db.session.flush()
    return moved


@dataclass(frozen=True)
class ClosingPreview:
    """What closing some applications would do, for the page that asks to confirm it."""

    closing: list[Application]  # those of the chosen that can move there
    booths_released: int
    moving_up: list[Application]  # the waiting list, in the order it would move
    back_to_review: bool  # reviewed events: those moving up go back to review


def _frees_booths(application: Application, to: ApplicationStatus) -> bool:
    current = ApplicationStatus(application.status)
    held_for_review = current == PENDING and application.waitlisted_at is not None
    return current == APPROVED or (held_for_review and to in REASON_REQUIRED)


def preview_closing(
    event: Event, applications: Iterable[Application], to: ApplicationStatus | str
) -> ClosingPreview:
    """Read, and change nothing: which of ``applications`` can be rejected, cancelled or
    withdrawn (``to``), the booths that frees and who on the waiting list moves up then,
    as :func:`review` and :func:`withdraw` followed by :func:`promote_waitlist` would do."""
    to = ApplicationStatus(to)
    closing = [
        application
        for application in applications
        if (
            ApplicationStatus(application.status) in ENTERPRISE_MOVES
            if to == WITHDRAWN
            else to in ORGANIZER_MOVES.get(ApplicationStatus(application.status), ())
        )
    ]
    closing_ids = {application.id for application in closing}
    released = sum(
        application.booths_requested
        for application in closing
        if application.status == APPROVED or (to != WITHDRAWN and _frees_booths(application, to))
    )
    review_mode = event.moderation == Moderation.REVIEW
    moving_up: list[Application] = []
    if released:
        free = event.capacity - booths_taken(event)
        if review_mode:
            free -= _booths_held_for_review(event)
        free += released
        waiting = db.session.execute(
            sa.select(Application)
            .where(Application.event_id == event.id, Application.status == WAITLISTED)
            .options(selectinload(Application.enterprise))
            .order_by(Application.waitlisted_at, Application.id)
        ).scalars()
        for application in waiting:
            if application.id in closing_ids or application.booths_requested > free:
                continue
            free -= application.booths_requested
            moving_up.append(application)
    return ClosingPreview(closing, released, moving_up, review_mode)


@capacity_changed.connect
def event_capacity_changed(event: Event, **_signal_data: object) -> None:
    """After an organizer changes the capacity: refuse to drop below what is approved.

    Run by ``events.services.update_event`` through ``events.signals.capacity_changed``.
    """
    locked = lock_event(event)
    taken = booths_taken(locked)
    if locked.capacity < taken:
        raise InvalidInput(
            {
                "capacity": lazy_ngettext(
                    "%(num)d booth is already approved.",
                    "%(num)d booths are already approved.",
                    taken,
                )
            }
        )
    promote_waitlist(locked)


@dataclass(frozen=True)
class BulkResult:
    application: Application
    ok: bool
    message: str = ""


def review_many(
    applications: Iterable[Application],
    to: ApplicationStatus | str,
    *,
    actor: User | None,
    reason: str = "",
) -> list[BulkResult]:
    """Review several applications; one that can't move does not stop the others."""
    results = []
    for application in applications:
        try:
            with db.session.begin_nested():
                review(application, to, actor=actor, reason=reason)
        except DomainError as error:
            db.session.refresh(application)
            results.append(BulkResult(application, False, str(error)))
        else:
            results.append(BulkResult(application, True))
    return results


# --- what the enterprise sees ------------------------------------------------------------


def enterprise_applications(enterprise: Enterprise) -> list[Application]:
    query = (
        sa.select(Application)
        .where(Application.enterprise_id == enterprise.id)
        .options(selectinload(Application.event))
        .order_by(Application.created_at.desc(), Application.id.desc())
    )
    return list(db.session.execute(query).scalars())


def is_editable(application: Application, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return application.is_active and now < application.event.registration_closes_at


def form_values(application: Application) -> dict[str, object]:
    """The application as the form's initial data, questions' answers included."""
    values: dict[str, object] = {
        "booths_requested": application.booths_requested,
        "exhibits": application.exhibits,
        "delegates": [
            {
                "name_zh": d.name_zh,
                "name_latin": d.name_latin,
                "title": d.title,
                "mobile": d.mobile,
                "email": d.email,
                # Never sent back in full: the field stays empty and keeps the number.
                "passport_number": "",
                "delegate_id": d.id,
            }
            for d in application.delegates
        ],
    }
    answers = {answer.question_id: answer.value for answer in application.answers}
    values.update(answer_field_data(list(application.event.questions), answers))
    return values


def next_step(application: Application) -> str:
    """One sentence telling the enterprise what happens next."""
    return str(NEXT_STEPS[ApplicationStatus(application.status)])


NEXT_STEPS = {
    PENDING: _l("The organizers are reviewing your application; you will get an email."),
    APPROVED: _l("Check your delegates' details; you can change them until registration closes."),
    WAITLISTED: _l("If a place comes free, the earliest applications on the list move on first."),
    REJECTED: _l("This application was not accepted; see the reason below."),
    WITHDRAWN: _l("You withdrew this application. You may apply again while registration is open."),
    CANCELLED: _l("The organizers cancelled this application; see the reason below."),
}
