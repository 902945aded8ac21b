"""Password-reset mail through a real SMTP server, and mail that must never leave."""

from __future__ import annotations

import re

import pytest

from expo.accounts import services
from expo.mail import send_email
from tests.factories import make_user


def test_reset_request_arrives_by_smtp_with_a_working_link(app, client, db, smtp_server, outbox):
    make_user(email="li@example.com", name="Li Wei", locale="en")
    db.session.commit()

    response = client.post("/account/reset", data={"email": "li@example.com"})

    assert response.status_code == 302
    [message] = smtp_server.messages
    assert message["To"] == "li@example.com"
    assert message["Subject"] == "Choose a new password for Expo"
    base_url = re.escape(app.config["BASE_URL"])
    link = re.search(base_url + r"(/account/reset/\S+)", message.get_content()).group(1)
    assert client.get(link).status_code == 200
    assert list(outbox.glob("*.eml")) == []  # SMTP replaced the file backend


def test_mail_queued_in_a_rolled_back_transaction_is_never_delivered(app, db, smtp_server):
    user = make_user(email="li@example.com")
    services.request_password_reset(user.email, reset_url=lambda token: f"/reset/{token}")
    send_email("li@example.com", "Rolled back", "This never happened.")

    db.session.rollback()
    send_email("li@example.com", "Committed", "This did.")
    make_user(email="wang@example.com")
    db.session.commit()

    assert [message["Subject"] for message in smtp_server.messages] == ["Committed"]


def test_a_savepoint_sends_nothing_until_the_outer_commit(app, db, smtp_server):
    make_user(email="li@example.com")
    with db.session.begin_nested():
        send_email("li@example.com", "Inside a savepoint", "Sent with the commit.")
    assert smtp_server.messages == []  # released, not committed
    db.session.commit()
    assert [message["Subject"] for message in smtp_server.messages] == ["Inside a savepoint"]


def test_a_rolled_back_savepoint_drops_only_its_own_mail(app, db, smtp_server):
    # A bulk decision: the first row succeeds, the second fails in its savepoint.
    make_user(email="li@example.com")
    with db.session.begin_nested():
        send_email("li@example.com", "First row", "Approved.")
    with pytest.raises(ValueError), db.session.begin_nested():
        send_email("li@example.com", "Second row", "Never decided.")
        raise ValueError("refused")
    send_email("li@example.com", "After", "Also sent.")
    db.session.commit()
    assert [message["Subject"] for message in smtp_server.messages] == ["First row", "After"]
