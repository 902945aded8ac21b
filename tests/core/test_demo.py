"""The demo data: safe to load twice, valid, bilingual, and showing something open today."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from stdnum.cn import uscc

from expo.accounts.models import Role, User
from expo.delegations.itinerary import conflicts_for
from expo.delegations.models import Delegation, EmergencyContact, ItineraryItem, Member
from expo.demo import DEMO_LOGINS, seed_demo
from expo.enterprises.models import Enterprise
from expo.enterprises.prefectures import BY_CODE
from expo.events.models import AgendaSession, Campaign, Event


def row_counts(db) -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (
            User,
            Enterprise,
            Campaign,
            Event,
            AgendaSession,
            Delegation,
            Member,
            EmergencyContact,
            ItineraryItem,
        )
    }


def all_rows(db, model):
    return db.session.execute(sa.select(model)).scalars().all()


def campaign_events(db, kind: str, year: int) -> list[Event]:
    query = sa.select(Event).join(Campaign).where(Campaign.kind == kind, Campaign.year == year)
    return db.session.execute(query).scalars().all()


@pytest.fixture()
def seeded(db):
    seed_demo()
    db.session.commit()
    return db


def test_seeding_twice_creates_nothing_the_second_time(db):
    assert seed_demo() is True
    db.session.commit()
    first = row_counts(db)

    assert seed_demo() is False
    db.session.flush()

    assert row_counts(db) == first
    assert first["events"] >= 12 and first["agenda_sessions"] >= 24
    assert first["delegations"] == 2 and first["itinerary_items"] >= 12


def test_the_2023_campaign_goes_to_six_time_zones(seeded):
    events = campaign_events(seeded, "going_global", 2023)

    assert len(events) >= 6
    assert len({event.timezone for event in events}) >= 6
    assert len({event.country for event in events}) >= 6
    assert all(event.starts_at.year == 2023 for event in events)
    assert {event.moderation for event in events} == {"review", "first_come"}


def test_local_wall_clock_times_are_stored_as_utc(seeded):
    budapest = seeded.session.execute(
        sa.select(Event).where(Event.city_en == "Budapest")
    ).scalar_one()

    # 09:00 in Budapest in June is Central European Summer Time, two hours ahead of UTC.
    assert budapest.starts_at == datetime(2023, 6, 7, 7, 0, tzinfo=UTC)


def test_enterprises_carry_valid_credit_codes_of_their_prefecture(seeded):
    enterprises = all_rows(seeded, Enterprise)

    assert len(enterprises) >= 30
    assert len({enterprise.prefecture for enterprise in enterprises}) >= 10
    for enterprise in enterprises:
        assert uscc.validate(enterprise.credit_code) == enterprise.credit_code
        assert enterprise.prefecture in BY_CODE
        assert enterprise.credit_code[2:8] == enterprise.prefecture
        assert enterprise.name_zh and enterprise.name_en and enterprise.main_products
        assert enterprise.target_markets and enterprise.contact_email
    assert any(enterprise.key_enterprise for enterprise in enterprises)
    assert any(not enterprise.verified for enterprise in enterprises)


def test_every_event_is_consistent_and_bilingual(seeded):
    for campaign in all_rows(seeded, Campaign):
        assert campaign.title_zh and campaign.title_en
        assert campaign.summary_zh and campaign.summary_en
    for event in all_rows(seeded, Event):
        assert event.ends_at > event.starts_at, event.title_en
        assert event.registration_opens_at < event.registration_closes_at <= event.starts_at
        assert event.title_zh and event.title_en
        assert event.city_zh and event.city_en and event.venue_zh and event.venue_en
        assert event.fee_note_zh and event.fee_note_en
        assert event.subsidy_note_zh and event.subsidy_note_en
        assert 10 <= event.capacity <= 60 and 2 <= event.max_delegates <= 5
        assert 2 <= len(event.sessions) <= 5, event.title_en
        for session in event.sessions:
            assert event.starts_at <= session.starts_at < session.ends_at <= event.ends_at
            assert session.title_zh and session.title_en
            assert session.place_zh and session.place_en and session.host_zh and session.host_en


def test_demo_logins_authenticate(seeded):
    assert {role for role, _, _ in DEMO_LOGINS} == {role.value for role in Role}
    for role, email, password in DEMO_LOGINS:
        user = seeded.session.execute(sa.select(User).where(User.email == email)).scalar_one()
        assert user.role == role
        assert len(password) >= 8 and user.check_password(password)
        assert (user.enterprise is not None) == (role == Role.ENTERPRISE)


def test_an_upcoming_published_event_is_open_for_registration_in_the_demo_season(seeded):
    # The demo's next season takes registrations from November 2026 to September 2027;
    # a fixed moment keeps this test from failing by itself when that season is over.
    now = datetime(2026, 12, 1, tzinfo=UTC)
    open_now = [
        event
        for event in all_rows(seeded, Event)
        if event.starts_at > now and event.registration_is_open(now)
    ]

    assert open_now, "no demo event takes registrations in the demo season"


def test_organizers_have_a_draft_and_imports_are_held_in_china(seeded):
    events_2027 = campaign_events(seeded, "going_global", 2027)
    import_events = campaign_events(seeded, "import_expansion", 2027)

    assert sum(event.status == "published" for event in events_2027) >= 3
    assert any(event.status == "draft" for event in events_2027)
    assert len(import_events) >= 2
    assert {event.country for event in import_events} == {"CN"}


def test_the_command_loads_the_demo_and_prints_the_logins(app, db):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])

    assert first.exit_code == 0, first.output
    assert "Demo data ready." in first.output
    for _, email, password in DEMO_LOGINS:
        assert email in first.output and password in first.output
    assert second.exit_code == 0, second.output
    assert "Demo data was already there." in second.output


def test_applications_in_every_status_with_their_history(outbox, seeded):
    # outbox first: it empties the folder, then the demo is seeded (and must send nothing)
    from expo.registrations.models import Application, ApplicationStatus

    applications = all_rows(seeded, Application)
    assert {a.status for a in applications} == {status.value for status in ApplicationStatus}
    for application in applications:
        assert application.transitions[-1].to_status == application.status
        assert application.answers, "the demo event's questions are answered"
    rejected = next(a for a in applications if a.status == "rejected")
    assert rejected.transitions[-1].reason
    demo_enterprise = (
        seeded.session.execute(seeded.select(User).where(User.email == "enterprise@expo.localhost"))
        .scalar_one()
        .enterprise
    )
    assert any(
        a.enterprise_id == demo_enterprise.id and a.status == "approved" for a in applications
    )
    assert list(outbox.glob("*.eml")) == []  # nobody is emailed about demo applications


def delegation(db, direction: str) -> Delegation:
    return db.session.execute(
        sa.select(Delegation).where(Delegation.direction == direction)
    ).scalar_one()


def test_an_outbound_and_an_inbound_delegation_with_members_and_itineraries(seeded):
    outbound, inbound = delegation(seeded, "outbound"), delegation(seeded, "inbound")

    for group in (outbound, inbound):
        assert len(group.items) >= 6 and len(group.members) >= 3, group.title_en
        assert len(group.contacts) >= 2
        assert group.title_zh and group.title_en and group.notes_zh and group.notes_en
        assert [member.role for member in group.members].count("leader") == 1
        assert group.campaign is not None and len(group.events) == 1
        assert group.events[0].campaign_id == group.campaign_id
        for item in group.items:
            assert item.title_zh and item.title_en and item.place_zh and item.place_en
    assert (outbound.status, inbound.status) == ("confirmed", "planning")
    assert (outbound.origin_country, outbound.destination_country) == ("CN", "DE")
    assert (inbound.origin_country, inbound.destination_country) == ("TH", "CN")
    assert outbound.campaign.kind == "going_global"
    assert inbound.campaign.kind == "import_expansion"


def test_the_outbound_delegation_flies_from_chengdu_to_germany_with_the_approved_delegates(
    seeded,
):
    outbound = delegation(seeded, "outbound")
    first_flight = next(item for item in outbound.items if item.kind == "flight")

    assert (first_flight.start_timezone, first_flight.end_timezone) == (
        "Asia/Shanghai",
        "Europe/Berlin",
    )
    assert first_flight.transport_number
    # 01:30 on 10 April in Chengdu is 17:30 UTC the day before.
    assert first_flight.starts_at == datetime(2027, 4, 9, 17, 30, tzinfo=UTC)
    delegates = [member for member in outbound.members if member.source_delegate_id]
    assert len(delegates) == 2 and all(member.enterprise_id for member in delegates)
    assert {member.role for member in outbound.members} >= {"leader", "interpreter", "member"}
    subsets = [item for item in outbound.items if not item.everyone]
    assert subsets and all(0 < len(item.members) < len(outbound.members) for item in subsets)
    assert any(item.enterprises for item in subsets)


def test_no_member_of_a_demo_delegation_is_in_two_places_at_once(seeded):
    for direction in ("outbound", "inbound"):
        assert conflicts_for(delegation(seeded, direction)) == {}


def test_the_foreign_buyers_have_no_account_enterprise_and_a_nationality(seeded):
    inbound = delegation(seeded, "inbound")
    buyers = [member for member in inbound.members if member.role == "member"]

    assert len(buyers) >= 3
    for buyer in buyers:
        assert buyer.enterprise_id is None and buyer.organization
        assert buyer.nationality and buyer.nationality != "CN"
        assert buyer.passport_number and buyer.name_latin
    assert {buyer.nationality for buyer in buyers} == {"TH", "MY", "VN", "ID"}
    assert any("halal" in buyer.needs.lower() for buyer in buyers)
    visits = [item for item in inbound.items if item.kind == "site_visit"]
    assert len(visits) == 2 and all(len(visit.enterprises) == 1 for visit in visits)
    zones = {(item.start_timezone, item.end_timezone) for item in inbound.items}
    assert ("Asia/Bangkok", "Asia/Shanghai") in zones


def test_an_edited_demo_delegation_is_left_alone_by_a_second_seeding(seeded):
    outbound = delegation(seeded, "outbound")
    seeded.session.delete(outbound.items[-1])
    seeded.session.commit()
    count = len(outbound.items)

    assert seed_demo() is False
    seeded.session.flush()

    assert len(delegation(seeded, "outbound").items) == count
