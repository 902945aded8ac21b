"""Documents over HTTP: who gets which file, the verification page, its rate limit."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
import time_machine

from expo.documents import certificates
from expo.documents.models import Certificate
from expo.extensions import db as _db
from tests.documents.conftest import approved_application, certifiable_application, pdf_text
from tests.factories import (
    check_in,
    make_campaign,
    make_enterprise,
    make_enterprise_user,
    make_event,
    make_session,
    make_user,
)
from tests.pages import error_at, h1_count, sign_in


@pytest.fixture()
def issued(db, organizer):
    application = certifiable_application()
    certificate = certificates.issue_certificate(application, actor=organizer)
    db.session.commit()
    return certificate


# --- the schedule -----------------------------------------------------------------------


class TestSchedule:
    def test_public_schedule_in_chinese_by_default(self, client, db):
        event = make_event(title_zh="汉诺威工业博览会", title_en="Hannover Messe")
        make_session(event, title_zh="中德企业对接会", title_en="Sino-German matchmaking")
        db.session.commit()
        response = client.get(f"/events/{event.id}/schedule.pdf")
        assert response.status_code == 200
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Language"] == "zh-CN"
        assert "public" in response.headers["Cache-Control"]
        assert "Accept-Language" in response.headers["Vary"]
        text = pdf_text(response.data)
        assert "汉诺威工业博览会" in text and "中德企业对接会" in text

    def test_english_on_request(self, client, db):
        event = make_event(title_zh="汉诺威工业博览会", title_en="Hannover Messe")
        make_session(event, title_zh="中德企业对接会", title_en="Sino-German matchmaking")
        db.session.commit()
        response = client.get(f"/events/{event.id}/schedule.pdf?lang=en")
        assert response.headers["Content-Language"] == "en"
        text = pdf_text(response.data)
        assert "Hannover Messe" in text and "Sino-German matchmaking" in text

    def test_a_reader_with_the_current_version_gets_304(self, client, db):
        event = make_event()
        db.session.commit()
        first = client.get(f"/events/{event.id}/schedule.pdf")
        etag = first.headers["ETag"]
        again = client.get(f"/events/{event.id}/schedule.pdf", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
        make_session(event, title_zh="新增环节")
        db.session.commit()
        changed = client.get(f"/events/{event.id}/schedule.pdf", headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["ETag"] != etag

    def test_drafts_only_for_organizers(self, app, client, db):
        draft = make_event(status="draft")
        hidden_campaign = make_event(campaign=make_campaign(status="draft"))
        organizer = make_user("organizer")
        _db.session.commit()
        for event in (draft, hidden_campaign):
            assert client.get(f"/events/{event.id}/schedule.pdf").status_code == 404
        enterprise_browser = sign_in(app, make_enterprise_user())
        assert enterprise_browser.get(f"/events/{draft.id}/schedule.pdf").status_code == 404
        response = sign_in(app, organizer).get(f"/events/{draft.id}/schedule.pdf")
        assert response.status_code == 200
        assert "private" in response.headers["Cache-Control"]
        assert client.get("/events/999999/schedule.pdf").status_code == 404


# --- verification -----------------------------------------------------------------------


class TestVerify:
    def test_valid_then_revoked_with_the_reason(self, app, client, db, organizer, issued):
        page = client.get(f"/verify/{issued.verification_code}")
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
        html = page.get_data(as_text=True)
        assert "有效" in html and "Valid" in html
        assert "已撤销" not in html and "Revoked" not in html
        assert "成都天府茶业有限公司" in html and "Chengdu Tianfu Tea Co., Ltd." in html
        assert "布达佩斯国际博览会" in html and "Budapest International Fair" in html
        assert issued.serial in html

        browser = sign_in(app, organizer)
        response = browser.post(
            f"/manage/certificates/{issued.id}/revoke", data={"reason": "企业信息有误 wrong data"}
        )
        assert response.status_code == 302
        html = client.get(f"/verify/{issued.verification_code}").get_data(as_text=True)
        assert "已撤销" in html and "Revoked" in html
        assert "企业信息有误 wrong data" in html
        assert "有效</strong>" not in html

    def test_printed_dates_in_the_products_own_words(self, client, db, organizer):
        # Issued on 15 May 2027 for a fair from 10 to 13 May; revoked on 2 June.
        with time_machine.travel(datetime(2027, 3, 1, 2, 0, tzinfo=UTC), tick=True):
            application = approved_application(starts_at=datetime(2027, 5, 10, 7, 0, tzinfo=UTC))
        check_in(application)
        with time_machine.travel(datetime(2027, 5, 15, 2, 0, tzinfo=UTC), tick=True):
            certificate = certificates.issue_certificate(application, actor=organizer)
            db.session.commit()
        html = client.get(f"/verify/{certificate.verification_code}").get_data(as_text=True)
        assert "2027年5月10日至13日，匈牙利布达佩斯" in html
        assert "May 10–13, 2027, Budapest, Hungary" in html
        assert '2027年5月15日</span> · <span lang="en">May 15, 2027' in html
        with time_machine.travel(datetime(2027, 6, 2, 2, 0, tzinfo=UTC), tick=True):
            certificates.revoke_certificate(certificate, reason="重复 duplicate", actor=organizer)
            db.session.commit()
        html = client.get(f"/verify/{certificate.verification_code}").get_data(as_text=True)
        assert "本证书已于2027年6月2日撤销" in html
        assert "This certificate was revoked on June 2, 2027" in html

    def test_shows_what_the_paper_says_after_a_renaming(self, client, db, issued):
        enterprise = issued.application.enterprise
        enterprise.name_zh, enterprise.name_en = "成都新名称有限公司", "Chengdu New Name Ltd."
        db.session.commit()
        html = client.get(f"/verify/{issued.verification_code}").get_data(as_text=True)
        assert "成都天府茶业有限公司" in html and "Chengdu Tianfu Tea Co., Ltd." in html
        assert "成都新名称有限公司" not in html

    def test_both_languages_whatever_the_interface_language(self, client, db, issued):
        html = client.get(f"/verify/{issued.verification_code}?lang=en").get_data(as_text=True)
        assert "证书验证" in html and "Certificate verification" in html
        assert "有效" in html and "Valid" in html

    def test_reissued_points_to_the_replacement(self, client, db, organizer, issued):
        replacement = certificates.reissue_certificate(issued, actor=organizer)
        db.session.commit()
        html = client.get(f"/verify/{issued.verification_code}").get_data(as_text=True)
        assert "已撤销" in html and replacement.serial in html
        html = client.get(f"/verify/{replacement.verification_code}").get_data(as_text=True)
        assert "有效" in html

    def test_unknown_code(self, client, db):
        response = client.get("/verify/not-a-real-code-123456")
        assert response.status_code == 404
        html = response.get_data(as_text=True)
        assert "未找到证书" in html and "No certificate has this code" in html

    def test_rate_limited_per_client_in_the_database(self, app, client, db, monkeypatch):
        monkeypatch.setitem(app.config, "RATE_LIMITS_ENABLED", True)
        monkeypatch.setitem(app.config, "REDIS_URL", None)
        # A window starts at the first request, so no clock needs to stand still.
        here = {"REMOTE_ADDR": "203.0.113.7"}
        statuses = [
            client.get("/verify/unknown-code-0000000000", environ_base=here).status_code
            for _ in range(30)
        ]
        assert statuses == [404] * 30
        refused = client.get("/verify/unknown-code-0000000000?lang=en", environ_base=here)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "Too many requests" in refused.get_data(as_text=True)
        chinese = client.get("/verify/unknown-code-0000000000?lang=zh", environ_base=here)
        assert chinese.status_code == 429
        # Another client is not held back by this one.
        other = client.get(
            "/verify/unknown-code-0000000000", environ_base={"REMOTE_ADDR": "198.51.100.2"}
        )
        assert other.status_code == 404


class TestRedisRateLimit:
    """Runs where a Redis answers (CI starts one); ``EXPO_TEST_REDIS_URL`` names another."""

    @pytest.fixture()
    def redis_url(self):
        redis = pytest.importorskip("redis")
        url = os.environ.get("EXPO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
        try:
            redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            pytest.skip(f"no Redis at {url}")
        return url

    def test_counts_in_redis(self, app, client, db, monkeypatch, redis_url):
        import redis

        from expo.ratelimit import RateLimitCounter

        monkeypatch.setitem(app.config, "RATE_LIMITS_ENABLED", True)
        monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
        monkeypatch.setitem(app.config, "RATE_LIMIT_VERIFY_PER_ADDRESS", "3 per minute")
        address = f"2001:db8::{uuid.uuid4().hex[:4]}"
        here = {"REMOTE_ADDR": address}
        statuses = [
            client.get("/verify/unknown-code-0000000000", environ_base=here).status_code
            for _ in range(4)
        ]
        assert statuses == [404, 404, 404, 429]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RateLimitCounter)) == 0
        assert redis.Redis.from_url(redis_url).keys(f"expo:ratelimit:*{address}*")

    def test_an_unreachable_redis_lets_readers_through(self, app, client, db, monkeypatch):
        monkeypatch.setitem(app.config, "RATE_LIMITS_ENABLED", True)
        monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
        monkeypatch.setitem(app.config, "RATE_LIMIT_VERIFY_PER_ADDRESS", "1 per minute")
        for _ in range(3):
            assert client.get("/verify/unknown-code-0000000000").status_code == 404


# --- downloading certificates ---------------------------------------------------------------


class TestDownload:
    def test_the_enterprise_downloads_the_stored_bytes(self, app, db, issued):
        owner = make_enterprise_user(issued.application.enterprise)
        browser = sign_in(app, owner)
        first = browser.get(f"/certificates/{issued.id}.pdf")
        assert first.status_code == 200 and first.mimetype == "application/pdf"
        assert f'filename="{issued.serial}.pdf"' in first.headers["Content-Disposition"]
        assert hashlib.sha256(first.data).hexdigest() == issued.sha256
        second = browser.get(f"/certificates/{issued.id}.pdf")
        assert second.data == first.data
        again = browser.get(
            f"/certificates/{issued.id}.pdf", headers={"If-None-Match": f'"{issued.sha256}"'}
        )
        assert again.status_code == 304

    def test_served_from_storage_not_rendered_again(self, app, db, issued, monkeypatch):
        from expo.documents import render

        def no_rendering(*args, **kwargs):
            raise AssertionError("a stored certificate was rendered again")

        monkeypatch.setattr(render, "write_pdf", no_rendering)
        monkeypatch.setattr(certificates, "render_pdf", no_rendering)
        browser = sign_in(app, make_enterprise_user(issued.application.enterprise))
        response = browser.get(f"/certificates/{issued.id}.pdf")
        assert hashlib.sha256(response.data).hexdigest() == issued.sha256

    def test_other_enterprises_get_404(self, app, db, issued):
        stranger = make_enterprise_user(make_enterprise())
        assert sign_in(app, stranger).get(f"/certificates/{issued.id}.pdf").status_code == 404
        assert sign_in(app, stranger).get("/certificates/999999.pdf").status_code == 404

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, db, issued):
        response = client.get(f"/certificates/{issued.id}.pdf")
        assert response.status_code == 302
        assert "/account/login" in response.headers["Location"]

    def test_organizers_download_any_certificate(self, app, db, issued):
        browser = sign_in(app, make_user("organizer"))
        assert browser.get(f"/certificates/{issued.id}.pdf").status_code == 200

    def test_a_revoked_certificate_is_no_longer_the_enterprises(self, app, db, organizer, issued):
        certificates.revoke_certificate(issued, reason="作废", actor=organizer)
        owner = make_enterprise_user(issued.application.enterprise)
        assert sign_in(app, owner).get(f"/certificates/{issued.id}.pdf").status_code == 404
        admin = make_user("admin")
        assert sign_in(app, admin).get(f"/certificates/{issued.id}.pdf").status_code == 200


# --- organizers' buttons and the pages that show them ---------------------------------------------


class TestOrganizerActions:
    def detail_url(self, application) -> str:
        return f"/manage/events/{application.event_id}/applications/{application.id}"

    def test_issue_from_the_review_page(self, app, db, organizer):
        application = certifiable_application()
        browser = sign_in(app, organizer)
        page = browser.get(self.detail_url(application) + "?lang=en").get_data(as_text=True)
        assert "Issue the certificate" in page
        response = browser.post(self.detail_url(application) + "/certificate")
        assert response.status_code == 302
        assert response.headers["Location"].endswith("#certificate")
        certificate = db.session.scalar(sa.select(Certificate))
        assert certificate.application_id == application.id
        page = browser.get(self.detail_url(application) + "?lang=en").get_data(as_text=True)
        assert certificate.serial in page and "Revoke the certificate" in page
        assert f"Certificate {certificate.serial} issued." in page
        # A second click returns the same certificate.
        browser.post(self.detail_url(application) + "/certificate")
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1

    def test_not_before_approval(self, app, db, organizer):
        from expo.registrations import services

        application = certifiable_application()
        services.review(application, "cancelled", actor=organizer, reason="取消")
        browser = sign_in(app, organizer)
        page = browser.get(self.detail_url(application) + "?lang=en").get_data(as_text=True)
        assert "once the application is approved" in page
        response = browser.post(
            self.detail_url(application) + "/certificate?lang=en", follow_redirects=True
        )
        assert "Only an approved application receives a certificate." in response.get_data(
            as_text=True
        )
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0

    def test_not_for_an_unverified_enterprise(self, app, db, organizer):
        application = certifiable_application(
            enterprise=make_enterprise(name_zh="成都未核实有限公司", verified=False)
        )
        browser = sign_in(app, organizer)
        response = browser.post(
            self.detail_url(application) + "/certificate?lang=en", follow_redirects=True
        )
        assert "成都未核实有限公司 is not verified" in response.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0

    def test_revoke_needs_a_reason(self, app, db, organizer, issued):
        browser = sign_in(app, organizer)
        response = browser.post(
            f"/manage/certificates/{issued.id}/revoke?lang=en",
            data={"reason": ""},
            follow_redirects=True,
        )
        assert "Give a reason" in response.get_data(as_text=True)
        _db.session.expire_all()
        assert _db.session.get(Certificate, issued.id).is_valid

    def test_reissue(self, app, db, organizer, issued):
        browser = sign_in(app, organizer)
        response = browser.post(
            f"/manage/certificates/{issued.id}/reissue", data={"reason": "企业更名"}
        )
        assert response.status_code == 302
        _db.session.expire_all()
        rows = _db.session.scalars(sa.select(Certificate).order_by(Certificate.id)).all()
        assert [row.is_valid for row in rows] == [False, True]
        assert rows[0].replaced_by_id == rows[1].id
        page = browser.get(self.detail_url(rows[0].application) + "?lang=en")
        html = page.get_data(as_text=True)
        assert "Revoked certificates" in html and rows[0].serial in html

    def test_enterprise_users_cannot_issue_or_revoke(self, app, db, issued):
        owner = make_enterprise_user(issued.application.enterprise)
        browser = sign_in(app, owner)
        application = issued.application
        assert browser.post(self.detail_url(application) + "/certificate").status_code == 403
        response = browser.post(f"/manage/certificates/{issued.id}/revoke", data={"reason": "x"})
        assert response.status_code == 403
        assert browser.post(f"/manage/certificates/{issued.id}/reissue").status_code == 403

    def test_the_enterprise_sees_its_certificate_on_its_application(self, app, db, issued):
        owner = make_enterprise_user(issued.application.enterprise)
        browser = sign_in(app, owner)
        html = browser.get(f"/applications/{issued.application_id}?lang=en").get_data(as_text=True)
        assert issued.serial in html and f"/certificates/{issued.id}.pdf" in html


class TestReservedNotPrinted:
    """A worker reserved the serial but has not printed it yet (or stopped halfway)."""

    @pytest.fixture()
    def reserved(self, db, organizer):
        certificate = certificates.reserve_certificate(certifiable_application(), actor=organizer)
        db.session.commit()
        assert certificate.is_pending
        return certificate

    def test_nobody_downloads_a_file_that_does_not_exist(self, app, db, reserved):
        owner = make_enterprise_user(reserved.application.enterprise)
        assert sign_in(app, owner).get(f"/certificates/{reserved.id}.pdf").status_code == 404
        organizer = make_user("organizer")
        assert sign_in(app, organizer).get(f"/certificates/{reserved.id}.pdf").status_code == 404
        page = sign_in(app, owner).get(f"/applications/{reserved.application_id}?lang=en")
        assert f"/certificates/{reserved.id}.pdf" not in page.get_data(as_text=True)

    def test_issuing_prints_it_under_its_reserved_serial(self, app, db, reserved):
        application = reserved.application
        browser = sign_in(app, make_user("organizer"))
        url = f"/manage/events/{application.event_id}/applications/{application.id}"
        assert "Issue the certificate" in browser.get(url + "?lang=en").get_data(as_text=True)
        assert browser.post(url + "/certificate").status_code == 302
        db.session.expire_all()
        certificate = db.session.scalars(sa.select(Certificate)).one()
        assert certificate.id == reserved.id and certificate.serial == reserved.serial
        assert not certificate.is_pending
        assert browser.get(f"/certificates/{certificate.id}.pdf").status_code == 200


class TestAttendanceWaiver:
    def detail_url(self, application) -> str:
        return f"/manage/events/{application.event_id}/applications/{application.id}"

    def test_the_page_says_why_and_the_waiver_opens_the_issue(self, app, db, organizer):
        from expo.documents.models import AttendanceWaiver
        from tests.factories import held

        application = approved_application()
        held(application.event)
        db.session.commit()
        browser = sign_in(app, organizer)
        page = browser.get(self.detail_url(application) + "?lang=en").get_data(as_text=True)
        assert "None of this application&#39;s delegates has been checked in" in page
        assert "Issue the certificate" not in page
        # No reason: refused at the form, nothing saved.
        refused = browser.post(
            self.detail_url(application) + "/attendance-waiver?lang=en",
            data={"reason": " "},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert "Give a reason: it is kept in the audit log." in refused
        assert db.session.scalar(sa.select(sa.func.count(AttendanceWaiver.id))) == 0
        response = browser.post(
            self.detail_url(application) + "/attendance-waiver",
            data={"reason": "纸质签到 paper list"},
        )
        assert response.status_code == 302
        page = browser.get(self.detail_url(application) + "?lang=en").get_data(as_text=True)
        assert "Issue the certificate" in page and "纸质签到 paper list" in page
        browser.post(self.detail_url(application) + "/certificate")
        assert db.session.scalar(sa.select(Certificate)).application_id == application.id


class TestVerifyBySerial:
    """``/verify``: a serial number and a credit code typed from the paper."""

    def ask(self, client, serial, credit_code, lang="en", **environ):
        return client.get(
            "/verify",
            query_string={"serial": serial, "credit_code": credit_code, "lang": lang},
            environ_base=environ or {},
        )

    def test_the_form_in_both_languages(self, client, db):
        english = client.get("/verify?lang=en")
        assert english.status_code == 200 and h1_count(english) == 1
        html = english.get_data(as_text=True)
        assert "Check a certificate" in html and 'method="get"' in html
        assert '<label class="form-label" for="serial">Serial number' in html
        assert 'for="credit_code">Unified social credit code' in html
        chinese = client.get("/verify?lang=zh").get_data(as_text=True)
        assert "查验证书" in chinese and "证书编号" in chinese and "统一社会信用代码" in chinese

    def test_a_matching_pair_answers_valid(self, client, db, issued):
        code = issued.application.enterprise.credit_code
        response = self.ask(client, issued.serial, code)
        assert response.status_code == 200 and h1_count(response) == 1
        html = response.get_data(as_text=True)
        assert "有效" in html and "Valid" in html and issued.serial in html
        assert "Chengdu Tianfu Tea Co., Ltd." in html
        assert response.headers["Cache-Control"] == "no-store"
        # As typed from paper: lower case, no hyphens, full-width characters, spaces.
        typed = issued.serial.lower().replace("-", "")
        wide = " ".join(chr(ord(c) + 0xFEE0) for c in code)
        assert self.ask(client, typed, wide).status_code == 200

    def test_a_wrong_pair_answers_like_an_unknown_serial(self, client, db, issued):
        other = make_enterprise().credit_code
        wrong = self.ask(client, issued.serial, other)
        unknown = self.ask(client, "SGG-2031-999999", issued.application.enterprise.credit_code)
        assert wrong.status_code == unknown.status_code == 404
        for response in (wrong, unknown):
            html = response.get_data(as_text=True)
            assert "No certificate matches this serial number and credit code." in html
            assert "Chengdu" not in html and "成都" not in html and "Valid" not in html

        def status_block(response):
            return re.search(
                r'class="alert[^"]*verification-status".*?</div>', response.text, re.S
            )[0]

        assert status_block(wrong) == status_block(unknown)

    def test_revoked_with_its_reason(self, client, db, organizer, issued):
        certificates.revoke_certificate(issued, reason="信息有误 wrong data", actor=organizer)
        db.session.commit()
        html = self.ask(client, issued.serial, issued.application.enterprise.credit_code).text
        assert "已撤销" in html and "Revoked" in html and "信息有误 wrong data" in html

    def test_bad_input_is_said_at_each_field_in_the_readers_language(self, client, db):
        response = self.ask(client, "SGG-27-123", "91510100MA6C", lang="en")
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "three letters, the year and six digits" in error_at(html, "serial")
        assert "18 characters" in error_at(html, "credit_code")
        assert 'value="SGG-27-123"' in html  # what was typed stays
        chinese = self.ask(client, "", "", lang="zh").get_data(as_text=True)
        assert "请输入证书上印制的证书编号" in error_at(chinese, "serial")
        assert "统一社会信用代码" in error_at(chinese, "credit_code")

    def test_rate_limited_like_the_code_links(self, app, client, db, monkeypatch, issued):
        monkeypatch.setitem(app.config, "RATE_LIMITS_ENABLED", True)
        monkeypatch.setitem(app.config, "REDIS_URL", None)
        monkeypatch.setitem(app.config, "RATE_LIMIT_VERIFY_PER_ADDRESS", "3 per minute")
        here = {"REMOTE_ADDR": "203.0.113.9"}
        code = issued.application.enterprise.credit_code
        # The empty form is no question and costs nothing.
        for _ in range(5):
            assert client.get("/verify", environ_base=here).status_code == 200
        # Serials of a year no certificate here has, whatever today is.
        statuses = [
            self.ask(client, f"SGG-1999-00000{n}", code, **here).status_code for n in range(3)
        ]
        assert statuses == [404, 404, 404]
        refused = self.ask(client, issued.serial, code, **here)
        assert refused.status_code == 429 and "Retry-After" in refused.headers
        assert self.ask(client, issued.serial, code, REMOTE_ADDR="198.51.100.9").status_code == 200

    def test_the_code_page_leads_to_the_form(self, client, db, issued):
        html = client.get(f"/verify/{issued.verification_code}").get_data(as_text=True)
        assert 'href="/verify"' in html


def test_the_certificates_qr_verifies_and_the_badges_checks_in(app, db, organizer):
    """Two QR codes on two papers of one delegate, never to be mixed up."""
    from expo.documents import badges
    from tests.documents.conftest import qr_codes

    application = certifiable_application()
    certificate = certificates.issue_certificate(application, actor=organizer)
    delegate = application.delegates[0]
    base = app.config["BASE_URL"]
    [on_certificate] = qr_codes(certificates.certificate_pdf(certificate))
    [on_badge] = qr_codes(badges.render_badge_sheet(application.event, [delegate]))
    assert on_certificate == f"{base}/verify/{certificate.verification_code}"
    token = badges.check_in_token(delegate)
    assert on_badge == f"{base}/manage/events/{application.event_id}/check-in/{token}"
    assert on_certificate != on_badge and "/check-in/" not in on_certificate
