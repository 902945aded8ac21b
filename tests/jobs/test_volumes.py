"""The print file in volumes: every document's pages, in order, split at whole documents."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from io import BytesIO

import pikepdf
import pytest
import sqlalchemy as sa

from expo.documents.models import Certificate
from expo.documents.storage import DocumentCorrupted, document_store
from expo.extensions import db as database
from expo.jobs import queue, services, tasks
from expo.jobs.models import DocumentJob, JobStatus
from tests.jobs.test_services import run, start_and_run
from tests.pages import attachment_name, page_text, sign_in

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler")

DATED = datetime(2027, 5, 13, 9, 0, tzinfo=UTC)


def pdf_pages(sha256: str) -> list[str]:
    """The text of each page of a stored PDF, as poppler extracts it."""
    path = document_store().path(sha256)  # type: ignore[attr-defined]
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [page.strip() for page in text.split("\f")][:-1]


def document(label: str, pages: int) -> bytes:
    """A small PDF whose page ``n`` says ``<label> page <n>``."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont="/Helvetica"
        )
    )
    for number in range(1, pages + 1):
        page = pdf.add_blank_page(page_size=(300, 200))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        content = f"BT /F1 12 Tf 20 100 Td ({label} page {number}) Tj ET".encode()
        page.Contents = pdf.make_stream(content)
    out = BytesIO()
    pdf.save(out)
    pdf.close()
    return out.getvalue()


def stored(documents: list[tuple[str, int]]) -> list[services.BundleEntry]:
    store = document_store()
    return [
        services.BundleEntry(f"{label}.pdf", store.put(document(label, pages)), DATED)
        for label, pages in documents
    ]


@needs_poppler
def test_volumes_hold_every_page_in_order_and_split_at_whole_documents(db):
    # Volumes of at most 3 pages: D1 (1) + D2 (2) fill the first; D3 (3) fills the
    # second alone; D4 (4) is longer than a volume and makes one of its own; D5 (1).
    entries = stored([("D1", 1), ("D2", 2), ("D3", 3), ("D4", 4), ("D5", 1)])
    volumes = services.print_volumes(entries, volume_pages=3)
    assert [(v.number, v.first, v.last, v.pages) for v in volumes] == [
        (1, 1, 2, 3),
        (2, 3, 3, 3),
        (3, 4, 4, 4),
        (4, 5, 5, 1),
    ]
    pages = [text for volume in volumes for text in pdf_pages(volume.sha256)]
    assert pages == [
        "D1 page 1",
        "D2 page 1",
        "D2 page 2",
        "D3 page 1",
        "D3 page 2",
        "D3 page 3",
        "D4 page 1",
        "D4 page 2",
        "D4 page 3",
        "D4 page 4",
        "D5 page 1",
    ]


@needs_poppler
def test_one_volume_when_everything_fits_and_the_same_bytes_each_time(db):
    entries = stored([(f"D{n}", 1) for n in range(1, 6)])
    first = services.print_volumes(entries, volume_pages=5)
    assert [(v.first, v.last, v.pages) for v in first] == [(1, 5, 5)]
    assert pdf_pages(first[0].sha256) == [f"D{n} page 1" for n in range(1, 6)]
    # Reproducible: the same documents make the same files.
    assert services.print_volumes(entries, volume_pages=5) == first
    assert services.bundle_zip(entries) == services.bundle_zip(entries)


def test_a_range_counts_the_jobs_documents_and_its_own_volumes(db):
    # The documents 4 to 6 of a job, in volumes of at most 2 pages: the last one alone.
    entries = stored([("D4", 1), ("D5", 1), ("D6", 1)])
    volumes = services.print_volumes(entries, first=4, volume_pages=2)
    assert [(v.number, v.first, v.last, v.pages) for v in volumes] == [(1, 4, 5, 2), (2, 6, 6, 1)]


def test_a_changed_file_is_not_printed(db):
    [entry] = stored([("D1", 1)])
    path = document_store().path(entry.sha256)  # type: ignore[attr-defined]
    path.chmod(0o640)
    path.write_bytes(document("D2", 1))
    with pytest.raises(DocumentCorrupted):
        services.print_volumes([entry], volume_pages=5)


def test_nothing_to_print_makes_no_volume(db):
    assert services.print_volumes([], volume_pages=5) == []
    assert document_store().exists(services.bundle_zip([]))


@pytest.fixture()
def job_in_volumes(app, db, organizer, event_with_applications, monkeypatch):
    """The event's three certificates issued by a job, printed in volumes of two pages."""
    event, *_ = event_with_applications
    monkeypatch.setitem(app.config, "JOBS_VOLUME_PAGES", 2)
    return start_and_run(db, event, organizer)


def reread(db, job_id: int) -> DocumentJob:
    db.session.expire_all()
    return db.session.get_one(DocumentJob, job_id)


def test_a_job_bundles_in_a_piece_a_volume_beside_the_zip(
    app, db, organizer, event_with_applications, monkeypatch
):
    """Volumes of two pages: certificates 1–2 and 3 are queued as two pieces, each making
    its volume, while the part that completed the job makes the ZIP."""
    event, *_ = event_with_applications
    monkeypatch.setitem(app.config, "JOBS_VOLUME_PAGES", 2)
    pieces = []
    enqueue = queue.enqueue

    def watched(name, *args):
        if name == tasks.PRINT_VOLUMES:
            _job_id, entries, first = args
            pieces.append(([entry.name for entry in entries], first))
        return enqueue(name, *args)

    monkeypatch.setattr(queue, "enqueue", watched)
    job = start_and_run(db, event, organizer)
    names = [
        f"{serial}.pdf" for serial in sorted(db.session.scalars(sa.select(Certificate.serial)))
    ]
    assert pieces == [(names[:2], 1), (names[2:], 3)]
    assert (job.status, job.bundle_pieces_left) == ("done", 0)
    assert [(v.number, v.first, v.last, v.pages) for v in job.volumes] == [
        (1, 1, 2, 2),
        (2, 3, 3, 1),
    ]
    assert job.merged_sha256 == job.volumes[0].sha256
    archive = zipfile.ZipFile(BytesIO(document_store().get(job.zip_sha256)))
    assert archive.namelist() == names


def test_pieces_wait_in_the_queue_for_whichever_worker_is_free(
    app, db, organizer, event_with_applications, queued, monkeypatch
):
    event, *_ = event_with_applications
    monkeypatch.setitem(app.config, "JOBS_VOLUME_PAGES", 2)
    job_id = services.start_certificate_job(event, actor=organizer).job.id
    db.session.commit()
    queue.enqueue(tasks.RUN_DOCUMENT_JOB, job_id)
    taken = []
    while (task := queued.dequeue()) is not None:
        if task.name == tasks.PRINT_VOLUMES and tasks.PRINT_VOLUMES not in taken:
            # The part made the ZIP; the print file's two pieces still wait.
            job = reread(db, job_id)
            assert (job.status, job.bundle_pieces_left, job.print_volumes) == ("running", 2, [])
            assert job.zip_sha256 is not None
        taken.append(task.name)
        queued.execute(task)
    assert taken == [
        tasks.RUN_DOCUMENT_JOB,
        tasks.RUN_PART,
        tasks.PRINT_VOLUMES,
        tasks.PRINT_VOLUMES,
    ]
    job = reread(db, job_id)
    assert (job.status, job.bundle_pieces_left) == ("done", 0)
    assert [(v.first, v.last) for v in job.volumes] == [(1, 2), (3, 3)]


@pytest.fixture()
def bundling(db, job_in_volumes):
    """The job of ``job_in_volumes`` as it was once its ZIP was recorded: running, its two
    print pieces (certificates 1–2 and 3) still to come."""
    job = job_in_volumes
    job.status, job.finished_at = JobStatus.RUNNING, None
    job.merged_sha256, job.print_volumes, job.bundle_pieces_left = None, [], 2
    db.session.commit()
    return job.id, services.event_certificate_entries(job.event_id)


def test_pieces_done_out_of_order_keep_the_volumes_in_order(db, bundling):
    job_id, entries = bundling
    assert tasks.print_volumes(job_id, entries[2:], 3) == "running"
    job = reread(db, job_id)
    assert [(v.number, v.first, v.last) for v in job.volumes] == [(1, 3, 3)]
    assert (job.status, job.bundle_pieces_left, job.merged_sha256) == ("running", 1, None)
    assert tasks.print_volumes(job_id, entries[:2], 1) == "done"
    job = reread(db, job_id)
    assert [(v.number, v.first, v.last, v.pages) for v in job.volumes] == [
        (1, 1, 2, 2),
        (2, 3, 3, 1),
    ]
    assert (job.status, job.bundle_pieces_left) == ("done", 0)
    assert job.merged_sha256 == job.volumes[0].sha256


def _written_meanwhile(job_id: int, **values) -> None:
    """What another process writes while the piece merges its volumes."""
    with database.engine.begin() as connection:
        connection.execute(sa.update(DocumentJob).where(DocumentJob.id == job_id).values(values))


@pytest.mark.parametrize("when", ["before it began", "while it merged"])
def test_a_piece_of_a_job_given_up_meanwhile_records_nothing(db, bundling, monkeypatch, when):
    job_id, entries = bundling
    if when == "before it began":
        _written_meanwhile(job_id, status="failed")
    else:
        print_volumes = services.print_volumes

        def merged_meanwhile(entries, **options):
            _written_meanwhile(job_id, status="failed")
            return print_volumes(entries, **options)

        monkeypatch.setattr(services, "print_volumes", merged_meanwhile)
    assert tasks.print_volumes(job_id, entries[:2], 1) == "failed"
    job = reread(db, job_id)
    assert job.status == "failed"
    assert (job.print_volumes, job.merged_sha256, job.bundle_pieces_left) == ([], None, 2)


def test_a_cancel_once_the_bundling_began_comes_too_late(app, db, organizer, bundling):
    """Every certificate is issued by then: the pieces finish the job, as the whole job
    finishes when the cancel comes after its last part."""
    job_id, entries = bundling
    job = database.session.get_one(DocumentJob, job_id)
    services.request_cancel(job, actor=organizer)
    database.session.commit()
    assert tasks.print_volumes(job_id, entries[:2], 1) == "running"
    assert tasks.print_volumes(job_id, entries[2:], 3) == "done"
    job = reread(db, job_id)
    assert (job.status, job.cancel_requested) == ("done", True)
    assert [(v.first, v.last) for v in job.volumes] == [(1, 2), (3, 3)]


def test_the_page_offers_no_part_of_the_bundle_before_the_job_is_done(app, db, organizer, bundling):
    """Pieces record their parts one at a time: the first volume recorded is not yet
    volume 1 of the print file, and a job stopped halfway has no whole print file."""
    job_id, entries = bundling
    assert tasks.print_volumes(job_id, entries[2:], 3) == "running"
    job = reread(db, job_id)
    assert job.zip_sha256 and job.print_volumes  # recorded, not offered
    browser = sign_in(app, organizer)
    progress = browser.get(f"/manage/jobs/{job_id}.json").get_json()
    assert (progress["zip_url"], progress["merged_url"], progress["volumes"]) == (None, None, [])
    for path in ("certificates.zip", "merged.pdf", "print-1.pdf"):
        assert browser.get(f"/manage/jobs/{job_id}/{path}").status_code == 404, path
    assert tasks.print_volumes(job_id, entries[:2], 1) == "done"
    progress = browser.get(f"/manage/jobs/{job_id}.json?lang=en").get_json()
    assert progress["zip_url"] and progress["merged_url"]
    assert [volume["label"] for volume in progress["volumes"]] == [
        "Print file, volume 1 of 2 (certificates 1–2)",
        "Print file, volume 2 of 2 (certificates 3–3)",
    ]
    first = browser.get(f"/manage/jobs/{job_id}/print-1.pdf")
    assert first.status_code == 200
    assert first.data == document_store().get(reread(db, job_id).volumes[0].sha256)


def test_a_piece_that_cannot_be_queued_is_made_by_the_part(
    app, db, organizer, event_with_applications, monkeypatch
):
    """A queue that fails as the bundling begins (Redis gone) does not fail a job whose
    every certificate is issued: the part makes the print file itself."""
    event, *_ = event_with_applications
    monkeypatch.setitem(app.config, "JOBS_VOLUME_PAGES", 2)
    enqueue = queue.enqueue

    def failing(name, *args):
        if name == tasks.PRINT_VOLUMES:
            raise ConnectionError("the queue is gone")
        return enqueue(name, *args)

    monkeypatch.setattr(queue, "enqueue", failing)
    job = start_and_run(db, event, organizer)
    assert (job.status, job.bundle_pieces_left) == ("done", 0)
    assert [(v.first, v.last) for v in job.volumes] == [(1, 2), (3, 3)]


def test_a_job_bundles_once_even_if_its_last_part_runs_twice(db, bundling):
    job_id, _entries = bundling
    assert tasks._bundle(job_id) == "running"  # its pieces are on their way: left alone
    job = reread(db, job_id)
    assert (job.bundle_pieces_left, job.print_volumes) == (2, [])


def test_a_print_piece_that_fails_closes_what_it_opened(db, monkeypatch):
    entries = stored([("D1", 1), ("D2", 1), ("D3", 1)])
    closed = []
    opened = pikepdf.open

    def watched(*args, **kwargs):
        pdf = opened(*args, **kwargs)
        close = pdf.close
        pdf.close = lambda: closed.append(pdf) or close()  # type: ignore[method-assign]
        return pdf

    monkeypatch.setattr(pikepdf, "open", watched)
    path = document_store().path(entries[2].sha256)  # type: ignore[attr-defined]
    path.chmod(0o640)
    path.write_bytes(document("changed", 1))
    with pytest.raises(DocumentCorrupted):
        services.print_volumes(entries, volume_pages=5)
    assert len(closed) == 2  # D1 and D2, open in the volume when D3 was refused


def test_a_piece_that_breaks_fails_the_job_with_its_reason(
    app, db, organizer, event_with_applications, monkeypatch
):
    event, *_ = event_with_applications

    def broken(entries, **options):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "print_volumes", broken)
    job_id = services.start_certificate_job(event, actor=organizer).job.id
    db.session.commit()
    assert run(job_id) == "failed"
    job = reread(db, job_id)
    assert job.status == "failed" and job.done == 3
    assert "RuntimeError: the disk is full" in job.error.splitlines()
    # The ZIP, made after the piece failed, is not recorded for a failed job.
    assert (job.zip_sha256, job.merged_sha256, job.print_volumes) == (None, None, [])


@needs_poppler
def test_certificates_job_prints_its_volumes_in_serial_order(db, job_in_volumes):
    job = job_in_volumes
    serials = sorted(db.session.scalars(sa.select(Certificate.serial)))
    volumes = job.volumes
    assert [(v.first, v.last, v.pages) for v in volumes] == [(1, 2, 2), (3, 3, 1)]
    assert job.merged_sha256 == volumes[0].sha256
    pages = [text for volume in volumes for text in pdf_pages(volume.sha256)]
    assert len(pages) == 3
    for serial, text in zip(serials, pages, strict=True):
        assert serial in text


def test_the_job_page_lists_each_volume_in_both_languages(app, db, organizer, job_in_volumes):
    job = job_in_volumes
    browser = sign_in(app, organizer)
    english = page_text(browser.get(f"/manage/jobs/{job.id}?lang=en"))
    assert "Print file, volume 1 of 2 (certificates 1–2)" in english
    assert "Print file, volume 2 of 2 (certificates 3–3)" in english
    chinese = page_text(browser.get(f"/manage/jobs/{job.id}?lang=zh"))
    assert "第 1 册，共 2 册（证书第 1–2 份）" in chinese
    assert "第 2 册，共 2 册（证书第 3–3 份）" in chinese
    data = browser.get(f"/manage/jobs/{job.id}.json").get_json()
    assert [volume["url"] for volume in data["volumes"]] == [
        f"/manage/jobs/{job.id}/print-1.pdf",
        f"/manage/jobs/{job.id}/print-2.pdf",
    ]


def test_each_volume_downloads_under_its_number(app, db, organizer, job_in_volumes):
    job = job_in_volumes
    browser = sign_in(app, organizer)
    for number, volume in enumerate(job.volumes, start=1):
        response = browser.get(f"/manage/jobs/{job.id}/print-{number}.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert attachment_name(response) == (
            f"certificates-event-{job.event_id}-print-{number}-of-2.pdf"
        )
        assert response.headers["ETag"] == f'"{volume.sha256}"'
    for number in (0, 3):
        assert browser.get(f"/manage/jobs/{job.id}/print-{number}.pdf").status_code == 404
    # The single print file's address gives the first volume.
    merged = browser.get(f"/manage/jobs/{job.id}/merged.pdf")
    assert merged.status_code == 200 and merged.headers["ETag"] == f'"{job.volumes[0].sha256}"'


def test_one_volume_keeps_the_single_print_file(app, db, organizer, event_with_applications):
    event, *_ = event_with_applications
    job = start_and_run(db, event, organizer)
    assert [(v.first, v.last, v.pages) for v in job.volumes] == [(1, 3, 3)]
    browser = sign_in(app, organizer)
    text = page_text(browser.get(f"/manage/jobs/{job.id}?lang=en"))
    assert "Download one print file (PDF)" in text and "volume" not in text
    assert browser.get(f"/manage/jobs/{job.id}.json").get_json()["volumes"] == []
    merged = browser.get(f"/manage/jobs/{job.id}/merged.pdf")
    assert attachment_name(merged) == f"certificates-event-{job.event_id}-print.pdf"
    assert merged.headers["ETag"] == f'"{job.merged_sha256}"'
    # Its only volume is the same file.
    volume = browser.get(f"/manage/jobs/{job.id}/print-1.pdf")
    assert volume.status_code == 200 and volume.headers["ETag"] == merged.headers["ETag"]
    assert browser.get(f"/manage/jobs/{job.id}/print-2.pdf").status_code == 404


def test_a_job_without_volumes_has_no_volume_to_download(app, db, organizer):
    job = DocumentJob(kind="results", status="done", merged_sha256="0" * 64)
    db.session.add(job)
    db.session.commit()
    assert job.volumes == []
    browser = sign_in(app, organizer)
    assert browser.get(f"/manage/jobs/{job.id}/print-1.pdf").status_code == 404
