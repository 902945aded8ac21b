from datetime import UTC, datetime

import sqlalchemy as sa
import time_machine

from expo.events.models import AgendaSession, Campaign, Event
from tests.factories import DEFAULT_PASSWORD, make_campaign, make_event, make_session, make_user
from tests.pages import error_at, screen_zone


def event_form(campaign, **overrides) -> dict:
    values = {
        "campaign_id": str(campaign.id),
        "kind": "b2b_matchmaking",
        "title_zh": "阿拉木图对接会",
        "title_en": "Almaty B2B Matchmaking",
        "country": "KZ",
        "city_zh": "阿拉木图",
        "city_en": "Almaty",
        "venue_en": "Atakent Expo",
        "timezone": "Asia/Almaty",
        "starts_at": "2027-09-14T09:30",
        "ends_at": "2027-09-15T18:00",
        "registration_opens_at": "2027-01-10T09:00",
        "registration_closes_at": "2027-08-31T18:00",
        "capacity": "25",
        "max_delegates": "3",
        "moderation": "first_come",
    }
    values.update(overrides)
    return values


class TestCatalogue:
    def test_lists_published_events_and_hides_drafts(self, client, db):
        make_event(title_en="Published Fair")
        make_event(title_en="Secret Draft", status="draft")
        db.session.commit()
        html = client.get("/events?lang=en").get_data(as_text=True)
        assert "Published Fair" in html
        assert "Secret Draft" not in html

    def test_organizer_sees_drafts(self, client, db, login_as):
        make_event(title_en="Secret Draft", status="draft")
        organizer = make_user("organizer")
        db.session.commit()
        login_as(organizer)
        assert "Secret Draft" in client.get("/events?lang=en").get_data(as_text=True)

    def test_filters_come_from_the_query_string(self, client, db):
        make_event(title_en="Hungary Fair")
        make_event(title_en="Dubai Roadshow", country="AE", timezone="Asia/Dubai", kind="roadshow")
        db.session.commit()
        html = client.get("/events?lang=en&country=AE").get_data(as_text=True)
        assert "Dubai Roadshow" in html and "Hungary Fair" not in html
        html = client.get("/events?lang=en&kind=trade_fair").get_data(as_text=True)
        assert "Hungary Fair" in html and "Dubai Roadshow" not in html

    # The catalogue lists upcoming events by default: these lie ahead of that day.
    @time_machine.travel(datetime(2029, 6, 1, tzinfo=UTC), tick=True)
    def test_paginates(self, client, db, app):
        campaign = make_campaign()
        for day in range(app.config["EVENTS_PER_PAGE"] + 2):
            make_event(
                campaign,
                title_en=f"Fair number {day:02d}",
                starts_at=datetime(2030, 1, 1 + day, tzinfo=UTC),
            )
        db.session.commit()
        first = client.get("/events?lang=en").get_data(as_text=True)
        second = client.get("/events?lang=en&page=2").get_data(as_text=True)
        assert "Fair number 00" in first and "Fair number 13" not in first
        assert "Fair number 13" in second and "Fair number 00" not in second


class TestDetail:
    def test_agenda_in_local_time_with_the_zone_named(self, client, db):
        event = make_event(
            title_zh="布达佩斯博览会",
            title_en="Budapest Fair",
            starts_at=datetime(2027, 5, 10, 6, 0, tzinfo=UTC),
        )
        # 09:00 in Budapest (summer time) is 07:00 UTC.
        make_session(
            event,
            starts_at=datetime(2027, 5, 10, 7, 0, tzinfo=UTC),
            title_zh="开幕式",
            title_en="Opening ceremony",
        )
        db.session.commit()
        zh = client.get(f"/events/{event.id}?lang=zh").get_data(as_text=True)
        opening = datetime(2027, 5, 10, 7, 0, tzinfo=UTC)
        summer_zh = screen_zone(opening, "Europe/Budapest", "zh")  # "布达佩斯时间 (UTC+02:00)"
        assert "开幕式" in zh and "09:00" in zh and summer_zh in zh
        assert "(UTC+02:00)" in summer_zh
        assert '<html lang="zh-CN">' in zh
        en = client.get(f"/events/{event.id}?lang=en").get_data(as_text=True)
        assert "Opening ceremony" in en and "9:00" in en
        summer_en = screen_zone(opening, "Europe/Budapest", "en")  # "Budapest Time (UTC+02:00)"
        assert summer_en in en

    def test_english_falls_back_to_chinese_when_empty(self, client, db):
        event = make_event(title_zh="成都进口商品对接会", title_en="")
        db.session.commit()
        assert "成都进口商品对接会" in client.get(f"/events/{event.id}?lang=en").get_data(
            as_text=True
        )

    def test_draft_is_not_found_for_the_public(self, client, db, login_as):
        event = make_event(status="draft")
        enterprise_user = make_user("enterprise")
        db.session.commit()
        assert client.get(f"/events/{event.id}").status_code == 404
        login_as(enterprise_user)
        assert client.get(f"/events/{event.id}").status_code == 404

    def test_campaign_page_lists_its_events(self, client, db):
        campaign = make_campaign(title_en="Going Global 2027")
        make_event(campaign, title_en="Fair in Budapest")
        db.session.commit()
        html = client.get(f"/campaigns/{campaign.id}?lang=en").get_data(as_text=True)
        assert "Going Global 2027" in html and "Fair in Budapest" in html
        draft = make_campaign(status="draft")
        db.session.commit()
        assert client.get(f"/campaigns/{draft.id}").status_code == 404


class TestLanguage:
    def test_lang_parameter_switches_and_is_remembered(self, client, db):
        assert "活动" in client.get("/events").get_data(as_text=True)
        assert "Events" in client.get("/events?lang=en").get_data(as_text=True)
        html = client.get("/events").get_data(as_text=True)
        assert '<html lang="en">' in html

    def test_accept_language_is_honoured_without_a_choice(self, client, db):
        html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
        assert '<html lang="en">' in html

    def test_chinese_is_the_default(self, client, db):
        html = client.get("/", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
        assert '<html lang="zh-CN">' in html

    def test_signed_in_user_choice_lasts_the_session_and_a_get_writes_nothing(
        self, app, client, db, login_as
    ):
        user = login_as(make_user("enterprise", locale="zh"))
        db.session.commit()
        client.get("/?lang=en")
        assert '<html lang="en">' in client.get("/events").get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(type(user), user.id).locale == "zh"
        # The saved preference (changed on the profile page) is what a new session uses.
        other = app.test_client()
        other.post("/account/login", data={"email": user.email, "password": DEFAULT_PASSWORD})
        assert '<html lang="zh-CN">' in other.get("/events").get_data(as_text=True)

    def test_switcher_keeps_the_other_query_parameters(self, client, db):
        html = client.get("/events?country=HU&lang=zh").get_data(as_text=True)
        assert 'href="/events?country=HU&amp;lang=en"' in html

    def test_error_pages_speak_both_languages(self, client, db):
        assert "页面未找到" in client.get("/nowhere?lang=zh").get_data(as_text=True)
        assert "Page not found" in client.get("/nowhere?lang=en").get_data(as_text=True)


class TestManageAccess:
    def test_anonymous_is_sent_to_sign_in(self, client, db):
        response = client.get("/manage/campaigns")
        assert response.status_code == 302
        assert "/account/login" in response.headers["Location"]

    def test_enterprise_user_is_forbidden(self, client, db, login_as):
        login_as(make_user("enterprise"))
        db.session.commit()
        for url in ("/manage/campaigns", "/manage/campaigns/new", "/manage/events/new"):
            assert client.get(url).status_code == 403
        assert (
            client.post("/manage/campaigns/new", data={"kind": "going_global"}).status_code == 403
        )


class TestCampaignForm:
    def test_create_then_publish(self, client, db, login_as):
        login_as(make_user("organizer"))
        db.session.commit()
        response = client.post(
            "/manage/campaigns/new",
            data={"kind": "import_expansion", "year": "2027", "title_zh": "扩大进口专项行动"},
        )
        assert response.status_code == 302
        campaign = db.session.scalar(sa.select(Campaign))
        assert (campaign.title_zh, campaign.status) == ("扩大进口专项行动", "draft")
        client.post(f"/manage/campaigns/{campaign.id}/publish")
        db.session.refresh(campaign)
        assert campaign.status == "published"

    def test_bad_input_is_shown_at_the_field_and_saves_nothing(self, client, db, login_as):
        login_as(make_user("organizer"))
        db.session.commit()
        response = client.post(
            "/manage/campaigns/new?lang=en",
            data={"kind": "going_global", "year": "1899", "title_zh": "", "title_en": ""},
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "between 2000 and 2100" in error_at(html, "year")
        assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == 0

    def test_title_missing_in_both_languages(self, client, db, login_as):
        login_as(make_user("organizer"))
        db.session.commit()
        response = client.post(
            "/manage/campaigns/new?lang=zh",
            data={"kind": "going_global", "year": "2027", "title_zh": "", "title_en": ""},
        )
        assert response.status_code == 422
        assert "标题" in error_at(response.get_data(as_text=True), "title_zh")
        assert db.session.scalar(sa.select(sa.func.count(Campaign.id))) == 0


class TestEventForm:
    def test_organizer_creates_an_event_in_local_time(self, client, db, login_as):
        login_as(make_user("organizer"))
        campaign = make_campaign()
        db.session.commit()
        response = client.post("/manage/events/new", data=event_form(campaign))
        assert response.status_code == 302
        event = db.session.scalar(sa.select(Event))
        # Almaty is UTC+5 all year.
        assert event.starts_at == datetime(2027, 9, 14, 4, 30, tzinfo=UTC)
        assert event.status == "draft"
        client.post(f"/manage/events/{event.id}/publish")
        db.session.refresh(event)
        assert event.status == "published"

    def test_end_before_start_is_shown_at_the_field(self, client, db, login_as):
        login_as(make_user("organizer"))
        campaign = make_campaign()
        db.session.commit()
        response = client.post(
            "/manage/events/new?lang=en", data=event_form(campaign, ends_at="2027-09-13T09:00")
        )
        assert response.status_code == 422
        assert "end after it starts" in error_at(response.get_data(as_text=True), "ends_at")
        assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0

    def test_each_shape_error_is_at_its_field(self, client, db, login_as):
        login_as(make_user("organizer"))
        campaign = make_campaign()
        db.session.commit()
        response = client.post(
            "/manage/events/new?lang=en",
            data=event_form(
                campaign,
                capacity="0",
                timezone="Mars/Olympus",
                country="",
                registration_closes_at="2027-09-20T10:00",
                starts_at="not a date",
            ),
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "at least 1" in error_at(html, "capacity")
        assert error_at(html, "timezone")
        assert "country" in error_at(html, "country").lower()
        assert error_at(html, "starts_at")
        assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0

    def test_registration_closing_after_the_event_is_refused(self, client, db, login_as):
        login_as(make_user("organizer"))
        campaign = make_campaign()
        db.session.commit()
        response = client.post(
            "/manage/events/new?lang=en",
            data=event_form(campaign, registration_closes_at="2027-09-16T10:00"),
        )
        assert response.status_code == 422
        assert "before the event ends" in error_at(
            response.get_data(as_text=True), "registration_closes_at"
        )

    def test_edit_form_shows_local_times(self, client, db, login_as):
        login_as(make_user("organizer"))
        event = make_event(starts_at=datetime(2027, 5, 10, 7, 0, tzinfo=UTC))
        db.session.commit()
        html = client.get(f"/manage/events/{event.id}/edit").get_data(as_text=True)
        assert 'value="2027-05-10T09:00"' in html

    def test_publishing_in_a_draft_campaign_explains_why_not(self, client, db, login_as):
        login_as(make_user("organizer"))
        event = make_event(campaign=make_campaign(status="draft"), status="draft")
        db.session.commit()
        response = client.post(f"/manage/events/{event.id}/publish?lang=en", follow_redirects=True)
        assert "Publish the campaign before publishing its events." in response.get_data(
            as_text=True
        )
        db.session.refresh(event)
        assert event.status == "draft"


class TestSessionForm:
    def test_add_session_then_see_it_on_the_event(self, client, db, login_as):
        login_as(make_user("organizer"))
        event = make_event(starts_at=datetime(2027, 5, 10, 6, 0, tzinfo=UTC))
        db.session.commit()
        response = client.post(
            f"/manage/events/{event.id}/sessions",
            data={
                "starts_at": "2027-05-10T14:00",
                "ends_at": "2027-05-10T15:30",
                "title_zh": "川货推介会",
                "title_en": "Sichuan products presentation",
                "host_zh": "四川省商务厅",
            },
        )
        assert response.status_code == 302
        session = db.session.scalar(sa.select(AgendaSession))
        assert session.starts_at == datetime(2027, 5, 10, 12, 0, tzinfo=UTC)
        html = client.get(f"/events/{event.id}?lang=zh").get_data(as_text=True)
        assert "川货推介会" in html and "14:00" in html and "四川省商务厅" in html

    def test_session_outside_the_event_is_shown_at_the_field(self, client, db, login_as):
        login_as(make_user("organizer"))
        event = make_event(starts_at=datetime(2027, 5, 10, 6, 0, tzinfo=UTC))
        db.session.commit()
        response = client.post(
            f"/manage/events/{event.id}/sessions?lang=en",
            data={"starts_at": "2027-06-10T14:00", "ends_at": "2027-06-10T15:00", "title_en": "x"},
        )
        assert response.status_code == 422
        assert "while the event runs" in error_at(response.get_data(as_text=True), "starts_at")
        assert db.session.scalar(sa.select(sa.func.count(AgendaSession.id))) == 0

    def test_session_of_another_event_is_not_found(self, client, db, login_as):
        login_as(make_user("organizer"))
        event, other = make_event(), make_event()
        session = make_session(other)
        db.session.commit()
        assert client.get(f"/manage/events/{event.id}/sessions/{session.id}").status_code == 404
        assert (
            client.post(f"/manage/events/{event.id}/sessions/{session.id}/delete").status_code
            == 404
        )


class TestCampaignList:
    def test_organizer_sees_every_campaign_paginated(self, client, db, login_as):
        for year in range(2001, 2023):
            make_campaign(year=year, title_en=f"Campaign {year}", status="draft")
        login_as(make_user("organizer"))
        first = client.get("/manage/campaigns?lang=en").get_data(as_text=True)
        second = client.get("/manage/campaigns?lang=en&page=2").get_data(as_text=True)
        assert "Campaign 2022" in first and "Campaign 2002" not in first
        assert "Campaign 2002" in second and "Campaign 2022" not in second
