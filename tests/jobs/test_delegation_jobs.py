"""A delegation's jobs: every member's invitation letter or itinerary, a file per member."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pikepdf
import pytest
import sqlalchemy as sa

from expo.db import utcnow
from expo.documents import letters
from expo.documents.storage import document_store
from expo.jobs import delegation_jobs, services, tasks
from expo.jobs.models import STALE_AFTER, DocumentJob, DocumentJobFile, JobKind, JobStatus
from tests.documents.conftest import flat
from tests.factories import (
    make_delegation,
    make_enterprise,
    make_enterprise_user,
    make_itinerary_item,
    make_member,
)
from tests.pages import attachment_name, page_text, sign_in

BUYERS = [
    # name in Latin letters, Chinese name, nationality, passport
    ("SOMCHAI Prasert", "", "TH", "AA1234567"),
    ("TAN Mei Ling", "陈美玲", "SG", "K7654321X"),
    ("NAGY Anna", "纳吉", "HU", "HU0000042"),
    ("WANG Fang", "王芳", "CN", "E12345678"),
]


@pytest.fixture()
def buyers(db):
    """An inbound delegation of four members and one itinerary item each has."""
    delegation = make_delegation(title_zh="东盟采购商代表团", title_en="ASEAN buyers' delegation")
    members = [
        make_member(
            delegation,
            name_latin=latin,
            name_zh=chinese,
            nationality=nationality,
            passport_number=passport,
        )
        for latin, chinese, nationality, passport in BUYERS
    ]
    make_itinerary_item(delegation, title_zh="采购洽谈会", title_en="Sourcing meeting")
    db.session.commit()
    return delegation, members


def pages(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def the_job() -> DocumentJob:
    return db_session().scalars(sa.select(DocumentJob)).one()


def db_session():
    from expo.extensions import db

    db.session.expire_all()
    return db.session


def job_files(job: DocumentJob) -> list[DocumentJobFile]:
    return list(
        db_session().scalars(
            sa.select(DocumentJobFile)
            .where(DocumentJobFile.job_id == job.id)
            .order_by(DocumentJobFile.id)
        )
    )


def test_the_delegation_page_offers_both_jobs(app, db, organizer, buyers):
    delegation, _ = buyers
    html = sign_in(app, organizer).get(f"/manage/delegations/{delegation.id}?lang=en")
    text = page_text(html)
    assert "Print every member's invitation letter" in text
    assert "Print every member's itinerary" in text
    assert f'action="/manage/delegations/{delegation.id}/jobs/invitations"' in text
    assert f'action="/manage/delegations/{delegation.id}/jobs/itineraries"' in text
    chinese = page_text(sign_in(app, organizer).get(f"/manage/delegations/{delegation.id}?lang=zh"))
    assert "打印全体成员邀请函" in chinese and "打印全体成员行程" in chinese


def test_every_members_letter_in_a_file_of_its_own(
    app, db, organizer, buyers, tmp_path, monkeypatch
):
    delegation, members = buyers
    # Parts of two members in batches of one: the job is spread as a large one would be.
    monkeypatch.setitem(app.config, "JOBS_PART_SIZE", 2)
    monkeypatch.setitem(app.config, "JOBS_BATCH_SIZE", 1)
    browser = sign_in(app, organizer)
    response = browser.post(f"/manage/delegations/{delegation.id}/jobs/invitations")
    job = the_job()
    assert response.headers["Location"].endswith(f"/manage/jobs/{job.id}")
    assert (job.kind, job.status, job.delegation_id) == ("invitations", "done", delegation.id)
    assert (job.total, job.done, job.failed) == (4, 4, 0)

    files = job_files(job)
    assert sorted(file.member_id for file in files) == sorted(member.id for member in members)
    assert all(file.application_id is None for file in files)
    by_member = {file.member_id: file for file in files}
    for member, (latin, _, _, passport) in zip(members, BUYERS, strict=True):
        pdf = document_store().get(by_member[member.id].sha256)
        text = flat(pdf)
        assert pages(pdf) == 2  # the letter in Chinese, then in English
        assert text.count(latin) >= 2 and text.count(passport) == 2
        assert "李明" in text  # the organizer who started the job is the contact
        others = [row[3] for row in BUYERS if row[3] != passport]
        assert not any(other in text for other in others)

    archive = browser.get(f"/manage/jobs/{job.id}/invitations.zip")
    assert attachment_name(archive) == f"invitations-delegation-{delegation.id}.zip"
    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert names == [delegation_jobs.file_name(JobKind.INVITATION_LETTERS, m) for m in members]
    assert "SOMCHAI Prasert" in names[0]

    merged = browser.get(f"/manage/jobs/{job.id}/merged.pdf")
    assert attachment_name(merged) == f"invitations-delegation-{delegation.id}-print.pdf"
    assert pages(merged.data) == 8
    merged_text = flat(merged.data)
    assert all(row[3] in merged_text for row in BUYERS)
    assert merged_text.index("AA1234567") < merged_text.index("E12345678")  # list order


def test_the_job_page_names_the_delegation_and_counts_members(app, db, organizer, buyers):
    delegation, _ = buyers
    browser = sign_in(app, organizer)
    browser.post(f"/manage/delegations/{delegation.id}/jobs/invitations")
    job = the_job()
    html = page_text(browser.get(f"/manage/jobs/{job.id}?lang=en"))
    assert "ASEAN buyers' delegation" in html
    assert f'href="/manage/delegations/{delegation.id}"' in html
    assert "Members processed" in html and "4 of 4" in html
    assert "Download ZIP (one invitation letter per member)" in html
    data = browser.get(f"/manage/jobs/{job.id}.json").get_json()
    assert (data["done"], data["total"], data["status"]) == (4, 4, "done")
    page = page_text(browser.get(f"/manage/delegations/{delegation.id}?lang=en"))
    assert f'href="/manage/jobs/{job.id}"' in page and "Last run: Done" in page


def test_every_members_itinerary_in_their_language(app, db, organizer, buyers):
    delegation, members = buyers
    browser = sign_in(app, organizer)
    browser.post(f"/manage/delegations/{delegation.id}/jobs/itineraries")
    job = the_job()
    assert (job.kind, job.status, job.done, job.total) == ("itineraries", "done", 4, 4)
    by_member = {file.member_id: file for file in job_files(job)}
    for member in members:
        file = by_member[member.id]
        text = flat(document_store().get(file.sha256))
        assert member.name_latin in text
        if member.nationality == "CN":  # a Chinese member reads Chinese
            assert file.name.endswith("-zh.pdf") and "采购洽谈会" in text
        else:  # foreign buyers read English
            assert file.name.endswith("-en.pdf") and "Sourcing meeting" in text
    archive = browser.get(f"/manage/jobs/{job.id}/itineraries.zip")
    assert len(zipfile.ZipFile(io.BytesIO(archive.data)).namelist()) == 4
    merged = browser.get(f"/manage/jobs/{job.id}/merged.pdf").data
    assert pages(merged) == sum(
        pages(document_store().get(file.sha256)) for file in by_member.values()
    )


def test_an_outbound_delegations_members_read_chinese_and_get_no_letters(app, db, organizer):
    delegation = make_delegation(
        direction="outbound", origin_country="CN", destination_country="HU"
    )
    member = make_member(delegation, nationality="", name_zh="张伟", name_latin="ZHANG Wei")
    make_itinerary_item(delegation)
    browser = sign_in(app, organizer)
    page = page_text(browser.get(f"/manage/delegations/{delegation.id}?lang=en"))
    assert "Print every member's invitation letter" not in page
    assert "Print every member's itinerary" in page

    refused = browser.post(f"/manage/delegations/{delegation.id}/jobs/invitations")
    assert refused.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(DocumentJob.id))) == 0
    with pytest.raises(letters.NotInbound):
        delegation_jobs.start_delegation_job(
            delegation, JobKind.INVITATION_LETTERS, actor=organizer
        )

    browser.post(f"/manage/delegations/{delegation.id}/jobs/itineraries")
    (file,) = job_files(the_job())
    assert file.member_id == member.id and file.name.endswith("-zh.pdf")
    assert "洽谈会" in flat(document_store().get(file.sha256))


def test_a_second_click_leads_to_the_running_job_which_can_be_cancelled(app, db, organizer, buyers):
    delegation, _ = buyers
    job = delegation_jobs.start_delegation_job(
        delegation, JobKind.MEMBER_ITINERARIES, actor=organizer
    ).job  # queued, no worker
    db.session.commit()
    browser = sign_in(app, organizer)
    page = page_text(browser.get(f"/manage/delegations/{delegation.id}?lang=en"))
    assert "Printing itineraries: 0 of 4" in page
    again = browser.post(f"/manage/delegations/{delegation.id}/jobs/itineraries")
    assert again.headers["Location"].endswith(f"/manage/jobs/{job.id}")
    assert db.session.scalar(sa.select(sa.func.count(DocumentJob.id))) == 1
    # Another kind is another job.
    browser.post(f"/manage/delegations/{delegation.id}/jobs/invitations")
    assert db.session.scalar(sa.select(sa.func.count(DocumentJob.id))) == 2

    assert browser.post(f"/manage/jobs/{job.id}/cancel").status_code == 302
    row = db_session().get(DocumentJob, job.id)
    assert row.status == "cancelled" and row.cancel_requested
    assert tasks.run_document_job(job.id) == "skipped"
    assert job_files(row) == []


def test_a_delegation_without_members_starts_nothing(app, db, organizer):
    delegation = make_delegation()
    browser = sign_in(app, organizer)
    response = browser.post(f"/manage/delegations/{delegation.id}/jobs/itineraries")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/delegations/{delegation.id}#members")
    assert db.session.scalar(sa.select(sa.func.count(DocumentJob.id))) == 0


def test_a_job_whose_worker_died_is_resumed_for_the_same_delegation(db, organizer, buyers):
    delegation, _ = buyers
    job = delegation_jobs.start_delegation_job(
        delegation, JobKind.INVITATION_LETTERS, actor=organizer
    ).job
    job.status = JobStatus.RUNNING.value
    job.started_at = job.heartbeat_at = utcnow() - STALE_AFTER - timedelta(minutes=1)
    db.session.commit()

    (again,) = services.resume_orphaned_jobs()
    db.session.commit()
    assert (again.kind, again.delegation_id, again.requested_by_id) == (
        "invitations",
        delegation.id,
        organizer.id,
    )
    assert tasks.run_document_job(again.id) == "done"
    resumed = db_session().get(DocumentJob, again.id)
    assert (resumed.done, resumed.total) == (4, 4) and resumed.zip_sha256
    assert db_session().get(DocumentJob, job.id).status == "failed"


def test_a_member_removed_meanwhile_is_a_problem_line_not_a_failure(db, organizer, buyers):
    delegation, members = buyers
    job = delegation_jobs.start_delegation_job(
        delegation, JobKind.INVITATION_LETTERS, actor=organizer
    ).job
    job.status, job.started_at = JobStatus.RUNNING.value, utcnow()
    db.session.commit()
    job_id, ids, gone = job.id, [member.id for member in members], members[1].id
    db.session.delete(members[1])
    db.session.commit()
    assert tasks.run_part(job_id, ids) == "done"
    row = db_session().get(DocumentJob, job_id)
    assert (row.done, row.failed, row.status) == (3, 1, "done")
    assert f"#{gone}" in row.error
    assert len(zipfile.ZipFile(io.BytesIO(document_store().get(row.zip_sha256))).namelist()) == 3


def test_a_long_print_file_comes_in_volumes_of_whole_letters(
    app, db, organizer, buyers, monkeypatch
):
    delegation, _ = buyers
    monkeypatch.setitem(app.config, "JOBS_VOLUME_PAGES", 4)  # two letters of two pages a volume
    browser = sign_in(app, organizer)
    browser.post(f"/manage/delegations/{delegation.id}/jobs/invitations")
    job = the_job()
    assert [(volume.first, volume.last, volume.pages) for volume in job.volumes] == [
        (1, 2, 4),
        (3, 4, 4),
    ]
    html = page_text(browser.get(f"/manage/jobs/{job.id}?lang=en"))
    assert "Print file, volume 2 of 2 (members 3–4)" in html
    second = browser.get(f"/manage/jobs/{job.id}/print-2.pdf")
    assert attachment_name(second) == f"invitations-delegation-{delegation.id}-print-2-of-2.pdf"
    assert "HU0000042" in flat(second.data) and "AA1234567" not in flat(second.data)


def test_the_one_request_file_is_for_small_delegations(app, db, organizer, buyers, monkeypatch):
    delegation, _ = buyers
    browser = sign_in(app, organizer)
    url = f"/manage/delegations/{delegation.id}/invitations.pdf"
    assert url in browser.get(f"/manage/delegations/{delegation.id}").get_data(as_text=True)
    monkeypatch.setattr(letters, "LETTERS_AT_ONCE", 3)
    assert url not in browser.get(f"/manage/delegations/{delegation.id}").get_data(as_text=True)
    response = browser.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/delegations/{delegation.id}#members")


def test_enterprise_users_and_strangers_are_kept_out(app, db, client, organizer, buyers):
    delegation, members = buyers
    job = delegation_jobs.start_delegation_job(
        delegation, JobKind.INVITATION_LETTERS, actor=organizer
    ).job
    db.session.commit()
    starts = [
        f"/manage/delegations/{delegation.id}/jobs/invitations",
        f"/manage/delegations/{delegation.id}/jobs/itineraries",
    ]
    pages_ = [f"/manage/jobs/{job.id}", f"/manage/jobs/{job.id}/invitations.zip"]
    for url in starts:
        response = client.post(url)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    for url in pages_:
        response = client.get(url)
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    enterprise = make_enterprise()
    members[0].enterprise_id = enterprise.id  # even one whose people travel with it
    browser = sign_in(app, make_enterprise_user(enterprise))
    for url in starts:
        assert browser.post(url).status_code == 403
    for url in [*pages_, f"/manage/jobs/{job.id}.json"]:
        assert browser.get(url).status_code == 403
    assert browser.post(f"/manage/jobs/{job.id}/cancel").status_code == 403
    assert db_session().get(DocumentJob, job.id).status == "queued"
    assert db_session().scalar(sa.select(sa.func.count(DocumentJob.id))) == 1


def test_starting_again_gives_up_a_job_whose_worker_went_silent(app, db, organizer, buyers):
    delegation, _ = buyers
    silent = delegation_jobs.start_delegation_job(
        delegation, JobKind.MEMBER_ITINERARIES, actor=organizer
    ).job
    silent.status = JobStatus.RUNNING.value
    silent.started_at = silent.heartbeat_at = utcnow() - STALE_AFTER - timedelta(minutes=1)
    db.session.commit()
    silent_id = silent.id
    response = sign_in(app, organizer).post(f"/manage/delegations/{delegation.id}/jobs/itineraries")
    newest = db_session().scalar(sa.select(sa.func.max(DocumentJob.id)))
    assert newest != silent_id and response.headers["Location"].endswith(f"/manage/jobs/{newest}")
    old = db_session().get(DocumentJob, silent_id)
    assert old.status == "failed" and "The worker stopped answering." in old.error
    assert db_session().get(DocumentJob, newest).status == "done"


def test_the_organizers_home_names_the_delegation_of_a_job_at_work(app, db, organizer, buyers):
    delegation, _ = buyers
    delegation_jobs.start_delegation_job(delegation, JobKind.INVITATION_LETTERS, actor=organizer)
    db.session.commit()  # queued, not run: the home lists jobs at work
    text = page_text(sign_in(app, organizer).get("/manage?lang=en"))
    assert "Invitation letters · ASEAN buyers' delegation" in text


def test_a_job_file_belongs_to_an_application_or_a_member_never_neither(db, buyers, organizer):
    delegation, members = buyers
    started = delegation_jobs.start_delegation_job(
        delegation, JobKind.INVITATION_LETTERS, actor=organizer
    )
    db.session.add(DocumentJobFile(job_id=started.job.id, name="x.pdf", sha256="0" * 64))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
