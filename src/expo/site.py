"""The home page, the health check and the language switch."""

from __future__ import annotations

from flask import Blueprint, has_request_context, jsonify, render_template, request, session
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from expo.events import services as event_services
from expo.extensions import db
from expo.i18n import SESSION_KEY, select_locale, supported_languages
from expo.outcomes import services as outcome_services

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
    enterprise = current_user.enterprise if current_user.is_authenticated else None
    return render_template(
        "home.html",
        campaigns=event_services.open_campaigns(),
        events=event_services.upcoming_events(limit=6),
        # An enterprise's tasks: the outcome reports it is asked for.
        outcome_tasks=outcome_services.open_reports(enterprise) if enterprise else [],
    )


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})
