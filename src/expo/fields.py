"""The base of every form, and the fields and field helpers several areas' forms share."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from babel import support
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import DateTimeLocalField, Field, PasswordField, SelectChoice, StringField
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, Length, Optional

from expo import places
from expo.i18n import current_language
from expo.validation import SafeInput

_SAFE_INPUT = SafeInput()


class BaseForm(FlaskForm):
    """Every form of the application derives from this one.

    Before validating, it puts :class:`expo.validation.SafeInput` in front of every
    field's validators, the rows of a list and the fields of a sub-form included: no
    control characters, no date outside the planning years, no number beyond what the
    database holds, whatever the form (a test checks that each form derives from it).
    """

    class Meta:
        def get_translations(self, form):
            # WTForms' own messages in the reader's language, read once per process
            # (Flask-WTF would read their catalogue again for every request).
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return None
            return _wtforms_translations(current_language())

    def validate(self, extra_validators=None) -> bool:
        for field in leaf_fields(self):
            if _SAFE_INPUT not in field.validators:
                field.validators = [_SAFE_INPUT, *field.validators]
        return super().validate(extra_validators)


@functools.cache
def _wtforms_translations(language: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [language], domain="wtforms")


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


def searchable(hint=None) -> dict[str, object]:
    """``render_kw`` of a long ``<select>`` that the page makes searchable
    (``static/js/searchable-select.js``, with ``searchable_assets()`` of macros/forms.html);
    ``hint`` replaces the field's help once it is, e.g. one about Ctrl-clicking."""
    attributes: dict[str, object] = {
        "data-searchable": True,
        "data-placeholder": _l("Type to search…"),
        "data-no-results": _l("Nothing matches."),
    }
    if hint is not None:
        attributes["data-searchable-hint"] = hint
    return attributes


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


# --- the error summary at the top of a form ---------------------------------------------

LONGEST_SUMMARY_LABEL = 60
CLEARED_MESSAGE = _l("For your safety this field was emptied: type it again.")


@dataclass(frozen=True)
class ErrorEntry:
    """One line of a form's error summary: the field's label, its message, and the id of
    the element the line links to (None for a message no field shows)."""

    label: str
    message: str
    target: str | None = None
    cleared: bool = False


def was_cleared(field: Field) -> bool:
    """A password field shown again empty although something was typed in it."""
    return isinstance(field, PasswordField) and bool(field.raw_data and field.raw_data[0])


def error_entries(form) -> list[ErrorEntry]:
    """Every message of ``form`` in the order of its fields, a list's rows included, then
    the password fields emptied for safety; empty when the form has no mistake."""
    entries: list[ErrorEntry] = []
    _collect(form, "", entries)
    mistakes = [entry for entry in entries if not entry.cleared]
    if not (mistakes or getattr(form, "form_errors", None)):
        return []
    return entries


def _own(field: Field) -> list[str]:
    errors = field.errors if isinstance(field.errors, list | tuple) else []
    return [str(message) for message in errors if not isinstance(message, list | tuple | dict)]


def _collect(fields, prefix: str, entries: list[ErrorEntry]) -> None:
    for field in fields:
        # A long label (a consent's sentence) would bury the message: the row alone then.
        text = field.label.text if field.label else ""
        label = f"{prefix}{text}" if len(text) <= LONGEST_SUMMARY_LABEL else prefix.rstrip(": ")
        if hasattr(field, "entries"):  # FieldList: its own messages, then each row's
            for message in _own(field):
                entries.append(ErrorEntry(label, message, field.id))
            for number, entry in enumerate(field.entries, start=1):
                row = str(_l("%(list)s, row %(number)d: ", list=field.label.text, number=number))
                _collect(entry.form if hasattr(entry, "form") else [entry], row, entries)
        elif hasattr(field, "form"):  # FormField
            _collect(field.form, prefix, entries)
        else:
            hidden = getattr(field.widget, "input_type", None) == "hidden"
            for message in _own(field):
                entries.append(ErrorEntry(label, message, None if hidden else field.id))
            if was_cleared(field) and not _own(field):
                entries.append(ErrorEntry(label, str(CLEARED_MESSAGE), field.id, cleared=True))


def zone_choices(
    empty_label, *, first: Iterable[str | None] = (), current: str | None = None
) -> list[SelectChoice]:
    """A time-zone picker's options: one group per country (``first`` at the top), each
    zone named by its city and offset in the reader's language, canonical zones only.

    Each option carries its country (``data-country``), which ``zone-picker.js`` filters
    by; without JavaScript the groups are there to scroll. A stored zone the list no
    longer offers (an old alias) stays choosable, at the top, so saving keeps it.
    """
    language = current_language()
    options = [] if empty_label is None else [SelectChoice("", empty_label)]
    groups = places.zone_groups(language, [code for code in first if code])
    offered = {zone for _code, _name, zones in groups for zone, _label in zones}
    if current and current not in offered and current in places.all_zone_names():
        options.append(SelectChoice(current, places.zone_option(current, language)))
    for code, name, zones in groups:
        options.extend(
            SelectChoice(zone, label, render_kw={"data-country": code}, optgroup=name)
            for zone, label in zones
        )
    return options


def zone_picker(field, country_field: str | None = None) -> None:
    """Mark ``field`` for ``zone-picker.js``: filtered by the country chosen in
    ``country_field`` of the same form, if any."""
    render_kw = dict(field.render_kw or {})
    render_kw["data-zone-picker"] = ""
    render_kw["data-search-label"] = str(_l("Find a city or country"))
    if country_field:
        render_kw["data-country-field"] = country_field
    field.render_kw = render_kw
