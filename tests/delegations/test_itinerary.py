"""Itinerary rules: two zones per item, absolute time for every comparison, conflicts.

The helpers at the top build delegations and members straight from the models, so these
tests do not depend on the delegation services; the view and calendar tests use them too.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale

from expo.delegations.itinerary import (
    ItemData,
    add_item,
    conflicts_for,
    delete_item,
    item_data_from,
    timeline,
    update_item,
)
from expo.delegations.models import Delegation, ItineraryItem, Member
from expo.errors import InvalidInput
from tests.factories import make_enterprise

_names = itertools.count(1)


def make_delegation(db, **fields) -> Delegation:
    values = {
        "title_zh": "川行天下·匈牙利经贸代表团",
        "title_en": "Sichuan Going Global delegation to Hungary",
        "direction": "outbound",
        "origin_country": "CN",
        "origin_city_zh": "成都",
        "origin_city_en": "Chengdu",
        "destination_country": "HU",
        "destination_city_zh": "布达佩斯",
        "destination_city_en": "Budapest",
        "starts_on": date(2027, 3, 1),
        "ends_on": date(2027, 11, 30),
    }
    values.update(fields)
    delegation = Delegation(**values)
    db.session.add(delegation)
    db.session.flush()
    return delegation


def make_member(db, delegation: Delegation, name_latin: str | None = None, **fields) -> Member:
    number = next(_names)
    values = {
        "delegation": delegation,
        "position": number,
        "name_zh": fields.pop("name_zh", f"成员{number}"),
        "name_latin": name_latin or f"Member {number}",
    }
    values.update(fields)
    member = Member(**values)
    db.session.add(member)
    db.session.flush()
    return member


def local(text: str) -> datetime:
    """A naive wall-clock time, as a form gives it: ``"2027-03-10 21:00"``."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def item_data(start: str, start_zone: str, end: str, end_zone: str = "", **fields) -> ItemData:
    values = {
        "kind": "meeting",
        "title_zh": "会谈",
        "title_en": "Meeting",
        "starts_at": local(start),
        "start_timezone": start_zone,
        "ends_at": local(end),
        "end_timezone": end_zone,
    }
    values.update(fields)
    return ItemData(**values)


def flight_tokyo_honolulu(**fields) -> ItemData:
    values = {"kind": "flight", "title_en": "Tokyo to Honolulu", "transport_number": "NH 184"}
    values.update(fields)
    return item_data(
        "2027-03-10 21:00", "Asia/Tokyo", "2027-03-10 09:00", "Pacific/Honolulu", **values
    )


def flight_chengdu_budapest(**fields) -> ItemData:
    """Overnight: leaves at 01:50 in Chengdu (17:50 UTC the day before), lands 06:55 CEST."""
    values = {"kind": "flight", "title_en": "Chengdu to Budapest", "transport_number": "3U 3919"}
    values.update(fields)
    return item_data(
        "2027-06-01 01:50", "Asia/Shanghai", "2027-06-01 06:55", "Europe/Budapest", **values
    )


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def errors_of(call) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        call()
    return {name: str(message) for name, message in raised.value.errors.items()}


def count_items(db) -> int:
    return db.session.query(ItineraryItem).count()


class TestDateLine:
    def test_a_flight_landing_at_an_earlier_local_time_is_accepted(self, db):
        delegation = make_delegation(db)
        item = add_item(delegation, flight_tokyo_honolulu()).item
        assert item.starts_at == utc(2027, 3, 10, 12, 0)
        assert item.ends_at == utc(2027, 3, 10, 19, 0)
        assert item.ends_at - item.starts_at == timedelta(hours=7)
        assert (item.start_timezone, item.end_timezone) == ("Asia/Tokyo", "Pacific/Honolulu")

    def test_the_timeline_puts_it_on_its_local_departure_date(self, db):
        delegation = make_delegation(db)
        add_item(delegation, flight_tokyo_honolulu())
        [day] = timeline(delegation)
        assert day.date == date(2027, 3, 10)
        [entry] = day.items
        assert entry.end_date == date(2027, 3, 10)
        assert entry.end_day_offset == 0 and entry.day_marker == ""
        assert entry.duration == timedelta(hours=7)

    def test_leaving_after_midnight_lands_the_day_before(self, db):
        delegation = make_delegation(db)
        data = item_data(
            "2027-03-11 00:30", "Asia/Tokyo", "2027-03-10 12:30", "Pacific/Honolulu", kind="flight"
        )
        add_item(delegation, data)
        [day] = timeline(delegation)
        assert day.date == date(2027, 3, 11)
        assert day.items[0].day_marker == "-1"

    def test_an_overnight_flight_lands_the_next_day(self, db):
        delegation = make_delegation(db)
        data = flight_chengdu_budapest(
            starts_at=local("2027-05-31 23:50"), ends_at=local("2027-06-01 06:55")
        )
        add_item(delegation, data)
        [day] = timeline(delegation)
        assert day.date == date(2027, 5, 31)
        assert day.items[0].day_marker == "+1"

    def test_an_end_truly_before_the_start_is_refused_naming_both_zones(self, db):
        delegation = make_delegation(db)
        # 01:00 in Honolulu is 11:00 UTC: an hour before 21:00 in Tokyo (12:00 UTC).
        data = flight_tokyo_honolulu(ends_at=local("2027-03-10 01:00"))
        errors = errors_of(lambda: add_item(delegation, data))
        assert list(errors) == ["ends_at"]
        assert "Pacific/Honolulu" in errors["ends_at"] and "Asia/Tokyo" in errors["ends_at"]
        assert count_items(db) == 0

    def test_message_in_english(self, db):
        delegation = make_delegation(db)
        data = flight_tokyo_honolulu(ends_at=local("2027-03-10 01:00"))
        with force_locale("en"):
            message = errors_of(lambda: add_item(delegation, data))["ends_at"]
        assert message == (
            "The end comes before the start: 2027-03-10 01:00 in Pacific/Honolulu is 1 h "
            "earlier than 2027-03-10 21:00 in Asia/Tokyo."
        )


class TestDaylightSaving:
    def test_the_offset_follows_the_date(self, db):
        delegation = make_delegation(db)
        before = add_item(
            delegation, item_data("2027-03-27 10:00", "Europe/Budapest", "2027-03-27 11:00")
        ).item
        after = add_item(
            delegation, item_data("2027-03-28 10:00", "Europe/Budapest", "2027-03-28 11:00")
        ).item
        assert before.starts_at == utc(2027, 3, 27, 9, 0)
        assert after.starts_at == utc(2027, 3, 28, 8, 0)

    def test_a_skipped_time_is_refused(self, db):
        delegation = make_delegation(db)
        data = item_data("2027-03-28 02:30", "Europe/Budapest", "2027-03-28 04:00")
        with force_locale("en"):
            errors = errors_of(lambda: add_item(delegation, data))
        assert errors == {
            "starts_at": "2027-03-28 02:30 does not exist in Europe/Budapest: "
            "the clocks jump forward then."
        }
        assert count_items(db) == 0

    def test_a_skipped_end_time_is_refused_at_the_end(self, db):
        delegation = make_delegation(db)
        data = item_data("2027-03-28 09:00", "Asia/Shanghai", "2027-03-28 02:15", "Europe/Budapest")
        assert list(errors_of(lambda: add_item(delegation, data))) == ["ends_at"]

    def test_a_repeated_time_means_the_first(self, db):
        delegation = make_delegation(db)
        data = item_data("2027-10-31 02:30", "Europe/Budapest", "2027-10-31 02:45")
        item = add_item(delegation, data).item
        assert item.starts_at == utc(2027, 10, 31, 0, 30)  # still summer time (UTC+2)

    def test_a_night_across_the_change_is_an_hour_shorter(self, db):
        delegation = make_delegation(db)
        data = item_data("2027-03-27 22:00", "Europe/Budapest", "2027-03-28 06:00", kind="transfer")
        item = add_item(delegation, data).item
        assert item.ends_at - item.starts_at == timedelta(hours=7)
        [day] = timeline(delegation)
        assert day.items[0].day_marker == "+1"


class TestValidation:
    def test_a_title_in_one_language_is_enough(self, db):
        delegation = make_delegation(db)
        data = item_data(
            "2027-03-10 09:00", "Asia/Shanghai", "2027-03-10 10:00", title_en="", title_zh="会谈"
        )
        assert add_item(delegation, data).item.title_zh == "会谈"
        data = item_data(
            "2027-03-10 09:00", "Asia/Shanghai", "2027-03-10 10:00", title_en=" ", title_zh=""
        )
        assert list(errors_of(lambda: add_item(delegation, data))) == ["title_zh"]

    def test_unknown_zones_and_kinds_are_refused(self, db):
        delegation = make_delegation(db)
        data = item_data(
            "2027-03-10 09:00", "Mars/Olympus", "2027-03-10 10:00", "Asia/Nowhere", kind="party"
        )
        errors = errors_of(lambda: add_item(delegation, data))
        assert set(errors) == {"kind", "start_timezone", "end_timezone"}
        assert count_items(db) == 0

    def test_an_empty_end_zone_is_the_start_zone(self, db):
        delegation = make_delegation(db)
        item = add_item(
            delegation, item_data("2027-03-10 09:00", "Europe/Budapest", "2027-03-10 10:00")
        ).item
        assert item.end_timezone == "Europe/Budapest"
        assert item.ends_at == utc(2027, 3, 10, 9, 0)

    def test_a_zero_length_item_is_allowed(self, db):
        delegation = make_delegation(db)
        data = item_data("2027-03-10 14:00", "Europe/Budapest", "2027-03-10 14:00", kind="hotel")
        item = add_item(delegation, data).item
        assert item.starts_at == item.ends_at

    def test_members_must_belong_to_the_delegation(self, db):
        delegation = make_delegation(db)
        stranger = make_member(db, make_delegation(db))
        data = item_data(
            "2027-03-10 09:00",
            "Asia/Shanghai",
            "2027-03-10 10:00",
            everyone=False,
            member_ids=[stranger.id],
        )
        assert list(errors_of(lambda: add_item(delegation, data))) == ["member_ids"]

    def test_someone_must_take_part(self, db):
        delegation = make_delegation(db)
        make_member(db, delegation)
        data = item_data(
            "2027-03-10 09:00", "Asia/Shanghai", "2027-03-10 10:00", everyone=False, member_ids=[]
        )
        assert list(errors_of(lambda: add_item(delegation, data))) == ["member_ids"]

    def test_enterprises_for_meetings_and_visits_only(self, db):
        delegation = make_delegation(db)
        enterprise = make_enterprise()
        meeting = item_data(
            "2027-03-10 09:00", "Asia/Shanghai", "2027-03-10 10:00", enterprise_ids=[enterprise.id]
        )
        assert add_item(delegation, meeting).item.enterprises == [enterprise]
        meal = item_data(
            "2027-03-10 12:00",
            "Asia/Shanghai",
            "2027-03-10 13:00",
            kind="meal",
            enterprise_ids=[enterprise.id],
        )
        assert list(errors_of(lambda: add_item(delegation, meal))) == ["enterprise_ids"]
        unknown = item_data(
            "2027-03-10 12:00", "Asia/Shanghai", "2027-03-10 13:00", enterprise_ids=[999_999]
        )
        assert list(errors_of(lambda: add_item(delegation, unknown))) == ["enterprise_ids"]

    def test_a_day_either_side_of_the_delegation_is_allowed_more_is_refused(self, db):
        delegation = make_delegation(db, starts_on=date(2027, 6, 1), ends_on=date(2027, 6, 8))
        early = item_data("2027-05-31 01:50", "Asia/Shanghai", "2027-05-31 06:55")
        late = item_data("2027-06-09 20:00", "Europe/Budapest", "2027-06-09 23:00")
        add_item(delegation, early)
        add_item(delegation, late)
        too_early = item_data("2027-05-30 23:00", "Asia/Shanghai", "2027-05-31 01:00")
        too_late = item_data("2027-06-09 23:00", "Europe/Budapest", "2027-06-10 00:30")
        with force_locale("en"):
            errors = errors_of(lambda: add_item(delegation, too_early))
            assert errors == {
                "starts_at": "Items fall within the delegation's dates, 2027-06-01 to "
                "2027-06-08, give or take a day for travel."
            }
            assert list(errors_of(lambda: add_item(delegation, too_late))) == ["ends_at"]
        assert count_items(db) == 2


class TestConflicts:
    def setup_people(self, db):
        delegation = make_delegation(db)
        wang = make_member(db, delegation, "Wang Li", name_zh="王丽")
        zhang = make_member(db, delegation, "Zhang Wei", name_zh="张伟")
        return delegation, wang, zhang

    def test_a_member_on_a_flight_and_in_a_meeting_at_landing_time(self, db):
        delegation, wang, zhang = self.setup_people(db)
        flight = add_item(
            delegation, flight_chengdu_budapest(everyone=False, member_ids=[wang.id])
        ).item
        saved = add_item(
            delegation,
            item_data(
                "2027-06-01 06:30",
                "Europe/Budapest",
                "2027-06-01 08:00",
                title_en="Meeting with Hungexpo",
                everyone=False,
                member_ids=[wang.id, zhang.id],
            ),
        )
        # Saved anyway; the clash comes back for the organizer to see.
        assert saved.item.id is not None
        assert [(c.member, c.other) for c in saved.conflicts] == [(wang, flight)]
        assert conflicts_for(delegation) == {wang.id: [(flight, saved.item)]}

    def test_overlap_is_judged_on_absolute_time_not_the_clock_face(self, db):
        delegation, wang, zhang = self.setup_people(db)
        flight = add_item(delegation, flight_chengdu_budapest()).item  # 17:50 UTC 31 May on
        # 20:00 in Budapest on 31 May looks earlier than "01:50 on 1 June", but it is 18:00
        # UTC: Wang Li is in the air then.
        evening = add_item(
            delegation, item_data("2027-05-31 20:00", "Europe/Budapest", "2027-05-31 21:00")
        ).item
        # 23:00 in Chengdu on 31 May is 15:00 UTC, before departure: no clash.
        add_item(delegation, item_data("2027-05-31 21:00", "Asia/Shanghai", "2027-05-31 23:00"))
        assert conflicts_for(delegation) == {
            wang.id: [(flight, evening)],
            zhang.id: [(flight, evening)],
        }

    def test_a_member_in_only_one_of_them_is_not_flagged(self, db):
        delegation, wang, zhang = self.setup_people(db)
        add_item(delegation, flight_chengdu_budapest(everyone=False, member_ids=[wang.id]))
        saved = add_item(
            delegation,
            item_data(
                "2027-06-01 06:30",
                "Europe/Budapest",
                "2027-06-01 08:00",
                everyone=False,
                member_ids=[zhang.id],
            ),
        )
        assert saved.conflicts == []
        assert conflicts_for(delegation) == {}

    def test_touching_items_do_not_conflict(self, db):
        delegation, wang, zhang = self.setup_people(db)
        add_item(delegation, flight_chengdu_budapest())
        # The transfer starts the minute the flight lands; a check-in has no length.
        transfer = add_item(
            delegation,
            item_data("2027-06-01 06:55", "Europe/Budapest", "2027-06-01 08:00", kind="transfer"),
        )
        check_in = add_item(
            delegation,
            item_data("2027-06-01 06:55", "Europe/Budapest", "2027-06-01 06:55", kind="other"),
        )
        assert transfer.conflicts == [] and check_in.conflicts == []
        assert conflicts_for(delegation) == {}

    def test_hotel_and_free_time_conflict_with_nothing(self, db):
        delegation, wang, zhang = self.setup_people(db)
        add_item(delegation, flight_chengdu_budapest())
        for kind in ("hotel", "free_time"):
            saved = add_item(
                delegation,
                item_data("2027-05-31 20:00", "Europe/Budapest", "2027-06-02 12:00", kind=kind),
            )
            assert saved.conflicts == []
        assert conflicts_for(delegation) == {}

    def test_updating_into_a_clash_reports_it_and_not_the_item_itself(self, db):
        delegation, wang, zhang = self.setup_people(db)
        flight = add_item(delegation, flight_chengdu_budapest()).item
        meeting = add_item(
            delegation, item_data("2027-06-01 10:00", "Europe/Budapest", "2027-06-01 11:00")
        ).item
        moved = item_data_from(meeting)
        moved.starts_at = local("2027-06-01 06:00")
        saved = update_item(meeting, moved)
        assert {(c.member, c.other) for c in saved.conflicts} == {(wang, flight), (zhang, flight)}

    def test_the_timeline_flags_both_items_and_names_the_other(self, db):
        delegation, wang, zhang = self.setup_people(db)
        add_item(
            delegation,
            flight_chengdu_budapest(everyone=False, member_ids=[wang.id], title_en="Flight 3U"),
        )
        add_item(
            delegation,
            item_data(
                "2027-06-01 06:30",
                "Europe/Budapest",
                "2027-06-01 08:00",
                title_en="Breakfast meeting",
            ),
        )
        with force_locale("en"):
            entries = [entry for day in timeline(delegation) for entry in day.items]
            assert [entry.conflict for entry in entries] == [True, True]
            assert entries[0].conflicting_titles == ["Breakfast meeting"]
            assert entries[1].conflicting_titles == ["Flight 3U"]
            assert [c.member for c in entries[1].conflicts] == [wang]
            # Zhang Wei is only at breakfast: his timeline has no clash, and no flight.
            [day] = timeline(delegation, zhang)
            assert [(entry.item.title, entry.conflict) for entry in day.items] == [
                ("Breakfast meeting", False)
            ]


class TestTimeline:
    def test_days_in_local_dates_items_in_absolute_order(self, db):
        delegation = make_delegation(db)
        wang = make_member(db, delegation, "Wang Li")
        make_member(db, delegation, "Zhang Wei")
        add_item(delegation, item_data("2027-06-02 09:00", "Europe/Budapest", "2027-06-02 10:00"))
        add_item(delegation, flight_chengdu_budapest(everyone=False, member_ids=[wang.id]))
        # 23:30 in Chengdu on 31 May, before the flight's 01:50 on 1 June
        add_item(
            delegation,
            item_data("2027-05-31 23:30", "Asia/Shanghai", "2027-06-01 00:30", kind="transfer"),
        )
        days = timeline(delegation)
        assert [day.date for day in days] == [date(2027, 5, 31), date(2027, 6, 1), date(2027, 6, 2)]
        flight_entry = days[1].items[0]
        assert [member.name_latin for member in flight_entry.participants] == ["Wang Li"]
        assert len(days[0].items[0].participants) == 2  # everyone

    def test_a_member_sees_only_their_items(self, db):
        delegation = make_delegation(db)
        wang = make_member(db, delegation, "Wang Li")
        zhang = make_member(db, delegation, "Zhang Wei")
        add_item(delegation, flight_chengdu_budapest(everyone=False, member_ids=[wang.id]))
        add_item(delegation, item_data("2027-06-02 09:00", "Europe/Budapest", "2027-06-02 10:00"))
        assert [len(day.items) for day in timeline(delegation, wang)] == [1, 1]
        [day] = timeline(delegation, zhang)
        assert day.date == date(2027, 6, 2)

    def test_empty(self, db):
        assert timeline(make_delegation(db)) == []


class TestEditing:
    def test_the_form_data_round_trips(self, db):
        delegation = make_delegation(db)
        wang = make_member(db, delegation)
        enterprise = make_enterprise()
        data = flight_tokyo_honolulu(everyone=False, member_ids=[wang.id], kind="meeting")
        data.enterprise_ids = [enterprise.id]
        item = add_item(delegation, data).item
        assert item_data_from(item) == data

    def test_delete(self, db):
        delegation = make_delegation(db)
        item = add_item(delegation, flight_tokyo_honolulu()).item
        delete_item(item)
        assert count_items(db) == 0
