"""The base of every form, and the fields and field helpers several areas' forms share."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import DateTimeLocalField, Field, SelectChoice, StringField
from wtforms.validators import DataRequired, Length, Optional

from expo.validation import SafeInput

_SAFE_INPUT = SafeInput()


class BaseForm(FlaskForm):
    """Every form of the application derives from this one.

    Before validating, it puts :class:`expo.validation.SafeInput` in front of every
    field's validators, the rows of a list and the fields of a sub-form included: no
    control characters, no date outside the planning years, no number beyond what the
    database holds, whatever the form (a test checks that each form derives from it).
    """

    def validate(self, extra_validators=None) -> bool:
        for field in leaf_fields(self):
            if _SAFE_INPUT not in field.validators:
                field.validators = [_SAFE_INPUT, *field.validators]
        return super().validate(extra_validators)


def leaf_fields(fields) -> Iterator[Field]:
    """Every field that holds a value: a list's rows and a sub-form's fields, not the list
    or the sub-form itself."""
    for field in fields:
        if hasattr(field, "entries"):  # FieldList
            yield from leaf_fields(field.entries)
        elif hasattr(field, "form"):  # FormField
            yield from leaf_fields(field.form)
        else:
            yield field


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


# An uploaded list (members, key enterprises): far more than any real one needs.
MAX_IMPORT_BYTES = 5 * 1024 * 1024
FILE_TOO_LARGE = _l("The file is larger than %(size)d MB.", size=MAX_IMPORT_BYTES // 1024 // 1024)
XLSX_ACCEPT = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_field() -> FileField:
    """An .xlsx file to import, refused above :data:`MAX_IMPORT_BYTES`."""
    return FileField(
        _l("Excel file (.xlsx)"),
        render_kw={"accept": XLSX_ACCEPT},
        validators=[
            FileRequired(_l("Choose an Excel file (.xlsx) to upload.")),
            FileSize(MAX_IMPORT_BYTES, message=FILE_TOO_LARGE),
        ],
    )
