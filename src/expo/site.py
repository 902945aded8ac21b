"""The home page, the health check and the language switch."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, session
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from expo.events import services as event_services
from expo.extensions import db
from expo.i18n import SESSION_KEY, supported_languages

bp = Blueprint("site", __name__)


@bp.before_app_request
def remember_language() -> None:
    """``?lang=`` on any page switches the language and remembers it."""
    asked = request.args.get("lang")
    if asked not in supported_languages():
        return
    session[SESSION_KEY] = asked
    if current_user.is_authenticated and current_user.locale != asked:
        current_user.locale = asked
        db.session.commit()


@bp.route("/")
def home():
    return render_template(
        "home.html",
        campaigns=event_services.open_campaigns(),
        events=event_services.upcoming_events(limit=6),
    )


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify({"status": "error", "database": "unreachable"}), 503
    return jsonify({"status": "ok", "database": "ok"})
