"""A job's certificates are laid out together and stored one whole PDF each.

Each stored file must stand alone: poppler reads it, its fonts are embedded and hold only
the glyphs of its own page, its text and QR code are its own certificate's, and its
SHA-256 is the one recorded. A certificate the batch cannot print is printed alone.
"""

from __future__ import annotations

import hashlib
import io
import re

import pikepdf
import pytest
import sqlalchemy as sa

from expo.documents import certificates, render
from expo.documents.models import Certificate
from expo.documents.storage import document_store
from expo.jobs import queue, services, tasks
from expo.jobs.models import DocumentJob
from tests.documents.conftest import approved_application, flat, pdf_fonts, pdf_info, qr_codes
from tests.factories import check_in, held, make_enterprise, open_event
from tests.jobs.conftest import calls_of

# Names that share no character outside 有限公司, so each file's glyphs can be told apart.
NAMES = (
    ("攀枝花钒钛有限公司", "Panzhihua Vanadium Titanium Co., Ltd."),
    ("宜宾酒业有限公司", "Yibin Liquor Co., Ltd."),
    ("泸州老窖有限公司", "Luzhou Cellar Co., Ltd."),
)


def held_event(db, names):
    """A held event with an approved application of each named enterprise, all attended."""
    event = open_event(moderation="first_come")
    applications = [
        approved_application(event=event, enterprise=make_enterprise(name_zh=zh, name_en=en))
        for zh, en in names
    ]
    held(event)
    for application in applications:
        check_in(application)
    db.session.commit()
    return event


@pytest.fixture()
def named_event(db):
    """Three certificates to issue, each enterprise's name its own."""
    return held_event(db, NAMES)


@pytest.fixture()
def alone_calls(monkeypatch):
    """The certificates printed one at a time (today's path for a single certificate)."""
    return calls_of(monkeypatch, certificates, "render_certificate", lambda item: item.serial)


def run_job(db, event, organizer) -> DocumentJob:
    job_id = services.start_certificate_job(event, actor=organizer).job.id
    db.session.commit()
    assert queue.enqueue(tasks.RUN_DOCUMENT_JOB, job_id).get() == "done"
    db.session.expire_all()
    return db.session.get_one(DocumentJob, job_id)


def issued(db) -> list[tuple[Certificate, bytes]]:
    rows = db.session.scalars(sa.select(Certificate).order_by(Certificate.serial))
    return [(certificate, document_store().get(certificate.sha256)) for certificate in rows]


def pdf_info_pages(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def unicode_text(pdf: bytes) -> set[str]:
    """Every character the PDF's fonts map a glyph to (their ToUnicode maps): what the
    embedded subsets hold."""
    characters: set[str] = set()
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            for font in page.Resources.Font.values():
                cmap = font.ToUnicode.read_bytes().decode("latin-1")
                for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
                    for target in re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>", block):
                        characters.add(bytes.fromhex(target).decode("utf-16-be"))
    return characters


def test_each_certificate_of_a_batch_is_a_whole_pdf_of_its_own(
    db, organizer, named_event, alone_calls, tmp_path
):
    job = run_job(db, named_event, organizer)
    assert (job.done, job.failed) == (3, 0)
    assert alone_calls == []  # laid out together, not one by one
    files = issued(db)
    assert len(files) == 3
    for certificate, pdf in files:
        assert hashlib.sha256(pdf).hexdigest() == certificate.sha256
        assert certificate.size_bytes == len(pdf) <= 120 * 1024
        info = pdf_info(pdf, tmp_path)
        assert info["Pages"] == "1"
        assert certificate.serial in info["Title"]
        fonts = pdf_fonts(pdf, tmp_path)
        assert fonts and all(font.embedded and font.subset and font.unicode for font in fonts)
        text = flat(pdf)
        facts = certificate.facts
        assert facts["zh"]["enterprise"] in text and certificate.serial in text
        others = [other for other, _ in files if other.id != certificate.id]
        for other in others:
            assert other.serial not in text
            assert other.facts["zh"]["enterprise"] not in text
        url = certificates.verification_url(certificate.verification_code)
        assert qr_codes(pdf) == [url]


def test_each_file_holds_only_its_own_glyphs(db, organizer, named_event):
    run_job(db, named_event, organizer)
    files = issued(db)
    held_characters = {certificate.id: unicode_text(pdf) for certificate, pdf in files}
    for certificate, _ in files:
        own = set(certificate.facts["zh"]["enterprise"])
        assert own <= held_characters[certificate.id]
        for other, _ in files:
            if other.id != certificate.id:
                theirs = set(other.facts["zh"]["enterprise"]) - own
                assert theirs and not theirs & held_characters[certificate.id]


def test_a_batch_prints_what_a_certificate_printed_alone_prints(db, organizer, named_event):
    run_job(db, named_event, organizer)
    for certificate, pdf in issued(db):
        alone = certificates.render_certificate(certificate)
        assert flat(pdf) == flat(alone)  # the footer too: page 1 of 1, not of the batch
        with (
            pikepdf.open(io.BytesIO(pdf)) as batch_file,
            pikepdf.open(io.BytesIO(alone)) as alone_file,
        ):
            assert batch_file.docinfo.get("/Title") == alone_file.docinfo.get("/Title")
            assert batch_file.docinfo.get("/Keywords") == alone_file.docinfo.get("/Keywords")
            assert list(batch_file.pages[0].MediaBox) == list(alone_file.pages[0].MediaBox)


def test_a_batch_that_cannot_be_laid_out_is_printed_one_at_a_time(
    db, organizer, named_event, alone_calls, monkeypatch
):
    def broken(*args, **kwargs):
        raise render.PagesMismatch("a certificate overflowed its page")

    monkeypatch.setattr(certificates, "write_pdf_pages", broken)
    job = run_job(db, named_event, organizer)
    assert (job.done, job.failed) == (3, 0)
    assert len(alone_calls) == 3
    for certificate, pdf in issued(db):
        assert hashlib.sha256(pdf).hexdigest() == certificate.sha256
        assert qr_codes(pdf) == [certificates.verification_url(certificate.verification_code)]


def test_the_longest_names_still_print_a_page_per_certificate(db, organizer, alone_calls):
    # The longest name an enterprise may have, in both languages, is set smaller and
    # keeps to its page, so it is printed with its batch.
    event = held_event(db, [*NAMES, ("四川" * 100, "Sichuan " * 25)])
    job = run_job(db, event, organizer)
    assert (job.done, job.failed) == (4, 0)
    assert alone_calls == []
    for certificate, pdf in issued(db):
        assert pdf_info_pages(pdf) == 1
        assert hashlib.sha256(pdf).hexdigest() == certificate.sha256
