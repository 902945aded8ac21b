"""An organizer watches a campaign-wide certificate run on its page while the workers take
it: the run's bar, each event's line and the downloads follow without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from expo.jobs import campaign_runs, queue, tasks
from tests.browser.door import sign_in
from tests.documents.conftest import approved_application
from tests.factories import (
    check_in,
    held,
    make_campaign,
    make_enterprise,
    make_user,
    open_event,
)

pytestmark = pytest.mark.browser


def test_the_run_page_follows_the_workers_to_the_downloads(
    app, db, live_server, page, queued, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "DOCUMENTS_DIR", str(tmp_path / "documents"))
    campaign = make_campaign(title_en="Going Global 2027")
    fair = open_event(campaign=campaign, moderation="first_come", title_en="Hanover Fair")
    roadshow = open_event(campaign=campaign, moderation="first_come", title_en="Dubai Roadshow")
    came = [approved_application(event=fair, enterprise=make_enterprise()) for _ in range(2)]
    came.append(approved_application(event=roadshow, enterprise=make_enterprise()))
    for event in (fair, roadshow):
        held(event)
    for application in came:
        check_in(application)
    organizer = make_user("organizer", email="organizer@example.com", name="省商务厅")
    db.session.commit()
    started = campaign_runs.start_certificate_run(campaign, actor=organizer)
    db.session.commit()
    for job_id in started.to_queue:  # waiting for a worker: none has taken them yet
        queue.enqueue(tasks.RUN_DOCUMENT_JOB, job_id)
    run_id = started.run.id

    sign_in(page, live_server, organizer)
    page.goto(f"{live_server}/manage/jobs/{run_id}?lang=en")
    expect(page.locator("#job-text")).to_have_text("0 of 3")
    expect(page.locator("#job-finished")).to_be_hidden()
    fair_line = page.locator(f"#run-event-{fair.id}")
    expect(fair_line.locator('[data-field="zip"]')).to_be_hidden()
    page.evaluate("window.notReloaded = true")  # gone if the page were loaded again

    # The workers take the run's event jobs (and the parts and bundles those queue).
    done = 0
    while (task := queued.dequeue()) is not None:
        queued.execute(task)
        done += 1
    assert done >= 2

    expect(page.locator("#job-text")).to_have_text("3 of 3")
    expect(page.locator("#job-finished")).to_be_visible()
    expect(page.locator("#job-active-actions")).to_be_hidden()
    expect(fair_line.locator('[data-field="text"]')).to_have_text("2 of 2")
    zip_link = fair_line.locator('[data-field="zip"]')
    expect(zip_link).to_be_visible()
    expect(zip_link).to_have_attribute(
        "href", f"/manage/jobs/{_event_job_id(db, run_id, fair.id)}/certificates.zip"
    )
    roadshow_line = page.locator(f"#run-event-{roadshow.id}")
    expect(roadshow_line.locator('[data-field="text"]')).to_have_text("1 of 1")
    assert page.evaluate("window.notReloaded") is True
    # The link leads to the event's certificates, a ZIP of its two PDFs.
    archive = page.request.get(f"{live_server}{zip_link.get_attribute('href')}")
    assert archive.status == 200 and archive.headers["content-type"] == "application/zip"


def _event_job_id(db, run_id: int, event_id: int) -> int:
    db.session.expire_all()
    [job] = [job for job in campaign_runs.event_jobs(run_id) if job.event_id == event_id]
    return job.id
