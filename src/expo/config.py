"""Configuration: code defaults, then ``instance/config.py``, then ``EXPO_*`` variables.

Each later source overrides the earlier one, so a department can keep a local file for
its machine and still let its process manager inject secrets through the environment.
"""

from __future__ import annotations

import json
import os
import secrets
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import sqlalchemy as sa
from flask import Config

ENV_PREFIX = "EXPO_"
# libpq's limits for a PostgreSQL server that does not answer: seconds to connect, TCP
# keepalives on idle connections, and milliseconds that sent data may stay unacknowledged.
LIBPQ_DRIVERS = ("psycopg", "psycopg2")  # others take none of these arguments
POSTGRESQL_CONNECT_ARGS = {
    "connect_timeout": 5,
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 15000,
}
# The test suite's own variables (EXPO_TEST_DATABASE_URL, …): not settings of the app.
TEST_PREFIX = "EXPO_TEST_"
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class DefaultConfig:
    # The folder of this installation's own files (config.py, secret_key, the SQLite
    # database, the outbox, the documents): instance/ beside the code when unset. Read from
    # EXPO_INSTANCE_PATH before anything else, so it cannot come from instance/config.py;
    # several web hosts on one machine each get their own.
    INSTANCE_PATH: str | None = None

    # Database: the embedded default is a SQLite file in the instance folder (set in
    # ``load_config`` because the folder is only known once the app exists).
    DATABASE_URL: str | None = None
    # Pooled connections are checked before use once they have been idle (expo.db,
    # ping_when_idle), not on every checkout as pool_pre_ping would.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}

    REDIS_URL: str | None = None

    # Background jobs: huey on SQLite (instance/jobs.sqlite3 when unset), on Redis when
    # REDIS_URL is set, or inline (tests) with JOBS_IMMEDIATE.
    JOBS_DATABASE: str | None = None
    JOBS_IMMEDIATE = False
    # A bulk job is split into parts of JOBS_PART_SIZE items, which every worker process
    # takes in turn; a part commits every JOBS_BATCH_SIZE items (progress, cancel). A
    # batch of certificates is laid out as one document: larger batches save little more
    # and hold more pages in memory (docs/benchmarks.md).
    JOBS_PART_SIZE = 50
    JOBS_BATCH_SIZE = 10
    # The print file of a bulk job is made in volumes of at most this many pages, so the
    # process merging them holds one volume at a time, whatever the size of the event:
    # about 0.3 MB a page (qpdf's objects of a certificate), i.e. ~75 MB for 250 pages.
    JOBS_VOLUME_PAGES = 250
    # A running job whose worker has been silent this long is resumed by the next worker
    # to start (see expo.jobs.models.lease). Longer than the longest single step: bundling
    # a thousand certificates, laying out a results report over many events.
    JOBS_LEASE_SECONDS = 300
    # Values computed from rarely changing data (expo.caching): in Redis with REDIS_URL,
    # else in CACHE_DIR (instance/cache when unset); CACHE_TYPE overrides (e.g. SimpleCache).
    # A value is recomputed when its data changes, and at the latest after CACHE_TIMEOUT s.
    CACHE_TYPE: str | None = None
    CACHE_DIR: str | None = None
    CACHE_TIMEOUT = 300

    # A results report over more events than this is printed by a job with a progress
    # bar; a smaller one while the organizer waits.
    RESULTS_INLINE_EVENTS = 3
    # A message to an event's enterprises: an address the mail server turns away for now
    # (4xx, a dropped connection) is tried again after MESSAGES_RETRY_SECONDS, doubled at
    # each attempt, MESSAGES_MAX_ATTEMPTS times in all.
    MESSAGES_RETRY_SECONDS = 60
    MESSAGES_MAX_ATTEMPTS = 5

    # The print faces (Noto CJK SC cut down to GB 2312, made once per machine from the
    # system fonts); instance/fonts when unset.
    FONTS_DIR: str | None = None

    # Where people reach this installation: every link in an email, a document, a calendar
    # file or a QR code starts with it, and only requests for its host are answered
    # (Flask's TRUSTED_HOSTS; any other Host gets 400). EXTRA_HOSTS adds other names the
    # installation answers to (comma-separated in EXPO_EXTRA_HOSTS), e.g. an internal one.
    BASE_URL = "http://127.0.0.1:5000"
    EXTRA_HOSTS: tuple[str, ...] = ()

    # Mail: with no server configured every message lands in instance/outbox/ as .eml.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_DEFAULT_SENDER = "Expo <noreply@expo.localhost>"
    MAIL_TIMEOUT = 10

    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    LANGUAGES = ("zh", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Cookies only over HTTPS: unset (None), true when BASE_URL is https.
    SESSION_COOKIE_SECURE: bool | None = None
    REMEMBER_COOKIE_SECURE: bool | None = None
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    WTF_CSRF_TIME_LIMIT: int | None = None  # CSRF tokens last as long as the session

    PASSWORD_RESET_MAX_AGE = 60 * 60 * 2
    ENTERPRISE_INVITATION_MAX_AGE = 60 * 60 * 24 * 7
    # Seconds a sign-up's link to verify its email address stays valid.
    EMAIL_VERIFICATION_MAX_AGE = 60 * 60 * 24 * 7
    # Seconds the link to claim a registered credit code ("this is our company") stays valid.
    ENTERPRISE_CLAIM_MAX_AGE = 60 * 60 * 24 * 7
    EVENTS_PER_PAGE = 12
    ENTERPRISES_PER_PAGE = 20
    DELEGATIONS_PER_PAGE = 20
    DELEGATION_MEMBERS_PER_PAGE = 50

    BOOTSTRAP_SERVE_LOCAL = True

    # Whom to ask about personal information (an address, a phone number): shown on the
    # personal-information notice (/privacy). Empty: the notice points to the organizers.
    PRIVACY_CONTACT = ""

    # Rate limits, counted in Redis when REDIS_URL is set, else in the database, in limits'
    # notation: "5 per minute", several joined by ";", empty for none (docs/security.md).
    # RATE_LIMITS_ENABLED=False lifts them all (the tests do, except those of the limits).
    RATE_LIMITS_ENABLED = True
    # Wrong passwords per email address submitted and per client address; a refused
    # address or account is refused even with the right password until the window ends.
    RATE_LIMIT_SIGN_IN_PER_ACCOUNT = "5 per minute;50 per hour"
    # Higher: an enterprise's or the department's office may share one address.
    RATE_LIMIT_SIGN_IN_PER_ADDRESS = "20 per minute;200 per hour"
    RATE_LIMIT_PASSWORD_RESET_PER_EMAIL = "3 per hour"
    RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS = "10 per hour"
    RATE_LIMIT_SIGN_UP_PER_EMAIL = "3 per hour"
    RATE_LIMIT_SIGN_UP_PER_ADDRESS = "10 per hour"
    RATE_LIMIT_INVITATIONS_PER_ENTERPRISE = "20 per day"
    RATE_LIMIT_SCHEDULE_PER_ADDRESS = "30 per minute"
    RATE_LIMIT_VERIFY_PER_ADDRESS = "30 per minute"
    # The largest request body, in bytes (uploads included); a larger one is refused with
    # 413 from its Content-Length, before it is read.
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024

    # How many reverse proxies stand in front of Expo and set X-Forwarded-For/-Proto/-Host.
    # 0 trusts none (a direct connection); behind one nginx set EXPO_PROXY_COUNT=1, so
    # client addresses (the rate limits) and external links are the real ones.
    PROXY_COUNT = 0

    # GET /metrics for Prometheus, answered only to "Authorization: Bearer <token>"; without
    # a token the address answers 404 and no request is measured (expo.monitoring).
    METRICS_TOKEN: str | None = None
    # "json": one JSON line per request (id, user, endpoint, status, duration) on stderr.
    LOG_FORMAT = "text"

    # Strict-Transport-Security on HTTPS responses (and on all when BASE_URL is https),
    # in seconds; 0 sends none.
    HSTS_MAX_AGE = 60 * 60 * 24 * 365

    # Read by gunicorn (deploy/gunicorn.conf.py), not by the application: declared so that
    # EXPO_BIND, EXPO_WEB_WORKERS, EXPO_WEB_THREADS and EXPO_ACCESS_LOG, kept in the same
    # environment file as the rest (deploy/expo.env.example), are not taken for typos.
    BIND: str | None
    WEB_WORKERS: int | None
    WEB_THREADS: int | None
    ACCESS_LOG: str | None

    # Settings without a default here (the code that reads them has its own, or Flask
    # has none): declared by type only, so that their EXPO_* text is converted too.
    SECRET_KEY: str
    SECRET_KEY_FALLBACKS: list[str]
    OUTBOX_DIR: str
    DOCUMENTS_DIR: str
    REVIEW_PER_PAGE: int
    AUDIT_PER_PAGE: int
    DEBUG: bool
    PROPAGATE_EXCEPTIONS: bool
    TRAP_BAD_REQUEST_ERRORS: bool
    TEMPLATES_AUTO_RELOAD: bool
    SERVER_NAME: str
    SESSION_COOKIE_DOMAIN: str
    SESSION_COOKIE_PATH: str
    SEND_FILE_MAX_AGE_DEFAULT: int
    PERMANENT_SESSION_LIFETIME: int
    TRUSTED_HOSTS: list[str]


def setting_types(flask_defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Every setting Expo knows, with the type its EXPO_* text is converted to.

    Expo's own (``DefaultConfig``: the annotation, else the default's type), then Flask's
    (the default's type, or text where Flask has no default and Expo declares no type).
    """
    types_: dict[str, Any] = {
        key: str if value is None else type(value) for key, value in flask_defaults.items()
    }
    for key in dir(DefaultConfig):
        if key.isupper():
            types_[key] = type(getattr(DefaultConfig, key))
    types_.update(get_type_hints(DefaultConfig))
    return types_


def _convert(name: str, text: str, kind: Any) -> Any:
    """``text`` as a ``kind`` (``bool``, ``int | None``, ``tuple[str, ...]``, …)."""
    arguments = get_args(kind)
    if get_origin(kind) in (Union, types.UnionType):
        if not text.strip():
            return None
        kind = next(argument for argument in arguments if argument is not type(None))
        arguments = get_args(kind)
    base = get_origin(kind) or kind
    word = text.strip().lower()
    if base is bool:
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(f"{ENV_PREFIX}{name}={text!r}: expected true or false")
    if base in (tuple, list):
        parts = [part.strip() for part in text.split(",") if part.strip()]
        return tuple(parts) if base is tuple else parts
    if base is dict:
        return json.loads(text)
    if base in (int, float):
        try:
            return base(text)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{name}={text!r}: expected a number") from None
    return text


def environment_overrides(
    environ: Mapping[str, str], known: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The settings given as EXPO_* variables, typed, and the names Expo does not know.

    A known setting takes its type whether or not it has a default
    (``EXPO_SESSION_COOKIE_SECURE=false`` is False, not the string ``'false'``); an
    unknown one is left out, so that a misspelt name cannot pass for a setting.
    """
    settings: dict[str, Any] = {}
    unknown: list[str] = []
    for variable, text in sorted(environ.items()):
        name = variable[len(ENV_PREFIX) :]
        if not variable.startswith(ENV_PREFIX) or not name or variable.startswith(TEST_PREFIX):
            continue
        if name in known:
            settings[name] = _convert(name, text, known[name])
        else:
            unknown.append(variable)
    return settings, unknown


def _secret_key_from_instance(instance_path: Path) -> str:
    """Generate the secret key once and keep it beside the database, never in the code."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load_config(app, overrides: Mapping[str, Any] | None = None) -> None:
    instance_path = Path(app.instance_path)
    instance_path.mkdir(parents=True, exist_ok=True)

    known = setting_types(app.default_config)
    app.config.from_object(DefaultConfig)
    instance_settings = Config(app.config.root_path)
    instance_settings.from_pyfile("config.py", silent=True)
    app.config.update(instance_settings)
    environment, unknown = environment_overrides(os.environ, known)
    app.config.update(environment)
    if overrides:
        app.config.update(overrides)
    for variable in unknown:
        app.logger.warning("%s is not a setting Expo knows: it is ignored.", variable)
    base_url_given = any(
        "BASE_URL" in source for source in (instance_settings, environment, overrides or {})
    )
    if not base_url_given and not app.debug and not app.testing:
        app.logger.warning(
            "BASE_URL is not set: every link in emails, documents and QR codes will start "
            "with %s and only that host is answered. Set EXPO_BASE_URL to the address "
            "people use to reach Expo.",
            app.config["BASE_URL"],
        )

    https = app.config["BASE_URL"].lower().startswith("https://")
    for cookie in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if app.config.get(cookie) is None:
            app.config[cookie] = https

    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance_path / 'expo.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    url = sa.make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in LIBPQ_DRIVERS:
        # A server that stops answering (a host frozen, a network silently dropping
        # packets) is an outage too: without limits a connection attempt or a query would
        # wait for minutes, and every page with it, instead of answering 503. What the
        # address itself sets (?connect_timeout=30) is left as it is.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        limits = {k: v for k, v in POSTGRESQL_CONNECT_ARGS.items() if k not in url.query}
        options["connect_args"] = {**limits, **options.get("connect_args", {})}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("SECRET_KEY"):
        try:
            app.config["SECRET_KEY"] = _secret_key_from_instance(instance_path)
        except FileExistsError:  # another process created it a moment ago
            app.config["SECRET_KEY"] = (instance_path / "secret_key").read_text().strip()
    app.config.setdefault("OUTBOX_DIR", str(instance_path / "outbox"))
