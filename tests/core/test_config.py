"""Configuration layers: code defaults, then instance/config.py, then EXPO_* variables."""

from __future__ import annotations

import logging
import os
import stat

import pytest
from flask import Flask

from expo.config import load_config


@pytest.fixture()
def instance(tmp_path, monkeypatch):
    """An empty instance folder and an environment with no EXPO_* variable in it."""
    for name in list(os.environ):
        if name.startswith("EXPO_"):
            monkeypatch.delenv(name)
    return tmp_path / "instance"


def configured_app(instance, overrides=None) -> Flask:
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)
    load_config(app, overrides)
    return app


def write_instance_config(instance, text: str) -> None:
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "config.py").write_text(text)


def test_defaults_put_sqlite_in_the_instance_folder(instance):
    app = configured_app(instance)

    assert app.config["DATABASE_URL"] == f"sqlite:///{instance / 'expo.sqlite3'}"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == app.config["DATABASE_URL"]
    assert app.config["MAIL_PORT"] == 25
    assert app.config["MAIL_USE_TLS"] is False
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh"


def test_instance_config_overrides_defaults(instance):
    write_instance_config(
        instance,
        'MAIL_SERVER = "smtp.instance.example"\nMAIL_PORT = 587\n'
        'DATABASE_URL = "postgresql+psycopg://expo@db.example/expo"\n',
    )

    app = configured_app(instance)

    assert app.config["MAIL_SERVER"] == "smtp.instance.example"
    assert app.config["MAIL_PORT"] == 587
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://expo@db.example/expo"


def test_environment_overrides_instance_config(instance, monkeypatch):
    write_instance_config(instance, 'MAIL_SERVER = "smtp.instance.example"\nMAIL_PORT = 587\n')
    monkeypatch.setenv("EXPO_MAIL_SERVER", "smtp.env.example")
    monkeypatch.setenv("EXPO_DATABASE_URL", "sqlite:////srv/expo/expo.sqlite3")

    app = configured_app(instance)

    assert app.config["MAIL_SERVER"] == "smtp.env.example"
    assert app.config["MAIL_PORT"] == 587  # not in the environment: the instance value stays
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////srv/expo/expo.sqlite3"


def test_explicit_overrides_beat_the_environment(instance, monkeypatch):
    monkeypatch.setenv("EXPO_MAIL_SERVER", "smtp.env.example")

    app = configured_app(instance, {"MAIL_SERVER": "smtp.given.example"})

    assert app.config["MAIL_SERVER"] == "smtp.given.example"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("EXPO_MAIL_PORT", "2525", 2525),
        ("EXPO_MAIL_USE_TLS", "true", True),
        ("EXPO_MAIL_USE_TLS", "1", True),
        ("EXPO_MAIL_USE_SSL", "false", False),
        ("EXPO_MAIL_USE_SSL", "0", False),
        ("EXPO_LANGUAGES", "zh, en", ("zh", "en")),
        ("EXPO_REDIS_URL", "redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ],
)
def test_environment_strings_take_the_type_of_the_default(
    instance, monkeypatch, name, value, expected
):
    monkeypatch.setenv(name, value)

    app = configured_app(instance)

    assert app.config[name.removeprefix("EXPO_")] == expected


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        # Settings with no default in DefaultConfig, or None there: typed all the same.
        ("EXPO_SESSION_COOKIE_SECURE", "false", False),
        ("EXPO_SESSION_COOKIE_SECURE", "on", True),
        ("EXPO_REMEMBER_COOKIE_SECURE", "no", False),
        ("EXPO_REVIEW_PER_PAGE", "5", 5),
        ("EXPO_MAX_CONTENT_LENGTH", "1048576", 1048576),
        ("EXPO_PERMANENT_SESSION_LIFETIME", "3600", 3600),
        ("EXPO_WTF_CSRF_TIME_LIMIT", "600", 600),  # None by default: typed all the same
        ("EXPO_EXTRA_HOSTS", "expo.intranet, 10.0.0.7", ("expo.intranet", "10.0.0.7")),
        ("EXPO_REDIS_URL", "", None),
    ],
)
def test_every_known_setting_is_typed_whether_or_not_it_has_a_default(
    instance, monkeypatch, name, value, expected
):
    monkeypatch.setenv(name, value)

    app = configured_app(instance)

    assert app.config[name.removeprefix("EXPO_")] == expected
    assert type(app.config[name.removeprefix("EXPO_")]) is type(expected)


@pytest.mark.parametrize(
    ("name", "value"), [("EXPO_MAIL_USE_TLS", "maybe"), ("EXPO_MAIL_PORT", "x")]
)
def test_a_value_of_the_wrong_type_stops_the_start_naming_the_variable(
    instance, monkeypatch, name, value
):
    monkeypatch.setenv(name, value)

    with pytest.raises(ValueError, match=name):
        configured_app(instance)


@pytest.mark.parametrize(
    ("base_url", "secure"),
    [("https://expo.example.gov.cn", True), ("http://127.0.0.1:5000", False)],
)
def test_cookies_are_secure_by_default_when_base_url_is_https(instance, base_url, secure):
    app = configured_app(instance, {"BASE_URL": base_url})

    assert app.config["SESSION_COOKIE_SECURE"] is secure
    assert app.config["REMEMBER_COOKIE_SECURE"] is secure


def test_cookies_may_be_made_plain_on_an_https_address(instance, monkeypatch):
    monkeypatch.setenv("EXPO_BASE_URL", "https://expo.example.gov.cn")
    monkeypatch.setenv("EXPO_SESSION_COOKIE_SECURE", "false")

    app = configured_app(instance)

    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_an_unknown_setting_is_reported_at_start_up_and_ignored(instance, monkeypatch, caplog):
    monkeypatch.setenv("EXPO_MAIL_SEVRER", "smtp.example.com")
    monkeypatch.setenv("EXPO_TEST_DATABASE_URL", "sqlite://")  # the test suite's, not a setting

    with caplog.at_level(logging.WARNING):
        app = configured_app(instance)

    reported = [record.getMessage() for record in caplog.records]
    assert [message for message in reported if "EXPO_MAIL_SEVRER" in message]
    assert not [message for message in reported if "EXPO_TEST_" in message]
    assert "MAIL_SEVRER" not in app.config
    assert app.config["MAIL_SERVER"] is None


def test_gunicorns_variables_in_the_same_environment_are_no_typos(instance, monkeypatch, caplog):
    monkeypatch.setenv("EXPO_BIND", "10.0.0.11:8000")
    monkeypatch.setenv("EXPO_WEB_WORKERS", "5")
    monkeypatch.setenv("EXPO_WEB_THREADS", "")
    monkeypatch.setenv("EXPO_ACCESS_LOG", "-")

    with caplog.at_level(logging.WARNING):
        configured_app(instance)

    assert not [r for r in caplog.records if "is not a setting" in r.getMessage()]


def test_secret_key_from_the_environment_writes_no_key_file(instance, monkeypatch):
    monkeypatch.setenv("EXPO_SECRET_KEY", "from-the-environment")

    app = configured_app(instance)

    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (instance / "secret_key").exists()


def test_secret_key_is_generated_once_private_and_reused(instance):
    first = configured_app(instance).config["SECRET_KEY"]

    key_file = instance / "secret_key"
    assert len(first) >= 32
    assert key_file.read_text().strip() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    assert configured_app(instance).config["SECRET_KEY"] == first


def test_behind_a_proxy_the_client_address_is_the_forwarded_one(tmp_path_factory):
    from flask import request

    from expo import create_app
    from tests.conftest import make_test_config

    for count, expected in ((0, "10.0.0.1"), (1, "203.0.113.7")):
        app = create_app(make_test_config(tmp_path_factory, PROXY_COUNT=count))
        app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr)
        response = app.test_client().get(
            "/whoami",
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
        assert response.get_data(as_text=True) == expected


def test_the_instance_folder_can_be_chosen(tmp_path, tmp_path_factory, monkeypatch):
    from expo import create_app
    from tests.conftest import make_test_config

    chosen = tmp_path / "host-b"
    monkeypatch.setenv("EXPO_INSTANCE_PATH", str(chosen))
    config = make_test_config(tmp_path_factory)
    config.pop("SECRET_KEY", None)
    config.pop("OUTBOX_DIR", None)
    app = create_app(config)
    assert app.instance_path == str(chosen)
    assert app.config["INSTANCE_PATH"] == str(chosen)
    assert (chosen / "secret_key").read_text().strip() == app.config["SECRET_KEY"]
    assert app.config["OUTBOX_DIR"] == str(chosen / "outbox")

    monkeypatch.delenv("EXPO_INSTANCE_PATH")
    other = tmp_path / "host-c"
    assert create_app(
        make_test_config(tmp_path_factory, INSTANCE_PATH=str(other))
    ).instance_path == str(other)
