"""Builders of valid test data: each call returns a flushed row, overrides as keywords."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from functools import cache

from werkzeug.security import generate_password_hash

from expo.accounts.models import Role, User
from expo.enterprises.credit_codes import build_credit_code
from expo.enterprises.models import Enterprise
from expo.events.models import AgendaSession, Campaign, Event
from expo.extensions import db

DEFAULT_PASSWORD = "password-123"
_sequence = itertools.count(1)


@cache
def _password_hash(password: str) -> str:
    # Hashing with scrypt costs tens of milliseconds; tests reuse one hash per password.
    return generate_password_hash(password, method="scrypt")


def make_user(
    role: Role | str = Role.ENTERPRISE, password: str = DEFAULT_PASSWORD, **fields
) -> User:
    number = next(_sequence)
    values = {
        "email": f"user{number}@example.com",
        "name": f"User {number}",
        "mobile": "13800000000",
        "role": Role(role).value,
        "locale": "zh",
        "password_hash": _password_hash(password),
    }
    values.update(fields)
    user = User(**values)
    db.session.add(user)
    db.session.flush()
    return user


def valid_credit_code(prefecture: str = "510100", serial: int | None = None) -> str:
    """A unified social credit code with correct check characters for a prefecture."""
    serial = next(_sequence) if serial is None else serial
    return build_credit_code(prefecture, f"{serial:08d}")


def make_enterprise(**fields) -> Enterprise:
    number = next(_sequence)
    values = {
        "name_zh": f"四川测试企业{number}有限公司",
        "name_en": f"Sichuan Test Enterprise {number} Co., Ltd.",
        "credit_code": valid_credit_code(serial=number),
        "prefecture": "510100",
        "industry": "machinery",
    }
    values.update(fields)
    enterprise = Enterprise(**values)
    db.session.add(enterprise)
    db.session.flush()
    return enterprise


def make_campaign(**fields) -> Campaign:
    values = {
        "kind": "going_global",
        "year": 2027,
        "title_zh": "川行天下·测试活动",
        "title_en": "Sichuan Going Global Test Campaign",
        "status": "published",
    }
    values.update(fields)
    campaign = Campaign(**values)
    db.session.add(campaign)
    db.session.flush()
    return campaign


def make_event(campaign: Campaign | None = None, **fields) -> Event:
    campaign = campaign or make_campaign()
    starts = fields.pop("starts_at", datetime.now(UTC).replace(microsecond=0) + timedelta(days=60))
    values = {
        "campaign": campaign,
        "kind": "trade_fair",
        "title_zh": "布达佩斯国际博览会",
        "title_en": "Budapest International Fair",
        "country": "HU",
        "city_zh": "布达佩斯",
        "city_en": "Budapest",
        "venue_zh": "匈牙利会展中心",
        "venue_en": "Hungexpo",
        "timezone": "Europe/Budapest",
        "starts_at": starts,
        "ends_at": starts + timedelta(days=3),
        "registration_opens_at": starts - timedelta(days=90),
        "registration_closes_at": starts - timedelta(days=14),
        "capacity": 20,
        "max_delegates": 3,
        "moderation": "review",
        "status": "published",
    }
    values.update(fields)
    event = Event(**values)
    db.session.add(event)
    db.session.flush()
    return event


def make_session(event: Event, **fields) -> AgendaSession:
    starts = fields.pop("starts_at", event.starts_at + timedelta(hours=1))
    values = {
        "event": event,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=1),
        "title_zh": "开幕式",
        "title_en": "Opening ceremony",
    }
    values.update(fields)
    session = AgendaSession(**values)
    db.session.add(session)
    db.session.flush()
    return session


def make_enterprise_user(enterprise=None, **fields) -> User:
    """A user of role enterprise who belongs to ``enterprise`` (a new one by default)."""
    enterprise = enterprise or make_enterprise()
    return make_user(Role.ENTERPRISE, enterprise_id=enterprise.id, **fields)


def open_event(**fields) -> Event:
    """A published event whose registration is open now."""
    now = datetime.now(UTC).replace(microsecond=0)
    values = {
        "starts_at": now + timedelta(days=60),
        "registration_opens_at": now - timedelta(days=1),
        "registration_closes_at": now + timedelta(days=30),
    }
    values.update(fields)
    return make_event(**values)
