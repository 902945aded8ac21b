"""The organizers' home: where they land after signing in."""

from __future__ import annotations

from flask import Blueprint, render_template

from expo.accounts.access import organizer_required
from expo.dashboards import services

bp = Blueprint("dashboards", __name__)


@bp.route("/manage")
@organizer_required
def organizer_home():
    return render_template("dashboards/organizer_home.html", home=services.organizer_home())
