from flask import Blueprint

bp = Blueprint("events", __name__)


@bp.route("/events")
def catalogue():
    return "events"
