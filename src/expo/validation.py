"""The shapes several areas check: phone numbers, email addresses, passports, Latin names.

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

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

EMAIL_LENGTH = 254  # the longest address SMTP carries, and the columns' size
PHONE_LENGTH = 32  # the phone and mobile columns' size
PHONE_DIGITS = (5, 20)  # 12308, the consular hotline, up to a number with an extension
PASSPORT_LENGTH = (5, 20)

PHONE_MESSAGE = _l(
    "Enter a phone number of 5 to 20 digits; spaces, brackets, dots, "
    "hyphens and a leading + may be used."
)
EMAIL_MESSAGE = _l("Enter a valid email address, such as name@example.com.")
PASSPORT_MESSAGE = _l("A passport number has 5 to 20 letters and digits.")
LATIN_NAME_MESSAGE = _l(
    "Use Latin letters, as in the passport; spaces, hyphens and apostrophes may be used."
)

# An optional bracket and "+" for the country code, then digits and their separators.
_PHONE = re.compile(r"[(\s]*\+?[0-9\s().\-]*")
_PASSPORT = re.compile(r"[A-Z0-9]+")
_PASSPORT_SEPARATORS = re.compile(r"[\s\-]+")
# Between the parts of a name: "O'Brien", "Jean-Luc", "Jr.".
_NAME_PUNCTUATION = frozenset(" -'’‐.")


class InvalidValue(ValueError):
    """A value of the wrong shape; ``message`` is shown at the field."""

    def __init__(self, message) -> None:
        self.message = message
        super().__init__(str(message))


def _too_long(limit: int):
    return _l("Use at most %(max)d characters.", max=limit)


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


class Phone(_Shape):
    check = staticmethod(check_phone)


class EmailAddress(_Shape):
    check = staticmethod(check_email)


class Passport(_Shape):
    check = staticmethod(check_passport)


class LatinName(_Shape):
    check = staticmethod(check_latin_name)
