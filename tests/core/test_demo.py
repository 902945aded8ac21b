"""The demo data: safe to load twice, valid, bilingual, and showing something open on
whatever day it is seeded.

The day is injected: tests that depend on it run for several days, one of them in every
part of the year the demo's rules treat differently (before and after the open season
turns to next year's on 1 May, at the turn of a year, on a leap day's eve).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from stdnum.cn import uscc

from expo.accounts.models import Role, User
from expo.delegations.itinerary import conflicts_for
from expo.delegations.models import Delegation, EmergencyContact, ItineraryItem, Member
from expo.demo import DEMO_LOGINS, seed_demo
from expo.demo.seasons import Day, Year, local_moment
from expo.enterprises.models import Enterprise
from expo.enterprises.prefectures import BY_CODE
from expo.events.models import AgendaSession, Campaign, Event
from tests.factories import make_enterprise, make_user

CHINA = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")
DAYS = [
    date(2026, 11, 29),
    date(2027, 4, 30),
    date(2027, 5, 1),
    date(2027, 10, 15),
    date(2029, 2, 28),
    date(2031, 12, 31),
]
ANY_DAY = DAYS[0]
MONTHS = (
    "January February March April May June July August September October November December"
).split()


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


def open_season(db) -> int:
    return max(campaign.year for campaign in all_rows(db, Campaign))


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), CHINA).astimezone(UTC)


def local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def named_in_zh(day: date) -> str:
    return f"{day.month}月{day.day}日"


def named_in_en(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"


@pytest.fixture(params=DAYS, ids=str)
def today(request) -> date:
    return request.param


@pytest.fixture()
def seeded_on(db, today):
    seed_demo(today)
    db.session.commit()
    return db


@pytest.fixture()
def seeded(db):
    """The demo of one day, for what does not depend on the day."""
    seed_demo(ANY_DAY)
    db.session.commit()
    return db


def test_seeding_twice_creates_nothing_the_second_time(db, today):
    assert seed_demo(today) is True
    db.session.commit()
    first = row_counts(db)
    titles = sorted(campaign.title_en for campaign in all_rows(db, Campaign))

    assert seed_demo(today) is False
    db.session.flush()

    assert row_counts(db) == first
    assert first["events"] >= 12 and first["agenda_sessions"] >= 24
    assert first["delegations"] == 2 and first["itinerary_items"] >= 12

    # Seeded again a year and a half later: the demo stays the one of its first day.
    assert seed_demo(today + timedelta(days=550)) is False
    db.session.flush()

    assert row_counts(db) == first
    assert sorted(campaign.title_en for campaign in all_rows(db, Campaign)) == titles


def test_last_years_campaign_goes_to_six_time_zones_and_is_over(seeded_on, today):
    events = campaign_events(seeded_on, "going_global", today.year - 1)

    assert len(events) >= 6
    assert len({event.timezone for event in events}) >= 6
    assert len({event.country for event in events}) >= 6
    assert all(event.starts_at.year == today.year - 1 for event in events)
    assert all(event.ends_at < start_of(today) for event in events)
    assert {event.moderation for event in events} == {"review", "first_come"}


def test_local_wall_clock_times_are_stored_as_utc(seeded_on, today):
    budapest = seeded_on.session.execute(
        sa.select(Event).where(Event.city_en == "Budapest")
    ).scalar_one()

    # 09:00 in Budapest in June is Central European Summer Time, two hours ahead of UTC.
    assert (budapest.starts_at.year, budapest.starts_at.month) == (today.year - 1, 6)
    assert budapest.starts_at.astimezone(ZoneInfo("Europe/Budapest")).time() == time(9, 0)
    assert budapest.starts_at.time() == time(7, 0)


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


def test_every_event_is_consistent_and_bilingual(seeded_on):
    for campaign in all_rows(seeded_on, Campaign):
        assert campaign.title_zh and campaign.title_en
        assert campaign.summary_zh and campaign.summary_en
    for event in all_rows(seeded_on, Event):
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


def test_an_upcoming_published_event_is_open_for_registration_all_day(seeded_on, today):
    events = all_rows(seeded_on, Event)

    for now in (start_of(today), start_of(today + timedelta(days=1)) - timedelta(seconds=1)):
        open_now = [
            event for event in events if event.starts_at > now and event.registration_is_open(now)
        ]
        assert open_now, f"no demo event takes registrations at {now}"
    assert open_season(seeded_on) in (today.year, today.year + 1)


def test_organizers_have_a_draft_and_imports_are_held_in_china(seeded_on):
    season = open_season(seeded_on)
    events = campaign_events(seeded_on, "going_global", season)
    import_events = campaign_events(seeded_on, "import_expansion", season)

    assert sum(event.status == "published" for event in events) >= 3
    assert any(event.status == "draft" for event in events)
    assert len(import_events) >= 2
    assert {event.country for event in import_events} == {"CN"}


# Names with a year that is not the season's: a plan's title, not a date.
NAMES_WITH_A_YEAR = re.compile(r"Vision 2030|2030愿景")
CIIE_EDITIONS = {2027: ("十", "10th"), 2028: ("十一", "11th"), 2029: ("十二", "12th")}
CIIE_EDITIONS |= {2030: ("十三", "13th"), 2032: ("十五", "15th")}


def years_in(*texts: str) -> set[int]:
    text = NAMES_WITH_A_YEAR.sub("", " ".join(texts))
    return {int(year) for year in re.findall(r"(?<!\d)20\d\d(?!\d)", text)}


def test_texts_name_the_years_and_days_of_their_season(seeded_on, today):
    for campaign in all_rows(seeded_on, Campaign):
        assert campaign.title_zh.startswith(f"{campaign.year}年")
        assert campaign.title_en.startswith(f"{campaign.year} ")
        opens = {local_day(e.registration_opens_at, e.timezone) for e in campaign.events}
        summaries = (campaign.summary_zh, campaign.summary_en)
        assert years_in(*summaries) <= {campaign.year} | {day.year for day in opens}
        for event in campaign.events:
            texts = (event.title_zh, event.title_en, event.description_zh, event.description_en)
            assert years_in(*texts) <= {campaign.year}, event.title_en
            assert years_in(event.title_zh) == years_in(event.title_en), event.title_en
        if campaign.year == open_season(seeded_on):
            (day,) = opens
            assert day < today
        if campaign.year == open_season(seeded_on) and campaign.kind == "going_global":
            # "Registration for every event opens on ..." names the day it does.
            assert f"{day.year}年{named_in_zh(day)}" in campaign.summary_zh
            assert f"{named_in_en(day)} {day.year}" in campaign.summary_en
    season = open_season(seeded_on)
    expo = seeded_on.session.execute(
        sa.select(Event).where(Event.title_en.contains("Import Expo"))
    ).scalar_one()
    edition_zh, edition_en = CIIE_EDITIONS[season]
    assert f"第{edition_zh}届" in expo.title_zh and f"the {edition_en} " in expo.title_en
    for group in all_rows(seeded_on, Delegation):
        texts = (group.title_zh, group.title_en, group.notes_zh, group.notes_en)
        assert years_in(*texts) == {season} and group.starts_on.year == season
        for item in group.items:
            assert not years_in(item.notes_zh, item.notes_en, item.title_zh, item.title_en)
            if item.kind == "hotel":
                # "check out by 09:00 on 16 April" names the day the stay ends.
                day = local_day(item.ends_at, item.end_timezone)
                assert named_in_zh(day) in item.notes_zh and named_in_en(day) in item.notes_en


def test_the_outbound_delegation_meets_the_evening_before_its_flight(seeded_on):
    outbound = delegation(seeded_on, "outbound")
    flight = next(item for item in outbound.items if item.kind == "flight")
    evening = local_day(flight.starts_at, flight.start_timezone) - timedelta(days=1)

    for text in (outbound.notes_zh, flight.notes_zh):
        assert f"{named_in_zh(evening)}22:30" in text
    for text in (outbound.notes_en, flight.notes_en):
        assert f"22:30 on {named_in_en(evening)}" in text


def test_the_command_refuses_a_database_with_other_data_unless_forced(app, db):
    make_user("organizer", email="someone@sccom.example")
    make_enterprise()
    db.session.commit()
    runner = app.test_cli_runner()

    refused = runner.invoke(args=["seed-demo"])

    assert refused.exit_code != 0
    assert "not the demo's (1 user, 1 enterprise)" in refused.output
    assert "--force" in refused.output
    assert row_counts(db)["users"] == 1 and row_counts(db)["campaigns"] == 0

    # What `make run` says: the office's database is served as it is, without the demo.
    left_alone = runner.invoke(args=["seed-demo", "--if-empty"])

    assert left_alone.exit_code == 0, left_alone.output
    assert "No demo data added." in left_alone.output
    assert row_counts(db)["users"] == 1 and row_counts(db)["campaigns"] == 0

    forced = runner.invoke(args=["seed-demo", "--force"])

    assert forced.exit_code == 0, forced.output
    assert "Demo data ready." in forced.output
    assert row_counts(db)["users"] == 1 + len(DEMO_LOGINS)
    assert row_counts(db)["campaigns"] >= 3


def test_a_demo_database_used_since_is_left_alone_without_a_refusal(app, seeded):
    make_user(email="newcomer@example.com")
    seeded.session.commit()
    counts = row_counts(seeded)

    again = app.test_cli_runner().invoke(args=["seed-demo"])

    assert again.exit_code == 0, again.output
    assert "Demo data was already there." in again.output
    assert row_counts(seeded) == counts


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


def test_applications_in_every_status_with_their_history(outbox, seeded_on, today):
    # outbox first: it empties the folder, then the demo is seeded (and must send nothing)
    from expo.registrations.models import Application, ApplicationStatus

    seeded = seeded_on
    applications = all_rows(seeded, Application)
    assert {a.status for a in applications} == {status.value for status in ApplicationStatus}
    for application in applications:
        assert application.transitions[-1].to_status == application.status
        if application.event.questions:
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
    assert all(a.transitions[-1].created_at < start_of(today) for a in applications)
    assert list(outbox.glob("*.eml")) == []  # nobody is emailed about demo applications


def delegation(db, direction: str) -> Delegation:
    return db.session.execute(
        sa.select(Delegation).where(Delegation.direction == direction)
    ).scalar_one()


def test_an_outbound_and_an_inbound_delegation_with_members_and_itineraries(seeded_on):
    seeded = seeded_on
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
    seeded_on,
):
    outbound = delegation(seeded_on, "outbound")
    first_flight = next(item for item in outbound.items if item.kind == "flight")

    assert (first_flight.start_timezone, first_flight.end_timezone) == (
        "Asia/Shanghai",
        "Europe/Berlin",
    )
    assert first_flight.transport_number
    # 01:30 on a day of April in Chengdu is 17:30 UTC the day before, and Germany is
    # on summer time by then.
    leaves = first_flight.starts_at.astimezone(CHINA)
    assert (leaves.month, leaves.time()) == (4, time(1, 30))
    assert first_flight.starts_at.date() == leaves.date() - timedelta(days=1)
    assert first_flight.starts_at.time() == time(17, 30)
    lands = first_flight.ends_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert lands.utcoffset() == timedelta(hours=2)
    delegates = [member for member in outbound.members if member.source_delegate_id]
    assert len(delegates) == 2 and all(member.enterprise_id for member in delegates)
    assert {member.role for member in outbound.members} >= {"leader", "interpreter", "member"}
    subsets = [item for item in outbound.items if not item.everyone]
    assert subsets and all(0 < len(item.members) < len(outbound.members) for item in subsets)
    assert any(item.enterprises for item in subsets)


def test_no_member_of_a_demo_delegation_is_in_two_places_at_once(seeded_on):
    for direction in ("outbound", "inbound"):
        assert conflicts_for(delegation(seeded_on, direction)) == {}


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

    assert seed_demo(ANY_DAY) is False
    seeded.session.flush()

    assert len(delegation(seeded, "outbound").items) == count


# --- the calendar of the data files -----------------------------------------------------


def test_week_dates_keep_their_weekday_in_the_season_or_the_year_before():
    assert local_moment("Y-W15-1 09:00", 2027) == datetime(2027, 4, 12, 9, 0)
    assert local_moment("Y-W15-1 09:00", 2029) == datetime(2029, 4, 9, 9, 0)
    assert local_moment("Y-1-W14-1", 2027) == datetime(2026, 3, 30)
    with pytest.raises(ValueError):
        local_moment("2027-04-12 09:00", 2027)


def test_years_name_editions_and_days_are_written_as_each_language_writes_them():
    assert f"第{Year(2027):edition-zh-since-2018}届" == "第十届"
    assert (
        f"{Year(2038):edition-zh-since-2018}, {Year(2028):edition-zh-since-2018}" == "二十一, 十一"
    )
    assert [f"{Year(year):edition-en-since-2018}" for year in (2018, 2019, 2020, 2028, 2038)] == [
        "1st",
        "2nd",
        "3rd",
        "11th",
        "21st",
    ]
    assert f"{Year(2027)}年" == "2027年"
    day = Day(2026, 3, 30)
    assert f"{day:zh} {day:zh-full} {day:en} {day:en-full}" == (
        "3月30日 2026年3月30日 30 March 30 March 2026"
    )


# --- what came of last season: outcome reports and the key-enterprise lists -------------


def test_last_seasons_fairs_are_reported_on_in_every_status(seeded_on, today):
    from expo.outcomes import services as outcomes
    from expo.outcomes.models import Deal, ExchangeRate, OutcomeReport, ReportStatus

    reports = all_rows(seeded_on, OutcomeReport)
    statuses = Counter(report.status for report in reports)
    assert set(statuses) == {status.value for status in ReportStatus}
    assert statuses["confirmed"] >= 5 and statuses["requested"] >= 2
    assert {report.event.campaign.year for report in reports} == {today.year - 1}
    assert len({report.event_id for report in reports}) >= 4
    for report in reports:
        # Each report answers an approved application that went through the review.
        assert report.application.status == "approved"
        assert report.application.transitions[-1].to_status == "approved"
        assert report.requested_at >= report.event.ends_at
    assert any(report.entered_by_organizer for report in reports)
    assert any(not report.entered_by_organizer and report.submitted_at for report in reports)

    deals = all_rows(seeded_on, Deal)
    assert {deal.kind for deal in deals} == {"signed_on_site", "signed_after", "intention"}
    assert len({deal.currency for deal in deals}) >= 5
    assert len({deal.counterparty_country for deal in deals}) >= 8
    for deal in deals:
        assert deal.amount > 0 and deal.amount_usd and deal.amount_cny
        assert deal.signed_on >= outcomes.event_start_day(deal.report.event)
        rate = seeded_on.session.execute(
            sa.select(ExchangeRate).where(
                ExchangeRate.event_id == deal.report.event_id,
                ExchangeRate.currency == deal.currency,
            )
        ).scalar_one()
        assert deal.amount_usd == (deal.amount * rate.rate_to_usd).quantize(CENT, ROUND_HALF_UP)
    # From a trial order to a turbine contract.
    in_usd = sorted(deal.amount_usd for deal in deals)
    assert in_usd[0] < 50_000 and in_usd[-1] > 1_000_000

    # The demo enterprise has a question to answer, due ahead of the day it is seeded.
    demo_user = seeded_on.session.execute(
        sa.select(User).where(User.email == "enterprise@expo.localhost")
    ).scalar_one()
    (task,) = outcomes.open_reports(demo_user.enterprise)
    assert task.status == "returned" and task.question
    assert not task.is_overdue(start_of(today + timedelta(days=1)))


def test_the_key_enterprise_lists_of_two_seasons_cover_the_province(seeded_on, today):
    from expo.enterprises.key_enterprises import coverage
    from expo.enterprises.models import KeyEnterpriseImport, KeyEnterpriseMembership
    from expo.enterprises.prefectures import PREFECTURES

    memberships = all_rows(seeded_on, KeyEnterpriseMembership)
    by_year = Counter(membership.year for membership in memberships)
    open_year = open_season(seeded_on)
    assert set(by_year) == {today.year - 1, open_year}
    assert all(110 <= count <= 130 for count in by_year.values())
    assert len(all_rows(seeded_on, KeyEnterpriseImport)) == 2
    members = {membership.enterprise for membership in memberships}
    assert {enterprise.prefecture for enterprise in members} == {p.code for p in PREFECTURES}
    assert len({enterprise.industry for enterprise in members}) >= 12
    unclaimed = [enterprise for enterprise in members if enterprise.unclaimed]
    assert len(unclaimed) >= 100
    assert any(not enterprise.unclaimed for enterprise in members)
    for enterprise in members:
        assert enterprise.key_enterprise
        assert uscc.validate(enterprise.credit_code) == enterprise.credit_code
        assert enterprise.credit_code[2:8] == enterprise.prefecture
    assert len({enterprise.name_zh for enterprise in members}) == len(members)
    assert all(
        membership.included_since and membership.included_since <= membership.year
        for membership in memberships
    )

    past = coverage(today.year - 1, now=start_of(today))
    assert past.total.members == by_year[today.year - 1]
    assert 0 < past.total.took_part <= past.total.applied < past.total.members
    assert past.not_reached
    this_season = coverage(open_year, now=start_of(today))
    assert this_season.total.applied > 0


def test_the_demo_has_a_matchmaking_day_with_a_published_schedule(seeded):
    """`make run` shows a matchmaking session: some forty buyers, the Sichuan side, their
    requests and a published schedule in which nobody is booked twice."""
    from expo.matchmaking.models import Counterpart, MatchRequest, Meeting

    event = seeded.session.scalars(
        sa.select(Event)
        .join(Counterpart, Counterpart.event_id == Event.id)
        .where(Event.kind == "b2b_matchmaking")
        .group_by(Event.id)
        .order_by(sa.func.count(Counterpart.id).desc())
    ).first()
    assert event is not None
    buyers = seeded.session.scalars(
        sa.select(Counterpart).where(Counterpart.event_id == event.id)
    ).all()
    meetings = seeded.session.scalars(sa.select(Meeting).where(Meeting.event_id == event.id)).all()
    assert len(buyers) >= 40
    assert (
        seeded.session.scalar(
            sa.select(sa.func.count(MatchRequest.id)).where(MatchRequest.event_id == event.id)
        )
        >= 100
    )
    assert len({meeting.application_id for meeting in meetings}) >= 40
    assert meetings and all(meeting.published for meeting in meetings)
    for side in ("application_id", "counterpart_id"):
        booked = [(getattr(meeting, side), meeting.starts_at) for meeting in meetings]
        assert len(booked) == len(set(booked)), f"{side} booked twice at once"
