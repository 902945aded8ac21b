"""A documents folder that cannot be written (full, read-only): printing fails with a
clear message, nothing is recorded as issued without its file, and it resumes once the
folder takes files again."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
import sqlalchemy as sa

from expo.documents.models import Certificate
from expo.documents.storage import LocalDocumentStore, StorageUnwritable
from expo.jobs.models import DocumentJob
from tests.documents.conftest import approved_application
from tests.factories import attended, check_in, held
from tests.pages import sign_in


@pytest.fixture()
def full_disk(monkeypatch):
    """The folder refuses every new file, as a full disk does, until ``.free()``."""

    class Disk:
        def __init__(self) -> None:
            self.original = LocalDocumentStore._put_file

        def fill(self) -> None:
            def no_space(store, source):
                raise OSError(errno.ENOSPC, "No space left on device")

            monkeypatch.setattr(LocalDocumentStore, "_put_file", no_space)

        def free(self) -> None:
            monkeypatch.setattr(LocalDocumentStore, "_put_file", self.original)

    disk = Disk()
    disk.fill()
    return disk


def test_the_store_says_why_it_cannot_take_a_file(tmp_path, full_disk):
    with pytest.raises(StorageUnwritable, match="No space left on device"):
        LocalDocumentStore(tmp_path).put(b"%PDF-1.7 a certificate")
    assert not any(tmp_path.rglob("*.pdf"))


def test_a_read_only_folder_is_refused_the_same_way(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageUnwritable):
        LocalDocumentStore(blocker / "documents").put(b"%PDF-1.7 a certificate")


def test_a_folder_that_may_not_be_entered_is_refused_the_same_way(tmp_path, monkeypatch):
    """A documents folder of mode 000 under another user: even asking whether a file is
    there fails (EACCES). Faked, since the tests may run as root, whom modes do not stop."""
    store = LocalDocumentStore(tmp_path / "documents")
    real_exists = Path.exists

    def not_permitted(path, *args, **kwargs):
        if store.root in path.parents:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_exists(path, *args, **kwargs)

    monkeypatch.setattr(Path, "exists", not_permitted)
    with pytest.raises(StorageUnwritable, match="Permission denied"):
        store.put(b"%PDF-1.7 a certificate")


def test_issuing_on_a_full_disk_records_nothing_and_works_once_freed(app, db, organizer, full_disk):
    application = attended(approved_application())
    browser = sign_in(app, organizer)
    url = f"/manage/events/{application.event_id}/applications/{application.id}"
    response = browser.post(url + "/certificate?lang=en")
    assert response.status_code == 302
    page = browser.get(url + "?lang=en").get_data(as_text=True)
    assert "The documents folder cannot be written (No space left on device)" in page
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0

    full_disk.free()
    browser.post(url + "/certificate")
    certificate = db.session.scalars(sa.select(Certificate)).one()
    assert certificate.sha256 and certificate.serial.endswith("000001")


def test_a_job_on_a_full_disk_says_so_and_resumes_once_freed(
    app, db, organizer, full_disk, tmp_path
):
    from tests.factories import make_enterprise

    first = approved_application()
    event = first.event
    others = [approved_application(event=event, enterprise=make_enterprise()) for _ in range(2)]
    held(event)
    for application in (first, *others):
        check_in(application)
    db.session.commit()
    browser = sign_in(app, organizer)
    browser.post(f"/manage/events/{event.id}/jobs/certificates")
    job = db.session.scalars(sa.select(DocumentJob)).one()
    assert job.failed == 3 and job.done == 0
    assert job.status == "failed"  # its bundle could not be written either
    assert "cannot be written" in job.error and "No space left on device" in job.error
    # Serials are held, but no certificate counts as issued without its file.
    assert all(c.is_pending for c in db.session.scalars(sa.select(Certificate)))
    code = db.session.scalars(sa.select(Certificate.verification_code)).first()
    assert browser.get(f"/verify/{code}").status_code == 404

    full_disk.free()
    browser.post(f"/manage/events/{event.id}/jobs/certificates")
    db.session.expire_all()
    issued = list(db.session.scalars(sa.select(Certificate).order_by(Certificate.serial)))
    assert len(issued) == 3 and not any(c.is_pending for c in issued)
    assert [c.serial_number for c in issued] == [1, 2, 3]
