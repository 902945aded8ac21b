"""A buyer registers in English and is approved; a Sichuan enterprise asks to meet them in
Chinese and the buyer accepts; the organizer schedules and publishes; both download their
printed schedule and calendar file."""

import email
import email.policy
import re
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar
from playwright.sync_api import expect

from expo.i18n import utc_to_local
from expo.matchmaking import services
from expo.matchmaking.models import Meeting
from tests.factories import (
    DEFAULT_PASSWORD,
    make_application,
    make_enterprise,
    make_enterprise_user,
    make_user,
    open_event,
)

pytestmark = pytest.mark.browser


def sign_in(page, live_server, address):
    page.goto(f"{live_server}/account/login")
    page.fill("#email", address)
    page.fill("#password", DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()


def test_register_ask_accept_schedule_publish_and_download(
    app, live_server, chromium, db, outbox, tmp_path
):
    event = open_event(
        kind="b2b_matchmaking",
        title_zh="四川—匈牙利采购对接会",
        title_en="Sichuan–Hungary Sourcing Matchmaking",
    )
    organizer = make_user("organizer", email="match-organizer@example.com")
    day = utc_to_local(event.starts_at, event.timezone).date() + timedelta(days=1)
    services.save_grid(
        event,
        services.GridData(windows=f"{day:%Y-%m-%d} 09:00-11:00", tables=4, interpreters="en=2"),
        actor=organizer,
    )
    enterprise = make_enterprise(name_zh="汉源花椒集团", name_en="Hanyuan Pepper Group")
    application = make_application(event, enterprise)
    clerk = make_enterprise_user(enterprise, email="clerk@hanyuan.example")
    db.session.commit()

    buyer_context = chromium.new_context(locale="en-US")
    organizer_context = chromium.new_context(locale="zh-CN")
    clerk_context = chromium.new_context(locale="zh-CN")
    buyer, boss, sichuan = (
        context.new_page() for context in (buyer_context, organizer_context, clerk_context)
    )
    for page in (buyer, boss, sichuan):
        page.set_default_timeout(15_000)

    # The buyer registers in English, first forgetting what they buy.
    buyer.goto(f"{live_server}/events/{event.id}/matchmaking/register?lang=en")
    buyer.select_option("#role", "buyer")
    buyer.fill("#organization_en", "Danube Spice Trading Kft.")
    buyer.select_option("#country", "HU")
    buyer.fill("#contact_name_latin", "SZABO Eva")
    buyer.fill("#email", "eva@danube-spice.example")
    buyer.fill("#hs_chapters", "09")
    buyer.fill("#languages", "en, hu")
    buyer.check("#consent")
    buyer.locator("main form button[type=submit]").click()
    expect(buyer.locator("#needs-error")).to_contain_text("Say what you buy")
    buyer.fill("#needs", "Sichuan pepper, chili")
    buyer.locator("main form button[type=submit]").click()
    expect(buyer.locator("h1")).to_contain_text("Registration received")

    # The organizer approves; the buyer's private link arrives by mail.
    sign_in(boss, live_server, organizer.email)
    boss.goto(f"{live_server}/manage/events/{event.id}/matchmaking")
    boss.locator("button[name=decision][value=approve]").click()
    expect(boss.locator(".alert")).to_contain_text("报名已审核")
    mails = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in outbox.glob("*.eml")
    ]
    [approval] = [mail for mail in mails if "eva@danube-spice.example" in mail["To"]]
    assert "approved" in approval["Subject"]
    link = re.search(r"/matchmaking/[A-Za-z0-9_-]+", approval.get_content()).group(0)

    # The Sichuan enterprise finds the buyer in Chinese and asks to meet them.
    sign_in(sichuan, live_server, clerk.email)
    sichuan.goto(f"{live_server}/applications/{application.id}")
    sichuan.get_by_role("link", name="一对一洽谈").click()
    sichuan.fill("#q", "pepper")
    sichuan.get_by_role("button", name="查询").click()
    expect(sichuan.locator("main")).to_contain_text("Danube Spice Trading Kft.")
    expect(sichuan.locator("main")).not_to_contain_text("eva@danube-spice.example")
    sichuan.select_option("select[name=priority]", "3")
    sichuan.get_by_role("button", name="预约洽谈").click()
    expect(sichuan.locator(".alert")).to_contain_text("您的预约已发出")

    # The buyer accepts by the private link, in English.
    buyer.goto(f"{live_server}{link}?lang=en")
    expect(buyer.locator("main")).to_contain_text("Hanyuan Pepper Group")
    buyer.get_by_role("button", name="Accept").click()
    expect(buyer.locator(".alert")).to_contain_text("Your answer is saved.")

    # The organizer runs the scheduler and publishes.
    boss.goto(f"{live_server}/manage/events/{event.id}/matchmaking")
    boss.get_by_role("button", name="运行排程").click()
    expect(boss.locator("main")).to_contain_text("已安排 1 场洽谈")
    boss.goto(f"{live_server}/manage/events/{event.id}/matchmaking")
    boss.get_by_role("button", name="发布日程").click()
    expect(boss.locator(".alert")).to_contain_text("日程已发布")

    # Both see their meeting and download the printed schedule and the calendar file.
    sichuan.goto(f"{live_server}/applications/{application.id}/matchmaking")
    expect(sichuan.locator("main")).to_contain_text("Danube Spice Trading Kft.")
    buyer.goto(f"{live_server}{link}?lang=en")
    expect(buyer.locator("main")).to_contain_text("Europe/Budapest")
    db.session.expire_all()
    [meeting] = db.session.scalars(sa.select(Meeting).where(Meeting.event_id == event.id))
    local_start = utc_to_local(meeting.starts_at, event.timezone)
    texts = {}
    for page, label in ((sichuan, "打印版日程（PDF）"), (buyer, "Printable schedule (PDF)")):
        href = page.get_by_role("link", name=label).get_attribute("href")
        pdf = page.request.get(f"{live_server}{href}")
        assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
        path = tmp_path / f"{label}.pdf"
        path.write_bytes(pdf.body())
        texts[page] = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    for text in texts.values():
        # The same slot and table for both, in the event's zone, in both languages.
        assert f"{local_start:%H:%M}" in text and "Europe/Budapest" in text
        assert re.search(rf"\b{meeting.table_number}\b", text)
        assert "洽谈" in text and "Table" in text
    assert "Danube Spice Trading Kft." in texts[sichuan]  # the counterpart of each
    assert "汉源花椒集团" in texts[buyer] and "Hanyuan Pepper Group" in texts[buyer]
    for page, label in ((sichuan, "日历文件（ICS）"), (buyer, "Calendar file (ICS)")):
        href = page.get_by_role("link", name=label).get_attribute("href")
        ics = page.request.get(f"{live_server}{href}")
        assert ics.ok
        [entry] = Calendar.from_ical(ics.body()).walk("VEVENT")
        start = entry["DTSTART"].dt
        assert str(start.tzinfo) == "Europe/Budapest"  # the zone named, not UTC
        assert start.replace(tzinfo=None) == local_start  # the slot the PDFs show
    for context in (buyer_context, organizer_context, clerk_context):
        context.close()
