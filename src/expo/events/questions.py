"""Custom questions an event asks every applicant, and the rules for their answers.

Organizers define the questions (:func:`add_question` … :func:`move_question`); the
application form gets one field per question from :func:`add_answer_fields`, and the
registrations service checks what came in with :func:`validate_answers`, the authority
on what an answer may be. :func:`answer_text` shows a stored answer to a reader.

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
import types
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from babel.dates import format_date
from babel.lists import format_list
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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

from expo.errors import InvalidInput
from expo.events.models import CHOICE_KINDS, Event, Question, QuestionKind
from expo.extensions import db
from expo.fields import choices as select_choices
from expo.i18n import current_language, format_number
from expo.registrations.models import Answer

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000
NUMBER_INTEGER_DIGITS = 12  # |number| < 10**12
NUMBER_DECIMAL_PLACES = 3  # 12 + 3 = 15 significant digits: exact as a JSON float
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
CHOICE_LABEL_MAX = 200
MOST_CHOICES = 100
# Up to this many options a single choice shows as radio buttons, beyond as a drop-down.
MOST_RADIO_OPTIONS = 6

ANSWER_REQUIRED = _l("Answer this question.")

# Kinds whose stored answers read the same under either kind.
_COMPATIBLE_KINDS = ({QuestionKind.SHORT_TEXT.value, QuestionKind.LONG_TEXT.value},)


# --- organizers: the questions ----------------------------------------------------------


@dataclass
class QuestionData:
    """A question as an organizer enters it.

    ``choices_text`` holds one choice per line, ``中文 | English``; either side may be
    empty (the other shows in both languages), and a line without ``|`` is Chinese when
    it contains Chinese characters, English otherwise.
    """

    kind: str = QuestionKind.SHORT_TEXT.value
    label_zh: str = ""
    label_en: str = ""
    help_zh: str = ""
    help_en: str = ""
    required: bool = False
    choices_text: str = ""


_SEPARATOR = re.compile(r"[|｜]")  # the full-width bar is what a Chinese IME types
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _choice_lines(text: str) -> list[tuple[int, str, str]]:
    """``(line number, zh, en)`` for every non-blank line of ``choices_text``."""
    lines = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = _SEPARATOR.split(line, maxsplit=1)
        if len(parts) == 2:
            zh, en = parts
        elif _HAN.search(line):
            zh, en = line, ""
        else:
            zh, en = "", line
        lines.append((number, zh.strip(), en.strip()))
    return lines


def _same(left: str, right: str) -> bool:
    return bool(left) and left.casefold() == right.casefold()


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40].strip("-")


def _unique_value(label_en: str, taken: set[str]) -> str:
    base = _slug(label_en) or "choice"
    value, counter = base, 1
    while value in taken:
        counter += 1
        value = f"{base}-{counter}"
    return value


def _parse_choices(
    text: str, existing: list[dict[str, str]], errors: dict[str, object]
) -> list[dict[str, str]]:
    """The choices of ``text``, keeping the ``value`` of every choice that is still there.

    A line keeps an old choice's value when its Chinese or its English label is unchanged,
    so rewording one language (or fixing a typo) does not change what stored answers mean.
    """
    lines = _choice_lines(text)
    if len(lines) > MOST_CHOICES:
        errors["choices_text"] = _l("Give at most %(count)s choices.", count=MOST_CHOICES)
        return []
    for index, (number, zh, en) in enumerate(lines):
        if not (zh or en):
            errors["choices_text"] = _l(
                "Line %(number)s: write the choice in Chinese or English (or both).",
                number=number,
            )
            return []
        if len(zh) > CHOICE_LABEL_MAX or len(en) > CHOICE_LABEL_MAX:
            errors["choices_text"] = _l(
                "Line %(number)s: keep each choice under %(max)s characters.",
                number=number,
                max=CHOICE_LABEL_MAX,
            )
            return []
        for _number, other_zh, other_en in lines[:index]:
            if _same(zh, other_zh) or _same(en, other_en):
                errors["choices_text"] = _l(
                    "“%(choice)s” is listed twice.", choice=zh if _same(zh, other_zh) else en
                )
                return []

    # Unchanged lines first, then lines that kept one of their two labels.
    matched: dict[int, dict[str, str]] = {}
    unmatched = list(existing)
    for strict in (True, False):
        for index, (_number, zh, en) in enumerate(lines):
            if index in matched:
                continue
            for old in unmatched:
                same_zh = _same(zh, old.get("zh", "")) or not (zh or old.get("zh"))
                same_en = _same(en, old.get("en", "")) or not (en or old.get("en"))
                hit = (
                    (same_zh and same_en)
                    if strict
                    else (_same(zh, old.get("zh", "")) or _same(en, old.get("en", "")))
                )
                if hit:
                    matched[index] = old
                    unmatched.remove(old)
                    break

    taken = {old["value"] for old in matched.values()}
    parsed = []
    for index, (_number, zh, en) in enumerate(lines):
        if index in matched:
            value = matched[index]["value"]
        else:
            value = _unique_value(en, taken)
            taken.add(value)
        parsed.append({"value": value, "zh": zh, "en": en})
    return parsed


def _choice_line(choice: Mapping[str, str]) -> str:
    """A choice as its line in ``choices_text``: ``中文 | English``."""
    return f"{choice.get('zh', '')} | {choice.get('en', '')}".strip()


def _answered_values(question: Question) -> set[str]:
    """The choice values some stored answer to ``question`` uses."""
    if question.id is None:
        return set()
    used: set[str] = set()
    query = sa.select(Answer.value).where(Answer.question_id == question.id)
    for value in db.session.execute(query).scalars():
        if isinstance(value, list):
            used.update(str(item) for item in value)
        elif value is not None:
            used.add(str(value))
    return used


def _has_answers(question: Question) -> bool:
    if question.id is None:
        return False
    query = sa.select(Answer.id).where(Answer.question_id == question.id).limit(1)
    return db.session.execute(query).first() is not None


def _validated_question_values(data: QuestionData, question: Question | None) -> dict:
    errors: dict[str, object] = {}
    kind = (data.kind or "").strip()
    if kind not in {member.value for member in QuestionKind}:
        errors["kind"] = _l("Choose a kind of answer.")
    elif (
        question is not None
        and kind != question.kind
        and not any({kind, question.kind} <= group for group in _COMPATIBLE_KINDS)
        and _has_answers(question)
    ):
        errors["kind"] = _l(
            "Applicants have already answered this question, so its kind of answer "
            "can no longer change."
        )

    texts = {
        name: (getattr(data, name) or "").strip()
        for name in ("label_zh", "label_en", "help_zh", "help_en")
    }
    if not (texts["label_zh"] or texts["label_en"]):
        errors["label_zh"] = _l("Write the question in Chinese or English (or both).")
    for name, limit in (("label_zh", 300), ("label_en", 300), ("help_zh", 500), ("help_en", 500)):
        if len(texts[name]) > limit:
            errors[name] = _l("Use at most %(max)s characters.", max=limit)

    existing = list(question.choices or []) if question is not None else []
    parsed = _parse_choices(data.choices_text, existing, errors)
    if "kind" not in errors and "choices_text" not in errors:
        if kind in CHOICE_KINDS:
            if len(parsed) < 2:
                errors["choices_text"] = _l("Give at least two choices, one per line.")
            elif question is not None:
                kept = {choice["value"] for choice in parsed}
                removed = [choice for choice in existing if choice["value"] not in kept]
                used = _answered_values(question) if removed else set()
                for choice in removed:
                    if choice["value"] in used:
                        errors["choices_text"] = _l(
                            "Applicants have chosen “%(choice)s”: keep it in the list "
                            "(you may reword it in one language).",
                            choice=_choice_line(choice),
                        )
                        break
        elif parsed:
            errors["choices_text"] = _l(
                "Only questions with choices take a list of choices: clear this box "
                "or choose “One choice” or “Several choices”."
            )
    if errors:
        raise InvalidInput(errors)
    return {
        "kind": kind,
        **texts,
        "required": bool(data.required),
        "choices": parsed if kind in CHOICE_KINDS else [],
    }


def _ordered(event: Event) -> list[Question]:
    return sorted(event.questions, key=lambda question: (question.position, question.id or 0))


def _renumber(questions: list[Question]) -> None:
    for position, question in enumerate(questions):
        question.position = position


def add_question(event: Event, data: QuestionData) -> Question:
    """A new question at the end of the event's list."""
    question = Question(**_validated_question_values(data, None))
    questions = _ordered(event)
    _renumber(questions)
    question.position = len(questions)
    event.questions.append(question)
    db.session.flush()
    return question


def update_question(question: Question, data: QuestionData) -> Question:
    for name, value in _validated_question_values(data, question).items():
        setattr(question, name, value)
    db.session.flush()
    return question


def delete_question(question: Question) -> None:
    """Remove a question, and with it every answer given to it."""
    event = question.event
    db.session.execute(sa.delete(Answer).where(Answer.question_id == question.id))
    remaining = [other for other in _ordered(event) if other is not question]
    event.questions.remove(question)
    _renumber(remaining)
    db.session.flush()
    db.session.expire(event, ["questions"])


def move_question(question: Question, direction: str) -> Question:
    """Swap a question with its neighbour; at either end nothing changes."""
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    event = question.event
    questions = _ordered(event)
    index = questions.index(question)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
    _renumber(questions)
    db.session.flush()
    db.session.expire(event, ["questions"])
    return question


def choices_text_from(question: Question) -> str:
    return "\n".join(_choice_line(choice) for choice in question.choices or [])


def question_data_from(question: Question) -> QuestionData:
    return QuestionData(
        kind=question.kind,
        label_zh=question.label_zh,
        label_en=question.label_en,
        help_zh=question.help_zh,
        help_en=question.help_en,
        required=question.required,
        choices_text=choices_text_from(question),
    )


# --- applicants: the answers -----------------------------------------------------------


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
    text = str(value).replace("\x00", "").strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        text = " ".join(text.split("\n"))
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
    if -number.normalize().as_tuple().exponent > NUMBER_DECIMAL_PLACES:
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


# --- the application form's fields -----------------------------------------------------


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
