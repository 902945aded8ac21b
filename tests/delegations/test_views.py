"""Delegation pages: who may see what, the organizer's forms, the enterprise's view."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from expo.audit.models import AuditEntry
from expo.delegations.models import Delegation, Member
from expo.delegations.services import add_approved_delegates
from expo.registrations.services import ApplicationData, DelegateData, review, submit_application
from tests.delegations.test_services import add, approved_application, item, make_delegation
from tests.factories import (
    make_enterprise,
    make_enterprise_user,
    make_event,
    make_user,
    open_event,
)
from tests.pages import field_error, h1_count, page_text, screen_zone


@pytest.fixture(autouse=True)
def english(client):
    """Pages in English: the assertions read the English source texts."""
    client.get("/?lang=en")


def delegations(db) -> list[Delegation]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Delegation).order_by(Delegation.id)))


def members(db) -> list[Member]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Member).order_by(Member.id)))


def form_values(response) -> dict[str, str]:
    """What a browser posts back for the page's form when nobody changes anything."""
    text = response.get_data(as_text=True)
    values = {}
    for tag in re.findall(r"<input\b[^>]*>", text):
        name = re.search(r'\bname="([^"]*)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if name and 'type="submit"' not in tag:
            values[html.unescape(name.group(1))] = html.unescape(value.group(1) if value else "")
    for name, body in re.findall(r'<select\b[^>]*name="([^"]*)"[^>]*>(.*?)</select>', text, re.S):
        chosen = [tag for tag in re.findall(r"<option\b[^>]*>", body) if " selected" in tag]
        value = re.search(r'\bvalue="([^"]*)"', chosen[0]) if chosen else None
        values[name] = html.unescape(value.group(1)) if value else ""
    for name, body in re.findall(
        r'<textarea\b[^>]*name="([^"]*)"[^>]*>(.*?)</textarea>', text, re.S
    ):
        values[name] = html.unescape(body).lstrip("\n")
    return values


@pytest.fixture()
def organizer(db, login_as):
    return login_as(make_user("organizer", locale="en"))


def delegation_form(**overrides) -> dict:
    values = {
        "title_zh": "川行天下·匈牙利经贸代表团",
        "title_en": "Sichuan trade delegation to Hungary",
        "direction": "outbound",
        "campaign_id": "",
        "origin_country": "CN",
        "origin_city_zh": "成都",
        "origin_city_en": "Chengdu",
        "destination_country": "HU",
        "destination_city_en": "Budapest",
        "starts_on": "2027-03-18",
        "ends_on": "2027-03-25",
        "contacts-0-name": "Wang Fang",
        "contacts-0-role": "Team leader",
        "contacts-0-phone": "+86 138 0000 0000",
        "contacts-1-name": "",
        "contacts-1-role": "",
        "contacts-1-phone": "",
        "notes_en": "Bring business cards.",
    }
    values.update(overrides)
    return values


# --- who may enter ------------------------------------------------------------------------


class TestAccess:
    def test_anonymous_users_are_sent_to_sign_in(self, client, db):
        delegation = make_delegation()
        db.session.commit()
        for path in (
            "/delegations",
            f"/delegations/{delegation.id}",
            "/manage/delegations",
            f"/manage/delegations/{delegation.id}",
            "/manage/delegations/new",
        ):
            response = client.get(path)
            assert response.status_code == 302, path
            assert "/account/login" in response.headers["Location"]

    def test_enterprise_users_are_refused_the_organizer_pages(self, client, db, login_as):
        delegation = make_delegation()
        member = add(delegation)
        login_as(make_enterprise_user())
        for path in (
            "/manage/delegations",
            "/manage/delegations/new",
            f"/manage/delegations/{delegation.id}",
            f"/manage/delegations/{delegation.id}/edit",
            f"/manage/delegations/{delegation.id}/duplicate",
            f"/manage/delegations/{delegation.id}/members/new",
        ):
            assert client.get(path).status_code == 403, path
        for path in (
            f"/manage/delegations/{delegation.id}/status",
            f"/manage/delegations/{delegation.id}/members/{member.id}/delete",
            f"/manage/delegations/{delegation.id}/duplicate",
        ):
            assert (
                client.post(path, data={"status": "cancelled", "shift_days": 1}).status_code == 403
            )
        assert len(members(db)) == 1 and len(delegations(db)) == 1
        assert delegations(db)[0].status == "planning"

    def test_organizers_go_to_their_own_pages(self, client, db, organizer):
        delegation = make_delegation()
        db.session.commit()
        response = client.get("/delegations")
        assert response.headers["Location"].endswith("/manage/delegations")
        response = client.get(f"/delegations/{delegation.id}")
        assert response.headers["Location"].endswith(f"/manage/delegations/{delegation.id}")


# --- enterprise users ------------------------------------------------------------------------


class TestEnterpriseView:
    @pytest.fixture()
    def ours(self, db):
        enterprise = make_enterprise(name_en="Sichuan Shudao Equipment")
        delegation = make_delegation(title_en="To Budapest")
        add(delegation, enterprise_id=enterprise.id, passport_number="E12345678")
        add(
            delegation,
            name_zh="",
            name_latin="Kovács Péter",
            organization="Budapest Import Kft.",
            passport_number="HU9876543",
            mobile="+36 20 123 4567",
            email="peter@example.hu",
        )
        item(
            delegation,
            datetime(2027, 3, 20, 9, 0),
            "Europe/Budapest",
            datetime(2027, 3, 20, 10, 0),
            title_en="Meeting at Hungexpo",
        )
        return enterprise, delegation

    def test_the_list_shows_only_delegations_with_our_people(self, client, db, login_as, ours):
        enterprise, delegation = ours
        other = make_delegation(title_en="Someone else's trip")
        add(other, enterprise_id=make_enterprise().id)
        login_as(make_enterprise_user(enterprise, locale="en"))

        response = client.get("/delegations")

        text = page_text(response)
        assert response.status_code == 200 and h1_count(response) == 1
        assert "To Budapest" in text and "Someone else's trip" not in text
        assert client.get(f"/delegations/{other.id}").status_code == 404
        assert client.get(f"/delegations/{other.id}/itinerary.ics").status_code == 404
        assert client.get("/delegations/999999").status_code == 404

    def test_the_delegation_shows_the_itinerary_and_masks_passports(
        self, client, db, login_as, ours
    ):
        enterprise, delegation = ours
        login_as(make_enterprise_user(enterprise, locale="en"))

        response = client.get(f"/delegations/{delegation.id}")

        text = page_text(response)
        assert response.status_code == 200 and h1_count(response) == 1
        assert "Meeting at Hungexpo" in text
        # Times name their zone: "Central European Standard Time" on 20 March.
        meeting = datetime(2027, 3, 20, 8, 0, tzinfo=UTC)
        assert screen_zone(meeting, "Europe/Budapest", "en") in text
        assert "E12345678" not in text and "E••••••78" in text
        # The foreign buyer is listed, but not their passport or contact details.
        assert "Kovács Péter" in text and "Budapest Import Kft." in text
        assert "HU9876543" not in text and "HU•" not in text and "peter@example.hu" not in text
        assert "王芳" in text  # emergency contact

        calendar = client.get(f"/delegations/{delegation.id}/itinerary.ics")
        assert calendar.status_code == 200 and b"Meeting at Hungexpo" in calendar.data

    def test_a_user_without_an_enterprise_sees_none(self, client, db, login_as, ours):
        login_as(make_user("enterprise", locale="en"))
        response = client.get("/delegations")
        assert response.status_code == 200 and "To Budapest" not in page_text(response)
        assert client.get(f"/delegations/{ours[1].id}").status_code == 404


# --- organizers ------------------------------------------------------------------------------


class TestOrganizerPages:
    def test_create_a_delegation(self, client, db, organizer):
        event = make_event()
        db.session.commit()
        response = client.post(
            "/manage/delegations/new", data=delegation_form(event_ids=[str(event.id)])
        )
        assert response.status_code == 302
        (delegation,) = delegations(db)
        assert response.headers["Location"].endswith(f"/manage/delegations/{delegation.id}")
        assert delegation.events[0].id == event.id
        assert [(c.name, c.phone) for c in delegation.contacts] == [
            ("Wang Fang", "+86 138 0000 0000")
        ]
        assert delegation.starts_on == date(2027, 3, 18)

    def test_mistakes_are_shown_at_their_fields_and_nothing_is_saved(self, client, db, organizer):
        response = client.post(
            "/manage/delegations/new",
            data=delegation_form(
                title_zh="",
                title_en="",
                ends_on="2027-03-01",
                **{"contacts-0-phone": ""},
            ),
        )
        assert response.status_code == 422
        assert field_error(response, "title_zh") == (
            "Enter a title in Chinese or English (or both)."
        )
        assert field_error(response, "ends_on") == "The last day cannot come before the first."
        assert field_error(response, "contacts-0-phone") == (
            "Enter a phone number that works while travelling."
        )
        assert delegations(db) == []

    def test_the_form_pages(self, client, db, organizer):
        delegation = make_delegation()
        db.session.commit()
        for path in ("/manage/delegations/new", f"/manage/delegations/{delegation.id}/edit"):
            response = client.get(path)
            assert response.status_code == 200 and h1_count(response) == 1
            assert 'for="contacts-0-name"' in response.get_data(as_text=True)
        edit = page_text(client.get(f"/manage/delegations/{delegation.id}/edit"))
        assert 'value="Sichuan trade delegation to Hungary"' in edit
        assert 'value="王芳"' in edit
        for path in ("/duplicate", "/members/new", "/members/import"):
            page = client.get(f"/manage/delegations/{delegation.id}{path}")
            assert page.status_code == 200 and h1_count(page) == 1, path

    def test_edit(self, client, db, organizer):
        delegation = make_delegation()
        db.session.commit()
        response = client.post(
            f"/manage/delegations/{delegation.id}/edit",
            data=delegation_form(title_en="Renamed", direction="inbound"),
        )
        assert response.status_code == 302
        (saved,) = delegations(db)
        assert (saved.title_en, saved.direction) == ("Renamed", "inbound")

    def test_the_overview_shows_full_passports_and_the_itinerary(self, client, db, organizer):
        delegation = make_delegation()
        add(delegation, passport_number="E12345678")
        item(
            delegation,
            datetime(2027, 3, 20, 9, 0),
            "Europe/Budapest",
            datetime(2027, 3, 20, 10, 0),
            title_en="Meeting at Hungexpo",
        )
        db.session.commit()

        response = client.get(f"/manage/delegations/{delegation.id}")

        text = page_text(response)
        assert response.status_code == 200 and h1_count(response) == 1
        assert "E12345678" in text and "Meeting at Hungexpo" in text
        assert f"/manage/delegations/{delegation.id}/itinerary" in text
        assert "table-responsive" in text

    def test_the_list_filters_and_paginates(self, client, db, app, organizer, monkeypatch):
        monkeypatch.setitem(app.config, "DELEGATIONS_PER_PAGE", 2)
        for number in range(3):
            make_delegation(title_en=f"Outbound {number}", starts_on=date(2027, 3, 10 + number))
        make_delegation(direction="inbound", title_en="Buyers coming")
        db.session.commit()

        inbound = page_text(client.get("/manage/delegations?direction=inbound"))
        assert "Buyers coming" in inbound and "Outbound 0" not in inbound

        first = client.get("/manage/delegations?direction=outbound")
        assert h1_count(first) == 1
        text = page_text(first)
        assert "Outbound 2" in text and "Outbound 1" in text and "Outbound 0" not in text
        assert "page=2" in text
        second = page_text(client.get("/manage/delegations?direction=outbound&page=2"))
        assert "Outbound 0" in second and "Outbound 2" not in second

    def test_change_the_status(self, client, db, organizer):
        delegation = make_delegation()
        db.session.commit()
        response = client.post(
            f"/manage/delegations/{delegation.id}/status", data={"status": "travelling"}
        )
        assert response.status_code == 302
        assert delegations(db)[0].status == "travelling"
        details = db.session.scalar(
            sa.select(AuditEntry.details).where(AuditEntry.action == "delegation.status")
        )
        assert details == {"status": "travelling", "previous": "planning"}


class TestMemberPages:
    def test_add_a_member(self, client, db, organizer):
        delegation = make_delegation()
        enterprise = make_enterprise()
        db.session.commit()
        page = client.get(f"/manage/delegations/{delegation.id}/members/new")
        assert page.status_code == 200 and h1_count(page) == 1
        response = client.post(
            f"/manage/delegations/{delegation.id}/members/new",
            data={
                "name_zh": "张三",
                "name_latin": "ZHANG San",
                "role": "leader",
                "enterprise_id": str(enterprise.id),
                "organization": "ignored",
                "nationality": "CN",
                "passport_number": "e1234567",
                "mobile": "13800000000",
                "email": "zhang@example.com",
                "needs": "Halal",
            },
        )
        assert response.status_code == 302
        (member,) = members(db)
        assert (member.role, member.enterprise_id, member.organization) == (
            "leader",
            enterprise.id,
            "",
        )
        assert member.passport_number == "E1234567"

    def test_mistakes_are_shown_and_nothing_saved(self, client, db, organizer):
        delegation = make_delegation()
        db.session.commit()
        response = client.post(
            f"/manage/delegations/{delegation.id}/members/new",
            data={"name_zh": "", "name_latin": "", "role": "member", "passport_number": "12"},
        )
        assert response.status_code == 422
        assert field_error(response, "name_zh") == (
            "Enter the name in Chinese or in Latin letters (or both)."
        )
        assert field_error(response, "passport_number") == (
            "A passport number has 5 to 20 letters and digits."
        )
        assert members(db) == []

    def test_edit_and_remove(self, client, db, organizer):
        delegation = make_delegation()
        member = add(delegation)
        db.session.commit()
        base = f"/manage/delegations/{delegation.id}/members/{member.id}"
        edit = client.get(base + "/edit")
        assert 'value="E12345678"' in edit.get_data(as_text=True)
        response = client.post(
            base + "/edit",
            data={
                "name_zh": "张三",
                "name_latin": "ZHANG San",
                "role": "interpreter",
                "passport_number": "",
            },
        )
        assert response.status_code == 302
        assert members(db)[0].role == "interpreter"
        assert members(db)[0].passport_number is None

        other = make_delegation()
        db.session.commit()
        wrong = f"/manage/delegations/{other.id}/members/{member.id}/delete"
        assert client.post(wrong).status_code == 404
        assert client.post(base + "/delete").status_code == 302
        assert members(db) == []

    def test_a_delegate_copied_from_an_application_saves_unchanged(self, client, db, organizer):
        # What an enterprise may type for a delegate, the member form must take back: a
        # French mobile written with dots, a Latin name with an accent and an apostrophe,
        # a passport in lower case.
        event = open_event()
        enterprise = make_enterprise()
        delegate = DelegateData(
            name_zh="杜邦",
            name_latin="D'ARTAGNAN Hélène",
            title="Directrice",
            mobile="+33 6.12.34.56.78",
            email="helene@example.fr",
            passport_number="18av12345",
        )
        application = submit_application(
            event,
            enterprise,
            ApplicationData(delegates=[delegate], consent=True),
            actor=make_enterprise_user(enterprise),
        )
        review(application, "approved", actor=organizer)
        delegation = make_delegation(event_ids=[event.id])
        (member,) = add_approved_delegates(delegation, event, actor=organizer)
        db.session.commit()
        base = f"/manage/delegations/{delegation.id}/members/{member.id}"

        response = client.post(base + "/edit", data=form_values(client.get(base + "/edit")))

        assert response.status_code == 302, page_text(response)
        (saved,) = members(db)
        assert (saved.mobile, saved.name_latin, saved.passport_number) == (
            "+33 6.12.34.56.78",
            "D'ARTAGNAN Hélène",
            "18AV12345",
        )

    def test_remove_a_member_who_takes_part_in_some_items(self, client, db, organizer):
        delegation = make_delegation()
        leaving = add(delegation)
        staying = add(delegation, name_zh="李四", passport_number="")
        item(
            delegation,
            datetime(2027, 3, 20, 9, 0),
            "Europe/Budapest",
            datetime(2027, 3, 20, 10, 0),
            everyone=False,
            members=[leaving, staying],
        )
        db.session.commit()
        path = f"/manage/delegations/{delegation.id}/members/{leaving.id}/delete"
        assert client.post(path).status_code == 302
        db.session.expire_all()
        (remaining,) = members(db)
        assert remaining.id == staying.id
        assert [m.id for m in db.session.get(Delegation, delegation.id).items[0].members] == [
            staying.id
        ]

    def test_add_the_approved_delegates_of_an_event(self, client, db, organizer):
        event = make_event()
        make_enterprise()
        approved_application(event)
        approved_application(event, status="pending", delegates=("待定",))
        delegation = make_delegation(event_ids=[event.id])
        db.session.commit()
        path = f"/manage/delegations/{delegation.id}/members/from-event"

        response = client.post(path, data={"event_id": str(event.id)}, follow_redirects=True)
        assert "2 delegates of “Budapest International Fair” added." in page_text(response)
        response = client.post(path, data={"event_id": str(event.id)}, follow_redirects=True)
        assert "is a member already" in page_text(response)
        assert [m.name_zh for m in members(db)] == ["王一", "王二"]

        # Only the delegation's own events are offered.
        elsewhere = make_event()
        db.session.commit()
        response = client.post(path, data={"event_id": str(elsewhere.id)})
        assert response.status_code == 302 and len(members(db)) == 2


class TestDuplicatePage:
    def test_duplicate_with_shifted_dates(self, client, db, organizer):
        delegation = make_delegation()
        add(delegation)
        item(
            delegation,
            datetime(2027, 3, 20, 9, 0),
            "Europe/Budapest",
            datetime(2027, 3, 20, 10, 0),
        )
        db.session.commit()
        path = f"/manage/delegations/{delegation.id}/duplicate"
        page = client.get(path)
        assert page.status_code == 200 and h1_count(page) == 1

        response = client.post(path, data={"shift_days": "14"})

        assert response.status_code == 302
        original, copy = delegations(db)
        assert response.headers["Location"].endswith(f"/manage/delegations/{copy.id}")
        assert copy.starts_on == date(2027, 4, 1)
        assert copy.items[0].starts_at == datetime(2027, 4, 3, 7, 0, tzinfo=UTC)
        assert len(copy.members) == 1

    def test_a_bad_number_of_days(self, client, db, organizer):
        delegation = make_delegation()
        db.session.commit()
        response = client.post(
            f"/manage/delegations/{delegation.id}/duplicate", data={"shift_days": "99999"}
        )
        assert response.status_code == 422
        assert "Shift by at most 3660 days either way." in field_error(response, "shift_days")
        assert len(delegations(db)) == 1
