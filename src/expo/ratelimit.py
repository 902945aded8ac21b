"""Rate limits that hold across gunicorn workers and hosts: Flask-Limiter on Redis, else the
database.

Every limit is a Flask-Limiter decorator made by :func:`limit`, whose value is a setting in
limits' notation (``"5 per minute"``, several joined by ``;``; empty: no limit). The
strategy is a fixed window that starts at a key's first hit: ``5 per minute`` lets five
through, answers the sixth with 429 and ``Retry-After`` (the seconds until the window
ends), and counts again from the first request after that.

The counts live where every process sees them, in :class:`SharedStorage` (``expo://``):
Redis when ``EXPO_REDIS_URL`` is set, otherwise the ``rate_limit_counters`` table (one
upsert per counted request, on its own connection so it commits whatever the request
does). No count lives in a process. ``SharedStorage`` looks at the application serving the
request each time, so the one module-level limiter serves every app (the tests make many).

Keys: the client is ``request.remote_addr`` (behind a reverse proxy, the address
``EXPO_PROXY_COUNT`` trusts); an email address is kept only as a keyed hash, so counters in
Redis or the table never hold one. If the store cannot be reached the request goes through
and the failure is logged: better to let a reader check a certificate than to refuse
everyone.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import random
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import Flask, current_app, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_timedelta
from flask_limiter import Limiter, RateLimitExceeded
from limits import parse_many
from limits.storage import RedisStorage, Storage
from sqlalchemy.orm import Mapped, mapped_column

from expo.extensions import Model, db

logger = logging.getLogger(__name__)

# Every setting that holds a limit, checked at start-up so a typo fails loudly.
LIMIT_SETTINGS = (
    "RATE_LIMIT_SIGN_IN_PER_ACCOUNT",
    "RATE_LIMIT_SIGN_IN_PER_ADDRESS",
    "RATE_LIMIT_PASSWORD_RESET_PER_EMAIL",
    "RATE_LIMIT_PASSWORD_RESET_PER_ADDRESS",
    "RATE_LIMIT_SIGN_UP_PER_EMAIL",
    "RATE_LIMIT_SIGN_UP_PER_ADDRESS",
    "RATE_LIMIT_INVITATIONS_PER_ENTERPRISE",
    "RATE_LIMIT_SCHEDULE_PER_ADDRESS",
    "RATE_LIMIT_VERIFY_PER_ADDRESS",
)

KEY_LENGTH = 200
# Expired counters are swept now and then rather than on every request.
SWEEP_PROBABILITY = 0.01
REDIS_TIMEOUT = 0.5  # seconds: a slow Redis must not hold every request up


class RateLimitCounter(Model):
    """Requests per limit key in its current window, when no Redis is configured."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(sa.String(KEY_LENGTH), primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)
    # Seconds since the epoch at which the window ends and the count starts again.
    expires_at: Mapped[float] = mapped_column(sa.Double)


# --- the stores -------------------------------------------------------------------------


def _counters() -> sa.Table:
    return cast(sa.Table, RateLimitCounter.__table__)


def _stored_key(key: str) -> str:
    """The key as stored: a key longer than the column (a long address) is hashed."""
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _insert(dialect: str) -> Any:
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    else:  # pragma: no cover - Expo runs on SQLite or PostgreSQL
        raise NotImplementedError(f"no rate-limit upsert for {dialect}")
    return insert


class DatabaseStorage(Storage):
    """A ``limits`` store on the ``rate_limit_counters`` table of the serving app's database.

    Only what the fixed-window strategy needs: a counter per key that expires. The counting
    is one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``, atomic on PostgreSQL and SQLite,
    in its own transaction.
    """

    STORAGE_SCHEME = None

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sa.exc.SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        table = _counters()
        insert = _insert(db.engine.dialect.name)
        statement = insert(table).values(key=_stored_key(key), hits=amount, expires_at=now + expiry)
        expired = table.c.expires_at <= now
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "hits": sa.case((expired, amount), else_=table.c.hits + amount),
                "expires_at": sa.case((expired, now + expiry), else_=table.c.expires_at),
            },
        ).returning(table.c.hits)
        with db.engine.begin() as connection:
            hits = connection.execute(statement).scalar_one()
            if random.random() < SWEEP_PROBABILITY:
                connection.execute(sa.delete(table).where(table.c.expires_at <= now))
        return int(hits)

    def _current(self, key: str) -> tuple[int, float] | None:
        """The key's count and the end of its window, unless the window is over."""
        table = _counters()
        with db.engine.connect() as connection:
            row = connection.execute(
                sa.select(table.c.hits, table.c.expires_at).where(
                    table.c.key == _stored_key(key), table.c.expires_at > time.time()
                )
            ).first()
        return (int(row.hits), float(row.expires_at)) if row else None

    def get(self, key: str) -> int:
        current = self._current(key)
        return current[0] if current else 0

    def get_expiry(self, key: str) -> float:
        current = self._current(key)
        return current[1] if current else time.time()

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.execute(sa.select(1))
        except sa.exc.SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(sa.delete(_counters())).rowcount

    def clear(self, key: str) -> None:
        table = _counters()
        with db.engine.begin() as connection:
            connection.execute(sa.delete(table).where(table.c.key == _stored_key(key)))


class SharedStorage(Storage):
    """``expo://``: the serving app's Redis (``REDIS_URL``) or else its database."""

    STORAGE_SCHEME = ["expo"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._database = DatabaseStorage()
        self._redis: dict[tuple[int, str], RedisStorage] = {}

    def _store(self) -> Storage:
        url = current_app.config.get("REDIS_URL")
        if not url:
            return self._database
        key = (os.getpid(), url)
        if key not in self._redis:
            self._redis[key] = RedisStorage(
                url,
                key_prefix="expo:ratelimit",
                socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT,
            )
        return self._redis[key]

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return self._store().base_exceptions

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._store().incr(key, expiry, amount)

    def get(self, key: str) -> int:
        return self._store().get(key)

    def get_expiry(self, key: str) -> float:
        return self._store().get_expiry(key)

    def check(self) -> bool:
        return self._store().check()

    def reset(self) -> int | None:
        return self._store().reset()

    def clear(self, key: str) -> None:
        self._store().clear(key)


# --- who is counted ---------------------------------------------------------------------


def client_address() -> str:
    return f"address:{request.remote_addr or '-'}"


def submitted_email() -> str:
    """The email address posted, as a keyed hash (``Foo@x`` and ``foo@x `` alike).

    Read from the same place the form reads it: a form body, or a JSON one (Flask-WTF
    accepts both), so a JSON post counts against the account it names too.
    """
    data: Any = request.form
    if not data and request.is_json:
        data = request.get_json(silent=True)
    value = data.get("email") if isinstance(data, Mapping) else None
    email = (value if isinstance(value, str) else "").strip().lower()
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, email.encode(), hashlib.sha256).hexdigest()[:32]
    return f"email:{digest}"


limiter = Limiter(
    key_func=client_address,
    storage_uri="expo://",
    strategy="fixed-window",
    key_prefix="expo",
    swallow_errors=True,
    headers_enabled=False,
)


@limiter.request_filter
def _limits_switched_off() -> bool:
    return not current_app.config.get("RATE_LIMITS_ENABLED", True)


# --- declaring limits -------------------------------------------------------------------


def refund() -> None:
    """This request does not count after all: give back what it took from each limit.

    Sign-in counts every attempt before the password is checked, so that many attempts
    sent at once cannot all pass the check before any is counted, and gives the attempt
    back when the password was right: only wrong passwords use up the allowance.
    """
    storage = limiter.storage
    for request_limit in limiter.current_limits:
        key = request_limit.key
        try:
            # A window that ended meanwhile has nothing of this request's left to give back.
            if storage.get(key) > 0:
                storage.incr(key, request_limit.limit.get_expiry(), amount=-1)
        except storage.base_exceptions:
            logger.exception("could not give back a rate-limit count")


def limit(
    setting: str,
    *,
    per: Callable[[], str] = client_address,
    methods: Sequence[str] = ("POST",),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Limit a view to ``app.config[setting]`` requests per key that ``per`` returns.

    Only ``methods`` are counted, each request before the view runs (the view may give its
    count back with :func:`refund`); once the count is reached every request is refused.
    """
    if setting not in LIMIT_SETTINGS:  # pragma: no cover - a programming error
        raise ValueError(f"{setting} is not listed in LIMIT_SETTINGS")
    return limiter.limit(
        lambda: str(current_app.config.get(setting) or ""),
        key_func=per,
        methods=list(methods),
    )


# --- refusing ---------------------------------------------------------------------------


def too_many_requests(retry_after: int) -> ResponseReturnValue:
    """The error page in the reader's language, status 429, with the wait in ``Retry-After``."""
    wait = format_timedelta(timedelta(seconds=max(1, retry_after)))
    response = make_response(render_template("errors/error.html", status=429, wait=wait), 429)
    response.headers["Retry-After"] = str(max(1, retry_after))
    response.headers["Cache-Control"] = "no-store"
    return response


def _refuse(_error: RateLimitExceeded) -> ResponseReturnValue:
    breached = limiter.current_limit
    # window[0] is when the window ends (Flask-Limiter's reset_at adds a second to it).
    wait = math.ceil(breached.window[0] - time.time()) if breached else 60
    return too_many_requests(wait)


def init_app(app: Flask) -> None:
    for setting in LIMIT_SETTINGS:
        value = app.config.get(setting) or ""
        try:
            if value:
                parse_many(str(value))
        except ValueError as error:
            raise ValueError(f"EXPO_{setting}={value!r} is not a rate limit: {error}") from None
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _refuse)
