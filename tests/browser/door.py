"""At the door: a desk's fake camera playing a badge's QR code, and the check-ins made.

Chromium's fake camera plays one video file for the life of the browser, so a test that
shows the camera another badge launches another browser (``camera_browser``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import segno
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from expo.attendance.models import CheckIn
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

WIDTH, HEIGHT, FRAMES = 640, 480, 10


def qr_picture(text: str) -> Image.Image:
    """The QR code of ``text``, one pixel a module, black on white with its quiet zone."""
    rows = [list(row) for row in segno.make(text, error="m").matrix_iter(scale=1, border=4)]
    picture = Image.new("L", (len(rows[0]), len(rows)))
    picture.putdata([0 if dark else 255 for row in rows for dark in row])
    return picture


def write_y4m_picture(picture: Image.Image, path: Path) -> None:
    """A short video of ``picture`` as Chromium's fake camera plays it (YUV4MPEG2, 4:2:0:
    a luma plane, then two grey chroma planes), on white, well inside the square qr-scanner
    reads: two thirds of the frame's height, centred."""
    side = HEIGHT * 6 // 10
    frame_picture = Image.new("L", (WIDTH, HEIGHT), 255)
    scaled = picture.convert("L").resize((side, side), Image.Resampling.NEAREST)
    frame_picture.paste(scaled, ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    chroma = b"\x80" * (WIDTH // 2 * HEIGHT // 2)
    frame = b"FRAME\n" + frame_picture.tobytes() + chroma + chroma
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * FRAMES)


def write_y4m(text: str, path: Path) -> None:
    """A short video of the QR code of ``text``, black on white."""
    write_y4m_picture(qr_picture(text), path)


@contextmanager
def camera_browser(playwright, video: Path) -> Iterator:
    """Chromium whose camera films ``video``, allowed without asking."""
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
        yield browser
    finally:
        browser.close()


def sign_in(page, live_server: str, user) -> None:
    page.goto(f"{live_server}/account/login")
    page.fill("#email", user.email)
    page.fill("#password", "password-123")
    page.locator("main form button[type=submit]").click()
    expect(page.get_by_role("link", name=user.name)).to_be_visible()


def standing(db) -> list[CheckIn]:
    """The check-ins not undone, as the database has them now."""
    db.session.expire_all()
    return list(db.session.execute(sa.select(CheckIn).where(CheckIn.undone_at.is_(None))).scalars())
