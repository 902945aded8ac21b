"""A worker process killed with SIGKILL in the middle of a certificate job, or of a batch
of emails: the next worker to start finds the lease expired and resumes the work. Every
approved application ends with one certificate, serials contiguous, none issued twice;
every email is delivered, none twice."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask_migrate import stamp

from expo import create_app, mail
from expo.documents.models import Certificate
from expo.extensions import db
from expo.jobs import queue, services, tasks
from expo.jobs.models import DocumentJob
from expo.mail import OutgoingMail
from tests.conftest import make_test_config, scratch_database_url
from tests.factories import (
    check_in,
    held,
    make_application,
    make_enterprise,
    make_user,
    open_event,
)
from tests.mailserver import free_port

APPLICATIONS = 24
LEASE_SECONDS = 2
LONG_AGO = datetime(2020, 1, 10, tzinfo=UTC)


@pytest.fixture()
def database_url(tmp_path):
    """A database of the suite's kind (a SQLite file, or a PostgreSQL database of its own)
    that the worker processes and the test share."""
    with scratch_database_url("worker_kill", tmp_path) as url:
        yield url


@pytest.fixture()
def installation(tmp_path_factory, tmp_path, app, database_url):
    """The database, a SQLite queue and a documents folder that worker processes share."""
    config = make_test_config(
        tmp_path_factory,
        DATABASE_URL=database_url,
        JOBS_IMMEDIATE=False,
        JOBS_DATABASE=str(tmp_path / "jobs.sqlite3"),
        DOCUMENTS_DIR=str(tmp_path / "documents"),
        FONTS_DIR=app.config["FONTS_DIR"],  # the print faces this run has cut already
        JOBS_BATCH_SIZE=2,
        JOBS_LEASE_SECONDS=LEASE_SECONDS,
    )
    site = create_app(config)
    with site.app_context():
        db.create_all()
        stamp(revision="head")
    environment = {
        **os.environ,
        "EXPO_DATABASE_URL": config["DATABASE_URL"],
        "EXPO_JOBS_DATABASE": config["JOBS_DATABASE"],
        "EXPO_DOCUMENTS_DIR": config["DOCUMENTS_DIR"],
        "EXPO_FONTS_DIR": config["FONTS_DIR"],
        "EXPO_OUTBOX_DIR": str(tmp_path / "outbox"),
        "EXPO_CACHE_DIR": str(tmp_path / "cache"),
        "EXPO_SECRET_KEY": "k" * 48,
        "EXPO_JOBS_BATCH_SIZE": "2",
        "EXPO_JOBS_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    yield site, environment
    with site.app_context():
        db.engine.dispose()
    site.extensions.pop(queue.EXTENSION, None)


def start_worker(environment: dict[str, str]) -> subprocess.Popen[bytes]:
    flask = Path(sys.executable).with_name("flask")
    return subprocess.Popen(
        [str(flask), "--app", "expo", "worker", "--workers", "1", "--worker-type", "thread"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def job_row(site, job_id: int) -> DocumentJob:
    with site.app_context():
        return db.session.get_one(DocumentJob, job_id)


def test_a_killed_worker_job_is_resumed_by_the_next_worker(installation):
    site, environment = installation
    with site.app_context():
        organizer = make_user("organizer")
        event = open_event(moderation="first_come")
        applications = [make_application(event, make_enterprise()) for _ in range(APPLICATIONS)]
        # Long over on any clock: the workers run on the machine's, the suite maybe on
        # a faked one.
        held(event, now=LONG_AGO)
        for application in applications:
            check_in(application)
        started = services.start_certificate_job(event, actor=organizer)
        db.session.commit()
        job_id, event_id = started.job.id, event.id
        queue.enqueue(tasks.RUN_DOCUMENT_JOB, job_id)

    first = start_worker(environment)
    try:
        wait_for(lambda: job_row(site, job_id).done >= 4)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    killed = job_row(site, job_id)
    assert killed.status == "running" and killed.done < APPLICATIONS

    time.sleep(LEASE_SECONDS + 0.5)  # the lease runs out
    second = start_worker(environment)
    try:

        def resumed_and_done() -> bool:
            with site.app_context():
                return (
                    db.session.scalar(
                        sa.select(sa.func.count(DocumentJob.id)).where(DocumentJob.status == "done")
                    )
                    == 1
                )

        wait_for(resumed_and_done)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)

    with site.app_context():
        jobs = list(db.session.scalars(sa.select(DocumentJob).order_by(DocumentJob.id)))
        assert [job.status for job in jobs] == ["failed", "done"]
        assert f"Resumed as job {jobs[1].id}" in jobs[0].error
        assert jobs[1].done == APPLICATIONS and jobs[1].event_id == event_id
        issued = list(db.session.scalars(sa.select(Certificate).order_by(Certificate.id)))
        assert len(issued) == APPLICATIONS
        assert len({certificate.application_id for certificate in issued}) == APPLICATIONS
        assert sorted(c.serial_number for c in issued) == list(range(1, APPLICATIONS + 1))
        assert all(certificate.sha256 for certificate in issued)


MAILS = 400
HELD = 20  # the message the mail server holds unanswered while the worker is killed


class HoldingHandler:
    """A mail server that takes messages, except that it holds the ``HELD``-th one
    unanswered until ``release`` is set and then refuses it for now (451), as a server
    whose client vanished mid-conversation never accepts the message."""

    def __init__(self) -> None:
        self.accepted: list[str] = []
        self.seen = 0
        self.holding = threading.Event()
        self.release = threading.Event()
        self.held_id = ""

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.seen += 1
        if self.seen == HELD:
            self.held_id = str(message["Message-ID"])
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Connection lost before the message was accepted"
        self.accepted.append(str(message["Message-ID"]))
        return "250 Message accepted for delivery"


def test_a_killed_worker_mail_batch_is_delivered_once_by_the_next_worker(installation):
    """Killed while a message is in the middle of being sent, with hundreds still
    waiting: the next worker sends the rest, takes over the one the dead worker held,
    and the mail server receives every message once."""
    site, environment = installation
    handler = HoldingHandler()
    server = Controller(handler, hostname="127.0.0.1", port=free_port())
    server.start()
    environment = {
        **environment,
        "EXPO_MAIL_SERVER": "127.0.0.1",
        "EXPO_MAIL_PORT": str(server.port),
    }
    with site.app_context():
        for number in range(MAILS):
            mail.send_email(f"buyer{number}@example.com", f"批次 Batch {number}", "正文 Body\n")
        db.session.commit()  # one commit: every message is queued after it
        # Due on any clock: the workers run on the machine's, the suite maybe on a faked one.
        db.session.execute(
            sa.update(OutgoingMail).values(created_at=LONG_AGO, next_attempt_at=LONG_AGO)
        )
        db.session.commit()
        message_ids = set(db.session.scalars(sa.select(OutgoingMail.message_id)))
    assert len(message_ids) == MAILS

    def rows() -> dict[str, tuple[str, int]]:
        with site.app_context():
            return {
                row.message_id: (row.status, row.attempts)
                for row in db.session.scalars(sa.select(OutgoingMail))
            }

    try:
        first = start_worker(environment)
        try:
            assert handler.holding.wait(timeout=120), "no message reached the mail server"
            # The worker waits for the server's answer to a message it has claimed.
            assert rows()[handler.held_id][0] == "sending"
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        handler.release.set()
        killed = rows()
        assert handler.accepted and len(handler.accepted) < MAILS - 1
        assert killed[handler.held_id][0] == "sending"  # held by a worker that is gone

        time.sleep(LEASE_SECONDS + 0.5)  # the lease of the message it held runs out
        second = start_worker(environment)
        try:
            wait_for(lambda: {status for status, _ in rows().values()} == {"sent"})
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        server.stop()

    # Every message reached the server once, the held one too, sent again by the second
    # worker under the same Message-ID.
    assert sorted(handler.accepted) == sorted(message_ids)
    assert handler.accepted.count(handler.held_id) == 1
    with site.app_context():
        assert all(row.sent_at is not None for row in db.session.scalars(sa.select(OutgoingMail)))
