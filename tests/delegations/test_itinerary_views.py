"""The organizer's itinerary pages: the timeline, the item form, downloads, who may enter."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import icalendar
import pytest

from expo.delegations.itinerary import add_item
from expo.delegations.models import ItineraryItem
from tests.delegations.test_itinerary import (
    flight_chengdu_budapest,
    flight_tokyo_honolulu,
    item_data,
    make_delegation,
    make_member,
)
from tests.factories import make_enterprise, make_enterprise_user, make_user
from tests.pages import cldr_date, error_at, screen_zone, selected_option, sql_statements


def base(delegation) -> str:
    return f"/manage/delegations/{delegation.id}/itinerary"


def item_form(**overrides) -> dict:
    values = {
        "kind": "meeting",
        "title_zh": "与匈牙利会展中心会谈",
        "title_en": "Meeting with Hungexpo",
        "starts_at": "2027-06-01T10:00",
        "start_timezone": "Europe/Budapest",
        "ends_at": "2027-06-01T11:30",
        "end_timezone": "",
        "place_en": "Hungexpo",
        "everyone": "y",
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


def items_in(db) -> list[ItineraryItem]:
    db.session.expire_all()
    return list(db.session.query(ItineraryItem).order_by(ItineraryItem.id))


@pytest.fixture()
def organizer(db, login_as):
    return login_as(make_user("organizer"))


@pytest.fixture()
def delegation(db):
    return make_delegation(db)


class TestAccess:
    def test_anonymous_users_are_sent_to_sign_in(self, client, db, delegation):
        db.session.commit()
        for path in ("", "/calendar.ics"):
            response = client.get(base(delegation) + path)
            assert response.status_code == 302
            assert "/account/login" in response.headers["Location"]

    def test_enterprise_users_are_refused(self, client, db, login_as, delegation):
        member = make_member(db, delegation)
        login_as(make_enterprise_user())
        for path in ("", "/calendar.ics", f"/members/{member.id}"):
            assert client.get(base(delegation) + path).status_code == 403
        assert client.post(base(delegation), data=item_form()).status_code == 403
        assert items_in(db) == []

    def test_unknown_delegation(self, client, db, organizer):
        assert client.get("/manage/delegations/999999/itinerary").status_code == 404

    def test_an_item_or_member_of_another_delegation_is_not_found(
        self, client, db, organizer, delegation
    ):
        other = make_delegation(db)
        item = add_item(other, flight_tokyo_honolulu()).item
        stranger = make_member(db, other)
        db.session.commit()
        assert client.get(f"{base(delegation)}/{item.id}").status_code == 404
        assert client.post(f"{base(delegation)}/{item.id}", data=item_form()).status_code == 404
        assert client.post(f"{base(delegation)}/{item.id}/delete").status_code == 404
        assert client.get(f"{base(delegation)}/members/{stranger.id}").status_code == 404
        path = f"{base(delegation)}/members/{stranger.id}/calendar.ics"
        assert client.get(path).status_code == 404
        assert len(items_in(db)) == 1


class TestTimelinePage:
    def test_times_in_each_zone_named(self, client, db, organizer, delegation):
        add_item(delegation, flight_tokyo_honolulu(title_en="NH 184 to Honolulu"))
        db.session.commit()
        html = client.get(base(delegation) + "?lang=en").get_data(as_text=True)
        assert "<h1>Itinerary" in html
        assert cldr_date(date(2027, 3, 10), "en", "full") in html  # "Wednesday, March 10, 2027"
        departure = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
        arrival = datetime(2027, 3, 10, 19, 0, tzinfo=UTC)
        assert "9:00 PM" in html and screen_zone(departure, "Asia/Tokyo", "en") in html
        assert "9:00 AM" in html and screen_zone(arrival, "Pacific/Honolulu", "en") in html
        assert "(UTC+09:00)" in html
        assert "(UTC-10:00)" in html
        assert "Duration: 7 h" in html
        assert "NH 184 to Honolulu" in html

    def test_chinese_by_default(self, client, db, organizer, delegation):
        add_item(delegation, flight_chengdu_budapest(title_zh="成都飞布达佩斯"))
        db.session.commit()
        html = client.get(base(delegation)).get_data(as_text=True)
        assert "成都飞布达佩斯" in html
        departure = datetime(2027, 5, 31, 17, 50, tzinfo=UTC)
        # "中国标准时间 (GMT+08:00)"
        assert "01:50" in html and screen_zone(departure, "Asia/Shanghai", "zh") in html
        assert "06:55" in html

    def test_day_marker_when_the_local_end_date_differs(self, client, db, organizer, delegation):
        add_item(
            delegation,
            item_data("2027-03-11 00:30", "Asia/Tokyo", "2027-03-10 12:30", "Pacific/Honolulu"),
        )
        db.session.commit()
        html = client.get(base(delegation) + "?lang=en").get_data(as_text=True)
        assert re.search(r'class="badge[^"]*day-marker" aria-hidden="true">-1<', html)
        assert f"{cldr_date(date(2027, 3, 10), 'en')} 12:30 PM" in html  # "Mar 10, 2027 12:30 PM"

    def test_conflicts_are_flagged_with_words(self, client, db, organizer, delegation):
        wang = make_member(db, delegation, "Wang Li", name_zh="王丽")
        add_item(delegation, flight_chengdu_budapest(everyone=False, member_ids=[wang.id]))
        add_item(
            delegation,
            item_data(
                "2027-06-01 06:30",
                "Europe/Budapest",
                "2027-06-01 08:00",
                title_en="Breakfast meeting",
            ),
        )
        db.session.commit()
        html = client.get(base(delegation) + "?lang=en").get_data(as_text=True)
        assert html.count("Time conflict") == 2
        assert "王丽 / Wang Li is also in “Breakfast meeting” at that time." in html
        assert "王丽 / Wang Li is also in “Chengdu to Budapest” at that time." in html

    def test_a_members_page_has_only_their_items(self, client, db, organizer, delegation):
        wang = make_member(db, delegation, "Wang Li")
        zhang = make_member(db, delegation, "Zhang Wei")
        add_item(delegation, flight_chengdu_budapest(everyone=False, member_ids=[wang.id]))
        add_item(
            delegation,
            item_data("2027-06-01 19:00", "Europe/Budapest", "2027-06-01 21:00", title_en="Dinner"),
        )
        db.session.commit()
        html = client.get(f"{base(delegation)}/members/{zhang.id}?lang=en").get_data(as_text=True)
        assert "Itinerary of" in html and "Zhang Wei" in html
        assert "Dinner" in html and "Chengdu to Budapest" not in html
        html = client.get(f"{base(delegation)}/members/{wang.id}?lang=en").get_data(as_text=True)
        assert "Dinner" in html and "Chengdu to Budapest" in html


class TestItemForm:
    def test_add(self, client, db, organizer, delegation):
        enterprise = make_enterprise(name_en="Chengdu Machinery Co.")
        wang = make_member(db, delegation, "Wang Li", enterprise=enterprise)
        make_member(db, delegation, "Zhang Wei")
        db.session.commit()
        page = client.get(base(delegation) + "?lang=en").get_data(as_text=True)
        assert "Chengdu Machinery Co." in page  # the members' enterprises are offered
        assert "count only when “Everyone” is unticked" in page
        response = client.post(
            base(delegation),
            data=item_form(
                everyone=None, member_ids=[str(wang.id)], enterprise_ids=[str(enterprise.id)]
            ),
        )
        assert response.status_code == 302
        [item] = items_in(db)
        assert item.title_en == "Meeting with Hungexpo"
        assert item.starts_at.isoformat() == "2027-06-01T08:00:00+00:00"
        assert item.end_timezone == "Europe/Budapest"
        assert item.everyone is False
        assert [member.name_latin for member in item.members] == ["Wang Li"]
        assert [e.id for e in item.enterprises] == [enterprise.id]
        html = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
        assert "Itinerary saved." in html

    def test_the_zone_defaults_to_where_the_delegation_leaves_from(
        self, client, db, organizer, delegation
    ):
        db.session.commit()
        html = client.get(base(delegation)).get_data(as_text=True)
        assert selected_option(html, "start_timezone") == "Asia/Shanghai"

    def test_the_delegations_countries_lead_the_zone_picker(
        self, client, db, organizer, delegation
    ):
        db.session.commit()
        html = client.get(base(delegation) + "?lang=zh").get_data(as_text=True)
        picker = re.search(r'<select[^>]*name="start_timezone"[^>]*>(.*?)</select>', html, re.S)
        assert picker is not None
        groups = re.findall(r'<optgroup label="([^"]*)"', picker.group(1))
        assert groups[:2] == ["匈牙利", "中国"]  # where it goes, where it comes from
        assert "Asia/Calcutta" not in picker.group(1) and "Asia/Kolkata" in picker.group(1)

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            (
                {"ends_at": "2027-06-01T09:00"},
                "ends_at",
                "The end comes before the start: 2027-06-01 09:00 in Europe/Budapest",
            ),
            (
                {"start_timezone": "Mars/Olympus"},
                "start_timezone",
                "Choose a time zone from the list",
            ),
            (
                {"starts_at": "2027-03-28T02:30", "ends_at": "2027-03-28T04:00"},
                "starts_at",
                "2027-03-28 02:30 does not exist in Europe/Budapest",
            ),
            ({"ends_at": ""}, "ends_at", "Enter a date and time."),
            ({"title_zh": "", "title_en": ""}, "title_zh", "Enter a title"),
            ({"everyone": None}, "member_ids", "Tick at least one member"),
        ],
    )
    def test_errors_at_the_field_and_nothing_saved(
        self, client, db, organizer, delegation, overrides, field, message
    ):
        db.session.commit()
        response = client.post(base(delegation) + "?lang=en", data=item_form(**overrides))
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert message in error_at(html, field)
        assert items_in(db) == []

    def test_a_conflict_is_flashed_and_the_item_saved(self, client, db, organizer, delegation):
        make_member(db, delegation, "Wang Li", name_zh="王丽")
        make_member(db, delegation, "Zhang Wei", name_zh="张伟")
        add_item(delegation, flight_chengdu_budapest())
        db.session.commit()
        response = client.post(
            base(delegation) + "?lang=en",
            data=item_form(starts_at="2027-06-01T06:00", ends_at="2027-06-01T07:00"),
            follow_redirects=True,
        )
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        # One line per clashing item, naming everyone caught in it.
        warning = "王丽 / Wang Li, 张伟 / Zhang Wei are also in “Chengdu to Budapest” at that time."
        assert f'class="alert alert-warning" role="alert">{warning}' in html
        assert html.count(warning) == 2  # flashed, and on the timeline
        assert len(items_in(db)) == 2

    def test_edit(self, client, db, organizer, delegation):
        item = add_item(delegation, flight_tokyo_honolulu()).item
        db.session.commit()
        html = client.get(f"{base(delegation)}/{item.id}?lang=en").get_data(as_text=True)
        assert 'value="2027-03-10T21:00"' in html and 'value="2027-03-10T09:00"' in html
        assert selected_option(html, "start_timezone") == "Asia/Tokyo"
        assert selected_option(html, "end_timezone") == "Pacific/Honolulu"
        response = client.post(
            f"{base(delegation)}/{item.id}",
            data=item_form(
                kind="flight",
                title_en="Tokyo to Honolulu, later",
                starts_at="2027-03-10T22:00",
                start_timezone="Asia/Tokyo",
                ends_at="2027-03-10T10:00",
                end_timezone="Pacific/Honolulu",
            ),
        )
        assert response.status_code == 302
        [saved] = items_in(db)
        assert saved.title_en == "Tokyo to Honolulu, later"
        assert saved.starts_at.isoformat() == "2027-03-10T13:00:00+00:00"
        assert saved.ends_at.isoformat() == "2027-03-10T20:00:00+00:00"

    def test_delete(self, client, db, organizer, delegation):
        item = add_item(delegation, flight_tokyo_honolulu()).item
        db.session.commit()
        response = client.post(f"{base(delegation)}/{item.id}/delete")
        assert response.status_code == 302
        assert items_in(db) == []


class TestDownloads:
    def test_whole_itinerary(self, client, db, organizer, delegation):
        add_item(delegation, flight_tokyo_honolulu())
        db.session.commit()
        response = client.get(base(delegation) + "/calendar.ics")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert (
            response.headers["Content-Disposition"]
            == f'attachment; filename="itinerary-{delegation.id}.ics"'
        )
        [event] = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
        assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"

    def test_one_member(self, client, db, organizer, delegation):
        wang = make_member(db, delegation, "Wang Li")
        zhang = make_member(db, delegation, "Zhang Wei")
        add_item(delegation, flight_tokyo_honolulu(everyone=False, member_ids=[wang.id]))
        db.session.commit()
        response = client.get(f"{base(delegation)}/members/{zhang.id}/calendar.ics")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert f"member-{zhang.id}.ics" in response.headers["Content-Disposition"]
        assert icalendar.Calendar.from_ical(response.data).walk("VEVENT") == []
        response = client.get(f"{base(delegation)}/members/{wang.id}/calendar.ics")
        assert len(icalendar.Calendar.from_ical(response.data).walk("VEVENT")) == 1


def test_the_editor_costs_as_many_queries_for_eight_members_as_for_two(
    client, db, organizer, delegation
):
    for _ in range(2):
        make_member(db, delegation, enterprise=make_enterprise())
    db.session.commit()
    url = base(delegation) + "?lang=en"
    client.get(url)  # warm up: whatever runs once per process
    few = sql_statements(client, url)
    for _ in range(6):
        make_member(db, delegation, enterprise=make_enterprise())
    db.session.commit()
    many = sql_statements(client, url)
    assert len(many) == len(few), "\n".join(many)
