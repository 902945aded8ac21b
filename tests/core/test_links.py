"""Links that leave the browser start with BASE_URL; a forged Host is refused."""

from __future__ import annotations

import email
import email.policy
import logging
import re

import pytest

from expo import create_app
from expo.extensions import db as _db
from tests.conftest import make_test_config
from tests.factories import make_enterprise, make_user

FORGED = {"Host": "evil.example"}
# Answered (the test configuration's extra host) but not the address people use.
OTHER_ALLOWED = {"Host": "localhost"}


def sent(outbox) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(outbox.glob("*.eml"))
    ]


def links_in(message) -> list[str]:
    return re.findall(r"https?://\S+", message.get_content())


def test_a_password_reset_for_a_forged_host_is_refused_and_mails_nothing(client, db, outbox):
    make_user(email="admin@example.com")
    _db.session.commit()

    response = client.post("/account/reset", data={"email": "admin@example.com"}, headers=FORGED)

    assert response.status_code == 400
    assert "evil.example" not in response.get_data(as_text=True)
    assert sent(outbox) == []


def test_a_forged_forwarded_host_is_refused_behind_a_proxy(tmp_path_factory):
    app = create_app(make_test_config(tmp_path_factory, PROXY_COUNT=1))
    app.add_url_rule("/ping", "ping", lambda: "pong")

    forwarded = app.test_client().get("/ping", headers={"X-Forwarded-Host": "evil.example"})
    direct = app.test_client().get("/ping", headers={"X-Forwarded-Host": "127.0.0.1:5000"})

    assert forwarded.status_code == 400
    assert direct.status_code == 200


def test_the_reset_link_starts_with_base_url_whatever_host_was_asked(app, client, db, outbox):
    make_user(email="li@example.com")
    _db.session.commit()

    response = client.post(
        "/account/reset", data={"email": "li@example.com"}, headers=OTHER_ALLOWED
    )

    assert response.status_code == 302
    [message] = sent(outbox)
    [link] = links_in(message)
    assert link.startswith(f"{app.config['BASE_URL']}/account/reset/")


def test_the_invitation_link_starts_with_base_url_whatever_host_was_asked(
    app, client, db, login_as, outbox
):
    enterprise = make_enterprise()
    login_as(make_user(enterprise=enterprise))

    response = client.post(
        "/enterprise/invite", data={"email": "wang@example.com"}, headers=OTHER_ALLOWED
    )

    assert response.status_code == 302
    [message] = sent(outbox)
    [link] = links_in(message)
    assert link.startswith(f"{app.config['BASE_URL']}/invitations/")


def test_extra_hosts_are_answered_and_no_other(tmp_path_factory):
    app = create_app(
        make_test_config(
            tmp_path_factory,
            BASE_URL="https://expo.example.gov.cn",
            EXTRA_HOSTS=("expo.intranet", "localhost"),
        )
    )
    app.add_url_rule("/ping", "ping", lambda: "pong")
    client = app.test_client()

    def status(host: str) -> int:
        return client.get("/ping", headers={"Host": host}).status_code

    assert status("expo.example.gov.cn") == 200
    assert status("expo.intranet:8000") == 200
    assert status("evil.example") == 400
    assert status("expo.example.gov.cn.evil.example") == 400


class TestStartUpWarning:
    MESSAGE = "BASE_URL is not set"

    @pytest.fixture()
    def no_environment(self, monkeypatch):
        monkeypatch.delenv("EXPO_BASE_URL", raising=False)
        monkeypatch.delenv("FLASK_DEBUG", raising=False)

    def test_production_without_base_url_says_so(self, tmp_path_factory, caplog, no_environment):
        config = make_test_config(tmp_path_factory, TESTING=False)
        with caplog.at_level(logging.WARNING):
            create_app(config)

        assert [r.levelno for r in caplog.records if self.MESSAGE in r.getMessage()] == [
            logging.WARNING
        ]

    def test_a_given_base_url_or_the_tests_stay_quiet(
        self, tmp_path_factory, caplog, monkeypatch, no_environment
    ):
        with caplog.at_level(logging.WARNING):
            create_app(make_test_config(tmp_path_factory))  # testing
            create_app(
                make_test_config(
                    tmp_path_factory, TESTING=False, BASE_URL="https://expo.example.gov.cn"
                )
            )
            monkeypatch.setenv("EXPO_BASE_URL", "http://127.0.0.1:8080")
            create_app(make_test_config(tmp_path_factory, TESTING=False))

        assert not [r for r in caplog.records if self.MESSAGE in r.getMessage()]
