"""An enterprise reports a fair's outcome in Chinese; an organizer returns it with a
question; the enterprise corrects it; the organizer confirms it; the campaign's results
page and its PDF then show the new figures, in Chinese and in English."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from expo.outcomes import services as outcome_services
from expo.outcomes.money import format_money
from tests.factories import (
    DEFAULT_PASSWORD,
    make_application,
    make_enterprise_user,
    make_event,
    make_user,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils"),
]

STARTS = datetime(2027, 5, 10, 7, 0, tzinfo=UTC)
AFTER = datetime(2027, 5, 14, 9, 0, tzinfo=UTC)
# 11,363.64 EUR signed after the fair, at 1.085 USD and 7.85 CNY the euro.
SIGNED_USD = Decimal("12329.55")
SIGNED_CNY = Decimal("89204.57")


def sign_in(context, address: str, email: str, password: str):
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{address}/account/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_be_visible()
    return page


def fill_line(page, amount: str, kind: str) -> None:
    page.fill("#deals-0-counterparty_name", "Budapest Tea Import Kft.")
    page.select_option("#deals-0-counterparty_country", "HU")
    page.fill("#deals-0-product", "0902.10 四川绿茶")
    page.select_option("#deals-0-kind", kind)
    page.fill("#deals-0-amount", amount)
    page.select_option("#deals-0-currency", "EUR")
    page.fill("#deals-0-signed_on", "2027-05-11")


def pdf_facts(data: bytes, folder) -> tuple[str, str]:
    path = folder / "results.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    fonts = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return text, fonts


def test_report_return_correct_confirm_and_see_the_results(
    app, db, live_server, chromium, tmp_path
):
    with time_machine.travel(AFTER, tick=True):
        fair = make_event(
            title_zh="布达佩斯国际博览会",
            title_en="Budapest International Fair",
            starts_at=STARTS,
            ends_at=STARTS + timedelta(days=3),
            registration_opens_at=STARTS - timedelta(days=90),
            registration_closes_at=STARTS - timedelta(days=14),
        )
        application = make_application(fair)
        clerk = make_enterprise_user(application.enterprise, locale="zh", email="clerk@tea.example")
        organizer = make_user("organizer", locale="zh", email="desk@commerce.example")
        outcome_services.set_exchange_rate(
            fair,
            "EUR",
            Decimal("1.085"),
            Decimal("7.85"),
            AFTER.date(),
            actor=organizer,
        )
        (report,) = outcome_services.request_reports(fair, actor=organizer)
        db.session.commit()
        campaign_id = fair.campaign_id

        company = chromium.new_context(locale="zh-CN")
        staff = chromium.new_context(locale="zh-CN")
        try:
            # The enterprise reports, in Chinese, from the task on its home page.
            clerk_page = sign_in(company, live_server, clerk.email, DEFAULT_PASSWORD)
            clerk_page.goto(f"{live_server}/")
            clerk_page.locator(f"a[href$='/outcomes/{report.id}/edit']").first.click()
            expect(clerk_page.locator("h1")).to_contain_text("成果")
            fill_line(clerk_page, "12,500.50", "signed_on_site")
            clerk_page.fill("#buyers_met", "12")
            clerk_page.fill("#new_customers", "3")
            clerk_page.fill("#samples_sent", "5")
            clerk_page.locator("main form button[type=submit]").click()
            expect(clerk_page.locator("main")).to_contain_text("已提交主办方")

            # The organizer returns it with a question.
            desk = sign_in(staff, live_server, organizer.email, DEFAULT_PASSWORD)
            desk.goto(f"{live_server}/manage/outcomes/{report.id}")
            desk.fill("#question", "金额是否含税？")
            desk.get_by_role("button", name="附此问题退回").click()
            expect(desk.locator("main")).to_contain_text("金额是否含税？")

            # The enterprise reads the question and corrects the report.
            clerk_page.goto(f"{live_server}/outcomes/{report.id}/edit")
            expect(clerk_page.locator("main")).to_contain_text("金额是否含税？")
            fill_line(clerk_page, "11,363.64", "signed_after")
            clerk_page.fill("#remarks", "不含税")
            clerk_page.locator("main form button[type=submit]").click()
            expect(clerk_page.locator("main")).to_contain_text("已提交主办方")

            # The organizer confirms it; the report is locked.
            desk.goto(f"{live_server}/manage/outcomes/{report.id}")
            desk.get_by_role("button", name="确认报告").click()
            expect(desk.locator(".badge.status-confirmed")).to_have_text("已确认")

            # The campaign's results page shows the new figures, in Chinese and English.
            desk.goto(f"{live_server}/manage/results?campaign={campaign_id}")
            expect(desk.locator("h1")).to_be_visible()
            main = desk.locator("main")
            expect(main).to_contain_text(format_money(SIGNED_USD, "USD", "zh"))
            expect(main).to_contain_text(format_money(SIGNED_CNY, "CNY", "zh"))
            expect(main).to_contain_text("匈牙利")
            desk.goto(f"{live_server}/manage/results?campaign={campaign_id}&lang=en")
            expect(main).to_contain_text(format_money(SIGNED_USD, "USD", "en"))
            expect(main).to_contain_text("Hungary")

            # And so does its PDF, with both languages and embedded Chinese faces.
            response = desk.request.get(f"{live_server}/manage/results.pdf?campaign={campaign_id}")
            assert response.ok and response.headers["content-type"] == "application/pdf"
            text, fonts = pdf_facts(response.body(), tmp_path)
        finally:
            company.close()
            staff.close()
    assert "12,329.55" in text and "89,204.57" in text
    assert "布达佩斯国际博览会" in text and "Budapest International Fair" in text
    assert "匈牙利" in text and "Hungary" in text
    assert "成果" in text and "Results" in text
    chinese = [line for line in fonts.splitlines() if "CJK" in line and "SC" in line]
    assert chinese and all(" yes " in line for line in chinese)  # embedded and subset
