"""Name badges in bulk: one file of sheets per enterprise, a ZIP and one print file."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pikepdf
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from expo.documents import badges, render
from expo.documents.storage import document_store
from expo.jobs.models import DocumentJob, DocumentJobFile
from expo.registrations import services as registration_services
from tests.documents.conftest import flat, pdf_fonts, pdf_text, qr_codes
from tests.factories import make_enterprise, make_enterprise_user, open_event
from tests.jobs.conftest import calls_of
from tests.pages import attachment_name, sign_in
from tests.registrations.test_services import application_data


def test_badges_for_every_approved_application(app, db, organizer, event_with_applications):
    event, approved, withdrawn, elsewhere = event_with_applications
    browser = sign_in(app, organizer)
    page = browser.get(f"/manage/events/{event.id}/applications?lang=en").get_data(as_text=True)
    assert "Print all name badges, one file per enterprise" in page
    assert f'action="/manage/events/{event.id}/jobs/badges"' in page

    response = browser.post(f"/manage/events/{event.id}/jobs/badges")
    job = db.session.scalars(sa.select(DocumentJob)).one()
    assert response.headers["Location"].endswith(f"/manage/jobs/{job.id}")
    assert (job.kind, job.status, job.total, job.done, job.failed) == ("badges", "done", 3, 3, 0)
    files = db.session.scalars(sa.select(DocumentJobFile).order_by(DocumentJobFile.id)).all()
    assert [file.application_id for file in files] == [application.id for application in approved]

    html = browser.get(f"/manage/jobs/{job.id}?lang=en").get_data(as_text=True)
    assert "Enterprises processed" in html and "3 of 3" in html
    assert "Download ZIP (one PDF of badges per enterprise)" in html

    archive = zipfile.ZipFile(io.BytesIO(browser.get(f"/manage/jobs/{job.id}/badges.zip").data))
    expected = [badges.badge_file_name(application) for application in approved]
    assert archive.namelist() == expected
    assert all(
        name.startswith(application.enterprise.name_zh)
        for name, application in zip(archive.namelist(), approved, strict=True)
    )
    first = archive.read(expected[0])
    text, [code] = pdf_text(first), qr_codes(first)
    assert "张0" in text and approved[0].enterprise.name_zh in text
    assert code.startswith("http://") and "/check-in/" in code

    merged = browser.get(f"/manage/jobs/{job.id}/merged.pdf")
    assert attachment_name(merged) == f"badges-event-{event.id}-print.pdf"
    reader = PdfReader(io.BytesIO(merged.data))
    # The layout of the badge sheet printed at once: the three enterprises' badges run on
    # together on one sheet of eight with cut lines, not a sheet each.
    direct = browser.get(f"/manage/events/{event.id}/badges.pdf")
    assert direct.status_code == 200
    assert len(reader.pages) == len(PdfReader(io.BytesIO(direct.data)).pages) == 1
    merged_text = pdf_text(merged.data)
    assert merged_text == pdf_text(direct.data)
    for application in approved:
        assert application.enterprise.name_zh in merged_text
    delegates = sum(len(application.delegates) for application in approved)
    assert qr_codes(merged.data) == qr_codes(direct.data)
    assert len(qr_codes(direct.data)) == delegates
    # A badge job has no certificates ZIP, and made no certificate.
    assert browser.get(f"/manage/jobs/{job.id}/certificates.zip").status_code == 404


def test_an_enterprise_with_more_than_eight_delegates_gets_two_sheets(app, db, organizer):
    event = open_event(moderation="first_come", max_delegates=10)
    enterprise = make_enterprise()
    application = registration_services.submit_application(
        event, enterprise, application_data(delegates=10), actor=make_enterprise_user(enterprise)
    )
    assert application.status == "approved"
    browser = sign_in(app, organizer)
    browser.post(f"/manage/events/{event.id}/jobs/badges")
    job = db.session.scalars(sa.select(DocumentJob)).one()
    file = db.session.scalars(sa.select(DocumentJobFile)).one()
    pdf = document_store().get(file.sha256)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2
    assert "张9" in pdf_text(pdf)
    assert job.merged_sha256 and job.done == 1


@pytest.fixture()
def alone_sheets(monkeypatch):
    """The enterprises whose badges were printed one enterprise at a time."""
    return calls_of(monkeypatch, badges, "application_badge_sheet", lambda item: item.id)


def badge_files(db) -> list[tuple[DocumentJobFile, bytes]]:
    files = db.session.scalars(sa.select(DocumentJobFile).order_by(DocumentJobFile.application_id))
    return [(file, document_store().get(file.sha256)) for file in files]


def test_a_batch_is_laid_out_once_and_stored_a_whole_file_per_enterprise(
    app, db, organizer, alone_sheets, tmp_path
):
    event = open_event(moderation="first_come", max_delegates=10)
    applications = []
    for count in (10, 1, 3):
        enterprise = make_enterprise()
        applications.append(
            registration_services.submit_application(
                event,
                enterprise,
                application_data(delegates=count),
                actor=make_enterprise_user(enterprise),
            )
        )
    db.session.commit()
    browser = sign_in(app, organizer)
    browser.post(f"/manage/events/{event.id}/jobs/badges")
    job = db.session.scalars(sa.select(DocumentJob)).one()
    assert (job.status, job.done, job.failed) == ("done", 3, 0)
    assert alone_sheets == []  # the three enterprises in one layout

    stored = badge_files(db)
    assert [file.application_id for file, _ in stored] == [item.id for item in applications]
    for (file, pdf), application, sheets in zip(stored, applications, (2, 1, 1), strict=True):
        assert hashlib.sha256(pdf).hexdigest() == file.sha256 and len(pdf) == file.size_bytes
        # Each file holds its own enterprise's sheets and badges, no other's.
        assert len(PdfReader(io.BytesIO(pdf)).pages) == sheets
        urls = [badges.check_in_url(delegate) for delegate in application.delegates]
        assert sorted(qr_codes(pdf)) == sorted(urls[: badges.PER_SHEET])  # its first sheet
        alone = badges.application_badge_sheet(application)
        assert flat(pdf) == flat(alone)
        with pikepdf.open(io.BytesIO(pdf)) as batch_file, pikepdf.open(io.BytesIO(alone)) as one:
            for key in ("/Title", "/Subject", "/Author"):
                assert batch_file.docinfo.get(key) == one.docinfo.get(key)
        assert all(font.embedded and font.subset for font in pdf_fonts(pdf, tmp_path))


def test_a_batch_that_cannot_be_laid_out_is_printed_an_enterprise_at_a_time(
    app, db, organizer, event_with_applications, alone_sheets, monkeypatch
):
    event, approved, _, _ = event_with_applications

    def broken(*args, **kwargs):
        raise render.PagesMismatch("a badge sheet overflowed")

    monkeypatch.setattr(badges, "write_pdf_pages", broken)
    sign_in(app, organizer).post(f"/manage/events/{event.id}/jobs/badges")
    job = db.session.scalars(sa.select(DocumentJob)).one()
    assert (job.status, job.done, job.failed) == ("done", 3, 0)
    assert alone_sheets == [application.id for application in approved]
    for (file, pdf), application in zip(badge_files(db), approved, strict=True):
        assert hashlib.sha256(pdf).hexdigest() == file.sha256
        assert qr_codes(pdf) == [
            badges.check_in_url(delegate) for delegate in application.delegates
        ]
