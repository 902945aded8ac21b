"""An organizer publishes an event and finds it in the English catalogue."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_campaign, make_user

pytestmark = pytest.mark.browser


def test_organizer_creates_publishes_and_finds_an_event(live_server, page, db):
    organizer = make_user("organizer", email="organizer@example.com", name="省商务厅")
    make_campaign(title_zh="2027年川行天下", title_en="Sichuan Going Global 2027")
    db.session.commit()

    page.goto(f"{live_server}/account/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.fill("#email", organizer.email)
    page.fill("#password", "password-123")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("link", name="省商务厅")).to_be_visible()

    page.goto(f"{live_server}/manage/events/new")
    page.select_option("#kind", "trade_fair")
    page.fill("#title_zh", "2027年塔什干中国商品展")
    page.fill("#title_en", "China Commodity Fair Tashkent 2027")
    page.select_option("#country", "UZ")
    page.select_option("#timezone", "Asia/Tashkent")
    page.fill("#city_zh", "塔什干")
    page.fill("#city_en", "Tashkent")
    page.fill("#venue_en", "Uzexpocentre")
    page.fill("#starts_at", "2027-10-12T10:00")
    page.fill("#ends_at", "2027-10-14T17:00")
    page.fill("#registration_opens_at", "2026-11-01T09:00")
    page.fill("#registration_closes_at", "2027-09-20T18:00")
    page.fill("#capacity", "40")
    page.locator("main form button[type=submit]").click()

    expect(page.locator("h1")).to_contain_text("2027年塔什干中国商品展")
    page.locator("form[action$='/publish'] button").click()
    expect(page.locator(".alert-success")).to_be_visible()

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Events", exact=True).first.click()
    page.select_option("#country", "UZ")
    page.get_by_role("button", name="Filter").click()
    card = page.get_by_role("link", name="China Commodity Fair Tashkent 2027")
    expect(card).to_be_visible()
    card.click()
    expect(page).to_have_url(re.compile(r"/events/\d+"))
    # 10:00 in Tashkent (UTC+5), shown with its zone.
    expect(page.locator("main")).to_contain_text("10:00 AM")
    expect(page.locator("main")).to_contain_text("Uzbekistan")
