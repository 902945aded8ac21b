"""Form fields and field helpers that several areas' forms build the same way."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length, Optional

# What <input type="datetime-local"> sends, with or without seconds.
LOCAL_TIME_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def strip(value):
    """A WTForms filter: text without surrounding spaces (other values as they are)."""
    return value.strip() if isinstance(value, str) else value


def local_time_field(label) -> DateTimeLocalField:
    """A required wall-clock time; the service turns it into UTC with the right zone."""
    return DateTimeLocalField(
        label,
        format=LOCAL_TIME_FORMAT,
        validators=[DataRequired(message=_l("Enter a date and time."))],
    )


def optional_text(label, length: int = 200, **kwargs) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=length)], **kwargs)


def choices(pairs) -> list[SelectChoice]:
    """Select options from ``(value, label)`` pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def filter_value(field):
    """A list filter's value: None when left empty or not one of its choices (a stale or
    hand-edited link shows everything rather than an error)."""
    return None if field.errors else (field.data or None)
