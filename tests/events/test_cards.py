"""The small things a visitor sees first: an event's dates said once, the deadline and the
booths left on each card, the site named the same in the tab and the header, a favicon."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import force_locale

from expo.i18n import document_date_range, format_date_range, format_local_date_range
from tests.factories import make_application, make_campaign, make_event, open_event

# 2023-09-26, 10:00 to 17:00 in Frankfurt (UTC+2 then): one day.
ONE_DAY = {
    "starts_at": datetime(2023, 9, 26, 8, 0, tzinfo=UTC),
    "ends_at": datetime(2023, 9, 26, 15, 0, tzinfo=UTC),
    "registration_opens_at": datetime(2023, 6, 1, tzinfo=UTC),
    "registration_closes_at": datetime(2023, 9, 1, tzinfo=UTC),
    "timezone": "Europe/Berlin",
    "country": "DE",
    "city_zh": "法兰克福",
    "city_en": "Frankfurt",
}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_one_day_event_names_its_day_once(client, db, language):
    event = make_event(**ONE_DAY)
    db.session.commit()
    html = client.get(f"/events/{event.id}?lang={language}").get_data(as_text=True)
    dates = re.search(r"<dt>[^<]+</dt><dd>([^<]+)</dd>", html)
    assert dates is not None
    shown = dates.group(1).strip()
    day = "2023年9月26日" if language == "zh" else "Sep 26, 2023"
    assert shown == day  # not "2023年9月26日 – 2023年9月26日"
    card = client.get(f"/campaigns/{event.campaign_id}?lang={language}").get_data(as_text=True)
    assert card.count(day) == 1


def test_date_ranges_on_screens_and_documents(app):
    first, third = date(2023, 9, 26), date(2023, 9, 28)
    with app.test_request_context("/?lang=zh"), force_locale("zh"):
        assert format_date_range(first, first) == "2023年9月26日"
        longer = format_date_range(first, third)
        assert longer.startswith("2023年9月26日") and longer.endswith("28日")
        assert longer.count("2023") == 1  # what both days share is said once
        evening = datetime(2023, 9, 26, 20, 0, tzinfo=UTC)  # the 27th in Shanghai
        assert format_local_date_range(evening, evening, "Asia/Shanghai") == "2023年9月27日"
    with app.test_request_context("/?lang=en"), force_locale("en"):
        assert format_date_range(first, first) == "Sep 26, 2023"
        assert format_date_range(first, third).count("2023") == 1
    assert document_date_range(first, first, "zh") == "2023年9月26日"
    assert document_date_range(first, first, "en") == "September 26, 2023"


class TestEventCard:
    def test_the_deadline_and_the_booths_left(self, client, db):
        campaign = make_campaign()
        event = open_event(campaign=campaign, capacity=40)
        make_application(event)  # approved: one booth
        make_application(event, booths_requested=2)
        make_application(event, status="pending")  # not yet given a booth
        db.session.commit()
        closes = event.registration_closes_at.astimezone(UTC)
        for path in ("/", "/events", f"/campaigns/{campaign.id}"):
            english = client.get(f"{path}?lang=en").get_data(as_text=True)
            assert "Registration closes " in english
            assert "37 of 40 booths left" in english
            chinese = client.get(f"{path}?lang=zh").get_data(as_text=True)
            assert "报名截止：" in chinese and "剩余37个展位（共40个）" in chinese
        assert str(closes.year) in english

    def test_a_full_event_offers_the_waiting_list(self, client, db):
        event = open_event(capacity=2)
        make_application(event, booths_requested=2)
        db.session.commit()
        html = client.get("/events?lang=en").get_data(as_text=True)
        assert "Fully booked: applications join the waiting list" in html
        assert "booths left" not in html and event.title_en in html

    def test_before_registration_opens_and_after_it_closed(self, client, db):
        now = datetime.now(UTC).replace(microsecond=0)
        make_event(
            title_en="Later Fair",
            starts_at=now + timedelta(days=120),
            registration_opens_at=now + timedelta(days=10),
            registration_closes_at=now + timedelta(days=60),
        )
        make_event(
            title_en="Closed Fair",
            starts_at=now + timedelta(days=20),
            registration_opens_at=now - timedelta(days=60),
            registration_closes_at=now - timedelta(days=1),
        )
        db.session.commit()
        html = client.get("/events?lang=en").get_data(as_text=True)
        assert "Registration opens " in html and "20 of 20 booths left" in html
        assert "Registration closed" in html


@pytest.mark.parametrize(("language", "name"), [("zh", "川行天下"), ("en", "Sichuan Going Global")])
def test_the_tab_and_the_header_name_the_site_alike(client, db, language, name):
    html = client.get(f"/events?lang={language}").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    assert title is not None and title.group(1).strip().endswith(f" · {name}")
    assert f'<a class="navbar-brand" href="/">{name}</a>' in html
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert icon is not None
    response = client.get(icon.group(1))
    assert response.status_code == 200 and b"<svg" in response.data
