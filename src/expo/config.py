"""Configuration: code defaults, then ``instance/config.py``, then ``EXPO_*`` variables.

Each later source overrides the earlier one, so a department can keep a local file for
its machine and still let its process manager inject secrets through the environment.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "EXPO_"


class DefaultConfig:
    # Database: the embedded default is a SQLite file in the instance folder (set in
    # ``load_config`` because the folder is only known once the app exists).
    DATABASE_URL: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}

    REDIS_URL: str | None = None

    # Background jobs: huey on SQLite (instance/jobs.sqlite3 when unset), on Redis when
    # REDIS_URL is set, or inline (tests) with JOBS_IMMEDIATE.
    JOBS_DATABASE: str | None = None
    JOBS_IMMEDIATE = False
    # A bulk job is split into parts of JOBS_PART_SIZE items, which every worker process
    # takes in turn; a part commits every JOBS_BATCH_SIZE items (progress, cancel).
    JOBS_PART_SIZE = 50
    JOBS_BATCH_SIZE = 10

    # The print faces (Noto CJK SC cut down to GB 2312, made once per machine from the
    # system fonts); instance/fonts when unset.
    FONTS_DIR: str | None = None

    # Where people reach this installation: links in emails and documents made outside a
    # request (background jobs, commands) start with it.
    BASE_URL = "http://127.0.0.1:5000"

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
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30
    WTF_CSRF_TIME_LIMIT = None

    PASSWORD_RESET_MAX_AGE = 60 * 60 * 2
    ENTERPRISE_INVITATION_MAX_AGE = 60 * 60 * 24 * 7
    EVENTS_PER_PAGE = 12
    ENTERPRISES_PER_PAGE = 20
    DELEGATIONS_PER_PAGE = 20
    DELEGATION_MEMBERS_PER_PAGE = 50

    BOOTSTRAP_SERVE_LOCAL = True

    # The largest request body, in bytes (uploads included); a larger one is refused with
    # 413 from its Content-Length, before it is read.
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024

    # How many reverse proxies stand in front of Expo and set X-Forwarded-For/-Proto/-Host.
    # 0 trusts none (a direct connection); behind one nginx set EXPO_PROXY_COUNT=1, so
    # client addresses (the /verify rate limit) and external links are the real ones.
    PROXY_COUNT = 0


def _coerce(key: str, value: str) -> Any:
    """Give an environment string the type of the setting's default (bool, int, tuple)."""
    default = getattr(DefaultConfig, key, None)
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, tuple):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def environment_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    return {
        key[len(ENV_PREFIX) :]: _coerce(key[len(ENV_PREFIX) :], value)
        for key, value in environ.items()
        if key.startswith(ENV_PREFIX) and len(key) > len(ENV_PREFIX)
    }


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

    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(environment_overrides(os.environ))
    if overrides:
        app.config.update(overrides)

    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{instance_path / 'expo.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if not app.config.get("SECRET_KEY"):
        try:
            app.config["SECRET_KEY"] = _secret_key_from_instance(instance_path)
        except FileExistsError:  # another process created it a moment ago
            app.config["SECRET_KEY"] = (instance_path / "secret_key").read_text().strip()
    app.config.setdefault("OUTBOX_DIR", str(instance_path / "outbox"))
