"""Mail leaves through the job queue after the commit; a worker delivers and retries it."""

from __future__ import annotations

import pytest

from expo import mail
from expo.extensions import db as _db
from expo.jobs import queue
from tests.mailserver import free_port


@pytest.fixture()
def queued(app, tmp_path):
    """The embedded queue (huey on SQLite) instead of running tasks at once."""
    saved = {key: app.config.get(key) for key in ("JOBS_IMMEDIATE", "JOBS_DATABASE")}
    app.config.update(JOBS_IMMEDIATE=False, JOBS_DATABASE=str(tmp_path / "jobs.sqlite3"))
    app.extensions.pop(queue.EXTENSION, None)
    yield queue.queue_for(app).huey
    app.config.update(saved)
    app.extensions.pop(queue.EXTENSION, None)


def commit_a_message(subject: str = "审核结果 · Review result") -> None:
    mail.send_email("buyer@example.com", subject, "正文 Body\n")
    _db.session.commit()


def test_the_page_does_not_wait_for_the_mail_a_worker_sends_it(app, db, outbox, queued):
    commit_a_message()
    assert list(outbox.glob("*.eml")) == []  # not sent by the request
    assert queued.pending_count() == 1
    queued.execute(queued.dequeue())  # what a worker does
    [message] = outbox.glob("*.eml")
    assert "buyer@example.com" in message.read_text(errors="replace")


def test_a_mail_server_that_is_down_is_tried_again_later(app, db, outbox, queued, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())  # nobody listens there
    commit_a_message()
    task = queued.dequeue()
    retries = task.retries
    queued.execute(task)  # the worker logs the failure
    assert list(outbox.glob("*.eml")) == []
    [retry] = queued.scheduled()
    assert retry.id == task.id and retry.retries == retries - 1 == 5


def test_an_unreachable_queue_does_not_lose_the_mail(app, db, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_IMMEDIATE", False)
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.delitem(app.extensions, queue.EXTENSION, raising=False)
    try:
        commit_a_message("Delivered at once")
    finally:
        app.extensions.pop(queue.EXTENSION, None)
    [message] = outbox.glob("*.eml")
    assert "Delivered at once" in message.read_text()


def test_a_mail_server_that_is_down_does_not_break_the_commit(app, db, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    commit_a_message()  # runs the task at once (tests), which fails and is set aside
    assert list(outbox.glob("*.eml")) == []


def test_mail_goes_before_the_parts_of_a_bulk_job(app, db, outbox, queued):
    from expo.jobs import tasks

    queue.enqueue(tasks.RUN_PART, 1, [1, 2, 3])  # a part queued first
    commit_a_message()
    assert queued.pending_count() == 2
    assert queued.dequeue().name == tasks.SEND_EMAIL


def test_every_try_sends_the_same_message(app, db, outbox, queued):
    commit_a_message()
    task = queued.dequeue()
    message_id = task.args[4]
    assert message_id.startswith("<") and message_id.endswith("@expo.localhost>")
    queued.execute(task)
    [message] = outbox.glob("*.eml")
    # Written when the decision was committed, not when a worker got round to it, so a
    # message tried twice can be recognised by the receiving server.
    assert f"Message-ID: {message_id}" in message.read_text()


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
