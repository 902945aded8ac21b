from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/manage/events/<int:event_id>/applications")
