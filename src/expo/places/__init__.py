"""Countries, regions and time zones: one source for every list and every name.

The rules are data in ``places.toml`` beside this module; what is here reads it. Names
are CLDR's (through Babel) unless the file names a place otherwise; Chinese lists are
sorted by pinyin, English ones alphabetically, with China and its regions first.
Time zones are the tz database's canonical names per country (``zone.tab``), named by
CLDR's exemplar cities in the reader's language.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, Literal
from zoneinfo import ZoneInfo, available_timezones

import pycountry
from babel import Locale
from babel.dates import get_timezone_location
from pypinyin import Style, lazy_pinyin

Purpose = Literal["market", "nationality", "any"]


@cache
def _rules() -> dict[str, Any]:
    with resources.files(__package__).joinpath("places.toml").open("rb") as file:
        return tomllib.load(file)


# --- countries ---------------------------------------------------------------------


@cache
def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 code: whatever was stored stays a valid country."""
    return frozenset(country.alpha_2 for country in pycountry.countries)


@cache
def market_codes() -> frozenset[str]:
    """Where one sells, holds a fair or travels to."""
    return country_codes() - set(_rules()["not_markets"])


@cache
def nationality_codes() -> frozenset[str]:
    """Whose nationality people hold."""
    return country_codes() - set(_rules()["no_nationals"])


def codes_for(purpose: Purpose) -> frozenset[str]:
    if purpose == "market":
        return market_codes()
    if purpose == "nationality":
        return nationality_codes()
    return country_codes()


def country_name(code: str | None, language: str) -> str:
    """The country's or region's name: ``中国台湾`` or ``Taiwan, China``."""
    if not code:
        return ""
    code = code.upper()
    own = _rules()["names"].get(language, {}).get(code)
    if own:
        return str(own)
    return str(Locale.parse(language).territories.get(code, code))


def _latin_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _pinyin_key(name: str) -> tuple[list[str], str]:
    # Syllables with their tone number ("zhong1"): pinyin first, then tone, as Chinese
    # dictionaries order them; the name itself breaks what ties remain.
    return lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True), name


def sort_key(name: str, language: str) -> Any:
    return _pinyin_key(name) if language == "zh" else (_latin_key(name), name)


@cache
def _ordered_codes(purpose: Purpose, language: str) -> tuple[str, ...]:
    rules = _rules()
    allowed = codes_for(purpose)
    head: list[str] = []
    for code in rules["first"]:
        if code in allowed:
            head.append(code)
        head.extend(region for region in rules["regions"].get(code, ()) if region in allowed)
    # Regions follow their country and nowhere else, even where the country is no choice.
    regions = {region for listed in rules["regions"].values() for region in listed}
    rest = sorted(
        (code for code in allowed if code not in head and code not in regions),
        key=lambda code: sort_key(country_name(code, language), language),
    )
    return (*head, *rest)


def ordered_codes(purpose: Purpose, language: str) -> tuple[str, ...]:
    """The codes in the order a list shows them."""
    return _ordered_codes(purpose, language)


def country_choices(purpose: Purpose, language: str) -> list[tuple[str, str]]:
    """``(code, name)`` pairs: China, its regions, then the rest in the reader's order."""
    return [(code, country_name(code, language)) for code in _ordered_codes(purpose, language)]


def sort_codes(codes: Iterable[str], language: str) -> list[str]:
    """Some codes (an enterprise's markets, the countries of the events listed) in list
    order; codes no list offers come last, by name."""
    position = {code: index for index, code in enumerate(_ordered_codes("any", language))}
    return sorted(
        codes,
        key=lambda code: (
            position.get(code, len(position)),
            sort_key(country_name(code, language), language),
        ),
    )


# --- time zones ----------------------------------------------------------------------


@cache
def all_zone_names() -> frozenset[str]:
    """Every IANA zone, aliases too: a stored zone keeps working."""
    return frozenset(name for name in available_timezones() if "/" in name)


@cache
def _zone_tab() -> dict[str, tuple[str, ...]]:
    """zone.tab: the canonical zones of each country, in the file's order (its most
    populous region first)."""
    found: dict[str, list[str]] = {}
    text = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        code, _coordinates, zone, *_comment = line.split("\t")
        found.setdefault(code, []).append(zone)
    official = _rules()["zones"]
    return {
        code: tuple(official.get(code, zones))
        for code, zones in found.items()
        if all(zone in all_zone_names() for zone in official.get(code, zones))
    }


def zones_of(country: str | None) -> tuple[str, ...]:
    """The zones a person in ``country`` picks from: ``("Asia/Shanghai",)`` for China."""
    return _zone_tab().get((country or "").upper(), ())


def single_zone(country: str | None) -> str | None:
    """The zone of a country that has exactly one, else None."""
    zones = zones_of(country)
    return zones[0] if len(zones) == 1 else None


@cache
def canonical_zones() -> frozenset[str]:
    return frozenset(zone for zones in _zone_tab().values() for zone in zones)


def zone_country(zone: str) -> str | None:
    for code, zones in _zone_tab().items():
        if zone in zones:
            return code
    return None


def utc_offset(zone: str, moment: datetime | None = None) -> str:
    """``UTC+08:00``, ``UTC-05:00`` at ``moment`` (now by default)."""
    moment = moment or datetime.now(UTC)
    offset = moment.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def zone_city(zone: str, language: str) -> str:
    """CLDR's exemplar city of the zone in ``language``: ``吉隆坡``, ``Kuala Lumpur``."""
    return str(get_timezone_location(ZoneInfo(zone), locale=language, return_city=True))


def _own_zone_name(zone: str, language: str) -> str | None:
    own = _rules().get("zone_names", {}).get(zone, {}).get(language)
    return str(own) if own else None


def zone_option(zone: str, language: str, moment: datetime | None = None) -> str:
    """What the picker shows: ``吉隆坡 (UTC+08:00)``; ``北京时间 (UTC+08:00)`` for China."""
    place = _own_zone_name(zone, language) or zone_city(zone, language)
    return f"{place} ({utc_offset(zone, moment)})"


def zone_name(zone: str, language: str, moment: datetime | None = None) -> str:
    """The one way a page names a zone: ``曼谷时间 (UTC+07:00)``, ``Bangkok Time
    (UTC+07:00)``; China's is ``北京时间``, as China names its clock."""
    place = _own_zone_name(zone, language) or (
        Locale.parse(language).zone_formats["region"] % zone_city(zone, language)
    )
    return f"{place} ({utc_offset(zone, moment)})"


def zone_groups(
    language: str, first: Iterable[str] = (), moment: datetime | None = None
) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """``(country code, country name, [(zone, label), …])`` for the picker: the countries
    in ``first`` at the top, then every inhabited country in list order."""
    leading = [code.upper() for code in first if code and zones_of(code)]
    rest = [code for code in _ordered_codes("nationality", language) if code not in leading]
    return [
        (
            code,
            country_name(code, language),
            [(zone, zone_option(zone, language, moment)) for zone in zones_of(code)],
        )
        for code in dict.fromkeys([*leading, *rest])
        if zones_of(code)
    ]
