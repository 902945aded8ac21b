"""Every route of the application as a URL of the security tests' world."""

from __future__ import annotations

import re

from flask import Flask
from werkzeug.routing import Rule

from tests.security.conftest import World

# Which of the world's tokens a route's <token> is, by endpoint.
TOKENS = {
    "accounts.reset_password": "reset_token",
    "accounts.verify_email": "verification_token",
    "enterprises.accept_invitation": "invitation_token",
    "enterprises.claim": "claim_token",
    "delegations.shared": "share_token",
    "delegations.shared_calendar": "share_token",
    "documents.shared_itinerary": "share_token",
    "documents.check_in": "check_in_token",
    "attendance.accept_invitation": "desk_invitation_token",
    "matchmaking.counterpart_home": "match_token",
    "matchmaking.counterpart_ask": "match_token",
    "matchmaking.counterpart_decide": "match_token",
    "matchmaking.counterpart_outcome": "match_token",
    "matchmaking.counterpart_calendar": "match_token",
    "matchmaking.counterpart_pdf": "match_token",
}
# A file each static route serves.
FILES = {
    "static": "css/expo.css",
    "bootstrap.static": "css/bootstrap.min.css",
}
_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\((?P<options>[^)]*)\))?:)?(?P<name>\w+)>")


def rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)


def methods(rule: Rule) -> list[str]:
    return sorted(rule.methods or ())


def url(rule: Rule, world: World, **replace: object) -> str:
    """The rule's path with the world's values (``replace`` overrides some of them)."""

    def value(match: re.Match) -> str:
        name = match["name"]
        if name in replace:
            return str(replace[name])
        if match["converter"] == "any":
            return match["options"].split(",")[0].strip().strip("'\"")
        if name == "token":
            return str(world[TOKENS[rule.endpoint]])
        if name == "filename":
            return FILES[rule.endpoint]
        return str(world[name])

    return _ARGUMENT.sub(value, rule.rule)


def id_arguments(rule: Rule) -> list[str]:
    return [name for name in sorted(rule.arguments) if name.endswith("_id")]
