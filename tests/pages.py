"""Reading pages as a browser user would, shared by every area's view tests."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, get_timezone_location
from werkzeug.http import parse_options_header

from expo.extensions import db
from tests.factories import DEFAULT_PASSWORD

# The one rule for phone numbers, as the forms and services of every area say it.
PHONE_MESSAGE = (
    "Enter a phone number of 5 to 20 digits; spaces, brackets, dots, "
    "hyphens and a leading + may be used."
)


def sign_in(app, user):
    """A browser of its own, signed in as ``user`` through the real sign-in form."""
    db.session.commit()  # the request runs in its own session and must see the user
    browser = app.test_client()
    response = browser.post(
        "/account/login", data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    return browser


# Screens word zones and dates as CLDR does, on purpose (printed documents use the
# product's own wording, tested literally in tests/documents). A test of a screen computes
# what it expects with Babel, so it holds whichever CLDR release Babel brings.


def screen_zone(moment: datetime, tz_name: str, language: str) -> str:
    """A zone as every screen names it at ``moment``: CLDR's exemplar city in CLDR's
    "{0} Time" pattern, then the offset ("Budapest Time (UTC+02:00)"); China's clock is
    Beijing time ("北京时间 (UTC+08:00)"), as China names it."""
    offset = moment.astimezone(ZoneInfo(tz_name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    hours, rest = divmod(abs(minutes), 60)
    utc = f"UTC{'-' if minutes < 0 else '+'}{hours:02d}:{rest:02d}"
    if tz_name == "Asia/Shanghai":
        return f"{'北京时间' if language == 'zh' else 'Beijing Time'} ({utc})"
    city = get_timezone_location(ZoneInfo(tz_name), locale=language, return_city=True)
    return f"{Locale.parse(language).zone_formats['region'] % city} ({utc})"


def cldr_date(day: date, language: str, width: str = "medium") -> str:
    """A date as the screens print it, e.g. "Wednesday, March 10, 2027" (``full``)."""
    return format_date(day, width, locale=language)


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


def selected_option(text: str, name: str) -> str | None:
    """The value of the option selected in the ``<select name=name>`` of a page."""
    found = re.search(rf'<select[^>]*\bname="{re.escape(name)}"[^>]*>(.*?)</select>', text, re.S)
    if found is None:
        return None
    for option in re.finditer(r"<option\b([^>]*)>", found.group(1)):
        attributes = option.group(1)
        if re.search(r"\bselected\b", attributes):
            value = re.search(r'\bvalue="([^"]*)"', attributes)
            return html.unescape(value.group(1)) if value else None
    return None


def tampered(signed: str) -> str:
    """``signed`` with one character of its signature changed: the third from the end,
    whose bits all count (the last character of unpadded base64 may carry bits that
    decoding ignores, so changing it can leave the signature as it was)."""
    position = len(signed) - 3
    replacement = "A" if signed[position] != "A" else "B"
    return signed[:position] + replacement + signed[position + 1 :]
