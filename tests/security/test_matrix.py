"""Who may do what: every route of the URL map, every method, as every role.

The roles (``ROLES``): anonymous; ``owner``, a user of the enterprise whose rows the URLs
name; ``other``, a user of another enterprise; an organizer; an admin. Each route's row
below says, once, the status each role gets for GET and POST, in that order; HEAD answers
as GET does, OPTIONS answers 200 with the route's methods, and any other method 405. A
POST is sent empty: what it proves is whether the role gets past the door, and that an
empty form is refused at its fields rather than failing.

A route added to the application without a row here fails
``test_every_route_has_a_row``: decide who may use it, and write it down.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from werkzeug.exceptions import HTTPException

from tests.security.conftest import ROLES, World, empty_database, seed_world, sign_in
from tests.security.routes import methods, rules, url

# --- the table ---------------------------------------------------------------------------
# anonymous, owner, other, organizer, admin
PUBLIC = (200, 200, 200, 200, 200)
GUESTS = (200, 302, 302, 302, 302)  # sign-in and sign-up: signed-in users are sent on
SIGNED_IN = (302, 200, 200, 200, 200)  # anonymous users are sent to sign in
ENTERPRISE_USERS = (302, 200, 200, 302, 302)  # organizers are sent to their own page
OWNER = (302, 200, 404, 403, 403)  # the owner's own row: another enterprise finds nothing
ORGANIZERS = (302, 403, 403, 200, 200)
ADMINS = (302, 403, 403, 403, 200)
# What the organizers' pages ask for by script (progress, the desk's badge list): a script
# signed out is told 401, which it cannot mistake for the network being down.
ORGANIZERS_JSON = (401, 403, 403, 200, 200)
# Organizer POSTs: an action done and the organizer sent back, or an empty form refused.
ORGANIZER_ACTION = (302, 403, 403, 302, 302)
ORGANIZER_FORM = (302, 403, 403, 422, 422)
# Old GET addresses of actions that are POSTs now: organizers are sent to the list.
ORGANIZERS_SENT_ON = (302, 403, 403, 302, 302)
NOTHING_TO_DOWNLOAD = (302, 403, 403, 404, 404)  # the world's job stored no file

EXPECTED: dict[str, dict[str, tuple[int, ...]]] = {
    "/": {"GET": PUBLIC},
    "/account/": {"GET": SIGNED_IN, "POST": (302, 302, 302, 302, 302)},
    "/account/login": {"GET": GUESTS, "POST": (422, 302, 302, 302, 302)},
    "/account/logout": {"POST": (302, 302, 302, 302, 302)},
    "/account/password": {"GET": SIGNED_IN, "POST": (302, 422, 422, 422, 422)},
    "/account/reset": {"GET": PUBLIC, "POST": (422, 422, 422, 422, 422)},
    "/account/reset/<token>": {"GET": PUBLIC, "POST": (422, 422, 422, 422, 422)},
    "/account/sign-out-everywhere": {"POST": (302, 302, 302, 302, 302)},
    "/account/signup": {"GET": GUESTS, "POST": (422, 302, 302, 302, 302)},
    "/account/signup/sent": {"GET": PUBLIC},
    "/account/verification/resend": {"POST": (302, 302, 302, 302, 302)},
    "/account/verify/<token>": {"GET": PUBLIC, "POST": (302, 302, 302, 302, 302)},
    "/admin/audit": {"GET": ADMINS},
    "/applications": {"GET": (302, 200, 200, 403, 403)},
    "/applications/<int:application_id>": {"GET": OWNER},
    "/applications/<int:application_id>/edit": {
        "GET": OWNER,
        "POST": (302, 422, 404, 403, 403),
    },
    "/applications/<int:application_id>/withdraw": {
        "GET": OWNER,
        "POST": (302, 302, 404, 403, 403),
    },
    "/bootstrap/static/<path:filename>": {"GET": PUBLIC},
    "/campaigns/<int:campaign_id>": {"GET": PUBLIC},
    # An invitation to staff a check-in desk: guests make their account; the signed-in are
    # asked to sign out first. An empty form is refused at its fields.
    "/check-in-desks/accept/<token>": {
        "GET": PUBLIC,
        "POST": (422, 200, 200, 200, 200),
    },
    "/certificates/<int:certificate_id>.pdf": {"GET": (302, 200, 404, 200, 200)},
    "/delegations": {"GET": ENTERPRISE_USERS},
    "/delegations/<int:delegation_id>": {"GET": (302, 200, 404, 302, 302)},
    "/delegations/<int:delegation_id>/itinerary.ics": {"GET": (302, 200, 404, 302, 302)},
    "/delegations/<int:delegation_id>/itinerary.pdf": {"GET": (302, 200, 404, 200, 200)},
    "/enterprise": {"GET": ENTERPRISE_USERS},
    "/enterprise/claim/<token>": {"GET": PUBLIC, "POST": (422, 422, 422, 422, 422)},
    "/enterprise/claimed": {"GET": PUBLIC},
    "/enterprise/edit": {"GET": ENTERPRISE_USERS, "POST": (302, 422, 422, 302, 302)},
    "/enterprise/invite": {"GET": ENTERPRISE_USERS, "POST": (302, 422, 422, 302, 302)},
    # Each enterprise's own results: organizers have the campaign's results instead.
    "/enterprise/results": {"GET": (302, 200, 200, 403, 403)},
    "/events": {"GET": PUBLIC},
    "/events/<int:event_id>": {"GET": PUBLIC},
    # Both enterprises have applied already: they are sent to their application.
    "/events/<int:event_id>/apply": {
        "GET": (302, 302, 302, 403, 403),
        "POST": (302, 302, 302, 403, 403),
    },
    "/events/<int:event_id>/schedule.pdf": {"GET": PUBLIC},
    "/healthz": {"GET": PUBLIC},
    # The personal-information notice, in force and each version: for anyone to read.
    "/privacy": {"GET": PUBLIC},
    "/privacy/<version>": {"GET": PUBLIC},
    "/invitations/<token>": {"GET": PUBLIC, "POST": (422, 200, 200, 200, 200)},
    "/itinerary/<token>": {"GET": PUBLIC},
    "/itinerary/<token>.ics": {"GET": PUBLIC},
    "/itinerary/<token>.pdf": {"GET": PUBLIC},
    "/manage/campaigns": {"GET": ORGANIZERS},
    "/manage/campaigns/<int:campaign_id>/<any(publish, archive):action>": {
        "POST": ORGANIZER_ACTION
    },
    "/manage/campaigns/<int:campaign_id>/edit": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    # Every certificate of the campaign's events, as one run: started, the organizer sent
    # to its page.
    "/manage/campaigns/<int:campaign_id>/jobs/certificates": {"POST": ORGANIZER_ACTION},
    "/manage/campaigns/new": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage/certificates/<int:certificate_id>/reissue": {"POST": ORGANIZER_ACTION},
    "/manage/certificates/<int:certificate_id>/revoke": {"POST": ORGANIZER_ACTION},
    "/manage/delegations": {"GET": ORGANIZERS},
    "/manage/delegations/<int:delegation_id>": {"GET": ORGANIZERS},
    "/manage/delegations/<int:delegation_id>/duplicate": {
        "GET": ORGANIZERS,
        "POST": ORGANIZER_FORM,
    },
    # An empty POST to an edit form keeps the values it has (Flask-WTF reads no form data).
    "/manage/delegations/<int:delegation_id>/edit": {"GET": ORGANIZERS, "POST": ORGANIZER_ACTION},
    "/manage/delegations/<int:delegation_id>/invitations.pdf": {"GET": ORGANIZERS},
    "/manage/delegations/<int:delegation_id>/jobs/<any(invitations, itineraries):kind>": {
        "POST": ORGANIZER_ACTION
    },
    "/manage/delegations/<int:delegation_id>/itinerary": {
        "GET": ORGANIZERS,
        "POST": ORGANIZER_FORM,
    },
    "/manage/delegations/<int:delegation_id>/itinerary/<int:item_id>": {
        "GET": ORGANIZERS,
        "POST": ORGANIZER_ACTION,
    },
    "/manage/delegations/<int:delegation_id>/itinerary/<int:item_id>/delete": {
        "POST": ORGANIZER_ACTION
    },
    "/manage/delegations/<int:delegation_id>/itinerary/calendar.ics": {"GET": ORGANIZERS},
    "/manage/delegations/<int:delegation_id>/itinerary/members/<int:member_id>": {
        "GET": ORGANIZERS
    },
    "/manage/delegations/<int:delegation_id>/itinerary/members/<int:member_id>/calendar.ics": {
        "GET": ORGANIZERS
    },
    "/manage/delegations/<int:delegation_id>/members/<int:member_id>/delete": {
        "POST": ORGANIZER_ACTION
    },
    "/manage/delegations/<int:delegation_id>/members/<int:member_id>/edit": {
        "GET": ORGANIZERS,
        "POST": ORGANIZER_ACTION,
    },
    "/manage/delegations/<int:delegation_id>/members/<int:member_id>/invitation.pdf": {
        "GET": ORGANIZERS
    },
    "/manage/delegations/<int:delegation_id>/members/<int:member_id>/itinerary.pdf": {
        "GET": ORGANIZERS
    },
    # The new link is shown once, on the page the POST answers with.
    "/manage/delegations/<int:delegation_id>/members/<int:member_id>/share": {"POST": ORGANIZERS},
    "/manage/delegations/<int:delegation_id>/members/<int:member_id>/share/revoke": {
        "POST": ORGANIZER_ACTION
    },
    "/manage/delegations/<int:delegation_id>/members/from-event": {"POST": ORGANIZER_ACTION},
    "/manage/delegations/<int:delegation_id>/members/import": {
        "GET": ORGANIZERS,
        "POST": ORGANIZER_FORM,
    },
    "/manage/delegations/<int:delegation_id>/members/import-template.xlsx": {"GET": ORGANIZERS},
    "/manage/delegations/<int:delegation_id>/members/new": {
        "GET": ORGANIZERS,
        "POST": ORGANIZER_FORM,
    },
    "/manage/delegations/<int:delegation_id>/status": {"POST": ORGANIZER_ACTION},
    "/manage/delegations/new": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage": {"GET": ORGANIZERS},
    "/manage/enterprises": {"GET": ORGANIZERS},
    "/manage/enterprises/<int:enterprise_id>": {"GET": ORGANIZERS},
    "/manage/enterprises/<int:enterprise_id>/edit": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage/enterprises/<int:enterprise_id>/flags": {"POST": ORGANIZER_ACTION},
    "/manage/enterprises/claims": {"GET": ORGANIZERS},
    "/manage/key-enterprises": {"GET": ORGANIZERS},
    "/manage/key-enterprises/import": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage/key-enterprises/invite": {"POST": ORGANIZER_ACTION},
    "/manage/key-enterprises/template.xlsx": {"GET": ORGANIZERS},
    "/manage/enterprises/claims/<int:claim_id>": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage/events": {"GET": ORGANIZERS},
    "/manage/events/<int:event_id>/<any(publish, archive):action>": {"POST": ORGANIZER_ACTION},
    "/manage/events/<int:event_id>/applications": {"GET": ORGANIZERS},
    "/manage/events/<int:event_id>/applications/<int:application_id>": {"GET": ORGANIZERS},
    "/manage/events/<int:event_id>/applications/<int:application_id>/attendance-waiver": {
        "POST": ORGANIZER_ACTION
    },
    "/manage/events/<int:event_id>/applications/<int:application_id>/cancel": {
        "GET": ORGANIZERS,
        "POST": ORGANIZER_FORM,
    },
    "/manage/events/<int:event_id>/applications/<int:application_id>/certificate": {
        "POST": ORGANIZER_ACTION
    },
    "/manage/events/<int:event_id>/applications/<int:application_id>/review": {
        "POST": ORGANIZER_ACTION
    },
    # Without applications ticked in its query string, the list.
    "/manage/events/<int:event_id>/applications/bulk/confirm": {"GET": ORGANIZERS_SENT_ON},
    "/manage/events/<int:event_id>/applications/bulk": {
        "GET": ORGANIZERS_SENT_ON,
        "POST": ORGANIZER_FORM,
    },
    "/manage/events/<int:event_id>/applications/export.csv": {
        "GET": ORGANIZERS_SENT_ON,
        "POST": ORGANIZERS,
    },
    "/manage/events/<int:event_id>/applications/export.xlsx": {
        "GET": ORGANIZERS_SENT_ON,
        "POST": ORGANIZERS,
    },
    "/manage/events/<int:event_id>/arrivals": {"GET": ORGANIZERS},
    "/manage/events/<int:event_id>/arrivals.xlsx": {"GET": ORGANIZERS},
    "/manage/events/<int:event_id>/badges.pdf": {"GET": ORGANIZERS},
    "/manage/events/<int:event_id>/check-in": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage/events/<int:event_id>/check-in/<token>": {"GET": ORGANIZERS},
    "/manage/events/<int:event_id>/copy": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage/events/<int:event_id>/check-in-badges.json": {"GET": ORGANIZERS_JSON},
    # An empty post carries no badge list: refused whole.
    "/manage/events/<int:event_id>/check-in-sync": {"POST": (302, 403, 403, 400, 400)},
    "/manage/events/<int:event_id>/check-in-worker.js": {"GET": ORGANIZERS},
    # The world's delegate is checked in already: the answer says so, on the desk's page.
    "/manage/events/<int:event_id>/check-in/delegates/<int:delegate_id>": {"POST": ORGANIZERS},
    "/manage/events/<int:event_id>/check-in-desks": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage/events/<int:event_id>/check-in-desks/<int:desk_id>/revoke": {"POST": ORGANIZER_ACTION},
    "/manage/events/<int:event_id>/check-ins/<int:check_in_id>/undo": {
        "GET": ORGANIZERS,
        "POST": ORGANIZER_FORM,
    },
    "/manage/events/<int:event_id>/edit": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage/events/<int:event_id>/jobs/<any(certificates, badges):kind>": {
        "POST": ORGANIZER_ACTION
    },
    "/manage/events/<int:event_id>/questions": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage/events/<int:event_id>/questions/<int:question_id>": {
        "GET": ORGANIZERS,
        "POST": ORGANIZER_ACTION,
    },
    "/manage/events/<int:event_id>/questions/<int:question_id>/delete": {"POST": ORGANIZER_ACTION},
    "/manage/events/<int:event_id>/questions/<int:question_id>/move/<any(up, down):direction>": {
        "POST": ORGANIZER_ACTION
    },
    "/manage/events/<int:event_id>/sessions": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage/events/<int:event_id>/sessions/<int:session_id>": {
        "GET": ORGANIZERS,
        "POST": ORGANIZER_ACTION,
    },
    "/manage/events/<int:event_id>/sessions/<int:session_id>/delete": {"POST": ORGANIZER_ACTION},
    "/manage/events/new": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage/events/<int:event_id>/outcomes": {"GET": ORGANIZERS},
    # The world's event has not ended: asking is refused with a message, and nothing changes.
    "/manage/events/<int:event_id>/outcomes/request": {"POST": ORGANIZER_ACTION},
    "/manage/events/<int:event_id>/outcomes/period": {"POST": ORGANIZER_FORM},
    "/manage/events/<int:event_id>/outcomes/rates": {"POST": ORGANIZER_FORM},
    "/manage/events/<int:event_id>/messages": {"GET": ORGANIZERS},
    "/manage/events/<int:event_id>/messages/new": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage/messages/<int:message_id>": {"GET": ORGANIZERS},
    "/manage/messages/<int:message_id>.json": {"GET": ORGANIZERS_JSON},
    "/manage/messages/<int:message_id>/resume": {"POST": ORGANIZER_ACTION},
    "/manage/jobs/<int:job_id>": {"GET": ORGANIZERS},
    "/manage/jobs/<int:job_id>.json": {"GET": ORGANIZERS_JSON},
    "/manage/jobs/<int:job_id>/<any(certificates, badges, invitations, itineraries):kind>.zip": {
        "GET": NOTHING_TO_DOWNLOAD
    },
    "/manage/jobs/<int:job_id>/cancel": {"POST": ORGANIZER_ACTION},
    "/manage/jobs/<int:job_id>/merged.pdf": {"GET": NOTHING_TO_DOWNLOAD},
    "/manage/jobs/<int:job_id>/print-<int:number>.pdf": {"GET": NOTHING_TO_DOWNLOAD},
    "/manage/outcomes/<int:report_id>": {"GET": ORGANIZERS},
    "/manage/results": {"GET": ORGANIZERS},
    "/manage/results.pdf": {"GET": ORGANIZERS},
    "/manage/results/report": {"POST": ORGANIZER_ACTION},
    "/manage/results.xlsx": {"GET": ORGANIZERS},
    "/manage/outcomes/<int:report_id>/confirm": {"POST": ORGANIZER_ACTION},
    "/manage/outcomes/<int:report_id>/edit": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage/outcomes/<int:report_id>/return": {"POST": ORGANIZER_FORM},
    # Prometheus scrapes with a bearer token (tests/core/test_monitoring.py); without one
    # configured the address is not there for anybody, signed in or not.
    "/metrics": {"GET": (404, 404, 404, 404, 404)},
    # Matchmaking: organizers run it; the Sichuan side from its application's page; buyers
    # and suppliers without an account, by the private link mailed to them.
    "/manage/events/<int:event_id>/matchmaking": {"GET": ORGANIZERS, "POST": ORGANIZER_FORM},
    "/manage/events/<int:event_id>/matchmaking/counterparts/<int:counterpart_id>/review": {
        "POST": ORGANIZER_ACTION
    },
    # The new link is shown on the page the POST answers with, once.
    "/manage/events/<int:event_id>/matchmaking/counterparts/<int:counterpart_id>/link": {
        "POST": (302, 403, 403, 200, 200)
    },
    "/manage/events/<int:event_id>/matchmaking/counterparts/<int:counterpart_id>/languages": {
        "POST": ORGANIZER_ACTION
    },
    "/manage/events/<int:event_id>/matchmaking/delegation-members": {"POST": ORGANIZER_ACTION},
    "/manage/events/<int:event_id>/matchmaking/grid": {"GET": ORGANIZERS},
    "/manage/events/<int:event_id>/matchmaking/grid.pdf": {"GET": ORGANIZERS},
    "/manage/events/<int:event_id>/matchmaking/table-cards.pdf": {"GET": ORGANIZERS},
    "/manage/events/<int:event_id>/matchmaking/matches": {"POST": ORGANIZER_ACTION},
    "/manage/events/<int:event_id>/matchmaking/meetings/<int:meeting_id>/move": {
        "GET": ORGANIZERS,
        "POST": ORGANIZER_FORM,
    },
    "/manage/events/<int:event_id>/matchmaking/meetings/<int:meeting_id>/outcome": {
        "POST": ORGANIZER_ACTION
    },
    "/manage/events/<int:event_id>/matchmaking/publish": {"POST": ORGANIZER_ACTION},
    "/manage/events/<int:event_id>/matchmaking/requests/<int:request_id>/remove": {
        "POST": ORGANIZER_ACTION
    },
    # The scheduler's report is the page the POST answers with.
    "/manage/events/<int:event_id>/matchmaking/schedule": {"POST": (302, 403, 403, 200, 200)},
    "/applications/<int:application_id>/matchmaking": {"GET": (302, 200, 404, 302, 302)},
    "/applications/<int:application_id>/matchmaking.ics": {"GET": (302, 200, 404, 302, 302)},
    "/applications/<int:application_id>/matchmaking.pdf": {"GET": (302, 200, 404, 302, 302)},
    "/applications/<int:application_id>/matchmaking/ask/<int:counterpart_id>": {
        "POST": (302, 302, 404, 302, 302)
    },
    "/applications/<int:application_id>/matchmaking/manage": {"GET": ORGANIZERS_SENT_ON},
    "/applications/<int:application_id>/matchmaking/meetings/<int:meeting_id>/outcome": {
        "POST": (302, 302, 404, 302, 302)
    },
    "/applications/<int:application_id>/matchmaking/profile": {"POST": (302, 302, 404, 302, 302)},
    "/applications/<int:application_id>/matchmaking/requests/<int:request_id>/"
    "<any(accept,decline,withdraw):decision>": {"POST": (302, 302, 404, 302, 302)},
    "/events/<int:event_id>/matchmaking/register": {"GET": PUBLIC, "POST": (422,) * 5},
    "/matchmaking/<token>": {"GET": PUBLIC},
    "/matchmaking/<token>.ics": {"GET": PUBLIC},
    "/matchmaking/<token>.pdf": {"GET": PUBLIC},
    "/matchmaking/<token>/ask/<int:application_id>": {"POST": (303,) * 5},
    "/matchmaking/<token>/meetings/<int:meeting_id>/outcome": {"POST": (303,) * 5},
    "/matchmaking/<token>/requests/<int:request_id>/<any(accept,decline,withdraw):decision>": {
        "POST": (303,) * 5
    },
    "/outcomes": {"GET": (302, 200, 200, 403, 403)},
    "/outcomes/<int:report_id>": {"GET": OWNER},
    "/outcomes/<int:report_id>/edit": {"GET": OWNER, "POST": (302, 422, 404, 403, 403)},
    "/static/<path:filename>": {"GET": PUBLIC},
    "/verify": {"GET": PUBLIC},
    "/verify/<code>": {"GET": PUBLIC},
}
# Methods no route takes: each answers 405, whoever asks.
OTHER_METHODS = ("PUT", "DELETE", "PATCH")
# Statuses after which a POST changed nothing, so the next role may use the same world.
REFUSED = frozenset({400, 403, 404, 405, 422})


def _may_change(role: str, status: int) -> bool:
    """Whether a POST answered so may have changed the world (anonymous users are sent to
    sign in: their 302 changed nothing)."""
    return status not in REFUSED and not (role == "anonymous" and status == 302)


def expected_statuses(rule: str, method: str) -> tuple[int, ...]:
    return EXPECTED[rule]["GET" if method == "HEAD" else method]


# --- the tests ---------------------------------------------------------------------------

_APP_RULES = sorted(EXPECTED)


def test_every_route_has_a_row(app: Flask) -> None:
    """Each route and each of its methods (but HEAD and OPTIONS) is in the table."""
    routes = {
        rule.rule: {method for method in methods(rule) if method not in ("HEAD", "OPTIONS")}
        for rule in rules(app)
    }
    assert {rule: set(row) for rule, row in EXPECTED.items()} == routes


def _statuses(browsers, path: str, method: str) -> tuple[int, ...]:
    return tuple(browsers[role].open(path, method=method).status_code for role in ROLES)


@pytest.mark.parametrize("rule", _APP_RULES)
def test_reading(app: Flask, shared_world: World, browsers, rule: str) -> None:
    """GET and HEAD as each row says; OPTIONS names the methods; others are refused."""
    (route,) = [candidate for candidate in rules(app) if candidate.rule == rule]
    path = url(route, shared_world)
    allowed = set(methods(route))
    if "GET" in allowed:
        assert _statuses(browsers, path, "GET") == EXPECTED[rule]["GET"], "GET"
        assert _statuses(browsers, path, "HEAD") == EXPECTED[rule]["GET"], "HEAD"
    for role in ROLES:
        response = browsers[role].options(path)
        assert response.status_code == 200, ("OPTIONS", role)
        assert set(response.headers["Allow"].split(", ")) == allowed, ("OPTIONS", role)
    # Routing refuses them before anyone is looked at: one role for each, DELETE for all.
    for method in OTHER_METHODS:
        assert browsers["anonymous"].open(path, method=method).status_code == 405, method
    assert _statuses(browsers, path, "DELETE") == (405,) * len(ROLES), "DELETE"


# --- the door's staff ----------------------------------------------------------------------
# What the desk staff of the world's event may open: the desk and what its page loads.
DESK_STAFF_PAGES = {
    "/manage/events/<int:event_id>/check-in": 200,
    "/manage/events/<int:event_id>/check-in-badges.json": 200,
    "/manage/events/<int:event_id>/check-in-worker.js": 200,
    "/manage/events/<int:event_id>/check-in/<token>": 200,  # a badge's QR code, opened
}


def _organizers_only(row: tuple[int, ...]) -> bool:
    """A page enterprise users are refused (403) and organizers may open."""
    _anonymous, owner, other, organizer, _admin = row
    return owner == other == 403 and organizer in (200, 302, 404, 422)


_ORGANIZER_PAGES = [
    rule
    for rule in _APP_RULES
    if rule in DESK_STAFF_PAGES or _organizers_only(EXPECTED[rule].get("GET", (0,) * 5))
]


@pytest.mark.parametrize("rule", _ORGANIZER_PAGES)
def test_desk_staff_open_their_desk_and_no_other_organizer_page(
    app: Flask, shared_world: World, rule: str
) -> None:
    (route,) = [candidate for candidate in rules(app) if candidate.rule == rule]
    response = sign_in(app, shared_world, "desk").get(url(route, shared_world))
    assert response.status_code == DESK_STAFF_PAGES.get(rule, 403)
    if response.status_code == 200 and response.mimetype == "text/html":
        # No link on their pages leads them to a door that is shut to them.
        adapter = app.url_map.bind("localhost")
        for link in re.findall(r'href="(/[^"#?]*)', response.get_data(as_text=True)):
            try:
                target, _arguments = adapter.match(link, method="GET", return_rule=True)
            except HTTPException:
                continue  # a static file or an address outside the map
            assert target.rule in DESK_STAFF_PAGES or not _organizers_only(
                EXPECTED[target.rule].get("GET", (0,) * 5)
            ), link


_POST_RULES = [rule for rule in _APP_RULES if "POST" in EXPECTED[rule]]


@pytest.mark.parametrize("rule", _POST_RULES)
def test_posting(app: Flask, no_printing, rule: str) -> None:
    """An empty POST as each role. A role that may act gets a world of its own: the
    organizer's deletion must not turn the admin's answer into a 404."""
    (route,) = [candidate for candidate in rules(app) if candidate.rule == rule]
    expected = EXPECTED[rule]["POST"]
    # Refusals first, in one world; then each role that may act, in a fresh one.
    order = sorted(range(len(ROLES)), key=lambda index: _may_change(ROLES[index], expected[index]))
    got: dict[str, int] = {}
    world: World | None = None
    try:
        for index in order:
            role = ROLES[index]
            if world is None:
                with app.app_context():
                    empty_database()
                    world = seed_world()
            got[role] = sign_in(app, world, role).post(url(route, world)).status_code
            if _may_change(role, got[role]):
                world = None
    finally:
        with app.app_context():
            empty_database()
    assert tuple(got[role] for role in ROLES) == expected
