"""A certificate says what happened: issued once the event has begun and someone came,
revoked with its application."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from expo.attendance.models import CheckIn
from expo.audit.models import AuditEntry
from expo.db import utcnow
from expo.documents import certificates
from expo.documents.models import AttendanceWaiver, Certificate
from expo.errors import InvalidInput
from expo.registrations import services as registration_services
from tests.documents.conftest import approved_application, certifiable_application
from tests.factories import check_in, held, make_enterprise_user, make_user


def certificate_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(Certificate.id)))


def audit(db, action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


class TestWhatHappened:
    def test_refused_before_the_event_starts(self, db, organizer):
        application = approved_application()
        check_in(application)
        with pytest.raises(certificates.EventNotStarted):
            certificates.issue_certificate(application, actor=organizer)
        assert certificate_count(db) == 0

    def test_refused_a_minute_before_and_issued_at_the_start(self, db, organizer):
        application = check_in(approved_application()).application
        start = application.event.starts_at
        with pytest.raises(certificates.EventNotStarted):
            certificates.issue_certificate(
                application, actor=organizer, now=start - timedelta(minutes=1)
            )
        certificate = certificates.issue_certificate(application, actor=organizer, now=start)
        assert certificate.is_valid and certificate.facts["en"]["tense"] == "ongoing"

    def test_refused_without_a_check_in(self, db, organizer):
        application = approved_application()
        held(application.event)
        with pytest.raises(certificates.NotCheckedIn):
            certificates.issue_certificate(application, actor=organizer)
        assert certificate_count(db) == 0
        assert "均未签到" in str(certificates.certificate_refusal(application))

    def test_an_undone_check_in_does_not_count(self, db, organizer):
        application = approved_application()
        held(application.event)
        check_in(application).undone_at = utcnow()
        db.session.flush()
        with pytest.raises(certificates.NotCheckedIn):
            certificates.issue_certificate(application, actor=organizer)

    def test_allowed_with_an_organizers_waiver_kept_with_its_reason(self, db, organizer):
        application = approved_application()
        held(application.event)
        certificates.waive_attendance(
            application, reason="签到表为纸质 checked in on paper", actor=organizer
        )
        db.session.commit()
        certificate = certificates.issue_certificate(application, actor=organizer)
        assert certificate.is_valid
        assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 0
        waiver = db.session.scalar(sa.select(AttendanceWaiver))
        assert waiver.application_id == application.id and waiver.granted_by_id == organizer.id
        assert waiver.reason == "签到表为纸质 checked in on paper"
        [entry] = audit(db, "application.attendance_waived")
        assert entry.subject_id == application.id
        assert entry.details["reason"] == "签到表为纸质 checked in on paper"

    def test_a_waiver_needs_a_reason(self, db, organizer):
        application = approved_application()
        with pytest.raises(InvalidInput) as refused:
            certificates.waive_attendance(application, reason="  ", actor=organizer)
        assert "reason" in refused.value.errors
        assert db.session.scalar(sa.select(sa.func.count(AttendanceWaiver.id))) == 0

    def test_a_waiver_does_not_open_an_event_not_begun(self, db, organizer):
        application = approved_application()
        certificates.waive_attendance(application, reason="paper list", actor=organizer)
        with pytest.raises(certificates.EventNotStarted):
            certificates.issue_certificate(application, actor=organizer)


class TestRevokedWithTheApplication:
    def test_withdrawn_by_the_enterprise(self, db, organizer, smtp_server):
        application = certifiable_application()
        enterprise_user = application.enterprise.users[0]
        enterprise_user.locale = "en"
        chinese_organizer = make_user("organizer", email="zh-organizer@example.com", locale="zh")
        certificate = certificates.issue_certificate(application, actor=organizer)
        db.session.commit()
        smtp_server.messages.clear()

        registration_services.withdraw(application, actor=enterprise_user, reason="plans changed")
        assert smtp_server.messages == []  # nothing leaves before the commit
        db.session.commit()

        assert not certificate.is_valid and certificate.revoked_by_id == enterprise_user.id
        assert "The enterprise withdrew its application." in certificate.revocation_reason
        assert "企业已撤回参展申请" in certificate.revocation_reason
        [entry] = audit(db, "certificate.revoke")
        assert entry.details["application_status"] == "withdrawn"
        assert entry.details["stated_reason"] == "plans changed"
        revoked = {
            message["To"]: message
            for message in smtp_server.messages
            if certificate.serial in message.get_content()
        }
        assert set(revoked) >= {enterprise_user.email, organizer.email, chinese_organizer.email}
        assert revoked[enterprise_user.email]["Subject"].startswith(
            f"Certificate revoked: {certificate.serial}"
        )
        assert "withdrew its application" in revoked[enterprise_user.email].get_content()
        assert revoked[chinese_organizer.email]["Subject"].startswith(
            f"证书已撤销：{certificate.serial}"
        )
        assert f"/verify/{certificate.verification_code}" in revoked[organizer.email].get_content()

    def test_cancelled_by_an_organizer(self, db, organizer, smtp_server):
        application = certifiable_application()
        certificate = certificates.issue_certificate(application, actor=organizer)
        db.session.commit()
        registration_services.review(
            application, "cancelled", actor=organizer, reason="资料不实 false data"
        )
        db.session.commit()
        assert certificate.revoked_by_id == organizer.id
        assert "The organizers cancelled the application." in certificate.revocation_reason
        # The organizer's own words go to the enterprise and the audit log, not the public page.
        assert "false data" not in certificate.revocation_reason
        [entry] = audit(db, "certificate.revoke")
        assert entry.details["stated_reason"] == "资料不实 false data"

    def test_nothing_revoked_when_the_closing_is_rolled_back(self, db, organizer, smtp_server):
        application = certifiable_application()
        certificate = certificates.issue_certificate(application, actor=organizer)
        db.session.commit()
        smtp_server.messages.clear()
        registration_services.review(application, "cancelled", actor=organizer, reason="x")
        db.session.rollback()
        db.session.refresh(certificate)
        assert certificate.is_valid and smtp_server.messages == []

    def test_an_application_without_certificate_sends_no_revocation(
        self, db, organizer, smtp_server
    ):
        application = approved_application()
        user = make_enterprise_user(application.enterprise, locale="en")
        registration_services.withdraw(application, actor=user)
        db.session.commit()
        subjects = [message["Subject"] for message in smtp_server.messages]
        assert not any("revoked" in subject or "撤销" in subject for subject in subjects)

    def test_counted_before_closing(self, db, organizer):
        application = certifiable_application()
        other = approved_application()
        assert certificates.valid_certificate_count([application, other]) == 0
        certificates.issue_certificate(application, actor=organizer)
        assert certificates.valid_certificate_count([application, other]) == 1


class TestRevokedWhenTheCheckInIsUndone:
    def standing_check_in(self, db, application) -> CheckIn:
        return db.session.scalar(
            sa.select(CheckIn).where(
                CheckIn.delegate_id.in_([d.id for d in application.delegates]),
                CheckIn.undone_at.is_(None),
            )
        )

    def test_the_only_check_in_undone_revokes_and_tells_the_enterprise(
        self, db, organizer, smtp_server
    ):
        from expo.attendance import services as attendance

        application = certifiable_application()
        enterprise_user = application.enterprise.users[0]
        enterprise_user.locale = "en"
        certificate = certificates.issue_certificate(application, actor=organizer)
        db.session.commit()
        smtp_server.messages.clear()

        attendance.undo_check_in(
            self.standing_check_in(db, application), actor=organizer, reason="wrong badge scanned"
        )
        db.session.commit()

        assert not certificate.is_valid and certificate.revoked_by_id == organizer.id
        assert "The check-in was undone" in certificate.revocation_reason
        assert "签到记录已撤销" in certificate.revocation_reason
        [entry] = audit(db, "certificate.revoke")
        assert entry.details["stated_reason"] == "wrong badge scanned"
        told = [m for m in smtp_server.messages if m["To"] == enterprise_user.email]
        assert told and told[0]["Subject"].startswith(f"Certificate revoked: {certificate.serial}")
        assert "check-in of" in told[0].get_content() and "was undone" in told[0].get_content()

    def test_kept_while_another_delegate_stays_checked_in(self, db, organizer):
        from expo.attendance import services as attendance
        from expo.registrations.models import Delegate

        application = certifiable_application()
        second = Delegate(application=application, name_zh="王芳", name_latin="WANG Fang")
        db.session.add(second)
        db.session.flush()
        check_in(application, delegate=second)
        certificate = certificates.issue_certificate(application, actor=organizer)
        db.session.commit()
        first = db.session.scalar(
            sa.select(CheckIn).where(CheckIn.delegate_id != second.id, CheckIn.undone_at.is_(None))
        )
        attendance.undo_check_in(first, actor=organizer, reason="scanned twice")
        db.session.commit()
        assert certificate.is_valid and audit(db, "certificate.revoke") == []

    def test_kept_when_an_organizer_waived_attendance(self, db, organizer):
        from expo.attendance import services as attendance

        application = certifiable_application()
        certificates.waive_attendance(application, reason="paper list", actor=organizer)
        certificate = certificates.issue_certificate(application, actor=organizer)
        db.session.commit()
        attendance.undo_check_in(
            self.standing_check_in(db, application), actor=organizer, reason="wrong badge"
        )
        db.session.commit()
        assert certificate.is_valid
