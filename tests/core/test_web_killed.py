"""A submission the server answered "submitted" is in the database whatever happens to the
server next: gunicorn killed with SIGKILL right after the answer loses nothing of it."""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from expo import create_app
from expo.extensions import db
from expo.mail import OutgoingMail
from expo.registrations.models import Application, Delegate, Transition
from tests.conftest import make_test_config
from tests.factories import DEFAULT_PASSWORD, make_enterprise_user, make_event
from tests.processes import ROOT, installation_environment, kill_group

# Open on any clock: the server runs on the machine's, the suite maybe on a faked one.
OPENS = datetime(2000, 1, 1, tzinfo=UTC)
STARTS = datetime(2100, 6, 1, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CONSENT = re.compile(r'name="consent_version"[^>]*value="([^"]*)"')


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 302 itself is the answer to look at


@pytest.fixture()
def environment(tmp_path_factory, tmp_path, app):
    environment = installation_environment(tmp_path_factory, tmp_path, app)
    environment["EXPO_BASE_URL"] = f"http://127.0.0.1:{environment['PORT']}"
    return environment


def wait_until_served(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} was not served within {seconds} s")


def test_a_submission_answered_is_kept_when_the_server_is_killed(tmp_path_factory, environment):
    site = create_app(
        make_test_config(tmp_path_factory, DATABASE_URL=environment["EXPO_DATABASE_URL"])
    )
    with site.app_context():
        user = make_enterprise_user()
        event = make_event(
            moderation="first_come",
            starts_at=STARTS,
            registration_opens_at=OPENS,
            registration_closes_at=STARTS,
        )
        db.session.commit()
        email, event_id = user.email, event.id
        db.engine.dispose()

    base = environment["EXPO_BASE_URL"]
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-c", "deploy/gunicorn.conf.py"]
        + ["--bind", f"127.0.0.1:{environment['PORT']}", "wsgi:app"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_served(f"{base}/healthz")
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects()
        )

        def page(path: str) -> str:
            with browser.open(f"{base}{path}", timeout=30) as reply:
                return reply.read().decode()

        def post(path: str, fields: dict[str, str]) -> tuple[int, str]:
            body = urllib.parse.urlencode(fields).encode()
            try:
                with browser.open(f"{base}{path}", data=body, timeout=30) as reply:
                    return reply.status, ""
            except urllib.error.HTTPError as answer:  # the 302 not followed
                return answer.code, answer.headers.get("Location", "")

        token = CSRF.search(page("/account/login"))
        assert token is not None
        status, _ = post(
            "/account/login",
            {"csrf_token": token.group(1), "email": email, "password": DEFAULT_PASSWORD},
        )
        assert status == 302
        form = page(f"/events/{event_id}/apply")
        token, consent = CSRF.search(form), CONSENT.search(form)
        assert token is not None and consent is not None
        status, location = post(
            f"/events/{event_id}/apply",
            {
                "csrf_token": token.group(1),
                "delegates-0-name_zh": "张三",
                "delegates-0-name_latin": "ZHANG San",
                "delegates-0-title": "经理",
                "delegates-0-mobile": "13800000000",
                "delegates-0-email": "zhang@example.com",
                "booths_requested": "1",
                "exhibits": "水泵 Pumps",
                "consent": "y",
                "consent_version": consent.group(1),
            },
        )
        # The answer: the application made. At once the server is gone.
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        assert status == 302
        found = re.search(r"/applications/(\d+)$", location)
        assert found is not None, location
    finally:
        kill_group(server.pid)

    with site.app_context():
        application = db.session.get(Application, int(found.group(1)))
        assert application is not None
        assert (application.event_id, application.status) == (event_id, "approved")
        delegates = db.session.scalars(
            sa.select(Delegate).where(Delegate.application_id == application.id)
        ).all()
        assert [delegate.name_latin for delegate in delegates] == ["ZHANG San"]
        assert db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Transition)
            .where(Transition.application_id == application.id)
        )
        # The email that tells of it was committed with it, for a worker to send.
        assert any(email in row.recipients for row in db.session.scalars(sa.select(OutgoingMail)))
        db.engine.dispose()
