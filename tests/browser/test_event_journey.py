"""An organizer publishes an event and finds it in the English catalogue."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.factories import make_campaign, make_user

pytestmark = pytest.mark.browser


def test_organizer_creates_publishes_and_finds_an_event(live_server, page, db):
    # Whatever today is, the fair lies four months ahead and registration is open now.
    today = datetime.now(ZoneInfo("Asia/Tashkent")).date()
    starts, opens = today + timedelta(days=120), today - timedelta(days=30)
    year = starts.year
    title_zh, title_en = f"{year}年塔什干中国商品展", f"China Commodity Fair Tashkent {year}"
    organizer = make_user("organizer", email="organizer@example.com", name="省商务厅")
    make_campaign(title_zh=f"{year}年川行天下", title_en=f"Sichuan Going Global {year}")
    db.session.commit()

    page.goto(f"{live_server}/account/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.fill("#email", organizer.email)
    page.fill("#password", "password-123")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("link", name="省商务厅")).to_be_visible()

    page.goto(f"{live_server}/manage/events/new")
    page.select_option("#kind", "trade_fair")
    page.fill("#title_zh", title_zh)
    page.fill("#title_en", title_en)
    page.select_option("#country", "UZ")
    page.select_option("#timezone", "Asia/Tashkent")
    page.fill("#city_zh", "塔什干")
    page.fill("#city_en", "Tashkent")
    page.fill("#venue_en", "Uzexpocentre")
    page.fill("#starts_at", f"{starts}T10:00")
    page.fill("#ends_at", f"{starts + timedelta(days=2)}T17:00")
    page.fill("#registration_opens_at", f"{opens}T09:00")
    page.fill("#registration_closes_at", f"{starts - timedelta(days=20)}T18:00")
    page.fill("#capacity", "40")
    page.locator("main form button[type=submit]").click()

    expect(page.locator("h1")).to_contain_text(title_zh)
    page.locator("form[action$='/publish'] button").click()
    expect(page.locator(".alert-success")).to_be_visible()

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="Events", exact=True).first.click()
    page.select_option("#country", "UZ")
    page.get_by_role("button", name="Filter").click()
    card = page.get_by_role("link", name=title_en)
    expect(card).to_be_visible()
    card.click()
    expect(page).to_have_url(re.compile(r"/events/\d+"))
    # 10:00 in Tashkent (UTC+5), shown with its zone.
    expect(page.locator("main")).to_contain_text("10:00 AM")
    expect(page.locator("main")).to_contain_text("Uzbekistan")
