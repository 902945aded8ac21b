"""Fixtures for the account tests: a second browser, and the mail that was sent."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest


@pytest.fixture()
def make_client(app, db):
    """Another browser: a client with cookies of its own."""
    return app.test_client


@pytest.fixture()
def sent_mail(outbox):
    """Reads the messages the file mail backend has written so far."""

    def read() -> list[EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(outbox.glob("*.eml"))
        ]

    return read


@pytest.fixture(autouse=True)
def english_browser(client):
    """These tests read the pages in English, as a browser set to English would."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
