"""Builders of valid test data: each call returns a flushed row, overrides as keywords."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache

from werkzeug.security import generate_password_hash

from expo.accounts.models import Role, User
from expo.attendance.models import CheckIn
from expo.delegations.models import Delegation, ItineraryItem, Member
from expo.enterprises.credit_codes import build_credit_code
from expo.enterprises.models import Enterprise
from expo.events.models import AgendaSession, Campaign, Event, Question
from expo.extensions import db
from expo.i18n import to_local
from expo.jobs.models import DocumentJob
from expo.outcomes.models import Deal, OutcomeReport
from expo.registrations.models import Application, Delegate

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
        # Checked by the organizers, as every enterprise that receives a certificate is;
        # a test of an unverified one says so.
        "verified": True,
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


def make_question(event: Event, **fields) -> Question:
    values = {
        "kind": "short_text",
        "label_zh": "主要出口产品",
        "label_en": "Main export products",
        "position": len(event.questions),
    }
    values.update(fields)
    question = Question(**values)
    event.questions.append(question)
    db.session.flush()
    return question


def make_application(
    event: Event, enterprise: Enterprise | None = None, *, delegates: int = 1, **fields
) -> Application:
    """An application as the service would have saved it (approved by default), with
    ``delegates`` delegates whose passports differ from every other's."""
    values = {
        "event": event,
        "enterprise": enterprise or make_enterprise(),
        "status": "approved",
        "consent_version": "test",
        "consented_at": datetime.now(UTC),
        "exhibits": "川茶",
        "delegates": [
            Delegate(
                position=index,
                name_zh=f"王{index + 1}",
                name_latin=f"WANG {index + 1}",
                title="总经理",
                mobile="13800000000",
                email=f"delegate{next(_sequence)}@example.com",
                passport_number=f"E{next(_sequence):08d}",
            )
            for index in range(delegates)
        ],
    }
    values.update(fields)
    application = Application(**values)
    db.session.add(application)
    db.session.flush()
    return application


def check_in(application: Application, *, delegate: Delegate | None = None) -> CheckIn:
    """A standing check-in of the application's first delegate (or ``delegate``)."""
    delegate = delegate or application.delegates[0]
    check = CheckIn(
        event_id=application.event_id, application_id=application.id, delegate_id=delegate.id
    )
    db.session.add(check)
    db.session.flush()
    return check


def held(event: Event, *, now: datetime | None = None) -> Event:
    """Move the whole event (registration included) back in time so it ended a day before
    ``now``: what a certificate needs, for an event made in the future to be applied to."""
    now = now or datetime.now(UTC)
    if event.ends_at < now:
        return event
    shift = event.ends_at - now + timedelta(days=1)
    event.starts_at -= shift
    event.ends_at -= shift
    event.registration_opens_at -= shift
    event.registration_closes_at -= shift
    db.session.flush()
    return event


def attended(application: Application, *, now: datetime | None = None) -> Application:
    """The application's event held and one of its delegates checked in there."""
    held(application.event, now=now)
    check_in(application)
    return application


def make_delegation(**fields) -> Delegation:
    """An inbound buyers' delegation (the kind that gets visa invitation letters)."""
    values = {
        "title_zh": "匈牙利采购商代表团",
        "title_en": "Hungarian buyers' delegation",
        "direction": "inbound",
        "origin_country": "HU",
        "origin_city_en": "Budapest",
        "destination_country": "CN",
        "destination_city_zh": "成都",
        "starts_on": date(2027, 3, 18),
        "ends_on": date(2027, 3, 25),
    }
    values.update(fields)
    delegation = Delegation(**values)
    db.session.add(delegation)
    db.session.flush()
    return delegation


def make_member(delegation: Delegation, **fields) -> Member:
    number = next(_sequence)
    values = {
        "delegation": delegation,
        "position": len(delegation.members),
        "name_zh": "纳吉",
        "name_latin": "NAGY Anna",
        "organization": "Budapest Import Kft.",
        "nationality": "HU",
        "passport_number": f"HU{number:07d}",
        "mobile": "+36 30 000 0000",
        "email": f"member{number}@example.com",
    }
    values.update(fields)
    member = Member(**values)
    db.session.add(member)
    db.session.flush()
    return member


def make_itinerary_item(delegation: Delegation, **fields) -> ItineraryItem:
    starts = datetime.combine(delegation.starts_on, datetime.min.time(), UTC) + timedelta(hours=2)
    values = {
        "delegation": delegation,
        "kind": "meeting",
        "title_zh": "洽谈会",
        "title_en": "Business meeting",
        "starts_at": starts,
        "start_timezone": "Asia/Shanghai",
        "ends_at": starts + timedelta(hours=2),
        "end_timezone": "Asia/Shanghai",
    }
    values.update(fields)
    item = ItineraryItem(**values)
    db.session.add(item)
    db.session.flush()
    return item


def make_job(event: Event, **fields) -> DocumentJob:
    """A finished bulk job of the event (certificates by default)."""
    now = datetime.now(UTC)
    values = {
        "kind": "certificates",
        "event_id": event.id,
        "status": "done",
        "started_at": now,
        "finished_at": now,
    }
    values.update(fields)
    job = DocumentJob(**values)
    db.session.add(job)
    db.session.flush()
    return job


def make_outcome_report(application: Application, *, deals: int = 0, **fields) -> OutcomeReport:
    """An outcome report asked of the application's enterprise (requested by default),
    with ``deals`` lines of 1,000.00 USD signed on the event's first day."""
    now = datetime.now(UTC).replace(microsecond=0)
    event = application.event
    values = {
        "event_id": event.id,
        "enterprise_id": application.enterprise_id,
        "application_id": application.id,
        "status": "requested",
        "direction": "sales",
        "requested_at": now,
        "due_at": now + timedelta(days=14),
        "deals": [
            Deal(
                position=index,
                counterparty_name=f"Budapest Buyer {index + 1} Kft.",
                counterparty_country="HU",
                product="0902.10 green tea",
                kind="signed_on_site",
                amount=Decimal("1000.00"),
                currency="USD",
                amount_usd=Decimal("1000.00"),
                amount_cny=None,
                signed_on=to_local(event.starts_at, event.timezone).date(),
            )
            for index in range(deals)
        ],
    }
    values.update(fields)
    report = OutcomeReport(**values)
    db.session.add(report)
    db.session.flush()
    return report
