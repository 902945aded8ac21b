"""The hostile inputs that answered 500 or were stored as typed, each as it was found."""

from __future__ import annotations

import email
import email.policy
import io

import pytest
import sqlalchemy as sa
from flask_wtf import FlaskForm

import expo
from expo.accounts.models import User
from expo.enterprises.models import Enterprise
from expo.events.models import Event
from expo.fields import BaseForm
from tests.events.test_views import event_form
from tests.factories import (
    make_campaign,
    make_delegation,
    make_enterprise_user,
    make_event,
    make_user,
)
from tests.pages import error_at

TWENTY_THREE_DIGITS = "1" * 23


@pytest.fixture(autouse=True)
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


class TestAddressesAndFilters:
    @pytest.mark.parametrize(
        "query",
        ["campaign=²", "month=9999-12", "month=0000-00", f"page={TWENTY_THREE_DIGITS}"],
    )
    def test_the_catalogue_shows_a_page_whatever_its_filters(self, client, db, query):
        make_event(title_en="Budapest Fair")
        db.session.commit()
        response = client.get(f"/events?{query}&when=all")
        assert response.status_code == 200

    def test_a_month_out_of_range_is_said_at_the_filter(self, client, db):
        response = client.get("/events?month=9999-12")
        assert "between 2000 and 2100" in error_at(response.get_data(as_text=True), "month")

    @pytest.mark.parametrize("number", [TWENTY_THREE_DIGITS, str(2**63), "0"])
    def test_an_id_out_of_range_is_not_found(self, client, db, number):
        assert client.get(f"/events/{number}").status_code == 404
        assert client.get(f"/campaigns/{number}").status_code == 404

    def test_organizer_lists_take_any_page_number(self, client, db, login_as):
        login_as(make_user("organizer", locale="en"))
        for path in ("/manage/campaigns", "/manage/delegations", "/manage/enterprises"):
            response = client.get(f"{path}?page={TWENTY_THREE_DIGITS}")
            assert response.status_code == 200, path

    def test_options_on_organizer_pages(self, client, db):
        response = client.options("/manage/events/1/edit")
        assert response.status_code == 200
        assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


class TestForms:
    @pytest.fixture()
    def organizer(self, db, login_as):
        return login_as(make_user("organizer", locale="en"))

    @pytest.mark.parametrize("year", ["0001", "1999", "2101", "9999"])
    def test_dates_outside_the_planning_years_are_refused_at_the_field(
        self, client, db, organizer, year
    ):
        campaign = make_campaign()
        db.session.commit()
        response = client.post(
            "/manage/events/new", data=event_form(campaign, ends_at=f"{year}-12-31T23:59")
        )
        assert response.status_code == 422
        message = error_at(response.get_data(as_text=True), "ends_at")
        assert "between 2000 and 2100" in message
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0

    def test_a_capacity_beyond_the_database_is_refused_at_the_field(self, client, db, organizer):
        campaign = make_campaign()
        db.session.commit()
        response = client.post(
            "/manage/events/new", data=event_form(campaign, capacity=TWENTY_THREE_DIGITS)
        )
        assert response.status_code == 422
        assert "too large" in error_at(response.get_data(as_text=True), "capacity")

    @pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f", "\u2028", "\r"])
    def test_control_characters_are_refused_at_the_field(self, client, db, login_as, character):
        user = make_enterprise_user(locale="en")
        login_as(user)
        from tests.enterprises.test_views import profile_form

        response = client.post(
            "/enterprise/edit",
            data=profile_form(
                name_en=f"Shudao{character}Equipment",
                main_products_en=f"Boring{character}machines",
            ),
        )
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "control characters" in error_at(html, "name_en")
        assert "control characters" in error_at(html, "main_products_en")
        db.session.expire_all()
        assert "Shudao" not in db.session.get(Enterprise, user.enterprise_id).name_en

    def test_long_texts_keep_line_breaks_and_tabs(self, client, db, login_as):
        user = make_enterprise_user(locale="en")
        login_as(user)
        from tests.enterprises.test_views import profile_form

        response = client.post(
            "/enterprise/edit",
            data=profile_form(main_products_en="Boring machines\r\n\tand spare parts"),
        )
        assert response.status_code == 302
        db.session.expire_all()
        saved = db.session.get(Enterprise, user.enterprise_id).main_products_en
        assert saved == "Boring machines\n\tand spare parts"

    def test_a_line_break_in_a_name_is_refused_before_any_mail(self, client, db, login_as):
        user = login_as(make_user("enterprise", name="Wang Fang", locale="en"))
        response = client.post(
            "/account/", data={"name": "Wang\r\nBcc: all@example.com", "locale": "en"}
        )
        assert response.status_code == 422
        assert "control characters" in error_at(response.get_data(as_text=True), "name")
        db.session.expire_all()
        assert db.session.get(User, user.id).name == "Wang Fang"

    def test_every_form_derives_from_the_base_form(self, app):
        """So none misses the checks above: every form class of the application."""
        forms = []
        pending = list(FlaskForm.__subclasses__())
        while pending:
            form = pending.pop()
            pending.extend(form.__subclasses__())
            if form.__module__.startswith(f"{expo.__name__}.") and form is not BaseForm:
                forms.append(form)
        assert len(forms) > 30
        assert [form for form in forms if not issubclass(form, BaseForm)] == []


def test_a_name_stored_with_a_line_break_still_gets_its_mail_out(client, db, login_as, outbox):
    """A name saved before names were checked: the invitation's subject stays one line."""
    user = make_enterprise_user(name="Wang\r\nFang")
    login_as(user)
    response = client.post("/enterprise/invite", data={"email": "colleague@example.com"})
    assert response.status_code == 302
    (sent,) = outbox.glob("*.eml")
    message = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
    assert "Wang Fang" in message["Subject"]


class TestUploads:
    def test_a_body_over_the_limit_is_refused_before_it_is_read(self, app, client, db, login_as):
        delegation = make_delegation()
        login_as(make_user("organizer", locale="en"))

        class Unreadable(io.BytesIO):
            def read(self, *args):
                raise AssertionError("the body was read")

            readline = readinto = read

        limit = app.config["MAX_CONTENT_LENGTH"]
        # Any form but the member import, whose own, smaller limit is said at its file field.
        response = client.post(
            f"/manage/delegations/{delegation.id}/edit",
            input_stream=Unreadable(),
            content_type="multipart/form-data; boundary=x",
            environ_overrides={"CONTENT_LENGTH": str(limit + 1)},
        )
        assert response.status_code == 413
        assert "at most 10 MB" in response.get_data(as_text=True)

    def test_the_limit_is_said_in_the_readers_language(self, app, client, db):
        response = client.post(
            "/account/login",
            data={"email": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)},
            headers={"Accept-Language": "zh"},
        )
        assert response.status_code == 413
        assert "最多接收 10 MB" in response.get_data(as_text=True)
