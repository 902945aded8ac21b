"""The itinerary as iCalendar: read back through icalendar, instants and zones intact."""

from __future__ import annotations

from datetime import UTC

import icalendar
from flask_babel import force_locale

from expo.delegations.calendar import calendar_ics
from expo.delegations.itinerary import add_item
from tests.delegations.test_itinerary import (
    flight_chengdu_budapest,
    flight_tokyo_honolulu,
    item_data,
    make_delegation,
    make_member,
)


def parse(body: bytes) -> icalendar.Calendar:
    assert isinstance(body, bytes)
    return icalendar.Calendar.from_ical(body)


def events_by_uid(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def zones_defined(calendar: icalendar.Calendar) -> set[str]:
    return {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")}


class TestRoundTrip:
    def test_instants_and_zones_survive(self, db):
        delegation = make_delegation(db)
        flight = add_item(delegation, flight_tokyo_honolulu()).item
        meeting = add_item(
            delegation,
            item_data("2027-03-28 10:00", "Europe/Budapest", "2027-03-28 11:30"),
        ).item
        calendar = parse(calendar_ics(delegation))
        assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
        events = events_by_uid(calendar)
        assert set(events) == {f"item-{flight.id}@127.0.0.1", f"item-{meeting.id}@127.0.0.1"}
        for item in (flight, meeting):
            event = events[f"item-{item.id}@127.0.0.1"]
            start, end = event.decoded("DTSTART"), event.decoded("DTEND")
            assert start == item.starts_at and end == item.ends_at
            assert start.tzinfo.key == item.start_timezone
            assert end.tzinfo.key == item.end_timezone
            assert event["DTSTART"].params["TZID"] == item.start_timezone
            assert event["DTEND"].params["TZID"] == item.end_timezone
        # The wall clock a traveller reads, not only the instant.
        flight_event = events[f"item-{flight.id}@127.0.0.1"]
        assert flight_event.decoded("DTSTART").strftime("%Y-%m-%d %H:%M") == "2027-03-10 21:00"
        assert flight_event.decoded("DTEND").strftime("%Y-%m-%d %H:%M") == "2027-03-10 09:00"
        # Summer time began that night in Budapest: 10:00 is 08:00 UTC.
        meeting_start = events[f"item-{meeting.id}@127.0.0.1"].decoded("DTSTART")
        assert meeting_start.astimezone(UTC).hour == 8

    def test_a_vtimezone_for_every_zone_used(self, db):
        delegation = make_delegation(db)
        add_item(delegation, flight_tokyo_honolulu())
        add_item(delegation, flight_chengdu_budapest())
        calendar = parse(calendar_ics(delegation))
        assert zones_defined(calendar) == {
            "Asia/Tokyo",
            "Pacific/Honolulu",
            "Asia/Shanghai",
            "Europe/Budapest",
        }
        assert calendar.get_missing_tzids() == set()
        [budapest] = [
            zone for zone in calendar.walk("VTIMEZONE") if zone["TZID"] == "Europe/Budapest"
        ]
        # Both of Budapest's observances are described, so clients get the change right.
        assert {component.name for component in budapest.subcomponents} == {
            "STANDARD",
            "DAYLIGHT",
        }

    def test_uids_are_stable(self, db):
        delegation = make_delegation(db)
        add_item(delegation, flight_tokyo_honolulu())
        first = set(events_by_uid(parse(calendar_ics(delegation))))
        second = set(events_by_uid(parse(calendar_ics(delegation))))
        assert first == second

    def test_texts_in_the_readers_language(self, db):
        delegation = make_delegation(db)
        add_item(
            delegation,
            flight_tokyo_honolulu(
                title_zh="东京飞檀香山",
                place_zh="成田机场",
                place_en="Narita Airport",
                address="1-1 Furugome, Narita",
                host="ANA",
                contact="Ms Sato +81 3 0000 0000",
                notes_en="Check in 3 hours early.",
            ),
        )
        with force_locale("en"):
            calendar = parse(calendar_ics(delegation))
        assert str(calendar["X-WR-CALNAME"]) == "Sichuan Going Global delegation to Hungary"
        [event] = calendar.walk("VEVENT")
        assert str(event["SUMMARY"]) == "Tokyo to Honolulu"
        assert str(event["LOCATION"]) == "Narita Airport, 1-1 Furugome, Narita"
        description = str(event["DESCRIPTION"])
        for text in ("NH 184", "Host: ANA", "Ms Sato", "Check in 3 hours early."):
            assert text in description
        chinese = parse(calendar_ics(delegation))
        assert str(chinese["X-WR-CALNAME"]) == "川行天下·匈牙利经贸代表团"
        assert str(chinese.walk("VEVENT")[0]["SUMMARY"]) == "东京飞檀香山"

    def test_a_zero_length_item_has_no_end(self, db):
        delegation = make_delegation(db)
        add_item(
            delegation,
            item_data("2027-06-01 14:00", "Europe/Budapest", "2027-06-01 14:00", kind="hotel"),
        )
        [event] = parse(calendar_ics(delegation)).walk("VEVENT")
        assert "DTEND" not in event and "DTSTART" in event

    def test_empty_itinerary_is_still_a_calendar(self, db):
        calendar = parse(calendar_ics(make_delegation(db)))
        assert calendar.walk("VEVENT") == []


class TestMemberCalendar:
    def test_only_the_members_items(self, db):
        delegation = make_delegation(db)
        wang = make_member(db, delegation, "Wang Li")
        zhang = make_member(db, delegation, "Zhang Wei")
        flight = add_item(
            delegation, flight_chengdu_budapest(everyone=False, member_ids=[wang.id])
        ).item
        dinner = add_item(
            delegation,
            item_data("2027-06-01 19:00", "Europe/Budapest", "2027-06-01 21:00", kind="meal"),
        ).item
        wang_events = events_by_uid(parse(calendar_ics(delegation, wang)))
        zhang_calendar = parse(calendar_ics(delegation, zhang))
        assert set(wang_events) == {f"item-{flight.id}@127.0.0.1", f"item-{dinner.id}@127.0.0.1"}
        assert set(events_by_uid(zhang_calendar)) == {f"item-{dinner.id}@127.0.0.1"}
        assert zones_defined(zhang_calendar) == {"Europe/Budapest"}
        assert "Zhang Wei" in str(zhang_calendar["X-WR-CALNAME"])

    def test_uid_host_follows_base_url(self, app, db):
        delegation = make_delegation(db)
        item = add_item(delegation, flight_tokyo_honolulu()).item
        old = app.config["BASE_URL"]
        app.config["BASE_URL"] = "https://expo.sccom.gov.cn/"
        try:
            events = events_by_uid(parse(calendar_ics(delegation)))
        finally:
            app.config["BASE_URL"] = old
        assert set(events) == {f"item-{item.id}@expo.sccom.gov.cn"}
