"""The outcome report form (deal lines as rows, a few left blank), the organizers'
question, rate and reporting-period forms. Shape only: the rules are in ``services``."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from expo.fields import BaseForm, strip
from expo.i18n import country_choices
from expo.outcomes import money
from expo.outcomes.models import DEAL_KIND_LABELS
from expo.outcomes.services import LONGEST_REPORT_DAYS, MAX_DEALS

SPARE_ROWS = 3
COUNT_REQUIRED = _l("Enter a number (0 if none).")
COUNT_RANGE = _l("Enter a whole number, 0 or more.")


def _count_field(label, description=None) -> IntegerField:
    return IntegerField(
        label,
        description=description,
        validators=[
            InputRequired(message=COUNT_REQUIRED),
            NumberRange(min=0, message=COUNT_RANGE),
        ],
    )


class DealForm(Form):
    """One deal line; a row left blank is ignored, so the form offers spare rows."""

    # The choices are the event's; the service says at the field what is not one of them.
    counterparty_name = StringField(
        _l("Buyer"), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    counterparty_country = SelectField(_l("Country"), validate_choice=False)
    product = StringField(
        _l("Product or HS code"), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    kind = SelectField(_l("Kind"), validate_choice=False)
    amount = StringField(_l("Amount"), filters=[strip], validators=[Optional(), Length(max=40)])
    currency = SelectField(_l("Currency"), validate_choice=False)
    signed_on = DateField(_l("Date"), validators=[Optional()])


class ReportForm(BaseForm):
    deals = FieldList(FormField(DealForm), min_entries=0, max_entries=MAX_DEALS + SPARE_ROWS)
    buyers_met = _count_field(_l("Buyers met"))
    new_customers = _count_field(_l("New customers"))
    samples_sent = _count_field(_l("Samples sent"))
    remarks = TextAreaField(
        _l("Remarks"),
        description=_l("Anything the figures do not say, in Chinese or in English."),
        validators=[Optional(), Length(max=5000)],
    )


def prepare_report_form(form: ReportForm, currencies: tuple[str, ...], *, purchases: bool) -> None:
    """The event's choices on every row, labels for purchases, and spare blank rows."""
    wanted = min(sum(1 for entry in form.deals if any_typed(entry)) + SPARE_ROWS, MAX_DEALS)
    while len(form.deals) < wanted:
        form.deals.append_entry()
    countries = [("", _l("Choose…")), *country_choices()]
    kinds = [("", _l("Choose…")), *[(k.value, label) for k, label in DEAL_KIND_LABELS.items()]]
    currency_pairs = [("", _l("Choose…")), *money.currency_choices(currencies)]
    for entry in form.deals:
        entry.counterparty_country.choices = countries
        entry.kind.choices = kinds
        entry.currency.choices = currency_pairs
        if purchases:
            entry.counterparty_name.label.text = str(_l("Supplier"))
            entry.counterparty_country.label.text = str(_l("Supplier's country"))
    if purchases:
        form.buyers_met.label.text = str(_l("Suppliers met"))
        form.new_customers.label.text = str(_l("New suppliers"))


def any_typed(entry) -> bool:
    return any(
        str(field.data or "").strip() for field in entry.form if field.type != "CSRFTokenField"
    )


class QuestionForm(BaseForm):
    question = TextAreaField(
        _l("Question for the enterprise"),
        description=_l("The enterprise reads it with the returned report."),
        validators=[
            InputRequired(message=_l("Write the question the enterprise should answer.")),
            Length(max=2000),
        ],
    )


class ConfirmForm(BaseForm):
    """A button: confirming locks the report."""


class RequestReportsForm(BaseForm):
    """A button: ask every approved enterprise without a report for one."""


class ReportPeriodForm(BaseForm):
    report_days = IntegerField(
        _l("Days to report after being asked"),
        validators=[
            InputRequired(message=_l("Enter a number of days.")),
            NumberRange(
                min=1,
                max=LONGEST_REPORT_DAYS,
                message=_l("Enter a number of days from 1 to %(num)d.", num=LONGEST_REPORT_DAYS),
            ),
        ],
    )


class ExchangeRateForm(BaseForm):
    currency = SelectField(_l("Currency"), validate_choice=False)
    rate_to_usd = StringField(
        _l("1 unit in USD"), filters=[strip], validators=[Optional(), Length(max=40)]
    )
    rate_to_cny = StringField(
        _l("1 unit in CNY"), filters=[strip], validators=[Optional(), Length(max=40)]
    )
    taken_on = DateField(
        _l("Date the rate was taken"),
        validators=[InputRequired(message=_l("Enter the date the rate was taken."))],
    )
