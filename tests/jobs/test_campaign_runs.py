"""Every certificate of a campaign as one run: a job per event with something to issue,
the run's progress their sum, settled once when the last ends, stopped and resumed whole."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from expo.db import utcnow
from expo.documents.models import Certificate
from expo.documents.storage import document_store
from expo.events.models import Campaign, Event
from expo.jobs import campaign_runs, queue, services, tasks
from expo.jobs.models import DocumentJob, JobKind, JobStatus, lease
from expo.registrations.models import Application
from tests.documents.conftest import approved_application
from tests.factories import (
    check_in,
    held,
    make_campaign,
    make_enterprise,
    make_enterprise_user,
    open_event,
)
from tests.pages import page_text, sign_in, sql_statements


@dataclass
class World:
    campaign: Campaign
    fair: Event  # held, two enterprises came
    roadshow: Event  # held, one came
    coming: Event  # not begun: nothing to issue yet
    certified: list[Application]  # the applications certificates are issued for


@pytest.fixture()
def world(db) -> World:
    campaign = make_campaign(title_en="Going Global 2027")
    fair = open_event(campaign=campaign, moderation="first_come", title_en="Hanover Fair")
    roadshow = open_event(campaign=campaign, moderation="first_come", title_en="Dubai Roadshow")
    coming = open_event(campaign=campaign, moderation="first_come", title_en="Lagos Expo")
    certified = [approved_application(event=fair, enterprise=make_enterprise()) for _ in range(2)]
    certified.append(approved_application(event=roadshow, enterprise=make_enterprise()))
    approved_application(event=coming, enterprise=make_enterprise())
    held(fair)
    held(roadshow)
    for application in certified:
        check_in(application)
    db.session.commit()
    return World(campaign, fair, roadshow, coming, certified)


def start(db, campaign: Campaign, organizer, *, queue_them: bool = True) -> DocumentJob:
    """Start a run as the start button does: commit, then queue its event jobs (which
    the tests' queue runs at once)."""
    started = campaign_runs.start_certificate_run(campaign, actor=organizer)
    db.session.commit()
    if queue_them:
        for job_id in started.to_queue:
            queue.enqueue(tasks.RUN_DOCUMENT_JOB, job_id)
    db.session.expire_all()
    return db.session.get_one(DocumentJob, started.run.id)


def event_jobs(db, run: DocumentJob) -> dict[int, DocumentJob]:
    db.session.expire_all()
    return {job.event_id: job for job in campaign_runs.event_jobs(run.id)}


def zip_names(sha256: str) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(document_store().get(sha256))) as archive:
        return archive.namelist()


def serials(db) -> dict[int, str]:
    rows = db.session.execute(sa.select(Certificate.application_id, Certificate.serial))
    return {application_id: serial for application_id, serial in rows}


def abandon(db, job: DocumentJob) -> None:
    """The job's worker died mid-run: running, silent for longer than the lease."""
    job.status = JobStatus.RUNNING.value
    job.started_at = job.heartbeat_at = utcnow() - lease() - timedelta(seconds=1)
    db.session.commit()


def test_a_run_issues_every_certificate_of_the_campaign_event_by_event(db, organizer, world):
    run = start(db, world.campaign, organizer)
    assert (run.status, run.total, run.done, run.failed) == ("done", 3, 3, 0)
    assert run.finished_at is not None
    jobs = event_jobs(db, run)
    assert set(jobs) == {world.fair.id, world.roadshow.id}  # none for the event to come
    assert {(job.kind, job.status, job.done) for job in jobs.values()} == {
        ("certificates", "done", 2),
        ("certificates", "done", 1),
    }
    issued = serials(db)
    assert set(issued) == {application.id for application in world.certified}
    # Each event's own ZIP, of its own certificates.
    for event, applications in (
        (world.fair, world.certified[:2]),
        (world.roadshow, world.certified[2:]),
    ):
        names = zip_names(jobs[event.id].zip_sha256)
        assert sorted(names) == sorted(f"{issued[a.id]}.pdf" for a in applications)
    rows = {row.event.id: row for row in campaign_runs.run_events(run)}
    assert rows[world.coming.id].job is None
    assert rows[world.coming.id].nothing_to_issue == campaign_runs.NothingToIssue.NOT_BEGUN


def test_events_with_nothing_to_issue_get_no_job(db, organizer, world):
    nobody_came = open_event(campaign=world.campaign, moderation="first_come")
    approved_application(event=nobody_came, enterprise=make_enterprise())
    no_applications = open_event(campaign=world.campaign)
    held(nobody_came)
    held(no_applications)
    db.session.commit()
    run = start(db, world.campaign, organizer)
    reasons = {
        row.event.id: row.nothing_to_issue
        for row in campaign_runs.run_events(run)
        if row.job is None
    }
    assert reasons == {
        world.coming.id: campaign_runs.NothingToIssue.NOT_BEGUN,
        nobody_came.id: campaign_runs.NothingToIssue.NOBODY_CERTIFIABLE,
        no_applications.id: campaign_runs.NothingToIssue.NO_APPROVED,
    }
    assert (run.status, run.done) == ("done", 3)


def test_a_campaign_with_nothing_to_issue_is_done_at_once(db, organizer):
    campaign = make_campaign()
    open_event(campaign=campaign)
    db.session.commit()
    run = start(db, campaign, organizer)
    assert (run.status, run.total) == ("done", 0)
    assert event_jobs(db, run) == {}


def test_starting_twice_returns_the_run_under_way(db, organizer, world):
    run = start(db, world.campaign, organizer, queue_them=False)
    assert run.status == "running"
    again = campaign_runs.start_certificate_run(world.campaign, actor=organizer)
    assert (again.run.id, again.created, again.to_queue) == (run.id, False, [])
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(DocumentJob.id))) == 3  # a run, 2 jobs


def test_the_database_refuses_a_second_active_run_of_a_campaign(db, organizer, world):
    start(db, world.campaign, organizer, queue_them=False)
    db.session.add(
        DocumentJob(
            kind=JobKind.CAMPAIGN_CERTIFICATES.value,
            campaign_id=world.campaign.id,
            status=JobStatus.RUNNING.value,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_job_already_under_way_for_an_event_is_adopted(db, organizer, world):
    own = services.start_certificate_job(world.fair, actor=organizer).job
    db.session.commit()
    started = campaign_runs.start_certificate_run(world.campaign, actor=organizer)
    db.session.commit()
    assert own.id not in started.to_queue and len(started.to_queue) == 1
    assert db.session.get_one(DocumentJob, own.id).parent_id == started.run.id
    for job_id in [own.id, *started.to_queue]:
        queue.enqueue(tasks.RUN_DOCUMENT_JOB, job_id)
    db.session.expire_all()
    run = db.session.get_one(DocumentJob, started.run.id)
    assert (run.status, run.done, run.total) == ("done", 3, 3)


def test_cancelling_the_run_stops_every_event_job(db, organizer, world):
    run = start(db, world.campaign, organizer, queue_them=False)
    jobs = event_jobs(db, run)
    # One event's job has a worker at it; the other still waits for one.
    running = jobs[world.fair.id]
    running.status = JobStatus.RUNNING.value
    running.started_at = running.heartbeat_at = utcnow()
    db.session.commit()
    campaign_runs.request_cancel(run, actor=organizer)
    db.session.commit()
    jobs = event_jobs(db, run)
    assert jobs[world.roadshow.id].status == "cancelled"
    assert jobs[world.fair.id].cancel_requested and jobs[world.fair.id].status == "running"
    assert db.session.get_one(DocumentJob, run.id).status == "running"  # until it stops
    # Its worker hears the cancel before its next batch; its stop ends the run.
    ids = services.approved_application_ids(world.fair.id)
    assert tasks.run_part(running.id, ids) == "cancelled"
    db.session.expire_all()
    run = db.session.get_one(DocumentJob, run.id)
    assert run.status == "cancelled" and run.finished_at is not None
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
    with pytest.raises(services.JobFinished):
        campaign_runs.request_cancel(run, actor=organizer)


def test_an_event_job_whose_worker_died_is_resumed_within_the_run(db, organizer, world):
    run = start(db, world.campaign, organizer, queue_them=False)
    jobs = event_jobs(db, run)
    abandon(db, jobs[world.fair.id])
    queue.enqueue(tasks.RUN_DOCUMENT_JOB, jobs[world.roadshow.id].id)
    db.session.expire_all()
    # The other event is done; the run waits for the silent one, not settled without it.
    assert db.session.get_one(DocumentJob, run.id).status == "running"
    assert campaign_runs.settle_finished_runs() == []
    assert tasks.sweep().startswith("1 jobs resumed")  # run at once by the tests' queue
    jobs_now = event_jobs(db, run)
    resumed = jobs_now[world.fair.id]
    assert resumed.id != jobs[world.fair.id].id and resumed.parent_id == run.id
    assert resumed.status == "done" and resumed.done == 2
    assert db.session.get_one(DocumentJob, jobs[world.fair.id].id).status == "failed"
    run = db.session.get_one(DocumentJob, run.id)
    # The given-up job's figures are not counted beside its replacement's.
    assert (run.status, run.total, run.done, run.failed) == ("done", 3, 3, 0)


def test_the_sweep_settles_a_run_whose_last_worker_died_before_settling_it(
    db, organizer, world, monkeypatch
):
    monkeypatch.setattr(campaign_runs, "settle_parent", lambda job: False)
    run = start(db, world.campaign, organizer)
    assert run.status == "running"
    assert {job.status for job in event_jobs(db, run).values()} == {"done"}
    monkeypatch.undo()
    assert tasks.sweep().startswith("0 jobs resumed")
    db.session.expire_all()
    run = db.session.get_one(DocumentJob, run.id)
    assert (run.status, run.done, run.total) == ("done", 3, 3)


def test_a_run_is_settled_once(db, organizer, world, monkeypatch):
    monkeypatch.setattr(campaign_runs, "settle_parent", lambda job: False)
    run = start(db, world.campaign, organizer)
    monkeypatch.undo()
    assert campaign_runs.settle_run(run.id) is True
    assert campaign_runs.settle_run(run.id) is False
    db.session.commit()


def test_a_finished_run_can_be_started_again_and_reuses_the_serials(db, organizer, world):
    first = start(db, world.campaign, organizer)
    issued = serials(db)
    second = start(db, world.campaign, organizer)
    assert second.id != first.id and (second.status, second.done) == ("done", 3)
    again = serials(db)
    assert again == issued


# --- pages -----------------------------------------------------------------------------


def test_the_campaigns_page_offers_the_run(app, organizer, world):
    html = sign_in(app, organizer).get("/manage/campaigns?lang=en").get_data(as_text=True)
    assert f'action="/manage/campaigns/{world.campaign.id}/jobs/certificates"' in html
    assert "Issue every certificate of this campaign" in html
    chinese = sign_in(app, organizer).get("/manage/campaigns?lang=zh").get_data(as_text=True)
    assert "签发本专项活动的全部证书" in chinese


def campaign_row(html: str, campaign: Campaign) -> str:
    """The campaigns page's row of ``campaign``."""
    [row] = [row for row in html.split("<tr>") if f'/manage/campaigns/{campaign.id}/edit"' in row]
    return row


def test_the_campaigns_page_links_a_campaigns_latest_run(app, db, organizer, world):
    quiet = make_campaign(title_en="Import Expansion 2027", kind="import_expansion")
    db.session.commit()
    first = start(db, world.campaign, organizer)
    latest = start(db, world.campaign, organizer, queue_them=False)
    assert (first.status, latest.status) == ("done", "running")
    browser = sign_in(app, organizer)
    html = browser.get("/manage/campaigns?lang=en").get_data(as_text=True)
    row = campaign_row(html, world.campaign)
    assert f'<a class="btn btn-sm btn-link" href="/manage/jobs/{latest.id}">' in row
    assert "Last certificate run: Running" in row
    assert f'href="/manage/jobs/{first.id}"' not in html
    assert "/manage/jobs/" not in campaign_row(html, quiet)
    assert "Last certificate run" not in campaign_row(html, quiet)
    chinese = browser.get("/manage/campaigns?lang=zh").get_data(as_text=True)
    assert "上次证书签发：进行中" in campaign_row(chinese, world.campaign)


def test_the_campaigns_page_reads_the_runs_in_one_query_however_many(app, db, organizer, world):
    start(db, world.campaign, organizer, queue_them=False)
    browser = sign_in(app, organizer)
    url = "/manage/campaigns?lang=en"
    browser.get(url)  # warm up: whatever runs once per process

    def with_runs(count: int) -> list[str]:
        for number in range(count):
            campaign = make_campaign(year=2000 + number, title_en=f"Campaign {number}")
            make_campaign(year=2000 + number, title_en=f"Campaign {number} without a run")
            db.session.add(
                DocumentJob(
                    kind=JobKind.CAMPAIGN_CERTIFICATES.value,
                    campaign_id=campaign.id,
                    status=JobStatus.DONE.value,
                )
            )
        db.session.commit()
        return sql_statements(browser, url)

    few = with_runs(1)
    many = with_runs(8)
    html = browser.get(url).get_data(as_text=True)
    assert html.count("Last certificate run: ") == 10  # the first campaign's and nine more
    assert len(many) == len(few), "\n".join(many)


def test_the_run_page_shows_a_bar_per_event(app, db, organizer, world):
    browser = sign_in(app, organizer)
    response = browser.post(f"/manage/campaigns/{world.campaign.id}/jobs/certificates")
    run_id = db.session.scalar(
        sa.select(DocumentJob.id).where(DocumentJob.campaign_id == world.campaign.id)
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/jobs/{run_id}")
    jobs = event_jobs(db, db.session.get_one(DocumentJob, run_id))
    page = browser.get(f"/manage/jobs/{run_id}?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = page_text(page)
    assert "Going Global 2027" in text and "3 of 3" in text
    for event_id, job in jobs.items():
        assert f'id="run-event-{event_id}"' in html
        assert f'href="/manage/jobs/{job.id}"' in html
        assert f"/manage/jobs/{job.id}/certificates.zip" in html
    assert "2 of 2" in text and "1 of 1" in text
    assert "Lagos Expo" in text
    assert html.count("<progress") == 3  # the run's and one per event with a job
    assert 'http-equiv="refresh"' not in html  # done: nothing to wait for


def test_the_run_json_lists_each_events_progress(app, db, organizer, world):
    run = start(db, world.campaign, organizer, queue_them=False)
    jobs = event_jobs(db, run)
    queue.enqueue(tasks.RUN_DOCUMENT_JOB, jobs[world.roadshow.id].id)
    response = sign_in(app, organizer).get(f"/manage/jobs/{run.id}.json?lang=en")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert (data["status"], data["active"]) == ("running", True)
    assert (data["done"], data["total"], data["processed"]) == (1, 3, 1)
    lines = {line["event_id"]: line for line in data["events"]}
    assert set(lines) == {world.fair.id, world.roadshow.id, world.coming.id}
    fair, roadshow, coming = lines[world.fair.id], lines[world.roadshow.id], lines[world.coming.id]
    assert (fair["status"], fair["done"], fair["total"]) == ("queued", 0, 2)
    assert (roadshow["status"], roadshow["done"], roadshow["total"]) == ("done", 1, 1)
    assert roadshow["job_url"].endswith(f"/manage/jobs/{jobs[world.roadshow.id].id}")
    assert roadshow["zip_url"].endswith(
        f"/manage/jobs/{jobs[world.roadshow.id].id}/certificates.zip"
    )
    assert (coming["id"], coming["status"], coming["job_url"]) == (
        None,
        "nothing_to_issue",
        None,
    )
    # Events come in the order they take place.
    assert [line["event_id"] for line in data["events"]] == [
        event.id
        for event in sorted(
            (world.fair, world.roadshow, world.coming), key=lambda e: (e.starts_at, e.id)
        )
    ]


def test_starting_twice_over_http_leads_to_the_same_run(app, db, organizer, world):
    browser = sign_in(app, organizer)
    run = start(db, world.campaign, organizer, queue_them=False)
    again = browser.post(f"/manage/campaigns/{world.campaign.id}/jobs/certificates")
    assert again.headers["Location"].endswith(f"/manage/jobs/{run.id}")
    assert db.session.scalar(sa.select(sa.func.count(DocumentJob.id))) == 3


def test_cancelling_over_http(app, db, organizer, world):
    run = start(db, world.campaign, organizer, queue_them=False)
    response = sign_in(app, organizer).post(f"/manage/jobs/{run.id}/cancel")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get_one(DocumentJob, run.id).status == "cancelled"
    assert {job.status for job in event_jobs(db, run).values()} == {"cancelled"}


def test_cancelling_an_event_job_of_a_run_settles_the_run_when_it_was_the_last(
    app, db, organizer, world
):
    run = start(db, world.campaign, organizer, queue_them=False)
    jobs = event_jobs(db, run)
    queue.enqueue(tasks.RUN_DOCUMENT_JOB, jobs[world.roadshow.id].id)
    response = sign_in(app, organizer).post(f"/manage/jobs/{jobs[world.fair.id].id}/cancel")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get_one(DocumentJob, run.id).status == "cancelled"


def test_enterprise_users_are_refused_and_visitors_sent_to_sign_in(app, db, organizer, world):
    run = start(db, world.campaign, organizer, queue_them=False)
    user = make_enterprise_user(world.certified[0].enterprise)
    db.session.commit()
    enterprise = sign_in(app, user)
    visitor = app.test_client()
    start_url = f"/manage/campaigns/{world.campaign.id}/jobs/certificates"
    for url, method in (
        (start_url, "post"),
        (f"/manage/jobs/{run.id}", "get"),
        (f"/manage/jobs/{run.id}.json", "get"),
        (f"/manage/jobs/{run.id}/cancel", "post"),
    ):
        assert getattr(enterprise, method)(url).status_code == 403
        response = getattr(visitor, method)(url)
        if url.endswith(".json"):
            assert response.status_code == 401
        else:
            assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.get_one(DocumentJob, run.id).status == "running"
    assert db.session.scalar(sa.select(sa.func.count(DocumentJob.id))) == 3


def test_the_organizers_home_shows_a_run_under_way_by_its_campaign(app, db, organizer, world):
    run = start(db, world.campaign, organizer, queue_them=False)
    page = sign_in(app, organizer).get("/manage?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'href="/manage/jobs/{run.id}"' in html
    assert "Certificates of participation of a campaign · Going Global 2027" in page_text(page)
