"""Seeding the demo of ``data/``: what a newcomer sees first.

The demo is built for the day it is seeded (see :mod:`expo.demo.seasons`): last year's
campaign is over and the open season's events take registrations. It is seeded once: a
database that already holds it (any of its users or enterprises) is left exactly as it
is, however it was edited since and on whatever later day, so its seasons stay those of
the first seeding (a fresh database gets today's). A database that holds other data is
refused unless ``force`` is given, so demo rows never land among real ones by mistake.

Times in the files are wall-clock times where the event happens, converted to UTC with
the event's IANA zone; an itinerary item's times are those of each of its ends (a flight
leaves in Asia/Shanghai and lands in Europe/Berlin), converted by the services. The
applications and delegations go through the services, so the same validation runs as
for an organizer. ``seed_demo`` flushes; the command commits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from expo.accounts.models import User
from expo.delegations import services as delegations
from expo.delegations.itinerary import TEXT_FIELDS, ItemData, add_item
from expo.delegations.models import Delegation
from expo.demo.key_enterprises import seed_key_enterprises
from expo.demo.matchmaking import seed_matchmaking
from expo.demo.outcomes import seed_outcomes
from expo.demo.seasons import Seasons, dated, local_moment, read, seasons_on
from expo.enterprises.credit_codes import build_credit_code
from expo.enterprises.models import Enterprise
from expo.events.models import AgendaSession, Campaign, Event, Question
from expo.extensions import Model, db
from expo.mail import discard_pending_email
from expo.registrations import services as registrations

CAMPAIGN_FILES = ("going-global-last-year", "going-global", "import-expansion")
DELEGATION_FILES = ("hannover-messe", "asean-buyers")

_USERS: list[dict[str, Any]] = read("users.toml")["users"]
DEMO_LOGINS: list[tuple[str, str, str]] = [
    (user["role"], user["email"], user["password"]) for user in _USERS
]
# Event fields that are not columns of the same name.
_EVENT_EXTRAS = ("key", "starts", "ends", "registration_opens", "registration_closes", "sessions")


class NotADemoDatabase(Exception):
    """The database holds users, enterprises or campaigns that are not the demo's."""

    def __init__(self, counts: dict[str, int]) -> None:
        found = ", ".join(
            f"{count} {table if count > 1 else table.removesuffix('s')}"
            for table, count in counts.items()
            if count
        )
        super().__init__(
            f"The database holds data that is not the demo's ({found}). The demo is "
            "seeded into an empty database; pass --force to add it to this one anyway."
        )


def seed_demo(today: date, *, force: bool = False) -> bool:
    """Seed the demo for the seasons of ``today`` (a date in China).

    False, and nothing written, when the database already holds the demo; raises
    :class:`NotADemoDatabase` when it holds other data, unless ``force``.
    """
    enterprises_data = read("enterprises.toml")
    codes = [_credit_code(row) for row in enterprises_data["enterprises"]]
    if _demo_is_there(codes):
        return False
    if not force:
        counts = {
            "users": _count(User),
            "enterprises": _count(Enterprise),
            "campaigns": _count(Campaign),
        }
        if any(counts.values()):
            raise NotADemoDatabase(counts)
    seasons = seasons_on(today)
    enterprises = _seed_enterprises(enterprises_data)
    users = _seed_users(enterprises)
    organizer = next(user for user in users if user.role == "organizer")
    events: dict[str, Event] = {}
    for name in CAMPAIGN_FILES:
        events.update(_seed_campaign(read(f"campaigns/{name}.toml"), seasons))
    _seed_applications(read("applications.toml"), events, enterprises, users, organizer)
    for name in DELEGATION_FILES:
        _seed_delegation(read(f"delegations/{name}.toml"), events, enterprises, organizer)
    seed_outcomes(read("outcomes.toml"), events, enterprises, users, organizer, today)
    seed_key_enterprises(
        read("key-enterprises.toml")["enterprises"], enterprises, organizer, seasons
    )
    seed_matchmaking(events["mexico-matchmaking"], organizer, today)
    return True


def _count(model: type[Model]) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _demo_is_there(credit_codes: list[str]) -> bool:
    emails = [user["email"] for user in _USERS]
    return bool(
        db.session.scalar(sa.select(User.id).where(User.email.in_(emails)).limit(1))
        or db.session.scalar(
            sa.select(Enterprise.id).where(Enterprise.credit_code.in_(credit_codes)).limit(1)
        )
    )


def _utc(expression: str, year: int, zone: str) -> datetime:
    """The week date ``expression`` of the season ``year`` on the clock of ``zone``, in UTC."""
    return local_moment(expression, year).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


# --- enterprises and users -----------------------------------------------------------


def _credit_code(row: dict[str, Any]) -> str:
    return build_credit_code(row["prefecture"], row["organization"])


def _seed_enterprises(data: dict[str, Any]) -> dict[str, Enterprise]:
    by_name: dict[str, Enterprise] = {}
    for row in data["enterprises"]:
        area = data["area_codes"][row["prefecture"]]
        enterprise = Enterprise(
            credit_code=_credit_code(row),
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            prefecture=row["prefecture"],
            industry=row["industry"],
            main_products_zh=row["products_zh"],
            main_products_en=row["products_en"],
            export_value_usd=Decimal(row["export_usd"]),
            import_value_usd=Decimal(row["import_usd"]),
            target_markets=row["markets"],
            website=f"https://www.{row['domain']}.example",
            contact_name=row["contact"],
            # Chengdu numbers have eight digits, the other prefectures seven.
            contact_phone=f"{area}-{row['organization'][: 8 if area == '028' else 7]}",
            contact_email=f"trade@{row['domain']}.example",
            verified=row["standing"] in ("key", "verified"),
            key_enterprise=row["standing"] == "key",
        )
        db.session.add(enterprise)
        by_name[row["name_zh"]] = enterprise
    db.session.flush()
    return by_name


def _seed_users(enterprises: dict[str, Enterprise]) -> list[User]:
    users = []
    for row in _USERS:
        enterprise = enterprises[row["enterprise"]] if row.get("enterprise") else None
        user = User(
            email=row["email"],
            name=row["name"],
            role=row["role"],
            locale="zh",
            enterprise_id=enterprise.id if enterprise else None,
        )
        user.set_password(row["password"])
        db.session.add(user)
        users.append(user)
    db.session.flush()
    return users


# --- campaigns, events and their agenda ------------------------------------------------


def _seed_campaign(data: dict[str, Any], seasons: Seasons) -> dict[str, Event]:
    """The campaign of ``data`` in its season, and its events by their keys."""
    head = data["campaign"]
    year: int = getattr(seasons, head["season"])
    data = dated(data, year)
    head = data["campaign"]
    campaign = Campaign(year=year, **{key: head[key] for key in head if key != "season"})
    db.session.add(campaign)
    db.session.flush()
    keyed: dict[str, Event] = {}
    for row in data["events"]:
        zone = row["timezone"]
        opens = row.get("registration_opens") or f"{data['dates']['registration_opens']} 09:00"
        event = Event(
            campaign_id=campaign.id,
            starts_at=_utc(row["starts"], year, zone),
            ends_at=_utc(row["ends"], year, zone),
            registration_opens_at=_utc(opens, year, zone),
            registration_closes_at=_utc(row["registration_closes"], year, zone),
            **{key: value for key, value in row.items() if key not in _EVENT_EXTRAS},
        )
        for session in row["sessions"]:
            starts = _utc(session["starts"], year, zone)
            day = local_moment(session["starts"], year).date()
            ends = datetime.combine(day, time.fromisoformat(session["ends"]), ZoneInfo(zone))
            event.sessions.append(
                AgendaSession(
                    starts_at=starts,
                    ends_at=ends.astimezone(UTC),
                    **{
                        key: value
                        for key, value in session.items()
                        if key not in ("starts", "ends")
                    },
                )
            )
        db.session.add(event)
        if "key" in row:
            keyed[row["key"]] = event
    db.session.flush()
    return keyed


# --- questions and applications ------------------------------------------------------


def _seed_applications(
    data: dict[str, Any],
    events: dict[str, Event],
    enterprises: dict[str, Enterprise],
    users: list[User],
    organizer: User,
) -> None:

    event = events[data["event"]]
    for position, question in enumerate(data["questions"]):
        event.questions.append(Question(position=position, **question))
    db.session.flush()
    accounts = {user.enterprise_id: user for user in users if user.enterprise_id}
    when = event.registration_opens_at
    for number, row in enumerate(data["applications"]):
        enterprise = enterprises[row["enterprise"]]
        user = accounts.get(enterprise.id)
        delegate = registrations.DelegateData(
            name_zh=row["delegate_zh"],
            name_latin=row["delegate_latin"],
            title="总经理 / General Manager",
            mobile=f"+86 138 0000 {number:04d}",
            email=f"delegate{number}@expo.example",
            passport_number=f"E{70000000 + number}",
        )
        answers = {
            f"answer_{event.questions[0].id}": ["smart-equipment", "new-energy"][: 1 + number % 2],
            f"answer_{event.questions[1].id}": "yes" if number % 2 else "no",
        }
        application_data = registrations.ApplicationData(
            delegates=[delegate],
            booths_requested=row["booths"],
            exhibits=enterprise.main_products_zh,
            consent=True,
            answers=answers,
        )
        when = when + timedelta(hours=7)
        application = registrations.submit_application(
            event, enterprise, application_data, actor=user, now=when
        )
        status, reason = row["status"], row.get("reason", "")
        if status == "withdrawn":
            registrations.withdraw(application, actor=user, now=when)
        elif status != "pending":
            registrations.review(application, status, actor=organizer, reason=reason, now=when)
    # The demo tells nobody: these applications were never really made.
    discard_pending_email()


# --- delegations and their itineraries ---------------------------------------------------

_DELEGATION_FIELDS = (
    "direction",
    "title_zh",
    "title_en",
    "origin_country",
    "origin_city_zh",
    "origin_city_en",
    "destination_country",
    "destination_city_zh",
    "destination_city_en",
    "notes_zh",
    "notes_en",
)
# The texts of an itinerary item (its kind is given apart).
_ITEM_TEXTS = tuple(name for name in TEXT_FIELDS if name != "kind")


def _seed_delegation(
    data: dict[str, Any],
    events: dict[str, Event],
    enterprises: dict[str, Enterprise],
    organizer: User,
) -> Delegation:

    event = events[data["delegation"]["event"]]
    year = event.campaign.year  # a delegation's dates are in its event's season
    data = dated(data, year)
    head = data["delegation"]
    delegation = delegations.create_delegation(
        delegations.DelegationData(
            **{key: head[key] for key in _DELEGATION_FIELDS},
            campaign_id=event.campaign_id,
            event_ids=[event.id],
            starts_on=local_moment(head["starts_on"], year).date(),
            ends_on=local_moment(head["ends_on"], year).date(),
            contacts=[delegations.ContactData(**contact) for contact in data["contacts"]],
        ),
        actor=organizer,
    )
    delegations.set_status(delegation, head["status"], actor=organizer)
    for member in data["members"]:
        if member.get("approved_delegates"):
            delegations.add_approved_delegates(delegation, event, actor=organizer)
        else:
            delegations.add_member(delegation, delegations.MemberData(**member), actor=organizer)
    for item in data["items"]:
        # Who takes part when not everyone does: member roles and name_zh of enterprises.
        only = set(item.get("only", ()))
        companies = {enterprises[name].id for name in only if name in enterprises}
        add_item(
            delegation,
            ItemData(
                kind=item["kind"],
                starts_at=local_moment(item["starts"], year),
                start_timezone=item["start_timezone"],
                ends_at=local_moment(item["ends"], year),
                end_timezone=item["end_timezone"],
                **{key: item.get(key, "") for key in _ITEM_TEXTS},
                everyone=not only,
                member_ids=[
                    member.id
                    for member in delegation.members
                    if member.role in only or member.enterprise_id in companies
                ],
                enterprise_ids=[enterprises[name].id for name in item.get("enterprises", ())],
            ),
        )
    return delegation
