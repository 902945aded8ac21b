"""The real path: a huey consumer on a SQLite queue file runs a job end to end."""

from __future__ import annotations

import signal
import time

import sqlalchemy as sa
from flask import has_app_context
from huey.consumer import Consumer

from expo import create_app
from expo.documents import render
from expo.documents.models import Certificate
from expo.jobs import commands, queue, services, tasks
from expo.jobs.models import DocumentJob
from tests.conftest import make_test_config


def test_a_consumer_thread_runs_a_queued_job(
    app, db, organizer, event_with_applications, tmp_path, monkeypatch
):
    event, approved, *_ = event_with_applications
    # Put back after the test: the app is the session's, shared by the tests after this one.
    monkeypatch.setitem(app.config, "JOBS_IMMEDIATE", False)
    monkeypatch.setitem(app.config, "JOBS_DATABASE", str(tmp_path / "jobs.sqlite3"))
    app.extensions.pop(queue.EXTENSION, None)
    huey = queue.queue_for(app).huey
    assert type(huey).__name__ == "SqliteHuey"

    job_id = services.start_certificate_job(event, actor=organizer).job.id
    db.session.commit()
    queue.enqueue(tasks.RUN_DOCUMENT_JOB, job_id)
    assert huey.pending_count() == 1

    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer.start()
    try:
        deadline = time.monotonic() + 60
        status = "queued"
        while time.monotonic() < deadline:
            db.session.rollback()  # a fresh snapshot each time
            status = db.session.scalar(
                sa.select(DocumentJob.status).where(DocumentJob.id == job_id)
            )
            if status not in ("queued", "running"):
                break
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
        for number, handler in handlers.items():
            signal.signal(number, handler)

    job = db.session.get(DocumentJob, job_id)
    assert (job.status, job.done, job.total) == ("done", 3, 3)
    assert job.zip_sha256 and job.merged_sha256
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == len(approved)
    assert huey.pending_count() == 0


def invoke_worker(site) -> tuple[object, list[Consumer]]:
    """``flask worker`` run as far as its consumer, which is handed back instead of run."""
    consumed: list[Consumer] = []
    original = Consumer.run
    Consumer.run = lambda consumer: consumed.append(consumer)  # type: ignore[method-assign]
    # The command takes over SIGTERM and blocks the stop signals on its way out, as a
    # worker process should; in the test's own process both are put back, or every
    # process started by a later test would inherit the blocked SIGTERM.
    handler = signal.getsignal(signal.SIGTERM)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    try:
        with site.app_context():
            result = site.test_cli_runner().invoke(args=["worker", "--worker-type", "thread"])
    finally:
        Consumer.run = original  # type: ignore[method-assign]
        signal.signal(signal.SIGTERM, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    return result, consumed


def test_a_worker_started_before_the_database_starts_all_the_same(tmp_path_factory, tmp_path):
    """The database not answering yet (the host booted in the wrong order): the worker
    says so in one line and starts, instead of failing with a traceback in a restart loop."""
    site = create_app(
        make_test_config(
            tmp_path_factory,
            DATABASE_URL=f"sqlite:///{tmp_path / 'not-there' / 'expo.sqlite3'}",
            JOBS_IMMEDIATE=False,
            JOBS_DATABASE=str(tmp_path / "jobs.sqlite3"),
        )
    )
    result, consumed = invoke_worker(site)
    assert result.exit_code == 0, result.output
    assert "Not swept yet (" in result.output
    assert "Traceback" not in result.output
    assert len(consumed) == 1  # the worker went on to take tasks


def test_each_worker_process_is_ready_to_print_before_its_first_task(
    app, db, tmp_path, monkeypatch
):
    # The fonts and stylesheets are loaded as each worker process starts (huey's start-up
    # hooks run in the process that takes the tasks), not by the first job's first part.
    monkeypatch.setitem(app.config, "JOBS_IMMEDIATE", False)
    monkeypatch.setitem(app.config, "JOBS_DATABASE", str(tmp_path / "jobs.sqlite3"))
    monkeypatch.delitem(app.extensions, queue.EXTENSION, raising=False)
    # The test database's tables are made from the models, without migrations' stamp.
    monkeypatch.setattr(commands, "refuse_to_start_if_unready", lambda app: None)
    warmed = []
    monkeypatch.setattr(render, "warm_up", lambda: warmed.append(has_app_context()))
    result, consumed = invoke_worker(app)
    assert result.exit_code == 0, result.output
    assert warmed == []  # not in the parent: its fonts would not survive the fork
    for hook in consumed[0].huey._startup.values():  # as each worker process does
        hook()
    assert warmed == [True]
