"""Matchmaking forms: shape only; the services say what is allowed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from expo.enterprises.industries import industry_choices
from expo.fields import LOCAL_TIME_FORMAT, BaseForm, choices, strip
from expo.i18n import country_choices, current_language
from expo.matchmaking.models import (
    ATTENDANCE_LABELS,
    COUNTERPART_ROLE_LABELS,
    INTEREST_LABELS,
    PRIORITY_LABELS,
    Priority,
)

NUMBER = _l("Enter a whole number.")


class GridForm(BaseForm):
    slot_minutes = IntegerField(
        _l("Minutes per meeting"),
        default=20,
        validators=[InputRequired(message=NUMBER), NumberRange(min=5, max=240)],
    )
    tables = IntegerField(
        _l("Number of tables"),
        default=10,
        validators=[InputRequired(message=NUMBER), NumberRange(min=1, max=500)],
    )
    windows = TextAreaField(
        _l("Stretches of meetings (event's local time)"),
        description=_l(
            "One a line, e.g. 2030-05-14 09:00-12:00; the time between two lines is a break."
        ),
        filters=[strip],
        validators=[Length(max=2000)],
        render_kw={"rows": 4},
    )
    interpreters = StringField(
        _l("Interpreters per language"),
        description=_l("Interpreters between Chinese and each language, e.g. en=3, ru=1."),
        filters=[strip],
        validators=[Length(max=300)],
    )
    requests_open_at = DateTimeLocalField(
        _l("Requests open (event's local time)"), format=LOCAL_TIME_FORMAT, validators=[Optional()]
    )
    requests_close_at = DateTimeLocalField(
        _l("Requests close (event's local time)"),
        format=LOCAL_TIME_FORMAT,
        validators=[Optional()],
    )
    max_requests = IntegerField(
        _l("Most requests per participant"),
        default=10,
        validators=[InputRequired(message=NUMBER), NumberRange(min=1, max=1000)],
    )
    max_meetings = IntegerField(
        _l("Most meetings per participant"),
        default=12,
        validators=[InputRequired(message=NUMBER), NumberRange(min=1, max=1000)],
    )


def _text(label, length: int, *, long: bool = False, **kwargs):
    field = TextAreaField if long else StringField
    return field(label, filters=[strip], validators=[Length(max=length)], **kwargs)


class CounterpartForm(BaseForm):
    role = SelectField(
        _l("You are"),
        choices=choices((role.value, label) for role, label in COUNTERPART_ROLE_LABELS.items()),
    )
    organization_en = _text(_l("Organization (English)"), 200)
    organization_zh = _text(_l("Organization (Chinese, if any)"), 200)
    country = SelectField(_l("Country or region"), validate_choice=False)
    contact_name_latin = _text(_l("Contact person (Latin letters)"), 100)
    contact_name_zh = _text(_l("Contact person (Chinese, if any)"), 100)
    email = _text(_l("Email"), 254)
    mobile = _text(_l("Mobile (organizers only)"), 32)
    needs = _text(_l("What you buy"), 2000, long=True, render_kw={"rows": 3})
    offers = _text(_l("What you sell"), 2000, long=True, render_kw={"rows": 3})
    hs_chapters = _text(_l("HS chapters"), 300, description=_l("Two digits each, e.g. 09, 21, 84."))
    languages = _text(
        _l("Languages spoken"), 100, description=_l("Language codes, e.g. en, ru, es.")
    )
    consent = BooleanField(
        _l("The organizers may show my organization's profile to the Sichuan enterprises.")
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = choices(
            [("", _l("Choose…")), *country_choices(purpose="nationality")]
        )


class ProfileForm(BaseForm):
    summary_zh = _text(_l("What you offer (Chinese)"), 1000, long=True, render_kw={"rows": 2})
    summary_en = _text(_l("What you offer (English)"), 1000, long=True, render_kw={"rows": 2})
    hs_chapters = _text(_l("HS chapters"), 300, description=_l("Two digits each, e.g. 09, 21, 84."))
    languages = _text(
        _l("Languages your delegates speak"),
        100,
        description=_l("Language codes, e.g. en, ru, es."),
    )


class SearchForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Product or name"), filters=[strip], validators=[Length(max=100)])
    hs = StringField(_l("HS chapter"), filters=[strip], validators=[Length(max=2)])
    country = StringField(_l("Country code"), filters=[strip], validators=[Length(max=2)])
    # The Sichuan side's industries, for the other side browsing it; choices per language.
    industry = SelectField(_l("Industry"), choices=[])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.industry.choices = [
            ("", str(_l("All industries"))),
            *industry_choices(current_language()),
        ]


class AskForm(BaseForm):
    priority = SelectField(
        _l("Priority"),
        choices=choices((str(p.value), PRIORITY_LABELS[p]) for p in reversed(Priority)),
        default=str(Priority.NORMAL.value),
    )
    note = _text(_l("Note"), 500)


class MatchForm(BaseForm):
    application_id = SelectField(_l("Sichuan enterprise"), coerce=int, validate_choice=False)
    counterpart_id = SelectField(_l("Buyer or supplier"), coerce=int, validate_choice=False)


class MoveForm(BaseForm):
    starts_at = SelectField(_l("Slot"), validate_choice=False)
    table = IntegerField(
        _l("Table"), validators=[InputRequired(message=NUMBER), NumberRange(min=1, max=500)]
    )


class OutcomeForm(BaseForm):
    attendance = SelectField(
        _l("Meeting"),
        choices=choices([("", "—"), *((a.value, label) for a, label in ATTENDANCE_LABELS.items())]),
    )
    interest = SelectField(
        _l("Interest"),
        choices=choices([("", "—"), *((i.value, label) for i, label in INTEREST_LABELS.items())]),
    )
