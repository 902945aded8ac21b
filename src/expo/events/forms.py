"""Forms for campaigns, events and agenda sessions: the shape of the input only.

Rules that look at several fields or at the database (end after start, a time that does
not exist in the chosen zone, a known campaign) live in ``events.services``.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from expo.events.models import (
    CAMPAIGN_KIND_LABELS,
    EVENT_KIND_LABELS,
    MODERATION_LABELS,
    STATUS_LABELS,
    Campaign,
)
from expo.fields import (
    BaseForm,
    choices,
    local_time_field,
    optional_text,
    zone_choices,
    zone_picker,
)
from expo.i18n import country_choices, country_name, sort_country_codes
from expo.validation import Month


class CampaignForm(BaseForm):
    kind = SelectField(
        _l("Kind"),
        choices=choices((kind.value, label) for kind, label in CAMPAIGN_KIND_LABELS.items()),
        validators=[DataRequired()],
    )
    year = IntegerField(
        _l("Year"),
        validators=[
            InputRequired(message=_l("Enter a year.")),
            NumberRange(2000, 2100, message=_l("Enter a year between 2000 and 2100.")),
        ],
    )
    title_zh = optional_text(_l("Title (Chinese)"))
    title_en = optional_text(_l("Title (English)"))
    summary_zh = TextAreaField(_l("Summary (Chinese)"), validators=[Optional(), Length(max=5000)])
    summary_en = TextAreaField(_l("Summary (English)"), validators=[Optional(), Length(max=5000)])


class EventForm(BaseForm):
    campaign_id = SelectField(_l("Campaign"), coerce=int, validators=[InputRequired()])
    kind = SelectField(
        _l("Kind"),
        choices=choices((kind.value, label) for kind, label in EVENT_KIND_LABELS.items()),
        validators=[DataRequired()],
    )
    title_zh = optional_text(_l("Title (Chinese)"))
    title_en = optional_text(_l("Title (English)"))
    description_zh = TextAreaField(
        _l("Description (Chinese)"), validators=[Optional(), Length(max=20000)]
    )
    description_en = TextAreaField(
        _l("Description (English)"), validators=[Optional(), Length(max=20000)]
    )
    country = SelectField(
        _l("Country or region"),
        validators=[DataRequired(message=_l("Choose a country from the list."))],
    )
    city_zh = optional_text(_l("City (Chinese)"), 100)
    city_en = optional_text(_l("City (English)"), 100)
    venue_zh = optional_text(_l("Venue (Chinese)"))
    venue_en = optional_text(_l("Venue (English)"))
    timezone = SelectField(
        _l("Time zone"),
        description=_l(
            "All times of this event are entered and shown in this zone. "
            "A country with one zone needs no choice."
        ),
        validators=[Optional()],
    )
    starts_at = local_time_field(_l("Starts (local time)"))
    ends_at = local_time_field(_l("Ends (local time)"))
    registration_opens_at = local_time_field(_l("Registration opens (local time)"))
    registration_closes_at = local_time_field(_l("Registration closes (local time)"))
    capacity = IntegerField(
        _l("Capacity (booths or places)"),
        validators=[
            InputRequired(message=_l("Enter the capacity.")),
            NumberRange(min=1, message=_l("Capacity must be at least 1.")),
        ],
    )
    max_delegates = IntegerField(
        _l("Most delegates per enterprise"),
        default=3,
        validators=[
            InputRequired(message=_l("Enter how many delegates an enterprise may send.")),
            NumberRange(1, 50, message=_l("Enter a number between 1 and 50.")),
        ],
    )
    moderation = SelectField(
        _l("Applications"),
        choices=choices((mode.value, label) for mode, label in MODERATION_LABELS.items()),
        validators=[DataRequired()],
    )
    fee_note_zh = TextAreaField(_l("Fees (Chinese)"), validators=[Optional(), Length(max=5000)])
    fee_note_en = TextAreaField(_l("Fees (English)"), validators=[Optional(), Length(max=5000)])
    subsidy_note_zh = TextAreaField(
        _l("Subsidies (Chinese)"), validators=[Optional(), Length(max=5000)]
    )
    subsidy_note_en = TextAreaField(
        _l("Subsidies (English)"), validators=[Optional(), Length(max=5000)]
    )

    def __init__(self, *args, campaigns=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.campaign_id.choices = choices((campaign.id, campaign.title) for campaign in campaigns)
        self.country.choices = choices([("", _l("Choose…")), *country_choices()])
        # The chosen country's zones first; zone-picker.js narrows the list to them.
        self.timezone.choices = zone_choices(
            _l("Choose…"), first=[self.country.data], current=self.timezone.data
        )
        zone_picker(self.timezone, country_field=self.country.name)


class EventCopyForm(BaseForm):
    """The first day of a copy, on the event's own calendar; the rest follows from it."""

    starts_on = DateField(
        _l("New start date"),
        description=_l(
            "In the event's time zone. Every date of the copy moves by the same number of "
            "days, registration included, and keeps its local time."
        ),
        validators=[InputRequired(_l("Enter the new start date."))],
    )


class SessionForm(BaseForm):
    starts_at = local_time_field(_l("Starts (local time)"))
    ends_at = local_time_field(_l("Ends (local time)"))
    title_zh = optional_text(_l("Title (Chinese)"))
    title_en = optional_text(_l("Title (English)"))
    place_zh = optional_text(_l("Place (Chinese)"))
    place_en = optional_text(_l("Place (English)"))
    host_zh = optional_text(_l("Host (Chinese)"))
    host_en = optional_text(_l("Host (English)"))


def _all(label, pairs) -> list:
    return choices([("", label), *pairs])


def filter_choices(
    campaigns: Iterable[Campaign], countries: Iterable[str]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The catalogue filters' campaign and country choices, in the reader's language:
    plain strings, so that a page can keep them (``events.views``)."""
    return (
        [(str(campaign.id), campaign.title) for campaign in campaigns],
        [(code, country_name(code)) for code in sort_country_codes(countries)],
    )


class EventFilterForm(BaseForm):
    """The catalogue's filters, read from the query string (no CSRF for a GET search)."""

    class Meta:
        csrf = False

    campaign = SelectField(_l("Campaign"), coerce=str, validators=[Optional()])
    country = SelectField(_l("Country or region"), validators=[Optional()])
    kind = SelectField(_l("Kind"), validators=[Optional()])
    month = StringField(
        _l("Month"), validators=[Optional(), Length(max=7), Month()], render_kw={"type": "month"}
    )
    when = SelectField(
        _l("When"),
        choices=choices(
            [
                ("upcoming", _l("Upcoming and running")),
                ("past", _l("Past")),
                ("all", _l("All")),
            ]
        ),
        default="upcoming",
        validators=[Optional()],
    )
    open = BooleanField(_l("Open for registration"))
    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, campaigns=(), countries=(), **kwargs) -> None:
        """``campaigns`` and ``countries``: the (value, label) pairs offered, in order
        (see ``filter_choices``)."""
        super().__init__(*args, **kwargs)
        self.campaign.choices = _all(_l("All campaigns"), campaigns)
        self.country.choices = _all(_l("All countries"), countries)
        self.kind.choices = _all(_l("All kinds"), EVENT_KIND_LABELS.items())
        self.status.choices = _all(_l("All statuses"), STATUS_LABELS.items())
