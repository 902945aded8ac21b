"""A member's itinerary through a share link: no account, only their items, revocable."""

from __future__ import annotations

import re
from datetime import datetime

import icalendar
import pytest

from expo.delegations import services
from expo.delegations.models import Member
from tests.delegations.test_services import add, item, make_delegation
from tests.factories import make_user
from tests.pages import page_text

PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}


@pytest.fixture()
def trip(db):
    """A delegation with a buyer who takes part in some items only."""
    delegation = make_delegation(direction="inbound", title_en="Buyers from Hungary")
    buyer = add(
        delegation, name_zh="", name_latin="Kovács Péter", nationality="HU", passport_number=""
    )
    other = add(delegation, name_zh="李四", name_latin="LI Si", passport_number="E87654321")
    item(
        delegation,
        datetime(2027, 3, 19, 9, 0),
        "Europe/Budapest",
        datetime(2027, 3, 19, 10, 0),
        title_en="Welcome breakfast",
    )
    item(
        delegation,
        datetime(2027, 3, 20, 14, 0),
        "Europe/Budapest",
        datetime(2027, 3, 20, 15, 0),
        title_en="Meeting with the buyer",
        everyone=False,
        members=[buyer],
    )
    item(
        delegation,
        datetime(2027, 3, 21, 14, 0),
        "Europe/Budapest",
        datetime(2027, 3, 21, 15, 0),
        title_en="Factory visit without the buyer",
        everyone=False,
        members=[other],
    )
    return delegation, buyer


def share(buyer) -> str:
    from expo.extensions import db

    token = services.create_share_link(buyer)
    db.session.commit()
    return token


def test_the_link_shows_the_members_itinerary_without_signing_in(client, db, trip):
    delegation, buyer = trip
    token = share(buyer)

    response = client.get(f"/itinerary/{token}?lang=en")

    text = page_text(response)
    assert response.status_code == 200
    assert "Itinerary of Kovács Péter" in text and "Buyers from Hungary" in text
    assert "Welcome breakfast" in text and "Meeting with the buyer" in text
    assert "Factory visit without the buyer" not in text
    assert "E87654321" not in text and "LI Si" not in text  # nobody else's data
    assert "王芳" in text  # the emergency contact
    assert len(re.findall(r"<h1[\s>]", text)) == 1
    for name, value in PRIVATE_HEADERS.items():
        assert response.headers[name] == value


def test_the_language_switch_keeps_the_token(client, db, trip):
    _, buyer = trip
    token = share(buyer)
    english = client.get(f"/itinerary/{token}?lang=en")
    assert f'href="/itinerary/{token}?lang=zh"' in english.get_data(as_text=True)
    chinese = client.get(f"/itinerary/{token}?lang=zh")
    assert chinese.status_code == 200
    assert '<html lang="zh-CN">' in page_text(chinese)
    assert f'href="/itinerary/{token}?lang=en"' in page_text(chinese)


def test_the_calendar_has_only_the_members_items(client, db, trip):
    _, buyer = trip
    token = share(buyer)
    response = client.get(f"/itinerary/{token}.ics?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    calendar = icalendar.Calendar.from_ical(response.data)
    summaries = sorted(str(event["summary"]) for event in calendar.walk("VEVENT"))
    assert summaries == ["Meeting with the buyer", "Welcome breakfast"]


def test_unknown_and_revoked_links_are_not_found(client, db, trip):
    _, buyer = trip
    token = share(buyer)
    assert client.get("/itinerary/" + "x" * 43).status_code == 404
    assert client.get(f"/itinerary/{token[:-1]}").status_code == 404

    services.revoke_share_link(buyer)
    db.session.commit()

    assert client.get(f"/itinerary/{token}").status_code == 404
    assert client.get(f"/itinerary/{token}.ics").status_code == 404


def test_a_renewed_link_works_and_the_old_one_does_not(client, db, trip):
    _, buyer = trip
    old = share(buyer)
    new = share(buyer)
    assert new != old
    assert client.get(f"/itinerary/{old}").status_code == 404
    assert client.get(f"/itinerary/{new}").status_code == 200


def test_only_a_hash_of_the_token_is_stored(db, trip):
    _, buyer = trip
    token = share(buyer)
    db.session.expire_all()
    stored = db.session.get(Member, buyer.id).share_token_hash
    assert re.fullmatch(r"[0-9a-f]{64}", stored) and stored != token
    assert token not in stored and len(token) >= 43
    assert services.member_for_share_token(token).id == buyer.id
    assert services.member_for_share_token(stored) is None  # the hash is no key


# --- organizers make and revoke links -------------------------------------------------------


@pytest.fixture()
def organizer(db, login_as):
    return login_as(make_user("organizer", locale="en"))


def test_the_organizer_sees_the_new_link_once(app, client, db, trip, organizer):
    delegation, buyer = trip
    db.session.commit()
    base = f"/manage/delegations/{delegation.id}/members/{buyer.id}"

    response = client.post(base + "/share")

    text = page_text(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    link = re.search(r'id="share-link" type="text" value="([^"]+)"', text).group(1)
    token = link.rsplit("/", 1)[1]
    assert link.startswith(f"{app.config['BASE_URL']}/itinerary/")
    db.session.expire_all()
    assert db.session.get(Member, buyer.id).share_token_hash != token
    # The overview no longer shows the link, only that there is one.
    overview = page_text(client.get(f"/manage/delegations/{delegation.id}"))
    assert token not in overview and "Make a new link" in overview and "Revoke" in overview

    anonymous = client.application.test_client()
    assert anonymous.get(f"/itinerary/{token}").status_code == 200

    renewed = page_text(client.post(base + "/share"))
    assert "the one made before no longer works" in renewed
    assert anonymous.get(f"/itinerary/{token}").status_code == 404

    response = client.post(base + "/share/revoke")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Member, buyer.id).share_token_hash is None


def test_links_are_for_members_of_that_delegation_only(client, db, trip, organizer):
    delegation, buyer = trip
    elsewhere = make_delegation()
    db.session.commit()
    response = client.post(f"/manage/delegations/{elsewhere.id}/members/{buyer.id}/share")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Member, buyer.id).share_token_hash is None


def test_enterprise_users_cannot_make_links(client, db, trip, login_as):
    delegation, buyer = trip
    login_as(make_user("enterprise"))
    response = client.post(f"/manage/delegations/{delegation.id}/members/{buyer.id}/share")
    assert response.status_code == 403
