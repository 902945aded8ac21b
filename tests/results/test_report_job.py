"""The results report over many events: printed by a job, a step at a time, with a page
per event; a small one is printed at once."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from expo.extensions import db
from expo.jobs import queue
from expo.jobs import services as job_services
from expo.jobs.models import DocumentJob, JobKind, JobStatus
from expo.results import reports
from expo.results.services import Filters
from tests.factories import make_user

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler")


@pytest.fixture()
def background(app, tmp_path):
    """Reports of more than one event go to a job, run at once; files in the test's folder."""
    saved = {key: app.config.get(key) for key in ("RESULTS_INLINE_EVENTS", "DOCUMENTS_DIR")}
    app.config.update(RESULTS_INLINE_EVENTS=1, DOCUMENTS_DIR=str(tmp_path / "documents"))
    app.extensions.pop(queue.EXTENSION, None)
    yield
    app.config.update(saved)
    app.extensions.pop(queue.EXTENSION, None)


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_a_report_of_few_events_is_a_link_printed_at_once(client, world, login_as):
    login_as(make_user("organizer", locale="en"))
    campaign = world["campaign"].id
    page = client.get(f"/manage/results?campaign={campaign}").get_data(as_text=True)
    assert f'href="/manage/results.pdf?campaign={campaign}"' in page
    assert 'action="/manage/results/report' not in page
    assert client.get(f"/manage/results.pdf?campaign={campaign}").mimetype == "application/pdf"


@needs_poppler
def test_a_report_of_many_events_is_printed_by_a_job_with_a_page_per_event(
    client, world, login_as, background, tmp_path
):
    login_as(make_user("organizer", locale="en"))
    campaign = world["campaign"].id
    page = client.get(f"/manage/results?campaign={campaign}").get_data(as_text=True)
    assert f'action="/manage/results/report?campaign={campaign}"' in page
    # The address of the PDF itself sends the organizer to the button.
    response = client.get(f"/manage/results.pdf?campaign={campaign}")
    assert response.status_code == 302 and "/manage/results?" in response.location

    response = client.post(f"/manage/results/report?campaign={campaign}")
    assert response.status_code == 302
    job = db.session.scalars(sa.select(DocumentJob).where(DocumentJob.kind == "results")).one()
    assert response.location.endswith(f"/manage/jobs/{job.id}")
    assert job.event_id is None and job.status == JobStatus.DONE
    # Figures and charts, a page for each of the two events, the layout.
    assert job.done == job.total == 5

    detail = client.get(f"/manage/jobs/{job.id}").get_data(as_text=True)
    assert "Results report" in detail and "Download the results report (PDF)" in detail
    assert 'id="job-zip"' not in detail
    download = client.get(f"/manage/jobs/{job.id}/merged.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert f"results-campaign-{campaign}.pdf" in download.headers["Content-Disposition"]

    text = pdf_text(download.data, tmp_path)
    pages = text.split("\f")
    budapest = next(page for page in pages if "Budapest Fair" in page and "12" in page)
    # The event's own page: its figures, its markets, its enterprises with their reports.
    assert "13,563.04" in budapest or "16,958.60" in budapest
    assert "匈牙利" in budapest and "Hungary" in budapest
    assert "已确认" in budapest or "Confirmed" in budapest
    assert any("Jakarta Fair" in page for page in pages[1:])


def test_a_second_click_finds_the_report_already_printing(db, world):
    parameters = {"filters": Filters(campaign_id=world["campaign"].id).as_parameters()}
    first = job_services.start_results_job(parameters, total=5, actor=None)
    again = job_services.start_results_job(parameters, total=5, actor=None)
    other = job_services.start_results_job(
        {"filters": Filters(year=2026).as_parameters()}, total=4, actor=None
    )
    assert first.created and not again.created and again.job.id == first.job.id
    assert other.created and other.job.id != first.job.id
    assert first.job.kind == JobKind.RESULTS


def test_the_filters_survive_the_trip_through_the_job(db):
    filters = Filters(campaign_id=3, year=2027, prefecture="510100", key="key")
    stored = filters.as_parameters()
    assert Filters.from_parameters({**stored, "unknown": 1}) == filters


def test_a_cancelled_report_stops_between_steps(app, world):
    steps: list[int] = []

    def step() -> bool:
        steps.append(1)
        return len(steps) < 3

    with pytest.raises(reports.ReportStopped):
        reports.results_pdf(Filters(campaign_id=world["campaign"].id), step=step)
    assert len(steps) == 3


@needs_poppler
def test_each_event_page_counts_only_its_own_confirmed_reports(app, world, tmp_path):
    pdf = reports.results_pdf(Filters(campaign_id=world["campaign"].id))
    pages = pdf_text(pdf, tmp_path).split("\f")
    jakarta = [page for page in pages if re.search(r"Jakarta Fair", page)]
    assert jakarta
    last = jakarta[-1]
    # Jakarta's one confirmed report: 0.50 USD signed on site, 5 buyers; Budapest's
    # amounts are not on its page.
    assert "0.50" in last and "13,563.04" not in last
