"""The catalogue keeps its filter form and its cards (expo.caching): what it keeps must
never cross languages or permissions, and must follow the data, the booths left and the
clock."""

from datetime import timedelta

import time_machine

from expo.db import utcnow
from tests.factories import make_application, make_campaign, make_event, make_user, open_event
from tests.pages import field_error


def page(client, language: str) -> str:
    response = client.get(f"/events?lang={language}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_each_language_gets_its_own_filters_and_cards(client, db):
    make_event(title_zh="布达佩斯博览会", title_en="Budapest Fair", country="HU")
    db.session.commit()
    for _ in range(2):  # the second round is served from what the first kept
        chinese, english = page(client, "zh"), page(client, "en")
        assert "匈牙利" in chinese and "布达佩斯博览会" in chinese
        assert "Budapest Fair" not in chinese
        assert "Hungary" in english and "Budapest Fair" in english
        assert "匈牙利" not in english and "布达佩斯博览会" not in english


def test_what_organizers_are_offered_is_kept_apart_from_what_others_see(client, db, login_as):
    draft = make_campaign(title_en="Secret Campaign", status="draft")
    make_event(draft, title_en="Secret Draft", status="draft", country="AE")
    make_event(title_en="Public Fair")
    organizer = make_user("organizer")
    db.session.commit()
    anonymous = client.application.test_client()
    before = page(anonymous, "en")
    login_as(organizer)
    for _ in range(2):
        html = page(client, "en")
        assert "Secret Campaign" in html and 'name="status"' in html
        assert "United Arab Emirates" in html
        after = page(anonymous, "en")
        assert "Secret Campaign" not in after and 'name="status"' not in after
        assert "United Arab Emirates" not in after
    assert "Secret Campaign" not in before


def test_a_change_to_the_events_shows_at_once(client, db):
    event = make_event(title_en="Budapest Fair")
    db.session.commit()
    assert "Budapest Fair" in page(client, "en")
    assert "United Arab Emirates" not in page(client, "en")
    make_event(title_en="Dubai Roadshow", country="AE", timezone="Asia/Dubai")
    event.title_en = "Renamed Fair"
    db.session.commit()
    html = page(client, "en")
    assert "Dubai Roadshow" in html and "United Arab Emirates" in html
    assert "Renamed Fair" in html and "Budapest Fair" not in html


def test_a_chosen_filter_is_kept_with_its_choice(client, db):
    make_event(title_en="Budapest Fair", country="HU")
    make_event(title_en="Dubai Roadshow", country="AE", timezone="Asia/Dubai")
    db.session.commit()
    client.get("/events?lang=en")
    html = client.get("/events?lang=en&country=AE").get_data(as_text=True)
    assert '<option selected value="AE">' in html or 'value="AE" selected' in html
    assert "Budapest Fair" not in html


def test_cards_follow_the_booths_left_and_the_clock(client, db):
    event = open_event(title_en="Open Fair", capacity=2, moderation="first_come")
    db.session.commit()
    assert "2 of 2 booths left" in page(client, "en")
    make_application(event)
    db.session.commit()
    assert "1 of 2 booths left" in page(client, "en")
    with time_machine.travel(utcnow() + timedelta(days=31), tick=False):
        html = page(client, "en")
    assert "Registration closed" in html and "booths left" not in html


def test_the_form_library_speaks_the_readers_language(client, db):
    """WTForms' own messages are read once per process and language (expo.fields)."""
    make_event()
    db.session.commit()
    messages = {}
    for language in ("zh", "en", "zh"):
        response = client.get(f"/events?lang={language}&campaign=999999")
        messages.setdefault(language, set()).add(field_error(response, "campaign"))
    assert len(messages["zh"]) == 1 and len(messages["en"]) == 1
    (chinese,), (english,) = messages["zh"], messages["en"]
    assert chinese and english and chinese != english
    assert any("\u4e00" <= character <= "\u9fff" for character in chinese)
    assert english.isascii()
