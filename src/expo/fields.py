"""The base of every form, and the fields and field helpers several areas' forms share."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, Field, SelectChoice, StringField
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
