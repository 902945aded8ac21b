from flask import Blueprint

bp = Blueprint(
    "itinerary", __name__, url_prefix="/manage/delegations/<int:delegation_id>/itinerary"
)
