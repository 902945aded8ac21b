from flask import Blueprint

bp = Blueprint("manage_events", __name__, url_prefix="/manage")


@bp.route("/campaigns")
def campaigns():
    return "campaigns"


@bp.route("/events")
def events():
    return "events"
