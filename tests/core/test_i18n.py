"""The wording of dates, times and zones on official documents is the product's own, not
CLDR's: these expectations are literal, and hold whichever Babel is installed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from expo.i18n import (
    document_date,
    document_date_range,
    document_full_date,
    document_time,
    document_zone,
    local_document_date,
    local_document_date_range,
    local_document_datetime,
    local_document_full_date,
)


@pytest.mark.parametrize(
    ("starts", "ends", "chinese", "english"),
    [
        (date(2027, 3, 18), date(2027, 3, 18), "2027年3月18日", "March 18, 2027"),
        (date(2027, 3, 18), date(2027, 3, 25), "2027年3月18日至25日", "March 18–25, 2027"),
        (
            date(2027, 3, 28),
            date(2027, 4, 2),
            "2027年3月28日至4月2日",
            "March 28 – April 2, 2027",
        ),
        (
            date(2027, 12, 28),
            date(2028, 1, 2),
            "2027年12月28日至2028年1月2日",
            "December 28, 2027 – January 2, 2028",
        ),
    ],
)
def test_date_ranges_say_what_they_share_once(starts, ends, chinese, english):
    assert document_date_range(starts, ends, "zh") == chinese
    assert document_date_range(starts, ends, "en") == english


def test_single_dates():
    assert document_date(date(2031, 12, 31), "zh") == "2031年12月31日"
    assert document_date(date(2029, 2, 28), "en") == "February 28, 2029"


def test_local_days_are_those_of_the_place():
    # 20:00 UTC on 31 December is already 1 January in Chengdu.
    starts = datetime(2027, 12, 31, 20, 0, tzinfo=UTC)
    ends = datetime(2028, 1, 3, 8, 0, tzinfo=UTC)
    assert local_document_date_range(starts, ends, "Asia/Shanghai", "zh") == "2028年1月1日至3日"
    assert local_document_date_range(starts, ends, "Europe/London", "en") == (
        "December 31, 2027 – January 3, 2028"
    )


@pytest.mark.parametrize(
    ("day", "chinese", "english"),
    [
        (date(2027, 5, 10), "2027年5月10日星期一", "Monday, May 10, 2027"),
        (date(2027, 5, 16), "2027年5月16日星期日", "Sunday, May 16, 2027"),
        (date(2029, 2, 28), "2029年2月28日星期三", "Wednesday, February 28, 2029"),
    ],
)
def test_day_headings_name_the_weekday(day, chinese, english):
    assert document_full_date(day, "zh") == chinese
    assert document_full_date(day, "en") == english


@pytest.mark.parametrize(
    ("moment", "tz_name", "zone", "clock"),
    [
        # Budapest keeps summer time from the last Sunday of March to that of October.
        (
            datetime(2027, 7, 1, 7, 0, tzinfo=UTC),
            "Europe/Budapest",
            "UTC+02:00 Europe/Budapest",
            "09:00",
        ),
        (
            datetime(2027, 1, 15, 7, 0, tzinfo=UTC),
            "Europe/Budapest",
            "UTC+01:00 Europe/Budapest",
            "08:00",
        ),
        # The night the clocks go forward: 00:59 UTC is 01:59 winter time, 01:00 UTC 03:00.
        (
            datetime(2027, 3, 28, 0, 59, tzinfo=UTC),
            "Europe/Budapest",
            "UTC+01:00 Europe/Budapest",
            "01:59",
        ),
        (
            datetime(2027, 3, 28, 1, 0, tzinfo=UTC),
            "Europe/Budapest",
            "UTC+02:00 Europe/Budapest",
            "03:00",
        ),
        # A half-hour zone and a zone behind UTC.
        (datetime(2027, 7, 1, 7, 0, tzinfo=UTC), "Asia/Kolkata", "UTC+05:30 Asia/Kolkata", "12:30"),
        (
            datetime(2027, 7, 1, 7, 0, tzinfo=UTC),
            "Pacific/Honolulu",
            "UTC-10:00 Pacific/Honolulu",
            "21:00",
        ),
        (
            datetime(2027, 7, 1, 7, 0, tzinfo=UTC),
            "Asia/Shanghai",
            "UTC+08:00 Asia/Shanghai",
            "15:00",
        ),
        (
            datetime(2027, 7, 1, 7, 0, tzinfo=UTC),
            "Europe/London",
            "UTC+01:00 Europe/London",
            "08:00",
        ),
        (
            datetime(2027, 1, 1, 7, 0, tzinfo=UTC),
            "Europe/London",
            "UTC+00:00 Europe/London",
            "07:00",
        ),
    ],
)
def test_zones_and_clocks_at_a_moment(moment, tz_name, zone, clock):
    # The same words in both languages, so the Chinese and English copies compare.
    assert document_zone(moment, tz_name) == zone
    assert document_time(moment, tz_name) == clock


def test_times_are_24_hour_in_both_languages():
    evening = datetime(2027, 5, 10, 19, 5, tzinfo=UTC)
    assert document_time(evening, "Europe/Budapest") == "21:05"
    assert local_document_datetime(evening, "Europe/Budapest", "zh") == "2027年5月10日 21:05"
    assert local_document_datetime(evening, "Europe/Budapest", "en") == "May 10, 2027, 21:05"


def test_local_dates_and_headings_are_those_of_the_place():
    # 07:00 UTC on 1 July is still 30 June in Honolulu, and already the evening in Kolkata.
    moment = datetime(2027, 7, 1, 7, 0, tzinfo=UTC)
    assert local_document_date(moment, "Pacific/Honolulu", "en") == "June 30, 2027"
    assert local_document_full_date(moment, "Pacific/Honolulu", "zh") == "2027年6月30日星期三"
    assert local_document_full_date(moment, "Asia/Kolkata", "en") == "Thursday, July 1, 2027"
    assert local_document_datetime(moment, "Asia/Kolkata", "en") == "July 1, 2027, 12:30"
