"""The application form: delegates, booths, exhibits, consent, plus the event's questions."""

from __future__ import annotations

import functools
import types

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from expo.events.answer_fields import add_answer_fields
from expo.fields import BaseForm
from expo.validation import EmailAddress


class DelegateForm(Form):
    """One delegate; a row left blank is ignored, so the form can offer spare rows."""

    name_zh = StringField(_l("Name in Chinese"), validators=[Optional(), Length(max=100)])
    name_latin = StringField(
        _l("Name in Latin letters"),
        description=_l("As in the passport, e.g. ZHANG San"),
        validators=[Optional(), Length(max=100)],
    )
    title = StringField(_l("Position"), validators=[Optional(), Length(max=100)])
    mobile = StringField(_l("Mobile"), validators=[Optional(), Length(max=32)])
    email = EmailField(
        _l("Email"),
        validators=[Optional(), EmailAddress(), Length(max=254)],
    )
    passport_number = StringField(
        _l("Passport number (optional)"), validators=[Optional(), Length(max=20)]
    )
    # The edit form's rows: which saved delegate a row is, and whether to forget the
    # passport number on file (the field itself is left empty, see services.form_values).
    delegate_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    remove_passport = BooleanField(_l("Remove the passport number on file"))


def _consent_field() -> BooleanField:
    return BooleanField(
        _l(
            "I agree that the organizers process the personal information of the delegates "
            "named here, passport numbers included, to organise this event, as the personal "
            "information notice describes, and confirm that each delegate has been told and "
            "agrees."
        )
    )


class ApplicationForm(BaseForm):
    delegates = FieldList(FormField(DelegateForm), label=_l("Delegates"), min_entries=1)
    booths_requested = IntegerField(
        _l("Booths requested"),
        default=1,
        validators=[
            InputRequired(message=_l("Enter how many booths you need.")),
            NumberRange(min=1, message=_l("Request at least 1 booth.")),
        ],
    )
    exhibits = TextAreaField(
        _l("Exhibits"),
        description=_l("The products you plan to show."),
        validators=[Optional(), Length(max=5000)],
    )
    consent = _consent_field()
    # The version of the notice the page linked to: the one the applicant agrees to. The
    # service compares it with the version in force; any other value asks consent again.
    consent_version = HiddenField(validators=[Optional()])


class WithdrawForm(BaseForm):
    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=2000)])


def application_form_class(event) -> type[ApplicationForm]:
    """The application form for ``event``: its questions added as fields, then the
    consent, in the order the page shows them (and the error summary lists them)."""
    questions = list(event.questions)
    if not questions:
        return _form_without_questions()
    return _consent_last(add_answer_fields(ApplicationForm, questions))


@functools.cache
def _form_without_questions() -> type[ApplicationForm]:
    """The form of an event that asks no questions: the same for every such event and
    every reader (its texts are translated when shown), so built once per process."""
    return _consent_last(ApplicationForm)


def _consent_last(form_class: type[ApplicationForm]) -> type[ApplicationForm]:
    return types.new_class(
        ApplicationForm.__name__,
        (form_class,),
        {},
        lambda namespace: namespace.update(consent=_consent_field()),
    )
