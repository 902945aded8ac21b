"""The review list keeps its rows and its filter lists (expo.caching): never across
languages or time zones, and never past a change of an application or an enterprise."""

import re

import pytest

from expo.registrations import services
from tests.factories import make_user, open_event
from tests.pages import error_at
from tests.registrations.test_review import base, listed, submit


@pytest.fixture()
def organizer(db, login_as):
    return login_as(make_user("organizer", name="Li Ming", timezone="Asia/Shanghai"))


def page(client, event, query: str = "") -> str:
    response = client.get(base(event) + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def submitted_at(html: str) -> str:
    return re.findall(r'<td class="text-nowrap small">(.*?)</td>', html, re.S)[0].strip()


def test_rows_follow_the_language_and_the_readers_time_zone(client, db, organizer):
    event = open_event()
    submit(event, name_zh="熊猫茶业", name_en="Panda Tea Co.", prefecture="510100")
    db.session.commit()
    for _ in range(2):  # the second round is served from what the first kept
        chinese, english = page(client, event, "?lang=zh"), page(client, event, "?lang=en")
        assert "熊猫茶业" in chinese and "Panda Tea Co." not in chinese
        assert "成都" in chinese and "Chengdu" not in chinese
        assert "Panda Tea Co." in english and "熊猫茶业" not in english
        assert "Chengdu" in english
        assert "全部市（州）" in chinese and "全部市（州）" not in english
        assert "All prefectures" in english and "All prefectures" not in chinese
    shanghai = submitted_at(page(client, event, "?lang=en"))
    organizer.timezone = "America/New_York"
    db.session.commit()
    new_york = submitted_at(page(client, event, "?lang=en"))
    assert shanghai != new_york


def test_a_decision_shows_at_once(client, db, organizer):
    event = open_event()
    application = submit(event, name_en="Panda Tea Co.")
    db.session.commit()
    assert "status-pending" in page(client, event, "?lang=en")
    services.review(application, "approved", actor=organizer)
    db.session.commit()
    html = page(client, event, "?lang=en")
    assert "status-approved" in html and "status-pending" not in html


def test_a_chosen_filter_stays_chosen(client, db, organizer):
    event = open_event()
    submit(event, prefecture="510100")
    submit(event, prefecture="510700", minutes=1)
    db.session.commit()
    page(client, event, "?lang=en")
    html = page(client, event, "?lang=en&prefecture=510700")
    assert len(listed(html)) == 1
    assert re.search(r'<option[^>]*selected[^>]*value="510700"|value="510700"[^>]*selected', html)


def test_the_kept_form_fields_follow_the_language_and_what_was_typed(client, db, organizer):
    """The filter and decision fields are kept per language and values: a search typed
    shows in its box, and a decision sent back keeps its reason and its mistake, while the
    next plain page shows the empty fields again."""
    event = open_event()
    application = submit(event, name_en="Panda Tea Co.")
    db.session.commit()
    for _ in range(2):
        english, chinese = page(client, event, "?lang=en"), page(client, event, "?lang=zh")
        assert "Required to reject or cancel" in english
        assert "Required to reject or cancel" not in chinese and "Key enterprises only" in english
        assert "Key enterprises only" not in chinese
    # A box sent with an odd value shows it to its sender only; the plain page's box still
    # sends what ticks it.
    assert 'name="key_only" type="checkbox" value="false"' in page(
        client, event, "?lang=en&key_only=false"
    )
    assert 'name="key_only" type="checkbox" value="y"' in page(client, event, "?lang=en")
    searched = page(client, event, "?lang=en&q=Panda")
    assert re.search(r'name="q"[^>]*value="Panda"|value="Panda"[^>]*name="q"', searched)
    assert 'value="Panda"' not in page(client, event, "?lang=en")
    sent_back = client.post(
        f"{base(event)}/bulk?lang=en",
        data={"application_ids": [str(application.id)], "action": "reject", "reason": " "},
    )
    assert sent_back.status_code == 422
    assert "Give a reason" in error_at(sent_back.get_data(as_text=True), "reason")
    typed = client.post(
        f"{base(event)}/bulk?lang=en",
        data={"application_ids": [], "action": "reject", "reason": "Late papers"},
    )
    assert typed.status_code == 422 and "Late papers" in typed.get_data(as_text=True)
    plain = page(client, event, "?lang=en")
    assert "Late papers" not in plain and "Give a reason" not in plain
