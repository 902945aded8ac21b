"""Bulk certificates over HTTP: start, watch, cancel, download; organizers only."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from expo.documents.models import Certificate
from expo.jobs import services
from expo.jobs.models import DocumentJob
from tests.factories import make_enterprise_user
from tests.pages import attachment_name, page_text, sign_in


@pytest.fixture()
def finished_job(app, db, organizer, event_with_applications):
    event, *_ = event_with_applications
    browser = sign_in(app, organizer)
    response = browser.post(f"/manage/events/{event.id}/jobs/certificates")
    job_id = db.session.scalar(sa.select(DocumentJob.id))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/jobs/{job_id}")
    return browser, db.session.get(DocumentJob, job_id)


def test_the_applications_page_offers_the_bulk_issue(app, db, organizer, event_with_applications):
    event, *_ = event_with_applications
    page = sign_in(app, organizer).get(f"/manage/events/{event.id}/applications?lang=en")
    assert page.status_code == 200
    assert "Issue all certificates" in page.get_data(as_text=True)
    assert f'action="/manage/events/{event.id}/jobs/certificates"' in page.get_data(as_text=True)


def test_starting_runs_the_job_and_the_page_shows_its_progress(finished_job):
    browser, job = finished_job
    assert (job.status, job.done, job.total) == ("done", 3, 3)
    page = browser.get(f"/manage/jobs/{job.id}?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<progress id="job-progress"' in html and 'value="3"' in html
    assert "3 of 3" in html and "Done" in html
    assert f"/manage/jobs/{job.id}/certificates.zip" in html
    assert "js/job-progress.js" in html
    assert 'http-equiv="refresh"' not in html  # finished: nothing to wait for
    assert "Show the final state" not in html  # it is the final state


def test_progress_json(finished_job):
    browser, job = finished_job
    response = browser.get(f"/manage/jobs/{job.id}.json?lang=en")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["status"] == "done" and data["active"] is False
    assert (data["done"], data["total"], data["failed"], data["percent"]) == (3, 3, 0, 100)
    assert data["text"] == "3 of 3"
    assert data["zip_url"].endswith(f"/manage/jobs/{job.id}/certificates.zip")
    assert data["merged_url"].endswith(f"/manage/jobs/{job.id}/merged.pdf")


def test_a_queued_job_page_refreshes_itself_and_can_be_cancelled(
    app, db, organizer, event_with_applications
):
    event, *_ = event_with_applications
    job = services.start_certificate_job(event, actor=organizer).job  # queued, no worker
    browser = sign_in(app, organizer)
    html = browser.get(f"/manage/jobs/{job.id}?lang=en").get_data(as_text=True)
    assert 'http-equiv="refresh"' in html and "0 of 3" in html
    assert '<p id="job-finished" class="mt-2 mb-0" hidden>' in html  # for the script
    assert browser.get(f"/manage/jobs/{job.id}.json").get_json()["active"] is True
    listing = browser.get(f"/manage/events/{event.id}/applications?lang=en")
    assert "Issuing certificates: 0 of 3" in listing.get_data(as_text=True)
    # A second click on the applications page leads to the same job.
    again = browser.post(f"/manage/events/{event.id}/jobs/certificates")
    assert again.headers["Location"].endswith(f"/manage/jobs/{job.id}")
    response = browser.post(f"/manage/jobs/{job.id}/cancel")
    assert response.status_code == 302
    db.session.expire_all()
    assert job.status == "cancelled" and job.cancel_requested
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_downloads(finished_job, db):
    browser, job = finished_job
    archive = browser.get(f"/manage/jobs/{job.id}/certificates.zip")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    assert attachment_name(archive) == f"certificates-event-{job.event_id}.zip"
    serials = sorted(db.session.scalars(sa.select(Certificate.serial)))
    assert sorted(zipfile.ZipFile(io.BytesIO(archive.data)).namelist()) == [
        f"{serial}.pdf" for serial in serials
    ]
    assert archive.headers["ETag"] == f'"{job.zip_sha256}"'
    # Sent from the stored file in pieces; a browser that has this bundle keeps its copy.
    again = browser.get(
        f"/manage/jobs/{job.id}/certificates.zip", headers={"If-None-Match": f'"{job.zip_sha256}"'}
    )
    assert again.status_code == 304
    merged = browser.get(f"/manage/jobs/{job.id}/merged.pdf")
    assert merged.status_code == 200 and merged.data.startswith(b"%PDF")
    assert attachment_name(merged) == f"certificates-event-{job.event_id}-print.pdf"


def test_no_download_before_the_job_is_done(app, db, organizer, event_with_applications):
    event, *_ = event_with_applications
    job = services.start_certificate_job(event, actor=organizer).job
    browser = sign_in(app, organizer)
    assert browser.get(f"/manage/jobs/{job.id}/certificates.zip").status_code == 404
    assert browser.get(f"/manage/jobs/{job.id}/merged.pdf").status_code == 404


def test_enterprise_users_and_strangers_are_kept_out(
    app, db, client, organizer, event_with_applications
):
    event, approved, *_ = event_with_applications
    job = services.start_certificate_job(event, actor=organizer).job
    urls = [
        f"/manage/jobs/{job.id}",
        f"/manage/jobs/{job.id}.json",
        f"/manage/jobs/{job.id}/certificates.zip",
        f"/manage/jobs/{job.id}/merged.pdf",
    ]
    posts = [f"/manage/events/{event.id}/jobs/certificates", f"/manage/jobs/{job.id}/cancel"]
    db.session.commit()
    for url in urls:
        # A page to the sign-in form; the progress a script reads says 401.
        assert client.get(url).status_code == (401 if url.endswith(".json") else 302)
    browser = sign_in(app, make_enterprise_user(approved[0].enterprise))
    for url in urls:
        assert browser.get(url).status_code == 403
    for url in posts:
        assert browser.post(url).status_code == 403
    db.session.expire_all()
    assert db.session.get(DocumentJob, job.id).status == "queued"
    assert db.session.scalar(sa.select(sa.func.count(DocumentJob.id))) == 1


def test_a_job_whose_workers_went_silent_shows_as_failed(
    app, db, organizer, event_with_applications
):
    from datetime import timedelta

    from expo.db import utcnow
    from expo.jobs.models import STALE_AFTER, JobStatus

    event, *_ = event_with_applications
    job = services.start_certificate_job(event, actor=organizer).job
    job.status = JobStatus.RUNNING.value
    job.started_at = job.heartbeat_at = utcnow() - STALE_AFTER - timedelta(minutes=1)
    browser = sign_in(app, organizer)
    data = browser.get(f"/manage/jobs/{job.id}.json?lang=en").get_json()
    assert (data["status"], data["active"]) == ("failed", False)
    assert "The worker stopped answering." in data["error"]
    html = browser.get(f"/manage/jobs/{job.id}?lang=en").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html and "Failed" in html
    listing = browser.get(f"/manage/events/{event.id}/applications?lang=en").get_data(as_text=True)
    assert "Issue all certificates" in listing  # may be started again


def test_showing_a_silent_job_writes_nothing_and_starting_again_settles_it(
    app, db, organizer, event_with_applications
):
    from datetime import timedelta

    from expo.db import utcnow
    from expo.jobs.models import STALE_AFTER, JobStatus

    event, *_ = event_with_applications
    job = services.start_certificate_job(event, actor=organizer).job
    job.status = JobStatus.RUNNING.value
    silent_since = utcnow() - STALE_AFTER - timedelta(minutes=1)
    job.started_at = job.heartbeat_at = silent_since
    browser = sign_in(app, organizer)
    job_id = job.id
    assert browser.get(f"/manage/jobs/{job_id}?lang=en").status_code == 200
    assert browser.get(f"/manage/jobs/{job_id}.json").get_json()["status"] == "failed"
    assert browser.get(f"/manage/events/{event.id}/applications").status_code == 200
    db.session.expire_all()
    row = db.session.get(DocumentJob, job_id)
    assert (row.status, row.error, row.finished_at) == ("running", "", None)
    assert row.heartbeat_at == silent_since

    response = browser.post(f"/manage/events/{event.id}/jobs/certificates")
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(DocumentJob, job_id)
    assert row.status == "failed" and "The worker stopped answering." in row.error
    assert row.finished_at is not None
    newest = db.session.scalar(sa.select(sa.func.max(DocumentJob.id)))
    assert newest != job_id and response.headers["Location"].endswith(f"/manage/jobs/{newest}")


def test_a_jobs_time_is_on_the_readers_clock_not_the_events(
    app, db, organizer, event_with_applications
):
    event, *_ = event_with_applications  # in Budapest
    job = services.start_certificate_job(event, actor=organizer).job
    job.created_at = datetime(2027, 1, 20, 2, 30, tzinfo=UTC)  # 10:30 in Chengdu
    db.session.commit()
    html = page_text(sign_in(app, organizer).get(f"/manage/jobs/{job.id}?lang=en"))
    assert "10:30 AM Beijing Time (UTC+08:00)" in html
    assert "3:30 AM" not in html
