"""The home page, the personal-information notice, the health check and the language
switch."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    has_request_context,
    jsonify,
    render_template,
    request,
    session,
)
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from expo import outage, privacy
from expo.events import services as event_services
from expo.extensions import db
from expo.i18n import SESSION_KEY, current_language, select_locale, supported_languages
from expo.outcomes import services as outcome_services
from expo.registrations.services import kept_booths_left

bp = Blueprint("site", __name__)


@bp.before_app_request
def remember_language() -> None:
    """``?lang=`` on any page switches the language and remembers it for this session.

    Only the session: a GET writes nothing. A signed-in user's saved preference changes
    on the profile page, and is what a new session starts with.
    """
    asked = request.args.get("lang")
    if asked in supported_languages():
        session[SESSION_KEY] = asked


def select_language() -> str:
    """The reader's language: ``?lang=``, then the choice made earlier in this session,
    then ``i18n.select_locale``'s order (the signed-in user's saved preference, this
    browser's headers)."""
    if has_request_context() and request.args.get("lang") not in supported_languages():
        remembered = session.get(SESSION_KEY)
        if remembered in supported_languages():
            return remembered
    return select_locale()


@bp.route("/")
def home():
    events = event_services.upcoming_events(limit=6)
    enterprise = current_user.enterprise if current_user.is_authenticated else None
    return render_template(
        "home.html",
        campaigns=event_services.open_campaigns(),
        events=events,
        booths_left=kept_booths_left(events),
        # An enterprise's tasks: the outcome reports it is asked for.
        outcome_tasks=outcome_services.open_reports(enterprise) if enterprise else [],
    )


@bp.route("/privacy")
def privacy_current():
    """The personal-information notice in force."""
    return _notice_page(privacy.current_notice())


@bp.route("/privacy/<version>")
def privacy_notice(version: str):
    """One version of the notice, as an applicant who agreed to it read it."""
    notice = privacy.notice(version)
    if notice is None:
        abort(404)
    return _notice_page(notice)


def _notice_page(notice: privacy.Notice):
    return render_template(
        "privacy_notice.html",
        notice=notice,
        language=current_language(),
        current=privacy.current_notice(),
        versions=list(reversed(privacy.notices().values())),
        contact=current_app.config.get("PRIVACY_CONTACT") or "",
    )


@bp.route("/healthz")
def healthz():
    """One query and one look at the queue: cheap enough to ask every few seconds.

    503 while the database does not answer (a load balancer takes the host out); a queue
    that does not answer leaves the pages working (mail waits in the database), so it is
    reported as ``degraded`` with 200.
    """
    from expo.jobs import queue

    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return (
            jsonify({"status": "error", "database": "unreachable"}),
            503,
            {"Retry-After": str(outage.RETRY_AFTER_SECONDS)},
        )
    if not queue.is_reachable(current_app._get_current_object()):
        return jsonify({"status": "degraded", "database": "ok", "queue": "unreachable"})
    return jsonify({"status": "ok", "database": "ok", "queue": "ok"})
