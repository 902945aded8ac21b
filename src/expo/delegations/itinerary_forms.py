"""The itinerary item form: the shape of the input only.

Rules across fields or needing the database (the end after the start in absolute time,
a time that does not exist in its zone, members of this delegation) live in
``delegations.itinerary``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from expo.delegations.models import ITEM_KIND_LABELS
from expo.fields import (
    BaseForm,
    choices,
    local_time_field,
    optional_text,
    zone_choices,
    zone_picker,
)


def _notes(label) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=5000)], render_kw={"rows": 3})


def _checkboxes(label, **kwargs) -> SelectMultipleField:
    # The service says what is wrong with a choice, in words an organizer understands.
    return SelectMultipleField(
        label,
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        **kwargs,
    )


class ItineraryItemForm(BaseForm):
    kind = SelectField(
        _l("Kind"),
        choices=choices((kind.value, label) for kind, label in ITEM_KIND_LABELS.items()),
        validators=[DataRequired(message=_l("Choose a kind of item."))],
    )
    title_zh = optional_text(_l("Title (Chinese)"))
    title_en = optional_text(_l("Title (English)"))
    starts_at = local_time_field(_l("Starts (local time)"))
    # Zones are checked by the service, whose message names an example zone.
    start_timezone = SelectField(
        _l("Time zone of the start"),
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose a time zone from the list."))],
    )
    ends_at = local_time_field(_l("Ends (local time)"))
    end_timezone = SelectField(
        _l("Time zone of the end"),
        validate_choice=False,
        description=_l("A flight lands in another zone than it leaves from."),
    )
    place_zh = optional_text(_l("Place (Chinese)"))
    place_en = optional_text(_l("Place (English)"))
    address = optional_text(_l("Address"), 300)
    transport_number = optional_text(
        _l("Flight or train number"), 32, description=_l("For example CA 9811 or D 1234.")
    )
    host = optional_text(_l("Host"))
    contact = optional_text(
        _l("Contact"), description=_l("A name and a phone number to call there.")
    )
    notes_zh = _notes(_l("Notes (Chinese)"))
    notes_en = _notes(_l("Notes (English)"))
    everyone = BooleanField(_l("Everyone in the delegation takes part"), default=True)
    member_ids = _checkboxes(
        _l("Members taking part"),
        description=_l("These count only when “Everyone” is unticked."),
    )
    enterprise_ids = _checkboxes(
        _l("Enterprises met"),
        description=_l("For meetings and site visits: the enterprises they are with."),
    )

    def __init__(self, *args, members=(), enterprises=(), countries=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The delegation's countries (where it goes, where it comes from) come first.
        self.start_timezone.choices = zone_choices(
            _l("Choose…"), first=countries, current=self.start_timezone.data
        )
        self.end_timezone.choices = zone_choices(
            _l("Same as the start"), first=countries, current=self.end_timezone.data
        )
        zone_picker(self.start_timezone)
        zone_picker(self.end_timezone)
        self.member_ids.choices = choices((member.id, _member_label(member)) for member in members)
        self.enterprise_ids.choices = choices(
            (enterprise.id, enterprise.name) for enterprise in enterprises
        )


def _member_label(member) -> str:
    organization = member.organization_name
    return f"{member.display_name} ({organization})" if organization else member.display_name
