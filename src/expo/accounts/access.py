"""Who may see what: the login manager's user loader and view decorators."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, login_required

from expo.extensions import db


def init_login_manager(manager: LoginManager) -> None:
    from expo.accounts.models import User

    manager.login_view = "accounts.login"
    manager.login_message = _l("Please sign in to see this page.")
    manager.login_message_category = "info"
    manager.session_protection = "strong"

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The session carries "id:password-change-time" so changing the password signs
        # out every other browser (see User.get_id).
        user_part, _, stamp = user_id.partition(":")
        if not user_part.isdigit():
            return None
        user = db.session.get(User, int(user_part))
        if user is None or (stamp and stamp != user.session_stamp):
            return None
        return user


def organizer_required(view: Callable) -> Callable:
    """Organizers and admins only; others get 403, anonymous users the sign-in page."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_organizer:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
