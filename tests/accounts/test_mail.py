"""Password-reset mail through a real SMTP server, and mail that must never leave."""

from __future__ import annotations

import email
import email.policy
import re
import socket

import pytest
from aiosmtpd.controller import Controller

from expo.accounts import services
from expo.mail import send_email
from tests.factories import make_user


class CollectingHandler:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def smtp_server(app):
    """A local SMTP server the app delivers to for the length of one test."""
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    try:
        yield handler
    finally:
        app.config.update(saved)
        controller.stop()


def test_reset_request_arrives_by_smtp_with_a_working_link(client, db, smtp_server, outbox):
    make_user(email="li@example.com", name="Li Wei")
    db.session.commit()

    response = client.post("/account/reset", data={"email": "li@example.com"})

    assert response.status_code == 302
    [message] = smtp_server.messages
    assert message["To"] == "li@example.com"
    assert message["Subject"] == "Choose a new password for Expo"
    link = re.search(r"http://localhost(/account/reset/\S+)", message.get_content()).group(1)
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
