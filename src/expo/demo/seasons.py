"""The demo's calendar: which seasons it shows on a given day, and the dates of its files.

The data files name no year, so the demo looks the same whenever it is seeded. A campaign
file belongs to a season, ``"past"`` or ``"open"`` (:func:`seasons_on` gives their years),
and its dates are ISO 8601 week dates in that year: ``"Y-W15-1 09:00"`` is 09:00 on the
Monday of week 15, ``"Y-1-W14-1"`` the Monday of week 14 the year before. Week dates keep
the weekdays from year to year (Hannover Messe opens on a Monday, the delegation flies out
on a Saturday) and stay within eight days of the calendar (W15-1 falls between 5
and 12 April), so a fair keeps its season and its side of a daylight saving change.

Texts name their years and days through ``str.format`` fields: ``{year}`` (2027),
``{year:edition-zh-since-2018}`` (十, the tenth edition of a fair first held in 2018),
``{year:edition-en-since-2018}`` (10th), and the days of the file's ``[dates]`` table:
``{meet:zh}`` (4月9日), ``{meet:en}`` (9 April), ``{meet:zh-full}`` (2027年4月9日) and
``{meet:en-full}`` (9 April 2027).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

from expo.i18n import ENGLISH_MONTHS, STAFF_TIMEZONE

# From this day of the year on, the open season is next year's: its registrations open in
# the spring before (``Y-1-W14-1``, between 29 March and 5 April), and the season that
# ends this year still takes registrations until late summer (its last deadline is
# ``Y-W39-4``), so some event takes registrations on every day of the year.
NEXT_SEASON_FROM = (5, 1)

_MOMENT = re.compile(
    r"Y(?P<offset>[+-]\d+)?-W(?P<week>\d\d)-(?P<weekday>[1-7])(?: (?P<time>\d\d:\d\d))?"
)
_EDITION = re.compile(r"edition-(?P<language>zh|en)-since-(?P<first>\d{4})")
_CHINESE_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Seasons:
    past: int  # last year's campaign: over on any day of this year
    open: int  # the season whose events take registrations today


def china_today() -> date:
    """Today on the clock of the department's staff, the day the demo is seeded for."""
    return datetime.now(ZoneInfo(STAFF_TIMEZONE)).date()


def seasons_on(today: date) -> Seasons:
    """The years of the demo's seasons for ``today``, a date in China."""
    next_season = today >= date(today.year, *NEXT_SEASON_FROM)
    return Seasons(past=today.year - 1, open=today.year + 1 if next_season else today.year)


def local_moment(expression: str, year: int) -> datetime:
    """The naive wall-clock time ``"Y-W15-1 09:00"`` names in the season of ``year``."""
    match = _MOMENT.fullmatch(expression)
    if match is None:
        raise ValueError(f"not a demo date such as 'Y-W15-1 09:00': {expression!r}")
    day = date.fromisocalendar(
        year + int(match["offset"] or 0), int(match["week"]), int(match["weekday"])
    )
    return datetime.combine(day, time.fromisoformat(match["time"] or "00:00"))


class Year(int):
    """A season's year, which can also name a yearly fair's edition."""

    def __format__(self, spec: str) -> str:
        match = _EDITION.fullmatch(spec)
        if match is None:
            return super().__format__(spec)
        edition = self - int(match["first"]) + 1
        return _chinese_number(edition) if match["language"] == "zh" else _ordinal(edition)


class Day(date):
    """A named day of a data file, written as Chinese and English texts write dates."""

    def __format__(self, spec: str) -> str:
        month = ENGLISH_MONTHS[self.month - 1]
        match spec:
            case "zh":
                return f"{self.month}月{self.day}日"
            case "zh-full":
                return f"{self.year}年{self.month}月{self.day}日"
            case "en":
                return f"{self.day} {month}"
            case "en-full":
                return f"{self.day} {month} {self.year}"
        return super().__format__(spec)


def read(name: str) -> dict[str, Any]:
    """The data file ``data/<name>`` as it is written."""
    with files(__package__).joinpath("data", *name.split("/")).open("rb") as file:
        return tomllib.load(file)


def dated(data: dict[str, Any], year: int) -> dict[str, Any]:
    """``data`` with the fields of its texts filled in for the season of ``year``."""
    fields: dict[str, Any] = {"year": Year(year)}
    for name, expression in data.get("dates", {}).items():
        fields[name] = Day.fromordinal(local_moment(expression, year).toordinal())
    return _filled(data, fields)


def _filled(value: Any, fields: dict[str, Any]) -> Any:
    if isinstance(value, str):
        return value.format_map(fields)
    if isinstance(value, list):
        return [_filled(item, fields) for item in value]
    if isinstance(value, dict):
        return {key: _filled(item, fields) for key, item in value.items()}
    return value


def _chinese_number(number: int) -> str:
    """1 to 99 in Chinese numerals: 九, 十, 十四, 二十, 二十一."""
    if not 0 < number < 100:
        raise ValueError(f"no Chinese numeral for {number}")
    tens, units = divmod(number, 10)
    if tens == 0:
        return _CHINESE_DIGITS[units]
    return (
        ("" if tens == 1 else _CHINESE_DIGITS[tens])
        + "十"
        + (_CHINESE_DIGITS[units] if units else "")
    )


def _ordinal(number: int) -> str:
    suffix = (
        "th" if number % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"
