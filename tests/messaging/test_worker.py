"""The real path: 500 recipients sent by a huey consumer to a real SMTP server.

The server turns some addresses away for now (451) the first time and one for good (550):
the first are delivered on a later attempt, the last is recorded as not delivered. Every
message that arrives is read for its language.
"""

from __future__ import annotations

import signal
import time

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from expo.enterprises.models import Enterprise
from expo.messaging import sending, services
from expo.messaging.models import Message, MessageDelivery
from expo.registrations.models import Application
from tests.factories import make_application, make_enterprise, make_user, open_event
from tests.mailserver import CollectingHandler, free_port
from tests.messaging.conftest import message_data

ENTERPRISES = 100
USERS_PER_ENTERPRISE = 4  # and the contact address: five recipients each


class FussyHandler(CollectingHandler):
    """Refuses ``busy`` addresses once (451) and ``refused`` ones always (550)."""

    def __init__(self, busy: set[str], refused: set[str]) -> None:
        super().__init__()
        self.busy, self.refused = set(busy), refused
        self.turned_away: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refused:
            return "550 5.1.1 No such mailbox"
        if address in self.busy:
            self.busy.discard(address)
            self.turned_away.append(address)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture()
def five_hundred(db):
    event = open_event()
    languages: dict[str, str] = {}
    for number in range(ENTERPRISES):
        enterprise = make_enterprise(contact_email=f"contact{number}@example.com")
        languages[enterprise.contact_email] = "zh"
        for index in range(USERS_PER_ENTERPRISE):
            language = "en" if index % 2 else "zh"
            user = make_user(
                "enterprise",
                enterprise_id=enterprise.id,
                email=f"u{number}-{index}@example.com",
                locale=language,
            )
            languages[user.email] = language
        make_application(event, enterprise, status="approved")
    db.session.commit()
    return event, languages


def test_five_hundred_recipients_each_in_their_language(app, db, organizer, five_hundred, tmp_path):
    event, languages = five_hundred
    assert len(languages) == 500
    busy = {f"u{number}-1@example.com" for number in range(0, ENTERPRISES, 10)}
    handler = FussyHandler(busy=busy, refused={"contact7@example.com"})
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {
        key: app.config.get(key)
        for key in ("MAIL_SERVER", "MAIL_PORT", "JOBS_IMMEDIATE", "MESSAGES_RETRY_SECONDS")
    }
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=controller.port,
        JOBS_IMMEDIATE=False,
        JOBS_DATABASE=str(tmp_path / "jobs.sqlite3"),
        MESSAGES_RETRY_SECONDS=0,
    )
    app.extensions.pop(sending.queue.EXTENSION, None)
    huey = sending.queue.queue_for(app).huey
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        message_id = services.create_message(event, message_data(), actor=organizer).message.id
        db.session.commit()
        sending.queue.enqueue(sending.SEND_MESSAGE, message_id)
        consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False)
        consumer.start()
        try:
            deadline = time.monotonic() + 120
            status = "queued"
            while time.monotonic() < deadline and status != "done":
                db.session.rollback()  # a fresh snapshot each time
                status = db.session.scalar(
                    sa.select(Message.status).where(Message.id == message_id)
                )
                time.sleep(0.1)
        finally:
            consumer.stop(graceful=True)
    finally:
        for number, previous in handlers.items():
            signal.signal(number, previous)
        controller.stop()
        app.config.pop("JOBS_DATABASE", None)
        app.config.update(saved)
        app.extensions.pop(sending.queue.EXTENSION, None)

    message = db.session.get(Message, message_id)
    assert (message.status, message.total, message.delivered, message.failed) == (
        "done",
        500,
        499,
        1,
    )
    received = {str(mail["To"]): mail for mail in handler.messages}
    assert len(handler.messages) == len(received) == 499  # each once, none twice
    assert set(received) == set(languages) - {"contact7@example.com"}
    for address, mail in received.items():
        expected = "Pre-departure briefing" if languages[address] == "en" else "行前说明会通知"
        assert str(mail["Subject"]) == expected, address
        body = mail.get_content()
        if languages[address] == "en":
            assert "because your enterprise" in body
        else:
            assert "您收到此邮件" in body
    assert sorted(handler.turned_away) == sorted(busy)
    retried = db.session.scalars(
        sa.select(MessageDelivery).where(MessageDelivery.email.in_(busy))
    ).all()
    assert {(d.status, d.attempts) for d in retried} == {("delivered", 2)}
    refused = db.session.scalars(
        sa.select(MessageDelivery).where(MessageDelivery.email == "contact7@example.com")
    ).one()
    assert (refused.status, refused.attempts) == ("failed", 1) and "550" in refused.error
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == ENTERPRISES
    assert db.session.scalar(sa.select(sa.func.count(Enterprise.id))) == ENTERPRISES
