"""Closing applications is said before it is done: a page (GET) that tells what will happen,
and its button (POST) that does it, with no JavaScript involved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from expo.documents import certificates
from expo.documents.models import Certificate
from expo.registrations import services
from tests.documents.conftest import approved_application
from tests.factories import (
    attended,
    make_application,
    make_enterprise,
    make_enterprise_user,
    open_event,
)
from tests.pages import error_at, sign_in


@pytest.fixture()
def full_event_with_certificate(db, organizer):
    """A first-come event of one booth: one enterprise holds it with a certificate, another
    waits for it."""
    event = open_event(moderation="first_come", capacity=1)
    holder = approved_application(event, make_enterprise(name_zh="持证企业", name_en="Holder Co."))
    waiting = make_application(
        event,
        make_enterprise(name_zh="候补企业", name_en="Waiting Co."),
        status="waitlisted",
        waitlisted_at=holder.created_at,
    )
    certificate = certificates.issue_certificate(attended(holder), actor=organizer)
    db.session.commit()
    return event, holder, waiting, certificate


class TestWithdrawing:
    def test_the_page_says_what_will_happen_and_its_button_does_it(
        self, app, client, db, full_event_with_certificate
    ):
        event, holder, waiting, certificate = full_event_with_certificate
        owner = make_enterprise_user(holder.enterprise)
        db.session.commit()
        browser = sign_in(app, owner)
        page = browser.get(f"/applications/{holder.id}?lang=en").get_data(as_text=True)
        assert f'href="/applications/{holder.id}/withdraw"' in page

        response = browser.get(f"/applications/{holder.id}/withdraw?lang=en")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert html.count("<h1") == 1 and "Withdraw your application?" in html
        assert "1 booth is given up." in html
        assert "1 application moves up from the waiting list and is approved." in html
        assert "1 certificate is revoked" in html
        assert "Waiting Co." not in html and "候补企业" not in html  # not another's name
        assert f'<form method="post" action="/applications/{holder.id}/withdraw"' in html
        db.session.expire_all()
        assert holder.status == "approved" and certificate.is_valid  # a GET changes nothing

        response = browser.post(f"/applications/{holder.id}/withdraw", data={"reason": "改期"})
        assert response.status_code == 302
        db.session.expire_all()
        assert (holder.status, waiting.status) == ("withdrawn", "approved")
        assert not certificate.is_valid

        verify = client.get(f"/verify/{certificate.verification_code}").get_data(as_text=True)
        assert "已撤销" in verify and "Revoked" in verify
        assert (
            "企业已撤回参展申请" in verify and "The enterprise withdrew its application." in verify
        )

    def test_in_chinese(self, app, db, full_event_with_certificate):
        _event, holder, _waiting, _certificate = full_event_with_certificate
        owner = make_enterprise_user(holder.enterprise)
        db.session.commit()
        html = (
            sign_in(app, owner)
            .get(f"/applications/{holder.id}/withdraw?lang=zh")
            .get_data(as_text=True)
        )
        assert "撤回参展申请？" in html and "将撤销1份证书" in html

    def test_a_closed_application_has_no_withdraw_page(self, app, db):
        application = approved_application()
        owner = make_enterprise_user(application.enterprise)
        services.withdraw(application, actor=owner)
        db.session.commit()
        response = sign_in(app, owner).get(f"/applications/{application.id}/withdraw")
        assert response.status_code == 302


class TestCancelling:
    def url(self, application) -> str:
        return f"/manage/events/{application.event_id}/applications/{application.id}/cancel"

    def test_the_decision_button_leads_to_the_page(
        self, app, db, organizer, full_event_with_certificate
    ):
        _event, holder, _waiting, certificate = full_event_with_certificate
        browser = sign_in(app, organizer)
        response = browser.post(
            f"/manage/events/{holder.event_id}/applications/{holder.id}/review?lang=en",
            data={"to": "cancelled", "reason": "资料不实"},
        )
        # The page answers the POST: the reason is never put in an address.
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert f'action="{self.url(holder)}"' in html
        assert "Cancel the application of Holder Co.?" in html
        assert "Waiting Co." in html  # organizers see who moves up
        assert "1 certificate is revoked" in html and "资料不实</textarea>" in html
        db.session.expire_all()
        assert holder.status == "approved" and certificate.is_valid

    def test_without_a_reason_it_is_asked_at_the_field(
        self, app, db, organizer, full_event_with_certificate
    ):
        _event, holder, _waiting, certificate = full_event_with_certificate
        browser = sign_in(app, organizer)
        response = browser.post(self.url(holder) + "?lang=en", data={"reason": ""})
        assert response.status_code == 422
        assert "Give a reason" in error_at(response.get_data(as_text=True), "reason")
        db.session.expire_all()
        assert holder.status == "approved" and certificate.is_valid

    def test_cancelled_with_its_certificate(self, app, db, organizer, full_event_with_certificate):
        _event, holder, waiting, certificate = full_event_with_certificate
        browser = sign_in(app, organizer)
        response = browser.post(self.url(holder), data={"reason": "资料不实"})
        assert response.status_code == 302
        db.session.expire_all()
        assert (holder.status, waiting.status) == ("cancelled", "approved")
        assert "The organizers cancelled the application." in certificate.revocation_reason


class TestBulk:
    def base(self, event) -> str:
        return f"/manage/events/{event.id}/applications"

    def test_cancelling_many_is_confirmed_on_its_own_page(
        self, app, db, organizer, full_event_with_certificate
    ):
        event, holder, waiting, certificate = full_event_with_certificate
        browser = sign_in(app, organizer)
        response = browser.post(
            f"{self.base(event)}/bulk?lang=en",
            data={"application_ids": [str(holder.id)], "action": "cancel", "reason": "停办"},
        )
        assert response.status_code == 200  # the confirmation answers the POST itself
        db.session.expire_all()
        assert holder.status == "approved"

        html = response.get_data(as_text=True)
        assert "Cancel 1 application?" in html and "Holder Co." in html
        assert "Waiting Co." in html and "1 certificate is revoked" in html
        assert 'name="confirmed"' in html and 'name="application_ids"' in html

        done = browser.post(
            f"{self.base(event)}/bulk?lang=en",
            data={
                "application_ids": [str(holder.id)],
                "action": "cancel",
                "reason": "停办",
                "confirmed": "1",
            },
        )
        assert done.status_code == 200 and "1 of 1 application" in done.get_data(as_text=True)
        db.session.expire_all()
        assert (holder.status, waiting.status) == ("cancelled", "approved")
        assert not certificate.is_valid

    def test_hundreds_ticked_with_a_long_reason_are_confirmed(self, app, db, organizer):
        event = open_event()
        pending = [make_application(event, status="pending") for _ in range(600)]
        db.session.commit()
        reason = "展位图调整，本次暂不安排。" * 40  # 480 characters, 4 KB in an address
        response = sign_in(app, organizer).post(
            f"{self.base(event)}/bulk?lang=en",
            data={
                "application_ids": [str(a.id) for a in pending],
                "action": "reject",
                "reason": reason,
            },
        )
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Reject 600 applications?" in html
        assert html.count('name="application_ids"') == 600 and reason in html
        db.session.expire_all()
        assert {a.status for a in pending} == {"pending"}

    def test_rejecting_many_lists_who_is_left_as_they_are(self, app, db, organizer):
        event = open_event()
        pending = make_application(event, make_enterprise(name_en="Pending Co."), status="pending")
        approved = make_application(event, make_enterprise(name_en="Approved Co."))
        db.session.commit()
        browser = sign_in(app, organizer)
        url = (
            f"{self.base(event)}/bulk/confirm?lang=en&action=reject&reason=x"
            f"&application_ids={pending.id}&application_ids={approved.id}"
        )
        html = browser.get(url).get_data(as_text=True)
        assert "Reject 1 application?" in html
        changing, skipped = html.split("Left as they are")
        assert "Pending Co." in changing and "Approved Co." in skipped
        assert "No booth is given up." in html and "No certificate is revoked." in html
        db.session.expire_all()
        assert pending.status == "pending"

    def test_approving_needs_no_confirmation(self, app, db, organizer):
        event = open_event()
        pending = make_application(event, status="pending")
        db.session.commit()
        response = sign_in(app, organizer).get(
            f"{self.base(event)}/bulk/confirm?action=approve&application_ids={pending.id}"
        )
        assert response.status_code == 302
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


class TestPreview:
    def test_a_reviewed_event_sends_those_moving_up_back_to_review(self, db, organizer):
        event = open_event(moderation="review", capacity=2)
        holder = make_application(event, booths_requested=2)
        too_big = make_application(event, status="waitlisted", booths_requested=3)
        first, second = (
            make_application(event, status="waitlisted", booths_requested=1) for _ in range(2)
        )
        for minutes, waiting in enumerate((too_big, first, second)):
            waiting.waitlisted_at = holder.created_at.replace(minute=minutes)
        db.session.commit()
        preview = services.preview_closing(event, [holder], "cancelled")
        assert preview.closing == [holder] and preview.booths_released == 2
        assert preview.moving_up == [first, second] and preview.back_to_review
        db.session.expire_all()
        assert [a.status for a in (holder, too_big, first, second)] == [
            "approved",
            "waitlisted",
            "waitlisted",
            "waitlisted",
        ]

    def test_a_move_the_status_does_not_allow_frees_nothing(self, db):
        event = open_event(capacity=1)
        approved = make_application(event)
        make_application(event, status="waitlisted", waitlisted_at=approved.created_at)
        preview = services.preview_closing(event, [approved], "rejected")
        assert preview.closing == [] and preview.booths_released == 0
        assert preview.moving_up == []
