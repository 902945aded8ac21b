from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from expo import i18n
from expo.errors import InvalidInput
from expo.events import services
from expo.events.models import Campaign, Event
from tests.factories import make_campaign, make_event, make_session


def event_data(campaign, **overrides) -> services.EventData:
    values = dict(
        campaign_id=campaign.id,
        kind="trade_fair",
        country="HU",
        timezone="Europe/Budapest",
        starts_at=datetime(2027, 5, 10, 9, 0),
        ends_at=datetime(2027, 5, 12, 17, 0),
        registration_opens_at=datetime(2027, 1, 1, 0, 0),
        registration_closes_at=datetime(2027, 4, 20, 18, 0),
        capacity=30,
        title_zh="布达佩斯国际博览会",
        title_en="Budapest International Fair",
        city_zh="布达佩斯",
        city_en="Budapest",
    )
    values.update(overrides)
    return services.EventData(**values)


def count(model) -> int:
    from expo.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


class TestLocalTime:
    def test_summer_time_in_budapest_is_two_hours_ahead_of_utc(self):
        assert i18n.local_to_utc(datetime(2027, 5, 10, 9, 0), "Europe/Budapest") == datetime(
            2027, 5, 10, 7, 0, tzinfo=UTC
        )

    def test_time_skipped_by_spring_forward_is_refused(self):
        with pytest.raises(i18n.NonexistentLocalTime):
            i18n.local_to_utc(datetime(2027, 3, 28, 2, 30), "Europe/Budapest")

    def test_time_repeated_by_fall_back_means_its_first_occurrence(self):
        # 02:30 happens twice on 31 October 2027; the first time is still summer time.
        assert i18n.local_to_utc(datetime(2027, 10, 31, 2, 30), "Europe/Budapest") == datetime(
            2027, 10, 31, 0, 30, tzinfo=UTC
        )


class TestEvents:
    def test_created_event_is_a_draft_stored_in_utc(self, db):
        campaign = make_campaign()
        event = services.create_event(event_data(campaign))
        db.session.commit()
        db.session.expire_all()
        stored = db.session.get(Event, event.id)
        assert stored.status == "draft"
        assert stored.starts_at == datetime(2027, 5, 10, 7, 0, tzinfo=UTC)
        assert stored.registration_opens_at == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"ends_at": datetime(2027, 5, 10, 8, 0)}, "ends_at"),
            ({"registration_closes_at": datetime(2027, 5, 13, 0, 0)}, "registration_closes_at"),
            ({"registration_opens_at": datetime(2027, 4, 21, 0, 0)}, "registration_closes_at"),
            ({"timezone": "Europe/Atlantis"}, "timezone"),
            ({"country": "XX"}, "country"),
            ({"capacity": 0}, "capacity"),
            ({"max_delegates": 0}, "max_delegates"),
            ({"title_zh": " ", "title_en": ""}, "title_zh"),
            ({"city_zh": "", "city_en": ""}, "city_zh"),
            ({"kind": "picnic"}, "kind"),
            ({"starts_at": datetime(2027, 3, 28, 2, 30)}, "starts_at"),
        ],
    )
    def test_invalid_event_is_refused_with_the_field_named(self, db, overrides, field):
        campaign = make_campaign()
        with pytest.raises(InvalidInput) as caught:
            services.create_event(event_data(campaign, **overrides))
        assert field in caught.value.errors
        assert count(Event) == 0

    def test_nonexistent_local_time_message_names_the_zone(self, db):
        campaign = make_campaign()
        with pytest.raises(InvalidInput) as caught:
            services.create_event(event_data(campaign, starts_at=datetime(2027, 3, 28, 2, 30)))
        assert "Europe/Budapest" in str(caught.value.errors["starts_at"])

    def test_unknown_campaign_is_refused(self, db):
        campaign = make_campaign()
        with pytest.raises(InvalidInput) as caught:
            services.create_event(event_data(campaign, campaign_id=campaign.id + 100))
        assert "campaign_id" in caught.value.errors

    def test_changing_the_zone_keeps_the_agenda_on_the_same_wall_clock(self, db):
        campaign = make_campaign()
        event = services.create_event(event_data(campaign))
        services.add_session(
            event,
            services.SessionData(
                starts_at=datetime(2027, 5, 10, 10, 0),
                ends_at=datetime(2027, 5, 10, 11, 0),
                title_en="Opening",
            ),
        )
        data = event_data(campaign, timezone="Asia/Dubai", country="AE")
        services.update_event(event, data)
        (session,) = event.sessions
        assert session.starts_at == datetime(2027, 5, 10, 6, 0, tzinfo=UTC)  # 10:00 in Dubai
        assert event.starts_at == datetime(2027, 5, 10, 5, 0, tzinfo=UTC)

    def test_event_of_a_draft_campaign_cannot_be_published(self, db):
        campaign = make_campaign(status="draft")
        event = services.create_event(event_data(campaign))
        with pytest.raises(services.CampaignNotPublished):
            services.publish_event(event)
        services.publish_campaign(campaign)
        assert services.publish_event(event).status == "published"

    def test_round_trip_through_form_data_keeps_local_times(self, db):
        campaign = make_campaign()
        event = services.create_event(event_data(campaign))
        data = services.event_data_from(event)
        assert data.starts_at == datetime(2027, 5, 10, 9, 0)
        assert data.registration_closes_at == datetime(2027, 4, 20, 18, 0)


class TestCampaigns:
    def test_create_publish_archive(self, db):
        campaign = services.create_campaign(
            services.CampaignData(kind="going_global", year=2027, title_zh="川行天下")
        )
        assert campaign.status == "draft"
        assert services.publish_campaign(campaign).status == "published"
        assert services.archive_campaign(campaign).status == "archived"

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [({"year": 1999}, "year"), ({"kind": "party"}, "kind"), ({"title_zh": ""}, "title_zh")],
    )
    def test_invalid_campaign_saves_nothing(self, db, overrides, field):
        values = {"kind": "going_global", "year": 2027, "title_zh": "川行天下"} | overrides
        with pytest.raises(InvalidInput) as caught:
            services.create_campaign(services.CampaignData(**values))
        assert field in caught.value.errors
        assert count(Campaign) == 0


class TestAgenda:
    def test_session_outside_the_event_is_refused(self, db):
        event = make_event()
        local_start = i18n.utc_to_local(event.starts_at, event.timezone)
        with pytest.raises(InvalidInput) as caught:
            services.add_session(
                event,
                services.SessionData(
                    starts_at=local_start - timedelta(days=1),
                    ends_at=local_start - timedelta(hours=20),
                    title_zh="提前报到",
                ),
            )
        assert set(caught.value.errors) == {"starts_at", "ends_at"}

    def test_session_must_end_after_it_starts(self, db):
        event = make_event()
        local_start = i18n.utc_to_local(event.starts_at, event.timezone)
        with pytest.raises(InvalidInput) as caught:
            services.add_session(
                event,
                services.SessionData(
                    starts_at=local_start + timedelta(hours=2),
                    ends_at=local_start + timedelta(hours=1),
                    title_zh="洽谈",
                ),
            )
        assert "ends_at" in caught.value.errors

    def test_agenda_is_grouped_by_local_day_not_utc_day(self, db):
        # Tokyo is UTC+9: 08:00 local on the 11th is 23:00 UTC on the 10th.
        event = make_event(
            timezone="Asia/Tokyo",
            country="JP",
            starts_at=datetime(2027, 6, 9, 23, 0, tzinfo=UTC),
            ends_at=datetime(2027, 6, 12, 9, 0, tzinfo=UTC),
            registration_opens_at=datetime(2027, 1, 1, tzinfo=UTC),
            registration_closes_at=datetime(2027, 6, 1, tzinfo=UTC),
        )
        make_session(event, starts_at=datetime(2027, 6, 10, 1, 0, tzinfo=UTC))  # 10:00 on the 10th
        make_session(event, starts_at=datetime(2027, 6, 10, 23, 0, tzinfo=UTC))  # 08:00 on the 11th
        db.session.expire(event, ["sessions"])
        days = services.agenda_by_day(event)
        assert [len(sessions) for _, sessions in days] == [1, 1]


class TestVisibility:
    def test_drafts_are_hidden_from_the_public(self, db):
        published = make_event()
        draft = make_event(status="draft")
        in_draft_campaign = make_event(campaign=make_campaign(status="draft"))
        assert services.visible_event(published.id, include_drafts=False) is published
        assert services.visible_event(draft.id, include_drafts=False) is None
        assert services.visible_event(in_draft_campaign.id, include_drafts=False) is None
        assert services.visible_event(draft.id, include_drafts=True) is draft

    def test_search_filters(self, db):
        now = datetime(2027, 3, 1, tzinfo=UTC)
        campaign = make_campaign()
        other_campaign = make_campaign(title_zh="扩大进口", kind="import_expansion")
        budapest = make_event(
            campaign,
            starts_at=datetime(2027, 5, 10, 7, tzinfo=UTC),
            registration_opens_at=datetime(2027, 1, 1, tzinfo=UTC),
            registration_closes_at=datetime(2027, 4, 1, tzinfo=UTC),
        )
        dubai = make_event(
            other_campaign,
            kind="roadshow",
            country="AE",
            timezone="Asia/Dubai",
            starts_at=datetime(2027, 6, 10, 5, tzinfo=UTC),
            registration_opens_at=datetime(2027, 4, 1, tzinfo=UTC),
            registration_closes_at=datetime(2027, 6, 1, tzinfo=UTC),
        )
        past = make_event(
            campaign,
            starts_at=datetime(2023, 9, 12, 7, tzinfo=UTC),
            registration_opens_at=datetime(2023, 6, 1, tzinfo=UTC),
            registration_closes_at=datetime(2023, 9, 1, tzinfo=UTC),
        )
        make_event(campaign, status="draft")

        def ids(**filters):
            page = services.search_events(
                services.EventFilters(**filters), include_drafts=False, now=now
            )
            return [event.id for event in page.items]

        assert ids() == [budapest.id, dubai.id]
        assert ids(country="ae") == [dubai.id]
        assert ids(kind="roadshow") == [dubai.id]
        assert ids(campaign_id=campaign.id) == [budapest.id]
        assert ids(open_only=True) == [budapest.id]
        assert ids(month="2027-06") == [dubai.id]
        assert ids(month="2023-09") == [past.id]
        assert ids(when="past") == [past.id]
        assert ids(when="all") == [past.id, budapest.id, dubai.id]

    # The catalogue lists upcoming events by default: these lie ahead of that day.
    @time_machine.travel(datetime(2029, 6, 1, tzinfo=UTC), tick=True)
    def test_search_paginates(self, db):
        campaign = make_campaign()
        for day in range(5):
            make_event(campaign, starts_at=datetime(2030, 1, 10 + day, tzinfo=UTC))
        page = services.search_events(
            services.EventFilters(), include_drafts=False, page=2, per_page=2
        )
        assert page.total == 5
        assert page.pages == 3
        assert [event.starts_at.day for event in page.items] == [12, 13]
