"""Rate limits that hold across gunicorn workers and hosts: Redis, else the database.

A fixed window per client: ``30/minute`` lets 30 requests through in each calendar
minute and answers the 31st with 429 and ``Retry-After``. The counts live where every
process sees them: in Redis (``INCR`` and ``EXPIRE``) when ``EXPO_REDIS_URL`` is set,
otherwise in the ``rate_limit_counters`` table (one upsert per request, on its own
connection so it commits whatever the request does). No count lives in a process.

The client is ``request.remote_addr``. Behind a reverse proxy that is the proxy, unless
the app trusts the proxy's ``X-Forwarded-For`` (werkzeug's ``ProxyFix``).
"""

from __future__ import annotations

import logging
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

import sqlalchemy as sa
from flask import current_app, make_response, render_template, request
from sqlalchemy.orm import Mapped, mapped_column

from expo.extensions import Model, db

logger = logging.getLogger(__name__)


class RateLimitCounter(Model):
    """Requests per client and window, for limits that hold across processes and hosts.

    Used when no Redis is configured (``EXPO_REDIS_URL``).
    """

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    window_start: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)


# Old windows are swept now and then rather than on every request.
SWEEP_PROBABILITY = 0.01
SWEEP_AFTER_SECONDS = 3600


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    hits: int
    retry_after: int  # seconds until the window ends


def _window(now: float, seconds: int) -> int:
    return int(now // seconds) * seconds


# --- Redis ------------------------------------------------------------------------------

_redis_clients: dict[tuple[int, str], object] = {}


def _redis(url: str):
    import redis

    key = (os.getpid(), url)
    client = _redis_clients.get(key)
    if client is None:
        client = _redis_clients[key] = redis.Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5
        )
    return client


def _redis_hit(url: str, key: str, window: int, seconds: int) -> int | None:
    """The window's count after this hit; None when Redis cannot be reached."""
    import redis

    name = f"expo:ratelimit:{key}:{window}"
    try:
        pipeline = _redis(url).pipeline(transaction=True)
        pipeline.incr(name)
        pipeline.expire(name, seconds + 1)
        hits, _ = pipeline.execute()
    except redis.RedisError as error:
        # Better to let a reader check a certificate than to refuse everyone.
        logger.warning("Rate limit not applied, Redis unavailable: %s", error)
        return None
    return int(hits)


# --- the database -----------------------------------------------------------------------


def _upsert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    else:  # pragma: no cover - Expo runs on SQLite or PostgreSQL
        raise NotImplementedError(f"no rate-limit upsert for {dialect}")
    return insert


def _database_hit(key: str, window: int) -> int:
    table = RateLimitCounter.__table__
    insert = _upsert(db.engine.dialect.name)
    statement = (
        insert(table)
        .values(key=key, window_start=window, hits=1)
        .on_conflict_do_update(
            index_elements=[table.c.key, table.c.window_start], set_={"hits": table.c.hits + 1}
        )
        .returning(table.c.hits)
    )
    # Its own connection and transaction: the count is committed at once, whether the
    # request's own session later commits or rolls back.
    with db.engine.begin() as connection:
        hits = connection.execute(statement).scalar_one()
        if random.random() < SWEEP_PROBABILITY:
            connection.execute(
                sa.delete(RateLimitCounter).where(
                    RateLimitCounter.window_start < window - SWEEP_AFTER_SECONDS
                )
            )
    return int(hits)


# --- the limit --------------------------------------------------------------------------


def hit(key: str, limit: int, seconds: int, now: float | None = None) -> Verdict:
    """Count one request for ``key`` and say whether it is within ``limit`` per ``seconds``."""
    now = time.time() if now is None else now
    window = _window(now, seconds)
    redis_url = current_app.config.get("REDIS_URL")
    hits = _redis_hit(redis_url, key, window, seconds) if redis_url else _database_hit(key, window)
    retry_after = max(1, math.ceil(window + seconds - now))
    if hits is None:
        return Verdict(True, 0, retry_after)
    return Verdict(hits <= limit, hits, retry_after)


def too_many_requests(retry_after: int):
    """The bilingual error page, status 429, with the wait in ``Retry-After``."""
    response = make_response(render_template("errors/error.html", status=429), 429)
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def rate_limited(name: str, *, limit_setting: str, default: int, seconds: int = 60) -> Callable:
    """Limit a view to ``app.config[limit_setting]`` (else ``default``) requests per client
    and ``seconds``; ``0`` turns the limit off."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            limit = int(current_app.config.get(limit_setting, default) or 0)
            if limit > 0:
                verdict = hit(f"{name}:{request.remote_addr or '-'}", limit, seconds)
                if not verdict.allowed:
                    return too_many_requests(verdict.retry_after)
            return view(*args, **kwargs)

        return wrapped

    return decorator
