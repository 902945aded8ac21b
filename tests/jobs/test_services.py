"""Issuing an event's certificates in bulk: once each, cancellable, bundled."""

from __future__ import annotations

import io
import threading
import time
import zipfile
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from pypdf import PdfReader

from expo.db import utcnow
from expo.documents import certificates
from expo.documents.models import Certificate
from expo.documents.storage import document_store
from expo.jobs import queue, services, tasks
from expo.jobs.models import STALE_AFTER, DocumentJob, JobStatus
from expo.registrations.models import Application
from tests.documents.conftest import approved_application
from tests.factories import check_in, held, make_application, make_enterprise, open_event


def run(job_id: int) -> str:
    """The task as a worker runs it: in an app context (and a session) of its own."""
    return queue.enqueue(tasks.RUN_DOCUMENT_JOB, job_id).get()


def start_and_run(db, event, organizer) -> DocumentJob:
    started = services.start_certificate_job(event, actor=organizer)
    assert started.created
    job_id = started.job.id
    db.session.commit()
    assert run(job_id) == "done"
    db.session.expire_all()
    return db.session.get(DocumentJob, job_id)


def serials(db) -> dict[int, str]:
    rows = db.session.execute(sa.select(Certificate.application_id, Certificate.serial))
    return dict(rows.all())


def test_one_certificate_per_approved_application_and_none_for_others(
    db, organizer, event_with_applications
):
    event, approved, withdrawn, elsewhere = event_with_applications
    job = start_and_run(db, event, organizer)
    assert (job.status, job.total, job.done, job.failed) == ("done", 3, 3, 0)
    assert job.started_at and job.finished_at
    assert set(serials(db)) == {application.id for application in approved}


def test_running_again_issues_nothing_new(db, organizer, event_with_applications):
    event, approved, *_ = event_with_applications
    # One certificate exists before the first job: it is reused, not issued again.
    certificates.issue_certificate(db.session.get(Application, approved[0].id), actor=organizer)
    db.session.commit()
    before_job = serials(db)
    first = start_and_run(db, event, organizer)
    after_first = serials(db)
    assert after_first[approved[0].id] == before_job[approved[0].id]
    second = start_and_run(db, event, organizer)
    assert serials(db) == after_first
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 3
    assert (second.done, second.failed) == (3, 0)
    # The very same files: the bundles are identical too.
    assert (second.zip_sha256, second.merged_sha256) == (first.zip_sha256, first.merged_sha256)


def test_a_second_start_returns_the_job_under_way(db, organizer, event_with_applications):
    event, *_ = event_with_applications
    first = services.start_certificate_job(event, actor=organizer)
    second = services.start_certificate_job(event, actor=organizer)
    assert first.created and not second.created
    assert second.job.id == first.job.id
    assert db.session.scalar(sa.select(sa.func.count(DocumentJob.id))) == 1


def test_a_start_the_index_refuses_returns_the_job_under_way(
    db, organizer, event_with_applications, monkeypatch
):
    """Two clicks at once: the second read no job under way (the first's row was not
    committed yet), so its insert is refused by the partial unique index instead."""
    event, *_ = event_with_applications
    first = services.start_certificate_job(event, actor=organizer)
    db.session.commit()
    looked = []
    real = services.active_job

    def not_yet_seen(*args, **kwargs):
        looked.append(args)
        return None if len(looked) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(services, "active_job", not_yet_seen)
    second = services.start_certificate_job(event, actor=organizer)
    assert len(looked) == 2  # read again once the index refused the row
    assert not second.created and second.job.id == first.job.id
    db.session.commit()  # the refused insert was undone alone; the session goes on
    assert db.session.scalar(sa.select(sa.func.count(DocumentJob.id))) == 1


def test_cancelled_before_it_runs(db, organizer, event_with_applications):
    event, *_ = event_with_applications
    job = services.start_certificate_job(event, actor=organizer).job
    services.request_cancel(job, actor=organizer)
    db.session.commit()
    assert run(job.id) == "skipped"
    db.session.expire_all()
    assert job.status == JobStatus.CANCELLED and job.done == 0
    assert serials(db) == {}


def test_cancelled_after_the_first_batch(app, db, organizer, event_with_applications, monkeypatch):
    event, *_ = event_with_applications
    monkeypatch.setitem(app.config, "JOBS_BATCH_SIZE", 1)
    job_id = services.start_certificate_job(event, actor=organizer).job.id
    db.session.commit()
    print_certificate = certificates.print_certificate

    def print_then_cancel(certificate, **batch):
        # As if an organizer clicked Cancel while the first certificate was printing.
        printed = print_certificate(certificate, **batch)
        with app.app_context():  # the organizer's request: its own session, committed
            db.session.execute(
                sa.update(DocumentJob).where(DocumentJob.id == job_id).values(cancel_requested=True)
            )
            db.session.commit()
        return printed

    monkeypatch.setattr(certificates, "print_certificate", print_then_cancel)
    assert run(job_id) == "cancelled"
    db.session.expire_all()
    job = db.session.get(DocumentJob, job_id)
    assert job.status == "cancelled" and job.finished_at
    assert job.done == 1 < job.total == 3
    assert job.zip_sha256 is None and len(serials(db)) == 1


def test_a_failing_certificate_is_recorded_and_printed_when_run_again(
    db, organizer, event_with_applications, monkeypatch
):
    event, approved, *_ = event_with_applications
    print_certificate = certificates.print_certificate
    broken = approved[1].id

    def sometimes_broken(certificate, **batch):
        # Storing fails for one certificate of the batch (printed with the others).
        if certificate.application_id == broken:
            raise OSError("disk full")
        return print_certificate(certificate, **batch)

    monkeypatch.setattr(certificates, "print_certificate", sometimes_broken)
    job = start_and_run(db, event, organizer)
    assert (job.status, job.done, job.failed) == ("done", 2, 1)
    assert f"#{broken}: OSError: disk full" in job.error
    # Its serial stays reserved, with no file: nobody can download it, and the bundles
    # leave it out.
    reserved = db.session.scalars(
        sa.select(Certificate).where(Certificate.application_id == broken)
    ).one()
    assert reserved.is_pending and reserved.sha256 == ""
    names = zipfile.ZipFile(io.BytesIO(document_store().get(job.zip_sha256))).namelist()
    assert reserved.filename not in names and len(names) == 2

    monkeypatch.setattr(certificates, "print_certificate", print_certificate)
    again = start_and_run(db, event, organizer)
    assert (again.done, again.failed) == (3, 0)
    db.session.refresh(reserved)
    assert not reserved.is_pending and document_store().exists(reserved.sha256)
    names = zipfile.ZipFile(io.BytesIO(document_store().get(again.zip_sha256))).namelist()
    assert reserved.filename in names and len(names) == 3


def test_parts_share_the_job_and_the_last_one_bundles(
    app, db, organizer, event_with_applications, monkeypatch
):
    event, approved, *_ = event_with_applications
    monkeypatch.setitem(app.config, "JOBS_PART_SIZE", 2)
    parts: list[list[int]] = []
    run_part = tasks.run_part

    def recorded_part(job_id, application_ids):
        parts.append(list(application_ids))
        return run_part(job_id, application_ids)

    monkeypatch.setitem(tasks.TASKS, tasks.RUN_PART, recorded_part)
    monkeypatch.delitem(app.extensions, queue.EXTENSION, raising=False)  # afresh, with it
    job = start_and_run(db, event, organizer)
    assert parts == [[approved[0].id, approved[1].id], [approved[2].id]]
    assert (job.status, job.total, job.done, job.failed) == ("done", 3, 3, 0)
    merged = PdfReader(io.BytesIO(document_store().get(job.merged_sha256)))
    assert len(merged.pages) == 3


def test_zip_and_merged_print_file(db, organizer, event_with_applications):
    event, approved, *_ = event_with_applications
    job = start_and_run(db, event, organizer)
    store = document_store()
    archive = zipfile.ZipFile(io.BytesIO(store.get(job.zip_sha256)))
    expected = sorted(f"{serial}.pdf" for serial in serials(db).values())
    assert sorted(archive.namelist()) == expected
    for name in archive.namelist():
        assert archive.read(name).startswith(b"%PDF")
    merged = PdfReader(io.BytesIO(store.get(job.merged_sha256)))
    assert len(merged.pages) == len(approved) == 3
    text = merged.pages[0].extract_text()
    assert sorted(serials(db).values())[0] in text


def test_an_abandoned_job_no_longer_blocks_a_new_one(db, organizer, event_with_applications):
    event, *_ = event_with_applications
    job = services.start_certificate_job(event, actor=organizer).job
    job.status = JobStatus.RUNNING.value
    job.started_at = job.heartbeat_at = utcnow() - STALE_AFTER - timedelta(minutes=1)
    db.session.flush()
    again = services.start_certificate_job(event, actor=organizer)
    assert again.created and again.job.id != job.id
    assert job.status == "failed" and "stopped answering" in job.error


def test_a_silent_job_is_shown_failed_by_the_clock_alone(db, organizer, event_with_applications):
    event, *_ = event_with_applications
    job = services.start_certificate_job(event, actor=organizer).job
    job.status = JobStatus.RUNNING.value
    job.started_at = job.heartbeat_at = last = utcnow()
    db.session.flush()
    assert job.effective_state(now=last + STALE_AFTER - timedelta(seconds=1)).is_active
    state = job.effective_state(now=last + STALE_AFTER + timedelta(seconds=1))
    assert (state.status, state.is_active) == ("failed", False)
    with force_locale("en"):
        assert state.status_label == "Failed"
    assert state.error == "The worker stopped answering."
    assert job.status == "running" and job.error == "" and job not in db.session.dirty


def test_a_running_job_that_reported_lately_is_kept(db, organizer, event_with_applications):
    event, *_ = event_with_applications
    job = services.start_certificate_job(event, actor=organizer).job
    job.status = JobStatus.RUNNING.value
    job.started_at = utcnow() - timedelta(hours=1)
    job.heartbeat_at = utcnow() - timedelta(seconds=5)
    db.session.flush()
    again = services.start_certificate_job(event, actor=organizer)
    assert not again.created and again.job.id == job.id
    services.request_cancel(job, actor=organizer)
    assert job.status == "running" and job.cancel_requested  # the worker stops it


def test_parts_printed_at_once_count_once_and_bundle_once(app, db, organizer, monkeypatch):
    """Two worker processes on two parts of one job, batch by batch side by side."""
    event = open_event(moderation="first_come", capacity=20)
    applications = [
        approved_application(event=event, enterprise=make_enterprise()) for _ in range(6)
    ]
    held(event)
    for application in applications:
        check_in(application)
    job = services.start_certificate_job(event, actor=organizer).job
    job.status, job.started_at, job.total = JobStatus.RUNNING.value, utcnow(), 6
    db.session.commit()
    job_id = job.id
    monkeypatch.setitem(app.config, "JOBS_BATCH_SIZE", 1)
    zipped, printed = [], []
    bundle_zip, print_volumes = services.bundle_zip, services.print_volumes

    def zip_once(entries):
        zipped.append(len(entries))
        return bundle_zip(entries)

    def print_once(entries, **options):
        printed.append(len(entries))
        return print_volumes(entries, **options)

    monkeypatch.setattr(services, "bundle_zip", zip_once)
    monkeypatch.setattr(services, "print_volumes", print_once)
    count = services.count_batch

    def slow_count(*args):
        # Hold the batch's count uncommitted for a while, so that the other part's
        # batch reaches its count meanwhile: only the job's row lock keeps the two
        # from both reading the old figures.
        complete = count(*args)
        time.sleep(0.3)
        return complete

    monkeypatch.setattr(services, "count_batch", slow_count)
    ids = [application.id for application in applications]
    start = threading.Barrier(2)
    outcomes, errors = [], []

    def part(application_ids: list[int]) -> None:
        with app.app_context():
            try:
                start.wait()
                outcomes.append(tasks.run_part(job_id, application_ids))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=part, args=(ids[offset::2],)) for offset in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(outcomes) == ["done", "running"]  # the part that finished last bundled
    # Once: the ZIP and the print file's one piece (six pages fit one volume).
    assert (zipped, printed) == ([6], [6])
    db.session.expire_all()
    job = db.session.get(DocumentJob, job_id)
    assert (job.status, job.done, job.failed) == ("done", 6, 0)
    numbers = db.session.scalars(sa.select(Certificate.serial_number)).all()
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]
    names = zipfile.ZipFile(io.BytesIO(document_store().get(job.zip_sha256))).namelist()
    assert len(names) == 6


def test_a_job_refuses_unverified_enterprises_with_a_line_each(
    db, organizer, event_with_applications
):
    event, approved, _withdrawn, _ = event_with_applications
    unverified = approved[:2]
    for application in unverified:
        application.enterprise.verified = False
    db.session.commit()

    job = start_and_run(db, event, organizer)

    assert (job.status, job.done, job.failed) == ("done", 1, 2)
    assert set(serials(db)) == {approved[2].id}
    lines = job.error.splitlines()
    assert len(lines) == 2
    for application, line in zip(unverified, lines, strict=True):
        name = application.enterprise.name_zh
        assert line.startswith(f"#{application.id} {name}: {name}尚未核实")
        assert f"{name} is not verified" in line


def test_a_problem_line_reads_in_both_languages(
    db, organizer, event_with_applications, monkeypatch
):
    event, approved, withdrawn, _ = event_with_applications
    # The withdrawn application slips into the job, as if withdrawn while it was queued.
    ids = [application.id for application in approved] + [withdrawn.id]
    monkeypatch.setattr(services, "approved_application_ids", lambda event_id: ids)
    job = start_and_run(db, event, organizer)
    assert (job.status, job.done, job.failed) == ("done", 3, 1)
    assert job.error == (
        f"#{withdrawn.id} {withdrawn.enterprise.name_zh}: 只有审核通过的报名才能获发证书。 · "
        "Only an approved application receives a certificate."
    )


def test_refusals_are_reported_per_application_and_the_others_issued(
    db, organizer, event_with_applications
):
    event, approved, *_ = event_with_applications
    absent = make_application(event, make_enterprise(name_zh="缺席企业"))
    db.session.commit()
    job = start_and_run(db, event, organizer)
    assert (job.status, job.total, job.done, job.failed) == ("done", 4, 3, 1)
    assert set(serials(db)) == {application.id for application in approved}
    [line] = job.error.splitlines()
    assert line.startswith(f"#{absent.id} 缺席企业: ")
    assert "均未签到" in line and "None of this application's delegates has been checked in" in line


def test_an_event_not_begun_refuses_every_application_without_failing(db, organizer):
    event = open_event(moderation="first_come")
    applications = [
        approved_application(event=event, enterprise=make_enterprise()) for _ in range(2)
    ]
    for application in applications:
        check_in(application)
    db.session.commit()
    job = start_and_run(db, event, organizer)
    assert (job.status, job.done, job.failed) == ("done", 0, 2)
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
    lines = job.error.splitlines()
    assert [line.split(" ")[0] for line in lines] == [f"#{a.id}" for a in applications]
    assert all("The event has not started yet" in line for line in lines)
