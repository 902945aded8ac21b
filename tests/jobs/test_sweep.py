"""The sweep each worker runs when it starts and every minute: what the queue lost (a
worker killed, a Redis restarted empty) is resumed or queued again, and only once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from expo.db import utcnow
from expo.documents.models import Certificate
from expo.jobs import queue, services, tasks
from expo.jobs.models import DocumentJob, JobStatus, lease


def jobs(db) -> list[tuple[str, int]]:
    db.session.expire_all()
    return [
        (job.status, job.done)
        for job in db.session.scalars(sa.select(DocumentJob).order_by(DocumentJob.id))
    ]


def certificates(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(Certificate.id)))


def test_a_job_the_queue_lost_is_queued_again_once_a_lease_has_passed(
    db, organizer, event_with_applications
):
    event, *_ = event_with_applications
    job = services.start_certificate_job(event, actor=organizer).job
    db.session.commit()  # and its reminder never reaches a worker
    assert services.lost_queued_jobs() == []
    assert "queued again: 0 jobs" in tasks.sweep()
    assert jobs(db) == [("queued", 0)]
    long_ago = utcnow() - lease() - timedelta(seconds=1)
    job.created_at = long_ago
    db.session.commit()
    # Reminded once a lease: the sweeps that follow (of this host or another) wait.
    assert services.lost_queued_jobs() == [job.id]
    assert services.lost_queued_jobs() == []
    db.session.execute(sa.update(DocumentJob).values(heartbeat_at=long_ago))
    db.session.commit()
    assert "queued again: 1 jobs" in tasks.sweep()  # tests run the job at once
    [(status, done)] = jobs(db)
    assert status == "done" and done == certificates(db) > 0


def test_a_silent_running_job_is_resumed_once_however_often_it_is_swept(
    db, organizer, event_with_applications
):
    event, *_ = event_with_applications
    job = services.start_certificate_job(event, actor=organizer).job
    job.status = JobStatus.RUNNING.value
    job.started_at = job.heartbeat_at = utcnow() - lease() - timedelta(seconds=1)
    db.session.commit()
    assert tasks.sweep().startswith("1 jobs resumed")
    assert tasks.sweep().startswith("0 jobs resumed")
    [(first, _), (second, done)] = jobs(db)
    assert (first, second) == ("failed", "done") and done == certificates(db) > 0


@pytest.mark.parametrize(
    ("written_meanwhile", "left_as"),
    [
        # Another worker's sweep gives it up between this one's reading and its writing.
        pytest.param(lambda: {"status": "failed"}, "failed", id="given-up-by-another-worker"),
        # Its worker records a batch between the sweep's reading and its writing.
        pytest.param(lambda: {"heartbeat_at": utcnow()}, "running", id="its-worker-speaks-up"),
    ],
)
def test_a_job_written_meanwhile_is_not_resumed(
    db, organizer, event_with_applications, monkeypatch, written_meanwhile, left_as
):
    """A silent job is resumed only if its row is still as the sweep read it: given up by
    another worker's sweep, it is not resumed twice; heard from again, it is left running."""
    event, *_ = event_with_applications
    job = services.start_certificate_job(event, actor=organizer).job
    job.status = JobStatus.RUNNING.value
    job.started_at = job.heartbeat_at = utcnow() - lease() - timedelta(seconds=1)
    db.session.commit()
    job_id = job.id
    is_abandoned = DocumentJob.is_abandoned

    def abandoned_and_written_meanwhile(self, now=None):
        with db.engine.begin() as connection:
            connection.execute(
                sa.update(DocumentJob).where(DocumentJob.id == job_id).values(written_meanwhile())
            )
        return is_abandoned(self, now)

    monkeypatch.setattr(DocumentJob, "is_abandoned", abandoned_and_written_meanwhile)
    assert services.resume_orphaned_jobs() == []
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(DocumentJob.id))) == 1
    assert jobs(db) == [(left_as, 0)]


def test_a_silent_job_whose_parts_wait_behind_another_jobs_is_left_running(
    db, organizer, event_with_applications, queued
):
    """One worker busy for longer than a lease on another event's job: this job's parts
    still wait in the queue, so its silence is a queue's, not a dead worker's."""
    event, *_ = event_with_applications
    job = services.start_certificate_job(event, actor=organizer).job
    job.status = JobStatus.RUNNING.value
    job.started_at = job.heartbeat_at = utcnow() - lease() - timedelta(seconds=1)
    db.session.commit()
    queued.flush()  # the start's own reminder: this job is past it
    queue.enqueue(tasks.RUN_PART, job.id, [1, 2])
    assert queue.waiting_job_ids([tasks.RUN_PART]) == {job.id}
    assert tasks.sweep().startswith("0 jobs resumed")
    assert jobs(db) == [("running", 0)]
    db.session.refresh(job)
    assert not job.is_abandoned()  # the job page agrees: still running, not failed
    assert services.start_certificate_job(event, actor=organizer).created is False
    queued.flush()  # the part is lost (a Redis restarted empty, a worker killed holding it)
    later = utcnow() + lease() + timedelta(seconds=1)
    assert [again.kind for again in services.resume_orphaned_jobs(now=later)] == ["certificates"]
    assert [status for status, _ in jobs(db)] == ["failed", "queued"]


@pytest.mark.parametrize(
    ("task", "arguments"),
    [
        pytest.param(
            tasks.PRINT_VOLUMES,
            lambda: ([services.BundleEntry("SGG-2027-000001.pdf", "0" * 64, utcnow())], 1),
            id="a-range-of-its-print-file",
        ),
        pytest.param(tasks.PRINT_BADGE_SHEET, tuple, id="its-badge-sheet"),
    ],
)
def test_a_silent_job_whose_print_pieces_wait_is_left_running(
    db, organizer, event_with_applications, queued, task, arguments
):
    """Its bundling's pieces wait behind another job's parts: the job is not abandoned."""
    event, *_ = event_with_applications
    job = services.start_certificate_job(event, actor=organizer).job
    job.status, job.bundle_pieces_left = JobStatus.RUNNING.value, 2
    job.started_at = job.heartbeat_at = utcnow() - lease() - timedelta(seconds=1)
    db.session.commit()
    queued.flush()
    queue.enqueue(task, job.id, *arguments())
    assert queue.waiting_job_ids(tasks.JOB_TASKS) == {job.id}
    assert tasks.sweep().startswith("0 jobs resumed")
    assert jobs(db) == [("running", 0)]
    db.session.refresh(job)
    assert not job.is_abandoned()


def test_an_unreadable_queue_leaves_the_leases_to_decide(app, monkeypatch, caplog):
    def unreachable():
        raise ConnectionError("the queue does not answer")

    monkeypatch.setattr(queue.queue_for(app).huey, "pending", unreachable)
    with app.app_context():
        assert queue.waiting_job_ids([tasks.RUN_PART]) == set()
    assert "could not read the queue's waiting tasks" in caplog.text
