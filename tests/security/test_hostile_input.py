"""Hostile input never reaches a 500: every GET route and every form, as someone who may
use them, with huge and negative numbers, "²" (a digit to ``str.isdigit`` but not to
``int``), NUL, 100 kB strings, invalid UTF-8 and far dates.

The crawl asks for each page as the first role the matrix lets see it, then sends the
hostile values in every field of every form the pages offer.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient

from tests.security.conftest import ROLES, World
from tests.security.forms import page_forms
from tests.security.routes import id_arguments, rules, url
from tests.security.test_matrix import expected_statuses

HOSTILE_IDS = (
    "0",
    "00000000000000000000001",
    "99999999999999999999999",  # 23 digits
    str(2**63),
    str(2**31),
    "9" * 5000,
)
LONG_TEXT = "x" * 100_000
HOSTILE_VALUES = (
    "99999999999999999999999",
    "-99999999999999999999999",
    "-1",
    "²",
    "1e309",
    "NaN",
    "a\x00b",
    "\x1b[31m\x07",
    "王芳\r\nBcc: someone@example.com",
    LONG_TEXT,
    "9999-12",
    "0000-00",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
)
# What the query strings get (every parameter at once): numbers, text, months, dates.
QUERY_VALUES = (
    "99999999999999999999999",
    "-1",
    "²",
    "a\x00b\x1b",
    "9999-12",
    "0000-00",
    "0001-01-01",
)
# Bytes a browser never sends: not UTF-8.
INVALID_UTF8 = b"%ff%fe%c0%af"
# The query parameters the pages read, and a few more an attacker would try.
QUERY_NAMES = (
    "page",
    "campaign",
    "country",
    "kind",
    "month",
    "when",
    "open",
    "status",
    "q",
    "sort",
    "action",
    "subject",
    "industry",
    "prefecture",
    "direction",
    "verified",
    "lang",
    "next",
    "event",
)
LAST_ACTIONS = ("delete", "withdraw", "archive", "revoke", "reissue", "cancel")
# Forms the crawl leaves alone: signing out would end the crawl's own session.
SKIPPED_ACTIONS = ("/account/logout",)


def _reader(rule) -> str | None:
    """The first role that may read the page, by the matrix."""
    for role, status in zip(ROLES, expected_statuses(rule.rule, "GET"), strict=True):
        if status == 200:
            return role
    return None


def _get_rules(app: Flask):
    return [rule for rule in rules(app) if "GET" in (rule.methods or ())]


def _check(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"


def test_ids_out_of_range_are_not_found(app, shared_world: World, browsers) -> None:
    for rule in _get_rules(app) + [r for r in rules(app) if "POST" in (r.methods or ())]:
        for name in id_arguments(rule):
            for value in HOSTILE_IDS:
                path = url(rule, shared_world, **{name: value})
                for role in ("anonymous", "organizer"):
                    response = browsers[role].get(path)
                    assert response.status_code in (302, 403, 404, 405), (path, role)


def test_hostile_query_strings(app, shared_world: World, browsers) -> None:
    for rule in _get_rules(app):
        role = _reader(rule)
        if role is None:
            continue
        browser = browsers[role]
        path = url(rule, shared_world)
        for value in QUERY_VALUES:
            query = {name: value for name in QUERY_NAMES}
            _check(browser.get(path, query_string=query), f"{role} GET {path} ({value[:20]!r})")
        # A long text in a number, a search, a month and a choice (all at once would be
        # megabytes per address, and slow to no purpose).
        query = {name: LONG_TEXT for name in ("page", "q", "month", "campaign")}
        _check(browser.get(path, query_string=query), f"{role} GET {path} (100 kB)")
        raw = "&".join(f"{name}={INVALID_UTF8.decode()}" for name in QUERY_NAMES)
        _check(browser.get(f"{path}?{raw}"), f"{role} GET {path} (invalid UTF-8)")


def _forms(app: Flask, world: World, browsers: dict[str, FlaskClient]):
    """Every form of every page: (role, action, field names), once per action."""
    seen: set[str] = set()
    for rule in _get_rules(app):
        role = _reader(rule)
        if role is None:
            continue
        page = url(rule, world)
        response = browsers[role].get(page)
        if response.mimetype != "text/html":
            continue
        for form in page_forms(response.get_data(as_text=True), page):
            action = urlsplit(form.action).path or page
            if action in SKIPPED_ACTIONS or (form.method, action) in seen:
                continue
            seen.add((form.method, action))
            yield role, form.method, action, form.fields


def test_hostile_forms(app, shared_world: World, browsers) -> None:
    # Forms that remove what other forms edit go last, so those are still there.
    forms = sorted(
        _forms(app, shared_world, browsers),
        key=lambda form: any(word in form[2] for word in LAST_ACTIONS),
    )
    assert len(forms) > 30  # the crawl found the application's forms
    for role, method, action, names in forms:
        browser = browsers[role]
        for value in HOSTILE_VALUES:
            data = {name: value for name in names if name != "csrf_token"}
            if method == "GET":
                response = browser.get(action, query_string=data)
            else:
                response = browser.post(action, data=data)
            _check(response, f"{role} {method} {action} ({value[:20]!r})")
        body = "&".join(f"{name}={INVALID_UTF8.decode()}" for name in names)
        response = browser.open(
            action,
            method=method,
            data=body,
            content_type="application/x-www-form-urlencoded",
        )
        _check(response, f"{role} {method} {action} (invalid UTF-8)")
