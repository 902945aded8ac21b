"""A matchmaking event: its grid, two approved Sichuan enterprises, two approved buyers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from expo.events.models import Event
from expo.i18n import utc_to_local
from expo.matchmaking import services
from expo.matchmaking.models import Counterpart, CounterpartStatus, MatchGrid
from expo.registrations.models import Application
from tests.factories import make_application, make_enterprise, make_event, make_user


def second_day(event: Event) -> datetime:
    """The event's second day, at midnight local time (always within the event)."""
    local = utc_to_local(event.starts_at, event.timezone) + timedelta(days=1)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def windows_text(event: Event) -> str:
    day = f"{second_day(event):%Y-%m-%d}"
    return f"{day} 09:00-10:00\n{day} 11:00-12:00"


def counterpart_data(**fields) -> services.CounterpartData:
    values = {
        "organization_en": "Danube Foods Kft.",
        "organization_zh": "多瑙食品公司",
        "country": "HU",
        "contact_name_latin": "KOVACS Peter",
        "email": "peter@danube.example.com",
        "mobile": "+36 30 123 4567",
        "needs": "Sichuan pepper, tea",
        "hs_chapters": "09, 21",
        "languages": "en, hu",
        "consent": True,
    }
    values.update(fields)
    return services.CounterpartData(**values)


@dataclass
class Fair:
    event: Event
    grid: MatchGrid
    tea: Application
    pepper: Application
    buyer: Counterpart
    other_buyer: Counterpart
    organizer: object


def approved(event: Event, **fields) -> Counterpart:
    counterpart = services.register_counterpart(event, counterpart_data(**fields), language="en")
    counterpart.status = CounterpartStatus.APPROVED
    return counterpart


@pytest.fixture()
def fair(db) -> Fair:
    event = make_event(kind="b2b_matchmaking")
    organizer = make_user(role="organizer", email="organizer@example.com")
    grid = services.save_grid(
        event,
        services.GridData(
            slot_minutes=20, tables=2, windows=windows_text(event), interpreters="en=2"
        ),
        actor=organizer,
    )
    tea = make_application(event, make_enterprise(name_zh="川茶集团", name_en="Sichuan Tea Group"))
    pepper = make_application(event, make_enterprise(name_zh="汉源花椒", name_en="Hanyuan Pepper"))
    buyer = approved(event)
    other = approved(
        event,
        organization_en="Baltic Trade",
        organization_zh="",
        email="anna@baltic.example.com",
        languages="en",
        needs="Machine tools",
        hs_chapters="84",
    )
    db.session.flush()
    return Fair(event, grid, tea, pepper, buyer, other, organizer)
