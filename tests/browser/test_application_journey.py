"""An enterprise signs up, applies with two delegates; an organizer approves it."""

import email
import email.policy
import re

import pytest
from playwright.sync_api import expect

from expo.events.models import Question
from tests.factories import make_user, open_event, valid_credit_code

pytestmark = pytest.mark.browser


def test_sign_up_apply_and_be_approved(app, live_server, page, db, outbox):
    event = open_event(
        title_zh="2027年塔什干中国商品展", title_en="China Commodity Fair Tashkent 2027"
    )
    event.questions.append(
        Question(kind="short_text", label_zh="主要展品", label_en="Main exhibits", required=True)
    )
    event.questions.append(
        Question(kind="yes_no", label_zh="是否需要翻译", label_en="Need an interpreter?")
    )
    organizer = make_user("organizer", email="reviewer@example.com")
    db.session.commit()
    code = valid_credit_code("510600", serial=4711)

    # Sign up, first with a mistyped credit code.
    page.goto(f"{live_server}/account/signup")
    page.fill("#email", "clerk@deyang-machinery.example")
    page.fill("#name", "刘洋")
    page.fill("#password", "a-long-password")
    page.fill("#confirm", "a-long-password")
    page.fill("#name_zh", "德阳测试重型机械有限公司")
    page.fill("#name_en", "Deyang Test Heavy Machinery Co., Ltd.")
    page.fill("#credit_code", code[:-1])
    page.select_option("#prefecture", "510600")
    page.select_option("#industry", "machinery")
    page.fill("#export_value_usd", "1200000")
    page.fill("#import_value_usd", "0")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#credit_code-error")).to_contain_text("18")
    page.fill("#password", "a-long-password")
    page.fill("#confirm", "a-long-password")
    page.fill("#credit_code", code)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("请查收邮件")

    # Confirm the address with the link mailed, then sign in.
    [mail] = outbox.glob("*.eml")
    content = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    link = re.search(r"/account/verify/\S+", content.get_content()).group(0)
    page.goto(f"{live_server}{link}")
    page.get_by_role("button", name="确认我的邮箱").click()
    page.fill("#email", "clerk@deyang-machinery.example")
    page.fill("#password", "a-long-password")
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server}/enterprise")
    expect(page.locator("h1")).to_contain_text("德阳测试重型机械有限公司")

    # Apply with two delegates and the answers.
    page.goto(f"{live_server}/events/{event.id}")
    page.get_by_role("link", name="我要报名").click()
    page.fill("#delegates-0-name_zh", "刘洋")
    page.fill("#delegates-0-name_latin", "LIU Yang")
    page.fill("#delegates-0-mobile", "13800001111")
    page.fill("#delegates-1-name_zh", "陈静")
    page.fill("#delegates-1-name_latin", "CHEN Jing")
    page.fill("#delegates-1-mobile", "13800002222")
    page.fill("#booths_requested", "2")
    main_exhibits, interpreter = event.questions
    page.fill(f"#answer_{main_exhibits.id}", "数控机床")
    page.check(f"#answer_{interpreter.id}-0")
    page.check("#consent")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".badge.status-pending")).to_be_visible()
    expect(page.locator("main")).to_contain_text("CHEN Jing")

    # The organizer approves it.
    page.get_by_role("button", name="退出登录").click()
    page.goto(f"{live_server}/account/login")
    page.fill("#email", organizer.email)
    page.fill("#password", "password-123")
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server}/manage/events/{event.id}/applications")
    page.get_by_role("link", name="德阳测试重型机械有限公司").click()
    expect(page.locator("main")).to_contain_text("数控机床")
    page.locator("button[name=to][value=approved]").click()
    expect(page.locator(".badge.status-approved").first).to_be_visible()
    page.get_by_role("button", name="退出登录").click()

    # The enterprise sees it approved, in Chinese and in English.
    page.goto(f"{live_server}/account/login")
    page.fill("#email", "clerk@deyang-machinery.example")
    page.fill("#password", "a-long-password")
    page.locator("main form button[type=submit]").click()
    page.goto(f"{live_server}/applications")
    expect(page.locator(".badge.status-approved")).to_have_text("已通过")
    page.goto(f"{live_server}/applications?lang=en")
    expect(page.locator(".badge.status-approved")).to_have_text("Approved")
