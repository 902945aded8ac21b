"""The application form's fields for an event's custom questions.

One field per question, built per request by :func:`add_answer_fields`; each runs the
answer rules of ``events.answers``, so the form shows the service's messages.
"""

from __future__ import annotations

import types
from collections.abc import Iterable

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, DateInput, ListWidget

from expo.events.answers import (
    ANSWER_REQUIRED,
    LONG_TEXT_MAX,
    SHORT_TEXT_MAX,
    AnswerRefused,
    answer_field_name,
    normalise_answer,
)
from expo.events.models import Question, QuestionKind
from expo.fields import choices as select_choices

# Up to this many options a single choice shows as radio buttons, beyond as a drop-down.
MOST_RADIO_OPTIONS = 6


class _ValidAnswer:
    """Runs :func:`normalise_answer` in the form, so the form shows the service's messages."""

    def __init__(self, question: Question) -> None:
        self.question = question

    def __call__(self, form, field) -> None:
        try:
            value = normalise_answer(self.question, field.data)
        except AnswerRefused as refusal:
            raise ValidationError(str(refusal.message)) from None
        if value is None and self.question.required:
            raise ValidationError(str(ANSWER_REQUIRED))


def _answer_field(question: Question):
    validators = [
        InputRequired(message=ANSWER_REQUIRED) if question.required else Optional(),
        _ValidAnswer(question),
    ]
    options = {"validators": validators, "description": question.help}
    kind = question.kind
    pairs = [
        (choice["value"], question.choice_label(choice["value"]))
        for choice in question.choices or []
    ]
    # Choices are checked by _ValidAnswer, with its message, not by WTForms.
    if kind == QuestionKind.SHORT_TEXT:
        return StringField(question.label, render_kw={"maxlength": SHORT_TEXT_MAX}, **options)
    if kind == QuestionKind.LONG_TEXT:
        return TextAreaField(
            question.label, render_kw={"rows": 4, "maxlength": LONG_TEXT_MAX}, **options
        )
    if kind == QuestionKind.NUMBER:
        # Text with a numeric keypad rather than <input type="number">: a browser sends a
        # number it cannot parse ("1,5万") as an empty string, so an optional answer would
        # vanish without a word. As text it reaches _number and gets a message.
        return StringField(question.label, render_kw={"inputmode": "decimal"}, **options)
    if kind == QuestionKind.DATE:
        return StringField(question.label, widget=DateInput(), **options)
    if kind == QuestionKind.YES_NO:
        return RadioField(
            question.label,
            choices=select_choices([("yes", _("Yes")), ("no", _("No"))]),
            validate_choice=False,
            **options,
        )
    if kind == QuestionKind.SINGLE_CHOICE:
        if len(pairs) <= MOST_RADIO_OPTIONS:
            return RadioField(
                question.label, choices=select_choices(pairs), validate_choice=False, **options
            )
        return SelectField(
            question.label,
            choices=select_choices([("", _("Choose…")), *pairs]),
            validate_choice=False,
            **options,
        )
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return SelectMultipleField(
            question.label,
            choices=select_choices(pairs),
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
            validate_choice=False,
            **options,
        )
    raise ValueError(f"unknown question kind {kind!r}")


def add_answer_fields(form_class: type[FlaskForm], questions: Iterable[Question]) -> type:
    """A subclass of ``form_class`` with a field ``answer_<id>`` for each question.

    Build it per request: labels and help are in the reader's language. Yes/no and
    single choices of up to six options are radio buttons, several choices checkboxes;
    render them with ``answer_fields`` from ``macros/answers.html``. Numbers and dates
    are string fields (``inputmode="decimal"``, ``type="date"``) and every field runs
    :func:`normalise_answer`, so the form shows the same messages as
    :func:`validate_answers`, which stays the authority.
    """
    fields = {answer_field_name(question): _answer_field(question) for question in questions}
    return types.new_class(
        form_class.__name__, (form_class,), {}, lambda namespace: namespace.update(fields)
    )
