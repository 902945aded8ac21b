"""Language choice, bilingual content and locale-aware formatting of places and times."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_interval
from babel.numbers import format_decimal
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from expo import places

SESSION_KEY = "lang"

# The clock of the department's staff in Sichuan (all of China keeps Beijing time): what
# staff pages show times in, and the date documents are signed and issued on.
STAFF_TIMEZONE = "Asia/Shanghai"


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """``?lang=`` first, then the user's saved choice, then this browser's, then its headers."""
    languages = supported_languages()
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    remembered = session.get(SESSION_KEY)
    if remembered in languages:
        return remembered
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "zh"


def html_lang(language: str | None = None) -> str:
    """The value for ``<html lang>`` and ``Content-Language``: ``zh-CN`` so fonts pick
    Simplified Chinese glyphs. The reader's language unless ``language`` is given."""
    language = language or current_language()
    return "zh-CN" if language == "zh" else language


def pick(zh: str | None, en: str | None, language: str | None = None) -> str:
    """The text in the reader's language, falling back to the other one when empty."""
    language = language or current_language()
    first, second = (en, zh) if language == "en" else (zh, en)
    return (first or "").strip() or (second or "").strip()


class Bilingual:
    """A read-only attribute that shows ``<name>_zh`` or ``<name>_en`` for the reader."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        return pick(getattr(instance, f"{self.name}_zh"), getattr(instance, f"{self.name}_en"))


def city_and_country(city: str | None, country: str | None, language: str | None = None) -> str:
    """ "Budapest, Hungary" in English, "匈牙利布达佩斯" in Chinese (largest place first)."""
    if not (city and country):
        return city or country or ""
    language = language or current_language()
    return f"{country}{city}" if language == "zh" else f"{city}, {country}"


# --- dates printed on official documents ------------------------------------------------
#
# Letters and certificates are read by visa offices and checked against each other, so
# their wording is the product's own and does not move when a newer Babel brings a newer
# CLDR (which, for one, changed 18日至25日 into 18日 – 25日). Screens use CLDR on purpose.

ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def document_date(day: date, language: str) -> str:
    """ "2027年3月18日" or "March 18, 2027"."""
    if language == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{ENGLISH_MONTHS[day.month - 1]} {day.day}, {day.year}"


def document_date_range(starts: date, ends: date, language: str) -> str:
    """ "2027年3月18日至25日" or "March 18–25, 2027": what is shared is said once."""
    if starts == ends:
        return document_date(starts, language)
    if language == "zh":
        if starts.year != ends.year:
            tail = f"{ends.year}年{ends.month}月{ends.day}日"
        elif starts.month != ends.month:
            tail = f"{ends.month}月{ends.day}日"
        else:
            tail = f"{ends.day}日"
        return f"{document_date(starts, language)}至{tail}"
    if starts.year != ends.year:
        return f"{document_date(starts, language)} – {document_date(ends, language)}"
    start_month, end_month = ENGLISH_MONTHS[starts.month - 1], ENGLISH_MONTHS[ends.month - 1]
    if starts.month != ends.month:
        return f"{start_month} {starts.day} – {end_month} {ends.day}, {ends.year}"
    return f"{start_month} {starts.day}–{ends.day}, {ends.year}"


def local_document_date_range(starts: datetime, ends: datetime, tz_name: str, language: str) -> str:
    """:func:`document_date_range` of the days on the clocks of ``tz_name``."""
    return document_date_range(
        to_local(starts, tz_name).date(), to_local(ends, tz_name).date(), language
    )


_ENGLISH_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CHINESE_WEEKDAYS = ("一", "二", "三", "四", "五", "六", "日")


def document_full_date(day: date, language: str) -> str:
    """ "2027年5月10日星期一" or "Monday, May 10, 2027": a day heading on a schedule.

    No space before 星期 in Chinese: none is set between runs of Chinese characters.
    """
    if language == "zh":
        return f"{document_date(day, language)}星期{_CHINESE_WEEKDAYS[day.weekday()]}"
    return f"{_ENGLISH_WEEKDAYS[day.weekday()]}, {document_date(day, language)}"


def document_time(moment: datetime, tz_name: str) -> str:
    """ "09:00", "21:05": the wall clock of ``tz_name``, 24-hour in both languages.

    Tickets and timetables print 24-hour times, and the Chinese and the English copy of
    the same paper then show the same digits: nothing to read as AM or PM.
    """
    return to_local(moment, tz_name).strftime("%H:%M")


def document_zone(moment: datetime, tz_name: str) -> str:
    """ "UTC+02:00 Europe/Budapest": the offset at ``moment``, then the zone's own name.

    The same in both languages, so a Chinese clerk and a foreign buyer compare two copies
    at a glance: the offset is what one counts hours with, the IANA name says which
    clocks (and their summer time) are meant. CLDR's names ("Hawaii-Aleutian Standard
    Time", "中欧夏令时间") change between releases and differ between the copies.
    """
    offset = to_local(moment, tz_name).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d} {tz_name}"


def local_document_date(moment: datetime, tz_name: str, language: str | None = None) -> str:
    """:func:`document_date` of the day on the clocks of ``tz_name``."""
    return document_date(to_local(moment, tz_name).date(), language or current_language())


def local_document_full_date(moment: datetime, tz_name: str, language: str | None = None) -> str:
    """:func:`document_full_date` of the day on the clocks of ``tz_name``."""
    return document_full_date(to_local(moment, tz_name).date(), language or current_language())


def local_document_datetime(moment: datetime, tz_name: str, language: str | None = None) -> str:
    """ "2027年5月10日 09:00" or "May 10, 2027, 09:00" on the clocks of ``tz_name``."""
    language = language or current_language()
    separator = " " if language == "zh" else ", "
    day = local_document_date(moment, tz_name, language)
    return f"{day}{separator}{document_time(moment, tz_name)}"


def labelled(label: object, value: object) -> str:
    """ "Place: Hall A" with the colon each language uses (full-width in Chinese)."""
    separator = "：" if current_language() == "zh" else ": "
    return f"{label}{separator}{value}"


# --- countries ---------------------------------------------------------------------
#
# The lists and names themselves are ``expo.places``'s: these read them in the reader's
# language.


def country_codes() -> frozenset[str]:
    """Every valid country code (stored values included)."""
    return places.country_codes()


def country_name(code: str | None, language: str | None = None) -> str:
    return places.country_name(code, language or current_language())


def country_choices(
    language: str | None = None, purpose: places.Purpose = "market"
) -> list[tuple[str, str]]:
    """The countries a list offers, China and its regions first: markets (where one sells,
    holds a fair, travels to) unless ``purpose`` says nationality."""
    return places.country_choices(purpose, language or current_language())


def sort_country_codes(codes, language: str | None = None) -> list[str]:
    """Codes (the countries of the events listed, say) in the order lists show them."""
    return places.sort_codes(codes, language or current_language())


# --- time zones ----------------------------------------------------------------------


def timezone_names() -> frozenset[str]:
    """Every zone a stored value may name (aliases too); the picker offers fewer."""
    return places.all_zone_names()


def is_timezone(name: str | None) -> bool:
    return bool(name) and name in places.all_zone_names()


def zone_label(tz_name: str, language: str | None = None, moment: datetime | None = None) -> str:
    """``曼谷时间 (UTC+07:00)``: the one way pages name a zone, its offset at ``moment``."""
    return places.zone_name(tz_name, language or current_language(), moment)


def viewer_timezone() -> str:
    """The zone the reader reads history in: their own, else China time."""
    if has_request_context() and current_user and current_user.is_authenticated:
        chosen = getattr(current_user, "timezone", None)
        if chosen and is_timezone(chosen):
            return str(chosen)
    return STAFF_TIMEZONE


def to_local(moment: datetime, tz_name: str) -> datetime:
    return moment.astimezone(ZoneInfo(tz_name))


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by a daylight-saving change, e.g. 02:30 on a spring night."""


def local_to_utc(local: datetime, tz_name: str) -> datetime:
    """The UTC instant of a naive wall-clock time in ``tz_name``.

    A time that occurs twice (autumn fall-back) means its first occurrence; a time that
    never occurs (spring forward) is refused rather than silently moved.
    """
    zone = ZoneInfo(tz_name)
    aware = local.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(local)
    return instant


def utc_to_local(moment: datetime, tz_name: str) -> datetime:
    """The naive wall-clock time in ``tz_name``, as a form shows it."""
    return moment.astimezone(ZoneInfo(tz_name)).replace(tzinfo=None)


def format_local_datetime(moment: datetime | None, tz_name: str, *, with_zone: bool = True) -> str:
    """A UTC instant as the wall-clock time in ``tz_name``, naming the zone and offset."""
    if moment is None:
        return ""
    language = current_language()
    zone = ZoneInfo(tz_name)
    # The medium pattern carries seconds, which no agenda needs.
    text = format_datetime(
        moment,
        Locale(language)
        .datetime_formats["medium"]
        .format(format_time_pattern(language), _date_pattern(language, "medium")),
        tzinfo=zone,
        locale=language,
    )
    if with_zone:
        text += " " + places.zone_name(tz_name, language, moment)
    return text


def format_local_time(moment: datetime | None, tz_name: str) -> str:
    if moment is None:
        return ""
    language = current_language()
    return format_datetime(
        moment, format_time_pattern(language), tzinfo=ZoneInfo(tz_name), locale=language
    )


def format_local_date(moment: datetime | None, tz_name: str, fmt: str = "medium") -> str:
    if moment is None:
        return ""
    return format_date(to_local(moment, tz_name).date(), fmt, locale=current_language())


def format_date_range(starts: date | None, ends: date | None) -> str:
    """ "Sep 26 – 28, 2023" or "2023年9月26日 – 28日"; a single day is named once.

    Screens follow CLDR (documents have their own wording: :func:`document_date_range`).
    """
    language = current_language()
    if starts is None or ends is None or starts == ends:
        day = starts or ends
        return format_date(day, "medium", locale=language) if day else ""
    return format_interval(starts, ends, "yMMMd", locale=language)


def format_local_date_range(starts: datetime | None, ends: datetime | None, tz_name: str) -> str:
    """:func:`format_date_range` of the days on the clocks of ``tz_name``."""
    return format_date_range(
        to_local(starts, tz_name).date() if starts else None,
        to_local(ends, tz_name).date() if ends else None,
    )


def format_zone(moment: datetime, tz_name: str) -> str:
    """``Budapest Time (UTC+02:00)`` as it is at ``moment``."""
    return places.zone_name(tz_name, current_language(), moment)


def format_time_pattern(language: str) -> str:
    return "HH:mm" if language == "zh" else "h:mm a"


def _date_pattern(language: str, width: str) -> str:
    return Locale(language).date_formats[width].pattern


def format_number(value, language: str | None = None) -> str:
    return format_decimal(value, locale=language or current_language())
