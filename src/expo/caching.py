"""What pages compute from data that changes rarely, kept until the data changes.

Flask-Caching holds the values: in Redis when ``REDIS_URL`` is set (every host sees the
same), otherwise in files under ``instance/cache`` (every process of this machine), or in
memory where the configuration says so (tests). A value is stored under a key that names
what it is (the page, its filters, the reader's language) and the *generation* of the
data behind it.

A generation is a random token per kind of data (``"results"``: applications, reports,
deals, events, enterprises …). Whenever a transaction that changed one of its tables
commits, through the ORM or a bulk statement, the token is replaced, so every value
computed from the old data is simply never asked for again and ages out. A fresh token
rather than a counter: two commits at once on a backend without atomic increments could
otherwise both write the same next number. A reader takes the token *before* computing,
so a value stored under a token never predates it. Tokens live where the values do, except
that the file cache keeps each in a file of its own (``generation.<name>``, see below).

Changes made with plain SQL outside the ORM are not seen; values also expire after
``CACHE_DEFAULT_TIMEOUT`` seconds, which bounds how long such a change can go unseen.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import struct
import time
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from flask_caching import Cache
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

cache = Cache()
logger = logging.getLogger(__name__)

T = TypeVar("T")

# The tables each generation follows.
WATCHED: dict[str, frozenset[str]] = {
    "results": frozenset(
        {
            "applications",
            "delegates",
            "outcome_reports",
            "outcome_deals",
            "outcome_exchange_rates",
            "events",
            "campaigns",
            "enterprises",
            "key_enterprise_memberships",
            # Matchmaking meetings and their outcomes, the foreign side's country.
            "match_meetings",
            "match_counterparts",
        }
    ),
    # The catalogue's filters: the campaigns and countries they offer.
    "events": frozenset({"events", "campaigns"}),
}

_CHANGED = "expo.caching.changed"  # Session.info: tables changed in this transaction


def init_app(app: Flask) -> None:
    config: dict[str, Any] = {"CACHE_DEFAULT_TIMEOUT": app.config["CACHE_TIMEOUT"]}
    if app.config.get("CACHE_TYPE"):
        config["CACHE_TYPE"] = app.config["CACHE_TYPE"]
    elif app.config.get("REDIS_URL"):
        config.update(
            CACHE_TYPE="RedisCache",
            CACHE_REDIS_URL=app.config["REDIS_URL"],
            CACHE_KEY_PREFIX="expo:cache:",
        )
    else:
        # No threshold: with one, cachelib keeps a count of the files in a file of its own
        # (a second write for every new value) and, once the count passes it (500), reads
        # the whole folder again on every write: 14 ms each, measured, which a submission's
        # renewed generation paid. Values past their time are removed by the workers'
        # sweep instead (remove_expired).
        config.update(CACHE_TYPE="FileSystemCache", CACHE_DIR=str(_folder(app)), CACHE_THRESHOLD=0)
    cache.init_app(app, config=config)


def _folder(app: Flask) -> Path:
    return Path(app.config.get("CACHE_DIR") or Path(app.instance_path) / "cache")


def _uses_files(app: Flask) -> bool:
    return not app.config.get("CACHE_TYPE") and not app.config.get("REDIS_URL")


# cachelib's files: named by the SHA-256 of the key (Flask-Caching's default), holding the
# moment the value expires (whole seconds, 0 for never) and then the value.
_EXPIRES = struct.Struct("I")
_VALUE_FILE = re.compile(r"[0-9a-f]{64}")


def remove_expired(now: float | None = None) -> int:
    """Delete the cache files whose values are past their time (the file cache only:
    Redis expires its own); the number deleted. Only files named as the cache names its
    values are read, so nothing else in the folder is touched; one removed meanwhile by
    another process is skipped."""
    if not has_app_context() or not _uses_files(current_app):
        return 0
    now = time.time() if now is None else now
    removed = 0
    for path in _folder(current_app).glob("*"):
        if not _VALUE_FILE.fullmatch(path.name) or not path.is_file():
            continue
        try:
            with path.open("rb") as stored:
                (expires,) = _EXPIRES.unpack(stored.read(_EXPIRES.size))
            if expires != 0 and expires < now:
                path.unlink()
                removed += 1
        except (OSError, struct.error):
            continue  # gone already, or not a value of the cache
    return removed


def _generation_key(name: str) -> str:
    return f"generation:{name}"


# The file cache keeps each generation's token in a file of its own, ``generation.<name>``
# in the cache folder, overwritten in place. cachelib writes a value to a new file renamed
# over the old one, and ext4 starts writing a file renamed over another to the disk at
# once (auto_da_alloc), on every commit that renews "results" (each submission). A reader
# that meets a token half overwritten takes a token no one else holds: it computes once
# more, never reads a value older than the data.
_TOKEN_BYTES = 8
_TOKEN_SHAPE = re.compile(rb"[0-9a-f]{%d}" % (2 * _TOKEN_BYTES))


def _new_token() -> str:
    return secrets.token_hex(_TOKEN_BYTES)


def _token_file(name: str) -> Path:
    return _folder(current_app) / f"generation.{name}"


def _write_token(path: Path, token: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.pwrite(descriptor, token.encode(), 0)
    finally:
        os.close(descriptor)


def generation(name: str) -> str:
    """The current token of the data ``name`` (one is made if none is stored)."""
    if _uses_files(current_app):
        path = _token_file(name)
        try:
            with path.open("rb") as stored:
                token = stored.read(2 * _TOKEN_BYTES)
        except FileNotFoundError:
            token = b""
        if _TOKEN_SHAPE.fullmatch(token):
            return token.decode()
        fresh = _new_token()  # none yet, or one being written: a new one is as good
        _write_token(path, fresh)
        return fresh
    key = _generation_key(name)
    stored_token = cache.get(key)
    if not isinstance(stored_token, str):
        stored_token = _new_token()
        # Never expires on its own: a new token only when the data changes.
        if not cache.add(key, stored_token, timeout=0):
            stored_token = cache.get(key) or stored_token
    return str(stored_token)


def renew(name: str) -> None:
    """The data ``name`` changed: what was computed from it is not used again."""
    if _uses_files(current_app):
        _write_token(_token_file(name), _new_token())
    else:
        cache.set(_generation_key(name), _new_token(), timeout=0)


def remember(name: str, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
    """``compute()``'s value for ``key``, computed once per generation of ``name``; computed
    every time while the cache cannot be reached (a page slower, never a page failing)."""
    try:
        token = generation(name)  # before computing: see the module's docstring
        full_key = f"{name}:{token}:{':'.join(str(part) for part in key)}"
        value = cache.get(full_key)
    except Exception:  # noqa: BLE001 - any backend's failure: Redis down, a full disk
        logger.warning("cache unreachable: %s computed without it", name, exc_info=True)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(full_key, value)
        except Exception:  # noqa: BLE001 - as above
            logger.warning("cache unreachable: %s not kept", name, exc_info=True)
    return cast(T, value)


# --- following the changes -----------------------------------------------------------------


def _note(session: Session, tables: set[str]) -> None:
    if tables:
        session.info.setdefault(_CHANGED, set()).update(tables)


def note_written(session: Session, *tables: str) -> None:
    """Tables ``session``'s transaction changed through a statement its hooks do not see
    for what it is: one that writes through a part (WITH) of a SELECT."""
    _note(session, set(tables))


def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    _note(
        session,
        {
            table.name
            for instance in (*session.new, *session.dirty, *session.deleted)
            for table in sa.inspect(instance).mapper.tables
        },
    )


def _do_orm_execute(state: ORMExecuteState) -> None:
    """Bulk inserts, updates and deletes through the session name their table too."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is not None:
            _note(state.session, {table.name})


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        # A savepoint released: its changes are not committed yet, and a reader who took
        # a new token now would keep values computed from the old data under it. They
        # stay noted for the outermost commit.
        return
    # Changes of a transaction rolled back stay noted until the next commit: renewing a
    # generation once too often costs a recomputation, never a stale page.
    changed = session.info.pop(_CHANGED, None)
    if not changed or not has_app_context() or "cache" not in current_app.extensions:
        return
    for name, tables in WATCHED.items():
        if changed & tables:
            try:
                renew(name)
            except Exception:  # noqa: BLE001 - the commit is done: never fail it now
                # Values of the old generation may be served until CACHE_TIMEOUT.
                logger.error("cache unreachable: %s could not be renewed", name, exc_info=True)


sa.event.listen(Session, "after_flush", _after_flush)
sa.event.listen(Session, "do_orm_execute", _do_orm_execute)
sa.event.listen(Session, "after_commit", _after_commit)
