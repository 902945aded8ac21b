from flask import Blueprint

bp = Blueprint("questions", __name__, url_prefix="/manage/events/<int:event_id>/questions")
