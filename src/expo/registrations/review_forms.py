"""Organizer review forms: the list's filters, its export, one decision, and a decision on
many."""

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
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from expo.enterprises.forms import prefecture_choices
from expo.enterprises.industries import industry_choices
from expo.fields import BaseForm, choices, filter_value, strip
from expo.registrations.models import STATUS_LABELS, ApplicationStatus
from expo.registrations.review import DEFAULT_SORT, SORTS, ApplicationFilters

# The decisions an organizer takes, by the status they lead to.
DECISION_LABELS = {
    ApplicationStatus.APPROVED: _l("Approve"),
    ApplicationStatus.WAITLISTED: _l("Put on the waiting list"),
    ApplicationStatus.PENDING: _l("Return to review"),
    ApplicationStatus.REJECTED: _l("Reject"),
    ApplicationStatus.CANCELLED: _l("Cancel"),
}
# The bulk form's actions, as the review page names them, to the status each leads to.
BULK_ACTIONS = {
    "approve": ApplicationStatus.APPROVED,
    "waitlist": ApplicationStatus.WAITLISTED,
    "reject": ApplicationStatus.REJECTED,
    "cancel": ApplicationStatus.CANCELLED,
}
REASON_MAX = 2000


class ApplicationFilterForm(BaseForm):
    """The review list's filters, read from the query string (no CSRF for a search)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Name or credit code"), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    status = SelectField(_l("Status"), validators=[Optional()])
    prefecture = SelectField(_l("Prefecture"), validators=[Optional()])
    industry = SelectField(_l("Industry"), validators=[Optional()])
    key_only = BooleanField(_l("Key enterprises only"))
    # Set by the column headers; kept as a hidden field so filtering keeps the order.
    sort = HiddenField(default=DEFAULT_SORT)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = choices(
            [("", _l("All statuses")), *((s.value, label) for s, label in STATUS_LABELS.items())]
        )
        self.prefecture.choices = choices([("", _l("All prefectures")), *prefecture_choices()])
        self.industry.choices = choices([("", _l("All industries")), *industry_choices()])

    def filters(self) -> ApplicationFilters:
        """The valid filters; a value that is not among the choices filters nothing."""
        self.validate()

        return ApplicationFilters(
            status=filter_value(self.status),
            prefecture=filter_value(self.prefecture),
            industry=filter_value(self.industry),
            key_only=bool(self.key_only.data),
            q=(self.q.data or "") if not self.q.errors else "",
            sort=self.sort.data if self.sort.data in SORTS else DEFAULT_SORT,
        )


class ApplicationExportForm(BaseForm):
    """The export buttons: a POST with CSRF, since every download is put on record.

    The list's filters, as applied, travel as hidden fields; the export reads them back
    with ``ApplicationFilterForm`` so the file holds what the list shows.
    """

    q = HiddenField()
    status = HiddenField()
    prefecture = HiddenField()
    industry = HiddenField()
    key_only = HiddenField()
    sort = HiddenField()

    @classmethod
    def carrying(cls, filters: ApplicationFilters) -> ApplicationExportForm:
        return cls(
            formdata=None,
            data={
                "q": filters.q,
                "status": filters.status or "",
                "prefecture": filters.prefecture or "",
                "industry": filters.industry or "",
                # What a ticked BooleanField sends; empty reads back as not ticked.
                "key_only": "y" if filters.key_only else "",
                "sort": filters.sort,
            },
        )


class ReviewForm(BaseForm):
    """One decision on one application; the button pressed names the new status (``to``)."""

    # Not rendered as a field: each decision is a <button name="to" value="…">.
    to = StringField(
        validators=[
            InputRequired(),
            AnyOf([status.value for status in DECISION_LABELS]),
        ]
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Required to reject or cancel: the enterprise reads it in the email."),
        filters=[strip],
        validators=[Optional(), Length(max=REASON_MAX)],
        render_kw={"rows": 3},
    )


class CancelForm(BaseForm):
    """Cancelling one application, on the page that says what it will do."""

    # Required by the service, which says so at the field in the reader's language.
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Required: the enterprise reads it in the email."),
        filters=[strip],
        validators=[Optional(), Length(max=REASON_MAX)],
        render_kw={"rows": 3},
    )


class BulkReviewForm(BaseForm):
    """The same decision for every application ticked in the list."""

    application_ids = SelectMultipleField(
        _l("Applications received"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(message=_l("Tick at least one application."))],
    )
    action = SelectField(
        _l("Action"),
        choices=choices(
            [(action, DECISION_LABELS[status]) for action, status in BULK_ACTIONS.items()]
        ),
        validators=[InputRequired()],
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Required to reject or cancel: each enterprise reads it in the email."),
        filters=[strip],
        validators=[Optional(), Length(max=REASON_MAX)],
        render_kw={"rows": 2},
    )
    # Set by the page that says what rejecting or cancelling will do: the decision is taken.
    confirmed = HiddenField()
