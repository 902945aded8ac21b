"""Withdrawing an application with a certificate, in a browser with JavaScript switched
off: the page says what will happen, its button does it, and the certificate's public
page then says it was revoked."""

import pytest
from playwright.sync_api import expect

from expo.documents import certificates
from tests.documents.conftest import approved_application
from tests.factories import attended, make_enterprise, make_enterprise_user, make_user

pytestmark = pytest.mark.browser


def test_withdrawing_asks_first_and_revokes_the_certificate(live_server, chromium, db):
    application = attended(approved_application(enterprise=make_enterprise(name_en="Tea Co.")))
    make_enterprise_user(application.enterprise, email="owner@example.com")
    certificate = certificates.issue_certificate(application, actor=make_user("organizer"))
    db.session.commit()
    code, application_id = certificate.verification_code, application.id

    context = chromium.new_context(
        locale="en-US", java_script_enabled=False, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server}/account/login?lang=en")
        page.fill("#email", "owner@example.com")
        page.fill("#password", "password-123")
        page.locator("main form button[type=submit]").click()

        page.goto(f"{live_server}/applications/{application_id}")
        page.get_by_role("link", name="Withdraw the application…").click()
        expect(page.locator("h1")).to_have_text("Withdraw your application?")
        expect(page.locator(".closing-effects")).to_contain_text("1 certificate is revoked")
        page.fill("#reason", "Plans changed")
        page.get_by_role("button", name="Withdraw the application").click()
        expect(page.locator("main")).to_contain_text("Your application has been withdrawn.")

        page.goto(f"{live_server}/verify/{code}")
        expect(page.locator(".verification-status")).to_contain_text("Revoked")
        expect(page.locator(".verification-status")).to_contain_text(
            "The enterprise withdrew its application."
        )
    finally:
        context.close()
