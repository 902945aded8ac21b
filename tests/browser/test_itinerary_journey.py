"""An organizer builds a two-day itinerary and opens one member's shared link."""

from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from tests.delegations.test_itinerary import make_delegation, make_member
from tests.factories import make_user
from tests.pages import screen_zone

pytestmark = pytest.mark.browser


def add_item(page, **fields) -> None:
    page.select_option("#kind", fields.pop("kind"))
    for name in ("start_timezone", "end_timezone"):
        page.select_option(f"#{name}", fields.pop(name))
    for name, value in fields.items():
        page.fill(f"#{name}", value)
    page.locator("#item-form + form button[type=submit]").click()


def test_flight_and_meeting_then_the_member_link(live_server, page, chromium, db):
    organizer = make_user("organizer", email="planner@example.com")
    delegation = make_delegation(
        db,
        title_zh="川行天下·匈牙利经贸代表团",
        starts_on=date(2027, 6, 6),
        ends_on=date(2027, 6, 9),
    )
    guest = make_member(db, delegation, name_latin="Andras KOVACS", name_zh="")
    make_member(db, delegation, name_latin="WANG Li", name_zh="王丽")
    db.session.commit()

    page.goto(f"{live_server}/account/login?lang=en")
    page.fill("#email", organizer.email)
    page.fill("#password", "password-123")
    page.locator("main form button[type=submit]").click()

    page.goto(f"{live_server}/manage/delegations/{delegation.id}/itinerary?lang=en")
    # Day one: an overnight flight that leaves on Beijing time and lands on Budapest's.
    add_item(
        page,
        kind="flight",
        title_zh="成都—布达佩斯",
        title_en="Chengdu to Budapest",
        starts_at="2027-06-06T23:55",
        start_timezone="Asia/Shanghai",
        ends_at="2027-06-07T06:10",
        end_timezone="Europe/Budapest",
        transport_number="HU 7937",
    )
    expect(page.locator(".alert-success")).to_be_visible()
    # Day two: a meeting for one member only.
    page.uncheck("#everyone")
    page.check(f"input[name=member_ids][value='{guest.id}']")
    add_item(
        page,
        kind="meeting",
        title_zh="与匈牙利采购商洽谈",
        title_en="Meeting Hungarian buyers",
        starts_at="2027-06-07T14:00",
        start_timezone="Europe/Budapest",
        ends_at="2027-06-07T16:00",
        end_timezone="Europe/Budapest",
    )
    timeline = page.locator("main")
    expect(timeline).to_contain_text("HU 7937")
    # Each clock names its zone in CLDR's words ("Central European Summer Time", "China
    # Standard Time"), computed here so that a newer CLDR does not fail the journey.
    meeting = datetime(2027, 6, 7, 12, 0, tzinfo=UTC)
    departure = datetime(2027, 6, 6, 15, 55, tzinfo=UTC)
    expect(timeline).to_contain_text(screen_zone(meeting, "Europe/Budapest", "en"))
    expect(timeline).to_contain_text(screen_zone(departure, "Asia/Shanghai", "en"))

    page.goto(f"{live_server}/manage/delegations/{delegation.id}?lang=en")
    page.locator(f"form[action$='/members/{guest.id}/share'] button").click()
    link = page.locator("#share-link").input_value()
    assert "/itinerary/" in link

    # The guest opens it without an account.
    guest_context = chromium.new_context(locale="en-US")
    guest_page = guest_context.new_page()
    guest_page.goto(link)
    main = guest_page.locator("main")
    expect(main).to_contain_text("Andras KOVACS")
    expect(main).to_contain_text("Chengdu to Budapest")
    expect(main).to_contain_text("Meeting Hungarian buyers")
    expect(main).to_contain_text("11:55 PM")  # departure, Beijing time
    expect(main).to_contain_text("6:10 AM")  # arrival, Budapest time
    guest_context.close()
