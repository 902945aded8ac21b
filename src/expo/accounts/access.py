"""Who may see what: the login manager's user loader and every view decorator that
guards a page by who is signed in."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

import flask_login
import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from sqlalchemy.orm import joinedload

from expo.attendance.services import can_check_in
from expo.errors import sign_in_again, wants_json
from expo.extensions import db


def init_login_manager(manager: LoginManager) -> None:
    from expo.accounts.models import User

    manager.login_view = "accounts.login"
    manager.login_message = _l("Please sign in to see this page.")
    manager.login_message_category = "info"
    manager.session_protection = "strong"
    # The signed-in user with their enterprise, in one statement built once rather than
    # on every signed-in request.
    signed_in = (
        sa.select(User)
        .where(User.id == sa.bindparam("user_id"))
        .options(joinedload(User.enterprise))
    )

    @manager.unauthorized_handler
    def sign_in_first() -> Any:
        """A page sends to the sign-in form; a script (a check-in desk whose sign-in lapsed)
        is told so with 401, which it cannot take for the network being down."""
        if wants_json():
            return sign_in_again()
        flash(str(manager.login_message), manager.login_message_category)
        return redirect(flask_login.login_url(manager.login_view, next_url=request.url))

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The session carries "id:password-change-time" so changing the password signs
        # out every other browser (see User.get_id).
        user_part, _, stamp = user_id.partition(":")
        if not user_part.isdigit():
            return None
        # The enterprise comes in the same statement: most signed-in pages show it.
        found = db.session.execute(signed_in, {"user_id": int(user_part)})
        user = found.unique().scalar_one_or_none()
        if user is None or (stamp and stamp != user.session_stamp):
            return None
        return user


View = TypeVar("View", bound=Callable[..., Any])


def login_required(view: View) -> View:
    """Signed-in users only; anonymous ones get the sign-in page (Flask-Login's rule)."""
    return cast(View, flask_login.login_required(view))


def organizer_required(view: View) -> View:
    """Organizers and admins only; others get 403, anonymous users the sign-in page."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_organizer:
            abort(403)
        return view(*args, **kwargs)

    return cast(View, wrapped)


def admin_required(view: View) -> View:
    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return cast(View, wrapped)


def enterprise_member_required(view: View) -> View:
    """Signed-in users who belong to an enterprise; others are told how to get there."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.enterprise is None:
            if current_user.is_organizer:
                abort(403)
            flash(_("Register your enterprise first: applications are made in its name."), "info")
            return redirect(url_for("enterprises.mine"))
        return view(*args, **kwargs)

    return cast(View, wrapped)


def enterprise_user_required(organizer_view: str) -> Callable[[View], View]:
    """Signed-in users who are not organizers. Organizers are sent to ``organizer_view``,
    their own page for the same thing, with the view arguments it takes."""

    def decorator(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.is_organizer:
                return redirect(url_for(organizer_view, **kwargs))
            return view(*args, **kwargs)

        return cast(View, wrapped)

    return decorator


def check_in_desk_required(view: View) -> View:
    """Organizers, and the desk staff of the event the view's ``event_id`` names; others 403.

    Desk staff see this and nothing else of the event: the other organizer pages keep
    ``organizer_required``.
    """

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not can_check_in(current_user, kwargs["event_id"]):
            abort(403)
        return view(*args, **kwargs)

    return cast(View, wrapped)
