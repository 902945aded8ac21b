"""Certificates: issued once to approved applications, stored unchanged, revoked, reissued."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine
from flask_babel import force_locale

from expo.audit.models import AuditEntry
from expo.documents import certificates
from expo.documents.models import Certificate
from expo.documents.storage import (
    DocumentCorrupted,
    DocumentMissing,
    LocalDocumentStore,
    document_store,
)
from expo.errors import InvalidInput
from expo.registrations import services as registration_services
from expo.urls import external_url
from tests.documents.conftest import (
    approved_application,
    certifiable_application,
    issued_serials,
    pdf_fonts,
    pdf_info,
    pdf_page_image,
    pdf_text,
    qr_codes,
    run_at_once,
    zbar_codes,
)
from tests.factories import (
    attended,
    check_in,
    make_campaign,
    make_enterprise,
    make_enterprise_user,
    make_user,
    open_event,
)
from tests.registrations.test_services import application_data


def actions(db) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


class TestIssue:
    def test_certificate_for_an_approved_application(self, db, organizer, documents_dir):
        application = certifiable_application()
        certificate = certificates.issue_certificate(application, actor=organizer)
        db.session.commit()
        year = application.event.starts_at.year
        assert re.fullmatch(rf"SGG-{year}-000001", certificate.serial)
        assert len(certificate.verification_code) >= 22
        assert certificate.issued_by_id == organizer.id and certificate.is_valid
        stored = document_store().get(certificate.sha256)
        assert hashlib.sha256(stored).hexdigest() == certificate.sha256
        assert certificate.size_bytes == len(stored)
        assert list(documents_dir.rglob("*.pdf")) == [
            documents_dir
            / certificate.sha256[:2]
            / certificate.sha256[2:4]
            / f"{certificate.sha256}.pdf"
        ]
        assert actions(db)[-1] == "certificate.issue"

    def test_issuing_again_returns_the_same_certificate(self, db, organizer):
        application = certifiable_application()
        first = certificates.issue_certificate(application, actor=organizer)
        second = certificates.issue_certificate(application, actor=organizer)
        assert first.id == second.id
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1

    def test_only_approved_applications(self, db, organizer):
        event = open_event(moderation="review")
        enterprise = make_enterprise()
        application = registration_services.submit_application(
            event, enterprise, application_data(), actor=make_enterprise_user(enterprise)
        )
        assert application.status == "pending"
        with pytest.raises(certificates.NotApproved):
            certificates.issue_certificate(application, actor=organizer)
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0

    def test_an_unverified_enterprise_gets_no_certificate(self, db, organizer):
        application = certifiable_application(
            enterprise=make_enterprise(name_zh="成都未核实有限公司", verified=False)
        )
        with pytest.raises(certificates.EnterpriseNotVerified) as refused:
            certificates.issue_certificate(application, actor=organizer)
        with force_locale("en"):
            assert "成都未核实有限公司 is not verified" in str(refused.value)
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0

    def test_a_renamed_enterprise_loses_its_next_certificate_but_not_its_issued_one(
        self, db, organizer
    ):
        from expo.enterprises import services as enterprise_services

        first = certifiable_application()
        issued = certificates.issue_certificate(first, actor=organizer)
        enterprise = first.enterprise
        data = dataclasses.replace(
            enterprise_services.enterprise_data_from(enterprise),
            name_zh="中国石油天然气集团有限公司",
        )
        enterprise_services.update_profile(enterprise, data, actor=make_enterprise_user(enterprise))
        second = certifiable_application(enterprise=enterprise)

        with pytest.raises(certificates.EnterpriseNotVerified):
            certificates.issue_certificate(second, actor=organizer)
        assert issued.facts["zh"]["enterprise"] == "成都天府茶业有限公司"
        assert certificates.verification_context(issued)["zh"]["enterprise"] == (
            "成都天府茶业有限公司"
        )

    def test_serials_count_per_campaign_kind_and_event_year(self, db, organizer):
        going_global = make_campaign(kind="going_global")
        imports = make_campaign(kind="import_expansion")
        first_event = open_event(moderation="first_come", campaign=going_global)
        second_event = open_event(moderation="first_come", campaign=going_global)
        import_event = open_event(moderation="first_come", campaign=imports)
        applications = [
            approved_application(event)
            for event in (first_event, second_event, first_event, import_event)
        ]
        for application in applications:
            attended(application)
        year = first_event.starts_at.year
        serials = [
            certificates.issue_certificate(application, actor=organizer).serial
            for application in applications
        ]
        assert serials == [
            f"SGG-{year}-000001",
            f"SGG-{year}-000002",
            f"SGG-{year}-000003",
            f"SIE-{year}-000001",
        ]

    def test_a_serial_taken_meanwhile_is_skipped(self, db, organizer, monkeypatch):
        taken = certificates.issue_certificate(certifiable_application(), actor=organizer)
        # Another issuer read the same highest number a moment ago: it picks number 1 again.
        stale = iter([1])
        original = certificates._next_serial_number
        monkeypatch.setattr(
            certificates,
            "_next_serial_number",
            lambda prefix, year: next(stale, None) or original(prefix, year),
        )
        second = certificates.issue_certificate(certifiable_application(), actor=organizer)
        assert taken.serial.endswith("-000001") and second.serial.endswith("-000002")

    # Registration opens now and closes before the event: "now" must precede it.
    @time_machine.travel(datetime(2027, 6, 1, tzinfo=UTC), tick=True)
    def test_the_year_is_the_local_year_where_the_event_starts(self, db, organizer):
        # 31 December 20:00 UTC is already 1 January in Shanghai.
        event = open_event(
            moderation="first_come",
            timezone="Asia/Shanghai",
            starts_at=datetime(2027, 12, 31, 20, 0, tzinfo=UTC),
            registration_opens_at=datetime.now(UTC).replace(microsecond=0),
        )
        application = check_in(approved_application(event)).application
        issued = datetime(2028, 1, 4, tzinfo=UTC)  # once the event has been held
        certificate = certificates.issue_certificate(application, actor=organizer, now=issued)
        assert certificate.serial == "SGG-2028-000001"


class TestTheDocument:
    @pytest.fixture()
    def issued(self, db, organizer):
        application = certifiable_application()
        certificate = certificates.issue_certificate(application, actor=organizer)
        db.session.commit()
        return certificate, certificates.certificate_pdf(certificate)

    def test_text_in_both_languages(self, issued):
        certificate, pdf = issued
        text = pdf_text(pdf)
        assert "成都天府茶业有限公司" in text
        assert "Chengdu Tianfu Tea Co., Ltd." in text
        assert certificate.serial in text
        assert "四川省商务厅" in text and "Sichuan Provincial Department of Commerce" in text
        assert "参展证明" in text and "Certificate of Exhibition" in text
        assert "布达佩斯国际博览会" in text and "Budapest International Fair" in text
        assert certificate.application.enterprise.credit_code in text
        # The foot of the frame is on the page, not cut off below it.
        assert "扫码或访问以下网址验证" in text and "Scan or visit to verify" in text

    @staticmethod
    def printed_on(day: int, organizer) -> str:
        """The text of a certificate issued on ``day`` May 2027 (Beijing time) for a fair
        in Budapest from 10 to 13 May 2027, applied for in March."""
        with time_machine.travel(datetime(2027, 3, 1, 2, 0, tzinfo=UTC), tick=True):
            application = approved_application(starts_at=datetime(2027, 5, 10, 7, 0, tzinfo=UTC))
        check_in(application)
        with time_machine.travel(datetime(2027, 5, day, 2, 0, tzinfo=UTC), tick=True):
            certificate = certificates.issue_certificate(application, actor=organizer)
        return " ".join(pdf_text(certificates.certificate_pdf(certificate)).split())

    def test_dates_in_the_products_own_words(self, db, organizer):
        text = self.printed_on(14, organizer)
        assert "于2027年5月10日至13日在匈牙利布达佩斯参加" in text
        assert "took part in Budapest International Fair" in text
        assert "(Budapest, Hungary, May 10–13, 2027)" in text
        assert "2027年5月14日 · May 14, 2027" in text
        assert "正在参加" not in text and "is taking part" not in text

    def test_issued_while_the_event_runs_it_says_taking_part(self, db, organizer):
        text = self.printed_on(11, organizer)
        assert "正在参加于2027年5月10日至13日在匈牙利布达佩斯举办的布达佩斯国际博览会" in text
        assert "is taking part in Budapest International Fair" in text
        assert "took part" not in text and "于2027年5月10日至13日在匈牙利布达佩斯参加" not in text

    def test_landscape_a4_with_metadata(self, issued, tmp_path):
        certificate, pdf = issued
        info = pdf_info(pdf, tmp_path)
        assert info["Page size"] == "841.89 x 595.276 pts (A4)"
        assert info["Pages"] == "1"
        assert info["Author"] == "四川省商务厅"
        assert certificate.serial in info["Title"] and "参展证明" in info["Title"]

    def test_serif_simplified_chinese_regular_and_bold_embedded_subset(self, issued, tmp_path):
        _, pdf = issued
        fonts = pdf_fonts(pdf, tmp_path)
        names = sorted(re.sub(r"^[A-Z]{6}\+", "", font.name) for font in fonts)
        # The print faces: Noto Serif CJK SC cut down to GB 2312 (expo.documents.fonts).
        assert names == ["Noto-Serif-CJK-SC-Print", "Noto-Serif-CJK-SC-Print-Bold"]
        assert all(font.embedded and font.subset and font.unicode for font in fonts)

    def test_file_is_small_enough_to_mail(self, issued):
        certificate, pdf = issued
        # Two embedded faces and a QR code: well under the 120 KiB the programme allows.
        assert certificate.size_bytes == len(pdf) <= 120 * 1024

    def test_qr_code_opens_the_verification_page(self, issued, tmp_path):
        certificate, pdf = issued
        expected = external_url("documents.verify", code=certificate.verification_code)
        assert qr_codes(pdf) == [expected]
        assert zbar_codes([pdf_page_image(pdf)], tmp_path) == [expected]
        assert expected in pdf_text(pdf, layout=False).split()

    def test_the_printed_address_is_base_url_even_inside_a_request(self, app, db, organizer):
        application = certifiable_application()
        with app.test_request_context("/", base_url="http://10.0.0.7:8000"):
            certificate = certificates.issue_certificate(application, actor=organizer)
            pdf = certificates.certificate_pdf(certificate)
        assert qr_codes(pdf) == [f"{app.config['BASE_URL']}/verify/{certificate.verification_code}"]


class TestRevokeAndReissue:
    def test_revoke_needs_a_reason_and_happens_once(self, db, organizer):
        certificate = certificates.issue_certificate(certifiable_application(), actor=organizer)
        with pytest.raises(InvalidInput) as error:
            certificates.revoke_certificate(certificate, reason="  ", actor=organizer)
        assert "reason" in error.value.errors
        certificates.revoke_certificate(certificate, reason="企业名称有误", actor=organizer)
        assert not certificate.is_valid
        assert certificate.revocation_reason == "企业名称有误"
        assert certificate.revoked_by_id == organizer.id
        with pytest.raises(certificates.AlreadyRevoked):
            certificates.revoke_certificate(certificate, reason="again", actor=organizer)
        assert actions(db)[-1] == "certificate.revoke"

    def test_revoked_file_is_kept_unchanged(self, db, organizer):
        certificate = certificates.issue_certificate(certifiable_application(), actor=organizer)
        before = certificates.certificate_pdf(certificate)
        certificates.revoke_certificate(certificate, reason="错误", actor=organizer)
        assert certificates.certificate_pdf(certificate) == before

    def test_reissue_revokes_the_old_one_and_points_to_the_new(self, db, organizer):
        application = certifiable_application()
        old = certificates.issue_certificate(application, actor=organizer)
        new = certificates.reissue_certificate(old, actor=organizer, reason="企业更名")
        db.session.commit()
        assert not old.is_valid and old.replaced_by_id == new.id
        assert old.revocation_reason == "企业更名"
        assert new.is_valid and new.serial != old.serial
        assert new.verification_code != old.verification_code
        assert certificates.valid_certificate(application).id == new.id
        assert [c.id for c in certificates.application_certificates(application)] == [
            new.id,
            old.id,
        ]
        assert actions(db)[-2:] == ["certificate.issue", "certificate.reissue"]

    def test_a_second_valid_certificate_is_refused_by_the_database(self, db, organizer):
        application = certifiable_application()
        existing = certificates.issue_certificate(application, actor=organizer)
        duplicate = Certificate(
            application_id=application.id,
            serial="SGG-2099-000001",
            serial_prefix="SGG",
            serial_year=2099,
            serial_number=1,
            verification_code="x" * 22,
            sha256=existing.sha256,
        )
        db.session.add(duplicate)
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()


class TestVerificationLookup:
    def test_by_code(self, db, organizer):
        certificate = certificates.issue_certificate(certifiable_application(), actor=organizer)
        assert certificates.certificate_by_code(certificate.verification_code) is certificate
        assert certificates.certificate_by_code("nonexistent-code-000000") is None
        assert certificates.certificate_by_code("../../etc/passwd") is None
        assert certificates.certificate_by_code("") is None


class TestStore:
    def test_content_addressed_and_checked_on_reading(self, tmp_path):
        store = LocalDocumentStore(tmp_path)
        digest = store.put(b"%PDF-1.7 test")
        assert digest == hashlib.sha256(b"%PDF-1.7 test").hexdigest()
        assert store.put(b"%PDF-1.7 test") == digest  # the same bytes, stored once
        assert store.get(digest) == b"%PDF-1.7 test"
        path = store.path(digest)
        path.chmod(0o600)
        path.write_bytes(b"tampered")
        with pytest.raises(DocumentCorrupted):
            store.get(digest)
        with pytest.raises(ValueError):
            store.path("../../etc/passwd")

    def test_a_large_file_is_stored_from_a_file_in_chunks(self, tmp_path):
        import io

        store = LocalDocumentStore(tmp_path / "store")
        data = bytes(range(256)) * 12_000  # 3 MB: three chunks
        digest = store.put_file(io.BytesIO(data))
        assert digest == hashlib.sha256(data).hexdigest()
        assert store.get(digest) == data
        assert store.put_file(io.BytesIO(data)) == digest
        with store.open(digest) as file:
            assert file.read(4) == data[:4]
        with pytest.raises(DocumentMissing):
            store.open("0" * 64)
        files = [path for path in (tmp_path / "store").rglob("*") if path.is_file()]
        assert files == [store.path(digest)]  # no half-written leftovers

    def test_a_file_opened_checked_is_read_through_first(self, tmp_path):
        store = LocalDocumentStore(tmp_path)
        data = bytes(range(256)) * 12_000  # three chunks
        digest = store.put(data)
        with store.open(digest, checked=True) as file:
            assert file.read() == data  # from its start, after the check
        path = store.path(digest)
        path.chmod(0o600)
        path.write_bytes(data[:-1] + b"x")
        with pytest.raises(DocumentCorrupted):
            store.open(digest, checked=True)
        with store.open(digest) as file:  # unchecked, as a download is sent
            assert file.read(4) == data[:4]


class TestLongNames:
    def test_the_longest_names_are_printed_whole_on_one_page(self, db, organizer, tmp_path):
        enterprise = make_enterprise(
            name_zh="四川" + "天府国际进出口贸易" * 21 + "有限公司",  # 200 characters
            name_en=("Sichuan Tianfu International Import and Export Trading " * 4)[:190]
            + " Co., Ltd.",
        )
        application = certifiable_application(enterprise=enterprise)
        certificate = certificates.issue_certificate(application, actor=organizer)
        pdf = certificates.certificate_pdf(certificate)
        text = "".join(pdf_text(pdf, layout=False).split())
        assert "".join(enterprise.name_zh.split()) in text
        assert "".join(enterprise.name_en.split()) in text
        assert pdf_info(pdf, tmp_path)["Pages"] == "1"


@pytest.mark.postgresql
def test_concurrent_issuers_get_consecutive_serials_and_one_certificate_each(app, db):
    """Eight issuers at once, each on its own connection; three of them for the same one."""
    organizer = make_user("organizer")
    event = open_event(moderation="first_come", capacity=20)
    applications = [approved_application(event) for _ in range(6)]
    for application in applications:
        attended(application)
    db.session.commit()
    targets = [application.id for application in applications] + [applications[0].id] * 2
    organizer_id = organizer.id
    start = threading.Barrier(len(targets))
    errors = []

    def issue(application_id: int) -> None:
        from expo.accounts.models import User
        from expo.registrations.models import Application

        with app.app_context():
            try:
                start.wait()
                certificates.issue_certificate(
                    db.session.get(Application, application_id),
                    actor=db.session.get(User, organizer_id),
                )
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=issue, args=(target,)) for target in targets]
    run_at_once(threads)
    assert errors == []
    serials = issued_serials(db)
    assert [number for number, _ in serials] == [1, 2, 3, 4, 5, 6]
    assert sorted(application for _, application in serials) == sorted(a.id for a in applications)


@pytest.mark.postgresql
def test_a_withdrawal_committed_while_issuing_is_not_missed(app, db):
    """The issuer read the application as approved; the enterprise withdrew it on another
    connection before the issuer got the lock: no certificate for a withdrawn application."""
    organizer = make_user("organizer")
    application = attended(approved_application())
    owner_id = make_enterprise_user(application.enterprise).id
    db.session.commit()
    assert application.status == "approved"  # loaded in this transaction
    application_id = application.id

    def withdraw() -> None:
        from expo.accounts.models import User
        from expo.registrations.models import Application

        with app.app_context():
            registration_services.withdraw(
                db.session.get(Application, application_id),
                actor=db.session.get(User, owner_id),
            )
            db.session.commit()

    thread = threading.Thread(target=withdraw)
    thread.start()
    thread.join(timeout=60)
    with pytest.raises(certificates.NotApproved):
        certificates.issue_certificate(application, actor=organizer)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


class TestPrintingOutsideTheTransaction:
    def test_the_first_file_recorded_stays(self, db, organizer):
        certificate = certificates.reserve_certificate(certifiable_application(), actor=organizer)
        db.session.commit()
        first = certificates.print_certificate(certificate)
        second = certificates.Printed(sha256="0" * 64, size=1)  # a slower printer
        certificates.finish_certificate(certificate, first, actor=organizer)
        certificates.finish_certificate(certificate, second, actor=organizer)
        db.session.commit()
        db.session.expire_all()
        assert certificate.sha256 == first.sha256 and certificate.size_bytes == first.size
        assert actions(db).count("certificate.issue") == 1
        assert certificates.certificate_pdf(certificate)[:4] == b"%PDF"

    def test_reserving_takes_the_serial_and_what_the_paper_will_say(self, db, organizer):
        application = certifiable_application()
        certificate = certificates.reserve_certificate(application, actor=organizer)
        assert certificate.is_pending and certificate.serial.endswith("-000001")
        assert certificate.facts["zh"]["enterprise"] == "成都天府茶业有限公司"
        assert certificates.reserve_certificate(application, actor=organizer) is certificate
        assert "certificate.issue" not in actions(db)
