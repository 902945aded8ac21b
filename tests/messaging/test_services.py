"""Who a message reaches, in which language, and what is recorded of its sending."""

from __future__ import annotations

import email
import email.policy
import smtplib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from expo import mail
from expo.audit.models import AuditEntry
from expo.db import utcnow
from expo.errors import InvalidInput
from expo.messaging import sending, services
from expo.messaging.models import Message, MessageDelivery
from tests.factories import make_enterprise_user
from tests.messaging.conftest import message_data


def _emails(preview) -> set[str]:
    return {recipient.email for recipient in preview.recipients}


def test_each_active_user_and_the_contact_address_receive_one_copy_in_their_language(cast):
    preview = services.preview_message(cast.event, message_data(statuses=["approved"]))
    users = {user.email: user.locale for user in cast.approved.enterprise.users if user.active}
    languages = {recipient.email: recipient.language for recipient in preview.recipients}
    assert preview.applications == 2
    assert {email: languages[email] for email in users} == users
    assert languages["contact@example.com"] == "zh"  # a contact address has no language
    inactive = [user.email for user in cast.approved.enterprise.users if not user.active]
    assert not set(inactive) & set(languages)
    assert preview.count("en") == 1


def test_statuses_choose_the_applications(cast):
    preview = services.preview_message(cast.event, message_data(statuses=["waitlisted", "pending"]))
    assert {r.application_id for r in preview.recipients} == {cast.waitlisted.id, cast.pending.id}


def test_check_in_and_report_due_narrow_the_choice(cast):
    checked = services.preview_message(cast.event, message_data(attendance="checked_in"))
    assert {r.application_id for r in checked.recipients} == {cast.approved.id}
    absent = services.preview_message(cast.event, message_data(attendance="not_checked_in"))
    assert {r.application_id for r in absent.recipients} == {cast.present.id}
    due = services.preview_message(cast.event, message_data(report_due=True))
    assert {r.application_id for r in due.recipients} == {cast.approved.id}


def test_an_address_shared_by_two_enterprises_receives_one_copy(cast, db):
    shared = cast.present.enterprise.users[0].email
    cast.approved.enterprise.contact_email = shared.upper()
    preview = services.preview_message(cast.event, message_data())
    assert [r.email.lower() for r in preview.recipients].count(shared) == 1


def test_a_choice_that_reaches_nobody_is_refused_at_the_field(cast):
    with pytest.raises(InvalidInput) as refused:
        services.preview_message(
            cast.event, message_data(statuses=["pending"], attendance="checked_in")
        )
    assert "statuses" in refused.value.errors


def test_both_languages_are_required(cast):
    with pytest.raises(InvalidInput) as refused:
        services.preview_message(cast.event, message_data(body_en="  ", statuses=[]))
    assert set(refused.value.errors) == {"body_en", "statuses"}


def test_creating_records_a_delivery_per_recipient_and_the_audit(cast, db, organizer):
    message = services.create_message(cast.event, message_data(), actor=organizer).message
    db.session.commit()
    deliveries = db.session.scalars(sa.select(MessageDelivery)).all()
    assert message.total == len(deliveries) == 4  # 2 users + contact, 1 user
    assert {d.status for d in deliveries} == {"pending"}
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "message.sent")
    ).one()
    assert (entry.subject_type, entry.subject_id, entry.actor_id) == (
        "messages",
        message.id,
        organizer.id,
    )
    assert entry.details["recipients"] == 4 and entry.details["audience"]["statuses"] == [
        "approved"
    ]


def test_sending_delivers_each_in_its_language_with_the_reason_in_the_footer(
    cast, db, organizer, outbox
):
    message = services.create_message(cast.event, message_data(), actor=organizer).message
    db.session.commit()
    assert sending.send_message(message.id) == "done"
    db.session.expire_all()
    message = db.session.get(Message, message.id)
    assert (message.status, message.delivered, message.failed) == ("done", 4, 0)
    texts = {}
    for path in outbox.glob("*.eml"):
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        texts[parsed["To"]] = (str(parsed["Subject"]), parsed.get_content())
    english = next(user for user in cast.approved.enterprise.users if user.locale == "en")
    subject, body = texts[english.email]
    assert subject == "Pre-departure briefing"
    assert "Please attend the briefing" in body
    assert "because your enterprise" in body and "Budapest International Fair" in body
    subject, body = texts["contact@example.com"]
    assert subject == "行前说明会通知" and "行前说明会" in body and "布达佩斯国际博览会" in body
    assert all(d.delivered_at for d in message.deliveries)


class FlakyServer:
    """Turns an address away for now (once), and another for good."""

    def __init__(self, temporary: str, permanent: str) -> None:
        self.temporary, self.permanent = temporary, permanent
        self.refused_once: set[str] = set()
        self.delivered: list[str] = []

    def deliver(self, outgoing: mail.Email, *, again: bool = False) -> None:
        (to,) = outgoing.to
        if to == self.permanent:
            raise smtplib.SMTPRecipientsRefused({to: (550, b"no such mailbox")})
        if to == self.temporary and to not in self.refused_once:
            self.refused_once.add(to)
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        self.delivered.append(to)


def test_a_temporary_failure_is_tried_again_and_a_permanent_one_recorded(
    app, cast, db, organizer, monkeypatch
):
    users = [user for user in cast.approved.enterprise.users if user.active]
    server = FlakyServer(temporary=users[0].email, permanent="contact@example.com")
    monkeypatch.setattr(mail, "deliver", server.deliver)
    monkeypatch.setitem(app.config, "MESSAGES_RETRY_SECONDS", 0)
    message = services.create_message(cast.event, message_data(), actor=organizer).message
    db.session.commit()
    sending.send_message(message.id)
    db.session.expire_all()
    rows = {d.email: d for d in db.session.get(Message, message.id).deliveries}
    assert (rows[users[0].email].status, rows[users[0].email].attempts) == ("delivered", 2)
    refused = rows["contact@example.com"]
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert "550" in refused.error
    message = db.session.get(Message, message.id)
    assert (message.status, message.delivered, message.failed) == ("done", 3, 1)


def test_an_address_still_refused_after_the_last_attempt_is_given_up(
    app, cast, db, organizer, monkeypatch
):
    def down(outgoing: mail.Email, *, again: bool = False) -> None:
        raise smtplib.SMTPResponseException(421, b"try again later")

    monkeypatch.setattr(mail, "deliver", down)
    monkeypatch.setitem(app.config, "MESSAGES_RETRY_SECONDS", 0)
    monkeypatch.setitem(app.config, "MESSAGES_MAX_ATTEMPTS", 3)
    message = services.create_message(cast.event, message_data(), actor=organizer).message
    db.session.commit()
    sending.send_message(message.id)
    db.session.expire_all()
    deliveries = db.session.get(Message, message.id).deliveries
    assert {(d.status, d.attempts) for d in deliveries} == {("failed", 3)}
    assert all("421" in d.error for d in deliveries)


def test_a_retry_waits_longer_at_each_attempt(app, cast, db, organizer, monkeypatch):
    scheduled = []

    class Task:
        def schedule(self, *, args, delay):
            scheduled.append((args[1], delay))

    monkeypatch.setattr(
        sending.queue, "job_queue", lambda: type("Q", (), {"tasks": {sending.SEND_PART: Task()}})
    )
    sending._retry_later(1, [sending.Outcome(7, 1, "x"), sending.Outcome(8, 3, "x")])
    assert scheduled == [([7], 60), ([8], 240)]


def addresses_written(outbox) -> list[str]:
    return sorted(
        str(email.message_from_bytes(path.read_bytes(), policy=email.policy.default)["To"])
        for path in outbox.glob("*.eml")
    )


def test_a_batch_held_by_a_worker_that_died_is_sent_by_the_next_once(
    app, cast, db, organizer, outbox
):
    message = services.create_message(cast.event, message_data(), actor=organizer).message
    message.status, message.started_at, message.heartbeat_at = "sending", utcnow(), utcnow()
    db.session.commit()
    message_id = message.id
    deliveries = sorted(message.deliveries, key=lambda d: d.id)
    everyone = sorted(d.email for d in deliveries)
    # A worker claims a batch of two and writes the first before it is killed.
    claimed, claim = sending._claim([d.id for d in deliveries[:2]])
    assert claimed == [d.id for d in deliveries[:2]]
    [first, *_], unwritable = sending._outgoing(claimed, claim)
    assert unwritable == [] and first.attempts == 1 and not first.again
    db.session.rollback()
    mail.deliver(first.email)
    # While its claim and the message's heartbeat are fresh nothing is queued again, and a
    # part that reaches those two sends neither.
    assert sending.requeue_messages() == 0
    assert sending._claim(claimed)[0] == []
    lease = timedelta(seconds=app.config["JOBS_LEASE_SECONDS"] + 1)
    db.session.execute(
        sa.update(MessageDelivery)
        .where(MessageDelivery.claimed_at.is_not(None))
        .values(claimed_at=utcnow() - lease)
    )
    db.session.execute(sa.update(Message).values(heartbeat_at=utcnow() - lease))
    db.session.commit()
    # The next worker's sweep queues what is left (tests run the parts at once), once.
    assert sending.requeue_messages() == 1
    assert sending.requeue_messages() == 0
    assert addresses_written(outbox) == everyone  # each once, the first not written twice
    db.session.expire_all()
    message = db.session.get(Message, message_id)
    assert (message.status, message.delivered) == ("done", len(everyone))
    # The dead worker wakes up and records a failure for the first: what was sent stands,
    # and nothing is queued to be tried again.
    stale = sending.Outcome(first.delivery_id, 1, "OSError: timed out", False, claim)
    assert sending._record(message_id, [stale]) == []
    db.session.expire_all()
    assert db.session.get(MessageDelivery, first.delivery_id).status == "delivered"


def test_an_email_that_stops_its_worker_every_time_is_given_up(
    app, cast, db, organizer, monkeypatch
):
    monkeypatch.setitem(app.config, "MESSAGES_MAX_ATTEMPTS", 2)
    message = services.create_message(cast.event, message_data(), actor=organizer).message
    message.status, message.started_at, message.heartbeat_at = "sending", utcnow(), utcnow()
    db.session.commit()
    message_id, [delivery, *_] = message.id, sorted(message.deliveries, key=lambda d: d.id)
    delivery_id = delivery.id
    expired = utcnow() - timedelta(seconds=app.config["JOBS_LEASE_SECONDS"] + 1)
    for _attempt in range(2):  # claimed, and the worker dies before it records anything
        assert sending._claim([delivery_id])[0] == [delivery_id]
        db.session.execute(
            sa.update(MessageDelivery)
            .where(MessageDelivery.id == delivery_id)
            .values(claimed_at=expired)
        )
        db.session.commit()
    assert sending._claim([delivery_id])[0] == []  # tried as often as allowed
    monkeypatch.setattr(mail, "deliver", lambda email, *, again=False: None)
    sending.requeue_messages()  # gives it up; the others are sent (their worker is silent)
    db.session.expire_all()
    given_up = db.session.get(MessageDelivery, delivery_id)
    assert given_up.status == "failed" and "last attempt" in given_up.error
    assert db.session.get(Message, message_id).failed == 1


def test_a_message_no_worker_started_is_queued_again(app, cast, db, organizer, outbox):
    message = services.create_message(cast.event, message_data(), actor=organizer).message
    db.session.commit()  # the view queues it after the commit; say that reminder is lost
    message_id = message.id
    assert sending.requeue_messages() == 0
    later = utcnow() + timedelta(seconds=app.config["JOBS_LEASE_SECONDS"] + 1)
    assert sending.requeue_messages(now=later) == 1
    db.session.expire_all()
    assert db.session.get(Message, message_id).status == "done"
    assert len(addresses_written(outbox)) == 4


def test_an_overdue_retry_is_queued_again(app, cast, db, organizer, monkeypatch):
    monkeypatch.setattr(mail, "deliver", FlakyServer("", "").deliver)
    message = services.create_message(cast.event, message_data(), actor=organizer).message
    message.status, message.started_at, message.heartbeat_at = "sending", utcnow(), utcnow()
    db.session.commit()
    retry_at = utcnow() + timedelta(minutes=5)
    db.session.execute(
        sa.update(MessageDelivery).values(next_attempt_at=retry_at, attempts=1, error="x")
    )
    db.session.commit()
    lease = timedelta(seconds=app.config["JOBS_LEASE_SECONDS"])
    assert sending.requeue_messages(now=retry_at) == 0  # due, its reminder may be on its way
    assert sending.requeue_messages(now=retry_at + lease + timedelta(seconds=1)) == 1


def test_the_application_history_lists_its_messages(cast, db, organizer):
    other = make_enterprise_user(cast.present.enterprise)
    message = services.create_message(cast.event, message_data(), actor=organizer).message
    db.session.commit()
    history = services.application_deliveries(cast.present)
    assert {d.email for d in history} == {u.email for u in cast.present.enterprise.users}
    assert other.email in {d.email for d in history}
    assert all(d.message_id == message.id for d in history)
