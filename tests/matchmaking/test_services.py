"""Matchmaking rules: bad input is refused with a message and changes nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from expo.audit.models import AuditEntry
from expo.errors import DomainError, InvalidInput
from expo.i18n import local_to_utc
from expo.mail import OutgoingMail
from expo.matchmaking import services
from expo.matchmaking.models import (
    Counterpart,
    CounterpartStatus,
    MatchRequest,
    Meeting,
    RequestStatus,
    Side,
)
from tests.factories import make_application, make_delegation, make_itinerary_item, make_member
from tests.matchmaking.conftest import counterpart_data, second_day


def slot_at(fair, hour: int, minute: int = 0) -> datetime:
    local = second_day(fair.event).replace(hour=hour, minute=minute)
    return local_to_utc(local, fair.event.timezone)


def actions(db) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


# --- the grid ----------------------------------------------------------------------------


def test_the_grid_has_slots_in_each_window(fair):
    slots = services.grid_slots(fair.grid)
    assert len(slots) == 6
    assert slots[0].starts_at == slot_at(fair, 9)
    assert slots[3].starts_at == slot_at(fair, 11)  # the break 10:00–11:00 has none


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"windows": "2000-01-01 09:00-12:00"}, "windows"),
        ({"windows": "tomorrow morning"}, "windows"),
        ({"windows": ""}, "windows"),
        ({"interpreters": "klingon=3"}, "interpreters"),
        ({"tables": 0}, "tables"),
        ({"slot_minutes": 2}, "slot_minutes"),
    ],
)
def test_a_bad_grid_is_refused_at_its_field(fair, db, changes, field):
    data = services.grid_data_from(fair.grid)
    for name, value in changes.items():
        setattr(data, name, value)
    with pytest.raises(InvalidInput) as refused:
        services.save_grid(fair.event, data, actor=fair.organizer)
    assert field in refused.value.errors
    db.session.rollback()


def test_overlapping_windows_are_refused(fair):
    day = f"{second_day(fair.event):%Y-%m-%d}"
    data = services.grid_data_from(fair.grid)
    data.windows = f"{day} 09:00-11:00\n{day} 10:00-12:00"
    with pytest.raises(InvalidInput) as refused:
        services.save_grid(fair.event, data, actor=fair.organizer)
    assert "windows" in refused.value.errors


# --- the other side ----------------------------------------------------------------------


def test_a_buyer_registers_and_is_approved_with_a_private_link(fair, db):
    counterpart = services.register_counterpart(
        fair.event, counterpart_data(email="new@buyer.example.com"), language="en"
    )
    assert counterpart.status == CounterpartStatus.PENDING
    token = services.review_counterpart(counterpart, approve=True, actor=fair.organizer)
    assert token and services.counterpart_for_token(token) is counterpart
    assert services.counterpart_for_token("not-a-token") is None
    mail = db.session.scalars(sa.select(OutgoingMail)).all()[-1]
    assert mail.recipients == ["new@buyer.example.com"]
    assert token in mail.text
    with pytest.raises(DomainError):
        services.review_counterpart(counterpart, approve=False, actor=fair.organizer)


def test_a_bad_registration_names_every_field_and_saves_nothing(fair, db):
    before = db.session.scalar(sa.select(sa.func.count(Counterpart.id)))
    data = counterpart_data(
        organization_en="",
        organization_zh="",
        country="XX",
        email="not an address",
        hs_chapters="9999",
        languages="",
        consent=False,
    )
    with pytest.raises(InvalidInput) as refused:
        services.register_counterpart(fair.event, data, language="en")
    assert set(refused.value.errors) >= {
        "organization_en",
        "country",
        "email",
        "hs_chapters",
        "languages",
        "consent",
    }
    assert db.session.scalar(sa.select(sa.func.count(Counterpart.id))) == before


def test_search_by_product_hs_chapter_and_country(fair):
    found = services.search_counterparts(fair.event, services.Search(text="pepper"))
    assert found == [fair.buyer]
    assert services.search_counterparts(fair.event, services.Search(hs_chapter="09")) == [
        fair.buyer
    ]
    assert services.search_counterparts(fair.event, services.Search(country="DE")) == []
    assert services.search_sichuan(fair.event, services.Search(text="Tea")) == [fair.tea]
    # "9" is chapter 09, as the profiles keep it.
    assert services.search_counterparts(fair.event, services.Search(hs_chapter="9")) == [fair.buyer]


def test_the_other_side_finds_sichuan_enterprises_by_industry(fair):
    fair.tea.enterprise.industry = "food"
    fair.pepper.enterprise.industry = "machinery"
    assert services.search_sichuan(fair.event, services.Search(industry="food")) == [fair.tea]
    assert services.search_sichuan(fair.event, services.Search(industry="chemicals")) == []
    assert len(services.search_sichuan(fair.event, services.Search())) == 2


# --- requests ----------------------------------------------------------------------------


def test_a_request_is_asked_and_accepted_by_the_other_side(fair):
    request = services.ask(fair.event, fair.tea, fair.buyer, side=Side.SICHUAN, priority=3)
    with pytest.raises(DomainError):
        services.respond(request, side=Side.SICHUAN, accept=True)  # not to oneself
    services.respond(request, side=Side.COUNTERPART, accept=True)
    assert request.status == RequestStatus.ACCEPTED
    with pytest.raises(DomainError):
        services.ask(fair.event, fair.tea, fair.buyer, side=Side.COUNTERPART)


def test_requests_outside_the_window_or_beyond_the_limit_are_refused(fair, db):
    fair.grid.requests_close_at = datetime.now(UTC) - timedelta(days=1)
    fair.grid.requests_open_at = fair.grid.requests_close_at - timedelta(days=1)
    with pytest.raises(DomainError):
        services.ask(fair.event, fair.tea, fair.buyer, side=Side.SICHUAN)
    fair.grid.requests_open_at = fair.grid.requests_close_at = None
    fair.grid.max_requests = 1
    services.ask(fair.event, fair.tea, fair.buyer, side=Side.SICHUAN)
    with pytest.raises(DomainError) as refused:
        services.ask(fair.event, fair.tea, fair.other_buyer, side=Side.SICHUAN)
    assert "1" in str(refused.value)
    assert db.session.scalar(sa.select(sa.func.count(MatchRequest.id))) == 1


def test_a_declined_request_is_not_sent_again_but_the_other_side_may_ask(fair, db):
    fair.grid.max_requests = 1
    request = services.ask(fair.event, fair.tea, fair.buyer, side=Side.SICHUAN)
    services.respond(request, side=Side.COUNTERPART, accept=False)
    for _ in range(2):
        with pytest.raises(DomainError) as refused:
            services.ask(fair.event, fair.tea, fair.buyer, side=Side.SICHUAN)
        with force_locale("en"):
            assert "They declined your request" in str(refused.value)
    assert request.status == RequestStatus.DECLINED
    # The buyer changes their mind: they ask, and the enterprise answers.
    again = services.ask(fair.event, fair.tea, fair.buyer, side=Side.COUNTERPART)
    assert again is request and again.status == RequestStatus.REQUESTED
    assert db.session.scalar(sa.select(sa.func.count(MatchRequest.id))) == 1


def test_a_pending_buyer_cannot_be_asked(fair):
    pending = services.register_counterpart(
        fair.event, counterpart_data(email="later@example.com"), language="en"
    )
    with pytest.raises(DomainError):
        services.ask(fair.event, fair.tea, pending, side=Side.SICHUAN)


def test_organizers_add_and_remove_matches_audited(fair, db):
    request = services.add_match(fair.event, fair.pepper.id, fair.buyer.id, actor=fair.organizer)
    assert request.status == RequestStatus.ACCEPTED and request.added_by_organizer
    with pytest.raises(InvalidInput):
        services.add_match(fair.event, fair.pepper.id, 999_999, actor=fair.organizer)
    services.remove_match(request, actor=fair.organizer)
    assert request.status == RequestStatus.WITHDRAWN
    assert actions(db)[-2:] == ["matchmaking.match_added", "matchmaking.match_removed"]


# --- the schedule ------------------------------------------------------------------------


def accepted(fair, application, counterpart, priority=2):
    request = services.ask(
        fair.event, application, counterpart, side=Side.SICHUAN, priority=priority
    )
    return services.respond(request, side=Side.COUNTERPART, accept=True)


def test_the_scheduler_places_accepted_requests_without_double_booking(fair, db):
    accepted(fair, fair.tea, fair.buyer)
    accepted(fair, fair.pepper, fair.buyer)
    accepted(fair, fair.tea, fair.other_buyer)
    report = services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    assert report.placed == 3 and report.unplaced == []
    meetings = db.session.scalars(sa.select(Meeting)).all()
    slots = {slot.starts_at for slot in services.grid_slots(fair.grid)}
    assert all(m.starts_at in slots and 1 <= m.table_number <= 2 for m in meetings)
    by_buyer = [m.starts_at for m in meetings if m.counterpart_id == fair.buyer.id]
    assert len(set(by_buyer)) == 2


def test_a_buyer_on_an_itinerary_item_is_not_booked_then(fair, db):
    delegation = make_delegation()
    delegation.events.append(fair.event)
    member = make_member(delegation)
    guest = services.add_member_as_counterpart(fair.event, member, actor=fair.organizer)
    # Busy for the whole morning window, 09:00–10:00.
    make_itinerary_item(
        delegation, kind="site_visit", starts_at=slot_at(fair, 8), ends_at=slot_at(fair, 10)
    )
    accepted(fair, fair.tea, guest)
    services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    (meeting,) = db.session.scalars(sa.select(Meeting)).all()
    assert meeting.starts_at >= slot_at(fair, 11)


def test_a_move_into_an_itinerary_item_is_refused_and_changes_nothing(fair, db):
    delegation = make_delegation()
    delegation.events.append(fair.event)
    guest = services.add_member_as_counterpart(
        fair.event, make_member(delegation), actor=fair.organizer
    )
    make_itinerary_item(
        delegation, kind="site_visit", starts_at=slot_at(fair, 8), ends_at=slot_at(fair, 10)
    )
    accepted(fair, fair.tea, guest)
    services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    (meeting,) = db.session.scalars(sa.select(Meeting)).all()
    was = (meeting.starts_at, meeting.table_number)
    with pytest.raises(InvalidInput) as refused:
        services.move_meeting(meeting, starts_at=slot_at(fair, 9), table=1, actor=fair.organizer)
    with force_locale("en"):
        assert "itinerary" in str(refused.value.errors["starts_at"])
    db.session.refresh(meeting)
    assert (meeting.starts_at, meeting.table_number) == was


def test_a_sichuan_enterprise_on_its_own_itinerary_is_not_booked_then(fair, db):
    delegation = make_delegation()  # the enterprise's own trip, with one of its delegates
    db.session.flush()
    traveller = make_member(delegation, source_delegate_id=fair.tea.delegates[0].id)
    make_itinerary_item(
        delegation,
        kind="site_visit",
        starts_at=slot_at(fair, 8),
        ends_at=slot_at(fair, 10),
        everyone=False,
        members=[traveller],
    )
    accepted(fair, fair.tea, fair.buyer)
    services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    (meeting,) = db.session.scalars(sa.select(Meeting)).all()
    assert meeting.starts_at >= slot_at(fair, 11)


def test_a_move_with_no_interpreter_free_is_refused(fair, db):
    data = services.grid_data_from(fair.grid)
    data.interpreters = "en=1"
    services.save_grid(fair.event, data, actor=fair.organizer)
    accepted(fair, fair.tea, fair.buyer)  # Chinese and English: an interpreter each
    accepted(fair, fair.pepper, fair.other_buyer)
    services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    first, second = db.session.scalars(sa.select(Meeting).order_by(Meeting.request_id)).all()
    assert first.starts_at != second.starts_at  # one interpreter: never at once
    was = (second.starts_at, second.table_number)
    with pytest.raises(InvalidInput) as refused:
        services.move_meeting(second, starts_at=first.starts_at, table=2, actor=fair.organizer)
    with force_locale("en"):
        assert "interpreter" in str(refused.value.errors["starts_at"])
    db.session.refresh(second)
    assert (second.starts_at, second.table_number) == was


def test_removing_a_published_match_tells_both_sides_it_is_cancelled(fair, db):
    from tests.factories import make_enterprise_user

    make_enterprise_user(fair.tea.enterprise, email="tea@example.com", locale="en")
    request = accepted(fair, fair.tea, fair.buyer)
    services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    services.publish(fair.event, actor=fair.organizer)
    before = db.session.scalar(sa.select(sa.func.count(OutgoingMail.id)))
    services.remove_match(request, actor=fair.organizer)
    mails = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()[before:]
    assert sorted(m.recipients[0] for m in mails) == ["peter@danube.example.com", "tea@example.com"]
    assert all("cancelled" in m.subject for m in mails)
    assert db.session.scalars(sa.select(Meeting)).all() == []


def placed(fair, db):
    accepted(fair, fair.tea, fair.buyer)
    accepted(fair, fair.pepper, fair.other_buyer)
    services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    return db.session.scalars(sa.select(Meeting).order_by(Meeting.request_id)).all()


@pytest.mark.parametrize(
    ("when", "table", "field"),
    [
        ("outside", 1, "starts_at"),  # a time in the break, not a slot of the grid
        ("free", 3, "table"),  # a table beyond the count
    ],
)
def test_a_bad_move_is_refused_and_nothing_changes(fair, db, when, table, field):
    _first, second = placed(fair, db)
    starts_at = slot_at(fair, 10, 20) if when == "outside" else slot_at(fair, 11, 40)
    was = (second.starts_at, second.table_number)
    with pytest.raises(InvalidInput) as refused:
        services.move_meeting(second, starts_at=starts_at, table=table, actor=fair.organizer)
    assert field in refused.value.errors
    db.session.refresh(second)
    assert (second.starts_at, second.table_number) == was


def test_a_second_booking_of_a_busy_participant_is_refused(fair, db):
    fair.grid.tables = 5
    accepted(fair, fair.tea, fair.buyer)
    accepted(fair, fair.pepper, fair.buyer)
    services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    tea, pepper = db.session.scalars(sa.select(Meeting).order_by(Meeting.request_id)).all()
    was = (pepper.starts_at, pepper.table_number)
    with pytest.raises(InvalidInput) as refused:
        services.move_meeting(pepper, starts_at=tea.starts_at, table=5, actor=fair.organizer)
    assert "starts_at" in refused.value.errors
    db.session.refresh(pepper)
    assert (pepper.starts_at, pepper.table_number) == was


def test_a_taken_table_is_refused(fair, db):
    first, second = placed(fair, db)
    with pytest.raises(InvalidInput) as refused:
        services.move_meeting(
            second, starts_at=first.starts_at, table=first.table_number, actor=fair.organizer
        )
    assert "table" in refused.value.errors


def test_moving_a_published_meeting_tells_both_sides(fair, db):
    from tests.factories import make_enterprise_user

    make_enterprise_user(fair.tea.enterprise, email="tea@example.com", locale="zh")
    first, _second = placed(fair, db)
    services.publish(fair.event, actor=fair.organizer)
    before = db.session.scalar(sa.select(sa.func.count(OutgoingMail.id)))
    target = next(
        slot.starts_at
        for slot in services.grid_slots(fair.grid)
        if slot.starts_at not in {m.starts_at for m in db.session.scalars(sa.select(Meeting))}
    )
    services.move_meeting(first, starts_at=target, table=1, actor=fair.organizer)
    mails = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()[before:]
    assert {tuple(m.recipients) for m in mails} == {
        ("peter@danube.example.com",),
        ("tea@example.com",),
    }
    chinese = next(m for m in mails if m.recipients == ["tea@example.com"])
    assert "调整" in chinese.subject
    assert actions(db)[-1] == "matchmaking.meeting_moved"


def test_a_published_meeting_whose_interpreters_are_gone_keeps_its_table(fair, db):
    """The grid's interpreters removed after publishing: the published meeting stays where
    it is, and the scheduler gives its table to no other meeting at that time."""
    data = services.grid_data_from(fair.grid)
    data.tables = 1
    services.save_grid(fair.event, data, actor=fair.organizer)
    accepted(fair, fair.tea, fair.buyer)  # Chinese and English: an interpreter each time
    services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    services.publish(fair.event, actor=fair.organizer)
    [kept] = db.session.scalars(sa.select(Meeting)).all()
    assert kept.interpreter_language == "en"
    data.interpreters = ""
    services.save_grid(fair.event, data, actor=fair.organizer)
    services.save_profile(fair.pepper, services.ProfileData(languages="zh, en"))
    accepted(fair, fair.pepper, fair.other_buyer)  # English in common: no interpreter
    report = services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    meetings = db.session.scalars(sa.select(Meeting).order_by(Meeting.id)).all()
    assert report.placed == 2 and report.unplaced == []
    assert meetings[0] is kept and kept.table_number == 1
    assert meetings[1].starts_at != kept.starts_at  # one table: another time


def test_publishing_tells_each_participant_their_meetings_once(fair, db):
    from tests.factories import make_enterprise_user

    make_enterprise_user(fair.tea.enterprise, email="tea@example.com", locale="zh")
    make_enterprise_user(fair.pepper.enterprise, email="pepper@example.com", locale="en")
    first, second = placed(fair, db)
    services.publish(fair.event, actor=fair.organizer)
    mails = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()
    published = {
        m.recipients[0]: m for m in mails if "schedule" in m.subject or "日程" in m.subject
    }
    assert set(published) == {
        "tea@example.com",
        "pepper@example.com",
        "peter@danube.example.com",
        "anna@baltic.example.com",
    }
    table = f"table {first.table_number}"
    buyer = published["peter@danube.example.com"].text  # in English, with both scripts
    assert table in buyer and "川茶集团 / Sichuan Tea Group" in buyer
    assert fair.event.timezone in buyer
    assert "/matchmaking/" not in buyer  # their private link is not kept to be mailed
    tea = published["tea@example.com"]
    assert "日程" in tea.subject and f"{first.table_number}号桌" in tea.text
    assert f"/applications/{fair.tea.id}/matchmaking" in tea.text
    assert "Hanyuan" not in tea.text  # only their own meetings
    # Published again with nothing new: nobody is told twice.
    before = len(mails)
    services.publish(fair.event, actor=fair.organizer)
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == before


def test_an_enterprise_that_withdraws_leaves_the_tables(fair, db):
    """Withdrawn after the schedule was published: its meetings are called off at once,
    the buyer is told, its requests are withdrawn; the next run schedules without it."""
    from expo.registrations import services as registrations

    first, second = placed(fair, db)
    open_request = services.ask(fair.event, fair.tea, fair.other_buyer, side=Side.SICHUAN)
    services.publish(fair.event, actor=fair.organizer)
    before = db.session.scalar(sa.select(sa.func.count(OutgoingMail.id)))
    registrations.withdraw(fair.tea, actor=None, reason="行程取消")
    assert [m.id for m in db.session.scalars(sa.select(Meeting))] == [second.id]
    assert open_request.status == RequestStatus.WITHDRAWN
    assert first.request.status == RequestStatus.WITHDRAWN
    mails = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()[before:]
    cancelled = [m for m in mails if m.recipients == ["peter@danube.example.com"]]
    assert len(cancelled) == 1 and "cancelled" in cancelled[0].subject
    report = services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    assert report.placed == 1


def test_publishing_without_a_schedule_is_refused(fair):
    with pytest.raises(DomainError):
        services.publish(fair.event, actor=fair.organizer)


def test_the_grid_cannot_drop_slots_that_hold_meetings(fair, db):
    placed(fair, db)
    data = services.grid_data_from(fair.grid)
    data.windows = f"{second_day(fair.event):%Y-%m-%d} 08:00-08:40"
    with pytest.raises(InvalidInput):
        services.save_grid(fair.event, data, actor=fair.organizer)


def test_either_side_tells_how_a_meeting_went_once_it_has_begun(fair, db):
    first, _ = placed(fair, db)
    with pytest.raises(DomainError):  # not published yet
        services.record_outcome(first, attendance="held", interest=None, participant=True)
    services.publish(fair.event, actor=fair.organizer)
    before = first.starts_at - timedelta(minutes=1)
    with pytest.raises(DomainError):
        services.record_outcome(
            first, attendance="held", interest=None, participant=True, now=before
        )
    assert first.attendance is None
    services.record_outcome(
        first, attendance="held", interest="follow_up", participant=True, now=first.starts_at
    )
    assert (first.attendance, first.interest) == ("held", "follow_up")


def test_outcomes_are_recorded(fair, db):
    first, _ = placed(fair, db)
    services.record_outcome(first, attendance="held", interest="intention")
    assert first.attendance_label and first.interest_label
    with pytest.raises(InvalidInput):
        services.record_outcome(first, attendance="maybe", interest=None)


def test_a_second_application_cannot_be_matched_across_events(fair, db):
    from tests.factories import make_event

    elsewhere = make_application(make_event())
    with pytest.raises(InvalidInput):
        services.add_match(fair.event, elsewhere.id, fair.buyer.id, actor=fair.organizer)


def test_inbound_delegation_members_join_once(fair, db):
    with pytest.raises(DomainError):
        services.add_delegation_members(fair.event, actor=fair.organizer)
    delegation = make_delegation()
    delegation.events.append(fair.event)
    make_member(delegation, role="leader")
    make_member(delegation)
    make_member(delegation, role="interpreter")
    assert services.add_delegation_members(fair.event, actor=fair.organizer) == 2
    assert services.add_delegation_members(fair.event, actor=fair.organizer) == 0
    joined = [c for c in services.counterparts(fair.event) if c.member_id]
    assert len(joined) == 2 and all(c.status == CounterpartStatus.APPROVED for c in joined)


def test_a_delegation_member_gets_a_private_page_of_their_own(fair, db):
    """Added by the organizers, a member can answer requests and fetch their schedule
    like a buyer who registered: the link is mailed to them, or handed over by the
    organizers when they gave no address (and nothing is mailed to a made-up one)."""
    delegation = make_delegation()
    delegation.events.append(fair.event)
    with_mail = make_member(delegation, email="nagy@import.example.com")
    without = make_member(delegation, email="")
    before = db.session.scalar(sa.select(sa.func.count(OutgoingMail.id)))
    assert services.add_delegation_members(fair.event, actor=fair.organizer) == 2
    mails = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()[before:]
    assert [m.recipients for m in mails] == [["nagy@import.example.com"]]
    token = re.search(r"/matchmaking/([\w-]+)", mails[0].text)
    assert token is not None
    mailed = services.counterpart_for_token(token.group(1))
    assert mailed is not None and mailed.member_id == with_mail.id
    silent = next(c for c in services.counterparts(fair.event) if c.member_id == without.id)
    assert silent.email == ""  # no made-up address to mail
    handed = services.send_link(silent)  # the organizers' "new private link"
    assert services.counterpart_for_token(handed) is silent
    assert len(db.session.scalars(sa.select(OutgoingMail)).all()) == before + 1
    # The member answers a Sichuan enterprise's request through that page's service.
    request = services.ask(fair.event, fair.tea, silent, side=Side.SICHUAN)
    services.respond(request, side=Side.COUNTERPART, accept=True)
    assert request.status == RequestStatus.ACCEPTED


def test_organizers_say_which_languages_a_member_speaks(fair, db):
    """A member is taken to speak English; told they speak only Russian, the scheduler
    books them a Russian interpreter."""
    data = services.grid_data_from(fair.grid)
    data.interpreters = "ru=1"
    services.save_grid(fair.event, data, actor=fair.organizer)
    delegation = make_delegation()
    delegation.events.append(fair.event)
    guest = services.add_member_as_counterpart(
        fair.event, make_member(delegation), actor=fair.organizer
    )
    assert guest.language_list == ["en"]
    for bad in ("", "klingon"):
        with pytest.raises(InvalidInput) as refused:
            services.set_languages(guest, bad)
        assert set(refused.value.errors) == {"languages"}
    assert guest.languages == "en"
    services.set_languages(guest, "RU")
    accepted(fair, fair.tea, guest)
    services.run_scheduler(fair.event, actor=fair.organizer, time_limit=5)
    (meeting,) = db.session.scalars(sa.select(Meeting)).all()
    assert meeting.interpreter_language == "ru"


def test_a_new_link_replaces_the_old_one(fair, db):
    first = services.send_link(fair.buyer)
    second = services.send_link(fair.buyer)
    assert services.counterpart_for_token(first) is None
    assert services.counterpart_for_token(second) is fair.buyer
    pending = services.register_counterpart(
        fair.event, counterpart_data(email="later@example.com"), language="en"
    )
    with pytest.raises(DomainError):
        services.send_link(pending)


def test_the_sichuan_profile_sets_languages_for_the_interpreters(fair, db):
    with pytest.raises(InvalidInput) as refused:
        services.save_profile(fair.tea, services.ProfileData(languages="", hs_chapters="123"))
    assert set(refused.value.errors) == {"languages", "hs_chapters"}
    assert services.profile_for(fair.tea) is None
    services.save_profile(
        fair.tea, services.ProfileData(summary_en="Green tea", hs_chapters="09", languages="zh,en")
    )
    assert services.sichuan_languages(fair.tea) == frozenset({"zh", "en"})
    assert services.search_sichuan(fair.event, services.Search(hs_chapter="09")) == [fair.tea]
