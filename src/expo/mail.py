"""Outgoing email that leaves only after the database commit that caused it, and is
never lost once that commit is made.

Services call :func:`send_email`; the message is a row of ``outgoing_mail`` written in the
same transaction as the change it tells of (a transactional outbox). A rollback, of the
whole transaction or of a savepoint (a bulk decision's failed row), takes the row with it,
so nobody is told of something that did not happen; the commit that keeps the change keeps
the message. After the commit the job queue is told which message to send: a worker claims
the row, delivers it and records the outcome, so neither a slow mail server nor fifty
decisions at once hold up the organizer's page.

The queue only carries a reminder. A worker killed mid-delivery, a Redis restarted without
persistence, a queue unreachable at the moment of the commit: the row is still pending (or
its claim runs out, ``JOBS_LEASE_SECONDS``), and every worker looks for such rows when it
starts and every minute after (:func:`requeue_mail`). A mail server that is down is tried
again after ``MESSAGES_RETRY_SECONDS``, doubled at each attempt, ``MESSAGES_MAX_ATTEMPTS``
times in all; a permanent refusal (5xx) is recorded at once.

Delivery is SMTP when ``EXPO_MAIL_SERVER`` is set, otherwise an ``.eml`` file in
``instance/outbox/`` (and a log line), which is what a fresh install needs. Every message
keeps the Message-ID it was given when it was written: tried again after a crash, a file
already written is not written twice, and a mail server can recognise a message it has
already accepted.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import os
import smtplib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from flask import Flask, current_app, render_template
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from expo.db import enum_column, inserted_rows, one_of, row_parameters, utcnow
from expo.extensions import Model, db
from expo.jobs.models import lease

log = logging.getLogger(__name__)
PENDING_KEY = "expo_pending_email"
ERROR_MAX_LENGTH = 1000


class MailStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for a worker, or to be tried again at next_attempt_at
    SENDING = "sending"  # claimed by a worker until claimed_at + JOBS_LEASE_SECONDS
    SENT = "sent"  # accepted by the mail server, or written to the outbox folder
    FAILED = "failed"  # refused for good, or still refused after the last attempt


class OutgoingMail(Model):
    """One email written by a change, kept until it has been delivered (or given up)."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (
        sa.CheckConstraint(one_of("status", MailStatus), name="status"),
        sa.Index("ix_outgoing_mail_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    recipients: Mapped[list[str]] = mapped_column(sa.JSON)
    subject: Mapped[str] = mapped_column(sa.Text)
    text: Mapped[str] = mapped_column(sa.Text)
    html: Mapped[str | None] = mapped_column(sa.Text)
    date: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[MailStatus] = mapped_column(
        enum_column(MailStatus, 16), default=MailStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    error: Mapped[str] = mapped_column(sa.Text, default="")

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id} {self.status}>"


# Inline: the new row's id is not read back (the message id is the handle).
_WRITE_MAIL = sa.insert(cast(sa.Table, OutgoingMail.__table__)).inline()


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str | None = None
    # Fixed when the message is written, so a delivery tried again later carries the
    # same date and identity (a receiving server can recognise a duplicate).
    message_id: str | None = None
    date: str | None = None


def send_email(to: str | list[str], subject: str, text: str, html: str | None = None) -> None:
    """Write a message to be delivered once the current transaction commits."""
    recipients = (to,) if isinstance(to, str) else tuple(to)
    write_emails([Email(recipients, subject, text, html)])


def write_emails(emails: Sequence[Email]) -> None:
    """Write messages (as :func:`compose_templated_email` gives them) to be delivered once
    the current transaction commits."""
    if not emails:
        return
    session = db.session()
    if not session.in_transaction():
        session.begin()
    rows = outgoing_rows(emails)
    # A statement of its own, not an object for the unit of work: a first-come submission
    # writes its notice under the event's lock, where a flush costs several times more.
    session.execute(_WRITE_MAIL, rows if len(rows) > 1 else rows[0])
    written(rows)


def outgoing_rows(emails: Sequence[Email]) -> list[dict[str, Any]]:
    """The ``outgoing_mail`` rows of ``emails``, every column given (each its Message-ID
    and date now), so that a statement of another's making can insert them as they are
    (:func:`insert_outgoing`)."""
    now = utcnow()
    return [
        {
            "message_id": make_msgid(domain="expo.localhost"),
            "recipients": list(email.to),
            # One line whatever the names in it hold: a line break in a header would make
            # delivery fail long after the page said the message was sent.
            "subject": " ".join(email.subject.split()),
            "text": email.text,
            "html": email.html,
            "date": formatdate(localtime=False),
            "status": MailStatus.PENDING,
            "attempts": 0,
            "created_at": now,
            "next_attempt_at": now,
            "error": "",
        }
        for email in emails
    ]


_OUTGOING = cast(sa.Table, OutgoingMail.__table__)
_OUTGOING_COLUMNS = (
    "message_id",
    "recipients",
    "subject",
    "text",
    "html",
    "date",
    "status",
    "attempts",
    "created_at",
    "next_attempt_at",
    "error",
)


def insert_outgoing(
    count: int, only_if: tuple[sa.FromClause, sa.ColumnElement[bool]] | None = None
) -> sa.CTE:
    """The insert of ``count`` rows of :func:`outgoing_rows` as a part (WITH) of another
    statement (``only_if``: see :func:`expo.db.inserted_rows`); its parameters
    :func:`outgoing_parameters`."""
    return inserted_rows(_OUTGOING, _OUTGOING_COLUMNS, count, "new_mail", only_if=only_if)


def outgoing_parameters(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return row_parameters("new_mail", [{c: row[c] for c in _OUTGOING_COLUMNS} for row in rows])


def written(rows: Sequence[Mapping[str, Any]]) -> None:
    """Note rows of :func:`outgoing_rows` as written in the current transaction (by
    :func:`write_emails`, or by a statement of the caller's own): their delivery is queued
    when it commits, and forgotten if it is rolled back."""
    session = db.session()
    written_in = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(PENDING_KEY, []).extend((written_in, row["message_id"]) for row in rows)


def discard_pending_email() -> None:
    """Drop what this transaction wrote, e.g. when demo data is made."""
    pending = db.session.info.pop(PENDING_KEY, None)
    if pending:
        db.session.execute(
            sa.delete(OutgoingMail).where(
                OutgoingMail.message_id.in_([message_id for _written_in, message_id in pending])
            )
        )


def send_templated_email(to: str, template: str, language: str, **context: Any) -> None:
    """Render ``templates/email/<template>.txt`` (first line: subject) in ``language``."""
    write_emails([compose_templated_email(to, template, language, **context)])


def compose_templated_email(to: str, template: str, language: str, **context: Any) -> Email:
    """The message :func:`send_templated_email` writes, rendered but not written."""
    with force_locale(language):
        rendered = render_template(f"email/{template}.txt", **context)
    subject, _, body = rendered.strip().partition("\n")
    return Email((to,), subject.strip(), body.strip() + "\n")


def _build_message(email: Email) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = ", ".join(email.to)
    message["Subject"] = email.subject
    message["Date"] = email.date or formatdate(localtime=False)
    message["Message-ID"] = email.message_id or make_msgid(domain="expo.localhost")
    message.set_content(email.text)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    return message


def _send_smtp(message: EmailMessage, config: Any) -> None:
    smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    smtp = smtp_class(
        config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=config["MAIL_TIMEOUT"]
    )
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            # Once the server has accepted the message, a failed goodbye must not make
            # the queue send it again.
            smtp.close()


def is_permanent(error: smtplib.SMTPException) -> bool:
    """A refusal that trying again will not change (5xx): a bad address, a bad login."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _outbox_name(message: EmailMessage) -> str:
    """``<time written>-<digest of the Message-ID>.eml``: in the order written, and one
    file per message however often it is tried."""
    digest = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:16]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{stamp}-{digest}.eml"


def deliver(email: Email, *, again: bool = False) -> None:
    """Hand the message to the mail server, or write it to the outbox folder.

    ``again``: an earlier attempt may have delivered it before its worker died. The folder
    is then searched for the message, which is not written a second time; a mail server
    is given the same Message-ID to recognise it by.
    """
    config = current_app.config
    message = _build_message(email)
    if config.get("MAIL_SERVER"):
        _send_smtp(message, config)
        log.info("mail sent to %s: %s", message["To"], email.subject)
        return
    outbox = Path(config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    name = _outbox_name(message)
    if again and any(outbox.glob(f"*-{name.rsplit('-', 1)[1]}")):
        log.info("mail to %s was written before: %s", message["To"], email.subject)
        return
    path = outbox / name
    partial = outbox / f".{name}.{uuid.uuid4().hex[:8]}.part"
    partial.write_bytes(bytes(message))
    os.replace(partial, path)  # whole or not at all: a reader never sees half a message
    log.info("mail to %s written to %s: %s", message["To"], path, email.subject)


# --- the outbox: claimed, delivered, recorded --------------------------------------------


def _max_attempts() -> int:
    return max(1, int(current_app.config["MESSAGES_MAX_ATTEMPTS"]))


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    """Waiting and due, or claimed by a worker that has not finished within the lease; and
    not tried as often as allowed already (a message that kills its worker stops)."""
    return sa.and_(
        OutgoingMail.attempts < _max_attempts(),
        sa.or_(
            sa.and_(
                OutgoingMail.status == MailStatus.PENDING.value,
                OutgoingMail.next_attempt_at <= now,
            ),
            sa.and_(
                OutgoingMail.status == MailStatus.SENDING.value,
                OutgoingMail.claimed_at < now - lease(),
            ),
        ),
    )


def _orphaned(now: datetime) -> sa.ColumnElement[bool]:
    """Claimable, and overdue by a lease: the queue has evidently lost its reminder."""
    return sa.and_(_claimable(now), OutgoingMail.next_attempt_at < now - lease())


def _exhausted(now: datetime) -> sa.ColumnElement[bool]:
    """Held by a worker that stopped on its last allowed attempt: given up, not tried."""
    return sa.and_(
        OutgoingMail.status == MailStatus.SENDING.value,
        OutgoingMail.claimed_at < now - lease(),
        OutgoingMail.attempts >= _max_attempts(),
    )


def _claim(message_id: str) -> tuple[Email, int] | None:
    """Take the message for this worker (once, even with many workers); its email and the
    number of this attempt, or None when it is not due or not there."""
    now = utcnow()
    with db.engine.begin() as connection:
        claimed = connection.execute(
            sa.update(OutgoingMail)
            .where(OutgoingMail.message_id == message_id, _claimable(now))
            .values(
                status=MailStatus.SENDING.value,
                claimed_at=now,
                attempts=OutgoingMail.attempts + 1,
            )
            .returning(
                OutgoingMail.recipients,
                OutgoingMail.subject,
                OutgoingMail.text,
                OutgoingMail.html,
                OutgoingMail.date,
                OutgoingMail.attempts,
            )
        ).first()
    if claimed is None:
        return None
    recipients, subject, text, html, date, attempts = claimed
    return Email(tuple(recipients), subject, text, html, message_id, date), attempts


def _record(message_id: str, attempts: int, error: Exception | None) -> MailStatus | None:
    """Write what came of attempt number ``attempts``; the message's status now, or None
    when this worker no longer holds it (its lease ran out and another took it over: what
    that one records stands)."""
    now = utcnow()
    values: dict[str, object] = {"claimed_at": None}
    if error is None:
        status = MailStatus.SENT
        values |= {"sent_at": now, "error": ""}
    else:
        values["error"] = f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]
        permanent = isinstance(error, smtplib.SMTPException) and is_permanent(error)
        if permanent or attempts >= _max_attempts():
            status = MailStatus.FAILED
        else:
            status = MailStatus.PENDING
            values["next_attempt_at"] = now + timedelta(seconds=retry_delay(attempts))
    with db.engine.begin() as connection:
        written = connection.execute(
            sa.update(OutgoingMail)
            .where(
                OutgoingMail.message_id == message_id,
                OutgoingMail.status == MailStatus.SENDING.value,
                # The claim's own attempt: a worker whose claim was taken over writes nothing.
                OutgoingMail.attempts == attempts,
            )
            .values(status=status.value, **values)
        )
    return status if written.rowcount == 1 else None


def retry_delay(attempts: int) -> int:
    """Seconds before the next try, after ``attempts`` tries turned away for now."""
    return max(0, int(current_app.config["MESSAGES_RETRY_SECONDS"])) * 2 ** (attempts - 1)


def _retry_later(message_id: str, attempts: int) -> None:
    from expo.jobs import queue, tasks

    try:
        task = queue.job_queue().tasks[tasks.SEND_EMAIL]
        task.schedule(args=(message_id,), delay=retry_delay(attempts))
    except Exception:  # the queue's store is down: the next sweep finds the message
        log.warning("could not schedule mail %s to be tried again", message_id)


def deliver_outgoing(message_id: str) -> str:
    """The job queue's task: claim the message, deliver it, record what came of it.

    It works on connections of its own, not the session: in tests it runs inside the
    commit that wrote the message.
    """
    claimed = _claim(message_id)
    if claimed is None:
        return "skipped"  # delivered already, taken by another worker, or not due yet
    email, attempts = claimed
    try:
        deliver(email, again=attempts > 1)
    except Exception as error:  # the server's refusal, or a message that cannot be built
        log.warning(
            "mail to %s not delivered (attempt %d): %s", ", ".join(email.to), attempts, error
        )
        if _record(message_id, attempts, error) == MailStatus.PENDING:
            _retry_later(message_id, attempts)
        return "failed"
    _record(message_id, attempts, None)
    return "sent"


def deliver_queued_whole(
    to: list[str],
    subject: str,
    text: str,
    html: str | None = None,
    message_id: str | None = None,
    date: str | None = None,
) -> None:
    """An email queued whole by a release before the outbox (still waiting in a queue when
    Expo was upgraded): delivered as then, tried again by the queue, never twice written."""
    try:
        deliver(Email(tuple(to), subject, text, html, message_id, date), again=True)
    except smtplib.SMTPException as error:
        if not is_permanent(error):
            raise
        log.error("mail to %s refused for good: %s", ", ".join(to), error)


def requeue_mail(*, now: datetime | None = None) -> int:
    """Remind the queue of every message whose reminder was lost: a worker killed while it
    held the message, a queue emptied or unreachable when the message was committed.

    Each is marked as reminded now (its claim released, ``next_attempt_at`` set), so the
    sweeps of a minute later, or of other hosts, leave it alone for another lease. A message
    whose worker stopped on its last allowed attempt is given up instead.
    """
    from expo.jobs import queue, tasks

    now = now or utcnow()
    with db.engine.begin() as connection:
        connection.execute(
            sa.update(OutgoingMail)
            .where(_exhausted(now))
            .values(
                status=MailStatus.FAILED.value,
                claimed_at=None,
                error="The worker sending it stopped on its last attempt.",
            )
        )
        due = list(
            connection.scalars(
                sa.update(OutgoingMail)
                .where(_orphaned(now))
                .values(status=MailStatus.PENDING.value, claimed_at=None, next_attempt_at=utcnow())
                .returning(OutgoingMail.message_id)
            )
        )
    for message_id in due:
        queue.enqueue(tasks.SEND_EMAIL, message_id)
    return len(due)


def _dispatch(message_id: str) -> None:
    from expo.jobs import queue, tasks

    try:
        queue.enqueue(tasks.SEND_EMAIL, message_id)
    except Exception:  # the queue's store is down (Redis, a full disk): the row waits
        log.warning(
            "could not queue mail %s; it is kept and sent when a worker finds it", message_id
        )


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the messages wait for the outermost commit
    pending = session.info.pop(PENDING_KEY, None)
    for _written_in, message_id in pending or ():
        _dispatch(message_id)


def _within(transaction: Any, ended: Any) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _after_soft_rollback(session: Session, previous_transaction: Any) -> None:
    """Forget what was written in the transaction or savepoint just rolled back."""
    pending = session.info.get(PENDING_KEY)
    if pending:
        pending[:] = [
            (written_in, message_id)
            for written_in, message_id in pending
            if not _within(written_in, previous_transaction)
        ]


def init_app(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
