"""The message form: both languages' subject and body, and who receives it. Shape only:
the service says when the choices reach nobody."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from expo.fields import BaseForm, choices, strip
from expo.messaging.services import ATTENDANCE_LABELS, AUDIENCE_STATUSES, NO_STATUS, TEXT_REQUIRED
from expo.registrations.models import STATUS_LABELS


def _text(label, long: bool = False):
    validators = [InputRequired(message=TEXT_REQUIRED), Length(max=20000 if long else 200)]
    if long:
        return TextAreaField(label, filters=[strip], validators=validators, render_kw={"rows": 8})
    return StringField(label, filters=[strip], validators=validators)


class MessageForm(BaseForm):
    statuses = SelectMultipleField(
        _l("Applications"),
        choices=choices((status.value, STATUS_LABELS[status]) for status in AUDIENCE_STATUSES),
        default=[AUDIENCE_STATUSES[0].value],
        validators=[InputRequired(message=NO_STATUS)],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    attendance = SelectField(
        _l("Check-in"),
        choices=choices((value.value, label) for value, label in ATTENDANCE_LABELS.items()),
        default="any",
    )
    report_due = BooleanField(_l("Only enterprises whose outcome report is due"))
    subject_zh = _text(_l("Subject (Chinese)"))
    subject_en = _text(_l("Subject (English)"))
    body_zh = _text(_l("Message (Chinese)"), long=True)
    body_en = _text(_l("Message (English)"), long=True)
    send_key = HiddenField(validators=[Optional(), Length(max=36)])
