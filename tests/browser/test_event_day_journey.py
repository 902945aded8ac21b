"""The event day, end to end, as the people involved do it in their browsers.

An organizer gives a desk person access and prints the badges; the QR codes on that PDF
are what the desk's camera films. The desk checks two delegates in with the camera (one
badge shown twice: the second time it is answered "already checked in" and nothing is
recorded), loses the network, scans a third badge, and the queued scan reaches the server
once the network is back. The arrivals page counts three. Certificates are then issued to
the applications that came only, and a withdrawal revokes one, as its public page says.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from expo.attendance.models import CheckIn
from expo.attendance.services import token_from_scan
from expo.documents import badges
from expo.documents.models import Certificate
from tests.browser.door import camera_browser, sign_in, standing, write_y4m_picture
from tests.documents.conftest import pdf_page_image
from tests.factories import (
    make_application,
    make_enterprise,
    make_enterprise_user,
    make_event,
    make_user,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils"),
]

# Every answer the desk's result box gives, in order: the camera answers a badge held up
# again within seconds, faster than a test can look at the box between two answers.
RECORD_ANSWERS = """
window.deskAnswers = [];
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("check-in-result");
  if (!box) return;
  new MutationObserver(() => {
    window.deskAnswers.push({ outcome: box.dataset.outcome, text: box.textContent.trim() });
  }).observe(box, { attributes: true, attributeFilter: ["data-outcome"] });
});
"""
# Generous: two cores shared with other builds, and a camera the scanner samples.
CAMERA_TIMEOUT = 60_000


def badges_on_the_pdf(pdf: bytes) -> dict[int, tuple[str, Image.Image]]:
    """By delegate id, the address each badge's QR code holds and the code as printed, cut
    out of the page rendered at a printer's resolution."""
    page = pdf_page_image(pdf, dpi=300).convert("L")
    found = {}
    for barcode in zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode):
        holder = badges.badge_holder(token_from_scan(barcode.text))
        assert holder is not None, barcode.text
        corners = barcode.position
        points = (corners.top_left, corners.top_right, corners.bottom_left, corners.bottom_right)
        xs, ys = [point.x for point in points], [point.y for point in points]
        margin = (max(xs) - min(xs)) // 12  # a quiet zone; the video adds white around it
        picture = page.crop(
            (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin)
        )
        # The cut-out alone still reads as the badge's address: the camera will film it. As
        # the desk's scanner (qr-scanner) it looks for QR codes only: a linear format read
        # into the printed text around the code is nothing the desk would ever see.
        read = zxingcpp.read_barcodes(picture, formats=zxingcpp.BarcodeFormat.QRCode)
        assert [code.text for code in read] == [barcode.text]
        found[holder[1]] = (barcode.text, picture)
    return found


def desk_page(browser, live_server: str, user, event_id: int):
    context = browser.new_context(locale="zh-CN", permissions=["camera"])
    context.add_init_script(RECORD_ANSWERS)
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, live_server, user)
    page.goto(f"{live_server}/manage/events/{event_id}/check-in")
    expect(page.locator("#scan-form")).to_have_attribute("data-list-ready", "true")
    page.fill("#desk", "一号门")
    return page


def camera_answers(page, count: int) -> list[dict[str, str]]:
    """Film the badge until the desk has answered ``count`` times, then stop the camera."""
    page.get_by_role("button", name="用摄像头扫描").click()
    page.wait_for_function(
        "count => window.deskAnswers.length >= count",
        arg=count,
        timeout=CAMERA_TIMEOUT,
        polling=100,
    )
    page.get_by_role("button", name="关闭摄像头").click()
    expect(page.locator("#camera-video")).to_be_hidden()
    return page.evaluate("window.deskAnswers")


def test_desk_access_badges_camera_offline_arrivals_certificates_and_revocation(
    app, db, live_server, playwright, chromium, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "DOCUMENTS_DIR", str(tmp_path / "documents"))
    # The fair began two hours ago, whatever today is: certificates may be issued.
    event = make_event(starts_at=datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2))
    tea, silk, pepper, absent = (
        make_application(event, make_enterprise(name_zh=name_zh, name_en=name_en))
        for name_zh, name_en in (
            ("成都天府茶业有限公司", "Chengdu Tianfu Tea Co., Ltd."),
            ("四川蜀锦织造有限公司", "Sichuan Shu Brocade Co., Ltd."),
            ("汉源花椒合作社", "Hanyuan Pepper Cooperative"),
            ("自贡灯会文化有限公司", "Zigong Lantern Culture Co., Ltd."),
        )
    )
    for application, name in zip(
        (tea, silk, pepper, absent), ("张伟", "李娜", "王芳", "刘洋"), strict=True
    ):
        application.delegates[0].name_zh = name
    owner = make_enterprise_user(tea.enterprise, email="owner@tea.example")
    organizer = make_user("organizer", name="李明", email="organizer@commerce.example")
    door = make_user(name="赵敏", email="door@commerce.example")
    db.session.commit()
    event_id = event.id
    delegate_ids = {
        name: application.delegates[0].id
        for name, application in zip(
            ("tea", "silk", "pepper", "absent"), (tea, silk, pepper, absent), strict=True
        )
    }

    office_context = chromium.new_context(locale="zh-CN")
    office = office_context.new_page()
    office.set_default_timeout(20_000)
    try:
        # 1. The organizer gives the desk person, who has an account, access to the event.
        sign_in(office, live_server, organizer)
        office.goto(f"{live_server}/manage/events/{event_id}/check-in-desks")
        office.fill("#email", door.email)
        office.get_by_role("button", name="授予权限").click()
        desks = office.locator("main table")
        expect(desks).to_contain_text(door.email)
        expect(desks).to_contain_text("赵敏")

        # 2. The badges are printed; the camera will film the QR codes on that very PDF.
        response = office.request.get(f"{live_server}/manage/events/{event_id}/badges.pdf")
        assert response.ok and response.headers["content-type"] == "application/pdf"
        printed = badges_on_the_pdf(response.body())
        assert set(printed) == set(delegate_ids.values())
        videos = {}
        for name in ("tea", "silk"):
            videos[name] = tmp_path / f"{name}.y4m"
            write_y4m_picture(printed[delegate_ids[name]][1], videos[name])
        pepper_address = printed[delegate_ids["pepper"]][0]

        # 3a. The desk person holds the tea company's badge up to the camera, and again.
        with camera_browser(playwright, videos["tea"]) as browser:
            page = desk_page(browser, live_server, door, event_id)
            first, again, *more = camera_answers(page, 2)
            assert first["outcome"] == "checked_in", first
            assert "签到成功：张伟" in first["text"]
            assert again["outcome"] == "already_checked_in", again
            assert "赵敏 (一号门)" in again["text"]
            assert all(answer["outcome"] == "already_checked_in" for answer in more)
            result = page.locator("#check-in-result")
            expect(result).to_have_attribute("data-outcome", "already_checked_in")
            expect(result).to_contain_text("已于")
        assert [row.delegate_id for row in standing(db)] == [delegate_ids["tea"]]

        # 3b. Another badge with the camera, then the network drops and a third is typed in.
        with camera_browser(playwright, videos["silk"]) as browser:
            page = desk_page(browser, live_server, door, event_id)
            first, *_ = camera_answers(page, 1)
            assert first["outcome"] == "checked_in", first
            assert "签到成功：李娜" in first["text"]

            page.context.set_offline(True)
            result, waiting = page.locator("#check-in-result"), page.locator("#sync-count")
            page.fill("#code", pepper_address)
            page.press("#code", "Enter")
            expect(result).to_have_attribute("data-outcome", "saved_offline")
            expect(result).to_contain_text("王芳")
            expect(waiting).to_have_text("1")
            assert len(standing(db)) == 2  # the offline scan waits on the device

            page.context.set_offline(False)
            expect(page.locator("#sync-waiting")).to_be_hidden(timeout=30_000)

        # 4. Three arrived; the badge shown twice made one check-in.
        office.goto(f"{live_server}/manage/events/{event_id}/arrivals")
        expect(office.locator(".arrivals-total")).to_have_text("已签到 3 人，应到 4 人")
        # The badge shown again was refused, and the organizers see it counted.
        expect(office.locator(".arrivals-repeats")).to_have_text(
            re.compile(r"已拒绝重复扫码 [1-9]\d* 次")
        )
        expect(office.locator(".not-arrived")).to_contain_text("刘洋")
        db.session.expire_all()
        rows = list(db.session.execute(sa.select(CheckIn)).scalars())
        assert sorted(row.delegate_id for row in rows) == sorted(
            delegate_ids[name] for name in ("tea", "silk", "pepper")
        )
        assert all(row.undone_at is None and row.user_id == door.id for row in rows)
        assert {row.desk for row in rows} == {"一号门"}

        # 5. Certificates for the applications that came; the absent one is refused.
        office.goto(f"{live_server}/manage/events/{event_id}/applications")
        office.get_by_role("button", name="批量签发证书").click()
        expect(office.locator("#job-status")).to_have_text("已完成")
        expect(office.locator("#job-failed-count")).to_have_text("1")
        office.get_by_text("问题详情").click()
        problems = office.locator("#job pre")
        expect(problems).to_contain_text(f"#{absent.id}")
        expect(problems).to_contain_text("该申请的参团人员均未签到")
        expect(problems).to_contain_text("None of this application's delegates has been checked in")
        db.session.expire_all()
        issued = {
            certificate.application_id: certificate
            for certificate in db.session.execute(sa.select(Certificate)).scalars()
        }
        assert set(issued) == {tea.id, silk.id, pepper.id}
        code, other_code = issued[tea.id].verification_code, issued[silk.id].verification_code
    finally:
        office_context.close()

    # 6. The tea company withdraws; its certificate's public page says it was revoked.
    company = chromium.new_context(locale="zh-CN")
    try:
        clerk = company.new_page()
        clerk.set_default_timeout(20_000)
        sign_in(clerk, live_server, owner)
        clerk.goto(f"{live_server}/applications/{tea.id}")
        clerk.get_by_role("link", name="撤回参展申请…").click()
        expect(clerk.locator("h1")).to_have_text("撤回参展申请？")
        expect(clerk.locator(".closing-effects")).to_contain_text("将撤销1份证书")
        clerk.fill("#reason", "行程有变")
        clerk.get_by_role("button", name="撤回报名").click()
        expect(clerk.locator("main")).to_contain_text("报名已撤回。")

        for address in (f"/verify/{code}", f"/verify/{code}?lang=en"):
            clerk.goto(f"{live_server}{address}")
            status = clerk.locator(".verification-status")
            expect(status).to_contain_text("已撤销")
            expect(status).to_contain_text("Revoked")
            expect(status).to_contain_text("企业已撤回参展申请。")
            expect(status).to_contain_text("The enterprise withdrew its application.")
        clerk.goto(f"{live_server}/verify/{other_code}")
        expect(clerk.locator(".verification-status")).to_contain_text("有效")
    finally:
        company.close()
