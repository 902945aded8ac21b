"""Account forms: the shape of the input only; uniqueness and the like are for services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from expo.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from expo.fields import BaseForm, strip, zone_choices, zone_picker
from expo.validation import EmailAddress, Phone

# Language names are written in their own language, so a reader finds theirs.
LANGUAGE_CHOICES = [
    SelectChoice("zh", "中文", render_kw={"lang": "zh-CN"}),
    SelectChoice("en", "English", render_kw={"lang": "en"}),
]


def _email_field() -> EmailField:
    return EmailField(
        _l("Email address"),
        filters=[strip],
        render_kw={"autocomplete": "email"},
        validators=[
            DataRequired(_l("Enter your email address.")),
            Length(max=254, message=_l("Use at most %(max)d characters.")),
            EmailAddress(),
        ],
    )


def _new_password_field(label) -> PasswordField:
    return PasswordField(
        label,
        render_kw={"autocomplete": "new-password"},
        description=_l("At least %(min)d characters.", min=MIN_PASSWORD_LENGTH),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=_l("Use at least %(min)d characters."),
            ),
            Length(max=MAX_PASSWORD_LENGTH, message=_l("Use at most %(max)d characters.")),
        ],
    )


def _confirm_field(password_field: str) -> PasswordField:
    return PasswordField(
        _l("Repeat the password"),
        render_kw={"autocomplete": "new-password"},
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo(password_field, _l("The two passwords do not match.")),
        ],
    )


def _name_field() -> StringField:
    return StringField(
        _l("Your name"),
        filters=[strip],
        render_kw={"autocomplete": "name"},
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=100, message=_l("Use at most %(max)d characters.")),
        ],
    )


def _mobile_field() -> TelField:
    return TelField(
        _l("Mobile phone"),
        filters=[strip],
        render_kw={"autocomplete": "tel"},
        description=_l("Optional. Include the country code when it is not a Chinese number."),
        validators=[Optional(), Phone()],
    )


class SignupForm(BaseForm):
    email = _email_field()
    password = _new_password_field(_l("Password"))
    confirm = _confirm_field("password")
    name = _name_field()
    mobile = _mobile_field()


class LoginForm(BaseForm):
    email = EmailField(
        _l("Email address"),
        filters=[strip],
        render_kw={"autocomplete": "username"},
        validators=[DataRequired(_l("Enter your email address."))],
    )
    password = PasswordField(
        _l("Password"),
        render_kw={"autocomplete": "current-password"},
        validators=[DataRequired(_l("Enter your password."))],
    )
    remember = BooleanField(_l("Keep me signed in on this device"))


class ProfileForm(BaseForm):
    name = _name_field()
    mobile = _mobile_field()
    locale = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES)
    timezone = SelectField(
        _l("Time zone"),
        description=_l("Submissions, reviews and other history are shown on this clock."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = zone_choices(None, first=["CN"], current=self.timezone.data)
        zone_picker(self.timezone)


class PasswordChangeForm(BaseForm):
    current_password = PasswordField(
        _l("Current password"),
        render_kw={"autocomplete": "current-password"},
        validators=[DataRequired(_l("Enter your current password."))],
    )
    new_password = _new_password_field(_l("New password"))
    confirm = _confirm_field("new_password")


class PasswordResetRequestForm(BaseForm):
    # No syntax check: any address an account already has must be accepted here, including
    # internal ones (such as the demo accounts' expo.localhost) the sign-up form refuses.
    email = EmailField(
        _l("Email address"),
        filters=[strip],
        render_kw={"autocomplete": "email"},
        validators=[DataRequired(_l("Enter your email address."))],
    )


class PasswordResetForm(BaseForm):
    new_password = _new_password_field(_l("New password"))
    confirm = _confirm_field("new_password")
