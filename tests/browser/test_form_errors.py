"""A failed form puts the focus on its error summary; long pickers are searchable."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import (
    DEFAULT_PASSWORD,
    make_delegation,
    make_enterprise,
    make_enterprise_user,
    make_question,
    make_user,
    open_event,
)

pytestmark = pytest.mark.browser


def sign_in(page, live_server, user) -> None:
    page.goto(f"{live_server}/account/login?lang=en")
    page.fill("#email", user.email)
    page.fill("#password", DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_have_count(0)


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_a_failed_apply_focuses_the_summary_whose_links_reach_each_field(live_server, page, db):
    event = open_event()
    question = make_question(event, required=True)
    user = make_enterprise_user()
    db.session.commit()
    sign_in(page, live_server, user)

    page.goto(f"{live_server}/events/{event.id}/apply?lang=en")
    expect(page.locator("#error-summary")).to_have_count(0)
    page.fill("#delegates-0-name_zh", "张三")  # no Latin name for an event abroad
    page.fill("#delegates-0-mobile", "13800000001")
    page.locator("main form button[type=submit]").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a")).to_have_count(3)  # delegate, question and consent at once
    summary.locator('a[href="#consent"]').click()
    expect(page.locator("#consent")).to_be_focused()
    summary.locator(f'a[href="#answer_{question.id}"]').click()
    expect(page.locator(f"#answer_{question.id}")).to_be_focused()
    summary.locator('a[href="#delegates-0-name_latin"]').click()
    assert focused_id(page) == "delegates-0-name_latin"


def test_the_target_markets_picker_filters_as_one_types(live_server, page, db):
    enterprise = make_enterprise(target_markets=["DE"])
    user = make_enterprise_user(enterprise)
    db.session.commit()
    sign_in(page, live_server, user)

    page.goto(f"{live_server}/enterprise/edit?lang=en")
    select = page.locator("#target_markets")
    expect(select).to_have_class(re.compile(r"\btomselected\b"))  # enhanced, still posted
    typing = page.locator("#target_markets-ts-control")
    typing.focus()
    typing.fill("hunga")
    options = page.locator(".ts-dropdown .option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Hungary")
    options.first.click()
    typing.fill("zzzz")
    expect(page.locator(".ts-dropdown .no-results")).to_have_text("Nothing matches.")
    page.keyboard.press("Escape")
    assert sorted(select.evaluate("s => [...s.selectedOptions].map(o => o.value)")) == ["DE", "HU"]
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_be_visible()
    db.session.refresh(enterprise)
    assert sorted(enterprise.target_markets) == ["DE", "HU"]


def test_the_enterprise_picker_of_a_member_form_filters(live_server, page, db):
    make_enterprise(name_zh="成都天府茶业有限公司", name_en="Chengdu Tianfu Tea Co., Ltd.")
    make_enterprise(name_zh="德阳重型机械有限公司", name_en="Deyang Heavy Machinery Co., Ltd.")
    delegation = make_delegation()
    organizer = make_user("organizer")
    db.session.commit()
    sign_in(page, live_server, organizer)

    page.goto(f"{live_server}/manage/delegations/{delegation.id}/members/new?lang=zh")
    typing = page.locator("#enterprise_id-ts-control")
    typing.focus()
    typing.fill("德阳")
    options = page.locator(".ts-dropdown .option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("德阳重型机械有限公司")


def test_without_javascript_the_native_picker_still_posts(live_server, chromium, db):
    enterprise = make_enterprise(target_markets=["DE"])
    user = make_enterprise_user(enterprise)
    db.session.commit()
    context = chromium.new_context(locale="en-US", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, live_server, user)
        page.goto(f"{live_server}/enterprise/edit?lang=en")
        expect(page.locator("#target_markets-ts-control")).to_have_count(0)
        expect(page.locator("#target_markets")).to_be_visible()
        page.select_option("#target_markets", ["DE", "HU"])
        page.locator("main form button[type=submit]").click()
        expect(page.locator("#error-summary")).to_have_count(0)
    finally:
        context.close()
    db.session.refresh(enterprise)
    assert sorted(enterprise.target_markets) == ["DE", "HU"]
