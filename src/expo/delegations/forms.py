"""Delegation forms: the shape of the input only.

Rules that look at several fields or at the database (a title in one language at least,
the last day after the first, a passport number not given twice, events that exist) live
in ``delegations.services``, so an import or a command gets them too.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from expo.delegations.models import (
    DELEGATION_STATUS_LABELS,
    DIRECTION_LABELS,
    MEMBER_ROLE_LABELS,
)
from expo.delegations.services import MAX_SHIFT_DAYS
from expo.fields import BaseForm, choices, searchable, strip, workbook_field
from expo.i18n import country_choices
from expo.validation import EmailAddress

CONTACT_ROWS = 3


def _optional_int(value):
    """``""`` (the "none" option) is None; anything else a whole number."""
    if value in (None, ""):
        return None
    return int(value)


def _text(label, length: int = 200, **kwargs) -> StringField:
    return StringField(
        label,
        filters=[strip],
        validators=[Optional(), Length(max=length, message=_l("Use at most %(max)d characters."))],
        **kwargs,
    )


def _long_text(label, length: int = 20000, **kwargs) -> TextAreaField:
    return TextAreaField(
        label,
        filters=[strip],
        render_kw={"rows": 3},
        validators=[Optional(), Length(max=length, message=_l("Use at most %(max)d characters."))],
        **kwargs,
    )


class ContactForm(Form):
    """One emergency contact; a row left blank is ignored, so the form offers spare rows."""

    name = _text(_l("Name"), 100)
    role = _text(_l("Role"), 100, description=_l("e.g. team leader, embassy, travel agency"))
    phone = _text(_l("Phone"), 32, render_kw={"type": "tel", "autocomplete": "off"})


class DelegationForm(BaseForm):
    title_zh = _text(_l("Title (Chinese)"))
    title_en = _text(_l("Title (English)"))
    direction = SelectField(
        _l("Direction"),
        validators=[DataRequired(_l("Choose whether the delegation goes abroad or comes here."))],
    )
    campaign_id = SelectField(_l("Campaign"), coerce=_optional_int, validators=[Optional()])
    event_ids = SelectMultipleField(
        _l("Events it serves"),
        coerce=int,
        description=_l("Optional. Hold Ctrl (⌘ on a Mac) to choose several."),
        render_kw={"size": 6},
        validators=[Optional()],
    )
    origin_country = SelectField(
        _l("From (country or region)"),
        validators=[DataRequired(_l("Choose a country from the list."))],
    )
    origin_city_zh = _text(_l("From (city, Chinese)"), 100)
    origin_city_en = _text(_l("From (city, English)"), 100)
    destination_country = SelectField(
        _l("To (country or region)"),
        validators=[DataRequired(_l("Choose a country from the list."))],
    )
    destination_city_zh = _text(_l("To (city, Chinese)"), 100)
    destination_city_en = _text(_l("To (city, English)"), 100)
    starts_on = DateField(_l("First day"), validators=[DataRequired(_l("Enter the first day."))])
    ends_on = DateField(_l("Last day"), validators=[DataRequired(_l("Enter the last day."))])
    notes_zh = _long_text(_l("Notes (Chinese)"))
    notes_en = _long_text(_l("Notes (English)"))
    contacts = FieldList(FormField(ContactForm), min_entries=CONTACT_ROWS)

    def __init__(self, *args, campaigns=(), events=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Built per request: the labels follow the reader's language.
        self.direction.choices = choices(
            [("", _l("Choose…")), *((key.value, label) for key, label in DIRECTION_LABELS.items())]
        )
        self.campaign_id.choices = choices(
            [("", _l("None")), *((campaign.id, campaign.title) for campaign in campaigns)]
        )
        self.event_ids.choices = choices(
            (event.id, f"{event.title} ({event.starts_at:%Y-%m-%d})") for event in events
        )
        # A delegation comes from wherever people live, and goes where one does business.
        self.origin_country.choices = choices(
            [("", _l("Choose…")), *country_choices(purpose="nationality")]
        )
        self.destination_country.choices = choices([("", _l("Choose…")), *country_choices()])
        while len(self.contacts) < CONTACT_ROWS or self._no_spare_contact_row():
            self.contacts.append_entry()

    def _no_spare_contact_row(self) -> bool:
        last = self.contacts[-1].form if len(self.contacts) else None
        return last is not None and any(
            (value or "").strip() for value in (last.name.data, last.role.data, last.phone.data)
        )


class StatusForm(BaseForm):
    status = SelectField(
        _l("Status"),
        choices=choices((key.value, label) for key, label in DELEGATION_STATUS_LABELS.items()),
        validators=[DataRequired()],
    )


class MemberForm(BaseForm):
    name_zh = _text(_l("Name in Chinese"), 100)
    name_latin = _text(
        _l("Name in Latin letters"), 100, description=_l("As in the passport, e.g. ZHANG San")
    )
    role = SelectField(_l("Role in the delegation"), validators=[DataRequired()])
    enterprise_id = SelectField(
        _l("Enterprise"),
        coerce=_optional_int,
        description=_l("One of the enterprises on Expo. It is used instead of the text below."),
        render_kw=searchable(),
        validators=[Optional()],
    )
    organization = _text(
        _l("Organization"), 200, description=_l("For others, such as a foreign buyer's company.")
    )
    title = _text(_l("Position"), 100)
    nationality = SelectField(_l("Nationality"), render_kw=searchable(), validators=[Optional()])
    passport_number = _text(
        _l("Passport number"),
        20,
        render_kw={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"},
    )
    mobile = _text(_l("Mobile"), 32, render_kw={"type": "tel"})
    email = EmailField(
        _l("Email"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=254, message=_l("Use at most %(max)d characters.")),
            EmailAddress(),
        ],
    )
    needs = _long_text(
        _l("Dietary and other needs"),
        5000,
        description=_l("e.g. halal, vegetarian, wheelchair access"),
    )

    def __init__(self, *args, enterprises=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = choices((key.value, label) for key, label in MEMBER_ROLE_LABELS.items())
        self.enterprise_id.choices = choices(
            [("", _l("None")), *((enterprise.id, enterprise.name) for enterprise in enterprises)]
        )
        self.nationality.choices = choices(
            [("", _l("Choose…")), *country_choices(purpose="nationality")]
        )


class FromEventForm(BaseForm):
    event_id = SelectField(
        _l("Event"), coerce=int, validators=[InputRequired(_l("Choose one of the events."))]
    )

    def __init__(self, *args, events=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.event_id.choices = choices((event.id, event.title) for event in events)


class ImportForm(BaseForm):
    file = workbook_field()


class DuplicateForm(BaseForm):
    shift_days = IntegerField(
        _l("Move every date by (days)"),
        description=_l(
            "e.g. 364 for the same weekdays next year; a negative number moves dates earlier."
        ),
        validators=[
            InputRequired(_l("Enter a number of days; 0 keeps the dates.")),
            NumberRange(
                -MAX_SHIFT_DAYS,
                MAX_SHIFT_DAYS,
                message=_l("Shift by at most %(max)d days either way.", max=MAX_SHIFT_DAYS),
            ),
        ],
    )


class DelegationFilterForm(BaseForm):
    """The organizers' list filters, read from the query string (no CSRF for a search)."""

    class Meta:
        csrf = False

    q = StringField(_l("Title"), filters=[strip], validators=[Optional(), Length(max=100)])
    direction = SelectField(_l("Direction"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.direction.choices = choices(
            [("", _l("All directions")), *((k.value, v) for k, v in DIRECTION_LABELS.items())]
        )
        self.status.choices = choices(
            [("", _l("All statuses")), *((k.value, v) for k, v in DELEGATION_STATUS_LABELS.items())]
        )
