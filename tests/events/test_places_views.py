"""What organizers and visitors see of countries and zones on the event pages."""

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from expo.events.models import Event
from tests.events.test_views import event_form
from tests.factories import make_campaign, make_event, make_user
from tests.pages import error_at, page_text, screen_zone, selected_option


def options(text: str, name: str) -> list[tuple[str, str]]:
    """``(value, label)`` of every option of the ``<select name=name>``."""
    found = re.search(rf'<select[^>]*\bname="{name}"[^>]*>(.*?)</select>', text, re.S)
    assert found, name
    return [
        (value, label.strip())
        for value, label in re.findall(
            r'<option[^>]*\bvalue="([^"]*)"[^>]*>([^<]*)</option>', found.group(1)
        )
    ]


def zone_groups(text: str, name: str) -> list[str]:
    found = re.search(rf'<select[^>]*\bname="{name}"[^>]*>(.*?)</select>', text, re.S)
    assert found, name
    return re.findall(r'<optgroup label="([^"]*)"', found.group(1))


class TestCountryLists:
    def test_event_country_china_and_its_regions_first_no_antarctica(self, client, db, login_as):
        login_as(make_user("organizer"))
        db.session.commit()
        zh = page_text(client.get("/manage/events/new?lang=zh"))
        listed = options(zh, "country")
        assert listed[1:5] == [
            ("CN", "中国"),
            ("HK", "中国香港"),
            ("MO", "中国澳门"),
            ("TW", "中国台湾"),
        ]
        assert listed[5][1] == "阿尔巴尼亚"
        assert "AQ" not in dict(listed) and "BV" not in dict(listed)
        assert "南极洲" not in zh and "中国香港特别行政区" not in zh
        en = page_text(client.get("/manage/events/new?lang=en"))
        assert options(en, "country")[1:6] == [
            ("CN", "China"),
            ("HK", "Hong Kong, China"),
            ("MO", "Macao, China"),
            ("TW", "Taiwan, China"),
            ("AF", "Afghanistan"),
        ]

    def test_a_stored_region_is_shown_by_its_right_name(self, client, db):
        make_event(country="TW", city_zh="台北", city_en="Taipei", timezone="Asia/Taipei")
        db.session.commit()
        zh = page_text(client.get("/events?lang=zh"))
        assert "中国台湾" in zh
        en = page_text(client.get("/events?lang=en"))
        assert "Taiwan, China" in en
        filter_en = options(en, "country")
        assert ("TW", "Taiwan, China") in filter_en


class TestZonePicker:
    def test_options_are_cities_with_offsets_in_the_readers_language(self, client, db, login_as):
        login_as(make_user("organizer"))
        db.session.commit()
        zh = page_text(client.get("/manage/events/new?lang=zh"))
        zones = dict(options(zh, "timezone"))
        assert zones["Asia/Shanghai"].endswith("(UTC+08:00)")
        assert "Asia/" not in zones["Asia/Shanghai"]
        assert zone_groups(zh, "timezone")[:4] == ["中国", "中国香港", "中国澳门", "中国台湾"]
        for alias in ("Asia/Calcutta", "America/Buenos_Aires", "Africa/Asmera", "Asia/Saigon"):
            assert alias not in zones
        assert "Asia/Kolkata" in zones and "America/Argentina/Buenos_Aires" in zones
        assert len(zones) < 554
        assert "data-zone-picker" in zh and 'data-country-field="country"' in zh
        assert "js/zone-picker.js" in zh

    def test_the_chosen_countrys_zones_come_first(self, client, db, login_as):
        login_as(make_user("organizer"))
        campaign = make_campaign()
        db.session.commit()
        response = client.post(
            "/manage/events/new?lang=en",
            data=event_form(campaign, country="US", timezone="", title_en=""),
        )
        text = page_text(response)
        assert error_at(text, "timezone")  # the United States has several zones
        assert zone_groups(text, "timezone")[0] == "United States"
        us = [value for value, _label in options(text, "timezone")][1:]
        assert {"America/New_York", "America/Chicago", "America/Los_Angeles"} <= set(us[:30])
        assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0

    def test_a_country_with_one_zone_needs_no_choice(self, client, db, login_as):
        login_as(make_user("organizer"))
        campaign = make_campaign()
        db.session.commit()
        data = event_form(campaign, country="CN", city_en="Chengdu", timezone="")
        response = client.post("/manage/events/new", data=data)
        assert response.status_code == 302
        event = db.session.scalar(sa.select(Event))
        assert event.timezone == "Asia/Shanghai"
        # 09:30 in Chengdu is 01:30 UTC.
        assert event.starts_at == datetime(2027, 9, 14, 1, 30, tzinfo=UTC)

    def test_malaysia_is_a_choice_between_its_zones(self, client, db, login_as):
        login_as(make_user("organizer"))
        campaign = make_campaign()
        db.session.commit()
        data = event_form(campaign, country="MY", timezone="")
        text = page_text(client.post("/manage/events/new?lang=en", data=data))
        assert "Choose the time zone of the event's city." in error_at(text, "timezone")
        assert zone_groups(text, "timezone")[0] == "Malaysia"
        assert "Asia/Kuala_Lumpur" in dict(options(text, "timezone"))
        data = event_form(campaign, country="MY", timezone="Asia/Kuala_Lumpur")
        assert client.post("/manage/events/new", data=data).status_code == 302
        assert db.session.scalar(sa.select(Event)).timezone == "Asia/Kuala_Lumpur"

    def test_a_stored_alias_stays_selected_when_editing(self, client, db, login_as):
        login_as(make_user("organizer"))
        event = make_event(country="IN", timezone="Asia/Calcutta", status="draft")
        db.session.commit()
        text = page_text(client.get(f"/manage/events/{event.id}/edit?lang=en"))
        assert selected_option(text, "timezone") == "Asia/Calcutta"
        assert zone_groups(text, "timezone")[0] == "India"


class TestZoneNamedOnce:
    def test_event_page_names_its_zone_one_way(self, client, db):
        starts = datetime(2027, 5, 10, 6, 0, tzinfo=UTC)
        event = make_event(country="TH", timezone="Asia/Bangkok", starts_at=starts)
        db.session.commit()
        for language in ("zh", "en"):
            text = page_text(client.get(f"/events/{event.id}?lang={language}"))
            named = screen_zone(starts, "Asia/Bangkok", language)
            assert text.count(named) == 1, named
            assert "Asia/Bangkok" not in text
            assert "GMT+07:00" not in text and "GMT+7" not in text
        assert "(UTC+07:00)" in text
