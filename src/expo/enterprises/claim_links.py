"""The link that lets a company claim a registered credit code (see :mod:`.claims`).

Mailed to an address that tried to sign up with a code already registered, and signed
over both, so a claim is always filed from an address that really tried that code.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from expo.security import signing_keys
from expo.urls import external_url

CLAIM_SALT = "enterprise-claim"


@dataclass(frozen=True)
class ClaimLink:
    """Who may claim what: the address that tried to sign up, and the code it typed."""

    email: str
    credit_code: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(), salt=CLAIM_SALT)


def claim_link_max_age() -> int:
    return int(current_app.config["ENTERPRISE_CLAIM_MAX_AGE"])


def make_claim_token(email: str, credit_code: str) -> str:
    return _serializer().dumps({"email": email, "code": credit_code})


def claim_link_from_token(token: str) -> ClaimLink | None:
    try:
        payload = _serializer().loads(token, max_age=claim_link_max_age())
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(payload, dict):
        return None
    email, code = payload.get("email"), payload.get("code")
    if not isinstance(email, str) or not isinstance(code, str):
        return None
    return ClaimLink(email, code)


def claim_url(email: str, credit_code: str) -> str:
    return external_url("enterprises.claim", token=make_claim_token(email, credit_code))
