"""At the door: a badge held up to the desk's camera checks its delegate in."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from expo.documents import badges
from tests.browser.door import camera_browser, sign_in, standing, write_y4m
from tests.factories import make_application, make_event, make_user

pytestmark = pytest.mark.browser


def test_a_badge_shown_to_the_camera_is_checked_in(live_server, playwright, db, tmp_path):
    event = make_event()
    delegate = make_application(event).delegates[0]
    organizer = make_user("organizer", name="入口签到")
    db.session.commit()
    video = tmp_path / "badge.y4m"
    write_y4m(badges.check_in_url(delegate), video)
    with camera_browser(playwright, video) as browser:
        context = browser.new_context(locale="zh-CN", permissions=["camera"])
        page = context.new_page()
        page.set_default_timeout(20_000)
        sign_in(page, live_server, organizer)
        page.goto(f"{live_server}/manage/events/{event.id}/check-in")
        page.get_by_role("button", name="用摄像头扫描").click()
        result = page.locator("#check-in-result")
        expect(result).to_have_attribute("data-outcome", "checked_in", timeout=30_000)
        expect(result).to_contain_text("签到成功：王1")
        context.close()
    rows = standing(db)
    assert [row.delegate_id for row in rows] == [delegate.id]
    assert rows[0].user_id == organizer.id


def test_scans_made_offline_reach_the_server_once_back_online(live_server, page, db):
    event = make_event()
    first, second = make_application(event, delegates=2).delegates
    organizer = make_user("organizer", name="二号门")
    db.session.commit()
    first_url, second_token = badges.check_in_url(first), badges.check_in_token(second)
    sign_in(page, live_server, organizer)
    page.goto(f"{live_server}/manage/events/{event.id}/check-in")
    expect(page.locator("#scan-form")).to_have_attribute("data-list-ready", "true")

    page.context.set_offline(True)
    result, waiting = page.locator("#check-in-result"), page.locator("#sync-count")
    page.fill("#desk", "二号门")
    page.fill("#code", first_url)
    page.press("#code", "Enter")
    expect(result).to_have_attribute("data-outcome", "saved_offline")
    expect(result).to_contain_text("王1")
    expect(waiting).to_have_text("1")
    page.fill("#code", second_token)
    page.press("#code", "Enter")
    expect(waiting).to_have_text("2")
    page.fill("#code", first_url)  # the same badge again, still offline
    page.press("#code", "Enter")
    expect(result).to_have_attribute("data-outcome", "already_checked_in")
    page.fill("#code", "not a badge")
    page.press("#code", "Enter")
    expect(result).to_have_attribute("data-outcome", "unknown_badge")
    expect(waiting).to_have_text("3")
    assert standing(db) == []

    page.context.set_offline(False)
    expect(page.locator("#sync-waiting")).to_be_hidden(timeout=15_000)
    rows = standing(db)
    assert sorted(row.delegate_id for row in rows) == sorted([first.id, second.id])
    assert {row.desk for row in rows} == {"二号门"}
    assert all(row.scanned_at <= row.recorded_at for row in rows)


TAMPER = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("expo-check-in", 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const lists = db.transaction("lists", "readwrite").objectStore("lists");
  const saved = await new Promise((resolve) => {
    lists.getAll().onsuccess = (e) => resolve(e.target.result[0]);
  });
  saved.signed.body = saved.signed.body.replaceAll('"approved":false', '"approved":true');
  await new Promise((resolve) => {
    const store = db.transaction("lists", "readwrite").objectStore("lists");
    store.put(saved).onsuccess = resolve;
  });
}"""


def test_the_page_opens_offline_and_refuses_an_altered_badge_list(live_server, page, db):
    event = make_event()
    withdrawn = make_application(event, status="withdrawn").delegates[0]
    organizer = make_user("organizer", name="三号门")
    db.session.commit()
    sign_in(page, live_server, organizer)
    address = f"{live_server}/manage/events/{event.id}/check-in"
    page.goto(address)
    expect(page.locator("#scan-form")).to_have_attribute("data-list-ready", "true")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now under the service worker, which keeps the page
    # The fresh list is stored before it is altered (a later save would undo the change).
    expect(page.locator("#scan-form")).to_have_attribute("data-list-saved", "true")
    page.evaluate(TAMPER)

    page.context.set_offline(True)
    page.reload()
    result = page.locator("#check-in-result")
    expect(result).to_have_attribute("data-outcome", "refused")
    expect(page.locator("#scan-form")).not_to_have_attribute("data-list-ready", "true")
    page.fill("#code", badges.check_in_token(withdrawn))
    page.press("#code", "Enter")
    # Without a list it trusts, the desk admits nobody offline: the scan waits for the server.
    expect(result).to_have_attribute("data-outcome", "saved_offline")
    page.context.set_offline(False)
    expect(page.locator("#sync-waiting")).to_be_hidden(timeout=15_000)
    expect(result).to_have_attribute("data-outcome", "not_approved")  # the server's answer
    assert standing(db) == []


LISTS_KEPT = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("expo-check-in", 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return await new Promise((resolve) => {
    db.transaction("lists", "readonly").objectStore("lists").count().onsuccess =
      (e) => resolve(e.target.result);
  });
}"""


def test_a_lapsed_sign_in_is_said_and_the_scan_kept_not_taken_for_offline(live_server, page, db):
    event = make_event()
    delegate = make_application(event).delegates[0]
    organizer = make_user("organizer", name="四号门")
    db.session.commit()
    sign_in(page, live_server, organizer)
    page.goto(f"{live_server}/manage/events/{event.id}/check-in?lang=en")
    expect(page.locator("#scan-form")).to_have_attribute("data-list-saved", "true")
    assert page.evaluate(LISTS_KEPT) == 1

    page.context.clear_cookies()  # the session lapses while the page stays open
    page.fill("#code", badges.check_in_url(delegate))
    page.press("#code", "Enter")
    result = page.locator("#check-in-result")
    expect(result).to_have_attribute("data-outcome", "signed_out")
    expect(result).to_contain_text("Your sign-in has lapsed")
    expect(page.locator("#sync-count")).to_have_text("1")  # kept, to be sent later
    # The names on the badge list do not stay on a device nobody is signed in on.
    page.wait_for_function(f"async () => (await ({LISTS_KEPT})()) === 0")
    assert standing(db) == []

    # Signed in again, the desk sends the kept scan (the count is hidden before it too, so
    # the database is what is waited for).
    sign_in(page, live_server, organizer)
    page.goto(f"{live_server}/manage/events/{event.id}/check-in?lang=en")
    deadline = time.monotonic() + 20
    while not standing(db) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert [row.delegate_id for row in standing(db)] == [delegate.id]


CHECK_IN_CACHES = (
    """async () => (await caches.keys()).filter((n) => n.startsWith("expo-check-in")).length"""
)


def test_signing_out_clears_what_the_desk_kept_on_the_device(live_server, page, db):
    event = make_event()
    make_application(event)
    organizer = make_user("organizer", name="五号门")
    db.session.commit()
    sign_in(page, live_server, organizer)
    page.goto(f"{live_server}/manage/events/{event.id}/check-in?lang=en")
    expect(page.locator("#scan-form")).to_have_attribute("data-list-saved", "true")
    page.wait_for_function("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # under the service worker, which keeps the page
    expect(page.locator("#scan-form")).to_have_attribute("data-list-saved", "true")
    assert page.evaluate(CHECK_IN_CACHES) == 1 and page.evaluate(LISTS_KEPT) == 1
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("html")).to_have_attribute("data-offline-forgotten", "true")
    # The desk's page and the badge list of names are gone from the device.
    assert page.evaluate(CHECK_IN_CACHES) == 0
    assert page.evaluate(LISTS_KEPT) == 0
