"""Mail is written to the outbox table with the change that causes it; after the commit a
worker claims it, delivers it and records the outcome; nothing the queue loses is lost."""

from __future__ import annotations

import shutil
import subprocess
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from expo import mail
from expo.db import utcnow
from expo.extensions import db as _db
from expo.jobs import queue, tasks
from expo.mail import MailStatus, OutgoingMail
from tests.mailserver import free_port


def commit_a_message(subject: str = "审核结果 · Review result") -> None:
    mail.send_email("buyer@example.com", subject, "正文 Body\n")
    _db.session.commit()


def outgoing(subject: str | None = None) -> OutgoingMail:
    _db.session.expire_all()
    query = sa.select(OutgoingMail)
    if subject:
        query = query.where(OutgoingMail.subject == subject)
    return _db.session.scalars(query).one()


def later(seconds: float):
    """A moment ``seconds`` from now on the clock the code reads."""
    return utcnow() + timedelta(seconds=seconds)


def test_the_page_does_not_wait_for_the_mail_a_worker_sends_it(app, db, outbox, queued):
    commit_a_message()
    assert list(outbox.glob("*.eml")) == []  # not sent by the request
    row = outgoing()
    assert row.status == MailStatus.PENDING and row.recipients == ["buyer@example.com"]
    assert queued.pending_count() == 1
    queued.execute(queued.dequeue())  # what a worker does
    [message] = outbox.glob("*.eml")
    assert "buyer@example.com" in message.read_text(errors="replace")
    row = outgoing()
    assert row.status == MailStatus.SENT and row.attempts == 1 and row.sent_at is not None


def test_a_rollback_takes_the_mail_with_it(app, db, outbox, queued):
    mail.send_email("buyer@example.com", "Never happened", "正文\n")
    _db.session.rollback()
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == 0
    assert queued.pending_count() == 0


def test_a_mail_server_that_is_down_is_tried_again_later(app, db, outbox, queued, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens there
    monkeypatch.setitem(app.config, "MESSAGES_RETRY_SECONDS", 60)
    commit_a_message()
    before = utcnow()
    queued.execute(queued.dequeue())  # the worker logs the failure
    row = outgoing()
    assert row.status == MailStatus.PENDING and row.attempts == 1
    assert "ConnectionRefusedError" in row.error
    assert timedelta(seconds=59) < row.next_attempt_at - before < timedelta(seconds=70)
    [retry] = queued.pending()  # queued again for later, with the same message
    assert retry.args == (row.message_id,) and retry.eta is not None
    # Run before it is due (a reminder found early), it leaves the message alone.
    queued.execute(retry)
    assert outgoing().attempts == 1


def test_each_retry_waits_twice_as_long_and_the_last_gives_up(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    monkeypatch.setitem(app.config, "MESSAGES_RETRY_SECONDS", 60)
    monkeypatch.setitem(app.config, "MESSAGES_MAX_ATTEMPTS", 3)
    commit_a_message()  # the first attempt, at once (tests run tasks inline)
    waits = []
    for _attempt in (2, 3):
        row = outgoing()
        waits.append(round((row.next_attempt_at - utcnow()).total_seconds() / 60))
        _db.session.execute(sa.update(OutgoingMail).values(next_attempt_at=utcnow()))
        _db.session.commit()
        assert mail.deliver_outgoing(row.message_id) == "failed"
    assert waits == [1, 2]
    row = outgoing()
    assert row.status == MailStatus.FAILED and row.attempts == 3


def test_an_unreachable_queue_keeps_the_mail_for_a_worker(app, db, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_IMMEDIATE", False)
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.delitem(app.extensions, queue.EXTENSION, raising=False)
    try:
        commit_a_message("Kept for later")  # the commit succeeds all the same
    finally:
        app.extensions.pop(queue.EXTENSION, None)
    assert list(outbox.glob("*.eml")) == []
    assert outgoing().status == MailStatus.PENDING
    monkeypatch.setitem(app.config, "JOBS_IMMEDIATE", True)  # the queue is back
    # Nothing is swept while the reminder may still be on its way ...
    assert mail.requeue_mail() == 0
    # ... but once it is overdue by a lease a worker's sweep sends it (tests run it inline).
    assert mail.requeue_mail(now=later(app.config["JOBS_LEASE_SECONDS"] + 1)) == 1
    [message] = outbox.glob("*.eml")
    assert "Kept for later" in message.read_text()
    assert outgoing().status == MailStatus.SENT


def test_a_mail_server_that_is_down_does_not_break_the_commit(app, db, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    commit_a_message()  # runs the task at once (tests), which fails and is set aside
    assert list(outbox.glob("*.eml")) == []
    assert outgoing().status == MailStatus.PENDING


def test_mail_goes_before_the_parts_of_a_bulk_job(app, db, outbox, queued):
    queue.enqueue(tasks.RUN_PART, 1, [1, 2, 3])  # a part queued first
    commit_a_message()
    assert queued.pending_count() == 2
    assert queued.dequeue().name == tasks.SEND_EMAIL


def test_every_try_sends_the_same_message(app, db, outbox, queued):
    commit_a_message()
    task = queued.dequeue()
    [message_id] = task.args
    assert message_id.startswith("<") and message_id.endswith("@expo.localhost>")
    queued.execute(task)
    [message] = outbox.glob("*.eml")
    # Written when the decision was committed, not when a worker got round to it, so a
    # message tried twice can be recognised by the receiving server.
    assert f"Message-ID: {message_id}" in message.read_text()


def test_a_worker_that_died_holding_a_mail_is_replaced_after_the_lease(app, db, outbox, queued):
    commit_a_message()
    [message_id] = queued.dequeue().args
    # A worker claims the message, writes it, and is killed before it records the outcome.
    email, attempts = mail._claim(message_id)
    mail.deliver(email)
    assert outgoing().status == MailStatus.SENDING
    assert mail.deliver_outgoing(message_id) == "skipped"  # held: nobody else sends it
    assert mail.requeue_mail() == 0
    lease = app.config["JOBS_LEASE_SECONDS"]
    # Once the lease has run out a worker's sweep releases it and reminds the queue, once:
    # the sweeps that follow within a lease leave it alone.
    assert mail.requeue_mail(now=later(lease + 1)) == 1
    assert mail.requeue_mail() == mail.requeue_mail(now=later(lease - 1)) == 0
    assert queued.pending_count() == 1
    # The next worker takes it and does not write it twice.
    queued.execute(queued.dequeue())
    assert len(list(outbox.glob("*.eml"))) == 1
    row = outgoing()
    assert row.status == MailStatus.SENT and row.attempts == 2


def test_a_worker_whose_claim_was_taken_over_records_nothing(app, db, outbox, queued):
    commit_a_message()
    [message_id] = queued.dequeue().args
    _email, first = mail._claim(message_id)  # worker A, then stalled past its lease
    _db.session.execute(sa.update(OutgoingMail).values(claimed_at=utcnow() - timedelta(hours=1)))
    _db.session.commit()
    assert mail.deliver_outgoing(message_id) == "sent"  # worker B takes over and sends it
    # A wakes up with a refusal from its mail server: what B recorded stands.
    assert mail._record(message_id, first, OSError("timed out")) is None
    row = outgoing()
    assert row.status == MailStatus.SENT and row.attempts == 2


def test_a_message_that_stops_its_worker_every_time_is_given_up(
    app, db, outbox, queued, monkeypatch
):
    monkeypatch.setitem(app.config, "MESSAGES_MAX_ATTEMPTS", 2)
    commit_a_message()
    [message_id] = queued.dequeue().args
    lease = app.config["JOBS_LEASE_SECONDS"]
    for _attempt in range(2):  # claimed, and the worker dies before it records anything
        assert mail._claim(message_id) is not None
        _db.session.execute(
            sa.update(OutgoingMail).values(claimed_at=utcnow() - timedelta(seconds=lease + 1))
        )
        _db.session.commit()
    assert mail._claim(message_id) is None  # tried as often as allowed
    assert mail.requeue_mail() == 0
    row = outgoing()
    assert row.status == MailStatus.FAILED and "last attempt" in row.error


def test_a_message_that_cannot_be_built_counts_as_a_failed_attempt(app, db, outbox, monkeypatch):
    def broken(email, *, again=False):
        raise ValueError("a header that cannot be written")

    monkeypatch.setattr(mail, "deliver", broken)
    commit_a_message()  # delivered at once in tests: the error is recorded, not raised
    row = outgoing()
    assert row.status == MailStatus.PENDING and row.attempts == 1
    assert "ValueError" in row.error


def test_demo_data_leaves_no_mail_behind(app, db, outbox):
    mail.send_email("buyer@example.com", "Demo", "正文\n")
    mail.discard_pending_email()
    _db.session.commit()
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == 0
    assert list(outbox.glob("*.eml")) == []


@pytest.fixture()
def private_redis(tmp_path):
    """A Redis server of this test's own, keeping nothing on disk, that it may restart."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    arguments = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    arguments += ["--appendonly", "no", "--dir", str(tmp_path)]

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(arguments, stdout=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=port, socket_connect_timeout=0.2)
        for _try in range(100):
            try:
                client.ping()
                return process
            except redis.RedisError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    processes = [start()]

    def restart() -> None:
        processes[-1].kill()
        processes[-1].wait()
        processes.append(start())

    yield f"redis://127.0.0.1:{port}/0", restart
    for process in processes:
        process.kill()
        process.wait()


def test_mail_queued_before_a_redis_restart_is_delivered_after_it(
    app, db, outbox, private_redis, monkeypatch
):
    url, restart = private_redis
    monkeypatch.setitem(app.config, "JOBS_IMMEDIATE", False)
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    monkeypatch.delitem(app.extensions, queue.EXTENSION, raising=False)
    try:
        commit_a_message("Survives the restart")
        huey = queue.queue_for(app).huey
        assert huey.pending_count() == 1
        restart()  # killed: everything it held is gone
        assert huey.pending_count() == 0
        # The next worker's sweep finds the message overdue and queues it again.
        assert mail.requeue_mail(now=later(app.config["JOBS_LEASE_SECONDS"] + 1)) == 1
        huey.execute(huey.dequeue())
    finally:
        app.extensions.pop(queue.EXTENSION, None)
    [message] = outbox.glob("*.eml")
    assert "Survives the restart" in message.read_text()
    assert outgoing().status == MailStatus.SENT


class RefusingHandler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        return "550 5.1.1 No such user here"


def test_a_permanent_refusal_is_not_tried_again(app, db, outbox, queued, monkeypatch):
    from aiosmtpd.controller import Controller

    controller = Controller(RefusingHandler(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
        commit_a_message()
        queued.execute(queued.dequeue())
    finally:
        controller.stop()
    assert queued.scheduled() == [] and queued.pending_count() == 0
    row = outgoing()
    assert row.status == MailStatus.FAILED and "550" in row.error


def test_mail_queued_whole_by_an_earlier_release_is_still_delivered(app, db, outbox, queued):
    # What the queue of a release before the outbox holds when Expo is upgraded.
    queue.enqueue(
        tasks.SEND_EMAIL_QUEUED_WHOLE,
        ["buyer@example.com"],
        "Queued before the upgrade",
        "Body\n",
        None,
        "<old-1@expo.localhost>",
        "Mon, 30 Nov 2026 08:00:00 -0000",
    )
    task = queued.dequeue()
    assert task.name == "expo.mail.send"
    queued.execute(task)
    [message] = outbox.glob("*.eml")
    assert "Queued before the upgrade" in message.read_text()
    assert "Message-ID: <old-1@expo.localhost>" in message.read_text()
