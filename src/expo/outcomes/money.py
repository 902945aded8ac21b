"""Currencies of outcome reports: which an event offers, their names, amounts and rounding.

Amounts are ``Decimal`` throughout, never floats, and conversions are rounded to the cent
half up (0.005 → 0.01), as an accountant rounds; totals add the rounded line amounts, so a
total is the sum of the figures shown beside it.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import format_currency, get_currency_name, get_territory_currencies
from flask_babel import lazy_gettext as _l

from expo.i18n import current_language
from expo.validation import InvalidValue

# Offered at every event; the event country's own currency is added to them.
BASE_CURRENCIES = ("CNY", "USD", "EUR", "HKD", "JPY", "GBP")
CENT = Decimal("0.01")
# An amount entered: up to a trillion. A rate: up to 10,000 per unit (none is near).
LARGEST_AMOUNT = Decimal(10) ** 12
LARGEST_RATE = Decimal(10) ** 4
RATE_PLACES = 10

AMOUNT_MESSAGE = _l("Enter the amount as a number, such as 12500 or 12500.50.")
AMOUNT_POSITIVE_MESSAGE = _l("Enter an amount greater than zero.")
AMOUNT_CENTS_MESSAGE = _l("Enter the amount to the cent at most (two decimal places).")
AMOUNT_TOO_LARGE_MESSAGE = _l("This amount is too large.")
RATE_MESSAGE = _l("Enter the rate as a number greater than zero, such as 0.1392.")
RATE_TOO_PRECISE_MESSAGE = _l("Use at most 10 decimal places.")
RATE_TOO_LARGE_MESSAGE = _l("This rate is too large.")


def local_currency(country: str, on: date) -> str | None:
    """The currency legal tender in ``country`` on the day, e.g. HUF for Hungary."""
    try:
        currencies = get_territory_currencies(country.upper(), start_date=on, tender=True)
    except Exception:  # an unknown territory: no local currency to offer
        return None
    return currencies[0] if currencies else None


def currencies_for(country: str, on: date) -> tuple[str, ...]:
    """The currencies an event's reports may use: the fixed list and the local one."""
    local = local_currency(country, on)
    if local and local not in BASE_CURRENCIES:
        return (*BASE_CURRENCIES, local)
    return BASE_CURRENCIES


def currency_name(code: str, language: str | None = None) -> str:
    try:
        return get_currency_name(code, locale=language or current_language())
    except Exception:
        return code


def currency_choices(codes: tuple[str, ...], language: str | None = None) -> list[tuple[str, str]]:
    return [(code, f"{code} · {currency_name(code, language)}") for code in codes]


def format_money(amount: Decimal | None, currency: str, language: str | None = None) -> str:
    """ "US$12,500.50", "HUF 1,200,000": Babel's pattern for the reader's language."""
    if amount is None:
        return ""
    # By its text: 1.0 and 1.00 are equal Decimals, but not printed alike.
    return _formatted(str(amount), currency, language or current_language())


@lru_cache(maxsize=8192)
def _formatted(amount: str, currency: str, language: str) -> str:
    # Remembered: a results page shows hundreds of amounts, the same ones to every reader
    # until a report changes, and Babel takes ~0.1 ms for each.
    return format_currency(Decimal(amount), currency, locale=language, decimal_quantization=False)


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def convert(amount: Decimal, rate: Decimal | None) -> Decimal | None:
    """``amount`` × ``rate``, rounded to the cent half up; None without a rate."""
    if rate is None:
        return None
    return to_cents(amount * rate)


def _decimal(raw: object) -> Decimal:
    """A number as people type it: full-width digits, thousands separators, spaces."""
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return Decimal(str(raw))
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    for separator in (",", " ", "_", "'"):
        text = text.replace(separator, "")
    if not text:
        raise InvalidOperation
    return Decimal(text)


def check_amount(raw: object) -> Decimal:
    """An amount entered on a deal line: a number above zero, to the cent."""
    try:
        amount = _decimal(raw)
    except (InvalidOperation, ValueError):
        raise InvalidValue(AMOUNT_MESSAGE) from None
    if not amount.is_finite():
        raise InvalidValue(AMOUNT_MESSAGE)
    if amount <= 0:
        raise InvalidValue(AMOUNT_POSITIVE_MESSAGE)
    if amount >= LARGEST_AMOUNT:
        raise InvalidValue(AMOUNT_TOO_LARGE_MESSAGE)
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise InvalidValue(AMOUNT_CENTS_MESSAGE)
    return amount.quantize(CENT)


def check_rate(raw: object) -> Decimal:
    """An exchange rate: what one unit is worth in the other currency, above zero."""
    try:
        rate = _decimal(raw)
    except (InvalidOperation, ValueError):
        raise InvalidValue(RATE_MESSAGE) from None
    if not rate.is_finite() or rate <= 0:
        raise InvalidValue(RATE_MESSAGE)
    if rate >= LARGEST_RATE:
        raise InvalidValue(RATE_TOO_LARGE_MESSAGE)
    exponent = rate.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -RATE_PLACES:
        raise InvalidValue(RATE_TOO_PRECISE_MESSAGE)
    return rate
