"""The organizers' certificate buttons, and the public form that checks a certificate
from its paper: the shape of what they send."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from expo.documents.certificates import REASON_MAX_LENGTH, normalized_serial
from expo.enterprises.services import validate_credit_code
from expo.errors import InvalidInput
from expo.fields import BaseForm


class IssueCertificateForm(BaseForm):
    """Nothing to fill in: the form carries the CSRF token."""


class RevokeCertificateForm(BaseForm):
    # Required by the service, which says so at the field in the reader's language.
    reason = TextAreaField(
        _l("Reason for revoking"), validators=[Optional(), Length(max=REASON_MAX_LENGTH)]
    )


class ReissueCertificateForm(BaseForm):
    reason = TextAreaField(
        _l("Reason (optional)"), validators=[Optional(), Length(max=REASON_MAX_LENGTH)]
    )


class AttendanceWaiverForm(BaseForm):
    # Required by the service, which says so at the field in the reader's language.
    reason = TextAreaField(
        _l("They came, though no badge was scanned: why"),
        validators=[Optional(), Length(max=REASON_MAX_LENGTH)],
    )


def _serial(form: BaseForm, field: StringField) -> None:
    if not (field.data or "").strip():
        raise ValidationError(_l("Enter the serial number printed on the certificate."))
    serial = normalized_serial(field.data)
    if serial is None:
        raise ValidationError(
            _l(
                "A serial number is three letters, the year and six digits, "
                "such as SGG-2027-000123."
            )
        )
    field.data = serial


def _credit_code(form: BaseForm, field: StringField) -> None:
    try:
        field.data = validate_credit_code(field.data)
    except InvalidInput as error:
        raise ValidationError(str(error.errors["credit_code"])) from error


class VerifyForm(BaseForm):
    """Sent by GET (a question, which changes nothing), so without a CSRF token."""

    serial = StringField(
        _l("Serial number"),
        description=_l("As printed on the certificate, such as SGG-2027-000123."),
        validators=[_serial],
        render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": 40},
    )
    credit_code = StringField(
        _l("Unified social credit code"),
        description=_l("The enterprise's 18-character code, printed beside the serial number."),
        validators=[_credit_code],
        render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": 40},
    )
