"""What people see, measured in Chromium on the demo: times that never run into titles,
contrast and focus rings, and axe-core's verdict on pages of every role in both languages.

One demo and one server for the whole module, one browser for the session: the pages are
loaded once per language, and the widths are tried by resizing the loaded page.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from expo.accounts.models import User
from expo.delegations import services as delegation_services
from expo.delegations.models import Member
from expo.demo import DEMO_LOGINS, seed_demo
from expo.events.models import AgendaSession, Campaign, Event
from expo.extensions import db as _db
from expo.registrations.models import Application

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent
MEASURE = (HERE / "measure.js").read_text(encoding="utf-8")
AXE_FILE = HERE / "vendor" / "axe-core-4.14.1" / "axe.min.js"
# Recorded in tests/browser/vendor/README.md: the file run is the file vendored.
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

LANGUAGES = ("zh", "en")
WIDTHS = (320, 375, 768, 1280, 1920)
# The rows that pair a time with what happens then: the event agenda, an itinerary.
TIME_ROWS = [".agenda-item", ".itinerary-item"]
BRAND = {"zh": "川行天下", "en": "Sichuan Going Global"}


@dataclass(frozen=True)
class Demo:
    address: str
    event_pages: list[str]  # every published event: each shows its dates and agenda
    campaign_pages: list[str]
    share_page: str  # a delegate's own itinerary, opened by its link
    event_id: int  # an event with an agenda and applications
    application_id: int  # the demo enterprise's application to it
    delegation_id: int
    enterprise_id: int


def _empty(app) -> None:
    with app.app_context(), _db.engine.begin() as connection:
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(scope="module")
def demo(app) -> Iterator[Demo]:
    """The demo as seeded today, served on a port of its own for the module's tests."""
    _empty(app)
    with app.app_context():
        seed_demo(datetime.now(ZoneInfo("Asia/Shanghai")).date())
        member = _db.session.scalars(sa.select(Member).order_by(Member.id)).first()
        assert member is not None
        token = delegation_services.create_share_link(member)
        published = _db.session.scalars(
            sa.select(Event).where(Event.status == "published").order_by(Event.id)
        ).all()
        with_agenda = {
            event_id
            for (event_id,) in _db.session.execute(sa.select(AgendaSession.event_id).distinct())
        }
        # The demo enterprise user's own application and delegation.
        email = next(email for role, email, _ in DEMO_LOGINS if role == "enterprise")
        enterprise_id = _db.session.scalar(sa.select(User.enterprise_id).where(User.email == email))
        application = _db.session.scalars(
            sa.select(Application)
            .where(
                Application.enterprise_id == enterprise_id,
                Application.status == "approved",
                Application.event_id.in_(with_agenda),
            )
            .order_by(Application.id)
        ).first()
        assert application is not None
        delegation_id = _db.session.scalar(
            sa.select(Member.delegation_id).where(Member.enterprise_id == enterprise_id).limit(1)
        )
        assert delegation_id is not None
        campaigns = _db.session.scalars(sa.select(Campaign.id).order_by(Campaign.id)).all()
        found = dict(
            event_pages=[f"/events/{event.id}" for event in published],
            campaign_pages=[f"/campaigns/{campaign}" for campaign in campaigns],
            share_page=f"/itinerary/{token}",
            event_id=application.event_id,
            application_id=application.id,
            delegation_id=delegation_id,
            enterprise_id=application.enterprise_id,
        )
        _db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = f"http://127.0.0.1:{server.server_port}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app.config, "BASE_URL", address)
        yield Demo(address=address, **found)
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    _empty(app)


def _context(chromium, demo: Demo, role: str, *scripts: str):
    """A browser window signed in as ``role`` (anonymous: nobody) whose every page gets
    the measurements and ``scripts`` before its own (by DevTools, past the CSP)."""
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    for script in (MEASURE, *scripts):
        context.add_init_script(script=script)
    page = context.new_page()
    page.set_default_timeout(15_000)
    if role != "anonymous":
        email, password = next((e, p) for r, e, p in DEMO_LOGINS if r == role)
        page.goto(f"{demo.address}/account/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(lambda url: "/account/login" not in url)
    return context, page


def _open(page, demo: Demo, path: str, language: str) -> None:
    separator = "&" if "?" in path else "?"
    response = page.goto(f"{demo.address}{path}{separator}lang={language}")
    status = response.status if response is not None else None
    assert status == 200, f"{path}: {status}"


def public_pages_with_times(demo: Demo) -> list[str]:
    return ["/", "/events", *demo.campaign_pages, *demo.event_pages, demo.share_page]


def test_times_never_run_into_titles_at_any_width(chromium, demo):
    """Every public page with times, in both languages, from a small phone to a wide
    screen: the boxes of a time and of its title never meet, no text leaves its box."""
    context, page = _context(chromium, demo, "anonymous")
    problems: list[str] = []
    rows_seen = 0
    try:
        for language in LANGUAGES:
            for path in public_pages_with_times(demo):
                _open(page, demo, path, language)
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    found = page.evaluate(
                        "rows => window.expoMeasure.timesAndTitles(rows)", TIME_ROWS
                    )
                    problems += [f"{path}?lang={language} at {width} px: {line}" for line in found]
                rows_seen += page.locator(".agenda-item, .itinerary-item").count()
                page.set_viewport_size({"width": 1280, "height": 900})
    finally:
        context.close()
    assert rows_seen > 20  # the demo's agendas and the itinerary were there to measure
    assert problems == []


# --- contrast, focus and axe --------------------------------------------------------------

# Pages of each role: public pages, an enterprise's own, the organizers' desk, the admin's.
# 27 pages, each in both languages.
ROLE_PAGES = {
    "anonymous": lambda d: [
        "/",
        "/events",
        d.campaign_pages[-1],
        f"/events/{d.event_id}",
        "/account/login",
        "/account/signup",
        d.share_page,
        "/verify",
    ],
    "enterprise": lambda d: [
        "/enterprise",
        "/enterprise/edit",
        "/applications",
        f"/applications/{d.application_id}",
        f"/applications/{d.application_id}/edit",
        f"/applications/{d.application_id}/withdraw",
        f"/delegations/{d.delegation_id}",
        "/account/",
    ],
    "organizer": lambda d: [
        "/manage/events",
        f"/manage/events/{d.event_id}/applications",
        f"/manage/events/{d.event_id}/applications/{d.application_id}",
        f"/manage/events/{d.event_id}/applications/{d.application_id}/cancel",
        f"/manage/events/{d.event_id}/edit",
        f"/manage/events/{d.event_id}/sessions",
        f"/manage/events/{d.event_id}/copy",
        f"/manage/events/{d.event_id}/messages",
        f"/manage/events/{d.event_id}/messages/new",
        f"/manage/events/{d.event_id}/check-in?q=a",
        f"/manage/events/{d.event_id}/check-in-desks",
        f"/manage/events/{d.event_id}/arrivals",
        f"/manage/enterprises/{d.enterprise_id}",
        f"/manage/delegations/{d.delegation_id}",
        f"/manage/delegations/{d.delegation_id}/itinerary",
    ],
    "admin": lambda d: ["/admin/audit", "/manage/campaigns"],
}
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.impact} ${v.id}: `
      + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    data = AXE_FILE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == AXE_SHA256, "axe-core is not the file vendored"
    return data.decode("utf-8")


def test_every_role_sees_accessible_pages(chromium, demo, axe_source):
    """axe-core finds nothing serious or critical on the pages of every role in both
    languages; every control's border stands out 3:1, every focus ring 3:1 and 2 px; and
    the browser reports no error (a missing favicon would be one)."""
    problems: list[str] = []
    pages_checked = 0
    rings_checked = 0
    errors: list[str] = []

    def record_error(message) -> None:
        if message.type == "error":
            errors.append(f"{message.text} ({page.url})")

    def record_failure(request) -> None:
        # A request cut short because the test moved on to the next page is no fault.
        if request.failure != "net::ERR_ABORTED":
            errors.append(f"{request.failure}: {request.url}")

    for role, pages in ROLE_PAGES.items():
        context, page = _context(chromium, demo, role, axe_source)
        page.on("console", record_error)
        page.on("requestfailed", record_failure)
        try:
            for language in LANGUAGES:
                for path in pages(demo):
                    _open(page, demo, path, language)
                    where = f"{role} {path}?lang={language}"
                    problems += [f"{where}: {line}" for line in page.evaluate(AXE_RUN)]
                    pages_checked += 1
                    if language != LANGUAGES[0]:
                        continue  # borders and rings are drawn alike in both languages
                    borders = page.evaluate("() => window.expoMeasure.controlBorders(3)")
                    problems += [f"{where}: control {line}" for line in borders]
                    page.keyboard.press("Tab")  # focus is then drawn as for a keyboard
                    rings = page.evaluate("() => window.expoMeasure.focusRings(3)")
                    problems += [f"{where}: focus {line}" for line in rings["problems"]]
                    rings_checked += rings["checked"]
            # The header's links, on the red bar, as a phone shows them: menu opened.
            page.set_viewport_size({"width": 375, "height": 800})
            _open(page, demo, "/", "en")
            page.locator(".navbar-toggler").click()
            page.locator("#main-nav.show").wait_for()
            page.keyboard.press("Tab")
            rings = page.evaluate("() => window.expoMeasure.focusRings(3)")
            problems += [f"{role} / at 375 px: focus {line}" for line in rings["problems"]]
        finally:
            context.close()
    problems += [f"browser error: {line}" for line in errors]
    assert pages_checked >= 48 and rings_checked > 300
    assert problems == []


def test_the_tab_says_what_the_header_says(chromium, demo):
    context, page = _context(chromium, demo, "anonymous")
    try:
        for language in LANGUAGES:
            for path in ("/", "/events", f"/events/{demo.event_id}"):
                _open(page, demo, path, language)
                brand = page.locator(".navbar-brand").inner_text().strip()
                assert brand == BRAND[language]
                assert page.title().endswith(f" · {brand}")
                icon = page.locator("link[rel=icon]").get_attribute("href")
                assert icon and page.request.get(f"{demo.address}{icon}").status == 200
        # The header's white text on its red: 4.5:1 at least, and so is the brand's.
        ratio = page.evaluate(
            """() => window.expoMeasure.contrast(
                getComputedStyle(document.querySelector('.navbar .nav-link')).color,
                getComputedStyle(document.querySelector('.navbar')).backgroundColor)"""
        )
        assert ratio >= 4.5
    finally:
        context.close()
