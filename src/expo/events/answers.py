"""The answers to an event's custom questions: what each may be, and how it reads.

The registrations service checks what came in with :func:`validate_answers`, the
authority on what an answer may be; the form's fields (``events.answer_fields``) run the
same :func:`normalise_answer`. :func:`answer_text` shows a stored answer to a reader.

Stored answers (``Answer.value``, JSON) by kind:

=============== =========================================================================
short_text      the stripped text, at most 200 characters
long_text       the stripped text (line breaks as ``\\n``), at most 5,000 characters
number          a JSON number: an ``int`` when whole, otherwise a ``float``. Entries are
                limited to 12 digits before the decimal point and 3 after it, so at most
                15 significant digits: the float is exactly the decimal that was typed
                (``repr`` gives it back) and nothing is rounded on the way to JSON
single_choice   the chosen choice's ``value`` (a stable key, not a label)
multiple_choice a list of choice ``value`` keys, in the question's order, without repeats
yes_no          ``true`` or ``false``
date            an ISO date string, ``"YYYY-MM-DD"``
=============== =========================================================================

An unanswered optional question has no value at all: :func:`validate_answers` leaves it
out of its result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from babel.dates import format_date
from babel.lists import format_list
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from expo.errors import InvalidInput
from expo.events.models import Question, QuestionKind
from expo.i18n import current_language, format_number
from expo.validation import CONTROL_CHARACTER_MESSAGE, has_control_characters

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000
NUMBER_INTEGER_DIGITS = 12  # |number| < 10**12
NUMBER_DECIMAL_PLACES = 3  # 12 + 3 = 15 significant digits: exact as a JSON float
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)

ANSWER_REQUIRED = _l("Answer this question.")


class AnswerRefused(ValueError):
    """An answer that does not fit its question; ``message`` says why to the applicant."""

    def __init__(self, message) -> None:
        self.message = message
        super().__init__(str(message))


def answer_field_name(question: Question) -> str:
    return f"answer_{question.id}"


def _single(value):
    """One submitted value: a list (from ``getlist``) of one item counts as that item."""
    if isinstance(value, list | tuple):
        if len(value) > 1:
            raise AnswerRefused(_l("Choose only one."))
        return value[0] if value else None
    return value


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value, limit: int, *, multiline: bool) -> str | None:
    value = _single(value)
    if _blank(value):
        return None
    text = str(value).strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split("\n"))
    if has_control_characters(text, multiline=multiline):
        raise AnswerRefused(CONTROL_CHARACTER_MESSAGE)
    if len(text) > limit:
        raise AnswerRefused(
            _l(
                "Use at most %(max)s characters (this answer has %(count)s).",
                max=limit,
                count=len(text),
            )
        )
    return text


def _number(value) -> int | float | None:
    value = _single(value)
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise AnswerRefused(_l("Enter a number, e.g. 1200 or 3.5."))
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(",", "").replace(" ", ""))
    except InvalidOperation:
        raise AnswerRefused(_l("Enter a number, e.g. 1200 or 3.5.")) from None
    if not number.is_finite():
        raise AnswerRefused(_l("Enter a number, e.g. 1200 or 3.5."))
    if abs(number) >= 10**NUMBER_INTEGER_DIGITS:
        raise AnswerRefused(
            _l(
                "Enter a number with at most %(digits)s digits before the decimal point.",
                digits=NUMBER_INTEGER_DIGITS,
            )
        )
    if number == number.to_integral_value():
        return int(number)
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > NUMBER_DECIMAL_PLACES:
        raise AnswerRefused(
            _l(
                "Enter at most %(places)s digits after the decimal point.",
                places=NUMBER_DECIMAL_PLACES,
            )
        )
    return float(number)


def _choice(question: Question, value) -> str | None:
    value = _single(value)
    if _blank(value):
        return None
    value = str(value).strip()
    if value not in {choice["value"] for choice in question.choices or []}:
        raise AnswerRefused(_l("Choose one of the options."))
    return value


def _choices(question: Question, value) -> list[str] | None:
    if value is None:
        return None
    submitted = [value] if isinstance(value, str) else list(value)
    picked = {str(item).strip() for item in submitted if not _blank(item)}
    if not picked:
        return None
    known = [choice["value"] for choice in question.choices or []]
    if not picked <= set(known):
        raise AnswerRefused(_l("Choose only among the options."))
    return [item for item in known if item in picked]


_YES = {"yes", "true", "1", "on", "y"}
_NO = {"no", "false", "0", "off", "n"}


def _yes_no(value) -> bool | None:
    value = _single(value)
    if isinstance(value, bool):
        return value
    if _blank(value):
        return None
    text = str(value).strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise AnswerRefused(_l("Choose yes or no."))


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(value) -> str | None:
    value = _single(value)
    if _blank(value):
        return None
    if isinstance(value, date):
        day = value.date() if isinstance(value, datetime) else value
    else:
        text = str(value).strip()
        if not _ISO_DATE.fullmatch(text):
            raise AnswerRefused(_l("Enter a date as YYYY-MM-DD, e.g. 2027-05-10."))
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise AnswerRefused(_l("This date does not exist.")) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise AnswerRefused(_l("Enter a date between 1900 and 2100."))
    return day.isoformat()


def normalise_answer(question: Question, value: object) -> object | None:
    """The value to store for one submitted answer, or ``None`` when it is blank.

    Raises :class:`AnswerRefused` when the answer does not fit the question. Whether a
    blank answer is acceptable (``question.required``) is the caller's business.
    """
    kind = question.kind
    if kind == QuestionKind.SHORT_TEXT:
        return _text(value, SHORT_TEXT_MAX, multiline=False)
    if kind == QuestionKind.LONG_TEXT:
        return _text(value, LONG_TEXT_MAX, multiline=True)
    if kind == QuestionKind.NUMBER:
        return _number(value)
    if kind == QuestionKind.SINGLE_CHOICE:
        return _choice(question, value)
    if kind == QuestionKind.MULTIPLE_CHOICE:
        return _choices(question, value)
    if kind == QuestionKind.YES_NO:
        return _yes_no(value)
    if kind == QuestionKind.DATE:
        return _date(value)
    raise ValueError(f"unknown question kind {kind!r}")


def _submitted(raw: Mapping[str, object], name: str, question: Question) -> object:
    if question.kind == QuestionKind.MULTIPLE_CHOICE and hasattr(raw, "getlist"):
        return raw.getlist(name)  # a MultiDict such as request.form
    return raw.get(name)


def validate_answers(questions: Iterable[Question], raw: Mapping[str, object]) -> dict[int, object]:
    """Check the answers to ``questions``; ``{question id: value to store}``.

    ``raw`` maps each field name ``answer_<question id>`` to what was submitted: a string,
    or a list of strings for several choices. ``request.form`` (a MultiDict) and a
    form's ``.data`` both do. Unanswered optional questions are left out of the result.
    Raises :class:`InvalidInput` keyed by field name when any answer is missing or wrong.
    """
    errors: dict[str, object] = {}
    answers: dict[int, object] = {}
    for question in questions:
        name = answer_field_name(question)
        try:
            value = normalise_answer(question, _submitted(raw, name, question))
        except AnswerRefused as refusal:
            errors[name] = refusal.message
            continue
        if value is None:
            if question.required:
                errors[name] = ANSWER_REQUIRED
            continue
        answers[question.id] = value
    if errors:
        raise InvalidInput(errors)
    return answers


def answer_text(question: Question, value: object) -> str:
    """A stored answer as the reader reads it, for review pages and exports.

    Blank for no answer. An answer that no longer fits its question (say, a choice
    since removed) is shown as it was stored rather than hidden.
    """
    if value is None or value == "" or value == []:
        return ""
    language = current_language()
    kind = question.kind
    try:
        if kind == QuestionKind.SINGLE_CHOICE:
            return question.choice_label(str(value))
        if kind == QuestionKind.MULTIPLE_CHOICE:
            values = value if isinstance(value, list) else [value]
            return format_list(
                [question.choice_label(str(item)) for item in values], locale=language
            )
        if kind == QuestionKind.YES_NO and isinstance(value, bool):
            return _("Yes") if value else _("No")
        if kind == QuestionKind.NUMBER and not isinstance(value, bool):
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
            return format_number(number, language)
        if kind == QuestionKind.DATE:
            return format_date(date.fromisoformat(str(value)), "medium", locale=language)
    except (ValueError, ArithmeticError):
        pass
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def answer_field_data(questions: Iterable[Question], answers: Mapping[int, object]) -> dict:
    """Stored answers as form data, to fill in an application form being edited."""
    data: dict[str, object] = {}
    for question in questions:
        value = answers.get(question.id)
        if value is None:
            continue
        name = answer_field_name(question)
        if question.kind == QuestionKind.YES_NO:
            data[name] = "yes" if value else "no"
        elif question.kind == QuestionKind.MULTIPLE_CHOICE:
            data[name] = list(value) if isinstance(value, list) else [value]
        elif question.kind == QuestionKind.NUMBER and isinstance(value, float):
            data[name] = repr(value)
        else:
            data[name] = str(value)
    return data
