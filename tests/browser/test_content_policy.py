"""Under the Content-Security-Policy the pages still work and the browser blocks nothing."""

import pytest
from playwright.sync_api import expect

from expo.registrations import services
from tests.factories import make_enterprise, make_enterprise_user, make_user, open_event
from tests.registrations.test_services import application_data

pytestmark = pytest.mark.browser


def test_the_review_list_works_and_nothing_is_blocked(live_server, page, db):
    event = open_event(description_en="Line one\nLine two", capacity=4)
    for _ in range(2):
        enterprise = make_enterprise()
        services.submit_application(
            event, enterprise, application_data(), actor=make_enterprise_user(enterprise)
        )
    approved = make_enterprise()
    services.review(
        services.submit_application(
            event, approved, application_data(), actor=make_enterprise_user(approved)
        ),
        "approved",
        actor=None,
    )
    organizer = make_user("organizer", email="reviewer@example.com")
    db.session.commit()
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    page.goto(f"{live_server}/account/login")
    page.fill("#email", organizer.email)
    page.fill("#password", "password-123")
    page.locator("main form button[type=submit]").click()

    page.goto(f"{live_server}/manage/events/{event.id}/applications")
    boxes = page.locator('#bulk-form input[name="application_ids"]')
    expect(boxes).to_have_count(3)
    # The capacity bar is drawn without an inline style: a quarter of it for 1 booth of 4.
    bar = page.locator(".capacity-progress").bounding_box()
    fill = page.locator(".capacity-fill rect").bounding_box()
    assert bar and fill and abs(fill["width"] - bar["width"] / 4) < 2
    page.locator("#select-all").check()  # shown and wired by static/js/select-all.js
    for index in range(3):
        expect(boxes.nth(index)).to_be_checked()
    page.locator("#select-all").uncheck()
    expect(boxes.nth(0)).not_to_be_checked()

    # Bootstrap's own script: the menu opens on a phone-wide screen.
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server}/events/{event.id}?lang=en")
    page.locator(".navbar-toggler").click()
    expect(page.locator("#main-nav")).to_be_visible()
    expect(page.locator(".text-pre-line").first).to_have_css("white-space", "pre-line")

    assert blocked == []
