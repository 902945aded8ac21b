"""The wording of dates on official documents is the product's own, not CLDR's."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from expo.i18n import document_date, document_date_range, local_document_date_range


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
