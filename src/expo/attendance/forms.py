"""What the check-in desk and the organizers post: the shape only, the rules are services'."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from expo.accounts.forms import SignupForm
from expo.attendance.services import DESK_NAME_LENGTH, REASON_LENGTH
from expo.fields import BaseForm
from expo.validation import EMAIL_LENGTH

# A badge's whole address, as a hand-held scanner types it, is well under this.
SCAN_LENGTH = 500


class DeskForm(BaseForm):
    """Checking a chosen delegate in: the desk names itself."""

    desk = StringField(
        _l("This desk"),
        validators=[Optional(), Length(max=DESK_NAME_LENGTH)],
        description=_l('For example "Hall 3 entrance": shown when a badge is scanned twice.'),
    )


class ScanForm(DeskForm):
    code = StringField(
        _l("Badge code"),
        validators=[DataRequired(), Length(max=SCAN_LENGTH)],
        description=_l("Scan the badge's QR code into this field, or type its address."),
    )


class UndoCheckInForm(BaseForm):
    # Required by the service, which says so at the field in the reader's language.
    reason = TextAreaField(
        _l("Reason for undoing"), validators=[Optional(), Length(max=REASON_LENGTH)]
    )


class GrantDeskForm(BaseForm):
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(), Length(max=EMAIL_LENGTH)],
        description=_l("Of an existing account, or of someone to invite to sign up."),
    )


class DeskActionForm(BaseForm):
    """Revoking desk access: nothing to fill in, the form carries the CSRF token."""


class DeskAccountForm(SignupForm):
    """The sign-up's account fields without the address: the invitation's is used."""

    email = None
