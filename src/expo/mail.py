"""Outgoing email that leaves only after the database commit that caused it.

Services call :func:`send_email`; the message waits on the SQLAlchemy session, tagged with
the transaction or savepoint it was written in. Rolling back a savepoint drops what was
written inside it (a bulk decision's failed row) and nothing else; releasing a savepoint
sends nothing. When the outermost transaction commits, the messages are handed to the job
queue: a worker delivers it, and tries again later
when the mail server is down, so neither a slow mail server nor fifty decisions at once
hold up the organizer's page. A rollback drops it, so nobody is told of something that did
not happen. Should the queue itself be unreachable, the message is delivered at once.
Delivery is SMTP when ``EXPO_MAIL_SERVER`` is set, otherwise an ``.eml`` file in
``instance/outbox/`` (and a log line), which is what a fresh install needs.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session

from expo.extensions import db

log = logging.getLogger(__name__)
PENDING_KEY = "expo_pending_email"


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
    """Queue a message for delivery once the current transaction commits."""
    recipients = (to,) if isinstance(to, str) else tuple(to)
    email = Email(
        recipients,
        # One line whatever the names in it hold: a line break in a header would make
        # delivery fail long after the page said the message was sent.
        " ".join(subject.split()),
        text,
        html,
        message_id=make_msgid(domain="expo.localhost"),
        date=formatdate(localtime=False),
    )
    session = db.session()
    if not session.in_transaction():
        # Without an open transaction a later rollback would have nothing to undo, and
        # the message would leave with whatever commits next.
        session.begin()
    written_in = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(PENDING_KEY, []).append((written_in, email))


def discard_pending_email() -> None:
    """Drop what this transaction queued, e.g. when demo data is made."""
    db.session.info.pop(PENDING_KEY, None)


def send_templated_email(to: str, template: str, language: str, **context) -> None:
    """Render ``templates/email/<template>.txt`` (first line: subject) in ``language``."""
    with force_locale(language):
        rendered = render_template(f"email/{template}.txt", **context)
    subject, _, body = rendered.strip().partition("\n")
    send_email(to, subject.strip(), body.strip() + "\n")


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


def _send_smtp(message: EmailMessage, config) -> None:
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


def deliver(email: Email) -> None:
    config = current_app.config
    message = _build_message(email)
    if config.get("MAIL_SERVER"):
        _send_smtp(message, config)
        log.info("mail sent to %s: %s", message["To"], email.subject)
        return
    outbox = Path(config["OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = outbox / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    log.info("mail to %s written to %s: %s", message["To"], path, email.subject)


def deliver_queued(
    to: list[str],
    subject: str,
    text: str,
    html: str | None = None,
    message_id: str | None = None,
    date: str | None = None,
) -> None:
    """The job queue's task: deliver, or raise so that the queue tries again later.

    A permanent refusal is logged, not tried again for an hour.
    """
    try:
        deliver(Email(tuple(to), subject, text, html, message_id, date))
    except smtplib.SMTPException as error:
        if not is_permanent(error):
            raise
        log.error("mail to %s refused for good: %s", ", ".join(to), error)


def _dispatch(email: Email) -> None:
    from expo.jobs import queue, tasks

    try:
        queue.enqueue(
            tasks.SEND_EMAIL,
            list(email.to),
            email.subject,
            email.text,
            email.html,
            email.message_id,
            email.date,
        )
        return
    except Exception:  # the queue's store is down (Redis, a full disk): send it now
        log.exception("could not queue mail to %s; delivering it now", ", ".join(email.to))
    try:
        deliver(email)
    except (OSError, smtplib.SMTPException):
        # The change is committed; a mail server hiccup must not turn it into an error
        # page. The failure is logged for the operator.
        log.exception("could not deliver mail to %s", ", ".join(email.to))


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the messages wait for the outermost commit
    pending = session.info.pop(PENDING_KEY, None)
    for _written_in, email in pending or ():
        _dispatch(email)


def _within(transaction, ended) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    """Drop what was written in the transaction or savepoint just rolled back."""
    pending = session.info.get(PENDING_KEY)
    if pending:
        pending[:] = [
            (written_in, email)
            for written_in, email in pending
            if not _within(written_in, previous_transaction)
        ]


def init_app(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
