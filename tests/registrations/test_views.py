import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from expo.privacy import current_notice, notices
from expo.registrations.models import Application
from tests.factories import (
    make_enterprise,
    make_enterprise_user,
    make_question,
    make_user,
    open_event,
)
from tests.pages import error_at, page_text, sign_in


def form(delegates=(("张三", "ZHANG San", "13800000001"),), **overrides) -> dict:
    data = {"booths_requested": "1", "exhibits": "茶叶", "consent": "y"}
    for index, (name_zh, name_latin, mobile) in enumerate(delegates):
        data.update(
            {
                f"delegates-{index}-name_zh": name_zh,
                f"delegates-{index}-name_latin": name_latin,
                f"delegates-{index}-title": "总经理",
                f"delegates-{index}-mobile": mobile,
                f"delegates-{index}-email": f"delegate{index}@example.com",
                f"delegates-{index}-passport_number": "EA1234567",
            }
        )
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def count_applications(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(Application.id)))


class TestApply:
    def test_enterprise_applies_with_two_delegates(self, client, db, login_as):
        event = open_event(max_delegates=3)
        user = login_as(make_enterprise_user())
        page = client.get(f"/events/{event.id}/apply?lang=en").get_data(as_text=True)
        assert page.count('name="delegates-') == 3 * 6  # three rows to fill, six fields each
        two = (("张三", "ZHANG San", "13800000001"), ("李四", "LI Si", "13800000002"))
        response = client.post(f"/events/{event.id}/apply?lang=en", data=form(two))
        assert response.status_code == 302
        application = db.session.scalar(sa.select(Application))
        assert application.enterprise_id == user.enterprise_id
        assert [d.name_latin for d in application.delegates] == ["ZHANG San", "LI Si"]
        html = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
        assert "Pending review" in html and "LI Si" in html
        assert "EA1234567" not in html and "67" in html  # the passport number is masked

    def test_missing_consent_and_mobile_are_shown_at_their_fields(self, client, db, login_as):
        event = open_event(country="CN", timezone="Asia/Shanghai")  # in China: a mobile
        login_as(make_enterprise_user())
        response = client.post(
            f"/events/{event.id}/apply?lang=en",
            data=form((("张三", "ZHANG San", ""),), consent=None),
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "Agree" in error_at(html, "consent")
        assert "mobile" in error_at(html, "delegates-0-mobile")
        assert count_applications(db) == 0

    def test_a_delegate_row_alone_refused_by_the_service_comes_back_with_its_message(
        self, client, db, login_as
    ):
        event = open_event()
        login_as(make_enterprise_user())
        response = client.post(
            f"/events/{event.id}/apply?lang=en", data=form((("张三", "ZHANG San", "12"),))
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "phone number" in error_at(html, "delegates-0-mobile")
        assert 'value="ZHANG San"' in html  # what was typed is kept
        assert count_applications(db) == 0

    def test_no_delegate_at_all(self, client, db, login_as):
        event = open_event()
        login_as(make_enterprise_user())
        response = client.post(f"/events/{event.id}/apply?lang=zh", data=form(()))
        assert response.status_code == 422
        assert "参团人员" in error_at(response.get_data(as_text=True), "delegates")
        assert count_applications(db) == 0

    def test_double_click_submits_once(self, client, db, login_as):
        event = open_event()
        login_as(make_enterprise_user())
        first = client.post(f"/events/{event.id}/apply", data=form())
        second = client.post(f"/events/{event.id}/apply", data=form())
        assert first.status_code == second.status_code == 302
        assert first.headers["Location"] == second.headers["Location"]
        assert count_applications(db) == 1

    def test_an_enterprise_that_has_applied_is_led_to_its_application_whatever_it_sends(
        self, client, db, login_as
    ):
        """Sent again (valid or with a mistake), or sent once registration has closed, the
        form leads to the application made, saying so, and makes no second one."""
        event = open_event()
        login_as(make_enterprise_user())
        made = client.post(f"/events/{event.id}/apply?lang=en", data=form())
        assert made.status_code == 302
        for data in (form(), form(consent=None), form(delegates=(("张三", "", "1"),))):
            again = client.post(f"/events/{event.id}/apply?lang=en", data=data)
            assert again.status_code == 302
            assert again.headers["Location"] == made.headers["Location"]
            page = client.get(again.headers["Location"] + "?lang=en").get_data(as_text=True)
            assert page.count("already applied") == 1
        event.registration_closes_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
        late = client.post(f"/events/{event.id}/apply?lang=en", data=form())
        assert late.headers["Location"] == made.headers["Location"]
        assert count_applications(db) == 1

    def test_closed_event_sends_back_to_the_event(self, client, db, login_as):
        now = datetime.now(UTC)
        event = open_event(
            registration_opens_at=now - timedelta(days=9),
            registration_closes_at=now - timedelta(days=1),
        )
        login_as(make_enterprise_user())
        response = client.post(f"/events/{event.id}/apply", data=form())
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/events/{event.id}")
        assert count_applications(db) == 0

    def test_an_unverified_address_is_told_to_confirm_it_and_cannot_apply(
        self, client, db, login_as
    ):
        event = open_event()
        user = make_enterprise_user(locale="en")
        user.email_verified_at = None
        login_as(user)
        page = client.get(f"/events/{event.id}/apply")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Confirm your email address first" in text
        assert f'action="/account/verification/resend?next=/events/{event.id}/apply"' in text
        assert 'name="delegates-0-name_zh"' not in text
        response = client.post(f"/events/{event.id}/apply", data=form())
        assert response.status_code == 200
        assert count_applications(db) == 0

    def test_anonymous_is_asked_to_sign_in_and_organizers_do_not_apply(self, client, db, login_as):
        event = open_event()
        db.session.commit()
        response = client.get(f"/events/{event.id}/apply")
        assert response.status_code == 302 and "/account/login" in response.headers["Location"]
        login_as(make_user("organizer"))
        assert client.get(f"/events/{event.id}/apply").status_code == 403


class TestMyApplications:
    def apply_as(self, client, login_as, enterprise, event):
        login_as(make_enterprise_user(enterprise))
        response = client.post(f"/events/{event.id}/apply", data=form())
        return int(response.headers["Location"].rsplit("/", 1)[1])

    def test_lists_only_my_enterprise_applications(self, client, db, login_as, app):
        event = open_event(title_en="Tashkent Fair")
        other_event = open_event(title_en="Dubai Roadshow")
        mine, theirs = make_enterprise(), make_enterprise()
        theirs_id = self.apply_as(client, login_as, theirs, other_event)
        client.post("/account/logout")
        self.apply_as(client, login_as, mine, event)
        html = client.get("/applications?lang=en").get_data(as_text=True)
        assert "Tashkent Fair" in html and "Dubai Roadshow" not in html
        for url in (
            f"/applications/{theirs_id}",
            f"/applications/{theirs_id}/edit",
        ):
            assert client.get(url).status_code == 404
        assert client.post(f"/applications/{theirs_id}/withdraw").status_code == 404
        assert db.session.get(Application, theirs_id).status == "pending"

    def test_an_edit_refused_on_a_delegate_row_shows_why_and_changes_nothing(
        self, client, db, login_as
    ):
        event = open_event()
        application_id = self.apply_as(client, login_as, make_enterprise(), event)
        response = client.post(
            f"/applications/{application_id}/edit?lang=en",
            data=form((("张三", "张三", "13800000001"),), consent=None),
        )
        assert response.status_code == 422
        assert error_at(response.get_data(as_text=True), "delegates-0-name_latin")
        db.session.expire_all()
        delegate = db.session.get(Application, application_id).delegates[0]
        assert delegate.name_latin == "ZHANG San"

    def test_edit_then_withdraw(self, client, db, login_as):
        event = open_event(max_delegates=2)
        application_id = self.apply_as(client, login_as, make_enterprise(), event)
        edit = client.get(f"/applications/{application_id}/edit").get_data(as_text=True)
        assert 'value="ZHANG San"' in edit
        two = (("张三", "ZHANG San", "13800000001"), ("王五", "WANG Wu", "13800000003"))
        data = form(two, consent=None)
        assert client.post(f"/applications/{application_id}/edit", data=data).status_code == 302
        db.session.expire_all()
        assert len(db.session.get(Application, application_id).delegates) == 2

        response = client.post(
            f"/applications/{application_id}/withdraw?lang=en", data={"reason": "Schedule clash"}
        )
        assert response.status_code == 302
        application = db.session.get(Application, application_id)
        assert application.status == "withdrawn"
        assert application.transitions[-1].reason == "Schedule clash"
        html = client.get(f"/applications/{application_id}?lang=zh").get_data(as_text=True)
        assert "已撤回" in html


def test_the_form_of_events_without_questions_is_shared_yet_speaks_each_reader_language(
    client, db, login_as
):
    """Built once per process for every event that asks nothing: its labels are translated
    when shown, so each reader still reads them in the page's language, and an event with
    a question still gets that question's field."""
    plain, other = open_event(), open_event()
    asking = open_event()
    question = make_question(asking, required=True)
    login_as(make_enterprise_user())
    english = client.get(f"/events/{plain.id}/apply?lang=en").get_data(as_text=True)
    chinese = client.get(f"/events/{other.id}/apply?lang=zh").get_data(as_text=True)
    assert "Booths requested" in english and "Booths requested" not in chinese
    assert "I agree that the organizers" in english
    assert "I agree that the organizers" not in chinese and "answer_" not in chinese
    asked = client.get(f"/events/{asking.id}/apply?lang=en").get_data(as_text=True)
    assert f'name="answer_{question.id}"' in asked
    assert "answer_" not in client.get(f"/events/{plain.id}/apply?lang=en").get_data(as_text=True)


class TestOneRound:
    """A failed submit shows every mistake at once: questions, consent and delegates."""

    def test_bad_answers_no_consent_and_a_bad_delegate_are_shown_together(
        self, client, db, login_as
    ):
        event = open_event()
        question = make_question(event, required=True)
        login_as(make_enterprise_user())
        response = client.post(
            f"/events/{event.id}/apply?lang=en",
            data=form((("张三", "", "13800000001"),), consent=None),
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert error_at(html, f"answer_{question.id}")
        assert "Agree" in error_at(html, "consent")
        assert "passport" in error_at(html, "delegates-0-name_latin")
        assert count_applications(db) == 0

    def test_the_error_summary_links_to_each_field(self, client, db, login_as):
        event = open_event()
        question = make_question(event, required=True)
        login_as(make_enterprise_user())
        response = client.post(
            f"/events/{event.id}/apply?lang=en",
            data=form((("张三", "", "13800000001"),), consent=None),
        )
        html = response.get_data(as_text=True)
        summary = re.search(r'<div id="error-summary".*?</div>', html, re.S).group(0)
        assert 'tabindex="-1"' in summary
        links = re.findall(r'<a href="#([^"]+)">', summary)
        assert links == ["delegates-0-name_latin", f"answer_{question.id}", "consent"]
        for target in links:
            assert f'id="{target}"' in html  # each link leads to its field
        assert "Delegates, row 1: Name in Latin letters: " in page_text(response)
        assert "/static/js/error-summary.js" in html

    def test_an_edit_shows_the_question_and_the_delegate_together(self, client, db, login_as):
        event = open_event()
        login_as(make_enterprise_user())
        applied = client.post(f"/events/{event.id}/apply?lang=en", data=form())
        application_id = int(applied.headers["Location"].rsplit("/", 1)[1])
        question = make_question(event, required=True)
        db.session.commit()
        response = client.post(
            f"/applications/{application_id}/edit?lang=en",
            data=form((("张三", "", "13800000001"),), consent=None),
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert error_at(html, f"answer_{question.id}")
        assert "passport" in error_at(html, "delegates-0-name_latin")

    def test_the_rule_for_events_abroad_is_shown_at_the_fields(self, client, db, login_as):
        abroad = open_event()
        at_home = open_event(country="CN", timezone="Asia/Shanghai")
        login_as(make_enterprise_user())
        html = client.get(f"/events/{abroad.id}/apply?lang=en").get_data(as_text=True)
        help_text = re.search(r'id="delegates-0-name_latin-help"[^>]*>(.*?)</div>', html).group(1)
        assert "Required for this event abroad" in help_text
        assert 'id="delegates-abroad"' in html
        html = client.get(f"/events/{at_home.id}/apply?lang=en").get_data(as_text=True)
        assert "Required for this event abroad" not in html
        assert 'id="delegates-abroad"' not in html

    def test_no_summary_without_mistakes(self, client, db, login_as):
        event = open_event()
        login_as(make_enterprise_user())
        html = client.get(f"/events/{event.id}/apply?lang=en").get_data(as_text=True)
        assert 'id="error-summary"' not in html


class TestDataNotice:
    def test_the_consent_links_to_the_version_in_force(self, client, db, login_as):
        event = open_event()
        login_as(make_enterprise_user())
        version = current_notice().version
        html = client.get(f"/events/{event.id}/apply?lang=en").get_data(as_text=True)
        assert f'href="/privacy/{version}"' in html
        assert re.search(rf'name="consent_version"[^>]*value="{re.escape(version)}"', html)

    def test_the_application_records_the_version_agreed_to(self, client, db, login_as):
        event = open_event()
        login_as(make_enterprise_user())
        version = current_notice().version
        response = client.post(
            f"/events/{event.id}/apply?lang=en", data=form(consent_version=version)
        )
        assert response.status_code == 302
        assert db.session.scalar(sa.select(Application.consent_version)) == version

    def test_consent_given_on_an_outdated_page_is_asked_again(self, client, db, login_as):
        event = open_event()
        login_as(make_enterprise_user())
        response = client.post(
            f"/events/{event.id}/apply?lang=en", data=form(consent_version="2001-01")
        )
        assert response.status_code == 422
        assert "changed" in error_at(response.get_data(as_text=True), "consent")
        assert count_applications(db) == 0

    @pytest.mark.parametrize(
        ("language", "title", "passport_heading"),
        [
            ("zh", "个人信息处理说明", "谁能看到护照号码"),
            ("en", "Personal information notice", "Who sees passport numbers"),
        ],
    )
    def test_the_notice_in_both_languages(self, client, db, language, title, passport_heading):
        version = current_notice().version
        for path in ("/privacy", f"/privacy/{version}"):
            response = client.get(f"{path}?lang={language}")
            assert response.status_code == 200
            text = page_text(response)
            assert f'<h1 id="notice-title">{title}</h1>' in text
            assert passport_heading in text
            assert version in text

    def test_every_version_stays_readable_and_an_unknown_one_is_404(self, client, db):
        for version in notices():
            assert client.get(f"/privacy/{version}").status_code == 200
        assert client.get("/privacy/1999-01").status_code == 404

    def test_every_page_links_to_the_notice(self, client, db):
        assert 'href="/privacy"' in client.get("/").get_data(as_text=True)


def test_an_application_names_the_notice_its_applicant_agreed_to(client, db, login_as, app):
    event = open_event()
    login_as(make_enterprise_user())
    version = current_notice().version
    response = client.post(f"/events/{event.id}/apply?lang=en", data=form(consent_version=version))
    html = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert (
        f'<a href="/privacy/{version}">Personal information notice, version {version}</a>' in html
    )
    organizer = sign_in(app, make_user("organizer"))
    application_id = db.session.scalar(sa.select(Application.id))
    page = organizer.get(
        f"/manage/events/{event.id}/applications/{application_id}?lang=en"
    ).get_data(as_text=True)
    assert f'href="/privacy/{version}"' in page
