"""While the database is unreachable: a clean 503 for every request, and two log lines.

A request that fails because the database does not answer gets the bilingual "temporarily
unavailable" page (or JSON) with ``Retry-After``, not the generic error page, and no
traceback is logged for it: the first such failure starts an *outage*, logged once. While
it lasts, requests are answered 503 at once, and at most once a second one of them asks
the database again; when it answers, the outage ends with one more log line saying how
long it lasted and how many requests were refused, and requests run as before.

A form sent during an outage is not lost: the page says nothing was saved and offers to
send the same entries again (every field but passwords and files).

Whether a database error means "unreachable" is decided by asking the database a trivial
question on a fresh connection: a query that failed on a database that does answer (a
missing table, a constraint) is a real error and gets the usual 500 and its traceback. A
request whose own connection was lost while the database answers again (a restart between
two requests on a connection that had just been used, which is not pinged) gets the 503
page too, without an outage.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from expo.db import ping_when_idle
from expo.errors import error_response, wants_json
from expo.extensions import db

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 60
PROBE_INTERVAL_SECONDS = 1.0
# Form fields never written back into a page.
UNECHOED = ("password", "confirm")
# Endpoints that answer during an outage: the stylesheets of the page that says so, and
# the health check, which reports the outage itself.
ANSWERED = frozenset({"static", "bootstrap.static", "site.healthz"})


class _Outage:
    """This process's view of the database: reachable, or unreachable since when."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.since: float | None = None
        self.refused = 0
        self.last_probe = 0.0

    def start(self) -> None:
        with self.lock:
            self.refused += 1
            if self.since is None:
                self.since = self.last_probe = time.monotonic()
                logger.error("database unreachable: answering requests with 503 until it is back")

    def should_probe(self) -> bool:
        with self.lock:
            now = time.monotonic()
            if now - self.last_probe < PROBE_INTERVAL_SECONDS:
                return False
            self.last_probe = now
            return True

    def end(self) -> None:
        with self.lock:
            if self.since is None:
                return
            lasted = time.monotonic() - self.since
            logger.warning(
                "database back after %.1f s; %d requests were refused meanwhile",
                lasted,
                self.refused,
            )
            self.since = None
            self.refused = 0

    def refuse(self) -> None:
        with self.lock:
            self.refused += 1

    @property
    def active(self) -> bool:
        return self.since is not None


def database_answers() -> bool:
    """Whether the database answers a trivial question, on a connection of its own."""
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def _forget_session() -> None:
    """The session's connection is broken: give it back without asking the database."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass
    try:
        db.session.remove()
    except SQLAlchemyError:
        pass


def _kept_fields() -> list[tuple[str, str]]:
    if request.method != "POST":
        return []
    return [
        (name, value)
        for name, values in request.form.lists()
        for value in values
        if not any(word in name.lower() for word in UNECHOED)
    ]


def unavailable() -> Response:
    """The 503 answer: JSON for scripts, else a page in both languages that needs
    nothing from the database (not even who is signed in)."""
    if "_login_user" not in g:
        # Who is signed in is read from the database, which is away: the page is shown as to
        # anyone (else the sign-in's own loading fails again, inside this answer).
        g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    if wants_json():
        response = jsonify(
            {"status": 503, "error": "database unavailable", "retry_after": RETRY_AFTER_SECONDS}
        )
    else:
        response = Response(
            render_template(
                "errors/unavailable.html",
                kept=_kept_fields(),
                files=bool(request.files),
                retry_after=RETRY_AFTER_SECONDS,
            ),
            mimetype="text/html",
        )
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    outage = _Outage()
    app.extensions["expo.outage"] = outage

    @app.before_request
    def refuse_during_outage() -> Response | None:
        if not outage.active or request.endpoint in ANSWERED:
            return None
        if outage.should_probe() and database_answers():
            outage.end()
            return None
        outage.refuse()
        return unavailable()

    def database_error(error: DBAPIError) -> Any:
        _forget_session()
        if database_answers():
            if error.connection_invalidated:
                # The request's connection was lost (the server restarted or ended it, a
                # proxy dropped it) and a new one answers: the pool has let go of the
                # connections it held. The request's transaction went with the
                # connection; it is answered as during an outage, its form offered again.
                logger.warning("database connection lost mid-request: %s", error.orig)
                return unavailable()
            # The database answers: the query itself was at fault. Logged and shown as
            # the error it is.
            app.logger.error("database error", exc_info=error)
            return error_response(500, error)
        outage.start()
        return unavailable()

    app.register_error_handler(DBAPIError, database_error)
    with app.app_context():
        for engine in db.engines.values():
            ping_when_idle(engine)
