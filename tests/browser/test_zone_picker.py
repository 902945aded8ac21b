"""The time-zone picker narrowed by the country chosen in the same form."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_user

pytestmark = pytest.mark.browser


def visible_zones(page) -> list[str]:
    return page.eval_on_selector(
        "#timezone",
        "select => Array.from(select.options)"
        ".filter(option => option.value && !option.hidden).map(option => option.value)",
    )


def test_choosing_a_country_narrows_and_picks_its_zone(live_server, page, db):
    organizer = make_user("organizer", email="organizer@example.com", name="省商务厅")
    db.session.commit()
    page.goto(f"{live_server}/account/login")
    page.fill("#email", organizer.email)
    page.fill("#password", "password-123")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("link", name="省商务厅")).to_be_visible()

    page.goto(f"{live_server}/manage/events/new?lang=en")
    assert len(visible_zones(page)) > 300  # no country yet: every country's zones

    page.select_option("#country", "CN")
    expect(page.locator("#timezone")).to_have_value("Asia/Shanghai")  # one zone: chosen
    assert visible_zones(page) == ["Asia/Shanghai"]

    page.select_option("#country", "MY")
    expect(page.locator("#timezone")).to_have_value("")  # two zones: the user chooses
    assert set(visible_zones(page)) == {"Asia/Kuala_Lumpur", "Asia/Kuching"}

    page.select_option("#country", "US")
    us = visible_zones(page)
    assert "America/New_York" in us and "America/Los_Angeles" in us and len(us) > 4
    page.fill("#timezone-search", "los")
    assert visible_zones(page) == ["America/Los_Angeles"]
    page.select_option("#timezone", "America/Los_Angeles")
    expect(page.locator("#timezone")).to_have_value("America/Los_Angeles")
