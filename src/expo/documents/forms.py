"""The organizers' certificate buttons: the shape of what they post."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from expo.documents.certificates import REASON_MAX_LENGTH
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
