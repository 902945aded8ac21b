"""What every response tells the browser: CSP, framing, sniffing, referrer, HSTS, cookies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Response

from expo import PROJECT_ROOT, create_app
from expo.extensions import db as _db
from tests.conftest import make_test_config
from tests.factories import DEFAULT_PASSWORD, make_user

TEMPLATES = PROJECT_ROOT / "templates"


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {
        name: value.strip()
        for name, _, value in (part.strip().partition(" ") for part in policy.split(";"))
    }


@pytest.mark.parametrize("path", ["/", "/account/login", "/no-such-page"])
def test_every_page_carries_the_security_headers(client, path):
    response = client.get(path)

    policy = directives(response)
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_pdf_is_not_sniffed_and_keeps_the_browser_viewer_working(tmp_path_factory):
    app = create_app(make_test_config(tmp_path_factory))
    app.add_url_rule("/file.pdf", "pdf", lambda: Response(b"%PDF-1.7", mimetype="application/pdf"))

    response = app.test_client().get("/file.pdf")

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    # Chrome's PDF viewer is a page of inline styles and a plugin: a policy would blank it.
    assert "Content-Security-Policy" not in response.headers


def test_the_application_adds_no_server_banner(client):
    assert "Server" not in client.get("/").headers


def test_a_view_may_ask_for_a_stricter_referrer_policy(tmp_path_factory):
    app = create_app(make_test_config(tmp_path_factory))
    app.add_url_rule("/secret", "secret", lambda: ("", 200, {"Referrer-Policy": "no-referrer"}))

    assert app.test_client().get("/secret").headers["Referrer-Policy"] == "no-referrer"


class TestStrictTransportSecurity:
    def test_over_https(self, client):
        response = client.get("/", base_url="https://localhost")

        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"

    def test_not_over_plain_http_to_an_http_address(self, client):
        assert "Strict-Transport-Security" not in client.get("/").headers

    def test_always_when_the_address_is_https(self, tmp_path_factory):
        app = create_app(make_test_config(tmp_path_factory, BASE_URL="https://localhost"))
        app.add_url_rule("/ping", "ping", lambda: "pong")

        response = app.test_client().get("/ping")

        assert response.headers["Strict-Transport-Security"] == "max-age=31536000"

    def test_none_when_switched_off(self, tmp_path_factory):
        app = create_app(make_test_config(tmp_path_factory, HSTS_MAX_AGE=0))
        app.add_url_rule("/ping", "ping", lambda: "pong")

        response = app.test_client().get("/ping", base_url="https://localhost")

        assert "Strict-Transport-Security" not in response.headers


@pytest.fixture()
def app_at(app, db, tmp_path_factory):
    """An app served at another BASE_URL, sharing the test database."""
    made = []

    def make(base_url: str):
        other = create_app(
            make_test_config(
                tmp_path_factory, BASE_URL=base_url, DATABASE_URL=app.config["DATABASE_URL"]
            )
        )
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            _db.engine.dispose()


@pytest.mark.parametrize(
    ("base_url", "secure"), [("https://localhost", True), ("http://localhost", False)]
)
def test_session_and_remember_cookies_are_secure_on_an_https_address(db, app_at, base_url, secure):
    user = make_user(email="li@example.com")
    db.session.commit()

    response = (
        app_at(base_url)
        .test_client()
        .post(
            "/account/login",
            base_url=base_url,
            data={"email": user.email, "password": DEFAULT_PASSWORD, "remember": "y"},
        )
    )

    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert {cookie.split("=", 1)[0] for cookie in cookies} >= {"session", "remember_token"}
    assert all(("; Secure" in cookie) is secure for cookie in cookies)


# --- no inline script or style in the pages, so the policy needs no 'unsafe-inline' -------


def web_templates() -> list[Path]:
    """Every page template; print templates (WeasyPrint, never a browser) are left out."""
    return [
        path
        for path in sorted(TEMPLATES.rglob("*.html"))
        if not path.is_relative_to(TEMPLATES / "documents")
    ]


INLINE = {
    "a script without src": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "a style element": re.compile(r"<style\b", re.IGNORECASE),
    "a style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "an event-handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


@pytest.mark.parametrize(
    "template", web_templates(), ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_no_page_template_holds_inline_script_or_style(template):
    text = template.read_text()

    found = [what for what, pattern in INLINE.items() if pattern.search(text)]

    assert found == []
