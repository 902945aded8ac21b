"""What a worker runs to send a message: one email per recipient, each recorded.

``send_message`` claims the message and queues its recipients in parts
(``JOBS_PART_SIZE``), so every worker takes a share. A part sends its recipients in
batches (``JOBS_BATCH_SIZE``): the addresses are read, that transaction ends, the emails go
out with no transaction open, then the batch's outcomes and the message's counts are
written in one commit, the message's row first so that parts finishing together count one
after the other.

Each batch is claimed before it is sent (a conditional update of its deliveries), so a
part queued twice, or resumed while its first worker still runs, sends nothing twice.

An address the mail server turns away for now (a 4xx reply, a dropped or refused
connection) is tried again in a part of its own, after ``MESSAGES_RETRY_SECONDS`` doubled
at each attempt, until ``MESSAGES_MAX_ATTEMPTS``; a permanent refusal (5xx) is recorded at
once. Either way the failure and its reason stay on the delivery.

Nothing depends on the queue keeping its reminders: :func:`requeue_messages`, run when a
worker starts and every minute, queues again what a killed worker held (its claim run
out), a retry overdue by a lease, and a message nobody has started.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy.orm import joinedload

from expo import mail
from expo.db import utcnow
from expo.extensions import db
from expo.i18n import pick
from expo.jobs import queue
from expo.jobs.models import lease
from expo.messaging.models import DeliveryStatus, Message, MessageDelivery, MessageStatus
from expo.registrations.models import Application
from expo.urls import external_url

logger = logging.getLogger(__name__)

SEND_MESSAGE = "expo.messaging.send"
SEND_PART = "expo.messaging.send_part"
ERROR_MAX_LENGTH = 1000


@dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    attempts: int
    email: mail.Email
    claimed_at: datetime  # this worker's claim: what it records must still be its own
    again: bool = False  # tried before: it may have gone out already


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    attempts: int
    error: str = ""
    permanent: bool = False
    claimed_at: datetime | None = None  # the claim it was made under

    @property
    def delivered(self) -> bool:
        return not self.error


def render_email(message: Message, delivery: MessageDelivery) -> mail.Email:
    """The message as its recipient reads it: their language, and why they receive it."""
    language = delivery.language
    application = delivery.application
    with force_locale(language):
        text = render_template(
            "email/event_message.txt",
            body=pick(message.body_zh, message.body_en, language),
            event_title=pick(message.event.title_zh, message.event.title_en, language),
            enterprise_name=pick(
                application.enterprise.name_zh, application.enterprise.name_en, language
            ),
            link=external_url("registrations.application", application_id=application.id),
        )
    return mail.Email(
        (delivery.email,),
        " ".join(pick(message.subject_zh, message.subject_en, language).split()),
        text.strip() + "\n",
        message_id=f"<message-{message.id}-{delivery.id}@expo.localhost>",
    )


def send_message(message_id: int) -> str:
    """Claim the message (queued → sending, once) and queue its recipients in parts."""
    claimed: sa.CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
        sa.update(Message)
        .where(Message.id == message_id, Message.status == MessageStatus.QUEUED.value)
        .values(status=MessageStatus.SENDING.value, started_at=utcnow(), heartbeat_at=utcnow())
    )
    db.session.commit()
    if claimed.rowcount != 1:
        return "skipped"
    delivery_ids = list(
        db.session.scalars(
            sa.select(MessageDelivery.id)
            .where(
                MessageDelivery.message_id == message_id,
                MessageDelivery.status == DeliveryStatus.PENDING.value,
            )
            .order_by(MessageDelivery.id)
        )
    )
    db.session.rollback()
    if not delivery_ids:
        _record(message_id, [])
    size = max(1, current_app.config["JOBS_PART_SIZE"])
    for start in range(0, len(delivery_ids), size):
        queue.enqueue(SEND_PART, message_id, delivery_ids[start : start + size])
    db.session.expire_all()
    return db.session.get_one(Message, message_id).status


def send_part(message_id: int, delivery_ids: list[int]) -> str:
    """Send a part's recipients a batch per commit; queue those to try again later."""
    batch_size = max(1, current_app.config["JOBS_BATCH_SIZE"])
    retry: list[Outcome] = []
    for start in range(0, len(delivery_ids), batch_size):
        outgoing, unwritable = _outgoing(*_claim(delivery_ids[start : start + batch_size]))
        db.session.rollback()  # only read: no transaction stays open while mail goes out
        outcomes = unwritable + [_send(item) for item in outgoing]
        retry += _record(message_id, outcomes)
        db.session.expunge_all()
    _retry_later(message_id, retry)
    return "sent"


def _max_attempts() -> int:
    return max(1, int(current_app.config["MESSAGES_MAX_ATTEMPTS"]))


def _unclaimed(now: datetime) -> sa.ColumnElement[bool]:
    """Held by no worker, or by one whose lease has run out."""
    return sa.or_(MessageDelivery.claimed_at.is_(None), MessageDelivery.claimed_at < now - lease())


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    """Waiting, due, held by no worker, and not tried as often as allowed already (an
    email that stops its worker every time stops being tried)."""
    return sa.and_(
        MessageDelivery.status == DeliveryStatus.PENDING.value,
        MessageDelivery.attempts < _max_attempts(),
        sa.or_(MessageDelivery.next_attempt_at.is_(None), MessageDelivery.next_attempt_at <= now),
        _unclaimed(now),
    )


def _claim(delivery_ids: list[int]) -> tuple[list[int], datetime]:
    """Take the batch's deliveries that nobody holds for this worker, counting the attempt:
    their ids, and the claim's time, which what this worker records must still carry."""
    now = utcnow()
    claimed = list(
        db.session.scalars(
            sa.update(MessageDelivery)
            .where(MessageDelivery.id.in_(delivery_ids), _claimable(now))
            .values(claimed_at=now, attempts=MessageDelivery.attempts + 1)
            .returning(MessageDelivery.id)
        )
    )
    db.session.commit()
    return claimed, now


def _outgoing(
    delivery_ids: list[int], claimed_at: datetime
) -> tuple[list[Outgoing], list[Outcome]]:
    """The claimed deliveries as emails in their readers' languages; and the outcomes of
    those that could not be written (recorded as failed attempts, not left to repeat)."""
    if not delivery_ids:
        return [], []
    deliveries = db.session.scalars(
        sa.select(MessageDelivery)
        .where(
            MessageDelivery.id.in_(delivery_ids),
            MessageDelivery.status == DeliveryStatus.PENDING.value,
        )
        .options(
            joinedload(MessageDelivery.message).joinedload(Message.event),
            joinedload(MessageDelivery.application).joinedload(Application.enterprise),
        )
        .order_by(MessageDelivery.id)
    )
    outgoing, unwritable = [], []
    for delivery in deliveries:
        try:
            email = render_email(delivery.message, delivery)
        except Exception as error:  # a template or a row it cannot read
            logger.exception("message %s to %s not written", delivery.message_id, delivery.email)
            unwritable.append(
                Outcome(delivery.id, delivery.attempts, _describe(error), claimed_at=claimed_at)
            )
            continue
        outgoing.append(
            Outgoing(
                delivery.id,
                delivery.attempts,
                email,
                claimed_at,
                # Tried before: the worker of that attempt may have sent it, then died.
                again=delivery.attempts > 1,
            )
        )
    return outgoing, unwritable


def requeue_messages(*, now: datetime | None = None) -> int:
    """Queue again what the queue has evidently lost; the number of tasks queued.

    - a message waiting for a worker for longer than a lease: its first task;
    - deliveries of a message being sent that a killed worker held (their claim run out),
      whose retry is overdue by a lease, or that nobody has touched while the message
      recorded nothing for a lease.

    Each is marked as reminded now, so the sweeps of the next lease (of any host) leave it
    alone. A delivery whose worker stopped on its last allowed attempt is given up.
    """
    now = now or utcnow()
    overdue = now - lease()
    _give_up_exhausted(now)
    reminded = sa.func.coalesce(Message.heartbeat_at, Message.created_at)
    waiting = list(
        db.session.scalars(
            sa.update(Message)
            .where(Message.status == MessageStatus.QUEUED.value, reminded < overdue)
            .values(heartbeat_at=utcnow())
            .returning(Message.id)
        )
    )
    silent = sa.func.coalesce(Message.heartbeat_at, Message.started_at, Message.created_at)
    lost_ids = (
        sa.select(MessageDelivery.id)
        .join(Message)
        .where(
            Message.status == MessageStatus.SENDING.value,
            _claimable(now),
            sa.or_(
                MessageDelivery.claimed_at.is_not(None),
                MessageDelivery.next_attempt_at < overdue,
                sa.and_(MessageDelivery.next_attempt_at.is_(None), silent < overdue),
            ),
        )
    )
    lost = db.session.execute(
        sa.update(MessageDelivery)
        .where(MessageDelivery.id.in_(lost_ids))
        .values(claimed_at=None, next_attempt_at=utcnow())
        .returning(MessageDelivery.message_id, MessageDelivery.id)
    ).all()
    db.session.commit()
    for message_id in waiting:
        queue.enqueue(SEND_MESSAGE, message_id)
    by_message: dict[int, list[int]] = {}
    for message_id, delivery_id in sorted(lost):
        by_message.setdefault(message_id, []).append(delivery_id)
    size = max(1, current_app.config["JOBS_PART_SIZE"])
    parts = 0
    for message_id, delivery_ids in by_message.items():
        for start in range(0, len(delivery_ids), size):
            queue.enqueue(SEND_PART, message_id, delivery_ids[start : start + size])
            parts += 1
    return len(waiting) + parts


def _give_up_exhausted(now: datetime) -> None:
    """Deliveries whose worker stopped on their last allowed attempt: failed, and their
    messages' counts written again."""
    given_up = db.session.scalars(
        sa.update(MessageDelivery)
        .where(
            MessageDelivery.status == DeliveryStatus.PENDING.value,
            MessageDelivery.attempts >= _max_attempts(),
            MessageDelivery.claimed_at < now - lease(),
        )
        .values(
            status=DeliveryStatus.FAILED.value,
            claimed_at=None,
            error="The worker sending it stopped on its last attempt.",
        )
        .returning(MessageDelivery.message_id)
    ).all()
    db.session.commit()
    for message_id in sorted(set(given_up)):
        _record(message_id, [])


def _send(item: Outgoing) -> Outcome:
    claim = item.claimed_at
    try:
        mail.deliver(item.email, again=item.again)
    except smtplib.SMTPException as error:
        logger.warning("message to %s not delivered: %s", item.email.to[0], error)
        permanent = mail.is_permanent(error)
        return Outcome(item.delivery_id, item.attempts, _describe(error), permanent, claim)
    except Exception as error:  # unreachable, dropped, or a message that cannot be built
        logger.warning("message to %s not delivered: %s", item.email.to[0], error)
        return Outcome(item.delivery_id, item.attempts, _describe(error), claimed_at=claim)
    return Outcome(item.delivery_id, item.attempts, claimed_at=claim)


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]


def _record(message_id: int, outcomes: list[Outcome]) -> list[Outcome]:
    """Write a batch's outcomes and the message's counts; the outcomes to try again."""
    now = utcnow()
    db.session.execute(sa.update(Message).where(Message.id == message_id).values(heartbeat_at=now))
    max_attempts = _max_attempts()
    retry = []
    for outcome in outcomes:
        values: dict[str, object] = {"last_attempt_at": now, "claimed_at": None}
        if outcome.delivered:
            values |= {"status": DeliveryStatus.DELIVERED.value, "delivered_at": now, "error": ""}
        elif outcome.permanent or outcome.attempts >= max_attempts:
            values |= {"status": DeliveryStatus.FAILED.value, "error": outcome.error}
        else:
            delay = timedelta(seconds=mail.retry_delay(outcome.attempts))
            values |= {"error": outcome.error, "next_attempt_at": now + delay}
            retry.append(outcome)
        written: sa.CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
            sa.update(MessageDelivery)
            .where(
                MessageDelivery.id == outcome.delivery_id,
                # Still this worker's claim: one whose lease ran out and was taken over
                # leaves what the next worker records alone.
                MessageDelivery.claimed_at == outcome.claimed_at,
            )
            .values(**values)
        )
        if written.rowcount != 1 and outcome in retry:
            retry.remove(outcome)
    counts: dict[str, int] = dict(
        db.session.execute(
            sa.select(MessageDelivery.status, sa.func.count())
            .where(MessageDelivery.message_id == message_id)
            .group_by(MessageDelivery.status)
        ).all()
    )
    message = db.session.get_one(Message, message_id, populate_existing=True)
    message.delivered = counts.get(DeliveryStatus.DELIVERED.value, 0)
    message.failed = counts.get(DeliveryStatus.FAILED.value, 0)
    if not counts.get(DeliveryStatus.PENDING.value):
        message.status = MessageStatus.DONE
        message.finished_at = now
    db.session.commit()
    return retry


def _retry_later(message_id: int, retry: list[Outcome]) -> None:
    """Queue each address turned away for now again, later at each attempt."""
    by_attempts: dict[int, list[int]] = {}
    for outcome in retry:
        by_attempts.setdefault(outcome.attempts, []).append(outcome.delivery_id)
    for attempts, delivery_ids in sorted(by_attempts.items()):
        delay = mail.retry_delay(attempts)
        task = queue.job_queue().tasks[SEND_PART]
        if delay:
            task.schedule(args=(message_id, delivery_ids), delay=delay)
        else:
            task(message_id, delivery_ids)


def message_progress(message: Message) -> dict[str, object]:
    """The counts a message's page shows while it is sent."""
    processed = message.delivered + message.failed
    return {
        "id": message.id,
        "status": message.status,
        "active": message.is_active,
        "total": message.total,
        "delivered": message.delivered,
        "failed": message.failed,
        "processed": processed,
        "percent": round(100 * processed / message.total) if message.total else 0,
    }
