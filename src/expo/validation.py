"""The shapes several areas check: phone numbers, email addresses, passports, Latin names,
and what no input may be: text with control characters, dates and numbers out of range.

One rule per shape, so what one area accepts another never refuses: a delegate named on
an application becomes a delegation member, an enterprise's contact an account, and each
is saved again through another form.

The ``check_*`` functions are for services (and the CLI and imports through them): each
returns the value to store, normalised, or raises :class:`InvalidValue` with the message
for the field; an empty value is returned as ``""``, since whether a field is required is
the caller's rule. The WTForms validators at the end are thin wrappers for forms, so a
form shows the same message at the field before the service sees the input.

The rules are lenient on purpose: people type international mobiles with a country code,
spaces, dots or brackets, passport numbers with spaces, and often with a Chinese input
method on, which gives full-width digits and letters (NFKC turns those into ASCII).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms import FileField, PasswordField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

EMAIL_LENGTH = 254  # the longest address SMTP carries, and the columns' size
PHONE_LENGTH = 32  # the phone and mobile columns' size
PHONE_DIGITS = (5, 20)  # 12308, the consular hotline, up to a number with an extension
PASSPORT_LENGTH = (5, 20)
# The years anything is planned in (events, delegations, itineraries): a date beyond them
# is a typing mistake, and one near year 1 or 9999 would overflow once moved between zones.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100
# The largest id a row may have: ids are INTEGER columns, 32 bits on PostgreSQL (which
# refuses a larger number with an error, not an empty result).
LARGEST_ID = 2**31 - 1
# The largest whole number a form takes: PostgreSQL's integer columns hold no more.
LARGEST_INTEGER = 2**31 - 1
# The largest decimal amount: Numeric(16, 2) and the answers' twelve digits fit under it.
LARGEST_DECIMAL = Decimal(10) ** 15

PHONE_MESSAGE = _l(
    "Enter a phone number of 5 to 20 digits; spaces, brackets, dots, "
    "hyphens and a leading + may be used."
)
EMAIL_MESSAGE = _l("Enter a valid email address, such as name@example.com.")
PASSPORT_MESSAGE = _l("A passport number has 5 to 20 letters and digits.")
LATIN_NAME_MESSAGE = _l(
    "Use Latin letters, as in the passport; spaces, hyphens and apostrophes may be used."
)
CONTROL_CHARACTER_MESSAGE = _l(
    "Remove the invisible control characters (such as line breaks) from this text."
)
DATE_RANGE_MESSAGE = _l(
    "Enter a date between %(first)d and %(last)d.", first=EARLIEST_YEAR, last=LATEST_YEAR
)
MONTH_MESSAGE = _l(
    "Choose a month between %(first)d and %(last)d.", first=EARLIEST_YEAR, last=LATEST_YEAR
)
NUMBER_MESSAGE = _l("Enter a number.")
NUMBER_TOO_LARGE_MESSAGE = _l("This number is too large.")

# An optional bracket and "+" for the country code, then digits and their separators.
_PHONE = re.compile(r"[(\s]*\+?[0-9\s().\-]*")
_PASSPORT = re.compile(r"[A-Z0-9]+")
_PASSPORT_SEPARATORS = re.compile(r"[\s\-]+")
# C0 and C1 controls (NUL, escape, carriage return …), the Unicode line and paragraph
# separators and lone surrogates: invisible, they break mail headers, CSV cells and
# PostgreSQL (which refuses NUL). A long text keeps its line breaks and tabs.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_CONTROL_IN_LONG_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# Between the parts of a name: "O'Brien", "Jean-Luc", "Jr.".
_NAME_PUNCTUATION = frozenset(" -'’‐.")


class InvalidValue(ValueError):
    """A value of the wrong shape; ``message`` is shown at the field."""

    def __init__(self, message) -> None:
        self.message = message
        super().__init__(str(message))


def _too_long(limit: int):
    return _l("Use at most %(max)d characters.", max=limit)


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds a character no field keeps; ``multiline`` allows line breaks
    (as browsers send them, CR LF) and tabs."""
    if multiline:
        return bool(_CONTROL_IN_LONG_TEXT.search(text.replace("\r\n", "\n")))
    return bool(_CONTROL.search(text))


def check_text(raw: str | None, *, max_length: int, multiline: bool = False) -> str:
    """Free text without surrounding spaces: no control characters, at most ``max_length``.

    A long text (``multiline``) keeps its line breaks, as ``\\n``.
    """
    text = (raw or "").strip()
    if multiline:
        text = text.replace("\r\n", "\n")
    if has_control_characters(text, multiline=multiline):
        raise InvalidValue(CONTROL_CHARACTER_MESSAGE)
    if len(text) > max_length:
        raise InvalidValue(_too_long(max_length))
    return text


def text_check(max_length: int, *, multiline: bool = False) -> Callable[[str | None], str]:
    """:func:`check_text` with its limits fixed, for :func:`checked`."""
    return partial(check_text, max_length=max_length, multiline=multiline)


def is_id(value: object) -> bool:
    """Whether ``value`` can be a row's id; another number reaches the database as an error."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= LARGEST_ID


def in_planning_range(day: date) -> bool:
    """Whether a date (or a date and time) falls in the years anything is planned in."""
    return EARLIEST_YEAR <= day.year <= LATEST_YEAR


_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


def month_start(raw: str | None) -> date | None:
    """The first day of a month written ``YYYY-MM`` (as ``<input type="month">`` sends
    it), or None when it is not one in the planning years."""
    match = _MONTH.fullmatch((raw or "").strip())
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    if not (EARLIEST_YEAR <= year <= LATEST_YEAR and 1 <= month <= 12):
        return None
    return date(year, month, 1)


def check_phone(raw: str | None) -> str:
    """A phone or mobile number as typed, full-width digits made ASCII."""
    phone = unicodedata.normalize("NFKC", raw or "").strip()
    if not phone:
        return ""
    digits = sum(character.isdigit() for character in phone)
    if not _PHONE.fullmatch(phone) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        raise InvalidValue(PHONE_MESSAGE)
    if len(phone) > PHONE_LENGTH:
        raise InvalidValue(_too_long(PHONE_LENGTH))
    return phone


def normalise_email(raw: str | None) -> str:
    """How addresses are stored and compared: without surrounding spaces, in lower case."""
    return (raw or "").strip().lower()


def check_email(raw: str | None, *, internal: bool = False) -> str:
    """An email address, normalised.

    The full syntax (the ``email_validator`` package, without asking DNS) unless
    ``internal``: accounts made from the command line may use addresses only this
    installation knows, such as the demo's ``expo.localhost``, which the full check
    refuses; for them only the shape every address has is checked.
    """
    email = normalise_email(raw)
    if not email:
        return ""
    if len(email) > EMAIL_LENGTH:
        raise InvalidValue(_too_long(EMAIL_LENGTH))
    local, at, domain = email.partition("@")
    if not (local and at and domain) or "@" in domain or any(c.isspace() for c in email):
        raise InvalidValue(EMAIL_MESSAGE)
    if not internal:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            raise InvalidValue(EMAIL_MESSAGE) from None
    return email


def normalise_passport(raw: str | None) -> str:
    """A passport number as printed in the passport: no spaces or hyphens, capitals."""
    return _PASSPORT_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or "")).upper()


def check_passport(raw: str | None) -> str:
    passport = normalise_passport(raw)
    if not passport:
        return ""
    low, high = PASSPORT_LENGTH
    if not (_PASSPORT.fullmatch(passport) and low <= len(passport) <= high):
        raise InvalidValue(PASSPORT_MESSAGE)
    return passport


def _is_latin(character: str) -> bool:
    if unicodedata.category(character).startswith("M"):
        return True  # an accent typed as a combining mark
    return character.isalpha() and "LATIN" in unicodedata.name(character, "")


def check_latin_name(raw: str | None) -> str:
    """A name in Latin letters as in a passport (ZHANG San, D'Artagnan, Nguyễn Văn An).

    What it keeps out is another script (a Chinese name typed in the Latin field), which
    the Latin fonts of badges and visa letters cannot print, and symbols. Digits pass:
    they print, and refusing them would catch no real mistake.
    """
    name = unicodedata.normalize("NFKC", raw or "").strip()
    if not name:
        return ""
    if not any(character.isalpha() for character in name) or not all(
        character in _NAME_PUNCTUATION or character in "0123456789" or _is_latin(character)
        for character in name
    ):
        raise InvalidValue(LATIN_NAME_MESSAGE)
    return name


def checked(
    errors: dict[str, object], field: str, check: Callable[[str | None], str], raw: str | None
) -> str:
    """``check(raw)``; when it refuses, its message goes to ``errors[field]``.

    For services that report every field's mistake at once. A refused value comes back
    stripped, so the caller can go on checking the other fields.
    """
    try:
        return check(raw)
    except InvalidValue as invalid:
        errors[field] = invalid.message
        return (raw or "").strip()


# --- WTForms validators ----------------------------------------------------------------


class _Shape:
    """A form validator running one of the checks above; blank input is for ``Optional``."""

    check: Callable[[str | None], str]

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        try:
            type(self).check(field.data)
        except InvalidValue as invalid:
            raise ValidationError(str(invalid.message)) from None


class SafeInput:
    """What no field takes, whatever its form: the first validator of every field.

    :class:`expo.fields.BaseForm`, the base of every form, puts it in front of each
    field's own validators, nested ones included, so a new form cannot forget it. It
    refuses text with control characters (a long text keeps line breaks and tabs),
    dates outside the planning years and numbers beyond what the database holds, and
    stops the field's other validators, which need not expect such input.
    Passwords are left alone: they are never stored or shown as typed.
    """

    def __call__(self, form, field) -> None:
        if isinstance(field, PasswordField | FileField):
            return
        data = field.data
        for value in data if isinstance(data, list | tuple) else (data,):
            message = _refusal(value, multiline=isinstance(field, TextAreaField))
            if message is not None:
                raise StopValidation(str(message))


def _refusal(value: object, *, multiline: bool) -> object | None:
    if isinstance(value, str):
        if has_control_characters(value, multiline=multiline):
            return CONTROL_CHARACTER_MESSAGE
    elif isinstance(value, date):
        if not in_planning_range(value):
            return DATE_RANGE_MESSAGE
    elif isinstance(value, bool):
        return None
    elif isinstance(value, int):
        if abs(value) > LARGEST_INTEGER:
            return NUMBER_TOO_LARGE_MESSAGE
    elif isinstance(value, Decimal | float):
        if not Decimal(value).is_finite():
            return NUMBER_MESSAGE
        if abs(Decimal(value)) >= LARGEST_DECIMAL:
            return NUMBER_TOO_LARGE_MESSAGE
    return None


class Month:
    """A month ``YYYY-MM`` in the planning years (blank input is for ``Optional``)."""

    def __call__(self, form, field) -> None:
        if field.data and month_start(field.data) is None:
            raise ValidationError(str(MONTH_MESSAGE))


class Phone(_Shape):
    check = staticmethod(check_phone)


class EmailAddress(_Shape):
    check = staticmethod(check_email)


class Passport(_Shape):
    check = staticmethod(check_passport)


class LatinName(_Shape):
    check = staticmethod(check_latin_name)
