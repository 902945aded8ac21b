from flask import Blueprint

bp = Blueprint("accounts", __name__, url_prefix="/account")


@bp.route("/login", methods=["GET", "POST"])
def login():
    return "login"


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    return "signup"


@bp.route("/logout", methods=["POST"])
def logout():
    return "logout"


@bp.route("/")
def profile():
    return "profile"
