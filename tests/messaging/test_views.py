"""Writing, checking and sending a message over HTTP; watching it go; the history."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from expo.db import utcnow
from expo.messaging import services
from expo.messaging.models import Message, MessageDelivery
from tests.factories import make_enterprise_user, make_user
from tests.messaging.conftest import message_data
from tests.pages import field_error, page_text, sign_in

FORM = {
    "statuses": ["approved"],
    "attendance": "any",
    "subject_zh": "行前说明会通知",
    "subject_en": "Pre-departure briefing",
    "body_zh": "请于3月1日参加行前说明会。",
    "body_en": "Please attend the briefing on 1 March.",
}


def test_the_form_has_every_field_labelled(app, cast, organizer):
    page = sign_in(app, organizer).get(f"/manage/events/{cast.event.id}/messages/new?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count("<h1") == 1
    for name in ("subject_zh", "subject_en", "body_zh", "body_en", "attendance", "report_due"):
        assert f'for="{name}"' in html
    assert "Waitlisted" in page_text(page) or "waiting list" in page_text(page)


def test_the_preview_shows_both_versions_and_the_count_and_sends_nothing(app, db, cast, organizer):
    browser = sign_in(app, organizer)
    page = browser.post(
        f"/manage/events/{cast.event.id}/messages/new?lang=en", data=FORM | {"step": "preview"}
    )
    text = page_text(page)
    assert page.status_code == 200
    assert "4 recipients" in text and "2 enterprises" in text
    assert "In Chinese: 3 · in English: 1" in text
    assert "行前说明会通知" in text and "Pre-departure briefing" in text
    assert "Send to 4 recipients" in text
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0


def test_a_choice_that_reaches_nobody_is_refused_at_the_field(app, db, cast, organizer):
    page = sign_in(app, organizer).post(
        f"/manage/events/{cast.event.id}/messages/new?lang=en",
        data=FORM | {"statuses": ["pending"], "attendance": "checked_in", "step": "preview"},
    )
    assert page.status_code == 422
    assert "No enterprise of this event matches" in page_text(page)


def test_missing_text_is_refused_at_its_field_in_the_readers_language(app, cast, organizer):
    page = sign_in(app, organizer).post(
        f"/manage/events/{cast.event.id}/messages/new?lang=zh",
        data=FORM | {"body_en": "", "step": "send"},
    )
    assert page.status_code == 422
    assert field_error(page, "body_en")
    assert field_error(page, "body_en") != "Write this in both languages."


def test_going_back_to_the_form_keeps_what_was_written(app, cast, organizer):
    page = sign_in(app, organizer).post(
        f"/manage/events/{cast.event.id}/messages/new?lang=en", data=FORM | {"step": "edit"}
    )
    assert page.status_code == 200
    assert "Please attend the briefing on 1 March." in page_text(page)


def test_sending_records_every_delivery_and_shows_progress_and_history(
    app, db, cast, organizer, outbox
):
    browser = sign_in(app, organizer)
    response = browser.post(
        f"/manage/events/{cast.event.id}/messages/new?lang=en", data=FORM | {"step": "send"}
    )
    message = db.session.scalars(sa.select(Message)).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/manage/messages/{message.id}")
    assert (message.status, message.delivered, message.total) == ("done", 4, 4)
    assert len(list(outbox.glob("*.eml"))) == 4

    page = browser.get(f"/manage/messages/{message.id}?lang=en")
    text = page_text(page)
    assert page.status_code == 200
    assert '<progress id="job-progress"' in page.get_data(as_text=True)
    assert "4 of 4" in text and "contact@example.com" in text and "Delivered" in text

    progress = browser.get(f"/manage/messages/{message.id}.json").get_json()
    assert (progress["processed"], progress["total"], progress["active"]) == (4, 4, False)

    listing = page_text(browser.get(f"/manage/events/{cast.event.id}/messages?lang=en"))
    assert "Pre-departure briefing" in listing

    history = browser.get(f"/manage/events/{cast.event.id}/applications/{cast.approved.id}?lang=en")
    text = page_text(history)
    assert "Messages sent" in text and "Pre-departure briefing" in text
    assert "To contact@example.com, in Chinese" in text


def test_enterprise_users_cannot_write_to_participants(app, db, cast):
    user = make_enterprise_user(cast.approved.enterprise)
    browser = sign_in(app, user)
    assert browser.get(f"/manage/events/{cast.event.id}/messages/new").status_code == 403
    response = browser.post(
        f"/manage/events/{cast.event.id}/messages/new", data=FORM | {"step": "send"}
    )
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(MessageDelivery.id))) == 0


def test_the_audit_log_links_the_message(app, db, cast, organizer):
    sign_in(app, organizer).post(
        f"/manage/events/{cast.event.id}/messages/new?lang=en", data=FORM | {"step": "send"}
    )
    message = db.session.scalars(sa.select(Message)).one()
    page = sign_in(app, make_user("admin")).get("/admin/audit?lang=en")
    text = page_text(page)
    assert "Message sent to an event's enterprises" in text
    assert f"/manage/messages/{message.id}" in page.get_data(as_text=True)


def test_no_status_ticked_is_refused_at_the_choices(app, cast, organizer):
    data = {key: value for key, value in FORM.items() if key != "statuses"}
    page = sign_in(app, organizer).post(
        f"/manage/events/{cast.event.id}/messages/new?lang=en", data=data | {"step": "preview"}
    )
    assert page.status_code == 422
    assert field_error(page, "statuses") == "Choose at least one status."


def test_a_stalled_message_is_sent_on_to_those_still_waiting(app, db, cast, organizer, outbox):
    message = services.create_message(cast.event, message_data(), actor=organizer).message
    message_id = message.id
    deliveries = db.session.scalars(
        sa.select(MessageDelivery).where(MessageDelivery.message_id == message_id)
    ).all()
    deliveries[0].status, deliveries[0].attempts = "delivered", 1
    message.status, message.delivered = "sending", 1
    message.heartbeat_at = utcnow() - timedelta(hours=1)
    db.session.commit()

    browser = sign_in(app, organizer)
    page = page_text(browser.get(f"/manage/messages/{message_id}?lang=en"))
    assert "the sending stopped" in page
    response = browser.post(f"/manage/messages/{message_id}/resume")
    assert response.status_code == 302
    db.session.expire_all()
    message = db.session.get(Message, message_id)
    assert (message.status, message.delivered, message.failed) == ("done", 4, 0)
    assert len(list(outbox.glob("*.eml"))) == 3  # not the one delivered before

    again = browser.post(f"/manage/messages/{message_id}/resume?lang=en")
    assert again.status_code == 302
    assert "nothing to resume" in page_text(browser.get(f"/manage/messages/{message_id}?lang=en"))


def test_send_clicked_twice_writes_to_everyone_once(app, db, cast, organizer, outbox):
    browser = sign_in(app, organizer)
    preview = browser.post(
        f"/manage/events/{cast.event.id}/messages/new?lang=en", data=FORM | {"step": "preview"}
    )
    key = re.search(r'name="send_key"[^>]*value="([0-9a-f]{32})"', preview.get_data(as_text=True))
    assert key, "the preview carries its key"
    data = FORM | {"step": "send", "send_key": key.group(1)}
    first = browser.post(f"/manage/events/{cast.event.id}/messages/new?lang=en", data=data)
    second = browser.post(f"/manage/events/{cast.event.id}/messages/new?lang=en", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 1
    assert len(list(outbox.glob("*.eml"))) == 4
    assert "was sent already" in page_text(browser.get(second.headers["Location"]))

    again = browser.post(
        f"/manage/events/{cast.event.id}/messages/new?lang=en", data=FORM | {"step": "preview"}
    )
    assert key.group(1) not in again.get_data(as_text=True)  # a new preview, a new key
