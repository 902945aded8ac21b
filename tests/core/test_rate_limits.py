"""Throttling: sign-in, password reset, sign-up, invitations and the public schedule.

Each limit is set low here, reached, and the next request refused with 429, the page in the
reader's language and ``Retry-After``. The counts live in the database or Redis, so a limit
holds across app instances (processes, hosts) that share the store.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from expo import create_app
from expo.accounts import services as accounts_services
from expo.extensions import db as _db
from expo.ratelimit import RateLimitCounter
from tests.conftest import FreshContextClient, make_test_config
from tests.factories import DEFAULT_PASSWORD, make_enterprise, make_enterprise_user, make_user

WRONG_PASSWORD = "not-the-password"


@pytest.fixture()
def limits(app, db, monkeypatch):
    """Limits on, counted in the database; ``limits(SETTING="2 per minute", …)`` sets some."""
    monkeypatch.setitem(app.config, "RATE_LIMITS_ENABLED", True)
    monkeypatch.setitem(app.config, "REDIS_URL", None)

    def configure(**settings: str) -> None:
        for name, value in settings.items():
            monkeypatch.setitem(app.config, name, value)

    return configure


def new_address() -> dict[str, str]:
    """A client address of its own, so no test shares a counter with another."""
    return {"REMOTE_ADDR": f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"}


def sign_in(client, email: str, password: str, address: dict[str, str]):
    return client.post(
        "/account/login", data={"email": email, "password": password}, environ_base=address
    )


def assert_refused(response, *, at_most: int) -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= at_most
    assert response.headers["Cache-Control"] == "no-store"


# --- sign-in --------------------------------------------------------------------------------


class TestSignIn:
    def test_the_right_password_is_refused_after_too_many_wrong_ones(self, client, db, limits):
        limits(RATE_LIMIT_SIGN_IN_PER_ACCOUNT="5 per minute", RATE_LIMIT_SIGN_IN_PER_ADDRESS="")
        user = make_user()
        db.session.commit()
        with time_machine.travel(datetime(2030, 3, 1, 8, tzinfo=UTC), tick=False) as traveller:
            # From five addresses: the count is the account's, wherever the attempts come from.
            for _ in range(5):
                wrong = sign_in(client, user.email, WRONG_PASSWORD, new_address())
                assert wrong.status_code == 422
            refused = sign_in(client, user.email, DEFAULT_PASSWORD, new_address())
            assert_refused(refused, at_most=60)
            # Any spelling of the address is the same account.
            refused = sign_in(client, f"  {user.email.upper()} ", DEFAULT_PASSWORD, new_address())
            assert refused.status_code == 429
            traveller.shift(timedelta(seconds=30))
            assert_refused(sign_in(client, user.email, DEFAULT_PASSWORD, new_address()), at_most=30)
            traveller.shift(timedelta(seconds=31))
            signed_in = sign_in(client, user.email, DEFAULT_PASSWORD, new_address())
            assert signed_in.status_code == 302

    def test_a_json_body_counts_against_the_account_it_names(self, client, db, limits):
        limits(RATE_LIMIT_SIGN_IN_PER_ACCOUNT="5 per minute", RATE_LIMIT_SIGN_IN_PER_ADDRESS="")
        user = make_user()
        db.session.commit()

        def sign_in_json(password: str):
            return client.post(
                "/account/login",
                json={"email": user.email, "password": password},
                environ_base=new_address(),
            )

        with time_machine.travel(datetime(2030, 3, 1, 8, tzinfo=UTC), tick=False):
            for _ in range(5):
                assert sign_in_json(WRONG_PASSWORD).status_code == 422
            # Neither a JSON post nor a form post gets past the account's count.
            assert_refused(sign_in_json(DEFAULT_PASSWORD), at_most=60)
            refused = sign_in(client, user.email, DEFAULT_PASSWORD, new_address())
            assert refused.status_code == 429

    def test_per_address_whichever_accounts_are_tried(self, client, db, limits):
        limits(RATE_LIMIT_SIGN_IN_PER_ADDRESS="3 per minute", RATE_LIMIT_SIGN_IN_PER_ACCOUNT="")
        user = make_user()
        db.session.commit()
        here = new_address()
        for number in range(3):
            response = sign_in(client, f"guess{number}@example.com", WRONG_PASSWORD, here)
            assert response.status_code != 429
        assert_refused(sign_in(client, user.email, DEFAULT_PASSWORD, here), at_most=60)
        # Another address is not held back by this one.
        assert sign_in(client, user.email, DEFAULT_PASSWORD, new_address()).status_code == 302

    def test_successful_sign_ins_are_not_counted(self, app, db, limits):
        limits(
            RATE_LIMIT_SIGN_IN_PER_ACCOUNT="2 per minute",
            RATE_LIMIT_SIGN_IN_PER_ADDRESS="2 per minute",
        )
        user = make_user()
        db.session.commit()
        here = new_address()
        for _ in range(5):
            browser = app.test_client()
            assert sign_in(browser, user.email, DEFAULT_PASSWORD, here).status_code == 302
        counts = db.session.scalars(sa.select(RateLimitCounter.hits)).all()
        assert counts and set(counts) == {0}
        # The whole allowance is still there: two wrong passwords, then a refusal.
        for _ in range(2):
            assert sign_in(app.test_client(), user.email, WRONG_PASSWORD, here).status_code == 422
        assert sign_in(app.test_client(), user.email, DEFAULT_PASSWORD, here).status_code == 429

    def test_attempts_in_flight_together_cannot_outrun_the_count(
        self, app, db, limits, monkeypatch
    ):
        """Ten attempts that all arrive before any has finished get five password checks.

        Each password check starts the next attempt before it answers, so all ten are in
        flight at once, as when a script sends them in parallel.
        """
        limits(RATE_LIMIT_SIGN_IN_PER_ACCOUNT="5 per minute", RATE_LIMIT_SIGN_IN_PER_ADDRESS="")
        user = make_user()
        db.session.commit()
        checked: list[str] = []
        statuses: list[int] = []
        check_password = accounts_services.authenticate

        def authenticate_while_the_next_arrives(email: str, password: str):
            checked.append(email)
            if len(statuses) + len(checked) < 10:
                attempt()
            return check_password(email, password)

        def attempt() -> None:
            response = sign_in(app.test_client(), user.email, WRONG_PASSWORD, new_address())
            statuses.append(response.status_code)

        monkeypatch.setattr(accounts_services, "authenticate", authenticate_while_the_next_arrives)
        attempt()
        assert len(checked) == 5
        assert sorted(statuses) == [422] * 5 + [429] * (len(statuses) - 5)

    def test_the_page_speaks_the_readers_language(self, client, db, limits):
        limits(RATE_LIMIT_SIGN_IN_PER_ACCOUNT="1 per minute")
        here = new_address()
        sign_in(client, "li@example.com", WRONG_PASSWORD, here)
        english = client.post(
            "/account/login?lang=en",
            data={"email": "li@example.com", "password": WRONG_PASSWORD},
            environ_base=here,
        )
        assert english.status_code == 429
        assert "Too many requests" in english.text and "Please try again in" in english.text
        chinese = client.post(
            "/account/login?lang=zh",
            data={"email": "li@example.com", "password": WRONG_PASSWORD},
            environ_base=here,
        )
        assert chinese.status_code == 429 and "请在" in chinese.text

    def test_the_sign_in_page_itself_is_not_counted(self, client, db, limits):
        limits(RATE_LIMIT_SIGN_IN_PER_ADDRESS="1 per minute")
        here = new_address()
        for _ in range(3):
            assert client.get("/account/login", environ_base=here).status_code == 200


# --- password reset and sign-up -------------------------------------------------------------


class TestPasswordReset:
    def test_per_email_address(self, client, db, limits, outbox):
        limits(RATE_LIMIT_PASSWORD_RESET_PER_EMAIL="3 per hour")
        user = make_user()
        db.session.commit()
        for _ in range(3):
            response = client.post(
                "/account/reset", data={"email": user.email}, environ_base=new_address()
            )
            assert response.status_code == 302
        refused = client.post(
            "/account/reset", data={"email": user.email}, environ_base=new_address()
        )
        assert_refused(refused, at_most=3600)
        assert len(list(outbox.glob("*.eml"))) == 3

    def test_per_client_address(self, client, db, limits):
        limits(RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS="2 per hour")
        here = new_address()
        for number in range(2):
            response = client.post(
                "/account/reset", data={"email": f"someone{number}@example.com"}, environ_base=here
            )
            assert response.status_code == 302
        refused = client.post(
            "/account/reset", data={"email": "someone-else@example.com"}, environ_base=here
        )
        assert_refused(refused, at_most=3600)


class TestSignUp:
    def test_per_email_address(self, client, db, limits):
        limits(RATE_LIMIT_SIGN_UP_PER_EMAIL="2 per hour")
        # Incomplete forms are counted too: each is an attempt on the address.
        for _ in range(2):
            response = client.post(
                "/account/signup", data={"email": "li@example.com"}, environ_base=new_address()
            )
            assert response.status_code == 422
        refused = client.post(
            "/account/signup", data={"email": "LI@example.com"}, environ_base=new_address()
        )
        assert_refused(refused, at_most=3600)

    def test_per_client_address(self, client, db, limits):
        limits(RATE_LIMIT_SIGN_UP_PER_ADDRESS="2 per hour")
        here = new_address()
        for number in range(2):
            response = client.post(
                "/account/signup", data={"email": f"li{number}@example.com"}, environ_base=here
            )
            assert response.status_code == 422
        refused = client.post(
            "/account/signup", data={"email": "wang@example.com"}, environ_base=here
        )
        assert_refused(refused, at_most=3600)
        assert client.get("/account/signup", environ_base=here).status_code == 200


# --- invitations and the schedule -----------------------------------------------------------


class TestInvitations:
    def test_per_enterprise_whoever_invites(self, app, db, limits, outbox):
        limits(RATE_LIMIT_INVITATIONS_PER_ENTERPRISE="2 per day")
        enterprise = make_enterprise()
        first, second = make_enterprise_user(enterprise), make_enterprise_user(enterprise)
        outsider = make_enterprise_user()
        db.session.commit()
        browsers = {}
        for user in (first, second, outsider):
            # Each from an address of its own (a session stays on the address it began on).
            browser = browsers[user.id] = app.test_client()
            browser.environ_base.update(new_address())
            assert sign_in(browser, user.email, DEFAULT_PASSWORD, {}).status_code == 302

        def invite(user, email):
            return browsers[user.id].post("/enterprise/invite", data={"email": email})

        assert invite(first, "a@example.com").status_code == 302
        assert invite(second, "b@example.com").status_code == 302
        assert_refused(invite(first, "c@example.com"), at_most=86400)
        assert_refused(invite(second, "d@example.com"), at_most=86400)
        # Another enterprise invites as before.
        assert invite(outsider, "e@example.com").status_code == 302
        assert len(list(outbox.glob("*.eml"))) == 3


class TestSchedule:
    def test_per_client_address(self, client, db, limits):
        limits(RATE_LIMIT_SCHEDULE_PER_ADDRESS="2 per minute")
        here = new_address()
        # Unknown events cost a look-up each and count like any other request.
        statuses = [
            client.get("/events/999999/schedule.pdf", environ_base=here).status_code
            for _ in range(2)
        ]
        assert statuses == [404, 404]
        assert_refused(client.get("/events/999999/schedule.pdf", environ_base=here), at_most=60)
        other = client.get("/events/999999/schedule.pdf", environ_base=new_address())
        assert other.status_code == 404


# --- one store for every process ------------------------------------------------------------


def two_apps(tmp_path_factory, **settings):
    apps = []
    for _ in range(2):
        instance = create_app(
            make_test_config(tmp_path_factory, RATE_LIMITS_ENABLED=True, **settings)
        )
        instance.test_client_class = FreshContextClient
        apps.append(instance)
    return apps


def dispose(*apps) -> None:
    for instance in apps:
        with instance.app_context():
            _db.engine.dispose()


def test_a_limit_holds_across_two_instances_on_one_database(app, db, tmp_path_factory):
    first, second = two_apps(
        tmp_path_factory,
        DATABASE_URL=app.config["DATABASE_URL"],
        REDIS_URL=None,
        RATE_LIMIT_SIGN_IN_PER_ACCOUNT="3 per minute",
        RATE_LIMIT_SIGN_IN_PER_ADDRESS="",
    )
    try:
        user = make_user()
        db.session.commit()
        for instance in (first, second, first):
            browser = instance.test_client()
            wrong = sign_in(browser, user.email, WRONG_PASSWORD, new_address())
            assert wrong.status_code != 429
        refused = sign_in(second.test_client(), user.email, DEFAULT_PASSWORD, new_address())
        assert_refused(refused, at_most=60)
        # One counter, the account's, that both instances added to.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RateLimitCounter)) == 1
    finally:
        dispose(first, second)


@pytest.fixture()
def redis_url():
    """A Redis of the tests' own (``EXPO_TEST_REDIS_URL``); skipped where none answers."""
    redis = pytest.importorskip("redis")
    url = os.environ.get("EXPO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {url}")
    return url


def test_a_limit_holds_across_two_instances_on_one_redis(app, db, tmp_path_factory, redis_url):
    first, second = two_apps(
        tmp_path_factory,
        DATABASE_URL=app.config["DATABASE_URL"],
        REDIS_URL=redis_url,
        RATE_LIMIT_SCHEDULE_PER_ADDRESS="2 per minute",
    )
    try:
        here = new_address()
        for instance in (first, second):
            response = instance.test_client().get("/events/999999/schedule.pdf", environ_base=here)
            assert response.status_code == 404
        refused = first.test_client().get("/events/999999/schedule.pdf", environ_base=here)
        assert_refused(refused, at_most=60)
        # Counted in Redis alone.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RateLimitCounter)) == 0
    finally:
        dispose(first, second)


# --- settings -------------------------------------------------------------------------------


def test_the_test_suite_runs_without_limits(app):
    assert app.config["RATE_LIMITS_ENABLED"] is False


def test_limits_are_off_unless_switched_on(client, db):
    user = make_user()
    db.session.commit()
    here = new_address()
    for _ in range(12):
        assert sign_in(client, user.email, WRONG_PASSWORD, here).status_code != 429
    assert sign_in(client, user.email, DEFAULT_PASSWORD, here).status_code == 302


def test_a_mistyped_limit_stops_the_start(tmp_path_factory):
    with pytest.raises(ValueError, match="RATE_LIMIT_SIGN_IN_PER_ACCOUNT"):
        create_app(
            make_test_config(tmp_path_factory, RATE_LIMIT_SIGN_IN_PER_ACCOUNT="five a minute")
        )


def test_limits_are_settings_with_defaults(monkeypatch, tmp_path_factory):
    from flask import Flask

    from expo.config import DefaultConfig, environment_overrides, setting_types

    assert DefaultConfig.RATE_LIMITS_ENABLED is True
    assert DefaultConfig.RATE_LIMIT_SIGN_IN_PER_ACCOUNT.startswith("5 per minute")
    overrides, unknown = environment_overrides(
        {"EXPO_RATE_LIMIT_SIGN_IN_PER_ACCOUNT": "3 per minute", "EXPO_RATE_LIMITS_ENABLED": "no"},
        setting_types(Flask.default_config),
    )
    assert unknown == []
    assert overrides == {
        "RATE_LIMIT_SIGN_IN_PER_ACCOUNT": "3 per minute",
        "RATE_LIMITS_ENABLED": False,
    }


def test_a_right_password_is_given_back_on_redis(app, db, limits, monkeypatch, redis_url):
    limits(RATE_LIMIT_SIGN_IN_PER_ACCOUNT="2 per minute", RATE_LIMIT_SIGN_IN_PER_ADDRESS="")
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    user = make_user(email=f"redis-{uuid.uuid4().hex[:8]}@example.com")
    db.session.commit()
    for _ in range(3):
        signed_in = sign_in(app.test_client(), user.email, DEFAULT_PASSWORD, new_address())
        assert signed_in.status_code == 302
    for _ in range(2):
        assert (
            sign_in(app.test_client(), user.email, WRONG_PASSWORD, new_address()).status_code == 422
        )
    refused = sign_in(app.test_client(), user.email, DEFAULT_PASSWORD, new_address())
    assert_refused(refused, at_most=60)
