"""Accounts: creating users, signing in, passwords and profiles.

Plain functions shared by the views and the CLI. They flush and never commit, so the
caller's single commit decides whether a change (and any email it queued) happens.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from expo.accounts.models import Role, User
from expo.db import utcnow
from expo.errors import InvalidInput
from expo.extensions import db
from expo.mail import send_templated_email
from expo.places import canonical_zones
from expo.security import signing_keys
from expo.validation import InvalidValue, check_email, check_phone, check_text, normalise_email

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
PASSWORD_RESET_SALT = "password-reset"
EMAIL_VERIFICATION_SALT = "email-verification"


class EmailAlreadyRegistered(InvalidInput):
    message = _l("This email address is already registered.")

    def __init__(self) -> None:
        super().__init__({"email": self.message})


class PasswordTooShort(InvalidInput):
    message = _l("Use at least %(min)d characters.", min=MIN_PASSWORD_LENGTH)

    def __init__(self, field: str) -> None:
        super().__init__({field: self.message})


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        db.select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def _check_password(password: str, field: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordTooShort(field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput({field: _l("Use at most %(max)d characters.", max=MAX_PASSWORD_LENGTH)})


def _check_email(email: str) -> str:
    # Only the shape every address has; the sign-up form checks the full syntax, while
    # the CLI may need internal domains such as expo.localhost.
    try:
        return check_email(email, internal=True)
    except InvalidValue as invalid:
        raise InvalidInput({"email": invalid.message}) from None


def _check_name(name: str) -> str:
    # A line break in a name would reach the subject of the mails that name the user.
    try:
        name = check_text(name, max_length=100)
    except InvalidValue as invalid:
        raise InvalidInput({"name": invalid.message}) from None
    if not name:
        raise InvalidInput({"name": _l("Enter your name.")})
    return name


def _check_mobile(mobile: str) -> str:
    try:
        return check_phone(mobile)
    except InvalidValue as invalid:
        raise InvalidInput({"mobile": invalid.message}) from None


def _check_locale(locale: str) -> str:
    if locale not in current_app.config["LANGUAGES"]:
        raise InvalidInput({"locale": _l("Choose one of the offered languages.")})
    return locale


def create_user(
    *,
    email: str,
    password: str,
    name: str,
    mobile: str = "",
    role: Role | str = Role.ENTERPRISE,
    locale: str = "zh",
    email_verified: bool = True,
) -> User:
    """A new account. Its address counts as verified unless ``email_verified`` is False
    (a sign-up, which proves it later by the link :func:`send_email_verification` mails)."""
    email = _check_email(email)
    _check_password(password, "password")
    user = User(
        email=email,
        name=_check_name(name),
        mobile=_check_mobile(mobile),
        role=Role(role).value,
        locale=_check_locale(locale),
        active=True,
    )
    if find_user_by_email(email) is not None:
        raise EmailAlreadyRegistered()
    user.set_password(password)
    try:
        # A savepoint, so a sign-up racing another with the same address fails with a
        # message at the field and leaves the caller's transaction usable.
        with db.session.begin_nested():
            db.session.add(user)
    except sa.exc.IntegrityError as error:
        raise EmailAlreadyRegistered() from error
    if not email_verified:
        # After the INSERT: the column's default (verified when made) would replace a None.
        user.email_verified_at = None
        db.session.flush()
    return user


@cache
def _unused_password_hash() -> str:
    return generate_password_hash("no account has this password", method="scrypt")


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; records the time of sign-in."""
    user = find_user_by_email(email)
    if user is None:
        # Hash anyway so the response time does not reveal which addresses have accounts.
        check_password_hash(_unused_password_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def change_password(user: User, current_password: str, new_password: str) -> User:
    """Replace the password; every other browser signed in as this user is signed out."""
    if not user.check_password(current_password):
        raise InvalidInput({"current_password": _l("Your current password is not correct.")})
    _check_password(new_password, "new_password")
    user.set_password(new_password)
    db.session.flush()
    return user


def end_all_sessions(user: User) -> User:
    """Sign the user out of every browser: sessions and remember-me cookies carry the
    session stamp, which this changes (as a new password does)."""
    user.sessions_ended_at = utcnow()
    db.session.flush()
    return user


def update_profile(
    user: User, *, name: str, mobile: str, locale: str, timezone: str | None = None
) -> User:
    name, mobile, locale = _check_name(name), _check_mobile(mobile), _check_locale(locale)
    if timezone is not None and timezone != user.timezone:
        # Any zone the picker offers; a zone already saved (even an old alias) stays.
        if timezone not in canonical_zones():
            raise InvalidInput({"timezone": _l("Choose a time zone from the list.")})
        user.timezone = timezone
    user.name, user.mobile, user.locale = name, mobile, locale
    db.session.flush()
    return user


# --- password reset ------------------------------------------------------------------


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(), salt=PASSWORD_RESET_SALT)


def make_password_reset_token(user: User) -> str:
    # The session stamp changes with the password, so a link stops working once used.
    return _reset_serializer().dumps({"user": user.id, "stamp": user.session_stamp})


def user_from_password_reset_token(token: str) -> User | None:
    """The user a valid, unexpired and unused reset token was made for, else None."""
    try:
        payload = _reset_serializer().loads(
            token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"]
        )
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("user"), int):
        return None
    user = db.session.get(User, payload["user"])
    if user is None or not user.active or payload.get("stamp") != user.session_stamp:
        return None
    return user


def request_password_reset(email: str, *, reset_url: Callable[[str], str]) -> None:
    """Email a reset link to the account with this address, if there is one.

    ``reset_url`` turns a token into the absolute link (the caller knows the site's
    address). An unknown address gets the same silence as a known one, so nobody can
    learn from this which addresses have accounts.
    """
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    send_templated_email(
        user.email,
        "password_reset",
        user.locale,
        user=user,
        reset_url=reset_url(make_password_reset_token(user)),
        valid_for=timedelta(seconds=current_app.config["PASSWORD_RESET_MAX_AGE"]),
    )


def reset_password(user: User, new_password: str) -> User:
    _check_password(new_password, "new_password")
    user.set_password(new_password)
    db.session.flush()
    return user


# --- email verification --------------------------------------------------------------


def _verification_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_keys(), salt=EMAIL_VERIFICATION_SALT)


def email_verification_max_age() -> int:
    return int(current_app.config["EMAIL_VERIFICATION_MAX_AGE"])


def make_email_verification_token(user: User) -> str:
    # The address is signed too, so a link stops working if the address ever changes.
    return _verification_serializer().dumps({"user": user.id, "email": user.email})


def user_from_email_verification_token(token: str) -> User | None:
    """The active user a valid, unexpired verification token was made for, else None."""
    try:
        payload = _verification_serializer().loads(token, max_age=email_verification_max_age())
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("user"), int):
        return None
    user = db.session.get(User, payload["user"])
    if user is None or not user.active or payload.get("email") != user.email:
        return None
    return user


def send_email_verification(user: User, *, verify_url: Callable[[str], str]) -> None:
    """Mail the link that proves the address is the user's (nothing if it is proved)."""
    if user.email_verified:
        return
    send_templated_email(
        user.email,
        "email_verification",
        user.locale,
        user=user,
        verify_url=verify_url(make_email_verification_token(user)),
        valid_for=timedelta(seconds=email_verification_max_age()),
    )


def verify_email(user: User) -> User:
    if not user.email_verified:
        user.email_verified_at = utcnow()
        db.session.flush()
    return user


def tell_owner_of_signup_attempt(user: User, *, sign_in_url: str, reset_url: str) -> None:
    """Someone signed up with an address that has an account: tell its owner, not them."""
    send_templated_email(
        user.email,
        "signup_address_taken",
        user.locale,
        user=user,
        sign_in_url=sign_in_url,
        reset_url=reset_url,
    )


def spend_password_hashing_time(password: str) -> None:
    """Take as long as making an account takes, so a refusal that must look like a success
    is not told apart by its speed."""
    generate_password_hash(password, method="scrypt")
