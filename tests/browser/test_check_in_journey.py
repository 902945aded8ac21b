"""At the door: a badge held up to the desk's camera checks its delegate in."""

from __future__ import annotations

from pathlib import Path

import pytest
import segno
import sqlalchemy as sa
from playwright.sync_api import expect

from expo.attendance.models import CheckIn
from expo.documents import badges
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.factories import make_application, make_event, make_user

pytestmark = pytest.mark.browser

WIDTH, HEIGHT, FRAMES = 640, 480, 10


def write_y4m(text: str, path: Path) -> None:
    """A short video of the QR code of ``text``, black on white, as Chromium's fake camera
    plays it (YUV4MPEG2, 4:2:0: a luma plane, then two grey chroma planes)."""
    rows = [list(row) for row in segno.make(text, error="m").matrix_iter(scale=1, border=4)]
    # Well inside the square qr-scanner reads: two thirds of the frame's height, centred.
    scale = HEIGHT * 6 // 10 // len(rows)
    size = len(rows) * scale
    left, top = (WIDTH - size) // 2, (HEIGHT - size) // 2
    luma = bytearray(b"\xff" * (WIDTH * HEIGHT))
    for y in range(size):
        row = rows[y // scale]
        start = (top + y) * WIDTH + left
        luma[start : start + size] = bytes(0 if row[x // scale] else 255 for x in range(size))
    chroma = b"\x80" * (WIDTH // 2 * HEIGHT // 2)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * FRAMES)


def sign_in(page, live_server: str, user) -> None:
    page.goto(f"{live_server}/account/login")
    page.fill("#email", user.email)
    page.fill("#password", "password-123")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("link", name=user.name)).to_be_visible()


def standing(db) -> list[CheckIn]:
    db.session.expire_all()
    return list(db.session.execute(sa.select(CheckIn).where(CheckIn.undone_at.is_(None))).scalars())


def test_a_badge_shown_to_the_camera_is_checked_in(live_server, playwright, db, tmp_path):
    event = make_event()
    delegate = make_application(event).delegates[0]
    organizer = make_user("organizer", name="入口签到")
    db.session.commit()
    video = tmp_path / "badge.y4m"
    write_y4m(badges.check_in_url(delegate), video)
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_FLAGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
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
    finally:
        browser.close()
    rows = standing(db)
    assert [row.delegate_id for row in rows] == [delegate.id]
    assert rows[0].user_id == organizer.id
