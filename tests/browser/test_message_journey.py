"""An organizer writes to an event's approved enterprises on a phone: the form, the preview
with both versions and the count, the sending and its progress, all readable at 375 px and
with nothing serious for axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from expo.messaging.models import Message
from tests.browser.test_looks import AXE_RUN, axe_source  # noqa: F401  (a fixture)
from tests.factories import (
    make_application,
    make_enterprise,
    make_enterprise_user,
    make_user,
    open_event,
)

pytestmark = pytest.mark.browser

WIDER_THAN_THE_SCREEN = "() => document.documentElement.scrollWidth > window.innerWidth"


def test_organizer_previews_and_sends_a_message_on_a_phone(live_server, chromium, db, axe_source):  # noqa: F811
    event = open_event()
    for locale in ("zh", "en"):
        enterprise = make_enterprise()
        make_enterprise_user(enterprise, locale=locale)
        make_application(event, enterprise, status="approved")
    organizer = make_user("organizer", email="organizer@example.com", name="省商务厅")
    db.session.commit()

    context = chromium.new_context(locale="en-GB", viewport={"width": 375, "height": 800})
    context.add_init_script(script=axe_source)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []

    def check(where: str) -> None:
        problems.extend(f"{where}: {line}" for line in page.evaluate(AXE_RUN))
        if page.evaluate(WIDER_THAN_THE_SCREEN):
            problems.append(f"{where}: wider than 375 px")

    try:
        page.goto(f"{live_server}/account/login?lang=en")
        page.fill("#email", organizer.email)
        page.fill("#password", "password-123")
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(lambda url: "/account/login" not in url)

        page.goto(f"{live_server}/manage/events/{event.id}/messages/new?lang=en")
        check("form")
        page.get_by_label("Subject (Chinese)").fill("行前说明会通知")
        page.get_by_label("Subject (English)").fill("Pre-departure briefing")
        page.get_by_label("Message (Chinese)").fill("请准时参加。\n地点：成都")
        page.get_by_label("Message (English)").fill("Please be on time.\nVenue: Chengdu")
        page.get_by_role("button", name="Preview").click()

        expect(page.locator("#recipient-count")).to_contain_text("2 recipients")
        expect(page.locator("main")).to_contain_text("Venue: Chengdu")
        check("preview")
        page.get_by_role("button", name="Send to 2 recipients").click()

        expect(page.locator("#job-text")).to_contain_text("2 of 2")
        check("progress")
    finally:
        context.close()
    message = db.session.query(Message).one()
    assert (
        message.body_en == "Please be on time.\nVenue: Chengdu"
    )  # line breaks survive the preview
    assert problems == []
