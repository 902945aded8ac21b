"""Reading pages as a browser user would, shared by every area's view tests."""

from __future__ import annotations

import html
import re

from werkzeug.http import parse_options_header

from expo.extensions import db
from tests.factories import DEFAULT_PASSWORD


def sign_in(app, user):
    """A browser of its own, signed in as ``user`` through the real sign-in form."""
    db.session.commit()  # the request runs in its own session and must see the user
    browser = app.test_client()
    response = browser.post(
        "/account/login", data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return browser


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def field_error(response, field: str) -> str | None:
    """The message shown at a form field, or None when the field has none."""
    match = re.search(
        rf'<div id="{field}-error"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S
    )
    return html.unescape(match.group(1)).strip() if match else None


def error_at(html_text: str, field: str) -> str:
    """The message at a form field, which must be there."""
    match = re.search(rf'id="{field}-error"[^>]*>(.*?)</div>', html_text, re.S)
    assert match, f"no error shown at {field}"
    return match.group(1)


def h1_count(response) -> int:
    return len(re.findall(r"<h1[\s>]", response.get_data(as_text=True)))


def attachment_name(response) -> str:
    """The file name a download offers (``Content-Disposition: attachment``)."""
    disposition, options = parse_options_header(response.headers["Content-Disposition"])
    assert disposition == "attachment"
    return options["filename"]


def sql_statements(client, url: str) -> list[str]:
    """The SQL statements one page view runs (its status must be 200)."""
    import sqlalchemy as sa

    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return seen
