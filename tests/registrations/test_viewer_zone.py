"""History (submissions, reviews) is shown on the reader's clock, not the event's."""

from datetime import UTC, datetime

import sqlalchemy as sa
import time_machine

from expo.accounts.models import User
from expo.registrations.models import Application
from tests.factories import make_enterprise_user, make_event, make_user
from tests.pages import error_at, page_text, screen_zone, selected_option
from tests.registrations.test_views import form

# 10:30 in Chengdu, 03:30 in Budapest (winter time).
SUBMITTED = datetime(2027, 1, 20, 2, 30, tzinfo=UTC)


def budapest_fair():
    return make_event(
        timezone="Europe/Budapest",
        starts_at=datetime(2027, 4, 1, 8, 0, tzinfo=UTC),
        registration_opens_at=datetime(2027, 1, 1, tzinfo=UTC),
        registration_closes_at=datetime(2027, 3, 1, tzinfo=UTC),
    )


class TestSubmissionTimes:
    # Submitted at that moment (the clock then runs on, for the pages read after).
    @time_machine.travel(SUBMITTED, tick=True)
    def test_a_chengdu_users_submission_is_stamped_in_china_time(self, client, db, login_as):
        event = budapest_fair()
        login_as(make_enterprise_user())
        response = client.post(f"/events/{event.id}/apply?lang=zh", data=form())
        assert response.status_code == 302
        application = db.session.scalar(sa.select(Application))
        text = page_text(client.get(f"/applications/{application.id}?lang=zh"))
        assert "10:30" in text and screen_zone(SUBMITTED, "Asia/Shanghai", "zh") in text
        assert "北京时间 (UTC+08:00)" in text
        assert "03:30" not in text
        assert screen_zone(SUBMITTED, "Europe/Budapest", "zh") not in text

    @time_machine.travel(SUBMITTED, tick=True)
    def test_organizers_read_it_in_china_time_too(self, client, db, login_as):
        event = budapest_fair()
        enterprise_user = make_enterprise_user()
        db.session.commit()
        login_as(enterprise_user)
        client.post(f"/events/{event.id}/apply?lang=en", data=form())
        application = db.session.scalar(sa.select(Application))
        client.post("/account/logout")
        login_as(make_user("organizer"))
        base = f"/manage/events/{event.id}/applications"
        listed = page_text(client.get(f"{base}?lang=en"))
        assert "Beijing Time (UTC+08:00)" in listed and "10:30" in listed
        detail = page_text(client.get(f"{base}/{application.id}?lang=en"))
        assert "10:30 AM" in detail and "Beijing Time (UTC+08:00)" in detail
        assert "3:30 AM" not in detail

    @time_machine.travel(SUBMITTED, tick=True)
    def test_a_user_who_picks_another_zone_reads_history_on_that_clock(self, client, db, login_as):
        event = budapest_fair()
        user = login_as(make_enterprise_user())
        client.post(f"/events/{event.id}/apply?lang=en", data=form())
        profile = page_text(client.get("/account/?lang=en"))
        assert selected_option(profile, "timezone") == "Asia/Shanghai"  # the default
        response = client.post(
            "/account/?lang=en",
            data={
                "name": user.name,
                "mobile": user.mobile,
                "locale": "en",
                "timezone": "Europe/Budapest",
            },
        )
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(User, user.id).timezone == "Europe/Budapest"
        application = db.session.scalar(sa.select(Application))
        text = page_text(client.get(f"/applications/{application.id}?lang=en"))
        assert "3:30 AM" in text and screen_zone(SUBMITTED, "Europe/Budapest", "en") in text


class TestProfileZone:
    def test_new_accounts_keep_china_time(self, db):
        user = make_user("organizer")
        db.session.commit()
        db.session.refresh(user)
        assert user.timezone == "Asia/Shanghai"

    def test_an_unknown_zone_is_refused_at_the_field(self, client, db, login_as):
        user = login_as(make_user("organizer"))
        for bad in ("Mars/Olympus", "Asia/Calcutta"):
            response = client.post(
                "/account/?lang=en",
                data={"name": user.name, "mobile": user.mobile, "locale": "en", "timezone": bad},
            )
            assert response.status_code == 422
            assert error_at(page_text(response), "timezone")
            db.session.expire_all()
            assert db.session.get(User, user.id).timezone == "Asia/Shanghai"
