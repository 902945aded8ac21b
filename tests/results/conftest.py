"""The results area's world: two fairs of a 2027 campaign and one of 2026, with reports
whose amounts are counted by hand in the tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from expo.enterprises.models import KeyEnterpriseMembership
from expo.extensions import db
from expo.outcomes.models import Deal
from tests.factories import (
    make_application,
    make_campaign,
    make_enterprise,
    make_event,
    make_outcome_report,
)

# Two fairs of the 2027 campaign, one of 2026; 31 Dec 2026 20:00 UTC is 1 Jan 2027 in China.
MAY = datetime(2027, 5, 10, 7, 0, tzinfo=UTC)
NEW_YEAR = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
LAST_YEAR = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


def deal(kind: str, country: str, usd: str | None, cny: str | None, amount="1.00") -> Deal:
    return Deal(
        counterparty_name="Buyer",
        counterparty_country=country,
        product="0902",
        kind=kind,
        amount=Decimal(amount),
        currency="EUR",
        amount_usd=Decimal(usd) if usd is not None else None,
        amount_cny=Decimal(cny) if cny is not None else None,
        signed_on=date(2027, 5, 11),
    )


def event_at(campaign, starts_at, **fields):
    return make_event(
        campaign,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(days=3),
        registration_opens_at=starts_at - timedelta(days=90),
        registration_closes_at=starts_at - timedelta(days=14),
        **fields,
    )


def report(event, enterprise, status, deals, buyers=0, delegates=1, new_customers=0):
    application = make_application(event, enterprise, delegates=delegates)
    made = make_outcome_report(
        application, status=status, buyers_met=buyers, new_customers=new_customers
    )
    made.deals = deals
    db.session.flush()
    return made


@pytest.fixture()
def world(db):
    campaign = make_campaign(year=2027)
    earlier = make_campaign(year=2026)
    budapest = event_at(campaign, MAY, title_en="Budapest Fair", country="HU")
    jakarta = event_at(campaign, NEW_YEAR, title_en="Jakarta Fair", country="ID")
    old = event_at(earlier, LAST_YEAR, title_en="Old Fair", country="DE")
    chengdu = make_enterprise(prefecture="510100", industry="tea")
    mianyang = make_enterprise(prefecture="510700", industry="electronics")
    yibin = make_enterprise(prefecture="511500", industry="liquor")
    db.session.add(KeyEnterpriseMembership(enterprise_id=chengdu.id, year=2027))
    report(
        budapest,
        chengdu,
        "confirmed",
        [
            deal("signed_on_site", "HU", "13563.04", "98143.93"),
            deal("signed_after", "DE", "3395.06", "24567.88"),
            deal("intention", "HU", "108.55", "785.51"),
        ],
        buyers=12,
        delegates=2,
        new_customers=3,
    )
    report(
        jakarta,
        mianyang,
        "confirmed",
        [deal("signed_on_site", "ID", "0.50", "3.62"), deal("intention", "US", None, None)],
        buyers=5,
        delegates=3,
    )
    # Submitted but not confirmed: waits, and counts nowhere.
    report(budapest, yibin, "submitted", [deal("signed_on_site", "HU", "999.99", "7000.00")], 40)
    # Approved, no report yet: takes part, brings no figures.
    make_application(jakarta, make_enterprise(prefecture="510100"), delegates=1)
    # Last year's campaign.
    report(old, chengdu, "confirmed", [deal("signed_on_site", "DE", "500.00", "3600.00")], 2)
    db.session.flush()
    return {"campaign": campaign, "budapest": budapest, "jakarta": jakarta}
