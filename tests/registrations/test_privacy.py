"""Passport numbers: never sent back in full to an enterprise, never kept by a cache."""

from __future__ import annotations

import re

import pytest

from expo.privacy import mask_passport
from expo.registrations.models import Application
from tests.delegations.test_services import add, make_delegation
from tests.factories import make_enterprise, make_enterprise_user, make_user, open_event
from tests.registrations.test_views import form

PASSPORT = "EA1234567"  # what ``form`` gives every delegate
MASKED = mask_passport(PASSPORT)
NO_STORE = "private, no-store"


def applied(client, login_as, event, enterprise=None) -> int:
    login_as(make_enterprise_user(enterprise or make_enterprise()))
    two = (("张三", "ZHANG San", "13800000001"), ("李四", "LI Si", "13800000002"))
    response = client.post(f"/events/{event.id}/apply", data=form(two))
    return int(response.headers["Location"].rsplit("/", 1)[1])


def stored(db, application_id) -> list[tuple[str, str | None]]:
    db.session.expire_all()
    application = db.session.get(Application, application_id)
    return [(d.name_latin, d.passport_number) for d in application.delegates]


def edit_data(page: str, **changes) -> dict:
    """What the edit form posts back as it was shown, with ``changes``."""
    data = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and value and 'type="checkbox"' not in tag and name[1] != "csrf_token":
            data[name[1]] = value[1]
    data.update({"booths_requested": "1", "exhibits": "茶叶"})
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


@pytest.fixture()
def event(db):
    return open_event(max_delegates=3)


def test_the_edit_form_shows_the_number_masked_and_never_whole(client, db, login_as, event):
    application_id = applied(client, login_as, event)
    response = client.get(f"/applications/{application_id}/edit?lang=en")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert PASSPORT not in page
    assert f'name="delegates-0-passport_number" placeholder="{MASKED}"' in page
    assert f"On file: {MASKED}. Leave the field empty to keep it." in page
    # The row says which saved delegate it is; the passport field itself is empty.
    assert re.search(r'name="delegates-0-passport_number"[^>]*value=""', page)


def test_an_empty_field_keeps_the_number_and_a_typed_one_replaces_it(client, db, login_as, event):
    application_id = applied(client, login_as, event)
    page = client.get(f"/applications/{application_id}/edit").get_data(as_text=True)
    data = edit_data(page, **{"delegates-1-passport_number": "G7654321"})
    response = client.post(f"/applications/{application_id}/edit", data=data)
    assert response.status_code == 302
    assert stored(db, application_id) == [("ZHANG San", PASSPORT), ("LI Si", "G7654321")]


def test_the_number_on_file_can_be_removed(client, db, login_as, event):
    application_id = applied(client, login_as, event)
    page = client.get(f"/applications/{application_id}/edit?lang=en").get_data(as_text=True)
    assert "Remove the passport number on file" in page
    data = edit_data(page, **{"delegates-0-remove_passport": "y"})
    assert client.post(f"/applications/{application_id}/edit", data=data).status_code == 302
    assert stored(db, application_id) == [("ZHANG San", None), ("LI Si", PASSPORT)]


def test_a_row_emptied_removes_the_delegate_and_the_others_keep_their_numbers(
    client, db, login_as, event
):
    application_id = applied(client, login_as, event)
    page = client.get(f"/applications/{application_id}/edit").get_data(as_text=True)
    emptied = {
        f"delegates-0-{name}": ""
        for name in ("name_zh", "name_latin", "title", "mobile", "email", "passport_number")
    }
    data = edit_data(page, **emptied)
    assert data["delegates-0-delegate_id"]  # the emptied row still says who it was
    assert client.post(f"/applications/{application_id}/edit", data=data).status_code == 302
    assert stored(db, application_id) == [("LI Si", PASSPORT)]


def test_another_enterprises_delegate_lends_no_number(client, db, login_as, event):
    theirs = applied(client, login_as, open_event(max_delegates=3))
    their_delegate = db.session.get(Application, theirs).delegates[0]
    their_delegate.passport_number = "K9999999"
    db.session.commit()
    client.post("/account/logout")
    mine = applied(client, login_as, event)
    page = client.get(f"/applications/{mine}/edit").get_data(as_text=True)
    data = edit_data(page, **{"delegates-0-delegate_id": str(their_delegate.id)})
    assert client.post(f"/applications/{mine}/edit", data=data).status_code == 302
    assert stored(db, mine) == [("ZHANG San", None), ("LI Si", PASSPORT)]
    assert stored(db, theirs)[0] == ("ZHANG San", "K9999999")


def test_a_refused_edit_still_shows_the_number_masked_only(client, db, login_as, event):
    application_id = applied(client, login_as, event)
    page = client.get(f"/applications/{application_id}/edit").get_data(as_text=True)
    data = edit_data(page, **{"delegates-0-name_latin": "张三"})  # not Latin letters
    response = client.post(f"/applications/{application_id}/edit?lang=en", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert PASSPORT not in page and f"On file: {MASKED}." in page
    assert stored(db, application_id)[0] == ("ZHANG San", PASSPORT)


# --- no copy in any cache ------------------------------------------------------------------


def test_the_enterprises_pages_with_delegates_are_not_stored(client, db, login_as, event):
    another = open_event()
    application_id = applied(client, login_as, event)
    for url in (
        f"/applications/{application_id}",
        f"/applications/{application_id}/edit",
        f"/events/{another.id}/apply",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == NO_STORE, url
    page = client.get(f"/applications/{application_id}/edit").get_data(as_text=True)
    refused = client.post(
        f"/applications/{application_id}/edit",
        data=edit_data(page, **{"delegates-0-name_latin": "张三"}),
    )
    assert refused.status_code == 422 and refused.headers["Cache-Control"] == NO_STORE


def test_the_organizers_pages_with_whole_numbers_are_not_stored(client, db, login_as, event):
    application_id = applied(client, login_as, event)
    delegation = make_delegation(direction="inbound", destination_country="CN")
    member = add(delegation, passport_number="AA1234567")
    db.session.commit()
    client.post("/account/logout")
    login_as(make_user("organizer"))
    pages = (
        f"/manage/events/{event.id}/applications/{application_id}",
        f"/manage/delegations/{delegation.id}",
        f"/manage/delegations/{delegation.id}/members/{member.id}/edit",
        f"/manage/delegations/{delegation.id}/members/{member.id}/invitation.pdf",
        f"/manage/delegations/{delegation.id}/invitations.pdf",
    )
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == NO_STORE, url
    assert "AA1234567" in client.get(pages[1]).get_data(as_text=True)
    refused = client.post(
        f"/manage/events/{event.id}/applications/{application_id}/review",
        data={"to": "approved", "reason": "x" * 5000},
    )
    assert refused.status_code == 422 and refused.headers["Cache-Control"] == NO_STORE


def test_the_exports_are_not_stored(client, db, login_as, event):
    applied(client, login_as, event)
    client.post("/account/logout")
    login_as(make_user("organizer"))
    for extension in ("csv", "xlsx"):
        response = client.post(f"/manage/events/{event.id}/applications/export.{extension}")
        assert response.status_code == 200
        assert "no-store" in response.headers["Cache-Control"]


def test_an_enterprises_delegation_page_is_not_stored(client, db, login_as):
    enterprise = make_enterprise()
    delegation = make_delegation()
    add(delegation, enterprise_id=enterprise.id, organization="", passport_number="AA1234567")
    db.session.commit()
    login_as(make_enterprise_user(enterprise))
    response = client.get(f"/delegations/{delegation.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == NO_STORE
    assert "AA1234567" not in response.get_data(as_text=True)
